#!/usr/bin/env python3
"""Workflow benchmark of `squall run` as a service, on loopback only (issue 6, item 6).

1. Durable steps per second: P workflows at once, each a `while` loop of N/P `core.noop()`
   steps. Each step is an execution recorded before it starts and after it ends, in the same
   store batch as its workflow's document (SQLite WAL, group commit). Reports N / wall time
   from the first webhook to the last workflow's recorded end.
2. Memory per suspended workflow: W workflows each suspended on `wait` (a webhook nobody
   sends); reports the service's RSS growth and the store's growth per workflow.

Usage: python3 bench/workflow_bench.py [--squall build/release/bin/squall] [--steps 20000]
       [--parallel 50] [--waiting 20000] [--durability full|normal]
"""
import argparse
import http.client
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

RULES = """import core

workflow loop(n: int) {
  let i = 0
  while i < n {
    core.noop()
    i = i + 1
  }
}

workflow parked(k: string) {
  wait webhook "never" where event.body.k == k
}

rule go {
  if webhook "go" then loop(n: event.body.n)
}

rule park {
  if webhook "park" then parked(k: event.body.k)
}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port, hook, body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/webhooks/" + hook, json.dumps(body))
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def rss_kb(pid):
    with open(f"/proc/{pid}/status", encoding="utf-8") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def query(state, sql):
    db = sqlite3.connect(f"file:{os.path.join(state, 'squall.db')}?mode=ro", uri=True,
                         timeout=30)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def wait_until(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--squall", default="build/release/bin/squall")
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--parallel", type=int, default=50)
    parser.add_argument("--waiting", type=int, default=20000)
    parser.add_argument("--durability", default="full")
    parser.add_argument("--service-arg", action="append", default=[],
                        help="one more argument for `squall run` (repeatable), e.g. "
                             "--service-arg=--log-level=warn")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="squall-wfbench-")
    rule = os.path.join(tmp, "bench.rule")
    with open(rule, "w", encoding="utf-8") as f:
        f.write(RULES)
    state = os.path.join(tmp, "state")
    port = free_port()
    log = open(os.path.join(tmp, "service.log"), "w")
    proc = subprocess.Popen([args.squall, "run", rule, "--state", state, "--listen",
                             f"127.0.0.1:{port}", "--no-webhook-auth", "--durability",
                             args.durability, *args.service_arg], stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        def healthy():
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                return conn.getresponse().status == 200
            except OSError:
                return False
        if not wait_until(healthy, 60):
            sys.exit("service did not start; see " + log.name)

        # 1. Durable steps per second. The end is the last workflow's recorded finish time, so
        # the polling interval does not count; and the poll reads the 50-odd workflow rows by
        # key (a scan of every execution row, 20 times a second, took a share of the service's
        # two cores).
        start = time.time()
        for _ in range(args.parallel):
            assert post(port, "go", {"n": args.steps // args.parallel}) == 202
        finished = ("SELECT COUNT(*), MAX(finished_at) FROM executions WHERE id IN "
                    "(SELECT execution_id FROM workflows) AND status = 'succeeded'")
        done = wait_until(lambda: query(state, finished)[0][0] == args.parallel, 600)
        if not done:
            sys.exit("the workflow did not finish; see " + log.name)
        elapsed = query(state, finished)[0][1] / 1000.0 - start
        steps = query(state, "SELECT COUNT(*) FROM executions WHERE parent_id > 0")[0][0]
        print(f"durable steps: {steps} in {elapsed:.2f} s = {steps / elapsed:,.0f} steps/s "
              f"({args.parallel} workflows at once, durability {args.durability})")

        # 2. Memory per suspended workflow.
        time.sleep(1)
        rss_before = rss_kb(proc.pid)
        db_before = os.path.getsize(os.path.join(state, "squall.db"))
        start = time.monotonic()
        for k in range(args.waiting):
            assert post(port, "park", {"k": f"k{k}"}) == 202
        parked = wait_until(lambda: query(
            state, "SELECT COUNT(*) FROM workflows")[0][0] >= args.waiting + args.parallel,
            600)
        elapsed = time.monotonic() - start
        if not parked:
            sys.exit("the workflows did not all suspend; see " + log.name)
        time.sleep(1)
        rss_after = rss_kb(proc.pid)
        documents = query(state, "SELECT AVG(LENGTH(state)) FROM workflows "
                                 "WHERE workflow = 'parked'")[0][0]
        db_after = os.path.getsize(os.path.join(state, "squall.db"))
        print(f"suspended workflows: {args.waiting} in {elapsed:.1f} s; service RSS "
              f"+{(rss_after - rss_before) * 1024 / args.waiting:,.0f} B per workflow; "
              f"document {documents:,.0f} B; store +{(db_after - db_before) / args.waiting:,.0f} "
              f"B per workflow (execution, event, document)")
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        log.close()


if __name__ == "__main__":
    main()
