#!/usr/bin/env python3
"""End-to-end tests of `squall import st2`: every rule of ../shared/packs/*/rules/*.yaml is
imported (-o DIR, one file per pack) and checked in one run, then the imported rules are run
with `squall explain` against representative events, and which rules fire is compared with
what StackStorm's rule matching says for the same trigger instance. The expectations come
from a small re-implementation of StackStorm's filter (st2reactor/rules/filter.py: disabled
rules never match, criteria never match an empty payload, JSONPath lookup, the operators
these cases use) applied to the YAML itself, so the test follows the packs.

Also: --help, bad command lines, stdout output, exit status 1 with diagnostics, YAML text
that must not become source (line breaks in names), and `pack:` values that must not leave
the -o directory.

Usage: import_test.py --squall BIN --root REPO_ROOT
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

import yaml

SQUALL = None
ROOT = None
PACKS = None


def squall(*args, cwd=None):
    env = dict(os.environ, NO_COLOR="1")
    env.pop("SQUALL_PACKS", None)
    return subprocess.run([SQUALL, *args], capture_output=True, timeout=120, cwd=cwd, env=env,
                          text=True)


# --- StackStorm's side ------------------------------------------------------------------------

def lookup(payload, key):
    """The value at criteria key `trigger.a.b` (before `#`), None when missing."""
    value = payload
    for part in key.split("#")[0].split(".")[1:]:
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


OPERATORS = {
    "equals": lambda v, p: v == p,
    "nequals": lambda v, p: v != p,
    "exists": lambda v, p: v is not None,
    "nexists": lambda v, p: v is None,
}


def pattern_value(pattern):
    # Plain string patterns are rendered by Jinja: one trailing newline is dropped.
    if isinstance(pattern, str) and pattern.endswith("\n"):
        return pattern[:-1]
    return pattern


def st2_matches(rule, trigger, parameters, payload):
    """Whether StackStorm fires `rule` (its YAML) for one trigger instance."""
    if not rule.get("enabled", False):
        return False
    if rule["trigger"]["type"] != trigger:
        return False
    if (rule["trigger"].get("parameters") or {}) != (parameters or {}):
        return False
    criteria = rule.get("criteria") or {}
    if criteria and not payload:
        return False
    for key, criterion in criteria.items():
        op = OPERATORS[criterion["type"]]  # KeyError: extend OPERATORS for a new pack rule
        if not op(lookup(payload, key), pattern_value(criterion["pattern"])):
            return False
    return True


# Squall's name and parameters for a StackStorm trigger instance.
def squall_event(trigger, parameters, payload):
    if trigger == "core.st2.webhook":
        return {"trigger": "core.webhook", "parameters": parameters,
                "payload": {"headers": {}, "body": payload["body"]}}
    event = {"trigger": trigger, "payload": payload}
    if parameters:
        event["parameters"] = parameters
    return event


# (StackStorm trigger, trigger parameters, payload): both sides of each criterion, empty
# payloads, types that Python compares strictly, and every trigger the shared rules use.
# `squall explain` delivers an event to every rule of its trigger whatever the instance's
# parameters (docs/cli.md), so only events of the rules' own instances are used here.
EVENTS = [
    ("core.st2.generic.notifytrigger", None, {"route": "errbot", "data": {"user": "u"}}),
    ("core.st2.generic.notifytrigger", None, {"route": "hubot", "channel": "slack",
                                              "message": "done"}),
    ("core.st2.generic.notifytrigger", None, {"route": "Hubot", "channel": "slack\n"}),
    ("core.st2.generic.notifytrigger", None, {"route": None, "channel": ["slack"]}),
    ("core.st2.generic.notifytrigger", None, {}),
    ("core.st2.generic.actiontrigger", None, {"action_name": "local", "status": "error",
                                              "start_timestamp": "2026-01-01T00:00:00Z"}),
    ("core.st2.generic.actiontrigger", None, {"action_name": "local", "status": "failed"}),
    ("core.st2.generic.actiontrigger", None, {"action_name": "remote", "status": "error"}),
    ("core.st2.generic.actiontrigger", None, {"status": "error"}),
    ("core.st2.generic.inquiry", None, {"id": "i1", "route": "ops"}),
    ("core.st2.webhook", {"url": "sample"}, {"body": {"name": "st2"}}),
    ("core.st2.webhook", {"url": "sample"}, {"body": {"name": "ST2"}}),
    ("core.st2.webhook", {"url": "sample"}, {"body": {"other": 1}}),
    ("linux.file_watch.line", {"file_path": "/tmp/st2_test"},
     {"line": "x", "file_path": "/tmp/st2_test", "file_name": "st2_test"}),
    ("hello_st2.event1", None, {}),
    ("hello_st2.event1", None, {"greeting": "hi"}),
]


def fired_rules(explain_output):
    return {m.group(1) for m in re.finditer(r"^rule (.+): fires$", explain_output, re.M)}


class SharedPacks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = os.path.join(cls.tmp.name, "rules")
        cls.proc = squall("import", "st2", "--check", "-o", cls.out, PACKS)
        cls.rule_files = sorted(glob.glob(os.path.join(PACKS, "*", "rules", "*.yaml")))
        cls.rules = []
        for path in cls.rule_files:
            with open(path, encoding="utf-8") as f:
                cls.rules.append(yaml.safe_load(f))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_every_rule_imports_and_checks(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        self.assertEqual(self.proc.stderr, "")
        self.assertEqual(len(self.rule_files), 9)
        written = sorted(os.listdir(self.out))
        self.assertEqual(written, ["chatops.rule", "examples.rule", "hello_st2.rule"])
        text = ""
        for name in written:
            with open(os.path.join(self.out, name), encoding="utf-8") as f:
                text += f.read()
        for rule in self.rules:
            self.assertIn(f"# {rule['pack']}.{rule['name']} (", text)
        self.assertEqual(text.count("\nrule "), 9)
        # Disabled rules carry over.
        self.assertEqual(text.count("@disabled"),
                         sum(1 for r in self.rules if not r.get("enabled", False)))

    def test_output_is_formatted(self):
        files = sorted(glob.glob(os.path.join(self.out, "*.rule")))
        proc = squall("fmt", "--check", *files)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

    def test_rules_fire_as_in_stackstorm(self):
        files = sorted(glob.glob(os.path.join(self.out, "*.rule")))
        fired_somewhere = set()
        for trigger, parameters, payload in EVENTS:
            with self.subTest(trigger=trigger, parameters=parameters, payload=payload):
                event = squall_event(trigger, parameters, payload)
                proc = squall("explain", "--packs", PACKS, *files, "--event", json.dumps(event))
                self.assertEqual(proc.returncode, 0, proc.stderr)
                expected = {r["name"] for r in self.rules
                            if st2_matches(r, trigger, parameters, payload)}
                self.assertEqual(fired_rules(proc.stdout), expected, proc.stdout)
                fired_somewhere |= expected
        # The events exercise every enabled rule, firing and not firing.
        enabled = {r["name"] for r in self.rules if r.get("enabled", False)}
        self.assertEqual(fired_somewhere, enabled)

    def test_stdout_is_one_checkable_file(self):
        proc = squall("import", "st2", os.path.join(PACKS, "examples"),
                      os.path.join(PACKS, "chatops"))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("rule sample_rule_with_webhook {", proc.stdout)
        self.assertIn("rule `notify-errbot` {", proc.stdout)
        with tempfile.NamedTemporaryFile("w", suffix=".rule", delete=False) as f:
            f.write(proc.stdout)
        try:
            check = squall("check", "--packs", PACKS, f.name)
            self.assertEqual(check.returncode, 0, check.stderr)
        finally:
            os.unlink(f.name)


class Semantics(unittest.TestCase):
    """StackStorm details the import must keep, observed through `squall explain`."""

    RULE = """\
name: r
pack: p
enabled: true
trigger: {type: p.alert}
criteria:
  trigger.level:
    type: equals
    pattern: "high\\n"
  trigger.owner:
    type: nequals
    pattern: nobody
  trigger.count:
    type: equals
    pattern: "{{ trigger.expected }}"
action: {ref: core.noop}
"""

    ONLY_NEQUALS = """\
name: r
pack: p
enabled: true
trigger: {type: p.alert}
criteria:
  trigger.owner: {type: nequals, pattern: nobody}
action: {ref: core.noop}
"""

    # StackStorm renders patterns with StrictUndefined: a missing `trigger.boss` is a render
    # error, and the criterion is false (not a comparison with null).
    TEMPLATE_NEQUALS = """\
name: r
pack: p
enabled: true
trigger: {type: p.alert}
criteria:
  trigger.owner: {type: nequals, pattern: "{{ trigger.boss }}"}
  trigger.team: {type: nequals, pattern: "x-{{ trigger.unit | upper }}"}
action: {ref: core.noop}
"""

    # `None in [None]`: `inside` with null in the list holds for a missing value, yet
    # StackStorm never matches criteria against an empty payload.
    INSIDE_NULL = """\
name: r
pack: p
enabled: true
trigger: {type: p.alert}
criteria:
  trigger.owner: {type: inside, pattern: [null, nobody]}
action: {ref: core.noop}
"""

    def explain(self, payload, rule=RULE):
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "r.yaml"), "w", encoding="utf-8") as f:
                f.write(rule)
            out = os.path.join(tmp, "out")
            proc = squall("import", "st2", "--check", "-o", out, os.path.join(tmp, "r.yaml"))
            self.assertEqual(proc.returncode, 0, proc.stderr)
            event = json.dumps({"trigger": "p.alert", "payload": payload})
            proc = squall("explain", os.path.join(out, "p.rule"), "--event", event)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            return "r" in fired_rules(proc.stdout)

    def test_trailing_newline_of_a_pattern_is_dropped(self):
        self.assertTrue(self.explain({"level": "high", "count": 1, "expected": 1}))
        self.assertFalse(self.explain({"level": "high\n", "count": 1, "expected": 1}))

    def test_template_pattern_keeps_its_type(self):
        self.assertTrue(self.explain({"level": "high", "count": 2.0, "expected": 2}))
        self.assertFalse(self.explain({"level": "high", "count": "2", "expected": 2}))

    def test_null_template_pattern_never_equals(self):
        # `{{ trigger.expected }}` renders null, and `equals` is false for a null pattern.
        self.assertFalse(self.explain({"level": "high", "count": None, "expected": None}))

    def test_nequals_is_true_for_a_missing_key_but_not_on_an_empty_payload(self):
        self.assertTrue(self.explain({"level": "high", "count": 1, "expected": 1}))
        self.assertFalse(self.explain({"level": "high", "owner": "nobody", "count": 1,
                                       "expected": 1}))
        self.assertTrue(self.explain({"other": 1}, self.ONLY_NEQUALS))
        self.assertFalse(self.explain({}, self.ONLY_NEQUALS))

    def test_inside_a_list_with_null_holds_for_a_missing_key_but_not_on_an_empty_payload(self):
        self.assertTrue(self.explain({"other": 1}, self.INSIDE_NULL))
        self.assertTrue(self.explain({"owner": "nobody"}, self.INSIDE_NULL))
        self.assertFalse(self.explain({"owner": "me"}, self.INSIDE_NULL))
        self.assertFalse(self.explain({}, self.INSIDE_NULL))

    # `exists` ignores its pattern, but StackStorm renders it first (StrictUndefined).
    EXISTS_TEMPLATE = """\
name: r
pack: p
enabled: true
trigger: {type: p.alert}
criteria:
  trigger.owner: {type: exists, pattern: "{{ trigger.boss }}"}
action: {ref: core.noop}
"""

    # regex_search is re.search, regex_match re.match (anchored), `first` the first item.
    FILTERS = """\
name: r
pack: p
enabled: true
trigger: {type: p.alert}
criteria:
  trigger.found: {type: equals, pattern: "{{ trigger.msg | regex_search('b+c') }}"}
  trigger.starts: {type: equals, pattern: "{{ trigger.msg | regex_match('b+c') }}"}
  trigger.host: {type: equals, pattern: "{{ trigger.hosts | first }}"}
action: {ref: core.noop}
"""

    def test_exists_pattern_reading_a_missing_field_fails_to_render(self):
        rule = self.EXISTS_TEMPLATE
        self.assertTrue(self.explain({"owner": "a", "boss": "b"}, rule))
        self.assertFalse(self.explain({"owner": "a"}, rule))
        self.assertFalse(self.explain({"boss": "b"}, rule))

    def test_regex_filters_and_first(self):
        rule = self.FILTERS
        self.assertTrue(self.explain({"msg": "abbc", "found": True, "starts": False,
                                      "hosts": ["h1", "h2"], "host": "h1"}, rule))
        self.assertTrue(self.explain({"msg": "bcx", "found": True, "starts": True,
                                      "hosts": ["h1"], "host": "h1"}, rule))
        self.assertFalse(self.explain({"msg": "abbc", "found": True, "starts": True,
                                       "hosts": ["h1"], "host": "h1"}, rule))
        # `first` of an empty list is undefined: the criterion is false.
        self.assertFalse(self.explain({"msg": "x", "found": False, "starts": False,
                                       "hosts": [], "host": None}, rule))

    def test_a_pattern_reading_a_missing_field_fails_to_render(self):
        rule = self.TEMPLATE_NEQUALS
        self.assertTrue(self.explain({"owner": "a", "boss": "b", "team": "t", "unit": "u"}, rule))
        self.assertFalse(self.explain({"owner": "a", "boss": "a", "team": "t", "unit": "u"}, rule))
        # `boss` missing: StackStorm fails to render the first pattern.
        self.assertFalse(self.explain({"owner": "a", "team": "t", "unit": "u"}, rule))
        # `unit` missing: the second pattern (text around a filter) fails to render.
        self.assertFalse(self.explain({"owner": "a", "boss": "b", "team": "t"}, rule))


class CommandLine(unittest.TestCase):
    def test_help(self):
        proc = squall("import", "--help")
        self.assertEqual(proc.returncode, 0)
        self.assertIn("usage: squall import st2", proc.stdout)
        self.assertIn("--check", proc.stdout)

    def test_bad_command_lines(self):
        self.assertEqual(squall("import").returncode, 2)
        self.assertEqual(squall("import", "st2").returncode, 2)
        proc = squall("import", "ansible", "x")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("`st2`", proc.stderr)
        # JSON diagnostics and the converted source cannot share standard output.
        proc = squall("import", "st2", "--diagnostics-format=json", PACKS)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("needs -o DIR", proc.stderr)
        self.assertEqual(proc.stdout, "")

    def test_yaml_text_cannot_become_declarations(self):
        # Line breaks in `name`, `pack`, `description` and the trigger type, each followed by
        # what would be a declaration if it reached the source unquoted.
        rule = ('name: "r\\nrule injected {\\n  if webhook \\"x\\" then core.noop()\\n}\\u2028"\n'
                'description: "d\\")\\nrule injected2 { if webhook \\"y\\" then core.noop() }"\n'
                'enabled: true\n'
                'trigger: {type: "p.ev\\nrule injected3 { if webhook \\"z\\" then core.noop() }"}\n'
                'action: {ref: core.noop}\n')
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "r.yaml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(rule)
            out = os.path.join(tmp, "out")
            proc = squall("import", "st2", "--check", "-o", out, path)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertEqual(os.listdir(out), ["default.rule"])
            dump = squall("check", "--dump=ast", os.path.join(out, "default.rule"))
            self.assertEqual(dump.returncode, 0, dump.stderr)
            # Exactly the import of `core`, one trigger and one rule: nothing injected.
            declarations = re.findall(r"^  (\w+Decl)\b", dump.stdout, re.M)
            self.assertEqual(sorted(declarations), ["ImportDecl", "RuleDecl", "TriggerDecl"],
                             dump.stdout)
            self.assertEqual(len(re.findall(r"^    RuleTrigger ", dump.stdout, re.M)), 1)

    def test_pack_field_cannot_leave_the_output_directory(self):
        with tempfile.TemporaryDirectory() as tmp:
            for i, pack in enumerate(["../../escaped", "/tmp/escaped", "a/b"]):
                path = os.path.join(tmp, f"r{i}.yaml")
                with open(path, "w", encoding="utf-8") as f:
                    f.write(f"name: r{i}\npack: {json.dumps(pack)}\nenabled: true\n"
                            "trigger: {type: core.st2.generic.actiontrigger}\n"
                            "action: {ref: core.noop}\n")
            out = os.path.join(tmp, "deep", "out")
            proc = squall("import", "st2", "-o", out, *sorted(glob.glob(os.path.join(tmp, "*.yaml"))))
            self.assertEqual(proc.returncode, 1)
            for i in range(3):
                self.assertIn(f"r{i}.yaml:2:7: error: field `pack` must be a pack ref", proc.stderr)
            # Only the default pack's file, in DIR; nothing anywhere else.
            self.assertEqual(os.listdir(out), ["default.rule"])
            written = [os.path.relpath(os.path.join(d, f), tmp)
                       for d, _, files in os.walk(tmp) for f in files]
            self.assertEqual(sorted(written), ["deep/out/default.rule", "r0.yaml", "r1.yaml",
                                               "r2.yaml"])
            self.assertFalse(os.path.exists("/tmp/escaped.rule"))

    def test_rule_names_shared_by_packs_are_renamed_in_every_output_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            for pack in ["a", "b"]:
                os.makedirs(os.path.join(tmp, pack, "rules"))
                with open(os.path.join(tmp, pack, "rules", "r.yaml"), "w", encoding="utf-8") as f:
                    f.write("name: same\nenabled: true\n"
                            "trigger: {type: core.st2.generic.actiontrigger}\n"
                            "action: {ref: core.noop}\n")
            out = os.path.join(tmp, "o")
            proc = squall("import", "st2", "--check", "-o", out, "a", "b", cwd=tmp)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertEqual(sorted(os.listdir(out)), ["a.rule", "b.rule"])
            for pack in ["a", "b"]:
                with open(os.path.join(out, pack + ".rule"), encoding="utf-8") as f:
                    self.assertIn(f"rule `{pack}.same` {{", f.read())
            # The same names as the single stdout file.
            text = squall("import", "st2", "a", "b", cwd=tmp)
            self.assertEqual(text.returncode, 0, text.stderr)
            self.assertIn("rule `a.same` {", text.stdout)
            self.assertIn("rule `b.same` {", text.stdout)
            # Both files check together (no DuplicateRule).
            proc = squall("check", os.path.join(out, "a.rule"), os.path.join(out, "b.rule"))
            self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_unconvertible_rule_is_a_diagnostic(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "r.yaml")
            with open(path, "w", encoding="utf-8") as f:
                f.write("name: r\nenabled: true\ntrigger: {type: a.b}\ncriteria:\n"
                        "  trigger.x: {type: Equal, pattern: 1}\naction: {ref: core.noop}\n")
            text = squall("import", "st2", path)
            self.assertEqual(text.returncode, 1)
            self.assertIn("r.yaml:5:21: error: unknown criteria operator `Equal`", text.stderr)
            self.assertIn("# not converted", text.stdout)


def main():
    global SQUALL, ROOT, PACKS
    parser = argparse.ArgumentParser()
    parser.add_argument("--squall", required=True)
    parser.add_argument("--root", required=True)
    opts, rest = parser.parse_known_args()
    SQUALL = os.path.abspath(opts.squall)
    ROOT = os.path.abspath(opts.root)
    PACKS = os.path.normpath(os.path.join(ROOT, "..", "shared", "packs"))
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
