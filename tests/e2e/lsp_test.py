#!/usr/bin/env python3
"""End-to-end tests of `squall lsp`: scripted JSON-RPC sessions against the real binary over
its stdin/stdout, with a real pack directory and real files in a temporary directory.

Usage: lsp_test.py --squall BIN
"""
import argparse
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import unittest

SQUALL = None
CACHE = None  # a temporary directory for every server's cache

RUNNERS = """\
- name: e2e-shell
  runner_parameters:
    cmd: {type: string}
    timeout: {type: integer, default: 60}
"""
RESTART = """\
name: restart
runner_type: e2e-shell
description: Restarts a service.
parameters:
  service:
    type: string
    required: true
    description: The systemd unit to restart.
"""
ALERT = """\
name: alert
description: An alert fired.
payload_schema:
  type: object
  properties:
    severity: {type: string, required: true, description: How bad it is.}
    host: {type: string}
"""

# Line numbers (0-based) matter: the tests name positions in this text.
DOC = """\
import ops

trigger disk.low {
  host: string
  free_pct: float
}

const limit = 10

rule clean_disk {
  if disk.low where event.free_pct < limit
  then ops.restart(service: "é🚨" + event.host)
}

rule on_alert {
  if ops.alert where event.severity == "page"
  then ops.restart(service: "db")
}

workflow fix(host: string) {
  ops.restart(service: host)
}

test "cleans é" {
  given disk.low {host: "a", free_pct: 5.0}
  expect ops.restart(service: _)
}
"""


def replace_line(text, line, new):
    lines = text.split("\n")
    lines[line] = new
    return "\n".join(lines)


class Server:
    """One `squall lsp` process; a thread collects its messages into a queue."""

    def __init__(self, *args, cwd=None, cache=None):
        env = dict(os.environ)
        env.pop("SQUALL_PACKS", None)
        # Copies of the built-in packs' files (definition, notes) go to the cache directory:
        # the test's, never the user's.
        env["XDG_CACHE_HOME"] = cache if cache is not None else CACHE
        self.proc = subprocess.Popen([SQUALL, "lsp", *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd,
                                     env=env)
        self.messages = queue.Queue()
        self.notifications = []
        self.next_id = 0
        self.stderr = b""
        self._reader_thread = threading.Thread(target=self._read, daemon=True)
        self._reader_thread.start()
        self._stderr_thread = threading.Thread(target=self._read_stderr, daemon=True)
        self._stderr_thread.start()

    def _read(self):
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.messages.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            body = out.read(length)
            self.messages.put(json.loads(body.decode("utf-8")))

    def _read_stderr(self):
        self.stderr = self.proc.stderr.read()

    def send_raw(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, message):
        body = json.dumps(message).encode("utf-8")
        self.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def receive(self):
        message = self.messages.get(timeout=60)
        if message is None:
            raise AssertionError("the server closed its output")
        return message

    def response(self, request_id):
        """The response to `request_id`; notifications that come first are kept."""
        while True:
            message = self.receive()
            if "method" in message:
                self.notifications.append(message)
                continue
            if message.get("id") == request_id:
                return message
            raise AssertionError(f"unexpected message {message}")

    def request(self, method, params=None):
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        return self.response(self.next_id)

    def result(self, method, params=None):
        response = self.request(method, params)
        if "error" in response:
            raise AssertionError(f"{method} failed: {response['error']}")
        return response["result"]

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def notification(self, method):
        for i, message in enumerate(self.notifications):
            if message["method"] == method:
                return self.notifications.pop(i)
        while True:
            message = self.receive()
            if message.get("method") == method:
                return message
            self.notifications.append(message)

    def initialize(self):
        result = self.result("initialize", {"processId": None, "rootUri": None,
                                            "capabilities": {}})
        self.notify("initialized", {})
        return result

    def finish(self):
        """shutdown + exit; returns the exit status."""
        self.result("shutdown")
        self.notify("exit", None)
        return self.wait()

    def wait(self):
        """Closes the server's input (what was sent is still read) and waits for it."""
        self.proc.stdin.close()
        status = self.proc.wait(timeout=60)
        self._stderr_thread.join(timeout=60)
        return status

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._reader_thread.join(timeout=60)
        self._stderr_thread.join(timeout=60)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            stream.close()


class LspTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.dir = os.path.realpath(self._tmp.name)
        self.packs = os.path.join(self.dir, "packs")
        self.write("packs/_runners/e2e.yaml", RUNNERS)
        self.write("packs/ops/pack.yaml", "name: ops\nversion: 1.0.0\n")
        self.write("packs/ops/actions/restart.yaml", RESTART)
        self.write("packs/ops/triggers/alert.yaml", ALERT)
        # The rule file lives apart from the packs: they come from --packs.
        self.path = os.path.join(self.dir, "rules", "ops é.rule")
        self.uri = "file://" + self.dir.replace(" ", "%20") + "/rules/ops%20%C3%A9.rule"
        os.makedirs(os.path.dirname(self.path))
        self.server = Server("--packs", self.packs)
        self.addCleanup(self.server.kill)
        self.capabilities = self.server.initialize()["capabilities"]

    def tearDown(self):
        self._tmp.cleanup()

    def write(self, relative, text):
        path = os.path.join(self.dir, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def uri_of(self, relative):
        return "file://" + os.path.join(self.dir, relative)

    def open(self, text, version=1):
        self.server.notify("textDocument/didOpen", {"textDocument": {
            "uri": self.uri, "languageId": "squall", "version": version, "text": text}})
        return self.diagnostics(version)

    def change(self, text, version):
        self.server.notify("textDocument/didChange", {
            "textDocument": {"uri": self.uri, "version": version},
            "contentChanges": [{"text": text}]})
        return self.diagnostics(version)

    def diagnostics(self, version):
        params = self.server.notification("textDocument/publishDiagnostics")["params"]
        self.assertEqual(params["uri"], self.uri)
        self.assertEqual(params.get("version"), version)
        return params["diagnostics"]

    def at(self, method, line, character):
        return self.server.result(method, {"textDocument": {"uri": self.uri},
                                           "position": {"line": line, "character": character}})

    def labels(self, line, character):
        result = self.at("textDocument/completion", line, character)
        items = result["items"] if isinstance(result, dict) else result
        return [item["label"] for item in items], items

    def cli_diagnostics(self, text):
        """`squall check --diagnostics-format=json` on the same text, in the same place."""
        with open(self.path, "w", encoding="utf-8") as f:
            f.write(text)
        r = subprocess.run([SQUALL, "check", "--packs", self.packs, "--diagnostics-format=json",
                            self.path], capture_output=True, text=True, timeout=60)
        return json.loads(r.stdout)["diagnostics"]

    # -- lifecycle ---------------------------------------------------------------------------

    def test_initialize_declares_the_features_and_full_sync(self):
        c = self.capabilities
        self.assertEqual(c["textDocumentSync"], {"openClose": True, "change": 1})
        self.assertEqual(c["positionEncoding"], "utf-16")
        for feature in ("hoverProvider", "definitionProvider", "documentSymbolProvider",
                        "documentFormattingProvider"):
            self.assertIs(c[feature], True, feature)
        self.assertEqual(c["completionProvider"]["triggerCharacters"], [".", "(", ","])
        self.assertEqual(self.server.finish(), 0)

    def test_exit_without_shutdown_is_status_1(self):
        self.server.notify("exit", None)
        self.assertEqual(self.server.wait(), 1)

    def test_end_of_input_without_shutdown_is_status_1(self):
        self.assertEqual(self.server.wait(), 1)  # wait() closes stdin

    def test_requests_after_shutdown_are_invalid(self):
        self.server.result("shutdown")
        response = self.server.request("textDocument/documentSymbol",
                                       {"textDocument": {"uri": self.uri}})
        self.assertEqual(response["error"]["code"], -32600)
        self.server.notify("exit", None)
        self.assertEqual(self.server.wait(), 0)

    # -- diagnostics -------------------------------------------------------------------------

    def test_diagnostics_follow_changes_like_the_cli(self):
        self.assertEqual(self.open(DOC), [])
        # A type error: the same kind and range as `squall check`.
        broken = replace_line(DOC, 10, '  if disk.low where event.free_pct < "ten"')
        diagnostics = self.change(broken, 2)
        cli = self.cli_diagnostics(broken)
        self.assertEqual(len(diagnostics), len(cli))
        self.assertGreaterEqual(len(cli), 1)
        for lsp, expected in zip(diagnostics, cli):
            self.assertEqual(lsp["code"], expected["kind"])
            self.assertEqual(lsp["severity"], 1 if expected["severity"] == "error" else 2)
            self.assertEqual(lsp["source"], "squall")
            start, end = expected["range"]["start"], expected["range"]["end"]
            # The line is ASCII: UTF-16 characters are columns - 1.
            self.assertEqual(lsp["range"], {
                "start": {"line": start["line"] - 1, "character": start["column"] - 1},
                "end": {"line": end["line"] - 1, "character": end["column"] - 1}})
            self.assertTrue(lsp["message"].startswith(expected["message"]))
        self.assertEqual(diagnostics[0]["range"]["start"]["line"], 10)
        # A syntax error, then the fix: the diagnostics clear.
        syntax = replace_line(DOC, 11, "  else ops.restart(service: \"x\")")
        diagnostics = self.change(syntax, 3)
        cli = self.cli_diagnostics(syntax)
        self.assertEqual([d["code"] for d in diagnostics], [d["kind"] for d in cli])
        self.assertEqual(diagnostics[0]["range"]["start"], {"line": 11, "character": 2})
        self.assertEqual(self.change(DOC, 4), [])
        # Closing the document clears its diagnostics.
        self.server.notify("textDocument/didClose", {"textDocument": {"uri": self.uri}})
        params = self.server.notification("textDocument/publishDiagnostics")["params"]
        self.assertEqual(params, {"uri": self.uri, "diagnostics": []})

    def test_diagnostic_ranges_count_utf16_units(self):
        # `hots` after "é🚨" on its line: code points 41..45 for the CLI (columns 42..46),
        # UTF-16 units 42..46 for LSP (the emoji is one code point but two units).
        text = DOC.replace("event.host)", "event.hots)")
        diagnostics = self.open(text)
        self.assertEqual(len(diagnostics), 1, diagnostics)
        cli = self.cli_diagnostics(text)
        self.assertEqual(diagnostics[0]["code"], "UnknownField")
        self.assertEqual(diagnostics[0]["code"], cli[0]["kind"])
        self.assertEqual((cli[0]["range"]["start"]["column"], cli[0]["range"]["end"]["column"]),
                         (42, 46))
        self.assertEqual(diagnostics[0]["range"], {"start": {"line": 11, "character": 42},
                                                   "end": {"line": 11, "character": 46}})

    def test_notes_become_related_information(self):
        text = DOC + "\nrule clean_disk {\n  if disk.low\n  then ops.restart(service: \"x\")\n}\n"
        diagnostics = self.open(text)
        self.assertEqual(len(diagnostics), 1, diagnostics)
        d = diagnostics[0]
        cli = self.cli_diagnostics(text)
        self.assertEqual(d["code"], "DuplicateDeclaration")
        self.assertEqual(d["code"], cli[0]["kind"])
        self.assertEqual(d["message"], cli[0]["message"])
        self.assertEqual(d["range"], {"start": {"line": 28, "character": 5},
                                      "end": {"line": 28, "character": 15}})
        related = d["relatedInformation"]
        self.assertEqual(len(related), 1)
        self.assertEqual(related[0]["location"]["uri"], self.uri)
        self.assertEqual(related[0]["location"]["range"],
                         {"start": {"line": 9, "character": 5},
                          "end": {"line": 9, "character": 15}})
        self.assertEqual(related[0]["message"], cli[0]["notes"][0]["message"])

    def test_packs_beside_the_file_and_untitled_documents(self):
        # Without --packs, a `packs/` directory beside the document is on the pack path.
        server = Server()
        self.addCleanup(server.kill)
        server.initialize()
        uri = self.uri_of("beside.rule")
        server.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "squall", "version": 1, "text": DOC}})
        params = server.notification("textDocument/publishDiagnostics")["params"]
        self.assertEqual(params["diagnostics"], [])
        # A document without a file: only the built-in packs, so `ops` is unknown; `core` works.
        server.notify("textDocument/didOpen", {"textDocument": {
            "uri": "untitled:Untitled-1", "languageId": "squall", "version": 1, "text": DOC}})
        params = server.notification("textDocument/publishDiagnostics")["params"]
        self.assertEqual(params["uri"], "untitled:Untitled-1")
        self.assertEqual(params["diagnostics"][0]["code"], "UnknownPack")
        self.assertEqual(params["diagnostics"][0]["range"]["start"], {"line": 0, "character": 7})
        core = 'import core\nrule r {\n  if webhook "x"\n  then core.echo(message: "hi")\n}\n'
        server.notify("textDocument/didChange", {
            "textDocument": {"uri": "untitled:Untitled-1", "version": 2},
            "contentChanges": [{"text": core}]})
        params = server.notification("textDocument/publishDiagnostics")["params"]
        self.assertEqual(params["diagnostics"], [])
        hover = server.result("textDocument/hover", {
            "textDocument": {"uri": "untitled:Untitled-1"},
            "position": {"line": 3, "character": 13}})
        self.assertTrue(hover["contents"]["value"].startswith(
            "```squall\naction core.echo(\n  message: string,\n"), hover)
        self.assertEqual(server.finish(), 0)

    def test_definition_into_the_built_in_packs(self):
        # The built-in packs are embedded in the binary: definition goes to a read-only copy of
        # the embedded YAML in the cache directory, byte for byte the file of the source tree.
        cache = os.path.join(self.dir, "cache")
        server = Server(cache=cache)
        self.addCleanup(server.kill)
        server.initialize()
        uri = self.uri_of("core.rule")
        text = ('import core\nrule r {\n  if webhook "x"\n  then core.echo(message: "hi")\n}\n'
                'rule s {\n  if core.webhook(url: "/s")\n  then core.local(cmd: "true")\n}\n')
        server.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "squall", "version": 1, "text": text}})
        self.assertEqual(server.notification("textDocument/publishDiagnostics")["params"]
                         ["diagnostics"], [])
        stdlib = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "stdlib")

        def definition(line, character, relative):
            location = server.result("textDocument/definition", {
                "textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
            self.assertIsNotNone(location)
            prefix = "file://" + cache + "/squall/stdlib/"
            self.assertTrue(location["uri"].startswith(prefix), location)
            self.assertTrue(location["uri"].endswith("/" + relative), location)
            path = location["uri"][len("file://"):]
            with open(path, "rb") as copy, open(os.path.join(stdlib, relative), "rb") as source:
                self.assertEqual(copy.read(), source.read())
            self.assertEqual(os.stat(path).st_mode & 0o222, 0)  # read-only
            with open(path, encoding="utf-8") as copy:
                line_text = copy.read().split("\n")[location["range"]["start"]["line"]]
            self.assertTrue(line_text.startswith("name:"), line_text)
            return location

        first = definition(3, 13, "packs/core/actions/echo.yaml")
        self.assertEqual(definition(3, 13, "packs/core/actions/echo.yaml"), first)  # reused
        definition(7, 9, "packs/core/actions/local.yaml")
        definition(6, 8, "packs/core/triggers/webhook.yaml")
        self.assertEqual(server.finish(), 0)

    # -- hover -------------------------------------------------------------------------------

    def test_hover(self):
        self.open(DOC)
        # The type of `event.host`, after non-ASCII text on its line.
        hover = self.at("textDocument/hover", 11, 43)
        self.assertEqual(hover["range"], {"start": {"line": 11, "character": 36},
                                          "end": {"line": 11, "character": 46}})
        self.assertEqual(hover["contents"]["kind"], "markdown")
        self.assertEqual(hover["contents"]["value"], "```squall\nevent.host: string\n```\n")
        # A constant.
        hover = self.at("textDocument/hover", 10, 38)
        self.assertEqual(hover["contents"]["value"], "```squall\nconst limit: int\n```\n")
        # An action call: the signature and the parameter docs from the pack YAML.
        hover = self.at("textDocument/hover", 11, 13)
        self.assertEqual(hover["range"], {"start": {"line": 11, "character": 7},
                                          "end": {"line": 11, "character": 18}})
        value = hover["contents"]["value"]
        self.assertTrue(value.startswith(
            "```squall\naction ops.restart(\n  service: string,\n  cmd: string,\n"
            "  timeout: int = 60,\n) -> "), value)
        self.assertIn("\nRestarts a service.\n", value)
        self.assertIn("- `service` (string, required): The systemd unit to restart.\n", value)
        self.assertIn("- `timeout` (int)\n", value)
        # A pack trigger: its payload with descriptions.
        hover = self.at("textDocument/hover", 15, 8)
        value = hover["contents"]["value"]
        self.assertTrue(value.startswith("```squall\ntrigger ops.alert\n```\n\nAn alert fired.\n"),
                        value)
        self.assertIn("- `severity: string`: How bad it is.\n", value)
        # A payload field with a description.
        hover = self.at("textDocument/hover", 15, 28)
        self.assertEqual(hover["contents"]["value"],
                         "```squall\nevent.severity: string\n```\n\nHow bad it is.\n")
        # Nothing under the cursor (a keyword, a blank line).
        self.assertIsNone(self.at("textDocument/hover", 9, 1))
        self.assertIsNone(self.at("textDocument/hover", 1, 0))
        # Positions past the end are clamped, not errors.
        self.assertIsNone(self.at("textDocument/hover", 500, 500))

    # -- completion --------------------------------------------------------------------------

    def test_completion(self):
        self.open(DOC)
        # Top level: keywords and the file's names.
        labels, items = self.labels(1, 0)
        for label in ("rule", "workflow", "trigger", "test", "import", "limit", "fix", "ops"):
            self.assertIn(label, labels)
        kinds = {item["label"]: item["kind"] for item in items}
        self.assertEqual(kinds["rule"], 14)
        self.assertEqual(kinds["limit"], 21)
        self.assertEqual(kinds["ops"], 9)
        # Inside an action call: the parameters, required first, those written left out.
        text = replace_line(DOC, 16, "  then ops.restart(")
        self.change(text, 2)
        labels, items = self.labels(16, 19)
        self.assertEqual(labels, ["service", "cmd", "timeout"])
        self.assertEqual(items[0]["insertText"], "service: ")
        self.assertEqual(items[0]["detail"], "string (required)")
        self.assertEqual(items[0]["documentation"]["value"], "The systemd unit to restart.")
        text = replace_line(DOC, 16, '  then ops.restart(service: "é🚨", ')
        self.change(text, 3)
        labels, _ = self.labels(16, 35)
        self.assertEqual(labels, ["cmd", "timeout"])
        # After a pack alias: its actions; in a trigger position, its triggers.
        text = replace_line(DOC, 16, "  then ops.")
        self.change(text, 4)
        labels, items = self.labels(16, 11)
        self.assertEqual(labels, ["restart"])
        self.assertEqual(items[0]["detail"], "action ops.restart")
        text = replace_line(DOC, 15, "  if ops.")
        self.change(text, 5)
        self.assertEqual(self.labels(15, 9)[0], ["alert"])
        # After `if`: every trigger type.
        text = replace_line(DOC, 15, "  if ")
        self.change(text, 6)
        labels, _ = self.labels(15, 5)
        self.assertEqual(labels, ["disk.low", "ops.alert", "webhook", "every", "cron"])
        # After `event.`: the payload fields of the rule's trigger, in a document that does not
        # parse as typed (the field is not written yet).
        text = replace_line(DOC, 10, '  if disk.low where "é🚨" == "x" and event.')
        diagnostics = self.change(text, 7)
        self.assertTrue(diagnostics)
        labels, items = self.labels(10, 43)
        self.assertEqual(labels, ["host", "free_pct"])
        self.assertEqual(items[1]["detail"], "float")
        text = replace_line(DOC, 15, "  if ops.alert where event.")
        self.change(text, 8)
        self.assertEqual(self.labels(15, 27)[0], ["severity", "host"])

    # -- definition --------------------------------------------------------------------------

    def test_definition(self):
        self.open(DOC)
        # An action: into the pack YAML, at its `name:`.
        location = self.at("textDocument/definition", 11, 12)
        self.assertEqual(location, {
            "uri": self.uri_of("packs/ops/actions/restart.yaml"),
            "range": {"start": {"line": 0, "character": 6}, "end": {"line": 0, "character": 13}}})
        # A pack trigger.
        location = self.at("textDocument/definition", 15, 8)
        self.assertEqual(location["uri"], self.uri_of("packs/ops/triggers/alert.yaml"))
        self.assertEqual(location["range"]["start"], {"line": 0, "character": 6})
        # A trigger declared in the file.
        location = self.at("textDocument/definition", 10, 6)
        self.assertEqual(location, {"uri": self.uri, "range": {
            "start": {"line": 2, "character": 8}, "end": {"line": 2, "character": 16}}})
        # A constant.
        location = self.at("textDocument/definition", 10, 38)
        self.assertEqual(location["range"], {"start": {"line": 7, "character": 6},
                                             "end": {"line": 7, "character": 11}})
        # Nothing to go to.
        self.assertIsNone(self.at("textDocument/definition", 1, 0))

    def test_definition_of_a_workflow_call(self):
        text = DOC.replace('then ops.restart(service: "db")', 'then fix(host: "db")')
        self.assertEqual(self.open(text), [])
        location = self.at("textDocument/definition", 16, 7)
        self.assertEqual(location, {"uri": self.uri, "range": {
            "start": {"line": 19, "character": 9}, "end": {"line": 19, "character": 12}}})

    def test_locals_and_aliases(self):
        # Line numbers matter (0-based).
        text = """\
import ops

trigger disk.low { host: string, free_pct: float }

rule twice {
  if disk.low as a followed by disk.low as b where b.host == a.host within 5m
  then ops.restart(service: a.host)
}

workflow fix(host: string) {
  let r = ops.restart(service: host)
  try {
    ops.restart(service: "x")
  } catch err {
    ops.restart(service: err.message)
  }
}
"""
        # `r` is never used: a warning, no error.
        self.assertEqual([d["code"] for d in self.open(text)], ["UnusedBinding"])

        def definition(line, character):
            location = self.at("textDocument/definition", line, character)
            self.assertIsNotNone(location, (line, character))
            self.assertEqual(location["uri"], self.uri)
            start = location["range"]["start"]
            return start["line"], start["character"]

        # A correlation alias: its use (in `where` and in the action) goes to its `as`.
        self.assertEqual(definition(5, 61), (5, 17))  # a.host in the where -> `as a`
        self.assertEqual(definition(5, 51), (5, 43))  # b.host -> `as b`
        self.assertEqual(definition(6, 28), (5, 17))
        # A workflow parameter and a caught error.
        self.assertEqual(definition(10, 31), (9, 13))
        self.assertEqual(definition(14, 25), (13, 10))
        # Hover over the declarations: what they are and their type.
        hover = self.at("textDocument/hover", 5, 17)
        self.assertEqual(hover["contents"]["value"], "```squall\nalias a: disk.low\n```\n")
        hover = self.at("textDocument/hover", 10, 6)
        self.assertTrue(hover["contents"]["value"].startswith("```squall\nlet r: "), hover)
        hover = self.at("textDocument/hover", 13, 11)
        self.assertTrue(hover["contents"]["value"].startswith("```squall\ncatch err: "), hover)
        self.assertNotIn(": json", hover["contents"]["value"])

    def test_completion_of_error_and_result_in_follow_ups(self):
        text = DOC.replace('  then ops.restart(service: "db")\n',
                           '  then ops.restart(service: "db")\n'
                           '  on failure then ops.restart(service: error.)\n')
        self.open(text, 1)
        labels, _ = self.labels(17, 45)
        self.assertIn("message", labels)
        self.assertNotIn("host", labels)

    # -- symbols -----------------------------------------------------------------------------

    def test_document_symbols(self):
        self.open(DOC)
        symbols = self.server.result("textDocument/documentSymbol",
                                     {"textDocument": {"uri": self.uri}})
        self.assertEqual([(s["name"], s["kind"], s["detail"]) for s in symbols], [
            ("disk.low", 23, "trigger"), ("limit", 14, "const"), ("clean_disk", 24, "rule"),
            ("on_alert", 24, "rule"), ("fix", 12, "workflow"), ("cleans é", 6, "test")])
        rule = symbols[2]
        self.assertEqual(rule["range"], {"start": {"line": 9, "character": 0},
                                         "end": {"line": 12, "character": 1}})
        self.assertEqual(rule["selectionRange"], {"start": {"line": 9, "character": 5},
                                                  "end": {"line": 9, "character": 15}})
        self.assertEqual(symbols[5]["selectionRange"], {"start": {"line": 23, "character": 5},
                                                        "end": {"line": 23, "character": 15}})
        self.assertEqual([(c["name"], c["kind"]) for c in symbols[0]["children"]],
                         [("host", 8), ("free_pct", 8)])

    # -- formatting --------------------------------------------------------------------------

    def test_formatting(self):
        messy = ("import ops\ntrigger disk.low{host:string}\n"
                 "rule r{if disk.low then ops.restart(service:\"é🚨\")}")
        self.open(messy)
        edits = self.server.result("textDocument/formatting", {
            "textDocument": {"uri": self.uri}, "options": {"tabSize": 2, "insertSpaces": True}})
        fmt = subprocess.run([SQUALL, "fmt", "-"], input=messy, capture_output=True, text=True,
                             timeout=60)
        self.assertEqual(fmt.returncode, 0, fmt.stderr)
        self.assertEqual(edits, [{"range": {"start": {"line": 0, "character": 0},
                                            "end": {"line": 2, "character": 51}},
                                  "newText": fmt.stdout}])
        # Already formatted: no edit. With syntax errors: no edit.
        self.change(fmt.stdout, 2)
        params = {"textDocument": {"uri": self.uri}, "options": {"tabSize": 2,
                                                                 "insertSpaces": True}}
        self.assertEqual(self.server.result("textDocument/formatting", params), [])
        self.change("rule r {\n  if\n", 3)
        self.assertEqual(self.server.result("textDocument/formatting", params), [])

    # -- robustness --------------------------------------------------------------------------

    def test_malformed_messages_get_errors_and_the_server_goes_on(self):
        s = self.server
        s.send_raw(b"Content-Length: 9\r\n\r\n{not json")
        self.assertEqual(s.receive(), {"jsonrpc": "2.0", "id": None,
                                       "error": {"code": -32700,
                                                 "message": "the message is not valid JSON"}})
        s.send_raw(b"Content-Length: 3\r\n\r\n[1]")
        self.assertEqual(s.receive()["error"]["code"], -32600)
        s.send({"jsonrpc": "2.0", "id": 50})
        self.assertEqual(s.receive()["error"]["code"], -32600)
        s.send({"jsonrpc": "2.0", "id": 51, "method": 7})
        self.assertEqual(s.response(51)["error"]["code"], -32600)
        # A header block without Content-Length is skipped (logged), then all is well.
        s.send_raw(b"Content-Type: text/plain\r\n\r\n")
        # Partial writes: a message in three pieces.
        body = json.dumps({"jsonrpc": "2.0", "id": 52, "method": "workspace/unknown"}).encode()
        frame = b"Content-Length: %d\r\n\r\n" % len(body) + body
        s.send_raw(frame[:10])
        s.send_raw(frame[10:30])
        s.send_raw(frame[30:])
        response = s.response(52)
        self.assertEqual(response["error"]["code"], -32601)
        self.assertIn("workspace/unknown", response["error"]["message"])
        # Unknown notifications get no answer; a request after them is answered first.
        s.notify("workspace/didChangeConfiguration", {"settings": {}})
        s.notify("$/cancelRequest", {"id": 1})
        s.notify("textDocument/didChange", {"bogus": True})
        self.assertEqual(s.request("textDocument/hover", {})["error"]["code"], -32602)
        self.assertEqual(s.request("textDocument/hover", {
            "textDocument": {"uri": "file:///nowhere.rule"},
            "position": {"line": 0, "character": 0}})["error"]["code"], -32602)
        self.open(DOC)
        self.assertEqual(s.request("textDocument/hover", {
            "textDocument": {"uri": self.uri},
            "position": {"line": -1, "character": "x"}})["error"]["code"], -32602)
        # Garbage documents never crash it.
        for version, text in enumerate(["\xff\x00{{{{", "rule", "}" * 500, "(" * 5000,
                                        "rule r { if x then y(", "é🚨" * 100, ""], start=2):
            self.change(text, version)
            for method in ("textDocument/hover", "textDocument/completion",
                           "textDocument/definition"):
                for line, character in ((0, 0), (0, 3), (3, 1000)):
                    self.assertNotIn("error", s.request(method, {
                        "textDocument": {"uri": self.uri},
                        "position": {"line": line, "character": character}}))
            self.assertIsInstance(s.result("textDocument/documentSymbol",
                                           {"textDocument": {"uri": self.uri}}), list)
        self.assertEqual(s.finish(), 0)
        self.assertIn(b"missing Content-Length", s.stderr)

    def test_requests_before_initialize(self):
        server = Server()
        self.addCleanup(server.kill)
        response = server.request("textDocument/hover", {})
        self.assertEqual(response["error"]["code"], -32002)
        server.initialize()
        self.assertEqual(server.finish(), 0)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--squall", required=True)
    args, rest = parser.parse_known_args()
    SQUALL = os.path.abspath(args.squall)
    with tempfile.TemporaryDirectory() as CACHE:
        unittest.main(argv=[sys.argv[0], *rest])
