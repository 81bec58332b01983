#!/usr/bin/env python3
"""End-to-end tests of `squall repl`: the real binary driven through a pseudo-terminal (stdlib
`pty`), as a person at a terminal would: prompts, multi-line entries, diagnostics, tab
completion, :send (mocked and live), history across sessions, Ctrl-D. Plus the scripted mode
(standard input not a terminal).

Usage: repl_test.py --squall BIN
"""
import argparse
import os
import pty
import re
import select
import subprocess
import sys
import tempfile
import termios
import time
import unittest

SQUALL = None
TIMEOUT = 20.0  # generous: a loaded CI machine; every wait ends as soon as the text appears

ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-B]|\x1b[=>]|\r|\x07")
TRIGGER = "trigger disk.low { host: string, free_pct: float }"


class Repl:
    """One `squall repl` on a pseudo-terminal. `expect` waits for a pattern in the output
    (terminal escapes removed) after what earlier `expect`s consumed."""

    def __init__(self, history, *extra):
        master, slave = pty.openpty()
        env = dict(os.environ, TERM="xterm", NO_COLOR="1", HOME=os.path.dirname(history))
        self.proc = subprocess.Popen([SQUALL, "repl", "--history", history, *extra],
                                     stdin=slave, stdout=slave, stderr=slave, env=env,
                                     close_fds=True)
        os.close(slave)
        self.fd = master
        self.raw = b""
        self.seen = 0  # offset in the cleaned text already consumed

    def text(self):
        return ANSI.sub(b"", self.raw).decode("utf-8", "replace")

    def send(self, data):
        # libedit switches the terminal to raw mode after printing its prompt; keys sent before
        # that go through the cooked line discipline, which would swallow a Ctrl-D and not
        # pass a Tab on. The master side reads the terminal's modes: wait until ICANON is off.
        deadline = time.monotonic() + TIMEOUT
        while termios.tcgetattr(self.fd)[3] & termios.ICANON:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise AssertionError(f"the terminal never went raw; output:\n{self.text()}")
            time.sleep(0.002)  # polling a condition, not waiting for time to pass
        os.write(self.fd, data.encode())

    def line(self, text):
        self.send(text + "\r")

    def expect(self, pattern):
        regex = re.compile(pattern)
        deadline = time.monotonic() + TIMEOUT
        while True:
            match = regex.search(self.text(), self.seen)
            if match:
                self.seen = match.end()
                return match
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for {pattern!r}; output:\n{self.text()}")
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:  # the child closed the terminal
                    chunk = b""
                if not chunk:
                    match = regex.search(self.text(), self.seen)
                    if match:
                        self.seen = match.end()
                        return match
                    raise AssertionError(f"{pattern!r} never came; output:\n{self.text()}")
                self.raw += chunk

    def prompt(self):
        return self.expect(r"squall> ")

    def finish(self):
        """Ctrl-D at an empty prompt; returns the exit status."""
        self.send("\x04")
        return self.wait_exit()

    def wait_exit(self):
        """Drains the output until the child closes the terminal; returns the exit status."""
        try:
            while True:  # drain until the child closes the terminal
                ready, _, _ = select.select([self.fd], [], [], TIMEOUT)
                if not ready:
                    break
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    break
                self.raw += chunk
        except OSError:
            pass
        status = self.proc.wait(timeout=TIMEOUT)
        os.close(self.fd)
        return status

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        try:
            os.close(self.fd)
        except OSError:
            pass


class ReplTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        self.history = os.path.join(self.dir.name, "history")

    def start(self):
        repl = Repl(self.history)
        self.addCleanup(repl.kill)
        repl.prompt()
        return repl

    def declare_rule(self, repl):
        repl.line("import core")
        repl.expect(r"added import core")
        repl.prompt()
        repl.line(TRIGGER)
        repl.expect(r"added trigger disk\.low")
        repl.prompt()
        # A multi-line rule: the continuation prompt until the brace closes.
        repl.line("rule low {")
        repl.expect(r"\.\.\.> ")
        repl.line("  if disk.low where event.free_pct < 5.0")
        repl.expect(r"\.\.\.> ")
        repl.line('  then core.local(cmd: "echo {{event.host}}")')
        repl.expect(r"\.\.\.> ")
        repl.line("}")
        repl.expect(r"added rule low")
        repl.prompt()

    def test_session(self):
        repl = self.start()
        self.declare_rule(repl)

        # A bad line: the diagnostic of `squall check` with a caret, and the REPL goes on.
        repl.line('rule bad { if disk.low then core.nope(cmd: "x") }')
        match = repl.expect(r"<repl>:\d+:\d+: error: [^\n]*\n[^\n]*\|[^\n]*\n[ \d]*\|\s*\^")
        self.assertIn("core.nope", match.group(0))
        repl.prompt()
        repl.line(":rules")
        repl.expect(r"low  if disk\.low then core\.local")
        repl.prompt()
        self.assertNotIn("bad  if", repl.text())

        # Tab completion: a keyword, then an action name (read from the redrawn line).
        repl.send("wor\t")
        repl.expect(r"workflow")
        repl.send("\x15")  # kill the line
        repl.line("")
        repl.prompt()
        repl.send("const c = core.loc\t")
        repl.expect(r"core\.local")
        repl.send("\x15")
        repl.line("")
        repl.prompt()

        # :send: the matching rule and its rendered parameters, nothing executed.
        repl.line(':send disk.low {host: "web1", free_pct: 3.5}')
        repl.expect(r'rule low fires: core\.local\(cmd: "echo \'web1\'"\)  \[mocked\]')
        repl.prompt()
        repl.line(":explain")
        repl.expect(r"rule low: fires")
        repl.prompt()

        # :live: the action runs for real and its stdout comes back.
        repl.line(":live on")
        repl.expect(r"live on")
        repl.prompt()
        repl.line(':send disk.low {host: "live-e2e", free_pct: 1.0}')
        repl.expect(r"succeeded")
        repl.expect(r'"stdout": "live-e2e"')
        repl.prompt()
        self.assertEqual(repl.finish(), 0)

    def test_history_persists_across_sessions(self):
        first = self.start()
        first.line(":type 6 * 7")
        first.expect(r"\bint\b")
        first.prompt()
        self.assertEqual(first.finish(), 0)
        self.assertTrue(os.path.exists(self.history))

        second = self.start()
        second.send("\x1b[A")  # up arrow recalls the last line of the first session
        second.expect(r":type 6 \* 7")
        second.send("\r")
        second.expect(r"\bint\b")
        second.prompt()
        self.assertEqual(second.finish(), 0)

    def test_ctrl_d_exits_zero_even_mid_entry(self):
        repl = self.start()
        repl.line("rule r {")
        repl.expect(r"\.\.\.> ")
        repl.send("\x04")  # end of input with an unfinished entry: reported, then exit 0
        # The REPL leaves on that one Ctrl-D: a second one (finish()) could find it gone.
        self.assertEqual(repl.wait_exit(), 0)
        self.assertRegex(repl.text(), r"<repl>:\d+:\d+: error")


class ScriptedTest(unittest.TestCase):
    def test_stdin_not_a_terminal(self):
        script = "\n".join([
            "import core",
            TRIGGER,
            "rule low {",
            "  if disk.low where event.free_pct < 5.0",
            '  then core.local(cmd: "echo {{event.host}}")',
            "}",
            "const broken = )",
            ':send disk.low {host: "db1", free_pct: 2.0}',
            ":type disk.low.host",
        ]) + "\n"
        with tempfile.TemporaryDirectory() as home:
            result = subprocess.run([SQUALL, "repl", "--no-history"], input=script,
                                    capture_output=True, text=True, timeout=TIMEOUT,
                                    env=dict(os.environ, HOME=home))
            self.assertEqual(os.listdir(home), [])  # --no-history writes nothing
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("squall>", result.stdout)  # no prompt when scripted
        self.assertIn("added rule low", result.stdout)
        self.assertIn("rule low fires: core.local(cmd: \"echo 'db1'\")", result.stdout)
        self.assertTrue(result.stdout.rstrip().endswith("string"), result.stdout)
        # The bad line is on session line 7, its `)` at column 16.
        self.assertIn("<repl>:7:16: error:", result.stderr)
        self.assertIn("    7 | const broken = )", result.stderr)

    def test_correlations_and_workflows(self):
        # A correlation rule's steps are reported as such (never as an empty action), the
        # :send that completes a sequence shows its action, and a workflow is shown, not run.
        script = "\n".join([
            "import core",
            "trigger l.d { port: string }",
            "trigger l.u { port: string }",
            'rule gone { if l.d as d and not l.u where event.port == d.port within 5m'
            ' then core.echo(message: "x") }',
            'rule flap { if l.d as d followed by l.u as u where u.port == d.port within 5m'
            ' then core.echo(message: "flap {{u.port}}") }',
            "workflow fix(port: string) { core.echo(message: port) }",
            "rule fixit { if l.u then fix(port: event.port) }",
            ':send l.d {port: "p"}',
            ":live on",
            ':send l.u {port: "p"}',
            ":send l.d",
        ]) + "\n"
        result = subprocess.run([SQUALL, "repl", "--no-history"], input=script,
                                capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(result.returncode, 0, result.stderr)
        out = result.stdout
        self.assertIn("rule gone: event recorded for its correlation (absence, waiting 5m)\n", out)
        self.assertIn("rule flap: event recorded for its correlation (sequence, step 1 of 2 "
                      "within 5m)\n", out)
        self.assertIn("correlation flap completes: event correlation.flap\n", out)
        self.assertIn('rule flap fires: core.echo(message: "flap p")\n  succeeded\n', out)
        self.assertIn('rule fixit fires: fix(port: "p")\n  not run: `fix` is a workflow', out)
        self.assertNotIn("()", out)
        self.assertNotIn("``", out)
        # Without a payload the event is `{}`, checked like a test's `given`.
        self.assertIn("[MissingPayloadField]", result.stderr)

    def test_help(self):
        result = subprocess.run([SQUALL, "repl", "--help"], capture_output=True, text=True,
                                timeout=TIMEOUT)
        self.assertEqual(result.returncode, 0)
        self.assertIn("--history FILE", result.stdout)
        self.assertIn("--no-history", result.stdout)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--squall", required=True)
    args, rest = parser.parse_known_args()
    SQUALL = os.path.abspath(args.squall)
    unittest.main(argv=[sys.argv[0], *rest])
