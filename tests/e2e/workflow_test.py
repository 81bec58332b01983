#!/usr/bin/env python3
"""End-to-end tests of workflows in `squall run`: the real binary, webhooks on 127.0.0.1 and
real local commands appending to a file, so the file is the sequence of steps that ran:

- steps in order, parallel branches, `for` with a concurrency limit, try/catch, the return
  value reaching the rule's `on success`;
- `wait` resumed by a matching webhook event (and not by another one);
- kill -9 while the workflow sleeps: the restarted service resumes it from the store and no
  step runs twice;
- `squall executions cancel` on a sleeping workflow: it ends `canceled`, nothing after runs;
- `squall workflows pause|resume`: a paused run starts no step until it is resumed.
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

workflow shapes(name: string) -> string {
  core.local(cmd: "printf 'start;' >> DIR/log")
  parallel {
    core.local(cmd: "printf 'left;' >> DIR/branches")
    core.local(cmd: "printf 'right;' >> DIR/branches")
  }
  let ids = for x in ["a", "b", "c"] concurrency 2 {
    let r = core.local(cmd: "printf '{{x}}'")
    yield r.result.stdout
  }
  try {
    core.local(cmd: "exit 3")
  } catch err {
    core.local(cmd: "printf 'caught;' >> DIR/log")
  }
  return "{{name}}:{{ids}}"
}

workflow gated(ticket: string) {
  core.local(cmd: "printf 'asked;' >> DIR/gate")
  let ok = wait webhook "approve" where event.body.ticket == ticket timeout 1m
  core.local(cmd: "printf 'approved-by-{{ok.body.by}};' >> DIR/gate")
}

workflow slow(tag: string) {
  core.local(cmd: "printf '1;' >> DIR/TAG")
  sleep SLEEP
  core.local(cmd: "printf '2;' >> DIR/TAG")
}

workflow stages(tag: string) {
  core.local(cmd: "printf 'a;' >> DIR/stages")
  sleep 1s
  parallel {
    sleep 1s
    sleep 2s
  }
  core.local(cmd: "printf 'b;' >> DIR/stages")
  for x in ["c", "d"] {
    sleep 1s
    core.local(cmd: "printf '{{x}};' >> DIR/stages")
  }
  let ok = wait webhook "resume" where event.body.tag == tag timeout 1h
  core.local(cmd: "printf 'e;' >> DIR/stages")
}

workflow forever() {
  core.local(cmd: "printf 'began;' >> DIR/bounded")
  sleep 1h
  core.local(cmd: "printf 'never;' >> DIR/bounded")
}

rule bounded {
  if webhook "bounded" then forever()
    timeout 2s
  on failure then core.local(cmd: "printf '%s;' {{error.status}} >> DIR/bounded")
}

rule stage {
  if webhook "stages" then stages(tag: event.body.tag)
}

rule go {
  if webhook "go" then shapes(name: event.body.name)
  on success then core.local(cmd: "printf 'result=%s;' {{result}} >> DIR/log")
  on failure then core.local(cmd: "printf 'failed;' >> DIR/log")
}

rule gate {
  if webhook "gate" then gated(ticket: event.body.ticket)
}

rule nap {
  if webhook "nap" then slow(tag: event.body.tag)
}
"""


class WorkflowTest(service_test.ServiceCase):
    RULE_FILE = "wf.rule"

    def write_rules(self, sleep="3s"):
        with open(self.rule, "w", encoding="utf-8") as f:
            f.write(RULES.replace("DIR", self.tmp).replace("SLEEP", sleep)
                    .replace("TAG", "{{tag}}"))

    def executions(self, state, rule):
        r = service_test.squall("executions", "list", "--state", state, "--json", "--rule", rule,
                                "--limit", "100")
        self.assertEqual(r.returncode, 0, r.stderr)
        return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]

    def stored_workflows(self, state):
        db = sqlite3.connect(f"file:{os.path.join(state, 'squall.db')}?mode=ro", uri=True)
        try:
            return db.execute("SELECT execution_id, workflow, state FROM workflows").fetchall()
        finally:
            db.close()

    def workflow_status(self, state, rule):
        runs = [x for x in self.executions(state, rule) if x.get("runner") == "workflow"]
        return runs[0]["status"] if runs else None

    def test_steps_branches_loop_and_catch(self):
        self.write_rules()
        service = Service(self.tmp, self.rule, "--no-webhook-auth")
        try:
            self.post(service, "go", {"name": "n1"})
            self.assertTrue(wait_for(lambda: (self.read("log") or "").endswith(";")
                                     and "result=" in (self.read("log") or ""), timeout=30),
                            service.logs())
            self.assertEqual(self.read("log"), 'start;caught;result=n1:["a","b","c"];')
            self.assertEqual(sorted(self.read("branches").split(";")), ["", "left", "right"])
            self.assertEqual(self.workflow_status(service.state, "go"), "succeeded")
            # Every step is an execution of its own, child of the workflow's.
            runs = self.executions(service.state, "go")
            workflow_id = [x for x in runs if x.get("runner") == "workflow"][0]["id"]
            steps = [x for x in runs
                     if x.get("parent_id") == workflow_id and "step" in x["policy"]]
            self.assertEqual(len(steps), 1 + 2 + 3 + 1 + 1, runs)
            self.assertEqual(sorted(x["status"] for x in steps).count("failed"), 1)
        finally:
            self.assertEqual(service.stop(), 0, service.logs())

    def test_wait_is_resumed_by_the_matching_event(self):
        self.write_rules()
        service = Service(self.tmp, self.rule, "--no-webhook-auth")
        try:
            self.post(service, "gate", {"ticket": "T1"})
            self.assertTrue(wait_for(lambda: self.read("gate") == "asked;"), service.logs())
            self.post(service, "approve", {"ticket": "T2", "by": "mallory"})
            self.post(service, "approve", {"ticket": "T1", "by": "alice"})
            self.assertTrue(wait_for(lambda: self.read("gate") == "asked;approved-by-alice;"),
                            service.logs())
            self.assertTrue(wait_for(
                lambda: self.workflow_status(service.state, "gate") == "succeeded"))
        finally:
            self.assertEqual(service.stop(), 0, service.logs())

    def test_kill9_while_sleeping_resumes_without_rerunning_a_step(self):
        self.write_rules(sleep="3s")
        service = Service(self.tmp, self.rule, "--no-webhook-auth")
        self.post(service, "nap", {"tag": "k"})
        # The first step ran and the workflow's document (asleep) is in the store.
        self.assertTrue(wait_for(lambda: self.read("k") == "1;"), service.logs())
        self.assertTrue(wait_for(lambda: any('"sleep"' in s for _, _, s in
                                             self.stored_workflows(service.state))),
                        service.logs())
        service.stop(signal.SIGKILL)
        restarted = Service(self.tmp, self.rule, "--no-webhook-auth")
        try:
            self.assertTrue(wait_for(lambda: self.read("k") == "1;2;", timeout=30),
                            restarted.logs())
            self.assertTrue(wait_for(
                lambda: self.workflow_status(restarted.state, "nap") == "succeeded"),
                restarted.logs())
            self.assertEqual(self.read("k"), "1;2;")  # no step ran twice
        finally:
            self.assertEqual(restarted.stop(), 0, restarted.logs())

    def test_kill9_at_every_suspension_point(self):
        # Killed while suspended at each sleep (in the body, in parallel branches, in each `for`
        # iteration) and at the wait; every restart resumes where it stopped. (No step runs at
        # those moments: a step killed while running is the at-least-once boundary, see
        # docs/operations.md.)
        self.write_rules()
        service = Service(self.tmp, self.rule, "--no-webhook-auth")
        self.post(service, "stages", {"tag": "t"})
        seen = set()
        kills = 0
        while True:
            def suspended():
                rows = self.stored_workflows(service.state)
                if not rows:
                    return None
                doc = json.loads(rows[0][2])
                if doc["status"] != "running":
                    return "done"
                points = tuple(sorted((s["pc"], s["waiting"]) for s in doc["strands"]
                                      if s["waiting"] in ("sleep", "event")))
                return points if points and points not in seen else None
            self.assertTrue(wait_for(lambda: suspended() is not None, timeout=30),
                            service.logs() + str(self.stored_workflows(service.state)) +
                            str(self.executions(service.state, "stage")))
            point = suspended()
            if point is None or point == "done" or any(w == "event" for _, w in point):
                break
            seen.add(point)
            service.stop(signal.SIGKILL)
            kills += 1
            service = Service(self.tmp, self.rule, "--no-webhook-auth")
        try:
            self.assertGreaterEqual(kills, 3, self.read("stages"))
            # Now at the wait: kill once more, then send what it waits for.
            service.stop(signal.SIGKILL)
            service = Service(self.tmp, self.rule, "--no-webhook-auth")
            self.post(service, "resume", {"tag": "t"})
            self.assertTrue(wait_for(lambda: self.workflow_status(service.state, "stage")
                                     == "succeeded", timeout=30), service.logs())
            self.assertEqual(self.read("stages"), "a;b;c;d;e;")  # each step exactly once
        finally:
            self.assertEqual(service.stop(), 0, service.logs())

    def test_timeout_on_the_call_bounds_the_whole_workflow(self):
        self.write_rules()
        service = Service(self.tmp, self.rule, "--no-webhook-auth")
        try:
            self.post(service, "bounded", {})
            self.assertTrue(wait_for(lambda: self.read("bounded") == "began;timed_out;",
                                     timeout=30), service.logs())
            self.assertEqual(self.workflow_status(service.state, "bounded"), "timed_out")
        finally:
            self.assertEqual(service.stop(), 0, service.logs())

    def test_pause_holds_the_next_step_until_resume(self):
        # The engine sees `squall workflows pause|resume` through its poll of the paused
        # workflows' index: a paused run starts no step when its sleep ends, and starts it on
        # resume.
        self.write_rules(sleep="3s")
        service = Service(self.tmp, self.rule, "--no-webhook-auth")
        try:
            self.post(service, "nap", {"tag": "p"})
            self.assertTrue(wait_for(lambda: self.read("p") == "1;"), service.logs())
            workflow_id = [x for x in self.executions(service.state, "nap")
                           if x.get("runner") == "workflow"][0]["id"]
            r = service_test.squall("workflows", "pause", "--state", service.state,
                                    str(workflow_id))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(wait_for(lambda: f"workflow execution {workflow_id} paused"
                                     in service.logs()), service.logs())
            # The sleep ends meanwhile; the second step waits.
            self.assertFalse(wait_for(lambda: self.read("p") != "1;", timeout=5))
            self.assertEqual(self.workflow_status(service.state, "nap"), "running")
            r = service_test.squall("workflows", "resume", "--state", service.state,
                                    str(workflow_id))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(wait_for(lambda: self.read("p") == "1;2;"), service.logs())
            self.assertTrue(wait_for(
                lambda: self.workflow_status(service.state, "nap") == "succeeded"))
        finally:
            self.assertEqual(service.stop(), 0, service.logs())

    def test_cancel_a_sleeping_workflow(self):
        self.write_rules(sleep="1h")
        service = Service(self.tmp, self.rule, "--no-webhook-auth")
        try:
            self.post(service, "nap", {"tag": "c"})
            self.assertTrue(wait_for(lambda: self.read("c") == "1;"), service.logs())
            self.assertTrue(wait_for(
                lambda: self.workflow_status(service.state, "nap") == "running"))
            workflow_id = [x for x in self.executions(service.state, "nap")
                           if x.get("runner") == "workflow"][0]["id"]
            r = service_test.squall("executions", "cancel", "--state", service.state,
                                    str(workflow_id))
            self.assertEqual(r.returncode, 0, r.stderr)
            # The engine ends it (its document is no longer running) and nothing else runs.
            self.assertTrue(wait_for(lambda: any('"canceled"' in s for _, _, s in
                                                 self.stored_workflows(service.state))),
                            service.logs())
            self.assertEqual(self.workflow_status(service.state, "nap"), "canceled")
            self.assertEqual(self.read("c"), "1;")
        finally:
            self.assertEqual(service.stop(), 0, service.logs())


if __name__ == "__main__":
    service_test.main_with_squall()
