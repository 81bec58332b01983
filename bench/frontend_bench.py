#!/usr/bin/env python3
"""Front-end benchmark: wall time and peak memory of `squall check` and `squall fmt --stdout`
on generated rule files of growing size (1 MB, 10 MB) and on the bundled examples.

Usage: bench/frontend_bench.py [--squall build/release/bin/squall] [--runs 3]
Build the release preset first. Prints a Markdown table (median of --runs runs).
"""
import argparse
import glob
import os
import statistics
import subprocess
import tempfile
import sys
import time

HEADER = ('import core\n\n'
          'trigger disk.low {\n  host: string\n  mount: string\n  free_pct: float\n}\n\n')

RULE = ('rule r{i} {{\n'
        '  if disk.low where event.mount == "/var/log" and event.free_pct < {i}\n'
        '    and event.host like "web*"\n'
        '  then core.local(cmd: "logrotate -f /etc/logrotate.conf", timeout: 60)\n'
        '    retry 3 times every 10s backoff 2x\n'
        '  on failure then core.sendmail(to: "ops@example.com", subject: "failed on {{{{event.host}}}}")\n'
        '}}\n\n')


def generate(path, size):
    parts, total, i = [HEADER], len(HEADER), 0
    while total < size:
        text = RULE.format(i=i)
        parts.append(text)
        total += len(text)
        i += 1
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(parts))
    return i


def measure(cmd, runs):
    times, rss = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak RSS, in KiB
        proc.returncode = 0
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"benchmark command failed: {' '.join(cmd)}")
        times.append(time.perf_counter() - start)
        rss = max(rss, usage.ru_maxrss)
    return statistics.median(times), rss / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--squall", default="build/release/bin/squall")
    parser.add_argument("--runs", type=int, default=3)
    opts = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, size in (("1 MB", 1 << 20), ("10 MB", 10 << 20)):
            path = os.path.join(tmp, f"{label.replace(' ', '')}.rule")
            rules = generate(path, size)
            for command in (["check"], ["fmt", "--stdout"]):
                t, rss = measure([opts.squall, *command, path], opts.runs)
                rows.append((f"`squall {' '.join(command)}`", f"{label} ({rules} rules)", t, rss))
        examples = sorted(glob.glob("examples/*.rule"))
        shared = os.path.join("..", "shared", "packs")
        t, rss = measure([opts.squall, "check", "--packs", shared, *examples], opts.runs)
        rows.append(("`squall check --packs ../shared/packs`", f"examples/ ({len(examples)} files)",
                     t, rss))
        t, rss = measure([opts.squall, "packs", "list", "--packs", shared], opts.runs)
        rows.append(("`squall packs list --packs ../shared/packs`", "every shared and built-in pack",
                     t, rss))
    print("| command | input | median wall time | peak RSS |")
    print("| --- | --- | --- | --- |")
    for command, label, t, rss in rows:
        print(f"| {command} | {label} | {t * 1000:.0f} ms | {rss:.0f} MB |")


if __name__ == "__main__":
    main()
