#!/usr/bin/env python3
"""End-to-end tests of the state-directory commands with the real binary and a temp state dir.

- `keys create/list/revoke`: the token is printed once, lists never show it, revoke by name/id;
- `kv set/get/list/delete`: strings and JSON values, TTL expiry, internal keys hidden;
- `secrets set/list/delete`: value from stdin only, never printed, not stored in clear;
- `events send/list/show`: payload validation, ids, pending until a service matches them;
- `executions list/show/tail/cancel` on a store without executions: clear messages;
- --state, $SQUALL_STATE and $XDG_STATE_HOME resolution; a missing state directory.
(The lead's service tests cover executions that really run.)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

SQUALL = None


class StateTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.root = self._tmp.name
        self.state = os.path.join(self.root, "state")

    def tearDown(self):
        self._tmp.cleanup()

    def squall(self, *args, stdin=None, env=None, state=True):
        full_env = dict(os.environ, NO_COLOR="1")
        for name in ("SQUALL_STATE", "XDG_STATE_HOME"):
            full_env.pop(name, None)
        full_env.update(env or {})
        # --state right after the subcommand: options after `--` would be values.
        argv = [SQUALL, *args[:2]] + (["--state", self.state] if state else []) + list(args[2:])
        return subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60,
                              env=full_env)

    def ok(self, *args, **kwargs):
        r = self.squall(*args, **kwargs)
        self.assertEqual(r.returncode, 0, f"{args}: {r.stderr}")
        return r

    # -----------------------------------------------------------------------------------------

    def test_keys(self):
        r = self.ok("keys", "create", "github")
        token = r.stdout.strip()
        self.assertRegex(token, r"^sqk_[0-9a-f]{8}_[A-Za-z0-9_-]+$")
        self.assertIn("cannot be shown again", r.stderr)
        key_id = token.split("_")[1]
        # The state directory was created private, with its key file.
        self.assertEqual(os.stat(self.state).st_mode & 0o777, 0o700)
        self.assertEqual(os.stat(os.path.join(self.state, "secret.key")).st_mode & 0o777, 0o600)

        dup = self.squall("keys", "create", "github")
        self.assertEqual(dup.returncode, 1)
        self.assertIn("already named `github`", dup.stderr)
        self.ok("keys", "create", "alertmanager")

        listed = self.ok("keys", "list").stdout
        self.assertNotIn(token, listed)
        self.assertNotIn(token.split("_", 2)[2], listed)
        lines = listed.splitlines()
        self.assertEqual(lines[0].split(), ["ID", "NAME", "CREATED", "REVOKED"])
        self.assertEqual(len(lines), 3)
        self.assertTrue(lines[1].startswith(key_id + "  github"))
        self.assertRegex(lines[1], r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ  -$")

        self.assertEqual(self.ok("keys", "revoke", "github").stdout, "revoked github\n")
        again = self.squall("keys", "revoke", key_id)
        self.assertEqual(again.returncode, 1)
        self.assertIn("already revoked", again.stderr)
        unknown = self.squall("keys", "revoke", "nope")
        self.assertEqual(unknown.returncode, 1)
        self.assertIn("no API key has the id or name `nope`", unknown.stderr)

        rows = [json.loads(line) for line in self.ok("keys", "list", "--json").stdout.splitlines()]
        self.assertEqual([row["name"] for row in rows], ["github", "alertmanager"])
        self.assertIsNotNone(rows[0]["revoked_at"])
        self.assertIsNone(rows[1]["revoked_at"])
        self.assertNotIn("token", rows[0])
        # A revoked name may be reused.
        self.ok("keys", "create", "github")

    def test_kv(self):
        self.ok("kv", "set", "greeting", "hello world")
        self.ok("kv", "set", "--json", "limits", '{"disk_mb": 500, "hosts": ["a", "b"]}')
        self.ok("kv", "set", "--json", "offset", "--", "-5")
        self.ok("kv", "set", "short", "soon gone", "--ttl", "1s")
        self.assertEqual(self.ok("kv", "get", "greeting").stdout, "hello world\n")
        self.assertEqual(self.ok("kv", "get", "greeting", "--json").stdout, '"hello world"\n')
        self.assertEqual(json.loads(self.ok("kv", "get", "limits").stdout),
                         {"disk_mb": 500, "hosts": ["a", "b"]})
        self.assertEqual(self.ok("kv", "get", "offset").stdout, "-5\n")

        listed = self.ok("kv", "list").stdout.splitlines()
        self.assertEqual(listed[0].split(), ["KEY", "EXPIRES", "UPDATED", "VALUE"])
        self.assertEqual([line.split()[0] for line in listed[1:]],
                         ["greeting", "limits", "offset", "short"])
        self.assertIn("never", listed[1])
        rows = {json.loads(l)["key"]: json.loads(l) for l in
                self.ok("kv", "list", "--json").stdout.splitlines()}
        self.assertIsNone(rows["greeting"]["expires_at"])
        self.assertRegex(rows["short"]["expires_at"], r"Z$")
        self.assertEqual(self.ok("kv", "list", "li").stdout.count("\n"), 2)  # header + limits

        time.sleep(1.2)
        gone = self.squall("kv", "get", "short")
        self.assertEqual(gone.returncode, 1)
        self.assertIn("no key `short`", gone.stderr)
        self.assertNotIn("short", self.ok("kv", "list").stdout)

        self.ok("kv", "delete", "greeting")
        missing = self.squall("kv", "delete", "greeting")
        self.assertEqual(missing.returncode, 1)
        self.assertIn("no key `greeting`", missing.stderr)
        self.assertEqual(self.squall("kv", "get", "greeting").returncode, 1)

        # Internal keys: protected unless --force, hidden unless --all.
        refused = self.squall("kv", "set", "_squall.source.x", "1")
        self.assertEqual(refused.returncode, 2)
        self.assertIn("internal key", refused.stderr)
        self.ok("kv", "set", "_squall.source.x", "1", "--force")
        self.assertNotIn("_squall.", self.ok("kv", "list").stdout)
        self.assertIn("_squall.source.x", self.ok("kv", "list", "--all").stdout)
        self.assertIn("_squall.source.x", self.ok("kv", "list", "_squall.").stdout)

        # Bad values and durations.
        for args, message in [
            (("kv", "set", "k", "{bad", "--json"), "not valid JSON"),
            (("kv", "set", "k", "v", "--ttl", "10"), "not a positive duration"),
            (("kv", "set", "k", "v", "--ttl", "0s"), "not a positive duration"),
            (("kv", "set", "k"), "expected a KEY and a VALUE"),
        ]:
            r = self.squall(*args)
            self.assertNotEqual(r.returncode, 0, args)
            self.assertIn(message, r.stderr, args)
        self.assertEqual(self.squall("kv", "get", "k").returncode, 1)

    def test_secrets(self):
        value = "s3cr3t-Value-4711"
        r = self.ok("secrets", "set", "db.password", stdin=value + "\n")
        self.assertNotIn(value, r.stdout + r.stderr)
        self.ok("secrets", "set", "api.token", stdin="tok\n")
        listed = self.ok("secrets", "list")
        self.assertEqual(listed.stdout, "api.token\ndb.password\n")
        self.assertEqual(json.loads(self.ok("secrets", "list", "--json").stdout),
                         ["api.token", "db.password"])
        # Encrypted at rest: the plaintext is in none of the state directory's files.
        for name in os.listdir(self.state):
            with open(os.path.join(self.state, name), "rb") as f:
                self.assertNotIn(value.encode(), f.read(), name)

        on_argv = self.squall("secrets", "set", "x", "visible")
        self.assertEqual(on_argv.returncode, 2)
        self.assertIn("standard input, not the command line", on_argv.stderr)
        empty = self.squall("secrets", "set", "x", stdin="")
        self.assertEqual(empty.returncode, 1)
        self.assertIn("empty value", empty.stderr)

        self.assertEqual(self.ok("secrets", "delete", "db.password").stdout,
                         "deleted secret db.password\n")
        again = self.squall("secrets", "delete", "db.password")
        self.assertEqual(again.returncode, 1)
        self.assertIn("no secret `db.password`", again.stderr)
        self.assertEqual(self.ok("secrets", "list").stdout, "api.token\n")

    def test_events(self):
        empty_dir = self.squall("events", "list")
        self.assertEqual(empty_dir.returncode, 1)
        self.assertIn("does not exist", empty_dir.stderr)

        first = self.ok("events", "send", "disk.low", '{"host": "web1", "free_mb": 12}',
                        "--id", "ext-7")
        self.assertEqual(first.stdout, "1\n")
        self.assertEqual(self.ok("events", "send", "disk.low", "-",
                                 stdin='{"host": "web2"}').stdout, "2\n")
        payload_file = os.path.join(self.root, "payload.json")
        with open(payload_file, "w", encoding="utf-8") as f:
            f.write('{"n": 3}\n')
        self.assertEqual(self.ok("events", "send", "other", "--payload-file",
                                 payload_file).stdout, "3\n")
        self.assertEqual(self.ok("events", "send", "ping").stdout, "4\n")  # payload {}

        for args, stdin, message in [
            (("events", "send", "t", "[1, 2]"), None, "must be a JSON object"),
            (("events", "send", "t", "{oops"), None, "not valid JSON"),
            (("events", "send", "t", "-"), "42", "must be a JSON object"),
            (("events", "send", "t", "--payload-file", "/no/such/file"), None, "cannot read"),
        ]:
            r = self.squall(*args, stdin=stdin)
            self.assertEqual(r.returncode, 1, args)
            self.assertIn(message, r.stderr, args)
        self.assertEqual(self.squall("events", "send", "bad trigger").returncode, 2)
        self.assertEqual(self.squall("events", "send").returncode, 2)

        listed = self.ok("events", "list").stdout.splitlines()
        self.assertEqual(listed[0].split(), ["ID", "RECEIVED", "TRIGGER", "SOURCE", "EXTERNAL",
                                             "ID", "RULES"])
        self.assertEqual([line.split()[0] for line in listed[1:]], ["4", "3", "2", "1"])
        self.assertTrue(all(line.endswith("pending") for line in listed[1:]))
        self.assertIn("ext-7", listed[4])

        rows = [json.loads(l) for l in
                self.ok("events", "list", "--trigger", "disk.low", "--limit", "1",
                        "--json").stdout.splitlines()]
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["id"], 2)
        self.assertEqual(rows[0]["source"], "cli")
        self.assertEqual(rows[0]["payload"], {"host": "web2"})
        self.assertFalse(rows[0]["processed"])

        shown = self.ok("events", "show", "1").stdout
        self.assertIn("trigger:     disk.low", shown)
        self.assertIn("external id: ext-7", shown)
        self.assertIn("matched:     not yet", shown)
        self.assertIn('"free_mb": 12', shown)
        doc = json.loads(self.ok("events", "show", "1", "--json").stdout)
        self.assertEqual(doc["payload"], {"host": "web1", "free_mb": 12})
        self.assertEqual(doc["external_id"], "ext-7")
        missing = self.squall("events", "show", "99")
        self.assertEqual(missing.returncode, 1)
        self.assertIn("no event 99", missing.stderr)

    def test_executions_on_a_store_without_executions(self):
        missing = self.squall("executions", "list")
        self.assertEqual(missing.returncode, 1)
        self.assertIn("state directory " + self.state + " does not exist", missing.stderr)
        self.assertIn("--state", missing.stderr)

        self.ok("events", "send", "t")  # creates the store
        self.assertEqual(self.ok("executions", "list").stdout, "no executions yet\n")
        self.assertEqual(self.ok("executions", "list", "--json").stdout, "")
        self.assertEqual(self.ok("executions", "list", "--status", "failed").stdout,
                         "no executions match\n")
        self.assertEqual(self.ok("executions", "tail").stdout, "no executions yet\n")

        bad_status = self.squall("executions", "list", "--status", "done")
        self.assertEqual(bad_status.returncode, 2)
        self.assertIn("unknown status `done`", bad_status.stderr)

        show = self.squall("executions", "show", "42")
        self.assertEqual(show.returncode, 1)
        self.assertIn("no execution 42", show.stderr)
        self.assertEqual(self.squall("executions", "show", "abc").returncode, 2)

        cancel = self.squall("executions", "cancel", "42", "43")
        self.assertEqual(cancel.returncode, 1)
        self.assertIn("no execution 42", cancel.stderr)
        self.assertIn("no execution 43", cancel.stderr)
        self.assertEqual(self.squall("executions", "cancel").returncode, 2)

    def test_tail_follow_runs_until_interrupted(self):
        self.ok("events", "send", "t")
        proc = subprocess.Popen([SQUALL, "executions", "tail", "--follow", "--state", self.state],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(0.5)
            self.assertIsNone(proc.poll(), "tail --follow stopped by itself")
        finally:
            proc.terminate()
            proc.communicate(timeout=10)

    def test_state_directory_resolution(self):
        env_state = os.path.join(self.root, "from-env")
        self.ok("kv", "set", "where", "env", env={"SQUALL_STATE": env_state}, state=False)
        self.assertTrue(os.path.isdir(env_state))
        xdg = os.path.join(self.root, "xdg")
        self.ok("kv", "set", "where", "xdg", env={"XDG_STATE_HOME": xdg}, state=False)
        self.assertTrue(os.path.isdir(os.path.join(xdg, "squall")))
        home = os.path.join(self.root, "home")
        self.ok("kv", "set", "where", "home", env={"HOME": home}, state=False)
        self.assertEqual(self.ok("kv", "get", "where", env={"HOME": home}, state=False).stdout,
                         "home\n")
        self.assertTrue(os.path.isdir(os.path.join(home, ".local", "state", "squall")))
        self.assertEqual(self.squall("kv", "get", "where", env={"SQUALL_STATE": env_state},
                                     state=False).stdout, "env\n")
        # --state beats $SQUALL_STATE.
        r = self.squall("kv", "get", "where", "--state", os.path.join(xdg, "squall"),
                        env={"SQUALL_STATE": env_state}, state=False)
        self.assertEqual(r.stdout, "xdg\n")

    def test_help_and_usage(self):
        general = subprocess.run([SQUALL, "help"], capture_output=True, text=True).stdout
        for command in ("executions", "events", "kv", "keys", "secrets"):
            self.assertRegex(general, rf"\n  {command} +\S")
            r = subprocess.run([SQUALL, command, "--help"], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, command)
            self.assertIn("--state", r.stdout)
            self.assertEqual(
                subprocess.run([SQUALL, "help", command], capture_output=True, text=True).stdout,
                r.stdout)
            none = subprocess.run([SQUALL, command], capture_output=True, text=True)
            self.assertEqual(none.returncode, 2)
            self.assertIn(f"squall {command}: error: expected a subcommand", none.stderr)
            wrong = subprocess.run([SQUALL, command, "frobnicate"], capture_output=True, text=True)
            self.assertEqual(wrong.returncode, 2)
            self.assertIn("unknown subcommand `frobnicate`", wrong.stderr)
        for sub in (["executions", "list"], ["executions", "show"], ["executions", "tail"],
                    ["executions", "cancel"], ["events", "send"], ["events", "list"],
                    ["events", "show"], ["kv", "get"], ["kv", "set"], ["kv", "delete"],
                    ["kv", "list"], ["keys", "create"], ["keys", "list"], ["keys", "revoke"],
                    ["secrets", "set"], ["secrets", "list"], ["secrets", "delete"]):
            r = subprocess.run([SQUALL, *sub, "--help"], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, sub)
            self.assertTrue(r.stdout.startswith("usage: squall " + " ".join(sub)), sub)
            self.assertIn("Exit status:", r.stdout)
        bad = self.squall("kv", "list", "--bogus")
        self.assertEqual(bad.returncode, 2)
        self.assertIn("squall kv list: error:", bad.stderr)
        self.assertIn("see `squall kv list --help`", bad.stderr)


def main():
    global SQUALL
    parser = argparse.ArgumentParser()
    parser.add_argument("--squall", required=True)
    args, rest = parser.parse_known_args()
    SQUALL = os.path.abspath(args.squall)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
