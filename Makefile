# evkit: monitoring built from composable Unix filters.
# `make help` lists every target.

SHELL := /bin/bash
PREFIX ?= /usr/local
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 30

# Debian 12 packages the build, the tests, the demo and the benchmarks use.
DEB_PACKAGES := g++ make pkg-config python3 \
	libsimdjson-dev libcli11-dev libre2-dev librdkafka-dev libfmt-dev libgtest-dev \
	bats bats-assert bats-support jq hyperfine kcat lowdown \
	monitoring-plugins graphite-carbon python3-whisper prometheus-node-exporter \
	libsnmp-dev snmp snmptrapd libsodium-dev \
	procps psmisc libsystemd-dev systemd man-db \
	tmux libxml2-utils chromium libcurl4-openssl-dev
# Only `make fuzz` needs these (libFuzzer comes with clang).
FUZZ_PACKAGES := clang libclang-rt-14-dev

PKGS := simdjson re2 fmt rdkafka libsystemd
CXX ?= g++
# No -g by default: debug info makes the build (make test) about a third slower;
# give CXXFLAGS="-O2 -g" for a debugger or perf.
CXXFLAGS ?= -O2
CXXFLAGS += -std=c++20 -Wall -Wextra -Wno-unused-parameter -Ilib -MMD -MP
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread

# The shared core (lib/core, lib/expr) goes into every binary; each tool adds
# its own engine folder, lib/$(LIBDIR_tool). Unit tests: test/unit/AREA_*.cpp
# link into build/bin/unit_AREA with the core and lib/AREA.
LIBDIR_evfilter := filter
LIBDIR_evstatus := status
LIBDIR_evsrc-nagios := nagios
LIBDIR_evroute := route
LIBDIR_evbatch := batch
LIBDIR_evgraphite := graphite
LIBDIR_evsrc-snmptrap := snmptrap
LIBDIR_evrpc := rpc
LIBDIR_evplot := plot
LIBDIR_evtimeline := timeline
# Libraries only one engine folder needs, by folder: its tool, unit tests and
# fuzz replays link them.
EXTRA_LIBS_snmptrap = $(shell net-snmp-config --netsnmp-libs 2>/dev/null)
EXTRA_LIBS_rpc = $(shell pkg-config --libs libsodium 2>/dev/null)
EXTRA_LIBS_plot = $(shell pkg-config --libs libcurl 2>/dev/null)
# Objects of another engine folder that one folder uses, by folder: evrpc's
# nagios.run judges plugin runs as evsrc-nagios does; its client discovers
# nodes from an evstatus state file; evstatus show --silences marks what
# evbatch's silences cover.
EXTRA_OBJS_status = $(BUILD)/obj/lib/batch/silences.o
EXTRA_OBJS_rpc = $(call objs_of,nagios) $(call objs_of,status) $(EXTRA_OBJS_status)
# evtimeline fills its line templates with evbatch's placeholder parser.
EXTRA_OBJS_timeline = $(BUILD)/obj/lib/batch/template.o
objs_of = $(patsubst %.cpp,$(BUILD)/obj/%.o,$(sort $(wildcard lib/$(1)/*.cpp)))
# (A function, not written in the rule: a % in a pattern rule's prerequisites
# would be taken for the stem, and the tests compiled in one g++ run.)
unit_objs_of = $(patsubst %.cpp,$(BUILD)/obj/%.o,$(sort $(wildcard test/unit/$(1)_*_test.cpp)))
CORE_OBJS := $(call objs_of,core) $(call objs_of,expr)
TOOLS := $(sort $(basename $(notdir $(wildcard cmd/*.cpp))))
BINS := $(TOOLS:%=$(BUILD)/bin/%)
UNIT_AREAS := $(sort $(foreach f,$(wildcard test/unit/*_test.cpp),$(firstword $(subst _, ,$(notdir $(f))))))
UNIT_BINS := $(UNIT_AREAS:%=$(BUILD)/bin/unit_%)
FUZZ_NAMES := $(sort $(patsubst test/fuzz/fuzz_%.cpp,%,$(wildcard test/fuzz/fuzz_*.cpp)))
REPLAYS := $(FUZZ_NAMES:%=$(BUILD)/bin/replay_%)
MAN_SRCS := $(wildcard docs/*.1.md)
MANS := $(MAN_SRCS:docs/%.md=$(BUILD)/man/%)
# The Kafka cluster tests and the Kafka demo run on (librdkafka's mock cluster).
KAFKA_MOCK := $(BUILD)/test/kafka-mock

.PHONY: all build deps test check unit cli bench fuzz soak install format demo demo-kafka help clean man

all: build ## Build every tool into build/bin (same as `make build`)

build: $(BINS) $(MANS) ## Build every tool into build/bin and man pages into build/man

deps: ## Install missing Debian 12 packages (does nothing when all are present)
	@missing=""; for p in $(DEB_PACKAGES) $(EXTRA_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "deps: installing$$missing"; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

test: ## Install deps, build, run every test; ends with "N passed, M failed"
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory -k -j$(JOBS) build $(UNIT_BINS) $(REPLAYS) $(KAFKA_MOCK) || \
		echo "test: some targets failed to build; their tests count as failed"
	@$(MAKE) --no-print-directory check

check: ## Run the tests against what is built (no deps, no build)
	@BUILD=$(BUILD) test/run_all.sh

# Precompiled headers (lib/core/pch.h; test/unit/pch.h adds GoogleTest):
# simdjson, fmt and the common std headers are parsed once per build, not once
# per source, which halves the build. Each is copied beside its .gch, and
# -include puts it first in every translation unit.
PCH := $(BUILD)/pch/core.h
UNIT_PCH := $(BUILD)/pch/unit.h
PCH_USE = -Winvalid-pch -include

$(PCH).gch: lib/core/pch.h
	@mkdir -p $(dir $@)
	cp $< $(PCH)
	$(CXX) $(CXXFLAGS) $(PKG_CFLAGS) -x c++-header $(PCH) -o $@

$(UNIT_PCH).gch: test/unit/pch.h $(PCH).gch
	@mkdir -p $(dir $@)
	cp $< $(UNIT_PCH)
	$(CXX) $(CXXFLAGS) $(PKG_CFLAGS) -x c++-header $(UNIT_PCH) -o $@

# -Wno-array-bounds: GCC 12 warns falsely on std::string operator+ in the
# tests' expectations (GCC bug 105329), louder with the precompiled header.
$(BUILD)/obj/test/unit/%.o: test/unit/%.cpp $(UNIT_PCH).gch
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(PKG_CFLAGS) $(PCH_USE) $(UNIT_PCH) -Wno-array-bounds -c $< -o $@

$(BUILD)/obj/%.o: %.cpp $(PCH).gch
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(PKG_CFLAGS) $(PCH_USE) $(PCH) -c $< -o $@

.SECONDARY:
.SECONDEXPANSION:
$(BUILD)/bin/unit_%: $$(call unit_objs_of,$$*) \
		$(CORE_OBJS) $$(call objs_of,$$*) $$(EXTRA_OBJS_$$*)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $^ $(PKG_LIBS) $(EXTRA_LIBS_$*) $(shell pkg-config --libs gtest_main 2>/dev/null) -o $@

$(BUILD)/bin/replay_%: $(BUILD)/obj/test/fuzz/fuzz_%.o $(BUILD)/obj/test/fuzz/replay_main.o \
		$(CORE_OBJS) $$(foreach d,$$(notdir $$(wildcard lib/*)),$$(if $$(findstring $$d,$$*),$$(call objs_of,$$d) $$(EXTRA_OBJS_$$d)))
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $^ $(PKG_LIBS) $(foreach d,$(notdir $(wildcard lib/*)),$(if $(findstring $d,$*),$(EXTRA_LIBS_$d))) -o $@

$(BUILD)/bin/%: $(BUILD)/obj/cmd/%.o $(CORE_OBJS) $$(call objs_of,$$(LIBDIR_$$*)) $$(EXTRA_OBJS_$$(LIBDIR_$$*))
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $^ $(PKG_LIBS) $(EXTRA_LIBS_$(LIBDIR_$*)) -o $@

$(KAFKA_MOCK): $(BUILD)/obj/test/kafka/kafka_mock.o
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $^ $(PKG_LIBS) -o $@

$(BUILD)/man/%: docs/%.md
	@mkdir -p $(dir $@)
	lowdown -s -Tman --out-no-smarty $< -o $@

man: $(MANS) ## Build man pages from docs/*.1.md

bench: ## Benchmarks against peers (jq, ...); figures go to docs/benchmarks.md
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory -j$(JOBS) build $(KAFKA_MOCK)
	@BUILD=$(BUILD) test/bench/run.sh

soak: ## Kafka crash loops at length: every stage killed -9 a dozen times (see docs/kafka.md)
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory -j$(JOBS) build $(KAFKA_MOCK)
	@PATH="$(CURDIR)/$(BUILD)/bin:$$PATH" EVKIT_ROOT="$(CURDIR)" BUILD=$(BUILD) \
		EVKIT_SOAK_KILLS=$${EVKIT_SOAK_KILLS:-12} EVKIT_SOAK_EVENTS=$${EVKIT_SOAK_EVENTS:-60000} \
		bats --tap -f 'kill -9' test/cli/kafka.bats

fuzz: ## Run every libFuzzer target for FUZZ_SECONDS each (clang)
	@$(MAKE) --no-print-directory deps EXTRA_PACKAGES="$(FUZZ_PACKAGES)"
	@BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) test/fuzz/run.sh $(FUZZ_NAMES)

install: build ## Install binaries, man pages, completions, examples (PREFIX/share/evkit) under PREFIX
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	$(if $(MANS),install -m 644 $(MANS) $(DESTDIR)$(PREFIX)/share/man/man1/)
	for t in $(TOOLS); do \
		[ -f completions/bash/$$t ] && install -m 644 completions/bash/$$t $(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$t; \
		[ -f completions/zsh/_$$t ] && install -m 644 completions/zsh/_$$t $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_$$t; \
		[ -f completions/fish/$$t.fish ] && install -m 644 completions/fish/$$t.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/$$t.fish; \
	done; true
	@# The examples, with their systemd units naming the installed paths
	@# (they are written for PREFIX /usr/local).
	rm -rf $(DESTDIR)$(PREFIX)/share/evkit/examples
	install -d $(DESTDIR)$(PREFIX)/share/evkit
	cp -R examples $(DESTDIR)$(PREFIX)/share/evkit/examples
	find $(DESTDIR)$(PREFIX)/share/evkit/examples -name '*.service' -exec sed -i 's#/usr/local/#$(PREFIX)/#g' {} +

format: ## Reformat C++ sources with the pinned .clang-format
	clang-format -i $$(find cmd lib test -name '*.cpp' -o -name '*.h')

demo: ## Run the demonstration pipeline (see README)
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory -j$(JOBS) build
	@BUILD=$(BUILD) examples/demo.sh

demo-kafka: ## Run the demonstration pipeline over Kafka topics (a mock cluster on loopback)
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory -j$(JOBS) build $(KAFKA_MOCK)
	@BUILD=$(BUILD) examples/demo-kafka.sh

clean: ## Remove build output
	rm -rf $(BUILD)

help: ## List every target with one line
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /\1\t/' | expand -t 10

-include $(shell find $(BUILD)/obj $(BUILD)/pch -name '*.d' 2>/dev/null)
