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
Calls are serialised by a lock, so an action's threads may share the channel. A forked child
(os.fork, multiprocessing's fork start method) would share the socket but not the lock, and
replies (decrypted secrets among them) could reach the wrong caller: the channel belongs to the
process that opened it, a child drops its copy of the descriptor at fork and its calls raise
ChannelError. The runner has no address to reconnect to (the channel is a socketpair).
"""
import json
import os
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
        self._pid = os.getpid()
        os.register_at_fork(after_in_child=self._drop_in_child)

    def _drop_in_child(self):
        # detach() only forgets the descriptor (no lock is taken, unlike closing the reader,
        # whose buffer lock another thread of the parent may have held at the fork).
        if self._sock.fileno() >= 0:
            os.close(self._sock.detach())

    def call(self, request):
        if os.getpid() != self._pid:
            raise ChannelError(
                "process %d is a fork of the action's process %d: only that process may use the "
                "datastore (its channel to the squall runner is not shared with children; use "
                "threads, or read values before forking)" % (os.getpid(), self._pid))
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
