#!/usr/bin/env python3
"""Fails unless docs/language.md's table of built-in functions lists exactly the functions of
stdlib/functions.def, with the same signatures and descriptions, in the same order.

Usage: functions_documented.py FUNCTIONS_DEF LANGUAGE_MD
"""
import re
import sys


def main():
    def_path, doc_path = sys.argv[1], sys.argv[2]
    with open(def_path, encoding="utf-8") as f:
        declared = [(m.group(1), m.group(2)) for m in re.finditer(
            r'^SQUALL_BUILTIN\(\w+, "\w+", "(.*?)", "(.*)"\)$', f.read(), re.MULTILINE)]
    with open(doc_path, encoding="utf-8") as f:
        doc = f.read()
    section = doc.split("### Built-in functions", 1)[1].split("\n### ", 1)[0]
    documented = [(m.group(1), m.group(2)) for m in re.finditer(
        r"^\| `(.*?)` \| (.*) \|$", section, re.MULTILINE)]
    if not declared:
        print(f"no SQUALL_BUILTIN entries in {def_path}")
        return 1
    if declared != documented:
        for want, got in zip(declared, documented):
            if want != got:
                print(f"functions.def has {want}, docs/language.md has {got}")
                break
        print(f"{len(declared)} functions declared, {len(documented)} documented; regenerate the "
              f"table in docs/language.md from stdlib/functions.def")
        return 1
    print(f"{len(declared)} built-in functions documented")
    return 0


if __name__ == "__main__":
    sys.exit(main())
