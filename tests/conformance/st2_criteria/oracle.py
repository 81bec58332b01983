#!/usr/bin/env python3
"""Checks the expected results of cases.jsonl against a Python model of StackStorm's criteria
operators (st2common/st2common/operators.py and RuleFilter._check_criterion): the same Python
expressions on the same values, so `==`, `<`, `in`, `str.lower()`, `re` and `fnmatch` are
Python's own. Exceptions count as "no match", as in StackStorm.

Not modelled: Jinja templates in patterns (the cases use rendered patterns, and `search`
children with templates are expected false, Squall's documented limitation), the datastore,
and dateutil's free-form dates (datetime.fromisoformat stands in for ciso8601).

Usage: oracle.py cases.jsonl
"""
import datetime
import fnmatch
import json
import re
import sys
import warnings

# Patterns such as `[[:digit:]]` are valid Python (a set, then `]`) but warned about.
warnings.simplefilter("ignore", FutureWarning)


def _lower_pair(value, pattern):
    return value.lower(), pattern.lower()


def _timediff(value, pattern, less):
    if not isinstance(value, str):
        raise TypeError("not a date")
    at = datetime.datetime.fromisoformat(value)
    if at.tzinfo is None:
        at = at.replace(tzinfo=datetime.timezone.utc)
    diff = (datetime.datetime.now(datetime.timezone.utc) - at).total_seconds()
    period = float(pattern)
    return diff < period if less else diff > period


def _guard(fn):
    return lambda v, p: False if p is None else fn(v, p)


OPERATORS = {
    "equals": _guard(lambda v, p: v == p),
    "nequals": lambda v, p: v != p,
    "iequals": _guard(lambda v, p: v.lower() == p.lower()),
    "contains": _guard(lambda v, p: p in v),
    "icontains": _guard(lambda v, p: p.lower() in v.lower()),
    "ncontains": _guard(lambda v, p: p not in v),
    "incontains": _guard(lambda v, p: p.lower() not in v.lower()),
    "startswith": _guard(lambda v, p: v.startswith(p)),
    "istartswith": _guard(lambda v, p: v.lower().startswith(p.lower())),
    "endswith": _guard(lambda v, p: v.endswith(p)),
    "iendswith": _guard(lambda v, p: v.lower().endswith(p.lower())),
    "lessthan": _guard(lambda v, p: v < p),
    "greaterthan": _guard(lambda v, p: v > p),
    "matchwildcard": _guard(lambda v, p: fnmatch.fnmatch(v, p)),
    "matchregex": _guard(lambda v, p: re.compile(p, re.DOTALL).match(v) is not None),
    "regex": _guard(lambda v, p: re.compile(p).search(v) is not None),
    "iregex": _guard(lambda v, p: re.compile(p, re.IGNORECASE).search(v) is not None),
    "timediff_lt": _guard(lambda v, p: _timediff(v, p, True)),
    "timediff_gt": _guard(lambda v, p: _timediff(v, p, False)),
    "exists": lambda v, p: v is not None,
    "nexists": lambda v, p: v is None,
    "inside": _guard(lambda v, p: v in p),
    "ninside": _guard(lambda v, p: v not in p),
}
ALIASES = {"eq": "equals", "neq": "nequals", "ieq": "iequals", "lt": "lessthan",
           "gt": "greaterthan", "td_lt": "timediff_lt", "td_gt": "timediff_gt",
           "in": "inside", "nin": "ninside"}


class LookupError_(Exception):
    pass


def _path(key):
    """The steps of the jsonpath_rw subset `search` keys use: fields, 'quoted', [n], [*]."""
    token = re.compile(r"\s*(?:([A-Za-z_@][\w@-]*)|'([^']*)'|\"([^\"]*)\"|(\*)|\[\s*(\d+)\s*\]|"
                       r"\[\s*(\*)\s*\]|\[\s*'([^']*)'\s*\]|(\.))")
    steps, i, expect_field = [], 0, True
    while i < len(key):
        m = token.match(key, i)
        if not m:
            raise LookupError_(key)
        i = m.end()
        name, sq, dq, star, index, allstar, bq, dot = m.groups()
        if dot:
            expect_field = True
            continue
        if name is not None or sq is not None or dq is not None or star:
            if not expect_field:
                raise LookupError_(key)
            steps.append(("field", name or sq or dq or star))
        elif index is not None:
            steps.append(("index", int(index)))
        elif allstar:
            steps.append(("all", None))
        else:
            steps.append(("field", bq))
        expect_field = False
    return steps


def _lookup(key, item):
    steps = _path(key)
    matches = [item] if steps[0] == ("field", "item") else []
    for kind, arg in steps[1:]:
        nxt = []
        for v in matches:
            if kind == "field":
                if isinstance(v, dict):
                    if arg == "*":
                        nxt.extend(v.values())
                    elif arg in v:
                        nxt.append(v[arg])
            elif kind == "index":
                if v and len(v) > arg:
                    nxt.append(v[arg])  # a dict raises KeyError, as in jsonpath_rw
            else:
                if not v:
                    continue
                if isinstance(v, (dict, int, str)):
                    nxt.append(v)
                else:
                    nxt.extend(v[i] for i in range(len(v)))
        matches = nxt
    return matches[0] if matches else None


def _render(pattern):
    if not isinstance(pattern, str):
        return pattern
    if "{{" in pattern or "{%" in pattern or "{#" in pattern:
        raise ValueError("template")
    lines = re.split(r"\r\n|\r|\n", pattern)
    if lines[-1] == "":
        del lines[-1]
    return "\n".join(lines)


def check_criterion(key, spec, item):
    """RuleFilter._check_criterion for a `search` child; raises what escapes it."""
    if "type" not in spec:
        return False
    op = spec["type"]
    condition = spec.get("condition")
    try:
        pattern = _render(spec.get("pattern"))
    except Exception:
        return False
    try:
        value = _lookup(key.split("#", 1)[0], item)
    except Exception:
        return False
    name = op.lower()
    name = ALIASES.get(name, name)
    if name not in OPERATORS and name != "search":
        raise Exception("Invalid operator: " + op)
    try:
        if op == "search":
            return search(value, pattern, condition)
        if name == "search":
            raise TypeError("search needs a condition")
        return OPERATORS[name](value, pattern)
    except Exception:
        return False


def search(value, pattern, condition):
    if isinstance(value, dict):
        value = [value]
    items, children = all, all
    if condition == "any":
        items = any
    elif condition == "all2any":
        children = any
    elif condition == "any2any":
        items = children = any
    elif condition != "all":
        raise Exception("unrecognized condition")
    return items([children([check_criterion(k, v, item) for k, v in pattern.items()])
                  for item in value])


def evaluate(case):
    value = case.get("value")
    try:
        if case["op"] == "search":
            return search(value, case["pattern"], case.get("condition"))
        return OPERATORS[case["op"]](value, case["pattern"])
    except Exception:
        return False


def main():
    failures = total = 0
    with open(sys.argv[1], encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            case = json.loads(line)
            total += 1
            got = evaluate(case)
            if got is not case["expect"]:
                failures += 1
                print(f"cases.jsonl:{number}: Python says {got}, the table says {case['expect']}: "
                      f"{line.strip()}")
    print(f"{total} cases, {failures} disagreements with the Python model")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
