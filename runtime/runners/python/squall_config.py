"""The pack config of a Python action, as StackStorm's ContentPackConfigLoader builds it.

`<config dir>/<pack>.yaml` is read with PyYAML's safe_load (what StackStorm uses), checked
against the pack's config.schema.yaml (types, required keys, enums, additionalProperties: the
checks StackStorm runs when it registers a config), dynamic values `{{ st2kv.system.KEY }}`
(optionally `| decrypt_kv`) are read from the datastore, and schema defaults are filled in
(nested objects with properties included).
"""
import copy
import os
import re


class ConfigError(Exception):
    pass


_TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, (list, tuple)),
    "null": lambda v: v is None,
}

_KV_REF = re.compile(r"\{\{\s*st2kv\.system\.([A-Za-z0-9_.:\-/]+)\s*(\|\s*decrypt_kv\s*)?\}\}")


def _load_yaml(path):
    try:
        import yaml
    except ImportError:
        raise ConfigError("reading %s needs PyYAML in this Python (python3 -m pip install pyyaml, "
                          "or pick another interpreter with `squall run --python`)" % path)
    try:
        with open(path, "rb") as f:
            return yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError("cannot read %s: %s" % (path, str(e).replace("\n", " ")))


def _describe(value):
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _TYPES[name](value):
            return name
    return type(value).__name__


def _validate(schema, value, where, errors):
    if not isinstance(schema, dict):
        return
    types = schema.get("type")
    if types is not None:
        names = types if isinstance(types, list) else [types]
        known = [t for t in names if t in _TYPES]
        if known and not any(_TYPES[t](value) for t in known):
            errors.append("%s: expected %s, found %s" % (where, " or ".join(known),
                                                        _describe(value)))
            return
    if "enum" in schema and isinstance(schema["enum"], list) and value not in schema["enum"]:
        errors.append("%s: %r is not one of %s" % (where, value, schema["enum"]))
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            fits = 0
            for option in options:
                sub = []
                _validate(option, value, where, sub)
                fits += not sub
            if fits == 0 or (key == "oneOf" and fits > 1):
                errors.append("%s: does not match %s of the schema's alternatives" %
                              (where, "any" if fits == 0 else "exactly one"))
    if isinstance(value, dict):
        _validate_object(schema, value, where, errors)
    if isinstance(value, (list, tuple)) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            _validate(schema["items"], item, "%s[%d]" % (where, i), errors)


def _validate_object(schema, value, where, errors):
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        properties = {}
    _validate_properties(properties, schema.get("required"), value, where, errors)
    extra = schema.get("additionalProperties", True)
    for key in sorted(set(value) - set(properties), key=str):
        if extra is False:
            errors.append("%s: unknown key (the schema allows no other keys)" % _join(where, key))
        elif isinstance(extra, dict):
            _validate(extra, value[key], _join(where, key), errors)


def _validate_properties(properties, required_list, value, where, errors):
    """Draft 3 `required: true` on a property and draft 4 `required: [...]` on the object both
    count; a missing key with a default is fine (the default fills it in)."""
    required_names = set(required_list) if isinstance(required_list, list) else set()
    for key, prop in properties.items():
        if not isinstance(prop, dict):
            continue
        if key not in value:
            if (prop.get("required") is True or key in required_names) and "default" not in prop:
                errors.append("%s: required key is missing" % _join(where, key))
            continue
        _validate(prop, value[key], _join(where, key), errors)


def _join(where, key):
    return "%s.%s" % (where, key) if where else str(key)


def _assign_defaults(properties, config):
    # StackStorm's ContentPackConfigLoader._assign_default_values.
    for key, prop in properties.items():
        if not isinstance(prop, dict):
            continue
        if "default" in prop and key not in config:
            config[key] = copy.deepcopy(prop["default"])
        if prop.get("type") == "object" and isinstance(prop.get("properties"), dict):
            if not config.get(key):
                config[key] = {}
            if isinstance(config[key], dict):
                _assign_defaults(prop["properties"], config[key])
    return config


def _resolve_kv(value, get_value):
    """Renders `{{ st2kv.system.KEY }}` references in string values (StackStorm renders any
    Jinja there; only datastore references are supported here)."""
    if isinstance(value, dict):
        return {k: _resolve_kv(v, get_value) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_kv(v, get_value) for v in value]
    if not isinstance(value, str) or "{{" not in value:
        return value

    def lookup(match):
        found = get_value(match.group(1), bool(match.group(2)))
        return "" if found is None else found  # StackStorm renders a missing key as ""

    return _KV_REF.sub(lookup, value)


def _secrets(properties, config, out):
    for key, prop in properties.items():
        if not isinstance(prop, dict) or key not in config:
            continue
        if prop.get("secret") is True and isinstance(config[key], str) and config[key]:
            out.append(config[key])
        if isinstance(prop.get("properties"), dict) and isinstance(config[key], dict):
            _secrets(prop["properties"], config[key], out)


def load_pack_config(pack, config_file, schema_file, get_value):
    """(config, secret values) of `pack`. `get_value(key, decrypt)` reads the datastore.
    Raises ConfigError with a one-line reason when the config does not load or fit."""
    config = {}
    if config_file and os.path.isfile(config_file):
        loaded = _load_yaml(config_file)
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError("%s: a pack config must be a map of keys, found %s" %
                              (config_file, _describe(loaded)))
        config = loaded
    schema = {}
    if schema_file and os.path.isfile(schema_file):
        schema = _load_yaml(schema_file) or {}
        if not isinstance(schema, dict):
            raise ConfigError("%s: a config schema must be a map of keys" % schema_file)
    if schema:
        errors = []
        _validate_properties(schema, None, config, "", errors)
        if errors:
            source = config_file if os.path.isfile(config_file) else (
                "no config (%s does not exist)" % config_file)
            raise ConfigError("pack config of %s does not match %s: %s (%s)" %
                              (pack, schema_file, "; ".join(errors), source))
    config = _resolve_kv(config, get_value)
    config = _assign_defaults(schema, config)
    secrets = []
    _secrets(schema, config, secrets)
    return config, secrets
