#!/usr/bin/env bash
# evfilter example: map an Alertmanager webhook notification (format version
# 4, as a webhook_config receiver gets it) into one evkit status per alert,
# with evfilter alone.
#
# Alertmanager posts the body as one line of JSON, which is one evkit input
# line. (A pretty-printed body can be joined with `tr -d '\n'`: JSON strings
# never hold a raw newline.) Each element of alerts[] becomes one event:
#   subject   the alert's host label, else its instance label (relabel
#             instance to the host name in Prometheus, so the identity is the
#             one the other sources use)
#   name      the alertname label
#   state     ok when the alert is resolved; else critical for a severity
#             label "critical" or "page", warning for anything else
#   time      when it resolved (endsAt) or fired (startsAt), in epoch seconds;
#             a firing alert's endsAt is Go's zero time, which reads as null
#   message   the summary annotation, else the description, else the name
#   tags      the alert's labels; data: the whole alert as sent
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
body=${1:-$here/alertmanager-webhook.json}

evfilter --each alerts \
    --set 'type="status"' \
    --set 'subject=coalesce(item.labels.host, item.labels.instance, "alertmanager")' \
    --set 'name=item.labels.alertname' \
    --set 'state=if(item.status == "resolved", "ok", if(item.labels.severity in ["critical", "page"], "critical", "warning"))' \
    --set 'time=coalesce(parse_time(item.endsAt), parse_time(item.startsAt))' \
    --set 'message=coalesce(item.annotations.summary, item.annotations.description, item.labels.alertname)' \
    --set 'tags=item.labels' \
    --set 'source="alertmanager"' \
    --set 'data=item' \
    --keep type --keep subject --keep name --keep state --keep time --keep message \
    --keep tags --keep source --keep data \
    'exists(item.labels.alertname)' "$body"
