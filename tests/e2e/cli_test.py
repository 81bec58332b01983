#!/usr/bin/env python3
"""End-to-end tests of the `squall` command line: the real binary, real files, real exit codes.

Usage: cli_test.py --squall BIN --root REPO_ROOT
"""
import argparse
import glob
import json
import os
import stat
import subprocess
import sys
import tempfile
import unittest

SQUALL = None
ROOT = None

VALID = ('import core\n\ntrigger disk.low {\n  free_pct: float\n}\n\n'
         'rule r {\n  if disk.low where event.free_pct < 10\n  then core.local(cmd: "df -h")\n}\n')
UNFORMATTED = ('import core\ntrigger disk.low{free_pct:float}\n'
               'rule r{if disk.low where event.free_pct<10 then core.local(cmd:"df -h")}\n')
BROKEN = 'rule r {\n  if disk.low where event.free_pct < 10\n  else core.local(cmd: "x")\n}\n'


def squall(*args, stdin=None, cwd=None):
    return subprocess.run([SQUALL, *args], input=stdin, capture_output=True, timeout=60,
                          cwd=cwd, env=dict(os.environ, NO_COLOR="1"), text=True)


class TempDirTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.dir = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path


class TopLevel(unittest.TestCase):
    def test_version(self):
        r = squall("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^squall \d+\.\d+\.\d+\n$")

    def test_help_lists_every_command(self):
        r = squall("--help")
        self.assertEqual(r.returncode, 0)
        for command in ("check", "fmt", "help"):
            self.assertIn(f"  {command} ", r.stdout)
        self.assertEqual(squall("help").stdout, r.stdout)

    def test_every_command_has_help(self):
        commands = [line.split()[0] for line in squall("help").stdout.split("Commands:\n")[1]
                    .split("\n\n")[0].splitlines()]
        self.assertGreaterEqual(len(commands), 3)
        for command in commands:
            with self.subTest(command=command):
                via_flag = squall(command, "--help")
                via_help = squall("help", command)
                self.assertEqual(via_flag.returncode, 0)
                self.assertIn(f"usage: squall {command}", via_flag.stdout)
                self.assertIn("Exit status:", via_flag.stdout)
                self.assertEqual(via_flag.stdout, via_help.stdout)

    def test_no_arguments_is_a_usage_error(self):
        r = squall()
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage: squall COMMAND", r.stderr)

    def test_unknown_command(self):
        r = squall("frobnicate")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown command `frobnicate`", r.stderr)
        self.assertEqual(squall("help", "frobnicate").returncode, 2)

    def test_unknown_option(self):
        r = squall("check", "--frobnicate", "x.rule")
        self.assertEqual(r.returncode, 2)
        self.assertIn("squall check: error:", r.stderr)
        self.assertIn("squall help check", r.stderr)

    def test_bad_option_values(self):
        self.assertEqual(squall("check", "--diagnostics-format=xml", "x").returncode, 2)
        self.assertEqual(squall("check", "--color=sometimes", "x").returncode, 2)
        self.assertEqual(squall("check", "--dump=bytecode", "x").returncode, 2)
        self.assertEqual(squall("check").returncode, 2)
        self.assertEqual(squall("fmt").returncode, 2)


class Check(TempDirTest):
    def test_valid_file_is_silent(self):
        r = squall("check", self.write("ok.rule", VALID))
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))

    def test_syntax_error_has_location_caret_and_kind(self):
        path = self.write("bad.rule", BROKEN)
        r = squall("check", "bad.rule", cwd=self.dir)
        self.assertEqual(r.returncode, 1)
        first = r.stderr.splitlines()[0]
        self.assertRegex(first, r"^bad\.rule:3:3: error: .*`then`.*`else`.* \[\w+\]$")
        self.assertIn("   3 |   else core.local", r.stderr)
        self.assertIn("|   ^~~~", r.stderr)
        self.assertIn("1 error generated", r.stderr)

    def test_json_diagnostics(self):
        self.write("bad.rule", BROKEN)
        r = squall("check", "--diagnostics-format=json", "bad.rule", cwd=self.dir)
        self.assertEqual(r.returncode, 1)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["errors"], 1)
        d = doc["diagnostics"][0]
        self.assertEqual(d["severity"], "error")
        self.assertEqual(d["file"], "bad.rule")
        self.assertEqual(d["range"]["start"]["line"], 3)
        self.assertEqual(d["range"]["start"]["column"], 3)
        self.assertTrue(d["kind"])
        self.assertEqual(r.stderr, "")

    def test_missing_file(self):
        r = squall("check", os.path.join(self.dir, "nope.rule"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot read", r.stderr)
        self.assertIn("[CannotReadFile]", r.stderr)

    def test_stdin(self):
        r = squall("check", "-", stdin=BROKEN)
        self.assertEqual(r.returncode, 1)
        self.assertIn("<stdin>:3:3: error:", r.stderr)

    def test_error_limit(self):
        text = "".join(f"rule r{i} {{ if a then }}\n" for i in range(30))
        path = self.write("many.rule", text)
        default = squall("check", path)
        self.assertEqual(default.returncode, 1)
        self.assertEqual(default.stderr.count(": error: "), 20)
        self.assertIn("\nerror: too many errors emitted (30); stopping [TooManyErrors]\n",
                      default.stderr)
        self.assertTrue(default.stderr.endswith("30 errors generated\n"), default.stderr[-200:])
        unlimited = squall("check", "--error-limit=0", path)
        self.assertEqual(unlimited.stderr.count(": error: "), 30)
        self.assertNotIn("TooManyErrors", unlimited.stderr)

    def test_several_files_all_reported(self):
        a = self.write("a.rule", BROKEN)
        b = self.write("b.rule", BROKEN)
        r = squall("check", a, b)
        self.assertEqual(r.returncode, 1)
        self.assertIn("a.rule:3:3", r.stderr)
        self.assertIn("b.rule:3:3", r.stderr)

    def test_dump_ast(self):
        r = squall("check", "--dump=ast", self.write("ok.rule", VALID))
        self.assertEqual(r.returncode, 0)
        self.assertTrue(r.stdout.startswith("File @1:1-"))
        self.assertIn("RuleDecl r", r.stdout)

    def test_color_always(self):
        r = squall("check", "--color=always", self.write("bad.rule", BROKEN))
        self.assertIn("\x1b[", r.stderr)
        r = squall("check", "--color=never", self.write("bad.rule", BROKEN))
        self.assertNotIn("\x1b[", r.stderr)


class Fmt(TempDirTest):
    def test_rewrites_in_place_and_keeps_mode(self):
        path = self.write("x.rule", UNFORMATTED)
        os.chmod(path, 0o640)
        r = squall("fmt", path)
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))
        with open(path, encoding="utf-8") as f:
            self.assertEqual(f.read(), VALID)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o640)
        self.assertEqual(os.listdir(self.dir), ["x.rule"])  # no temp file left behind

    def test_check_lists_unformatted_files(self):
        bad = self.write("bad.rule", UNFORMATTED)
        good = self.write("good.rule", VALID)
        r = squall("fmt", "--check", bad, good)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, bad + "\n")
        with open(bad, encoding="utf-8") as f:
            self.assertEqual(f.read(), UNFORMATTED)  # --check changes nothing
        self.assertEqual(squall("fmt", "--check", good).returncode, 0)

    def test_stdin_to_stdout(self):
        r = squall("fmt", "-", stdin=UNFORMATTED)
        self.assertEqual((r.returncode, r.stdout), (0, VALID))

    def test_syntax_errors_leave_file_untouched(self):
        path = self.write("bad.rule", BROKEN)
        r = squall("fmt", path)
        self.assertEqual(r.returncode, 1)
        self.assertIn("error:", r.stderr)
        with open(path, encoding="utf-8") as f:
            self.assertEqual(f.read(), BROKEN)


class Examples(unittest.TestCase):
    def test_examples_check_and_are_formatted(self):
        files = sorted(glob.glob(os.path.join(ROOT, "examples", "*.rule")))
        self.assertGreaterEqual(len(files), 6)
        # The examples use the real StackStorm packs of ../shared/packs and their own packs/.
        shared_packs = os.path.join(ROOT, "..", "shared", "packs")
        r = squall("check", "--packs", shared_packs, *files)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        r = squall("fmt", "--check", *files)
        self.assertEqual(r.returncode, 0, f"not formatted: {r.stdout}{r.stderr}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--squall", required=True)
    parser.add_argument("--root", required=True)
    opts, rest = parser.parse_known_args()
    SQUALL = os.path.abspath(opts.squall)
    ROOT = os.path.abspath(opts.root)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
