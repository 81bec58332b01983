#!/usr/bin/env python3
"""Writes the rule sets of ../shared/bench/WORKLOAD.md as Squall source.

  workload.py mixed N > mixed-N.rule
  workload.py selective N > selective-N.rule
  workload.py correlate N > correlate-N.rule                 keyed correlations, stress case
  workload.py correlate-sparse N > correlate-sparse-N.rule   keyed correlations per host group

The events (../shared/bench/events-100k.jsonl) are bare `monitoring.alert` payloads: run them
with `squall run FILE --trigger monitoring.alert --events ... --dry-run`.
"""
import sys

SEVERITIES = ["critical", "error", "warning", "info"]
WORDS = ["disk", "full", "timeout", "latency", "oom", "restart", "failed", "denied", "cpu",
         "throttled", "unreachable", "backup", "certificate", "expired", "replica", "lag"]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-south-1"]

HEADER = """import core

trigger monitoring.alert {
  id: string
  type: string
  source: string
  severity: string
  cpu: float
  message: string
  host: string
  region: string
  ts: int
}
"""


def mixed(i):
    return (f"rule m{i} {{\n"
            f"  if monitoring.alert where event.severity == \"{SEVERITIES[i % 4]}\"\n"
            f"    and event.cpu > {50 + (i * 7) % 50} and event.message contains \"{WORDS[i % 16]}\"\n"
            f"  then core.noop()\n}}\n")


def selective(i):
    host = f"host-{i % 500:03d}.{REGIONS[(i // 500) % 4]}.example.internal"
    return (f"rule s{i} {{\n"
            f"  if monitoring.alert where event.host == \"{host}\"\n"
            f"    and event.severity == \"{SEVERITIES[(i // 2000) % 4]}\"\n"
            f"  then core.noop()\n}}\n")


def correlate(i):
    """Keyed correlations (issue 6): even i an absence per host, odd i a count per host."""
    if i % 2 == 0:
        return (f"rule a{i} {{\n"
                f"  if (monitoring.alert as d where d.severity == \"{SEVERITIES[i % 4]}\"\n"
                f"      and d.message contains \"{WORDS[i % 16]}\")\n"
                f"    and not (monitoring.alert as b where b.region == \"{REGIONS[i % 4]}\"\n"
                f"      and b.message contains \"{WORDS[(i + 3) % 16]}\")\n"
                f"    where b.host == d.host within 10s\n"
                f"  then core.noop()\n}}\n")
    return (f"rule c{i} {{\n"
            f"  if 5 of monitoring.alert where event.severity == \"{SEVERITIES[i % 4]}\"\n"
            f"    and event.message contains \"{WORDS[i % 16]}\" within 10s by event.host\n"
            f"  then core.noop()\n}}\n")


def correlate_sparse(i):
    """Keyed correlations as a deployment writes them: each rule watches its own host group
    (`host-NNN.`, 500 groups), so an event feeds about two rules, not a hundred."""
    group = f"host-{(i // 2) % 500:03d}."
    if i % 2 == 0:
        return (f"rule a{i} {{\n"
                f"  if (monitoring.alert as d where d.host startswith \"{group}\"\n"
                f"      and d.severity == \"critical\")\n"
                f"    and not (monitoring.alert as b where b.host startswith \"{group}\"\n"
                f"      and b.severity == \"info\")\n"
                f"    where b.host == d.host within 10s\n"
                f"  then core.noop()\n}}\n")
    return (f"rule c{i} {{\n"
            f"  if 5 of monitoring.alert where event.host startswith \"{group}\"\n"
            f"    and event.severity == \"error\" within 10s by event.host\n"
            f"  then core.noop()\n}}\n")


def main():
    kind, n = sys.argv[1], int(sys.argv[2])
    rule = {"mixed": mixed, "selective": selective, "correlate": correlate,
            "correlate-sparse": correlate_sparse}[kind]
    out = [HEADER]
    out += [rule(i) for i in range(n)]
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
