#!/usr/bin/env python3
"""End-to-end tests of `squall run` as a service, through the real binary, real processes and
real sockets on 127.0.0.1:

- events from a file run real commands, are recorded, and a second run does not repeat them;
- webhook POST -> rule -> local command writes a file -> execution recorded; API keys;
  malformed requests, unknown hooks, oversized bodies; /metrics and /healthz;
- kill -9 in the middle of a stream of webhook events, restart: every acknowledged event is
  matched exactly once;
- SIGTERM drains a running execution; a rule file edit reloads the rules;
- secrets never appear in logs or in the store's listings;
- the rules' timers fire; the http-request runner calls a loopback HTTP and HTTPS server
  (certificate made by the test, trusted through --ca-file); the remote runner runs a command
  over a real sshd started by the test on a loopback port with generated keys.
"""
import argparse
import http.client
import http.server
import ssl
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


class RecordingServer:
    """An HTTP(S) server on 127.0.0.1 that records what it receives and answers JSON."""

    def __init__(self, tls_cert=None, tls_key=None):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                received.append((self.path, self.rfile.read(length).decode()))
                body = json.dumps({"ok": True, "seen": len(received)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls_cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls_cert, tls_key)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Sshd:
    """A real sshd on a loopback port, as the current user, with generated keys."""

    def __init__(self, tmp):
        self.dir = os.path.join(tmp, "sshd")
        os.makedirs(self.dir)
        os.makedirs("/run/sshd", exist_ok=True)
        for name in ("host_key", "user_key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                            os.path.join(self.dir, name)], check=True)
        self.user_key = os.path.join(self.dir, "user_key")
        with open(self.user_key + ".pub") as f, \
                open(os.path.join(self.dir, "authorized_keys"), "w") as out:
            out.write(f.read())
        self.port = free_port()
        config = os.path.join(self.dir, "sshd_config")
        with open(config, "w") as f:
            f.write(f"""Port {self.port}
ListenAddress 127.0.0.1
HostKey {self.dir}/host_key
PidFile {self.dir}/sshd.pid
AuthorizedKeysFile {self.dir}/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
LogLevel ERROR
""")
        self.proc = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", config],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def accepts():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return True
            except OSError:
                return False
        if not wait_for(accepts, timeout=10):
            self.close()
            raise unittest.SkipTest("sshd did not start")

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


class ServiceCase(unittest.TestCase):
    """A temporary directory per test (`tmp`), the rule file in it (`rule`, named by
    RULE_FILE), and the helpers the service tests share (also correlation_test and
    workflow_test)."""
    RULE_FILE = "ops.rule"

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = self._tmp.name
        self.rule = os.path.join(self.tmp, self.RULE_FILE)

    def tearDown(self):
        self._tmp.cleanup()

    def read(self, name):
        """The text of file `name` in the test's directory, or None when it is not there."""
        path = os.path.join(self.tmp, name)
        if not os.path.exists(path):
            return None
        with open(path, encoding="utf-8") as f:
            return f.read()

    def post(self, service, hook, body):
        """POSTs `body` as JSON to webhook `hook` and expects it accepted (202)."""
        status, text = service.request("POST", "/webhooks/" + hook, json.dumps(body))
        self.assertEqual(status, 202, text)


class ServiceTest(ServiceCase):
    def setUp(self):
        super().setUp()
        self.write_rules(RULES)

    def write_rules(self, text):
        with open(self.rule, "w", encoding="utf-8") as f:
            f.write(text.replace("DIR", self.tmp))

    def executions(self, state):
        r = squall("executions", "list", "--state", state, "--json", "--limit", "100000")
        self.assertEqual(r.returncode, 0, r.stderr)
        return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]

    def wait_ended(self, state, count):
        pending = ("requested", "scheduled", "running")

        def ended():
            runs = self.executions(state)
            if len(runs) >= count and all(x["status"] not in pending for x in runs):
                return runs
            return None
        return wait_for(ended, timeout=30)

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
        r = squall("run", self.rule, "--events", events, "--state", state, "--log-format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(self.read("notes").splitlines()), ["web1", "web3", "web4"])
        # Every log line is one JSON object, whatever the message holds.
        lines = [json.loads(line) for line in r.stderr.splitlines()]
        self.assertTrue(any("succeeded" in line["message"] for line in lines), r.stderr)
        self.assertTrue(all({"time", "level", "message"} <= set(line) for line in lines))

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

    def test_timer_fires(self):
        self.write_rules("""import core

rule tick {
  if every 300ms
  then core.local(cmd: "echo tick >> DIR/ticks")
}
""")
        service = Service(self.tmp, self.rule)
        try:
            self.assertTrue(wait_for(lambda: (self.read("ticks") or "").count("tick") >= 2,
                                     timeout=15), service.logs())
        finally:
            self.assertEqual(service.stop(), 0, service.logs())

    def test_timers_alone_keep_the_service_running(self):
        # No --events and no --listen: the rules' timers are the input, until SIGTERM.
        self.write_rules("""import core

rule tick {
  if every 200ms
  then core.local(cmd: "echo tick >> DIR/ticks")
}
""")
        log = open(os.path.join(self.tmp, "timers.log"), "w+")
        proc = subprocess.Popen([SQUALL, "run", self.rule, "--state",
                                 os.path.join(self.tmp, "state")],
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            self.assertTrue(wait_for(lambda: (self.read("ticks") or "").count("tick") >= 3,
                                     timeout=15))
            self.assertIsNone(proc.poll())
        finally:
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=30), 0)
            log.close()

    def test_http_runner_calls_http_and_https(self):
        cert = os.path.join(self.tmp, "cert.pem")
        key = os.path.join(self.tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "1", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       check=True, capture_output=True)
        plain = RecordingServer()
        secure = RecordingServer(cert, key)
        try:
            self.write_rules(f"""import core

rule call_http {{
  if webhook "http"
  then core.http(url: "http://127.0.0.1:{plain.port}/hook", method: "POST",
                 body: "plain {{{{event.body.msg}}}}")
}}

rule call_https {{
  if webhook "https"
  then core.http(url: "https://localhost:{secure.port}/secure", method: "POST",
                 body: "secure {{{{event.body.msg}}}}")
}}
""")
            service = Service(self.tmp, self.rule, "--no-webhook-auth", "--ca-file", cert)
            try:
                for hook in ("http", "https"):
                    status, body = service.request("POST", "/webhooks/" + hook,
                                                   json.dumps({"msg": "hello"}),
                                                   {"Content-Type": "application/json"})
                    self.assertEqual(status, 202, body)
                runs = self.wait_ended(service.state, 2)
                self.assertTrue(runs, service.logs())
                self.assertEqual(plain.received, [("/hook", "plain hello")])
                self.assertEqual(secure.received, [("/secure", "secure hello")])
                for x in runs:
                    self.assertEqual(x["status"], "succeeded", json.dumps(x))
                    shown = squall("executions", "show", str(x["id"]), "--state",
                                   service.state, "--json")
                    result = json.loads(shown.stdout)["result"]
                    self.assertEqual(result["status_code"], 200)
                    self.assertEqual(result["body"]["ok"], True)
            finally:
                self.assertEqual(service.stop(), 0, service.logs())
        finally:
            plain.close()
            secure.close()

    def test_remote_runner_over_ssh(self):
        sshd = Sshd(self.tmp)
        try:
            self.write_rules(f"""import core

rule remote {{
  if webhook "remote"
  then core.remote(hosts: "127.0.0.1:{sshd.port}", username: "root",
                   private_key: "{sshd.user_key}",
                   cmd: "printf %s {{{{event.body.msg}}}} > DIR/remote.txt")
}}
""")
            service = Service(self.tmp, self.rule, "--no-webhook-auth",
                              "--ssh-option", "StrictHostKeyChecking=no",
                              "--ssh-option", "UserKnownHostsFile=/dev/null",
                              "--ssh-option", "LogLevel=ERROR")
            try:
                hostile = "x; touch " + os.path.join(self.tmp, "pwned")
                status, body = service.request("POST", "/webhooks/remote",
                                               json.dumps({"msg": hostile}),
                                               {"Content-Type": "application/json"})
                self.assertEqual(status, 202, body)
                runs = self.wait_ended(service.state, 1)
                self.assertTrue(runs, service.logs())
                self.assertEqual(runs[0]["status"], "succeeded", json.dumps(runs[0]))
                self.assertEqual(self.read("remote.txt"), hostile)
                self.assertFalse(os.path.exists(os.path.join(self.tmp, "pwned")))
            finally:
                self.assertEqual(service.stop(), 0, service.logs())
        finally:
            sshd.close()


def main_with_squall():
    """main() of the suites built on this module's Service (correlation, workflow, inquiry):
    `--squall PATH`, then unittest's own arguments."""
    global SQUALL
    parser = argparse.ArgumentParser()
    parser.add_argument("--squall", required=True)
    opts, rest = parser.parse_known_args()
    SQUALL = os.path.abspath(opts.squall)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--squall", required=True)
    parser.add_argument("--root", required=True)
    opts, rest = parser.parse_known_args()
    SQUALL = os.path.abspath(opts.squall)
    ROOT = os.path.abspath(opts.root)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
