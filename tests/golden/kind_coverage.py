#!/usr/bin/env python3
"""Fails unless every diagnostic kind in compiler/diag/diag_kinds.def appears in at least one
golden .expected file (as `[Kind]` in text output or `"kind": "Kind"` in JSON output).

Usage: kind_coverage.py DIAG_KINDS_DEF GOLDEN_DIR
"""
import os
import re
import sys


def main():
    def_path, golden_dir = sys.argv[1], sys.argv[2]
    with open(def_path, encoding="utf-8") as f:
        # Kinds under SQUALL_DIAG_TESTING exist only in the diag unit tests; they never ship.
        shipped = f.read().split("#ifdef SQUALL_DIAG_TESTING")[0]
    kinds = re.findall(r"^\s*SQUALL_DIAG\(\s*(\w+)\s*,", shipped, re.MULTILINE)
    if not kinds:
        print(f"no SQUALL_DIAG entries found in {def_path}")
        return 1
    seen = set()
    for root, _, files in os.walk(golden_dir):
        for name in files:
            if name.endswith(".expected"):
                with open(os.path.join(root, name), encoding="utf-8") as f:
                    text = f.read()
                seen.update(re.findall(r"\[(\w+)\]", text))
                seen.update(re.findall(r'"kind":\s*"(\w+)"', text))
    missing = [k for k in kinds if k not in seen]
    for kind in missing:
        print(f"diagnostic kind `{kind}` appears in no golden file under {golden_dir}")
    print(f"{len(kinds) - len(missing)} passed, {len(missing)} failed")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
