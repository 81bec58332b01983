"""Datastore access for Python actions (StackStorm's ActionDatastoreService / ActionService).

Keys are local by default, as in StackStorm: `get_value("x")` reads `<pack>.<ActionClass>:x`;
`local=False` reads the global key `x`. Only the system scope exists. Values are strings
(set_value stores str(value)). Every call goes to the Squall runner over the channel (see
squall_channel.py) and reaches the running service's real store.
"""
from st2common.constants.keyvalue import DATASTORE_KEY_SEPARATOR, FULL_SYSTEM_SCOPE, SYSTEM_SCOPE

__all__ = ["ActionDatastoreService", "ActionService", "KeyValuePair"]


class KeyValuePair(object):
    """One datastore entry as list_values() returns it (st2client's KeyValuePair)."""

    def __init__(self, name, value, expire_timestamp=None):
        self.id = name
        self.name = name
        self.value = value
        self.scope = FULL_SYSTEM_SCOPE
        self.secret = False
        self.encrypted = False
        self.expire_timestamp = expire_timestamp

    def __repr__(self):
        return "<KeyValuePair name=%s,value=%s>" % (self.name, self.value)


def _check_scope(scope):
    if scope not in (SYSTEM_SCOPE, FULL_SYSTEM_SCOPE):
        raise ValueError('Scope %s is unsupported.' % (scope,))


class ActionDatastoreService(object):
    def __init__(self, logger, pack_name, class_name, channel):
        self._logger = logger
        self._pack_name = pack_name
        self._class_name = class_name
        self._channel = channel

    def _local_prefix(self):
        return "%s.%s%s" % (self._pack_name, self._class_name, DATASTORE_KEY_SEPARATOR)

    def _full_key_name(self, name, local):
        return self._local_prefix() + name if local else name

    def list_values(self, local=True, prefix=None, limit=None, offset=0):
        key_prefix = (self._local_prefix() if local else "") + (prefix or "")
        reply = self._channel.call({"op": "list", "prefix": key_prefix})
        items = [KeyValuePair(i["key"], i["value"], i.get("expires_at")) for i in reply["items"]]
        offset = int(offset or 0)
        if limit:
            return items[offset:offset + int(limit)]
        return items[offset:]

    def get_value(self, name, local=True, scope=SYSTEM_SCOPE, decrypt=False):
        _check_scope(scope)
        name = self._full_key_name(name, local)
        try:
            reply = self._channel.call({"op": "get", "key": name, "decrypt": bool(decrypt)})
        except Exception as e:  # StackStorm logs and returns None
            self._logger.exception("Exception retrieving value from datastore (name=%s): %s",
                                   name, e)
            return None
        return reply.get("value")

    def set_value(self, name, value, ttl=None, local=True, scope=SYSTEM_SCOPE, encrypt=False):
        _check_scope(scope)
        name = self._full_key_name(name, local)
        request = {"op": "set", "key": name, "value": str(value), "encrypt": bool(encrypt)}
        if ttl:
            request["ttl"] = int(ttl)
        self._channel.call(request)
        return True

    def delete_value(self, name, local=True, scope=SYSTEM_SCOPE):
        _check_scope(scope)
        name = self._full_key_name(name, local)
        try:
            reply = self._channel.call({"op": "delete", "key": name})
        except Exception as e:
            self._logger.exception("Exception deleting value from datastore (name=%s): %s",
                                   name, e)
            return False
        return bool(reply.get("deleted"))


class ActionService(object):
    """`self.action_service` of an action: the datastore methods of StackStorm's ActionService."""

    def __init__(self, action_wrapper):
        self._action_wrapper = action_wrapper
        self._datastore_service = ActionDatastoreService(
            logger=action_wrapper.logger, pack_name=action_wrapper._pack,
            class_name=action_wrapper._class_name, channel=action_wrapper.channel)

    @property
    def datastore_service(self):
        return self._datastore_service

    def list_values(self, local=True, prefix=None, limit=None, offset=0):
        return self._datastore_service.list_values(local=local, prefix=prefix, limit=limit,
                                                   offset=offset)

    def get_value(self, name, local=True, scope=SYSTEM_SCOPE, decrypt=False):
        return self._datastore_service.get_value(name, local=local, scope=scope, decrypt=decrypt)

    def set_value(self, name, value, ttl=None, local=True, scope=SYSTEM_SCOPE, encrypt=False):
        return self._datastore_service.set_value(name, value, ttl=ttl, local=local, scope=scope,
                                                 encrypt=encrypt)

    def delete_value(self, name, local=True, scope=SYSTEM_SCOPE):
        return self._datastore_service.delete_value(name, local=local, scope=scope)
