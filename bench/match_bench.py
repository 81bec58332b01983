#!/usr/bin/env python3
"""Runs bench/match_bench.cpp over the rule sets of ../shared/bench/WORKLOAD.md and prints
markdown tables: events/s (JSON decoding included, and matching alone) for the native
matchers and the interpreter, and start-up times (front end, cold JIT, JIT from the object
cache). Every run checks WORKLOAD.md's match counts.

  cmake --preset release && cmake --build --preset release --target squall_match_bench
  cmake --build --preset release --target squall
  python3 bench/match_bench.py [--mixed 10,100,1000,10000] [--selective 10,...,100000]
      [--interp-max 1000]

The last two columns time the whole `squall run` process over one event: cold (empty cache)
and from the program and object caches (best of 3).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

EXPECTED = {
    "mixed": {10: 9543, 100: 85652, 1000: 855249, 10000: 8552325},
    "selective": {10: 127, 100: 1235, 1000: 12561, 10000: 125235, 100000: 1250200},
}


def run(opts, rule, kind, n, *extra):
    r = subprocess.run([opts.bench, "--trigger", "monitoring.alert", "--events", opts.events,
                        "--expect", str(EXPECTED[kind][n]), "--repeat", opts.repeat, *extra,
                        rule], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{kind} {n}: {r.stderr.strip()}")
    return dict(kv.split("=") for kv in r.stdout.split())


def process_start(opts, rule, cache):
    """Wall time of a whole `squall run` over one event: process start, compile (or both
    caches), match, exit."""
    with open(opts.events, encoding="utf-8") as f:
        first = f.readline()
    start = time.monotonic()
    subprocess.run([opts.squall, "run", rule, "--trigger", "monitoring.alert", "--events", "-",
                    "--dry-run", "--jit-cache", cache], input=first, capture_output=True,
                   text=True, check=True)
    return (time.monotonic() - start) * 1000


def rate(fields, key="events_per_s"):
    return f"{float(fields[key]) / 1e6:.2f} M"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", default="build/release/bench/squall_match_bench")
    parser.add_argument("--squall", default="build/release/bin/squall")
    parser.add_argument("--events", default="../shared/bench/events-100k.jsonl")
    parser.add_argument("--mixed", default="10,100,1000,10000")
    parser.add_argument("--selective", default="10,100,1000,10000,100000")
    parser.add_argument("--repeat", default="5")
    parser.add_argument("--interp-max", type=int, default=1000,
                        help="largest rule count also run with the interpreter (it is linear)")
    opts = parser.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    throughput = []
    startup = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("mixed", "selective"):
            for n in [int(x) for x in getattr(opts, kind).split(",") if x]:
                rule = os.path.join(tmp, f"{kind}-{n}.rule")
                with open(rule, "w", encoding="utf-8") as f:
                    subprocess.run([sys.executable, os.path.join(here, "workload.py"), kind, str(n)],
                                   stdout=f, check=True)
                cache = os.path.join(tmp, "cache")
                shutil.rmtree(cache, ignore_errors=True)
                cold = run(opts, rule, kind, n, "--cache", cache)
                warm = run(opts, rule, kind, n, "--cache", cache, "--repeat", "1")
                assert warm["from_cache"] == "1", "second start did not use the object cache"
                run_cache = os.path.join(tmp, "run-cache")
                shutil.rmtree(run_cache, ignore_errors=True)
                run_cold = process_start(opts, rule, run_cache)
                run_cached = min(process_start(opts, rule, run_cache) for _ in range(3))
                interp = None
                if n <= opts.interp_max:
                    interp = run(opts, rule, kind, n, "--engine", "interp", "--repeat", "1")
                speedup = (f"{float(cold['events_per_s']) / float(interp['events_per_s']):.0f}x"
                           if interp else "–")
                throughput.append(
                    f"| {kind} | {n:,} | {int(cold['firings']):,} | {rate(cold)} | "
                    f"{rate(cold, 'match_only_events_per_s')} | "
                    f"{rate(interp) if interp else '–'} | {speedup} |")
                startup.append(
                    f"| {kind} | {n:,} | {float(cold['frontend_ms']):.0f} | "
                    f"{float(cold['index_ms']):.0f} | {float(cold['codegen_ms']):.0f} | "
                    f"{float(cold['optimize_ms']):.0f} | {float(cold['link_ms']):.0f} | "
                    f"{float(cold['engine_ms']):.0f} | {float(warm['engine_ms']):.0f} | "
                    f"{int(cold['object_bytes']) // 1024} | {run_cold:.0f} | {run_cached:.0f} |")
    print("| workload | rules | firings | JIT events/s | JIT, matching alone | interpreter "
          "events/s | JIT / interpreter |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    print("\n".join(throughput))
    print()
    print("| workload | rules | front end ms | index ms | codegen ms | optimize + isel ms | "
          "link ms | JIT start ms (cold) | JIT start ms (cached) | object KiB | "
          "`squall run` ms (cold) | `squall run` ms (cached) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print("\n".join(startup))


if __name__ == "__main__":
    main()
