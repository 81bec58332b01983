"""The wrapper's side of the channel to the Squall runner: JSON lines over one Unix socket.

Each message is one UTF-8 JSON object on one line; every request gets exactly one reply line,
`{"ok": true, ...}` or `{"ok": false, "error": "..."}`. Requests (see python_runner.cpp):
  {"op": "get", "key": K, "decrypt": B}            -> {"ok": true, "value": "..." | null}
  {"op": "set", "key": K, "value": S, "ttl": N?, "encrypt": B}
  {"op": "delete", "key": K}                       -> {"ok": true, "deleted": B}
  {"op": "list", "prefix": P}                      -> {"ok": true, "items": [{"key", "value"}]}
  {"op": "secrets", "values": [S, ...]}            values to mask in what the run returns
  {"op": "result", "status": true|false|null, "result": X}   the end of a run
  {"op": "error", "message": S}                    the run failed before returning
Calls are serialised by a lock, so an action's threads may share the channel.
"""
import json
import socket
import threading


class ChannelError(RuntimeError):
    pass


class Channel(object):
    def __init__(self, fd):
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, 0, fd)
        self._sock.set_inheritable(False)  # not passed on to the action's own child processes
        self._reader = self._sock.makefile("rb")
        self._lock = threading.Lock()

    def call(self, request):
        # Lone surrogates cannot be UTF-8: replaced rather than failing the whole message.
        data = json.dumps(request, ensure_ascii=False, allow_nan=False)
        data = data.encode("utf-8", "replace") + b"\n"
        with self._lock:
            self._sock.sendall(data)
            line = self._reader.readline()
        if not line:
            raise ChannelError("the squall runner closed the channel")
        reply = json.loads(line.decode("utf-8"))
        if not reply.get("ok"):
            raise ChannelError(reply.get("error") or "request failed")
        return reply
