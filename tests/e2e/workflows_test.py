#!/usr/bin/env python3
"""End-to-end tests of `squall workflows` with the real binary on a prepared state directory.

The fixture program (tests/e2e/workflows_fixture.cpp) writes workflow runs, their step
executions and instance documents through the store API, as `squall run` does; this script
reads and changes them only through the binary:
- `list`: runs newest first (not their steps), what each waits for, --status paused, --json;
- `show`: the step tree (indented sub-workflow steps), waits, result; --json nesting;
- `pause`/`resume`: cascade to sub-workflow runs, refused for finished runs and non-workflows;
- `cancel`: the run and every unfinished execution under it, seen by `squall executions`;
- help and usage errors.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import unittest

SQUALL = None
FIXTURE = None


class WorkflowsTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.state = os.path.join(self._tmp.name, "state")
        subprocess.run([FIXTURE, self.state], check=True, timeout=60)

    def tearDown(self):
        self._tmp.cleanup()

    def squall(self, *args):
        env = dict(os.environ, NO_COLOR="1")
        for name in ("SQUALL_STATE", "XDG_STATE_HOME"):
            env.pop(name, None)
        argv = [SQUALL, *args[:2], "--state", self.state, *args[2:]]
        return subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env)

    def ok(self, *args):
        r = self.squall(*args)
        self.assertEqual(r.returncode, 0, f"{args}: {r.stderr}")
        return r

    def show_json(self, id_):
        return json.loads(self.ok("workflows", "show", str(id_), "--json").stdout)

    def test_list(self):
        lines = self.ok("workflows", "list").stdout.splitlines()
        self.assertEqual(len(lines), 4, lines)  # header, 46, 43, 40
        self.assertTrue(lines[0].startswith("ID"))
        self.assertIn("nightly", lines[1])
        self.assertIn("succeeded", lines[1])
        self.assertIn("event approval.granted", lines[2])
        self.assertIn("call core.http (execution 42) (+1 more)", lines[3])
        rows = [json.loads(l) for l in self.ok("workflows", "list", "--json").stdout.splitlines()]
        self.assertEqual([r["id"] for r in rows], [46, 43, 40])
        self.assertEqual([w["waiting"] for w in rows[2]["waiting"]], ["join", "call", "call"])
        self.assertEqual(self.ok("workflows", "list", "--status", "paused").stdout,
                         "no workflow runs match\n")

    def test_show(self):
        out = self.ok("workflows", "show", "40").stdout
        self.assertTrue(out.startswith("workflow run 40: deploy\n"), out)
        rows = [l for l in out.splitlines() if l.strip()[:2].isdigit()]
        self.assertEqual([l.split()[0] for l in rows], ["40", "41", "42", "43", "44"], out)
        indent = {l.split()[0]: len(l) - len(l.lstrip()) for l in rows}
        self.assertLess(indent["40"], indent["41"])
        self.assertEqual(indent["41"], indent["43"])
        self.assertLess(indent["43"], indent["44"])  # the sub-workflow's step under it
        self.assertIn('{"stdout":"built"}', out)
        self.assertIn("run 43 (notify) strand 1: event approval.granted", out)
        tree = self.show_json(40)
        self.assertEqual([s["id"] for s in tree["steps"]], [41, 42, 43])
        self.assertEqual([s["step"] for s in tree["steps"]], [0, 2, 3])
        self.assertEqual(tree["steps"][2]["steps"][0]["result"], {"stdout": "sent"})
        self.assertIn('"ok": true', self.ok("workflows", "show", "46").stdout)

    def test_pause_resume(self):
        r = self.ok("workflows", "pause", "40")
        self.assertEqual(r.stdout, "workflow run 40 (deploy): paused\n"
                                   "  sub-workflow run 43 (notify): paused\n")
        tree = self.show_json(40)
        self.assertTrue(tree["paused"])
        self.assertTrue(tree["steps"][2]["paused"])
        paused = self.ok("workflows", "list", "--status", "paused").stdout
        self.assertIn("running (paused)", paused)
        self.ok("workflows", "resume", "40")
        self.assertFalse(self.show_json(40)["paused"])
        self.assertFalse(self.show_json(43)["paused"])
        for args, message in ((("pause", "46"), "already succeeded"),
                              (("resume", "45"), "is not a workflow run"),
                              (("pause", "404"), "no execution 404")):
            r = self.squall("workflows", *args)
            self.assertEqual(r.returncode, 1, args)
            self.assertIn(message, r.stderr)

    def test_cancel(self):
        r = self.ok("workflows", "cancel", "40")
        self.assertIn("workflow run 40 (deploy): canceled", r.stdout)
        statuses = {}
        for id_ in (40, 41, 42, 43, 44, 45):
            shown = json.loads(self.ok("executions", "show", str(id_), "--json").stdout)
            statuses[id_] = shown["status"]
        self.assertEqual(statuses, {40: "canceled", 41: "succeeded", 42: "canceled",
                                    43: "canceled", 44: "succeeded", 45: "running"})
        again = self.squall("workflows", "cancel", "40")
        self.assertEqual(again.returncode, 1)
        self.assertIn("already canceled", again.stdout)

    def test_help_and_usage(self):
        r = subprocess.run([SQUALL, "help"], capture_output=True, text=True, timeout=60)
        self.assertIn("workflows", r.stdout)
        r = subprocess.run([SQUALL, "workflows", "--help"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0)
        for sub in ("list", "show", "pause", "resume", "cancel"):
            self.assertIn("squall workflows " + sub, r.stdout)
        self.assertEqual(self.squall("workflows", "show", "x").returncode, 2)
        self.assertEqual(self.squall("workflows", "frobnicate").returncode, 2)
        missing = subprocess.run([SQUALL, "workflows", "list", "--state",
                                  os.path.join(self.state, "nope")],
                                 capture_output=True, text=True, timeout=60)
        self.assertEqual(missing.returncode, 1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--squall", required=True)
    parser.add_argument("--fixture", required=True)
    args, rest = parser.parse_known_args()
    SQUALL = os.path.abspath(args.squall)
    FIXTURE = os.path.abspath(args.fixture)
    unittest.main(argv=[sys.argv[0], *rest])
