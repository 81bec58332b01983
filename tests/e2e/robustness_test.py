#!/usr/bin/env python3
"""Hostile input through the real binary: every case must end with diagnostics (or success for
valid input) within its time limit, never a crash, a hang or a stack overflow.

Usage: robustness_test.py --squall BIN
"""
import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import unittest

SQUALL = None
LOCATED = re.compile(r"^[^:\n]+:\d+:\d+: error: .* \[\w+\]$", re.MULTILINE)


class Robustness(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self._tmp.cleanup()

    def run_on(self, data, timeout=60, args=("check",)):
        path = os.path.join(self._tmp.name, "input.rule")
        with open(path, "wb") as f:
            f.write(data)
        start = time.monotonic()
        r = subprocess.run([SQUALL, *args, path], capture_output=True, timeout=timeout,
                           env=dict(os.environ, NO_COLOR="1"))
        elapsed = time.monotonic() - start
        self.assertGreaterEqual(r.returncode, 0, f"killed by signal {-r.returncode}")
        self.assertIn(r.returncode, (0, 1), r.stderr.decode(errors="replace")[-2000:])
        return r, elapsed

    def assert_located_error(self, data, kind=None, line=None):
        r, _ = self.run_on(data)
        err = r.stderr.decode("utf-8", errors="strict")  # diagnostics are valid UTF-8
        self.assertEqual(r.returncode, 1, err)
        self.assertRegex(err, LOCATED)
        if kind:
            self.assertIn(f"[{kind}]", err)
        if line:
            self.assertRegex(err, rf"input\.rule:{line}:\d+: error:")
        return err

    def test_empty_file_is_valid(self):
        r, _ = self.run_on(b"")
        self.assertEqual((r.returncode, r.stderr), (0, b""))

    def test_only_comments_is_valid(self):
        r, _ = self.run_on(b"# nothing here\n\n   # indented\n")
        self.assertEqual(r.returncode, 0)

    def test_binary_data(self):
        rng = random.Random(1234)
        for size in (1, 17, 4096, 100_000):
            with self.subTest(size=size):
                self.assert_located_error(bytes(rng.randrange(256) for _ in range(size)))

    def test_nul_bytes(self):
        self.assert_located_error(b"rule r {\x00\x00}\n")

    def test_invalid_utf8(self):
        err = self.assert_located_error(b'rule r {\n  if a then b(x: "caf\xe9")\n}\n',
                                        kind="InvalidUtf8", line=2)
        self.assertIn("input.rule:2:", err)

    def test_invalid_utf8_does_not_hide_later_errors(self):
        err = self.assert_located_error(b'# \xff\xfe\nrule r { if a else b() }\n')
        self.assertIn("[InvalidUtf8]", err)
        self.assertRegex(err, r"input\.rule:2:\d+: error: .*`then`")

    def test_unterminated_string_end_of_line(self):
        self.assert_located_error(b'rule r {\n  if a then b(x: "abc)\n}\n',
                                  kind="UnterminatedString", line=2)

    def test_unterminated_string_end_of_file(self):
        self.assert_located_error(b'rule r {\n  if a then b(x: "abc', kind="UnterminatedString")

    def test_unterminated_interpolation(self):
        self.assert_located_error(b'rule r {\n  if a then b(x: "abc {{ event.x ")\n}\n', line=2)

    def test_deep_nesting(self):
        depth = 10_000
        cases = {
            "parens": b"const x = " + b"(" * depth + b"1" + b")" * depth + b"\n",
            "lists": b"const x = " + b"[" * depth + b"]" * depth + b"\n",
            "maps": b"const x = " + b"{a: " * depth + b"1" + b"}" * depth + b"\n",
            "not": b"const x = " + b"not " * depth + b"true\n",
            "negate": b"const x = " + b"- " * depth + b"1\n",
            "interpolation": b'const x = "' + b'{{"' * depth + b'"}}' * depth + b'"\n',
            "blocks": b"workflow w() {" + b"{" * depth + b"}" * depth + b"}\n",
            "unclosed": b"const x = " + b"(" * depth + b"\n",
        }
        for name, data in cases.items():
            with self.subTest(name=name):
                self.assert_located_error(data, kind="NestingTooDeep")

    def test_long_chains_do_not_overflow(self):
        n = 100_000
        cases = {
            "sum": b"const x = " + b" + ".join([b"a"] * n) + b"\n",
            "members": b"const x = a" + b".b" * n + b"\n",
            "and": b"const x = " + b" and ".join([b"a"] * n) + b"\n",
            "calls": b"const x = f" + b"()" * n + b"\n",
        }
        for name, data in cases.items():
            with self.subTest(name=name):
                r, _ = self.run_on(data)
                self.assertIn(r.returncode, (0, 1))

    def test_checker_survives_what_the_parser_accepts(self):
        # Chains just under the parser's 10,000 limit reach the type checker, which must not
        # overflow its stack (it runs on the same large-stack thread as the parser), and a
        # chain of constants each naming the next is cut off with a diagnostic.
        n = 9_000
        cases = {
            "sum": b"const x = " + b" + ".join([b"1"] * n) + b"\n",
            "or": b"const x = " + b" or ".join([b"true"] * n) + b"\n",
            "members": b"const y = {a: 1}\nconst x = y" + b".a" * n + b"\n",
            "const_chain": b"".join(b"const c%d = c%d + 1\n" % (i, i + 1) for i in range(20_000))
            + b"const c20000 = 0\n",
        }
        for name, data in cases.items():
            with self.subTest(name=name):
                r, _ = self.run_on(data)
                self.assertIn(r.returncode, (0, 1))
        r, _ = self.run_on(cases["const_chain"])
        self.assertIn(b"[ConstChainTooDeep]", r.stderr)

    def test_ten_megabyte_file(self):
        rule = ('rule r{i} {{\n'
                '  if disk.low where event.mount == "/var/log" and event.free_pct < {i}\n'
                '  then core.local(cmd: "logrotate -f /etc/logrotate.conf", timeout: 60)\n'
                '    retry 3 times every 10s backoff 2x\n'
                '}}\n\n')
        header = 'import core\n\ntrigger disk.low {\n  mount: string\n  free_pct: float\n}\n\n'
        parts, size, i = [header], len(header), 0
        while size < 10 * 1024 * 1024:
            text = rule.format(i=i)
            parts.append(text)
            size += len(text)
            i += 1
        r, elapsed = self.run_on("".join(parts).encode(), timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        print(f"\n10 MB file ({i} rules): checked in {elapsed:.1f}s", file=sys.stderr)

    def test_lone_closing_brace(self):
        self.assert_located_error(b"}\n}}\nrule r { if a then b() }\n")

    def test_fmt_rejects_garbage_without_touching_it(self):
        data = b"\xff\x00rule {{{"
        r, _ = self.run_on(data, args=("fmt",))
        self.assertEqual(r.returncode, 1)
        with open(os.path.join(self._tmp.name, "input.rule"), "rb") as f:
            self.assertEqual(f.read(), data)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--squall", required=True)
    opts, rest = parser.parse_known_args()
    SQUALL = os.path.abspath(opts.squall)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
