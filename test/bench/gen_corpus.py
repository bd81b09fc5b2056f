#!/usr/bin/env python3
"""Deterministic benchmark corpus: realistic evkit events, one per line.

Usage: gen_corpus.py N [SEED] > corpus.ndjson
A mix of metric (60%), status (30%) and archive (10%) events, about 230
bytes each, with tags and nested data. The same N and SEED always give the
same bytes.
"""
import json
import random
import sys

def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 42
    rnd = random.Random(seed)
    hosts = [f"web{i:02d}.dc{i % 3 + 1}.ex.net" for i in range(40)]
    hosts += [f"db{i:02d}.dc{i % 3 + 1}.ex.net" for i in range(10)]
    hosts += [f"blackbox{i:02d}.probe.ex.net" for i in range(10)]
    metrics = [("load", ""), ("disk./var", "%"), ("mem.used", "B"), ("http.latency", "s"), ("if.in_octets", "c")]
    checks = ["check_load", "check_disk", "check_http", "check_puppet_run", "check_ntp"]
    states = ["ok"] * 14 + ["warning"] * 3 + ["critical"] * 2 + ["unknown"]
    sev = {"ok": 0, "warning": 1, "critical": 2, "unknown": 3}
    roles = ["frontend_web", "database", "probe", "cache"]
    out = sys.stdout
    t0 = 1790000000.0
    buf = []
    for i in range(n):
        t = round(t0 + i * 0.001, 3)
        host = rnd.choice(hosts)
        r = rnd.random()
        ev = {"id": f"01JD{i:022d}", "time": t}
        tags = {"dc": host.split(".")[1], "role": rnd.choice(roles)}
        if r < 0.6:
            name, unit = rnd.choice(metrics)
            ev.update({"type": "metric", "subject": host, "name": name,
                       "metric": round(rnd.uniform(0, 100), 3), "unit": unit,
                       "tags": tags, "source": "collector",
                       "data": {"interval": 10, "ip": f"10.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(256)}"}})
        elif r < 0.9:
            st = rnd.choice(states)
            ev.update({"type": "status", "subject": host, "name": rnd.choice(checks),
                       "state": st, "severity": sev[st],
                       "message": f"{st.upper()} - value {rnd.randrange(1000)}",
                       "tags": tags, "ttl": 120, "source": "nagios"})
        else:
            ev.update({"type": "archive", "subject": host, "name": "IF-MIB::linkDown",
                       "message": "link down on port " + str(rnd.randrange(48)),
                       "tags": tags, "source": "snmptrap",
                       "data": {"varbinds": [{"oid": "IF-MIB::ifIndex.3", "value": rnd.randrange(48)},
                                             {"oid": "IF-MIB::ifOperStatus.3", "value": "down"}]}})
        buf.append(json.dumps(ev, separators=(",", ":")))
        if len(buf) >= 10000:
            out.write("\n".join(buf) + "\n")
            buf = []
    if buf:
        out.write("\n".join(buf) + "\n")

if __name__ == "__main__":
    main()
