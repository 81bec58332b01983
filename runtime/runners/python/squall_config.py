"""The pack config of a Python action, as StackStorm's ContentPackConfigLoader builds it.

`<config dir>/<pack>.yaml` is read with PyYAML's safe_load (what StackStorm uses), checked
against the pack's config.schema.yaml (types, required keys, enums, additionalProperties: the
checks StackStorm runs when it registers a config), dynamic values `{{ st2kv.system.KEY }}`
(optionally `| decrypt_kv`; always decrypted for `secret: true` properties) are read from the
datastore, and schema defaults are filled in (nested objects with properties included).
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


def _walk(schema, config, visit):
    """Calls visit(container, key, item_schema) for every scalar of `config` (a dict or list
    whose schema is `schema`), as st2's _assign_dynamic_config_values walks a config: an
    object's keys take their `properties` entry (else a schema-valued `additionalProperties`),
    a list's items the list's `items` schema; no schema is {}."""
    if isinstance(config, dict):
        properties = schema.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        extra = schema.get("additionalProperties")
        pairs = [(key, properties.get(key, extra)) for key in config]
    else:
        pairs = [(i, schema.get("items")) for i in range(len(config))]
    for key, item_schema in pairs:
        item_schema = item_schema if isinstance(item_schema, dict) else {}
        if isinstance(config[key], (dict, list)):
            _walk(item_schema, config[key], visit)
        else:
            visit(config, key, item_schema)


def _resolve_kv(schema, config, get_value):
    """Renders `{{ st2kv.system.KEY }}` references in string values (StackStorm renders any
    Jinja there; only datastore references are supported here, other text stays as it is).
    As st2's _get_datastore_value_for_expression: a `secret: true` property's references are
    read decrypted (the secret store) without `| decrypt_kv`, and a value that renders empty
    (e.g. a missing key) becomes None."""

    def render(container, key, item_schema):
        text = container[key]
        if not isinstance(text, str) or "{{" not in text:
            return
        decrypt = item_schema.get("secret") is True

        def lookup(match):
            found = get_value(match.group(1), decrypt or bool(match.group(2)))
            return "" if found is None else found  # st2 renders a missing key as ""

        container[key] = _KV_REF.sub(lookup, text) or None

    _walk(schema, config, render)
    return config


def _secrets(schema, config):
    out = []

    def collect(container, key, item_schema):
        value = container[key]
        if item_schema.get("secret") is True and isinstance(value, str) and value:
            out.append(value)

    _walk(schema, config, collect)
    return out


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
    # The schema file is the properties of the config object.
    config = _resolve_kv({"properties": schema}, config, get_value)
    config = _assign_defaults(schema, config)
    return config, _secrets({"properties": schema}, config)
