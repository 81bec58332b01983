#!/usr/bin/env python3
"""End-to-end tests of `squall run --dry-run` and `squall explain` with the real binary.

- every example with events under examples/events/ prints exactly its .expected firings;
- the shared benchmark workload gives WORKLOAD.md's match counts (decoder + interpreter);
- events from standard input, usage errors, unreadable files.
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile
import unittest

SQUALL = None
ROOT = None


def squall(*args, stdin=None):
    return subprocess.run([SQUALL, *args], input=stdin, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, NO_COLOR="1"))


class Examples(unittest.TestCase):
    def test_examples_fire_as_expected(self):
        shared = os.path.join(ROOT, "..", "shared", "packs")
        events = sorted(glob.glob(os.path.join(ROOT, "examples", "events", "*.jsonl")))
        self.assertGreaterEqual(len(events), 9)
        for path in events:
            name = os.path.splitext(os.path.basename(path))[0]
            with self.subTest(example=name):
                rule = os.path.join(ROOT, "examples", name + ".rule")
                r = squall("run", "--packs", shared, rule, "--events", path, "--dry-run")
                self.assertEqual(r.returncode, 0, r.stderr)
                with open(os.path.splitext(path)[0] + ".expected", encoding="utf-8") as f:
                    self.assertEqual(r.stdout, f.read())


class Workload(unittest.TestCase):
    # Expected totals from ../shared/bench/WORKLOAD.md.
    CASES = [("mixed", 10, 9543), ("selective", 100, 1235)]

    def test_match_counts(self):
        events = os.path.join(ROOT, "..", "shared", "bench", "events-100k.jsonl")
        generator = os.path.join(ROOT, "bench", "workload.py")
        with tempfile.TemporaryDirectory() as tmp:
            for kind, n, expected in self.CASES:
                with self.subTest(kind=kind, rules=n):
                    rule = os.path.join(tmp, f"{kind}-{n}.rule")
                    with open(rule, "w", encoding="utf-8") as f:
                        subprocess.run([sys.executable, generator, kind, str(n)], stdout=f,
                                       check=True)
                    r = squall("run", rule, "--trigger", "monitoring.alert", "--events", events,
                               "--dry-run")
                    self.assertEqual(r.returncode, 0, r.stderr[-2000:])
                    self.assertEqual(len(r.stdout.splitlines()), expected)
                    self.assertIn(f"100000 events, 0 rejected, {expected} rule firings", r.stderr)


class Cli(unittest.TestCase):
    RULE = ('import core\ntrigger t {\n  n: int\n}\n'
            'rule big {\n  if t where event.n > 10 then core.echo(message: "{{event.n}}")\n}\n')

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.rule = os.path.join(self._tmp.name, "t.rule")
        with open(self.rule, "w", encoding="utf-8") as f:
            f.write(self.RULE)

    def tearDown(self):
        self._tmp.cleanup()

    def test_events_from_stdin(self):
        events = '{"id": "a", "trigger": "t", "payload": {"n": 11}}\n{"trigger": "t", "payload": {"n": 1}}\n'
        r = squall("run", self.rule, "--events", "-", "--dry-run", stdin=events)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, '{"event":"a","trigger":"t","rule":"big","action":"core.echo",'
                                   '"parameters":{"message":"11"}}\n')
        self.assertIn("2 events, 0 rejected, 1 rule firings", r.stderr)

    def test_dry_run_needs_events(self):
        r = squall("run", self.rule, "--dry-run")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--dry-run needs events", r.stderr)

    def test_unreadable_events_file(self):
        r = squall("run", self.rule, "--events", os.path.join(self._tmp.name, "none.jsonl"),
                   "--dry-run")
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot read", r.stderr)

    def test_rule_errors_stop_before_events(self):
        bad = os.path.join(self._tmp.name, "bad.rule")
        with open(bad, "w", encoding="utf-8") as f:
            f.write("import core\nrule r { if nope then core.noop() }\n")
        r = squall("run", bad, "--events", "-", "--dry-run", stdin="")
        self.assertEqual(r.returncode, 1)
        self.assertIn("[UnknownTrigger]", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_explain_invalid_event(self):
        r = squall("explain", self.rule, "--event", "{not json")
        self.assertEqual(r.returncode, 1)
        self.assertIn("not a valid event", r.stderr)

    def test_help(self):
        for command in ("run", "explain"):
            r = squall(command, "--help")
            self.assertEqual(r.returncode, 0)
            self.assertIn(f"usage: squall {command}", r.stdout)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--squall", required=True)
    parser.add_argument("--root", required=True)
    opts, rest = parser.parse_known_args()
    SQUALL = os.path.abspath(opts.squall)
    ROOT = os.path.abspath(opts.root)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
