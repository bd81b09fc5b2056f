# Shared set-up for every bats file: the built tools on PATH, bats-assert.
bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

EVKIT_ROOT="${EVKIT_ROOT:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
export EVKIT_ROOT
export PATH="$EVKIT_ROOT/${BUILD:-build}/bin:$PATH"
FIXTURES="$EVKIT_ROOT/test/fixtures"
export FIXTURES
