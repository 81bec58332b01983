#!/usr/bin/env python3
"""End-to-end tests of the python-script runner through the real `squall run` binary:

- a pack with StackStorm Python actions (unmodified st2 style: `class X(Action)`), a rule that
  calls one per event, events from a file; the execution's result is the value run()
  returned (a failure keeps StackStorm's {result, stdout, stderr, exit_code}), the pack
  config comes from <state>/configs with the schema's defaults, secret config values are
  masked; a `secret: true` property's `{{ st2kv.system.KEY }}` reads `squall secrets`;
- the action's datastore calls reach the service's store: a key set with `squall kv set` is
  read by the action, the keys it writes are visible with `squall kv get`;
- an action that raises fails with a one-line error and the traceback in stderr;
- --config-dir names another config directory; a config that does not fit the schema fails
  the execution with a clear reason;
- relative --state, --config-dir and --packs work although the action runs in the pack's
  actions/ directory.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import unittest

SQUALL = None

PACK_YAML = "name: ops\nref: ops\nversion: 1.0.0\ndescription: test pack\n"

CONFIG_SCHEMA = """\
token:
  type: string
  secret: true
  required: true
region:
  type: string
  default: eu-west-1
"""

TALLY_YAML = """\
name: tally
runner_type: python-script
entry_point: tally.py
description: counts the disks seen full
parameters:
  host:
    type: string
    required: true
  count:
    type: integer
    default: 1
"""

TALLY_PY = """\
import hashlib

from st2common.runners.base_action import Action


class Tally(Action):
    def run(self, host, count):
        seen = int(self.action_service.get_value("seen") or 0) + count
        self.action_service.set_value("seen", seen)
        self.action_service.set_value("last_host", host, local=False)
        print("tally für", host, "token", self.config["token"])
        self.logger.info("counted %s", host)
        token = hashlib.sha256(self.config["token"].encode()).hexdigest()[:16]
        return {"host": host, "seen": seen, "region": self.config["region"], "token": token}
"""

BOOM_YAML = """\
name: boom
runner_type: python-script
entry_point: boom.py
description: always fails
parameters: {}
"""

BOOM_PY = """\
from st2common.runners.base_action import Action


class Boom(Action):
    def run(self):
        raise RuntimeError("disk on fire")
"""

RULES = """\
import ops

trigger disk.low {
  host: string
  mount: string
}

rule tally {
  if disk.low where event.mount == "/var"
  then ops.tally(host: event.host, count: 2)
}

rule boom {
  if disk.low where event.mount == "/boom"
  then ops.boom()
}
"""


def squall(*args, timeout=180, stdin=None, cwd=None):
    return subprocess.run([SQUALL, *args], capture_output=True, text=True, timeout=timeout,
                          input=stdin, cwd=cwd, env=dict(os.environ, NO_COLOR="1"))


def sha16(text):
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


class PythonRunnerTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = self._tmp.name
        self.packs = os.path.join(self.tmp, "packs")
        pack = os.path.join(self.packs, "ops")
        write(os.path.join(pack, "pack.yaml"), PACK_YAML)
        write(os.path.join(pack, "config.schema.yaml"), CONFIG_SCHEMA)
        write(os.path.join(pack, "actions", "tally.yaml"), TALLY_YAML)
        write(os.path.join(pack, "actions", "tally.py"), TALLY_PY)
        write(os.path.join(pack, "actions", "boom.yaml"), BOOM_YAML)
        write(os.path.join(pack, "actions", "boom.py"), BOOM_PY)
        self.rule = os.path.join(self.tmp, "ops.rule")
        write(self.rule, RULES)
        self.state = os.path.join(self.tmp, "state")
        self.events = os.path.join(self.tmp, "events.jsonl")
        with open(self.events, "w", encoding="utf-8") as f:
            for host, mount in [("web1", "/var"), ("web2", "/boom")]:
                f.write(json.dumps({"trigger": "disk.low",
                                    "payload": {"host": host, "mount": mount}}) + "\n")

    def tearDown(self):
        self._tmp.cleanup()

    def run_service(self, *extra):
        r = squall("run", "--packs", self.packs, self.rule, "--events", self.events,
                   "--state", self.state, *extra)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def executions(self):
        r = squall("executions", "list", "--state", self.state, "--json", "--limit", "1000")
        self.assertEqual(r.returncode, 0, r.stderr)
        runs = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
        return {x["action"]: x for x in runs}

    def kv_get(self, key):
        r = squall("kv", "get", key, "--state", self.state)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    def test_actions_run_with_config_datastore_and_errors(self):
        write(os.path.join(self.state, "configs", "ops.yaml"), "token: tok-secret-123\n")
        r = squall("kv", "set", "ops.Tally:seen", "40", "--state", self.state)
        self.assertEqual(r.returncode, 0, r.stderr)

        self.run_service()
        runs = self.executions()
        tally = runs["ops.tally"]
        self.assertEqual(tally["status"], "succeeded", json.dumps(tally))
        # The result is run()'s value (StackStorm's result.result).
        self.assertEqual(tally["result"], {"host": "web1", "seen": 42, "region": "eu-west-1",
                                           "token": sha16("tok-secret-123")})
        # The secret config value never reaches the stored execution.
        self.assertNotIn("tok-secret-123", json.dumps(tally))

        # The action's datastore writes are in the service's store.
        self.assertEqual(self.kv_get("ops.Tally:seen"), "42")
        self.assertEqual(self.kv_get("last_host"), "web1")

        boom = runs["ops.boom"]
        self.assertEqual(boom["status"], "failed", json.dumps(boom))
        self.assertIn("RuntimeError: disk on fire (actions/boom.py:6 in run)",
                      json.dumps(boom["error"]))
        self.assertIn("Traceback (most recent call last)", boom["result"]["stderr"])

    def test_secret_config_property_reads_squall_secrets(self):
        # `token` is `secret: true` in the schema: its st2kv reference is read from the secret
        # store without `| decrypt_kv`, as StackStorm's config loader does.
        r = squall("secrets", "set", "slack_token", "--state", self.state,
                   stdin="xoxb-e2e-secret\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        write(os.path.join(self.state, "configs", "ops.yaml"),
              'token: "{{ st2kv.system.slack_token }}"\n')
        self.run_service()
        tally = self.executions()["ops.tally"]
        self.assertEqual(tally["status"], "succeeded", json.dumps(tally))
        self.assertEqual(tally["result"]["token"], sha16("xoxb-e2e-secret"))
        self.assertNotIn("xoxb-e2e-secret", json.dumps(tally))

    def test_config_dir_flag_and_invalid_config(self):
        configs = os.path.join(self.tmp, "elsewhere")
        write(os.path.join(configs, "ops.yaml"), "region: 12\n")
        self.run_service("--config-dir", configs)
        tally = self.executions()["ops.tally"]
        self.assertEqual(tally["status"], "failed", json.dumps(tally))
        error = json.dumps(tally["error"])
        self.assertIn("pack config of ops does not match", error)
        self.assertIn("region: expected string, found integer", error)
        self.assertIn("token: required key is missing", error)

    def test_relative_state_and_config_dir(self):
        # The child runs in packs/ops/actions: the runner resolves the shim directory (under
        # <state>/scratch) and the config path against squall's own working directory.
        # --no-jit-cache: the program cache keys relative --packs and rule paths as written,
        # so another directory's cached program (with its absolute entry points) would hit.
        write(os.path.join(self.tmp, "cfg", "ops.yaml"), "token: tok-relative\n")
        r = squall("run", "--packs", "packs", "ops.rule", "--events", "events.jsonl",
                   "--state", "state", "--config-dir", "cfg", "--no-jit-cache", cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        tally = self.executions()["ops.tally"]
        self.assertEqual(tally["status"], "succeeded", json.dumps(tally))
        self.assertEqual(tally["result"]["token"], sha16("tok-relative"))
        # Without --config-dir the config is <state>/configs/ops.yaml, also relative.
        write(os.path.join(self.tmp, "state2", "configs", "ops.yaml"), "token: tok-state\n")
        r = squall("run", "--packs", "packs", "ops.rule", "--events", "events.jsonl",
                   "--state", "state2", "--no-jit-cache", cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = squall("executions", "list", "--state", os.path.join(self.tmp, "state2"), "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        tally = [json.loads(line) for line in r.stdout.splitlines()
                 if line.strip() and json.loads(line)["action"] == "ops.tally"]
        self.assertEqual(len(tally), 1, r.stdout)
        self.assertEqual(tally[0]["status"], "succeeded", json.dumps(tally[0]))
        self.assertEqual(tally[0]["result"]["token"], sha16("tok-state"))

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--squall", required=True)
    parser.add_argument("--root", required=True)
    opts, rest = parser.parse_known_args()
    SQUALL = os.path.abspath(opts.squall)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
