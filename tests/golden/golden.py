#!/usr/bin/env python3
"""Golden-file runner: runs `squall` on one input and compares with the sibling .expected file.

Each case is a file `tests/golden/<stage>/<name>.rule`. The command run is, unless the file's
first line says otherwise with `# squall-args: ARGS...` (`{file}` stands for the case file):
  - `check {file}` for cases named `fail_*` (errors expected: exit status 1), and
  - `check --dump=ast {file}` for the others under `parse/`, and `check --dump=types {file}`
    for the others elsewhere (exit status 0; warnings may appear).
Packs for a case go in a `packs/` directory beside it (on the pack path automatically).
The command runs in the case's directory, so paths in the output are the bare file names.
The .expected file holds the exit status, stdout and stderr:

    exit: 1
    --- stdout
    ...
    --- stderr
    ...

Usage: golden.py --squall BIN [--update] CASE...
With --update, .expected files are rewritten from the actual output (read the diff before
committing them).
"""
import argparse
import difflib
import os
import shlex
import subprocess
import sys


def command_for(case_path):
    name = os.path.basename(case_path)
    with open(case_path, "rb") as f:
        first_line = f.readline().decode("utf-8", errors="replace").strip()
    prefix = "# squall-args:"
    if first_line.startswith(prefix):
        args = shlex.split(first_line[len(prefix):])
    elif name.startswith("fail_"):
        args = ["check", "{file}"]
    elif os.path.basename(os.path.dirname(os.path.abspath(case_path))) == "parse":
        args = ["check", "--dump=ast", "{file}"]
    else:
        args = ["check", "--dump=types", "{file}"]
    return [a.replace("{file}", name) for a in args]


def run_case(squall, case_path):
    args = command_for(case_path)
    proc = subprocess.run([squall] + args, cwd=os.path.dirname(case_path) or ".",
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
                          env=dict(os.environ, NO_COLOR="1"))
    out = proc.stdout.decode("utf-8", errors="backslashreplace")
    err = proc.stderr.decode("utf-8", errors="backslashreplace")
    return f"exit: {proc.returncode}\n--- stdout\n{out}--- stderr\n{err}", proc.returncode


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--squall", required=True, help="path to the squall binary")
    parser.add_argument("--update", action="store_true", help="rewrite .expected files")
    parser.add_argument("cases", nargs="+")
    opts = parser.parse_args()
    opts.squall = os.path.abspath(opts.squall)

    failed = []
    for case in opts.cases:
        actual, status = run_case(opts.squall, case)
        expected_path = os.path.splitext(case)[0] + ".expected"
        is_fail_case = os.path.basename(case).startswith("fail_")
        if opts.update:
            with open(expected_path, "w", encoding="utf-8") as f:
                f.write(actual)
            print(f"updated {expected_path}")
            continue
        try:
            with open(expected_path, encoding="utf-8") as f:
                expected = f.read()
        except FileNotFoundError:
            print(f"FAIL {case}: missing {expected_path}; run with --update to create it")
            print(actual)
            failed.append(case)
            continue
        if expected != actual:
            failed.append(case)
            print(f"FAIL {case}")
            sys.stdout.writelines(difflib.unified_diff(
                expected.splitlines(keepends=True), actual.splitlines(keepends=True),
                fromfile=expected_path, tofile="actual"))
        # A fail_ case must fail and any other case must pass, whatever the .expected says.
        if is_fail_case != (status == 1):
            failed.append(case)
            print(f"FAIL {case}: exit status {status}, but cases named fail_* must exit 1 "
                  f"and others 0")
    failures = len(set(failed))
    if not opts.update:
        print(f"{len(opts.cases) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
