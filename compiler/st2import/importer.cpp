#include "compiler/st2import/importer.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <utility>

#include "compiler/diag/suggest.h"
#include "compiler/format/formatter.h"
#include "compiler/parse/parser.h"
#include "compiler/schema/diag_buffer.h"
#include "compiler/schema/pack_metadata.h"
#include "compiler/schema/yaml_reader.h"
#include "compiler/schema/yaml_value.h"
#include "compiler/st2import/cron.h"
#include "compiler/st2import/translate.h"

namespace squall::st2import {
namespace {

using diag::Kind;
using schema::MapEntry;
using schema::MapView;
using schema::ValueKind;
using schema::YamlFile;

// StackStorm's operator table (st2common/operators.py), names as registration accepts them
// (case-sensitive), and the alias each stands for.
constexpr std::array<std::pair<std::string_view, std::string_view>, 33> kOperators = {{
    {"equals", "equals"},
    {"eq", "equals"},
    {"nequals", "nequals"},
    {"neq", "nequals"},
    {"iequals", "iequals"},
    {"ieq", "iequals"},
    {"contains", "contains"},
    {"icontains", "icontains"},
    {"ncontains", "ncontains"},
    {"incontains", "incontains"},
    {"startswith", "startswith"},
    {"istartswith", "istartswith"},
    {"endswith", "endswith"},
    {"iendswith", "iendswith"},
    {"lessthan", "lessthan"},
    {"lt", "lessthan"},
    {"greaterthan", "greaterthan"},
    {"gt", "greaterthan"},
    {"matchwildcard", "matchwildcard"},
    {"matchregex", "matchregex"},
    {"regex", "regex"},
    {"iregex", "iregex"},
    {"timediff_lt", "timediff_lt"},
    {"td_lt", "timediff_lt"},
    {"timediff_gt", "timediff_gt"},
    {"td_gt", "timediff_gt"},
    {"exists", "exists"},
    {"nexists", "nexists"},
    {"inside", "inside"},
    {"in", "inside"},
    {"ninside", "ninside"},
    {"nin", "ninside"},
    {"search", "search"},
}};

// Whether a criterion can hold on an empty payload: only then is StackStorm's "criteria never
// match an empty payload" rule observable, so only rules with such a criterion get the guard.
// `whole_payload`: the key is `trigger` itself, whose value is then `{}`, not a missing value.
// Otherwise the value is missing (None), and only these operators can hold for None:
// `nequals`, `nexists`, `ninside`, and `inside` when the pattern can hold null (`None in
// [None]`): a list with a null item, a map (its keys), or a template (it may render either).
bool CanHoldOnEmptyPayload(std::string_view op, bool whole_payload, const YAML::Node& pattern,
                           bool template_pattern) {
  if (whole_payload || op == "nequals" || op == "nexists" || op == "ninside") return true;
  if (op != "inside") return false;
  if (pattern.IsSequence()) {
    return std::any_of(pattern.begin(), pattern.end(), [](const YAML::Node& item) {
      return schema::KindOf(item) == ValueKind::kNull;
    });
  }
  return pattern.IsMap() || template_pattern;
}

// Whether StackStorm could decode the rendered text of a template pattern that is not one
// `{{ expr }}` as JSON (a list, map or string: the text starts with `[`, `{` or `"`). It does
// so for every pattern holding `{{` (its `to_complex` rewrite, rules/filter.py), which the
// import's text interpolation cannot follow.
bool MayDecodeAsJson(std::string_view pattern) {
  size_t first = pattern.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || pattern.find("{{") == std::string_view::npos) {
    return false;
  }
  char c = pattern[first];
  bool opens_template = c == '{' && first + 1 < pattern.size() &&
                        std::string_view("{%#").find(pattern[first + 1]) != std::string_view::npos;
  return c == '[' || c == '"' || (c == '{' && !opens_template);
}

constexpr std::array<std::string_view, 14> kRuleFields = {
    "name",   "pack",    "description", "enabled", "type",          "trigger", "criteria",
    "action", "context", "tags",        "id",      "metadata_file", "ref",     "uid"};

struct ConvertedRule {
  std::string pack;
  std::string name;
  std::string comment;      // `#` lines before the rule
  std::string annotations;  // `@disabled`, `@backstop`, `@description(...)` lines
  std::string body;         // from `if` to the end of the action call
  bool ok = true;
  std::set<std::string> imports;
};

// A trigger type no pack declares, with the payload fields rules read.
struct DeclaredTrigger {
  std::set<std::string> fields;
  std::set<std::string> packs;  // of the rules using it
};

}  // namespace

struct Importer::Impl {
  source::SourceManager& sources;
  diag::DiagnosticEngine& diags;
  schema::PackLoader* packs;
  std::vector<ConvertedRule> rules;
  std::map<std::string, DeclaredTrigger> declared;

  // --- one rule ---------------------------------------------------------------------------

  struct RuleContext {
    const YamlFile& yaml;
    ConvertedRule& rule;
    bool webhook = false;
    std::set<std::string> fields;  // payload fields read
    std::string declared_ref;      // the trigger type the output declares, if any
  };

  void Report(RuleContext& ctx, const Problem& problem, source::SourceRange range) {
    std::vector<diag::Arg> args(problem.args.begin(), problem.args.end());
    // DiagBuffer::Report takes an initializer list; fill the arguments afterwards.
    ctx.yaml.diags().Report(problem.kind, range, {}).args = std::move(args);
    if (diag::Info(problem.kind).severity == diag::Severity::Error) ctx.rule.ok = false;
  }

  // `value` as a Squall literal. Strings: translated as templates when `templates` (action
  // parameters), else kept as they are.
  std::optional<std::string> Literal(RuleContext& ctx, const YAML::Node& node,
                                     source::SourceRange range, bool templates) {
    switch (schema::KindOf(node)) {
      case ValueKind::kNull:
        return "null";
      case ValueKind::kBool:
        return schema::BoolValue(node).value_or(false) ? "true" : "false";
      case ValueKind::kInt: {
        std::optional<int64_t> value = schema::IntValue(node);
        if (!value) {
          ctx.yaml.diags().Report(Kind::IntegerOverflow, range, {node.Scalar()});
          ctx.rule.ok = false;
          return std::nullopt;
        }
        // A negative literal is unary minus applied to a number in Squall.
        return *value < 0 ? "-" + std::to_string(-(*value + 1) + 1) : std::to_string(*value);
      }
      case ValueKind::kFloat: {
        std::string json = schema::ToJson(node);
        if (json.find_first_of("IN") != std::string::npos) {
          ctx.yaml.diags().Report(Kind::FloatOutOfRange, range, {node.Scalar()});
          ctx.rule.ok = false;
          return std::nullopt;
        }
        return json;
      }
      case ValueKind::kString: {
        if (!templates) return StringLiteral(node.Scalar());
        TemplateResult t =
            TranslateTemplate(node.Scalar(), TemplateContext::kActionParameter, ctx.webhook);
        if (!Take(ctx, t, range)) return std::nullopt;
        return t.text;
      }
      case ValueKind::kList: {
        std::string out = "[";
        for (const YAML::Node& item : node) {
          std::optional<std::string> text = Literal(ctx, item, ctx.yaml.Range(item), templates);
          if (!text) return std::nullopt;
          out += (out.size() > 1 ? ", " : "") + *text;
        }
        return out + "]";
      }
      case ValueKind::kMap: {
        std::string out = "{";
        MapView map(ctx.yaml, node);
        for (const MapEntry& entry : map.entries()) {
          std::optional<std::string> text = Literal(ctx, entry.value, entry.value_range, templates);
          if (!text) return std::nullopt;
          std::string key = SpellAnyName(entry.key);
          if (key.starts_with('`')) key = StringLiteral(entry.key);
          out += (out.size() > 1 ? ", " : "") + key + ": " + *text;
        }
        return out + "}";
      }
    }
    return std::nullopt;
  }

  // Reports a template's problems; false when it cannot be used.
  bool Take(RuleContext& ctx, const TemplateResult& t, source::SourceRange range) {
    for (const Problem& warning : t.warnings) Report(ctx, warning, range);
    if (t.problem) {
      Report(ctx, *t.problem, range);
      return false;
    }
    ctx.fields.insert(t.top_fields.begin(), t.top_fields.end());
    return true;
  }

  std::optional<std::string> ReadRequiredString(RuleContext& ctx, const MapView& map,
                                                std::string_view field, std::string_view owner,
                                                source::SourceRange owner_range) {
    const MapEntry* entry = map.FindSet(field);
    if (entry == nullptr) {
      ctx.yaml.diags().Report(Kind::MissingPackField, owner_range,
                              {std::string(field), std::string(owner)});
      ctx.rule.ok = false;
      return std::nullopt;
    }
    std::optional<std::string> value = schema::ReadString(ctx.yaml, *entry);
    if (!value) ctx.rule.ok = false;
    return value;
  }

  // The trigger atom (`webhook "x"`, `cron "..."`, `pack.trigger(p: v)`).
  std::optional<std::string> TriggerAtom(RuleContext& ctx, const MapEntry& trigger_entry) {
    if (!schema::ExpectMap(ctx.yaml, trigger_entry)) {
      ctx.rule.ok = false;
      return std::nullopt;
    }
    MapView trigger(ctx.yaml, trigger_entry.value);
    std::optional<std::string> ref =
        ReadRequiredString(ctx, trigger, "type", "`trigger`", trigger_entry.key_range);
    if (!ref) return std::nullopt;
    const MapEntry* params_entry = trigger.FindSet("parameters");
    if (params_entry != nullptr && !schema::ExpectMap(ctx.yaml, *params_entry)) {
      ctx.rule.ok = false;
      return std::nullopt;
    }
    MapView params(ctx.yaml, params_entry != nullptr ? params_entry->value : YAML::Node());
    const MapEntry& type_entry = *trigger.FindSet("type");

    if (*ref == "core.st2.webhook") {
      ctx.webhook = true;
      std::optional<std::string> url = ReadRequiredString(
          ctx, params, "url", "the parameters of `core.st2.webhook`",
          params_entry != nullptr ? params_entry->key_range : type_entry.value_range);
      if (!url) return std::nullopt;
      return "webhook " + StringLiteral(*url);
    }
    if (*ref == "core.st2.CronTimer") {
      std::map<std::string, std::string> fields;
      for (const MapEntry& entry : params.entries()) {
        ValueKind kind = schema::KindOf(entry.value);
        if (kind != ValueKind::kString && kind != ValueKind::kInt) {
          schema::ReportFieldType(ctx.yaml, entry, "a string or an integer");
          ctx.rule.ok = false;
          return std::nullopt;
        }
        fields[entry.key] = kind == ValueKind::kInt
                                ? std::to_string(schema::IntValue(entry.value).value_or(0))
                                : entry.value.Scalar();
      }
      CronResult cron = ConvertCronTimer(fields);
      if (!cron.problem.empty()) {
        Report(ctx, Problem{Kind::ImportUnsupportedTrigger, {*ref, cron.problem}},
               params_entry != nullptr ? params_entry->value_range : type_entry.value_range);
        return std::nullopt;
      }
      std::string atom = "cron " + StringLiteral(cron.schedule);
      if (!cron.timezone.empty()) atom += " tz " + StringLiteral(cron.timezone);
      return atom;
    }

    // A named trigger: known to a pack on the path, or declared in the output.
    size_t dot = ref->find('.');
    std::string pack = dot == std::string::npos ? *ref : ref->substr(0, dot);
    bool known = true;
    if (packs != nullptr) {
      const schema::Pack* p = packs->Load(pack);
      known = p != nullptr && dot != std::string::npos &&
              p->FindTrigger(std::string_view(*ref).substr(dot + 1)) != nullptr;
    }
    if (known) {
      ctx.rule.imports.insert(pack);
    } else {
      if (!params.entries().empty()) {
        Report(ctx,
               Problem{Kind::ImportUnsupportedTrigger,
                       {*ref,
                        "no pack on the pack path declares it, and a trigger declared in Squall "
                        "takes no parameters; put its pack on the pack path (`--packs DIR`)"}},
               params_entry->value_range);
        return std::nullopt;
      }
      ctx.declared_ref = *ref;
    }
    std::string atom = SpellDotted(*ref);
    if (!params.entries().empty()) {
      std::string args;
      for (const MapEntry& entry : params.entries()) {
        // StackStorm does not render trigger parameters: strings are taken as they are.
        std::optional<std::string> value =
            Literal(ctx, entry.value, entry.value_range, /*templates=*/false);
        if (!value) return std::nullopt;
        args += (args.empty() ? "" : ", ") + SpellAnyName(entry.key) + ": " + *value;
      }
      atom += "(" + args + ")";
    }
    return atom;
  }

  // One criterion as a Squall condition; `guard` is set when it can hold on a missing value.
  std::optional<std::string> Criterion(RuleContext& ctx, const MapEntry& entry, bool& guard) {
    std::string owner = "criterion `" + entry.key + "`";
    if (!schema::ExpectMap(ctx.yaml, entry)) {
      ctx.rule.ok = false;
      return std::nullopt;
    }
    MapView criterion(ctx.yaml, entry.value);
    std::optional<std::string> type =
        ReadRequiredString(ctx, criterion, "type", owner, entry.key_range);
    const MapEntry* pattern = criterion.Find("pattern");
    if (pattern == nullptr || schema::KindOf(pattern->value) == ValueKind::kNull) {
      ctx.yaml.diags().Report(
          Kind::MissingPackField, pattern != nullptr ? pattern->key_range : entry.key_range,
          {"pattern", owner + " (StackStorm requires a non-null pattern for "
                              "every operator; `exists` takes `pattern: \"\"`)"});
      ctx.rule.ok = false;
    }
    if (!type) return std::nullopt;
    const MapEntry& type_entry = *criterion.FindSet("type");
    std::string_view op;
    for (const auto& [name, canonical] : kOperators) {
      if (name == *type) op = canonical;
    }
    if (op.empty()) {
      std::vector<std::string> names;
      for (const auto& [name, canonical] : kOperators) names.emplace_back(name);
      std::string lower = *type;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string hint = diag::DidYouMean(lower, names);
      if (hint.empty() && lower != *type) hint = diag::DidYouMean(*type, names);
      Report(ctx, Problem{Kind::ImportUnknownOperator, {*type, hint}}, type_entry.value_range);
      return std::nullopt;
    }
    KeyResult key = TranslateCriteriaKey(entry.key, ctx.webhook);
    if (key.problem) {
      Report(ctx, *key.problem, entry.key_range);
      return std::nullopt;
    }
    if (!key.top_field.empty()) ctx.fields.insert(key.top_field);
    if (pattern == nullptr || schema::KindOf(pattern->value) == ValueKind::kNull) {
      return std::nullopt;
    }
    bool template_pattern = schema::KindOf(pattern->value) == ValueKind::kString &&
                            pattern->value.Scalar().find("{{") != std::string::npos;
    guard =
        guard || CanHoldOnEmptyPayload(op, key.top_field.empty(), pattern->value, template_pattern);
    std::string call = "st2_" + std::string(op) + "(" + key.expr;
    if (op == "exists" || op == "nexists") {
      // The operator ignores its pattern, but StackStorm renders it first: a template that
      // reads a missing payload field fails to render, which makes the criterion false.
      std::string exists;
      if (schema::KindOf(pattern->value) == ValueKind::kString) {
        TemplateResult t = TranslateTemplate(pattern->value.Scalar(),
                                             TemplateContext::kCriteriaPattern, ctx.webhook);
        if (!Take(ctx, t, pattern->value_range)) return std::nullopt;
        exists = RenderGuards(t);
      }
      return exists + call + ")";
    }
    if (op == "search") {
      std::optional<std::string> condition =
          ReadRequiredString(ctx, criterion, "condition", owner, entry.key_range);
      if (!condition) return std::nullopt;
      if (!pattern->value.IsMap()) {
        schema::ReportFieldType(ctx.yaml, *pattern, "a map of `item.` criteria");
        ctx.rule.ok = false;
        return std::nullopt;
      }
      if (!CheckSearchChildren(ctx, pattern->value)) return std::nullopt;
      std::optional<std::string> children =
          Literal(ctx, pattern->value, pattern->value_range, /*templates=*/false);
      if (!children) return std::nullopt;
      return call + ", " + StringLiteral(*condition) + ", " + *children + ")";
    }
    std::optional<std::string> pattern_text;
    std::string exists;  // `st2_exists(p) and ` for each payload path the pattern renders
    if (schema::KindOf(pattern->value) == ValueKind::kString) {
      TemplateResult t = TranslateTemplate(pattern->value.Scalar(),
                                           TemplateContext::kCriteriaPattern, ctx.webhook);
      if (!Take(ctx, t, pattern->value_range)) return std::nullopt;
      if (t.single_expression.empty() && MayDecodeAsJson(pattern->value.Scalar())) {
        Report(ctx,
               Problem{Kind::ImportUnsupportedJinja,
                       {pattern->value.Scalar(),
                        "StackStorm decodes the rendered text as JSON (a list, map or string "
                        "here), while the import would compare it as text; compare with one "
                        "`{{ expr }}` per criterion instead"}},
               pattern->value_range);
        return std::nullopt;
      }
      // A whole-string template is decoded as JSON by StackStorm: the value keeps its type.
      pattern_text = !t.single_expression.empty() ? t.single_expression : t.text;
      exists = RenderGuards(t);
    } else {
      pattern_text = Literal(ctx, pattern->value, pattern->value_range, /*templates=*/false);
    }
    if (!pattern_text) return std::nullopt;
    return exists + call + ", " + *pattern_text + ")";
  }

  // `st2_exists(p) and ` for each payload path `t` renders. StackStorm renders with
  // StrictUndefined: a missing payload field is a render error, which makes the criterion
  // false; Squall would read it as null.
  static std::string RenderGuards(const TemplateResult& t) {
    std::string out;
    for (const std::string& path : t.required_paths) out += "st2_exists(" + path + ") and ";
    return out;
  }

  // Templates inside `search` see `item`, which only st2_search itself evaluates.
  bool CheckSearchChildren(RuleContext& ctx, const YAML::Node& node) {
    if (node.IsMap()) {
      MapView map(ctx.yaml, node);
      for (const MapEntry& entry : map.entries()) {
        if (!CheckSearchChildren(ctx, entry.value)) return false;
      }
      return true;
    }
    if (node.IsSequence()) {
      for (const YAML::Node& item : node) {
        if (!CheckSearchChildren(ctx, item)) return false;
      }
      return true;
    }
    if (schema::KindOf(node) == ValueKind::kString &&
        TranslateTemplate(node.Scalar(), TemplateContext::kCriteriaPattern).is_template) {
      Report(ctx,
             Problem{Kind::ImportUnsupportedJinja,
                     {node.Scalar(),
                      "patterns inside `search` are evaluated per item by `st2_search`, which "
                      "takes plain values; compute the value in the rule instead"}},
             ctx.yaml.Range(node));
      return false;
    }
    return true;
  }

  // Whether parameter `name` of action `ref` is declared with a type other than `string`.
  bool TypedParameter(const std::string& ref, const std::string& name) {
    if (packs == nullptr) return false;
    size_t dot = ref.find('.');
    if (dot == std::string::npos) return false;
    const schema::Pack* pack = packs->Load(std::string_view(ref).substr(0, dot));
    if (pack == nullptr) return false;
    const schema::Action* action = pack->FindAction(std::string_view(ref).substr(dot + 1));
    if (action == nullptr) return false;
    const schema::Parameter* param = schema::FindParameter(action->parameters, name);
    return param != nullptr && param->type != nullptr &&
           param->type->kind() != types::TypeKind::kString;
  }

  std::optional<std::string> ActionCall(RuleContext& ctx, const MapEntry& action_entry) {
    if (!schema::ExpectMap(ctx.yaml, action_entry)) {
      ctx.rule.ok = false;
      return std::nullopt;
    }
    MapView action(ctx.yaml, action_entry.value);
    std::optional<std::string> ref =
        ReadRequiredString(ctx, action, "ref", "`action`", action_entry.key_range);
    if (!ref) return std::nullopt;
    size_t dot = ref->find('.');
    if (dot == std::string::npos) {
      schema::ReportFieldType(ctx.yaml, *action.FindSet("ref"), "an action ref `<pack>.<action>`");
      ctx.rule.ok = false;
      return std::nullopt;
    }
    ctx.rule.imports.insert(ref->substr(0, dot));
    const MapEntry* params_entry = action.FindSet("parameters");
    if (params_entry != nullptr && !schema::ExpectMap(ctx.yaml, *params_entry)) {
      ctx.rule.ok = false;
      return std::nullopt;
    }
    std::string args;
    bool failed = false;
    if (params_entry != nullptr) {
      MapView params(ctx.yaml, params_entry->value);
      for (const MapEntry& entry : params.entries()) {
        std::optional<std::string> value;
        if (schema::KindOf(entry.value) == ValueKind::kString) {
          TemplateResult t = TranslateTemplate(entry.value.Scalar(),
                                               TemplateContext::kActionParameter, ctx.webhook);
          if (Take(ctx, t, entry.value_range)) {
            // StackStorm renders text, then casts it by the parameter's type: for a typed
            // parameter, the value itself is what arrives.
            value = !t.single_expression.empty() && TypedParameter(*ref, entry.key)
                        ? t.single_expression
                        : t.text;
          }
        } else {
          value = Literal(ctx, entry.value, entry.value_range, /*templates=*/true);
        }
        if (!value) {
          failed = true;  // keep going: report every parameter's problems
          continue;
        }
        args += (args.empty() ? "" : ", ") + SpellAnyName(entry.key) + ": " + *value;
      }
    }
    if (failed) return std::nullopt;
    return SpellDotted(*ref) + "(" + args + ")";
  }

  void ConvertRule(const YamlFile& yaml, const std::string& default_pack) {
    ConvertedRule rule;
    rule.pack = default_pack;
    RuleContext ctx{.yaml = yaml, .rule = rule};
    std::string path(sources.Path(yaml.file_id()));
    if (!yaml.root().IsMap()) {
      yaml.diags().Report(Kind::InvalidMetadataFile, yaml.Range(yaml.root()),
                          {"a StackStorm rule file", "a map with `name`, `trigger` and `action`",
                           std::string(schema::Describe(schema::KindOf(yaml.root())))});
      return;
    }
    MapView root(yaml, yaml.root());
    root.CheckKnownFields(kRuleFields, "a StackStorm rule");
    std::optional<std::string> name =
        ReadRequiredString(ctx, root, "name", "a StackStorm rule", yaml.Start());
    rule.name = name.value_or(std::filesystem::path(path).stem().string());
    if (const MapEntry* pack = root.FindSet("pack")) {
      std::optional<std::string> value = schema::ReadString(yaml, *pack);
      // The pack names the output file (`-o DIR`: DIR/<pack>.rule), so only StackStorm's pack
      // refs (st2common/constants/pack.py PACK_REF_WHITELIST_REGEX `^[a-z0-9_]+$`, which its
      // registrar requires of a rule's `pack`) are taken; the rule stays in the default pack.
      if (value && schema::IsValidPackRef(*value)) {
        rule.pack = *value;
      } else {
        if (value) {
          schema::ReportFieldType(yaml, *pack,
                                  "a pack ref (lowercase letters, digits and underscores)",
                                  "`" + CommentText(*value) + "`");
        }
        rule.ok = false;
      }
    }
    // Names and paths are YAML text: CommentText keeps them inside the comment line.
    std::string comment =
        "# " + CommentText(rule.pack + "." + rule.name + " (" + path + ")") + "\n";
    std::string annotations;
    const MapEntry* enabled = root.FindSet("enabled");
    std::optional<bool> is_enabled;
    if (enabled != nullptr) {
      is_enabled = schema::ReadBool(yaml, *enabled);
      if (!is_enabled) rule.ok = false;
    } else {
      comment += "# no `enabled`: StackStorm registers the rule disabled\n";
    }
    if (!is_enabled.value_or(false)) annotations += "@disabled\n";
    if (const MapEntry* type = root.FindSet("type")) {
      if (schema::ExpectMap(yaml, *type)) {
        MapView type_map(yaml, type->value);
        if (const MapEntry* ref = type_map.FindSet("ref")) {
          std::optional<std::string> value = schema::ReadString(yaml, *ref);
          if (value == "backstop") {
            annotations += "@backstop\n";
          } else if (value != "standard") {
            schema::ReportFieldType(yaml, *ref, "`standard` or `backstop`",
                                    "`" + value.value_or("") + "`");
            rule.ok = false;
          }
        }
      } else {
        rule.ok = false;
      }
    }
    if (const MapEntry* description = root.FindSet("description")) {
      if (std::optional<std::string> text = schema::ReadText(yaml, *description)) {
        annotations += "@description(" + StringLiteral(*text) + ")\n";
      }
    }
    rule.comment = comment;
    rule.annotations = annotations;

    const MapEntry* trigger = root.FindSet("trigger");
    const MapEntry* action = root.FindSet("action");
    for (std::string_view field : {"trigger", "action"}) {
      if (root.FindSet(field) == nullptr) {
        yaml.diags().Report(Kind::MissingPackField, yaml.Range(yaml.root()),
                            {std::string(field), "a StackStorm rule"});
        rule.ok = false;
      }
    }
    std::optional<std::string> atom;
    if (trigger != nullptr) atom = TriggerAtom(ctx, *trigger);
    std::vector<std::string> conditions;
    bool guard = false;
    if (const MapEntry* criteria = root.FindSet("criteria")) {
      if (schema::ExpectMap(yaml, *criteria)) {
        MapView criteria_map(yaml, criteria->value);
        for (const MapEntry& entry : criteria_map.entries()) {
          if (std::optional<std::string> c = Criterion(ctx, entry, guard)) conditions.push_back(*c);
        }
      } else {
        rule.ok = false;
      }
    }
    std::optional<std::string> call;
    if (action != nullptr) call = ActionCall(ctx, *action);
    if (!atom || !call) rule.ok = false;
    if (rule.ok) {
      std::string where;
      // StackStorm: a rule with criteria never matches an empty payload (rules/filter.py).
      if (guard) where = "len(keys(event)) > 0";
      for (const std::string& c : conditions) where += (where.empty() ? "" : " and ") + c;
      rule.body = "if " + *atom + (where.empty() ? "" : " where " + where) + " then " + *call;
      // A trigger declared in the output carries the fields its rules read.
      if (!ctx.declared_ref.empty()) {
        DeclaredTrigger& d = declared[ctx.declared_ref];
        d.packs.insert(rule.pack);
        d.fields.insert(ctx.fields.begin(), ctx.fields.end());
      }
    }
    rules.push_back(std::move(rule));
  }

  void Convert(source::FileId file_id, const std::string& default_pack) {
    schema::DiagBuffer buffer;
    YamlFile yaml(sources, file_id, buffer);
    if (yaml.ok()) ConvertRule(yaml, default_pack);
    buffer.FlushTo(diags);
  }
};

Importer::Importer(source::SourceManager& sources, diag::DiagnosticEngine& diags,
                   schema::PackLoader* packs)
    : impl_(std::make_unique<Impl>(Impl{.sources = sources, .diags = diags, .packs = packs})) {}

Importer::~Importer() = default;

void Importer::AddFile(const RuleFile& file) {
  std::string error;
  std::optional<source::FileId> file_id = impl_->sources.LoadFile(file.path, &error);
  if (!file_id) {
    impl_->diags.Emit(Kind::CannotReadFile, source::SourceRange{}, {file.path.string(), error});
    return;
  }
  impl_->Convert(*file_id, file.pack);
}

void Importer::AddText(source::FileId file_id, const std::string& default_pack) {
  impl_->Convert(file_id, default_pack);
}

std::vector<std::string> Importer::Packs() const {
  std::set<std::string> packs;
  for (const ConvertedRule& rule : impl_->rules) packs.insert(rule.pack);
  return {packs.begin(), packs.end()};
}

std::optional<std::string> Importer::Render(const std::optional<std::string>& pack,
                                            std::string* error) const {
  std::vector<const ConvertedRule*> selected;
  std::map<std::string, int> name_count;
  std::set<std::string> imports;
  for (const ConvertedRule& rule : impl_->rules) {
    // Names are counted over every pack, so that one file per pack (`-o DIR`, checked
    // together) renames exactly as the single file does.
    if (rule.ok) ++name_count[rule.name];
    if (pack && rule.pack != *pack) continue;
    selected.push_back(&rule);
    if (rule.ok) imports.insert(rule.imports.begin(), rule.imports.end());
  }
  std::string text = "# Converted from StackStorm rules by `squall import st2`.\n\n";
  for (const std::string& name : imports) text += "import " + SpellName(name) + "\n";
  for (const auto& [ref, trigger] : impl_->declared) {
    bool used = !pack || trigger.packs.count(*pack) != 0;
    if (!used) continue;
    text += "\n# No pack on the pack path declares `" + CommentText(ref) +
            "`: the fields its rules read, as StackStorm sees them.\ntrigger " + SpellDotted(ref) +
            " {\n";
    for (const std::string& field : trigger.fields) text += SpellAnyName(field) + ": json?\n";
    text += "}\n";
  }
  for (const ConvertedRule* rule : selected) {
    text += "\n" + rule->comment;
    if (!rule->ok) {
      text += "# not converted: see the diagnostics of `squall import st2`\n";
      continue;
    }
    // Rule names are unique across a program; StackStorm's are unique per pack.
    std::string name = name_count[rule->name] > 1 ? rule->pack + "." + rule->name : rule->name;
    text += rule->annotations + "rule " + SpellName(name) + " {\n" + rule->body + "\n}\n";
  }
  source::SourceManager sources;
  source::FileId file_id = sources.AddFile("<import>", text);
  diag::DiagnosticEngine diags(sources);
  std::unique_ptr<const ast::File> file = parse::ParseFile(sources, file_id, diags);
  std::vector<diag::Diagnostic> problems = diags.Finish();
  if (!problems.empty() && diags.HasErrors()) {
    if (error != nullptr) *error = text + "\n" + problems.front().message;
    return std::nullopt;
  }
  for (const diag::Diagnostic& d : problems) {
    if (d.severity == diag::Severity::Error) {
      if (error != nullptr) *error = text + "\n" + d.message;
      return std::nullopt;
    }
  }
  return format::FormatFile(*file, sources);
}

// --- collecting files ----------------------------------------------------------------------

namespace {

bool IsYaml(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

// The rule files of one pack directory, sorted.
std::vector<std::filesystem::path> PackRules(const std::filesystem::path& pack_dir) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(pack_dir / "rules", ec)) {
    if (entry.is_regular_file(ec) && IsYaml(entry.path())) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

CollectedFiles CollectRuleFiles(const std::vector<std::string>& paths) {
  CollectedFiles out;
  auto add_packs_dir = [&](const std::filesystem::path& dir) {
    if (std::find(out.packs_dirs.begin(), out.packs_dirs.end(), dir) == out.packs_dirs.end()) {
      out.packs_dirs.push_back(dir);
    }
  };
  for (const std::string& arg : paths) {
    std::filesystem::path path(arg);
    std::error_code ec;
    size_t before = out.files.size();
    if (std::filesystem::is_directory(path, ec)) {
      std::filesystem::path normal = path.lexically_normal();
      if (!normal.has_filename()) normal = normal.parent_path();
      if (std::filesystem::is_directory(path / "rules", ec)) {
        for (auto& file : PackRules(path)) out.files.push_back({file, normal.filename().string()});
        add_packs_dir(normal.parent_path().empty() ? "." : normal.parent_path());
      } else {
        std::vector<std::filesystem::path> packs;
        for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
          std::string name = entry.path().filename().string();
          if (entry.is_directory(ec) && !name.starts_with('_') && !name.starts_with('.')) {
            packs.push_back(entry.path());
          }
        }
        std::sort(packs.begin(), packs.end());
        for (const auto& pack : packs) {
          for (auto& file : PackRules(pack)) {
            out.files.push_back({file, pack.filename().string()});
          }
        }
        add_packs_dir(path);
      }
    } else if (std::filesystem::exists(path, ec)) {
      // `<pack>/rules/<file>.yaml`: the pack is the directory above `rules/`.
      std::filesystem::path parent = std::filesystem::absolute(path, ec).parent_path();
      std::string pack = "default";
      if (parent.filename() == "rules") {
        pack = parent.parent_path().filename().string();
        add_packs_dir(parent.parent_path().parent_path());
      }
      out.files.push_back({path, pack});
    }
    if (out.files.size() == before) out.empty.push_back(arg);
  }
  return out;
}

}  // namespace squall::st2import
