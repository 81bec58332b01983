#!/usr/bin/env python3
"""End-to-end tests of correlation rules in `squall run`, through the real binary, webhooks on
127.0.0.1 and real local commands:

- an absence fires after its window unless a matching event came; a count fires per key;
- kill -9 after an event that started an absence was acknowledged: the restarted service
  restores the state from the store and the absence fires, exactly once.
"""
import json
import os
import signal
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import service_test  # noqa: E402  (its Service, squall and wait_for helpers)
from service_test import Service, wait_for  # noqa: E402

RULES = """import core

rule stuck {
  if webhook "down" as d and not webhook "up"
    where event.body.host == d.body.host
    within WINDOW
  then core.local(cmd: "printf '%s;' {{d.body.host}} >> DIR/stuck")
}

rule guessed {
  if 3 of webhook "fail" within 1m by event.body.user
  then core.local(cmd: "printf '%s;' {{event.body.user}} >> DIR/locked")
}
"""


class CorrelationTest(service_test.ServiceCase):
    RULE_FILE = "corr.rule"

    def write_rules(self, window):
        with open(self.rule, "w", encoding="utf-8") as f:
            f.write(RULES.replace("DIR", self.tmp).replace("WINDOW", window))

    def stored_instances(self, state):
        db = sqlite3.connect(f"file:{os.path.join(state, 'squall.db')}?mode=ro", uri=True)
        try:
            return db.execute("SELECT rule, instance FROM correlation_state").fetchall()
        finally:
            db.close()

    def executions(self, state, rule):
        r = service_test.squall("executions", "list", "--state", state, "--json", "--rule", rule)
        self.assertEqual(r.returncode, 0, r.stderr)
        return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]

    def test_absence_and_count(self):
        self.write_rules("2s")
        service = Service(self.tmp, self.rule, "--no-webhook-auth")
        try:
            self.post(service, "down", {"host": "h1"})
            self.post(service, "up", {"host": "h1"})  # h1 came back: no absence
            self.post(service, "down", {"host": "h2"})
            self.post(service, "up", {"host": "h9"})  # another host: cancels nothing
            for user in ("alice", "bob", "alice", "alice"):
                self.post(service, "fail", {"user": user})
            self.assertTrue(wait_for(lambda: self.read("locked") == "alice;"), service.logs())
            # h1's deadline came before h2's: had it not been cancelled it would be first.
            self.assertTrue(wait_for(lambda: self.read("stuck") == "h2;", timeout=30),
                            service.logs())
            # Only bob's count window (1m) is still live.
            self.assertTrue(wait_for(
                lambda: [r for r, _ in self.stored_instances(service.state)] == ["guessed"]))
            runs = self.executions(service.state, "stuck")
            self.assertEqual(len(runs), 1, runs)
            status, metrics = service.request("GET", "/metrics")
            self.assertEqual(status, 200)
            self.assertIn("squall_correlation_instances", metrics)
        finally:
            self.assertEqual(service.stop(), 0, service.logs())

    def test_kill9_keeps_a_pending_absence(self):
        self.write_rules("3s")
        service = Service(self.tmp, self.rule, "--no-webhook-auth")
        self.post(service, "down", {"host": "h1"})
        # Acknowledged and matched: the pending absence is in the store with the cursor.
        self.assertTrue(wait_for(lambda: self.stored_instances(service.state)), service.logs())
        service.stop(signal.SIGKILL)
        self.assertIsNone(self.read("stuck"))
        restarted = Service(self.tmp, self.rule, "--no-webhook-auth")
        try:
            self.assertTrue(wait_for(lambda: self.read("stuck") == "h1;", timeout=30),
                            restarted.logs())
            self.assertTrue(wait_for(lambda: not self.stored_instances(restarted.state)))
            self.assertTrue(wait_for(
                lambda: [x["status"] for x in self.executions(restarted.state, "stuck")]
                == ["succeeded"]), restarted.logs())
            self.assertEqual(self.read("stuck"), "h1;")  # exactly once
        finally:
            self.assertEqual(restarted.stop(), 0, restarted.logs())


if __name__ == "__main__":
    service_test.main_with_squall()
