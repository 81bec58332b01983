#!/usr/bin/env python3
"""End-to-end tests of `squall run` as a service, through the real binary, real processes and
real sockets on 127.0.0.1:

- events from a file run real commands, are recorded, and a second run does not repeat them;
- webhook POST -> rule -> local command writes a file -> execution recorded; API keys;
  malformed requests, unknown hooks, oversized bodies; /metrics and /healthz;
- kill -9 in the middle of a stream of webhook events, restart: every acknowledged event is
  matched exactly once;
- SIGTERM drains a running execution; a rule file edit reloads the rules;
- secrets never appear in logs or in the store's listings.
"""
import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

SQUALL = None
ROOT = None

RULES = """import core

trigger disk.low {
  host: string
  mount: string
}

rule note {
  if disk.low where event.mount == "/var"
  then core.local(cmd: "echo {{event.host}} >> DIR/notes")
}

rule deploy {
  if webhook "deploy" where event.body.branch == "main"
  then core.local(cmd: "printf %s {{event.body.sha}} > DIR/deployed")
}

rule count {
  if webhook "count"
  then core.noop()
}
"""


def squall(*args, stdin=None, timeout=120):
    return subprocess.run([SQUALL, *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ, NO_COLOR="1"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=20.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None


class Service:
    """A `squall run --listen` process with its own state directory."""

    def __init__(self, tmp, rule_file, *extra):
        self.tmp = tmp
        self.state = os.path.join(tmp, "state")
        self.port = free_port()
        self.log = open(os.path.join(tmp, f"service-{self.port}.log"), "w+")
        self.proc = subprocess.Popen(
            [SQUALL, "run", rule_file, "--state", self.state, "--listen",
             f"127.0.0.1:{self.port}", "--durability", "normal", *extra],
            stdout=self.log, stderr=subprocess.STDOUT, env=dict(os.environ, NO_COLOR="1"))
        if not wait_for(self.healthy, timeout=60):
            self.stop(signal.SIGKILL)
            raise AssertionError("service did not start:\n" + self.logs())

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def healthy(self):
        if self.proc.poll() is not None:
            raise AssertionError("service exited:\n" + self.logs())
        try:
            return self.request("GET", "/healthz")[0] == 200
        except OSError:
            return False

    def logs(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout=timeout)
        self.log.close()
        return code


class ServiceTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = self._tmp.name
        self.rule = os.path.join(self.tmp, "ops.rule")
        self.write_rules(RULES)

    def tearDown(self):
        self._tmp.cleanup()

    def write_rules(self, text):
        with open(self.rule, "w", encoding="utf-8") as f:
            f.write(text.replace("DIR", self.tmp))

    def read(self, name):
        path = os.path.join(self.tmp, name)
        if not os.path.exists(path):
            return None
        with open(path, encoding="utf-8") as f:
            return f.read()

    def executions(self, state):
        r = squall("executions", "list", "--state", state, "--json", "--limit", "100000")
        self.assertEqual(r.returncode, 0, r.stderr)
        return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]

    def create_key(self, state):
        r = squall("keys", "create", "sender", "--state", state)
        self.assertEqual(r.returncode, 0, r.stderr)
        token = next(w for w in r.stdout.split() if w.startswith("sqk_"))
        return token

    def test_events_file_runs_commands_once(self):
        events = os.path.join(self.tmp, "events.jsonl")
        with open(events, "w", encoding="utf-8") as f:
            for host, mount in [("web1", "/var"), ("web2", "/tmp"), ("web3", "/var")]:
                f.write(json.dumps({"trigger": "disk.low",
                                    "payload": {"host": host, "mount": mount}}) + "\n")
        state = os.path.join(self.tmp, "state")
        r = squall("run", self.rule, "--events", events, "--state", state)
        self.assertEqual(r.returncode, 0, r.stderr)
        # The two commands run side by side: either order.
        self.assertEqual(sorted(self.read("notes").splitlines()), ["web1", "web3"])
        runs = self.executions(state)
        self.assertEqual(sorted(x["status"] for x in runs), ["succeeded", "succeeded"])
        # Run again on the same file: it resumes after the last recorded line.
        with open(events, "a", encoding="utf-8") as f:
            f.write(json.dumps({"trigger": "disk.low",
                                "payload": {"host": "web4", "mount": "/var"}}) + "\n")
        r = squall("run", self.rule, "--events", events, "--state", state)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(self.read("notes").splitlines()), ["web1", "web3", "web4"])

    def test_webhook_to_command(self):
        service = Service(self.tmp, self.rule)
        try:
            token = self.create_key(service.state)
            auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
            status, body = service.request("POST", "/webhooks/deploy",
                                           json.dumps({"branch": "main", "sha": "abc123"}), auth)
            self.assertEqual(status, 202, body)
            self.assertIn("event_id", json.loads(body))
            self.assertTrue(wait_for(lambda: self.read("deployed") == "abc123"),
                            service.logs())
            runs = wait_for(lambda: [x for x in self.executions(service.state)
                                     if x["status"] == "succeeded"])
            self.assertEqual(runs[0]["action"], "core.local")
            self.assertEqual(runs[0]["rule"], "deploy")

            # Clear errors for what cannot become an event.
            status, body = service.request("POST", "/webhooks/deploy", "{}",
                                           {"Content-Type": "application/json"})
            self.assertEqual(status, 401, body)
            status, body = service.request("POST", "/webhooks/deploy", "{}",
                                           {"Authorization": "Bearer sqk_00000000_bad"})
            self.assertEqual(status, 401, body)
            status, body = service.request("POST", "/webhooks/nope", "{}", auth)
            self.assertEqual(status, 404, body)
            self.assertIn("nope", json.loads(body)["error"])
            status, body = service.request("POST", "/webhooks/deploy", "{not json", auth)
            self.assertEqual(status, 400, body)
            status, body = service.request("POST", "/webhooks/deploy",
                                           "x" * (2 << 20), auth)
            self.assertEqual(status, 413, body)
            status, body = service.request("GET", "/webhooks/deploy")
            self.assertIn(status, (404, 405))

            status, metrics = service.request("GET", "/metrics")
            self.assertEqual(status, 200)
            self.assertIn('squall_events_total{source="webhook"} 1', metrics)
            self.assertIn('squall_events_rejected_total{source="webhook",reason="unauthorized"} 2',
                          metrics)
            self.assertIn("squall_executions_total", metrics)
            self.assertIn("squall_webhook_ack_seconds_bucket", metrics)
        finally:
            self.assertEqual(service.stop(), 0, service.logs())

    def test_kill9_loses_no_acknowledged_event(self):
        service = Service(self.tmp, self.rule)
        token = self.create_key(service.state)
        acked = []
        stop = threading.Event()

        def sender(port):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            n = 0
            while not stop.is_set():
                try:
                    conn.request("POST", "/webhooks/count", json.dumps({"n": n}),
                                 {"Authorization": "Bearer " + token,
                                  "Content-Type": "application/json"})
                    response = conn.getresponse()
                    body = response.read()
                    if response.status == 202:
                        acked.append(json.loads(body)["event_id"])
                except (OSError, http.client.HTTPException):
                    return  # the service died: what it acknowledged is what counts
                n += 1

        thread = threading.Thread(target=sender, args=(service.port,))
        thread.start()
        wait_for(lambda: len(acked) >= 200, timeout=30)
        service.proc.kill()  # kill -9 mid-stream
        service.proc.wait()
        stop.set()
        thread.join()
        self.assertGreaterEqual(len(acked), 200)

        service = Service(self.tmp, self.rule)
        try:
            def all_done():
                runs = self.executions(service.state)
                done = [x for x in runs if x["status"] in ("succeeded", "abandoned")]
                return runs if len(done) >= len(acked) and len(done) == len(runs) else None
            runs = wait_for(all_done, timeout=60)
            self.assertIsNotNone(runs, service.logs())
            per_event = {}
            for x in runs:
                per_event[x["event_id"]] = per_event.get(x["event_id"], 0) + 1
            for event_id in acked:
                self.assertEqual(per_event.get(event_id), 1, f"event {event_id}")
            self.assertTrue(all(count == 1 for count in per_event.values()))
        finally:
            self.assertEqual(service.stop(), 0, service.logs())

    def test_sigterm_drains_and_reload(self):
        self.write_rules(RULES.replace('core.noop()',
                                       'core.local(cmd: "sleep 1; echo done >> DIR/drained")'))
        service = Service(self.tmp, self.rule, "--no-webhook-auth")
        status, body = service.request("POST", "/webhooks/count", "{}")
        self.assertEqual(status, 202, body)
        self.assertTrue(wait_for(lambda: any(x["status"] == "running"
                                             for x in self.executions(service.state))))
        # A rule edit is picked up without a restart (new events use the new rule).
        self.write_rules(RULES.replace('core.noop()',
                                       'core.local(cmd: "echo reloaded >> DIR/reloaded")'))
        self.assertTrue(wait_for(lambda: "reload: new rules in force" in service.logs()),
                        service.logs())
        status, body = service.request("POST", "/webhooks/count", "{}")
        self.assertEqual(status, 202, body)
        self.assertTrue(wait_for(lambda: self.read("reloaded") == "reloaded\n"), service.logs())
        # SIGTERM lets the running execution finish.
        self.assertEqual(service.stop(signal.SIGTERM), 0)
        self.assertEqual(self.read("drained"), "done\n")
        statuses = sorted(x["status"] for x in self.executions(service.state))
        self.assertEqual(statuses, ["succeeded", "succeeded"])

    def test_bad_reload_keeps_running_rules(self):
        service = Service(self.tmp, self.rule, "--no-webhook-auth")
        try:
            with open(self.rule, "a", encoding="utf-8") as f:
                f.write("rule broken { if nope then core.noop() }\n")
            self.assertTrue(wait_for(lambda: "running rules stay in force" in service.logs()),
                            service.logs())
            status, body = service.request("POST", "/webhooks/deploy",
                                           json.dumps({"branch": "main", "sha": "still"}),
                                           {"Content-Type": "application/json"})
            self.assertEqual(status, 202, body)
            self.assertTrue(wait_for(lambda: self.read("deployed") == "still"), service.logs())
        finally:
            self.assertEqual(service.stop(), 0, service.logs())

    def test_secrets_stay_out_of_logs_and_store(self):
        state = os.path.join(self.tmp, "state")
        r = squall("secrets", "set", "api_token", "--state", state, stdin="hunter2-s3cret\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.write_rules(RULES + """
rule uses_secret {
  if disk.low where event.mount == "/secret"
  then core.local(cmd: "echo $TOKEN > DIR/token; echo token=$TOKEN",
                  env: {TOKEN: secret("api_token")})
}
""")
        events = os.path.join(self.tmp, "events.jsonl")
        with open(events, "w", encoding="utf-8") as f:
            f.write(json.dumps({"trigger": "disk.low",
                                "payload": {"host": "h", "mount": "/secret"}}) + "\n")
        r = squall("run", self.rule, "--events", events, "--state", state, "--log-level",
                   "debug")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.read("token"), "hunter2-s3cret\n")
        self.assertNotIn("hunter2", r.stderr + r.stdout)
        runs = self.executions(state)
        self.assertEqual(len(runs), 1)
        shown = squall("executions", "show", str(runs[0]["id"]), "--state", state)
        self.assertEqual(shown.returncode, 0, shown.stderr)
        self.assertNotIn("hunter2", shown.stdout)
        self.assertIn("********", shown.stdout)
        listed = squall("events", "list", "--state", state, "--json")
        self.assertNotIn("hunter2", listed.stdout)

    def test_state_directory_has_one_owner(self):
        service = Service(self.tmp, self.rule)
        try:
            r = squall("run", self.rule, "--state", service.state, "--events", "-", stdin="")
            self.assertEqual(r.returncode, 1)
            self.assertIn("in use by process", r.stderr)
        finally:
            self.assertEqual(service.stop(), 0, service.logs())


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--squall", required=True)
    parser.add_argument("--root", required=True)
    opts, rest = parser.parse_known_args()
    SQUALL = os.path.abspath(opts.squall)
    ROOT = os.path.abspath(opts.root)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
