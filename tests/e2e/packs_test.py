#!/usr/bin/env python3
"""End-to-end tests of `squall packs list` and `squall packs show`: the real binary over pack
directories written to a temporary directory, the pack path from --packs and SQUALL_PACKS, and
the real StackStorm packs of ../shared/packs.

Usage: packs_test.py --squall BIN --root REPO_ROOT
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import unittest

SQUALL = None
ROOT = None

RUNNERS = """\
- name: e2e-shell
  runner_parameters:
    cmd: {type: string}
    timeout: {type: integer, default: 60}
"""


def squall(*args, env=None, cwd=None):
    full_env = dict(os.environ, NO_COLOR="1")
    full_env.pop("SQUALL_PACKS", None)
    full_env.update(env or {})
    return subprocess.run([SQUALL, *args], capture_output=True, timeout=60, cwd=cwd,
                          env=full_env, text=True)


class PackDirs(unittest.TestCase):
    """Two search directories, `first` and `second`, each with packs."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.first = os.path.join(self._tmp.name, "first")
        self.second = os.path.join(self._tmp.name, "second")
        self.write(self.first, "_runners/e2e.yaml", RUNNERS)
        self.pack(self.first, "ops", "1.0.0", {
            "actions/restart.yaml": "name: restart\nrunner_type: e2e-shell\n"
                                    "description: Restarts a service.\n"
                                    "parameters:\n  service: {type: string, required: true}\n",
        })
        self.pack(self.first, "core", "9.9.9", {})  # hidden by the built-in core
        self.pack(self.second, "ops", "2.0.0", {})  # hidden by first/ops
        self.pack(self.second, "alerts", "0.3.0", {
            "triggers/fired.yaml": "name: fired\npayload_schema:\n  type: object\n"
                                   "  properties:\n    severity: {type: string, required: true}\n",
        })

    def tearDown(self):
        self._tmp.cleanup()

    def write(self, base, relative, text):
        path = os.path.join(base, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    def pack(self, base, name, version, files):
        self.write(base, f"{name}/pack.yaml", f"name: {name}\nversion: {version}\n")
        for relative, text in files.items():
            self.write(base, f"{name}/{relative}", text)

    def test_list_follows_the_search_order(self):
        r = squall("packs", "list", "--packs", self.first, env={"SQUALL_PACKS": self.second})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["NAME", "VERSION", "ACTIONS", "TRIGGERS", "FROM"])
        rows = [line.split(None, 4) for line in lines[1:]]
        by_name = {}
        for row in rows:
            by_name.setdefault(row[0], []).append(row)
        self.assertEqual([row[0] for row in rows], sorted(row[0] for row in rows))
        self.assertEqual(by_name["ops"][0][1:4], ["1.0.0", "1", "0"])
        self.assertTrue(by_name["ops"][0][4].endswith(os.path.join("first", "ops")))
        self.assertEqual(by_name["ops"][1][1:4], ["2.0.0", "-", "-"])
        self.assertIn("shadowed by", by_name["ops"][1][4])
        self.assertEqual(by_name["alerts"][0][1:4], ["0.3.0", "0", "1"])
        self.assertEqual(by_name["core"][0][4], "stdlib/packs/core (built-in)")
        self.assertIn("(shadowed by stdlib/packs/core)", by_name["core"][1][4])

    def test_packs_flag_comes_before_squall_packs(self):
        # The same two directories, the other way round: second/ops now wins.
        r = squall("packs", "show", "--format", "json", "--packs", self.second, "ops",
                   env={"SQUALL_PACKS": "::" + self.first + ":"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["version"], "2.0.0")
        r = squall("packs", "show", "--format", "json", "ops", env={"SQUALL_PACKS": self.first})
        self.assertEqual(json.loads(r.stdout)["version"], "1.0.0")

    def test_list_json(self):
        r = squall("packs", "list", "--format", "json", "--packs", self.first, "--packs",
                   self.second)
        self.assertEqual(r.returncode, 0, r.stderr)
        packs = json.loads(r.stdout)["packs"]
        ops = [p for p in packs if p["name"] == "ops"]
        self.assertEqual(len(ops), 2)
        self.assertEqual(ops[0]["actions"], 1)
        self.assertIsNone(ops[0]["shadowed_by"])
        self.assertIsNone(ops[1]["actions"])
        self.assertTrue(ops[1]["shadowed_by"].endswith(os.path.join("first", "ops")))

    def test_show_action_and_trigger(self):
        r = squall("packs", "show", "--packs", self.first, "ops.restart")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("action ops.restart\n", r.stdout)
        self.assertIn("  runner: e2e-shell\n", r.stdout)
        self.assertIn("  service: string, required\n", r.stdout)
        self.assertIn("  timeout: int, default 60, from runner\n", r.stdout)
        r = squall("packs", "show", "--format", "json", "alerts.fired",
                   env={"SQUALL_PACKS": self.second})
        self.assertEqual(r.returncode, 0, r.stderr)
        shown = json.loads(r.stdout)
        self.assertEqual(shown["kind"], "trigger")
        self.assertEqual(shown["payload"]["type"], "alerts.fired")
        self.assertEqual(shown["payload"]["fields"][0],
                         {"name": "severity", "type": "string", "required": True,
                          "description": ""})

    def test_unknown_refs_exit_1_with_did_you_mean(self):
        r = squall("packs", "show", "--packs", self.first, "opps")
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown pack `opps`; did you mean `ops`?", r.stderr)
        r = squall("packs", "show", "--packs", self.first, "ops.restrat")
        self.assertEqual(r.returncode, 1)
        self.assertIn("did you mean `ops.restart`?", r.stderr)

    def test_yaml_problems_are_diagnostics_and_exit_1(self):
        self.pack(self.first, "broken", "1.0.0",
                  {"actions/bad.yaml": "name: bad\nrunner_type: e2e-shel\n"})
        r = squall("packs", "show", "--packs", self.first, "broken")
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad.yaml:2:14: error: unknown runner `e2e-shel`; did you mean "
                      "`e2e-shell`? [UnknownRunner]", r.stderr)
        self.assertIn("1 error generated", r.stderr)
        # Lazy: showing another pack reports nothing about the broken one.
        r = squall("packs", "show", "--packs", self.first, "ops")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        r = squall("packs", "show", "--packs", self.first, "--diagnostics-format", "json",
                   "--format", "json", "broken")
        self.assertEqual(r.returncode, 1)
        shown, diagnostics = r.stdout.splitlines()
        self.assertEqual(json.loads(shown)["actions"], ["broken.bad"])
        self.assertEqual(json.loads(diagnostics)["diagnostics"][0]["kind"], "UnknownRunner")


class CommandLine(unittest.TestCase):
    def test_usage_errors_exit_2(self):
        for args in (["packs"], ["packs", "frobnicate"], ["packs", "show"],
                     ["packs", "show", "a", "b"], ["packs", "list", "extra"],
                     ["packs", "list", "--format", "yaml"], ["packs", "list", "--bogus"]):
            with self.subTest(args=args):
                r = squall(*args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn("squall packs", r.stderr)

    def test_every_subcommand_has_help(self):
        for args in (["packs", "--help"], ["help", "packs"], ["packs", "list", "--help"],
                     ["packs", "show", "-h"]):
            with self.subTest(args=args):
                r = squall(*args)
                self.assertEqual(r.returncode, 0)
                self.assertIn("usage: squall packs", r.stdout)
                self.assertIn("--packs DIR", r.stdout)
                self.assertIn("Exit status:", r.stdout)
        self.assertIn("usage: squall packs show", squall("packs", "show", "--help").stdout)


class SharedPacks(unittest.TestCase):
    """The real StackStorm packs beside the repository."""

    def setUp(self):
        self.shared = os.path.join(ROOT, "..", "shared", "packs")
        self.assertTrue(os.path.isdir(self.shared), self.shared)

    def test_show_linux_trigger(self):
        r = squall("packs", "show", "--packs", self.shared, "linux.file_watch.line")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertIn("  file_path: string, required\n", r.stdout)
        self.assertIn("payload: linux.file_watch.line\n", r.stdout)
        self.assertIn("  line: string?\n", r.stdout)

    def test_list_counts_real_packs(self):
        r = squall("packs", "list", "--format", "json", env={"SQUALL_PACKS": self.shared})
        # slack's upstream defaults that StackStorm rejects are warnings, not errors.
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("25 warnings generated", r.stderr)
        counts = {p["name"]: p["actions"] for p in json.loads(r.stdout)["packs"]
                  if p["shadowed_by"] is None}
        self.assertEqual(counts["slack"], 194)
        self.assertEqual(counts["jira"], 32)
        self.assertEqual(counts["linux"], 19)


def main():
    global SQUALL, ROOT
    parser = argparse.ArgumentParser()
    parser.add_argument("--squall", required=True)
    parser.add_argument("--root", required=True)
    opts, rest = parser.parse_known_args()
    SQUALL = os.path.abspath(opts.squall)
    ROOT = os.path.abspath(opts.root)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
