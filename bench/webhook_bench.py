#!/usr/bin/env python3
"""Load benchmark of `squall run` as a service, on loopback only, bounded in time.

1. Webhook ingestion with durable acknowledgement: wrk posts JSON bodies over keep-alive
   connections to POST /webhooks/load (API key auth); every 202 is sent only after the event
   is committed (SQLite WAL, group commit). Reports requests/s, latency percentiles, and the
   zero-loss check: acknowledged (wrk's 2xx) == events recorded == events matched.
2. Event-to-action-start latency: events at a steady rate, each starting core.noop; p50/p99
   from squall_event_to_start_seconds.
3. Local command executions per second: N events each starting `core.local(cmd: "true")`.

Usage: python3 bench/webhook_bench.py [--squall build/release/bin/squall] [--seconds 10]
       [--connections 64] [--durability full|normal]
"""
import argparse
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

RULES = """import core

rule load {
  if webhook "load" where event.body.n == -1
  then core.noop()
}

rule latency {
  if webhook "latency"
  then core.noop()
}

rule commands {
  if webhook "commands"
  then core.local(cmd: "true")
}
"""

POST_LUA = """
wrk.method = "POST"
wrk.body = '{"n": 1, "host": "web-01", "service": "checkout", "status": "firing"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %s"
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read().decode()
    conn.close()
    return body


def metric(text, name):
    total = 0.0
    found = False
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
            found = True
    return total if found else None


def histogram_quantile(text, name, q):
    buckets = []
    for line in text.splitlines():
        m = re.match(name + r'_bucket\{le="([^"]+)"\} (\S+)', line)
        if m:
            bound = float("inf") if m.group(1) == "+Inf" else float(m.group(1))
            buckets.append((bound, float(m.group(2))))
    if not buckets or buckets[-1][1] == 0:
        return None
    target = q * buckets[-1][1]
    for bound, count in buckets:
        if count >= target:
            return bound
    return None


def wait_idle(port, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        health = json.loads(get(port, "/healthz"))
        if health["executions_pending"] == 0 and health["executions_running"] == 0:
            recorded = metric(get(port, "/metrics"), "squall_events_matched_cursor")
            time.sleep(0.2)
            again = json.loads(get(port, "/healthz"))
            if again["events_matched"] == health["events_matched"] and recorded is not None:
                return again
        time.sleep(0.1)
    raise SystemExit("the service did not become idle")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--squall", default="build/release/bin/squall")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--durability", default="full")
    parser.add_argument("--commands", type=int, default=500)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (scripts/install-deps.sh installs it)")

    tmp = tempfile.mkdtemp(prefix="squall-bench-")
    rule = os.path.join(tmp, "load.rule")
    with open(rule, "w") as f:
        f.write(RULES)
    state = os.path.join(tmp, "state")
    port = free_port()
    log = open(os.path.join(tmp, "service.log"), "w")
    proc = subprocess.Popen([args.squall, "run", rule, "--state", state, "--listen",
                             f"127.0.0.1:{port}", "--durability", args.durability,
                             "--log-level", "warn", "--max-running", "64"],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(200):
            try:
                get(port, "/healthz")
                break
            except OSError:
                time.sleep(0.05)
        key = subprocess.run([args.squall, "keys", "create", "bench", "--state", state],
                             capture_output=True, text=True, check=True).stdout
        token = next(w for w in key.split() if w.startswith("sqk_"))
        script = os.path.join(tmp, "post.lua")
        with open(script, "w") as f:
            f.write(POST_LUA % token)

        # 1. Ingestion.
        out = subprocess.run(["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s",
                              "--latency", "-s", script, f"http://127.0.0.1:{port}/webhooks/load"],
                             capture_output=True, text=True, check=True).stdout
        requests = int(re.search(r"(\d+) requests in", out).group(1))
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        non2xx = int(non2xx.group(1)) if non2xx else 0
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        latency = dict(re.findall(r"\s+(50|75|90|99)%\s+(\S+)", out))
        health = wait_idle(port)
        text = get(port, "/metrics")
        recorded = metric(text, 'squall_events_total{source="webhook"}')
        acked = requests - non2xx
        print(f"ingestion: {rps:,.0f} requests/s over {args.seconds}s, {args.connections} "
              f"connections, durability {args.durability}")
        print(f"  ack latency p50 {latency.get('50')} p75 {latency.get('75')} "
              f"p90 {latency.get('90')} p99 {latency.get('99')}")
        print(f"  acknowledged (202) {acked}, non-2xx {non2xx}, recorded {recorded:.0f}, "
              f"matched up to event {health['events_matched']}")
        # wrk stops with up to one request per connection in flight: those may be recorded
        # without wrk counting their answer, so recorded may exceed acknowledged by that much.
        lost = max(acked - int(recorded), 0)
        print(f"  loss: {lost} acknowledged but not recorded; {int(recorded) - acked} recorded "
              f"while wrk stopped (in flight, <= {args.connections})")

        # 2. Event-to-action-start latency at a steady rate.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
        rate, total = 200, 1000
        start = time.monotonic()
        for i in range(total):
            conn.request("POST", "/webhooks/latency", json.dumps({"n": i}), headers)
            conn.getresponse().read()
            next_at = start + (i + 1) / rate
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        wait_idle(port)
        text = get(port, "/metrics")
        p50 = histogram_quantile(text, "squall_event_to_start_seconds", 0.5)
        p99 = histogram_quantile(text, "squall_event_to_start_seconds", 0.99)
        print(f"event to action start ({total} events at {rate}/s, core.noop): "
              f"p50 <= {p50 * 1000:g} ms, p99 <= {p99 * 1000:g} ms (histogram bucket bounds)")

        # 3. Local command executions per second.
        before = metric(get(port, "/metrics"),
                        'squall_executions_total{action="core.local",status="succeeded"}') or 0
        start = time.monotonic()
        for i in range(args.commands):
            conn.request("POST", "/webhooks/commands", json.dumps({"n": i}), headers)
            conn.getresponse().read()
        wait_idle(port)
        elapsed = time.monotonic() - start
        after = metric(get(port, "/metrics"),
                       'squall_executions_total{action="core.local",status="succeeded"}') or 0
        print(f"local commands: {after - before:.0f} executions of `true` in {elapsed:.2f}s = "
              f"{(after - before) / elapsed:,.0f} executions/s")
        conn.close()
        if lost != 0:
            sys.exit(1)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
