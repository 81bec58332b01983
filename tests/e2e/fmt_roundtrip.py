#!/usr/bin/env python3
"""`squall fmt` over every example and golden input (except fail_* cases):
  1. formatting succeeds;
  2. it is idempotent: formatting the output again changes nothing;
  3. it keeps the meaning: the AST dump (locations stripped) of the output equals the input's;
  4. it keeps every comment: the `#` comments of input and output are the same, in order.

Usage: fmt_roundtrip.py --squall BIN DIR...
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

LOCATION = re.compile(r" @\d+:\d+-\d+:\d+")


def run(squall, *args):
    return subprocess.run([squall, *args], capture_output=True, timeout=60,
                          env=dict(os.environ, NO_COLOR="1"))


def comments(text):
    """The `# ...` comments of Squall source: a `#` outside a string literal."""
    out = []
    for line in text.splitlines():
        in_string = False
        i = 0
        while i < len(line):
            c = line[i]
            if in_string:
                if c == "\\":
                    i += 1
                elif c == '"':
                    in_string = False
            elif c == '"':
                in_string = True
            elif c == "#":
                out.append(line[i:].rstrip())
                break
            i += 1
    return out


def check_file(squall, path, tmpdir):
    problems = []
    first = run(squall, "fmt", "--stdout", path)
    if first.returncode != 0:
        return [f"fmt failed (exit {first.returncode}): {first.stderr.decode()}"]
    formatted = first.stdout.decode()
    tmp = os.path.join(tmpdir, os.path.basename(path))
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(formatted)
    second = run(squall, "fmt", "--stdout", tmp)
    if second.returncode != 0 or second.stdout.decode() != formatted:
        problems.append("not idempotent: formatting the output again changes it")
    before = run(squall, "check", "--dump=ast", path)
    after = run(squall, "check", "--dump=ast", tmp)
    if LOCATION.sub("", before.stdout.decode()) != LOCATION.sub("", after.stdout.decode()):
        problems.append("the formatted file's AST differs from the input's")
    with open(path, encoding="utf-8", errors="replace") as f:
        original = f.read()
    if comments(original) != comments(formatted):
        problems.append("comments were lost, changed or reordered")
    return problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--squall", required=True)
    parser.add_argument("dirs", nargs="+")
    opts = parser.parse_args()
    cases = []
    for d in opts.dirs:
        for root, _, files in os.walk(d):
            for name in sorted(files):
                if name.endswith(".rule") and not name.startswith("fail_"):
                    cases.append(os.path.join(root, name))
    if not cases:
        print("no .rule files found")
        return 1
    failed = 0
    with tempfile.TemporaryDirectory() as tmpdir:
        for case in sorted(cases):
            with open(case, "rb") as f:
                if f.readline().startswith(b"# squall-args:"):
                    continue  # cases that exercise other commands
            problems = check_file(opts.squall, case, tmpdir)
            if problems:
                failed += 1
                for p in problems:
                    print(f"FAIL {case}: {p}")
    print(f"{len(cases) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
