#!/usr/bin/env bash
# evfilter example: map a GitHub push webhook (X-GitHub-Event: push) into
# evkit events with evfilter alone: one archive event per pushed commit, then
# one metric event for the push as a whole.
#
# The body is one line of JSON (join a pretty-printed one with `tr -d '\n'`).
#   subject   the repository, owner/name
#   name      git.commit (one per commit) or git.push
#   time      the commit's timestamp (RFC 3339 with its offset), or for the
#             push the repository's pushed_at (GitHub sends it as epoch seconds)
#   message   "author: first line and the rest of the commit message", or
#             "pusher pushed N commits to REF"
#   tags      the ref and who pushed; data: the commit's id, url and files
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
body=${1:-$here/github-push.json}

# One event per commit.
evfilter --each commits \
    --set 'type="archive"' \
    --set 'subject=repository.full_name' \
    --set 'name="git.commit"' \
    --set 'time=parse_time(item.timestamp)' \
    --set 'message=coalesce(item.author.username, item.author.name) + ": " + item.message' \
    --set 'tags.ref=ref' \
    --set 'tags.pusher=pusher.name' \
    --set 'source="github"' \
    --set 'data.commit=item.id' \
    --set 'data.url=item.url' \
    --set 'data.added=item.added' \
    --set 'data.removed=item.removed' \
    --set 'data.modified=item.modified' \
    --keep type --keep subject --keep name --keep time --keep message --keep tags \
    --keep source --keep data \
    'exists(repository.full_name)' "$body"

# The push itself: how many commits, who pushed where.
evfilter \
    --set 'type="metric"' \
    --set 'subject=repository.full_name' \
    --set 'name="git.push"' \
    --set 'time=repository.pushed_at' \
    --set 'metric=len(commits)' \
    --set 'unit="c"' \
    --set 'message=pusher.name + " pushed " + string(len(commits)) + if(len(commits) == 1, " commit to ", " commits to ") + ref + if(forced, " (forced)", "")' \
    --set 'tags.ref=ref' \
    --set 'tags.pusher=pusher.name' \
    --set 'source="github"' \
    --set 'data.compare=compare' \
    --keep type --keep subject --keep name --keep time --keep metric --keep unit \
    --keep message --keep tags --keep source --keep data \
    'exists(repository.full_name) && !deleted' "$body"
