#!/usr/bin/env python3
"""End-to-end tests of answering `ask` (inquiries) in `squall run`: the real binary, webhooks
on 127.0.0.1, real local commands appending to files, the store in a temporary directory.

- `squall inquiries list|show` show a waiting ask; `respond` refuses an answer that does not
  fit the declared type (with what is wrong), an unknown inquiry, and one no longer waiting;
  a valid answer resumes the workflow, whose next step sees it; rules see `core.inquiry` (the
  question) and `core.inquiry_response` (the audit trail);
- the HTTP API: `GET /inquiries`, `POST /inquiries/<id>` with the webhooks' API keys (401,
  400, 404, 202, 409);
- kill -9 right after a response was acknowledged: the restarted service still answers the
  workflow with it, and no step runs twice;
- two responses before the engine takes either (the service stopped): the second is refused
  (already answered), and the workflow goes on with the first.
"""
import json
import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import service_test  # noqa: E402  (its Service, squall and wait_for helpers)
from service_test import Service, squall, wait_for  # noqa: E402

RULES = """import core

workflow approve(tag: string) {
  core.local(cmd: "printf 'asked;' >> DIR/{{tag}}")
  let go = ask "Reboot {{tag}}?" {approved: bool, reason: string?} timeout 1h
  let why = go.reason ?? "-"
  # A suspension point between the answer and the next step: the kill -9 test kills the
  # service before or during it, never while that step runs (a step running at a crash is the
  # at-least-once boundary: it ends `abandoned`).
  sleep 1s
  core.local(cmd: "printf 'approved=%s reason=%s;' {{go.approved}} '{{why}}' >> DIR/{{tag}}")
}

rule start {
  if webhook "start" then approve(tag: event.body.tag)
}

rule announce {
  if core.inquiry then core.local(cmd: "printf '%s;' '{{event.id}}' >> DIR/announced")
}

rule audit {
  if core.inquiry_response
  then core.local(cmd: "printf '%s=%s;' '{{event.inquiry}}' '{{event.responder}}' >> DIR/audit")
}
"""


class InquiryTest(service_test.ServiceCase):
    RULE_FILE = "ask.rule"

    def setUp(self):
        super().setUp()
        with open(self.rule, "w", encoding="utf-8") as f:
            f.write(RULES.replace("DIR", self.tmp))

    def inquiries(self, state):
        r = squall("inquiries", "list", "--state", state, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]

    def waiting(self, state, tag):
        """The inquiry asking `Reboot <tag>?`, once it is waiting."""
        found = wait_for(lambda: [i for i in self.inquiries(state)
                                  if i["prompt"] == f"Reboot {tag}?"], timeout=30)
        self.assertTrue(found, f"no inquiry for {tag}")
        return found[0]

    def workflow_status(self, state, inquiry):
        r = squall("executions", "show", "--state", state, "--json",
                   str(inquiry["execution_id"]))
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)["status"]

    def test_cli_lists_refuses_and_answers(self):
        service = Service(self.tmp, self.rule, "--no-webhook-auth")
        try:
            self.post(service, "start", {"tag": "a"})
            inquiry = self.waiting(service.state, "a")
            self.assertEqual(self.read("a"), "asked;")
            iid = inquiry["id"]
            self.assertEqual(iid, f"{inquiry['execution_id']}.1")
            self.assertEqual(inquiry["workflow"], "approve")
            self.assertEqual(inquiry["schema"]["required"], ["approved"])
            self.assertIsNotNone(inquiry["timeout_at"])

            table = squall("inquiries", "list", "--state", service.state)
            self.assertEqual(table.returncode, 0, table.stderr)
            self.assertIn(iid, table.stdout)
            self.assertIn("{approved: bool, reason: string?}", table.stdout)
            # `squall workflows list` says what the run waits for: this inquiry.
            runs = squall("workflows", "list", "--state", service.state)
            self.assertEqual(runs.returncode, 0, runs.stderr)
            self.assertIn(f'ask "Reboot a?" (inquiry {iid})', runs.stdout)
            self.assertIn("Reboot a?", table.stdout)
            shown = squall("inquiries", "show", "--state", service.state, iid)
            self.assertEqual(shown.returncode, 0, shown.stderr)
            self.assertIn("Reboot a?", shown.stdout)
            self.assertIn('"required"', shown.stdout)

            # Refused, with what is wrong; nothing is recorded.
            bad = squall("inquiries", "respond", "--state", service.state, iid,
                         '{"approved": "yes"}')
            self.assertEqual(bad.returncode, 1)
            self.assertIn('`approved`: expected a bool, found "yes"', bad.stderr)
            missing = squall("inquiries", "respond", "--state", service.state, iid, "{}")
            self.assertEqual(missing.returncode, 1)
            self.assertIn("missing `approved`", missing.stderr)
            unknown = squall("inquiries", "respond", "--state", service.state, "999.1",
                             '{"approved": true}')
            self.assertEqual(unknown.returncode, 1)
            self.assertIn("no inquiry 999.1", unknown.stderr)
            malformed = squall("inquiries", "respond", "--state", service.state, iid, "{")
            self.assertEqual(malformed.returncode, 1)
            self.assertIn("not valid JSON", malformed.stderr)

            ok = squall("inquiries", "respond", "--state", service.state, iid,
                        '{"approved": true, "reason": "patched"}', "--responder", "alice")
            self.assertEqual(ok.returncode, 0, ok.stderr)
            self.assertIn("recorded", ok.stdout)
            self.assertTrue(wait_for(
                lambda: self.read("a") == "asked;approved=true reason=patched;", timeout=30),
                service.logs())
            self.assertTrue(wait_for(
                lambda: self.workflow_status(service.state, inquiry) == "succeeded"))
            self.assertEqual(self.inquiries(service.state), [])
            # Rules saw the question and the answer.
            self.assertTrue(wait_for(lambda: self.read("audit") == f"{iid}=alice;"),
                            service.logs())
            self.assertTrue(wait_for(lambda: self.read("announced") == f"{iid};"),
                            service.logs())

            again = squall("inquiries", "respond", "--state", service.state, iid,
                           '{"approved": false}')
            self.assertEqual(again.returncode, 1)
            self.assertIn("no longer waiting", again.stderr)
        finally:
            self.assertEqual(service.stop(), 0, service.logs())

    def test_http_api_with_api_keys(self):
        state = os.path.join(self.tmp, "state")
        r = squall("keys", "create", "approver", "--state", state)
        self.assertEqual(r.returncode, 0, r.stderr)
        token = next(w for w in r.stdout.split() if w.startswith("sqk_"))
        auth = {"Authorization": "Bearer " + token}
        service = Service(self.tmp, self.rule)
        try:
            status, text = service.request("POST", "/webhooks/start",
                                           json.dumps({"tag": "b"}), auth)
            self.assertEqual(status, 202, text)
            inquiry = self.waiting(service.state, "b")
            iid = inquiry["id"]

            self.assertEqual(service.request("GET", "/inquiries")[0], 401)
            status, text = service.request("GET", "/inquiries", headers=auth)
            self.assertEqual(status, 200, text)
            self.assertEqual([i["id"] for i in json.loads(text)["inquiries"]], [iid])

            self.assertEqual(service.request("POST", f"/inquiries/{iid}",
                                             '{"approved": true}')[0], 401)
            status, text = service.request("POST", f"/inquiries/{iid}",
                                           '{"approved": true, "extra": 1}', auth)
            self.assertEqual(status, 400, text)
            self.assertIn("unknown field `extra`", json.loads(text)["error"])
            status, text = service.request("POST", f"/inquiries/{iid}", "{nope", auth)
            self.assertEqual(status, 400, text)
            status, text = service.request("POST", "/inquiries/999.1", '{"approved": true}',
                                           auth)
            self.assertEqual(status, 404, text)

            status, text = service.request("POST", f"/inquiries/{iid}?responder=bob",
                                           '{"approved": false}', auth)
            self.assertEqual(status, 202, text)
            self.assertEqual(json.loads(text)["inquiry"], iid)
            self.assertTrue(wait_for(
                lambda: self.read("b") == "asked;approved=false reason=-;", timeout=30),
                service.logs())
            self.assertTrue(wait_for(lambda: self.read("audit") == f"{iid}=bob;"),
                            service.logs())
            status, text = service.request("POST", f"/inquiries/{iid}", '{"approved": true}',
                                           auth)
            self.assertEqual(status, 409, text)
        finally:
            self.assertEqual(service.stop(), 0, service.logs())

    def test_kill9_after_the_response_is_acknowledged(self):
        service = Service(self.tmp, self.rule, "--no-webhook-auth")
        self.post(service, "start", {"tag": "c"})
        iid = self.waiting(service.state, "c")["id"]
        status, text = service.request("POST", f"/inquiries/{iid}",
                                       '{"approved": true, "reason": "late"}')
        self.assertEqual(status, 202, text)
        service.stop(signal.SIGKILL)
        restarted = Service(self.tmp, self.rule, "--no-webhook-auth")
        try:
            self.assertTrue(wait_for(
                lambda: self.read("c") == "asked;approved=true reason=late;", timeout=30),
                restarted.logs())
            self.assertEqual(self.inquiries(restarted.state), [])
            self.assertEqual(self.read("c"), "asked;approved=true reason=late;")  # no rerun
        finally:
            self.assertEqual(restarted.stop(), 0, restarted.logs())

    def test_second_response_before_the_engine_takes_the_first_is_refused(self):
        service = Service(self.tmp, self.rule, "--no-webhook-auth")
        self.post(service, "start", {"tag": "d"})
        iid = self.waiting(service.state, "d")["id"]
        self.assertEqual(service.stop(), 0, service.logs())
        # Nobody takes responses now: both find the ask waiting, one is recorded.
        first = squall("inquiries", "respond", "--state", service.state, iid,
                       '{"approved": true, "reason": "first"}')
        self.assertEqual(first.returncode, 0, first.stderr)
        second = squall("inquiries", "respond", "--state", service.state, iid,
                        '{"approved": false, "reason": "second"}')
        self.assertEqual(second.returncode, 1)
        self.assertIn(f"inquiry {iid} was already answered", second.stderr)
        restarted = Service(self.tmp, self.rule, "--no-webhook-auth")
        try:
            # The HTTP API refuses it too, while the first is still being taken or after.
            status, text = restarted.request("POST", f"/inquiries/{iid}",
                                             '{"approved": false}')
            self.assertEqual(status, 409, text)
            self.assertTrue(wait_for(
                lambda: self.read("d") == "asked;approved=true reason=first;", timeout=30),
                restarted.logs())
        finally:
            self.assertEqual(restarted.stop(), 0, restarted.logs())


if __name__ == "__main__":
    service_test.main_with_squall()
