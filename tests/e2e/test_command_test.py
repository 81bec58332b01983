#!/usr/bin/env python3
"""End-to-end tests of `squall test` with the real binary: exit codes, JUnit XML (parsed with
ElementTree and checked for every test and failure), --filter, directories as arguments, the
default of the current directory, compile errors, and that nothing is ever executed (a rule
whose command would create a file leaves no file behind).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

SQUALL = None
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PRELUDE = """import core

trigger disk.low {
  host: string
  mount: string
  free_pct: float
}
"""

RULES = PRELUDE + """
rule clean {
  if disk.low where event.mount == "/var/log"
  then core.local(cmd: "touch MARKER")
    retry 1 times every 1h
}
"""

PASSING = """
test "cleans /var/log" {
  given disk.low {host: "web1", mount: "/var/log", free_pct: 3.0}
  expect core.local(cmd: _)
}

test "leaves /data alone" {
  given disk.low {host: "web1", mount: "/data", free_pct: 3.0}
  expect nothing
}
"""

FAILING = """
test "retries within ten minutes" {
  when core.local fails with "busy"
  given disk.low {host: "web1", mount: "/var/log", free_pct: 3.0}
  expect core.local(cmd: _)
  expect core.local(cmd: _) after 10m
}
"""


class TestCommandTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.root = self._tmp.name
        self.marker = os.path.join(self.root, "ran")

    def tearDown(self):
        self._tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text.replace("MARKER", self.marker))
        return path

    def squall(self, *args, cwd=None):
        return subprocess.run([SQUALL, "test", *args], capture_output=True, text=True,
                              timeout=120, cwd=cwd or self.root, env=dict(os.environ, NO_COLOR="1"))

    def test_passing_tests_exit_zero_and_execute_nothing(self):
        path = self.write("ok.rule", RULES + PASSING)
        run = self.squall(path)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn("PASS  cleans /var/log", run.stdout)
        self.assertIn("PASS  leaves /data alone", run.stdout)
        self.assertIn("2 tests: 2 passed, 0 failed", run.stdout)
        self.assertFalse(os.path.exists(self.marker), "a mocked action ran for real")

    def test_failure_exit_one_with_explanation(self):
        path = self.write("bad.rule", RULES + FAILING)
        run = self.squall(path)
        self.assertEqual(run.returncode, 1, run.stdout + run.stderr)
        self.assertIn("FAIL  retries within ten minutes", run.stdout)
        self.assertIn("[TestFailed]", run.stdout)
        self.assertIn("the next attempt of core.local is due at +1h, 1h after the step began",
                      run.stdout)
        self.assertIn("1 test: 0 passed, 1 failed", run.stdout)

    def test_junit_xml(self):
        self.write("a/ok.rule", RULES + PASSING)
        self.write("b/bad.rule", PRELUDE.replace("import core\n", "import core\n") + FAILING
                   .replace("expect core.local(cmd: _)\n  expect", "expect nothing\n  expect"))
        junit = os.path.join(self.root, "out", "results.xml")
        os.makedirs(os.path.dirname(junit))
        # Two files compiled as one program: b's test sees a's rule.
        run = self.squall("--junit", junit, "a/ok.rule", "b/bad.rule")
        self.assertEqual(run.returncode, 1, run.stdout + run.stderr)
        root = ET.parse(junit).getroot()
        self.assertEqual(root.tag, "testsuites")
        self.assertEqual(root.get("tests"), "3")
        self.assertEqual(root.get("failures"), "1")
        suites = {s.get("name"): s for s in root.findall("testsuite")}
        self.assertEqual(sorted(suites), ["a/ok.rule", "b/bad.rule"])
        self.assertEqual(suites["a/ok.rule"].get("failures"), "0")
        cases = suites["b/bad.rule"].findall("testcase")
        self.assertEqual([c.get("name") for c in cases], ["retries within ten minutes"])
        failure = cases[0].find("failure")
        self.assertIsNotNone(failure)
        self.assertIn("expected nothing", failure.get("message"))
        self.assertIn("bad.rule:", failure.text)
        for case in suites["a/ok.rule"].findall("testcase"):
            self.assertIsNone(case.find("failure"))
            self.assertGreaterEqual(float(case.get("time")), 0.0)

    def test_filter(self):
        path = self.write("ok.rule", RULES + PASSING)
        run = self.squall("--filter", "leaves", path)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn("PASS  leaves /data alone", run.stdout)
        self.assertNotIn("cleans", run.stdout)
        self.assertIn("1 test: 1 passed", run.stdout)
        none = self.squall("--filter", "no such test", path)
        self.assertEqual(none.returncode, 1)
        self.assertIn("no test name contains `no such test`", none.stderr)

    def test_directories_and_current_directory(self):
        self.write("rules/ok.rule", RULES + PASSING)
        self.write("rules/packs/ignored.rule", "this is not squall")  # pack trees are skipped
        self.write(".hidden/broken.rule", "neither is this")
        by_dir = self.squall("rules")
        self.assertEqual(by_dir.returncode, 0, by_dir.stdout + by_dir.stderr)
        self.assertIn("2 tests: 2 passed", by_dir.stdout)
        here = self.squall(cwd=os.path.join(self.root, "rules"))
        self.assertEqual(here.returncode, 0, here.stdout + here.stderr)
        self.assertIn("2 tests: 2 passed", here.stdout)

    def test_compile_errors_exit_one(self):
        path = self.write("err.rule", RULES + 'test "t" {\n  expect core.nope(x: 1)\n}\n')
        run = self.squall(path)
        self.assertEqual(run.returncode, 1)
        self.assertIn("err.rule:", run.stderr)
        self.assertIn("[UnknownAction]", run.stderr)
        self.assertNotIn("PASS", run.stdout)

    def test_interpreter_and_jit_agree(self):
        path = self.write("bad.rule", RULES + PASSING + FAILING)
        jit = self.squall(path)
        interp = self.squall("--no-jit", path)
        self.assertEqual(jit.returncode, 1)
        self.assertEqual(jit.stdout, interp.stdout)

    def test_examples(self):
        # Each example on its own (as its README runs it): every test passes. Workflows run
        # step by step and correlation rules on their state machines, so the tests that expect
        # a workflow's steps (`vsphere.set_network` inside `isolate_vm`, `backup.run` inside
        # `recover_backup`) and those of correlation rules (`within`) pass too.
        shared = os.path.join(ROOT, "..", "shared", "packs")
        self.assertTrue(os.path.isdir(shared), shared)
        examples = os.path.join(ROOT, "examples")
        passed = 0
        with_workflows = 0
        correlated = 0
        for name in sorted(os.listdir(examples)):
            if not name.endswith(".rule"):
                continue
            run = self.squall("--packs", shared, name, cwd=examples)
            self.assertEqual(run.returncode, 0, name + ":\n" + run.stdout + run.stderr)
            self.assertNotIn("FAIL  ", run.stdout, name)
            self.assertNotIn("error:", run.stderr.replace("warning:", ""), run.stderr)
            passed += run.stdout.count("PASS  ")
            with open(os.path.join(examples, name), encoding="utf-8") as f:
                text = f.read()
            has_tests = re.search(r"^test ", text, re.M) is not None
            if has_tests and re.search(r"^workflow ", text, re.M):
                with_workflows += 1
            if has_tests and re.search(r"^\s+within ", text, re.M):
                correlated += 1
        self.assertGreaterEqual(with_workflows, 3)
        self.assertGreaterEqual(correlated, 2)
        self.assertGreaterEqual(passed, 15)

    def test_examples_together(self):
        # All examples as one program (`squall test examples/`): no example's rules react to
        # another's test events (each has its own triggers or filters), so every test passes.
        shared = os.path.join(ROOT, "..", "shared", "packs")
        run = self.squall("--packs", shared, os.path.join(ROOT, "examples"))
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertNotIn("FAIL  ", run.stdout)
        self.assertRegex(run.stdout, r"\n(\d+) tests: \1 passed, 0 failed")

    def test_examples_workflow_steps_are_simulated(self):
        # A test that expects a call made by a workflow's step, not by a rule: it passes only
        # because the workflow ran (the rule's own call is the workflow).
        shared = os.path.join(ROOT, "..", "shared", "packs")
        examples = os.path.join(ROOT, "examples")
        run = self.squall("-v", "--packs", shared, "--filter",
                          "a critical detection isolates the VM", "malware-vm-isolation.rule",
                          cwd=examples)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn("PASS  a critical detection isolates the VM", run.stdout)
        self.assertIn("1 test: 1 passed, 0 failed", run.stdout)
        # -v lists the calls: the workflow call, then its steps in order.
        calls = re.findall(r"^\s+\+\S+ (\S+) ", run.stdout, re.M)
        self.assertEqual(calls[0], "isolate_vm", run.stdout)
        self.assertIn("vsphere.snapshot", calls)
        self.assertLess(calls.index("vsphere.snapshot"), calls.index("vsphere.set_network"))

    def test_help_and_bad_flags(self):
        run = subprocess.run([SQUALL, "test", "--help"], capture_output=True, text=True)
        self.assertEqual(run.returncode, 0)
        self.assertIn("usage: squall test", run.stdout)
        self.assertIn("--junit", run.stdout)
        bad = subprocess.run([SQUALL, "test", "--nope"], capture_output=True, text=True)
        self.assertEqual(bad.returncode, 2)


def main():
    global SQUALL
    parser = argparse.ArgumentParser()
    parser.add_argument("--squall", required=True)
    args, rest = parser.parse_known_args()
    SQUALL = os.path.abspath(args.squall)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
