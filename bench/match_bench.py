#!/usr/bin/env python3
"""Runs bench/match_bench.cpp over the rule sets of ../shared/bench/WORKLOAD.md and prints a
markdown table (events/s, decoding included), checking WORKLOAD.md's match counts.

  cmake --preset release && cmake --build --preset release --target squall_match_bench
  python3 bench/match_bench.py [--sizes 10,100,1000] [--selective 10,100,1000,10000]
"""
import argparse
import os
import subprocess
import sys
import tempfile

EXPECTED = {
    "mixed": {10: 9543, 100: 85652, 1000: 855249, 10000: 8552325},
    "selective": {10: 127, 100: 1235, 1000: 12561, 10000: 125235, 100000: 1250200},
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", default="build/release/bench/squall_match_bench")
    parser.add_argument("--events", default="../shared/bench/events-100k.jsonl")
    parser.add_argument("--mixed", default="10,100,1000")
    parser.add_argument("--selective", default="10,100,1000")
    parser.add_argument("--repeat", default="3")
    opts = parser.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    print("| workload | rules | firings | compile | events/s (interpreter) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("mixed", "selective"):
            for n in [int(x) for x in getattr(opts, kind).split(",") if x]:
                rule = os.path.join(tmp, f"{kind}-{n}.rule")
                with open(rule, "w", encoding="utf-8") as f:
                    subprocess.run([sys.executable, os.path.join(here, "workload.py"), kind, str(n)],
                                   stdout=f, check=True)
                r = subprocess.run([opts.bench, "--trigger", "monitoring.alert", "--events",
                                    opts.events, "--expect", str(EXPECTED[kind][n]),
                                    "--repeat", opts.repeat, rule],
                                   capture_output=True, text=True)
                if r.returncode != 0:
                    sys.exit(f"{kind} {n}: {r.stderr.strip()}")
                fields = dict(kv.split("=") for kv in r.stdout.split())
                print(f"| {kind} | {n} | {int(fields['firings']):,} | "
                      f"{float(fields['compile_ms']):.0f} ms | "
                      f"{float(fields['events_per_s']):,.0f} |")


if __name__ == "__main__":
    main()
