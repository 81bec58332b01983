#include "compiler/st2import/translate.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <string>

#include "compiler/parse/parser.h"
#include "compiler/source/utf8.h"

namespace squall::st2import {
namespace {

// Names that are not keywords but that a plain name must not shadow (the rule's event, a
// catch's error); every keyword comes from the grammar (parse::Keywords()).
constexpr std::array<std::string_view, 2> kPredefined = {"event", "error"};

// A character no comment, backquoted name or raw string text may hold: C0 (line breaks,
// tabs), DEL, C1 (NEL), and the Unicode line and paragraph separators.
bool IsControl(char32_t c) {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029;
}

// `text` with each control character and each byte of invalid UTF-8 replaced by
// `replacement`; `backquote_too` also replaces backquotes.
std::string Sanitize(std::string_view text, char replacement, bool backquote_too) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    source::Utf8Char u = source::DecodeUtf8(text, i);
    if (!u.valid || IsControl(u.code_point) || (backquote_too && text[i] == '`')) {
      out += replacement;
    } else {
      out.append(text.substr(i, u.length));
    }
    i += u.length;
  }
  return out;
}

bool IsIdentifier(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

std::string Backquote(std::string_view name) {
  return "`" + Sanitize(name, '_', /*backquote_too=*/true) + "`";
}

// `text` with Jinja's newline normalisation (`\r\n`, `\r` -> `\n`).
std::string NormalizeNewlines(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

// A member access on a payload value at `depth` (0 = right after `event`).
std::string Member(std::string_view field, int depth) {
  // A backquoted name cannot hold a backquote or a control character: index with a string
  // instead, which keeps the key exact.
  if (Sanitize(field, '_', /*backquote_too=*/true) != field) {
    return "[" + StringLiteral(field) + "]";
  }
  return (depth == 0 ? "." : "?.") + SpellAnyName(field);
}

// Builds `event...` from payload path steps, applying the webhook renames.
class PathBuilder {
 public:
  explicit PathBuilder(bool webhook) : webhook_(webhook) {}

  void Field(std::string name) {
    if (webhook_ && depth_ == 0 && name == "headers_lower") name = "headers";
    if (webhook_ && depth_ == 1 && in_headers_) {
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (depth_ == 0) {
      top_field_ = name;
      in_headers_ = webhook_ && name == "headers";
    }
    expr_ += Member(name, depth_++);
  }
  void Index(long long n) {
    expr_ += "[" + std::to_string(n) + "]";
    ++depth_;
  }
  const std::string& expr() const { return expr_; }
  const std::string& top_field() const { return top_field_; }

 private:
  bool webhook_;
  bool in_headers_ = false;
  int depth_ = 0;
  std::string expr_ = "event";
  std::string top_field_;
};

// --- Jinja expressions ----------------------------------------------------------------------

enum class Tok { kName, kString, kInt, kFloat, kPunct, kEnd, kBad };

struct Token {
  Tok kind;
  std::string text;  // names, punctuation, the decoded string, the number's spelling
};

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Token Next() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    if (pos_ >= text_.size()) return {Tok::kEnd, ""};
    char c = text_[pos_];
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t start = pos_;
      while (pos_ < text_.size() &&
             (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
        ++pos_;
      }
      return {Tok::kName, std::string(text_.substr(start, pos_ - start))};
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      size_t start = pos_;
      bool is_float = false;
      while (pos_ < text_.size() && (std::isdigit(static_cast<unsigned char>(text_[pos_])) ||
                                     text_[pos_] == '.' || text_[pos_] == '_')) {
        // `a[0].b`: a dot not followed by a digit ends the number.
        if (text_[pos_] == '.') {
          if (pos_ + 1 >= text_.size() ||
              !std::isdigit(static_cast<unsigned char>(text_[pos_ + 1])))
            break;
          is_float = true;
        }
        ++pos_;
      }
      std::string spelled;
      for (char d : text_.substr(start, pos_ - start)) {
        if (d != '_') spelled += d;
      }
      return {is_float ? Tok::kFloat : Tok::kInt, spelled};
    }
    if (c == '\'' || c == '"') {
      std::string out;
      ++pos_;
      while (pos_ < text_.size() && text_[pos_] != c) {
        if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) {
          char e = text_[++pos_];
          out += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
        } else {
          out += text_[pos_];
        }
        ++pos_;
      }
      if (pos_ >= text_.size()) return {Tok::kBad, "an unterminated string"};
      ++pos_;
      return {Tok::kString, out};
    }
    ++pos_;
    if (std::string_view(".[]()|,=").find(c) != std::string_view::npos) {
      return {Tok::kPunct, std::string(1, c)};
    }
    // Operators and anything else: say what was found.
    size_t start = pos_ - 1;
    while (pos_ < text_.size() &&
           std::string_view("+-*/%<>=!~").find(text_[pos_]) != std::string_view::npos) {
      ++pos_;
    }
    return {Tok::kBad, "`" + std::string(text_.substr(start, pos_ - start)) + "`"};
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

// A translated Jinja value.
struct Value {
  std::string expr;
  std::optional<std::string> kv_key;  // a datastore lookup (`st2kv.system.<key>`)
  bool is_kv_string = false;          // `kv(...)` already made a string (`| string`)
  // StackStorm's KeyValueLookup object itself (a lookup, possibly through `default`), which
  // the `to_complex` a criteria pattern gets cannot encode (st2#4043); a filter that makes
  // text of it (`string`, `upper`, ...) is fine.
  bool kv_object = false;
  std::vector<std::string> paths;      // payload paths that must be present to render
  std::optional<std::string> literal;  // the text of a string literal
};

struct Filter {
  std::string_view name;
  // How the filter applies: `{0}` is the operand, `{1}`, `{2}` the arguments.
  std::string_view form;
  size_t min_args;
  size_t max_args;
};

// The filters with a faithful Squall form. Jinja's `default` also fires only for an
// undefined value; `??` also for null (documented in docs/migrating-from-stackstorm.md).
// `regex_match` and `first` are applied in ApplyFilter.
constexpr std::array<Filter, 19> kFilters = {{
    {"to_json_string", "to_json({0})", 0, 0},
    {"tojson", "to_json({0})", 0, 0},
    {"to_complex", "to_json({0})", 0, 0},
    {"from_json_string", "from_json({0})", 0, 0},
    {"upper", "upper({0})", 0, 0},
    {"lower", "lower({0})", 0, 0},
    {"trim", "trim({0})", 0, 0},
    {"replace", "replace({0}, {1}, {2})", 2, 2},
    {"int", "int({0})", 0, 0},
    {"float", "float({0})", 0, 0},
    {"string", "string({0})", 0, 0},
    {"join", "join({0}, {1})", 0, 1},
    {"default", "{0} ?? {1}", 1, 1},
    {"d", "{0} ?? {1}", 1, 1},
    {"length", "len({0})", 0, 0},
    {"count", "len({0})", 0, 0},
    // st2's filters: Python's re.search on text, as the `regex` operator.
    {"regex_search", "st2_regex({0}, {1})", 1, 1},
    {"regex_match", "st2_regex({0}, {1})", 1, 1},
    {"first", "{0}[0]", 0, 0},
}};

// Filters StackStorm offers (st2common/util/jinja.py, and Jinja's own) that have no faithful
// Squall form, with the reason the diagnostic gives.
constexpr std::array<std::pair<std::string_view, std::string_view>, 11> kRefusedFilters = {{
    {"regex_replace",
     "Python's re.sub (with `\\1`, `\\g<name>` in the replacement) has no Squall built-in; "
     "`replace` replaces literal text"},
    {"regex_substring", "no Squall built-in returns the text a regular expression matched"},
    {"to_yaml_string", "Squall has no YAML built-ins; `to_json_string` is converted"},
    {"from_yaml_string", "Squall has no YAML built-ins; `from_json_string` is converted"},
    {"json_escape",
     "Python's json.dumps escaping (non-ASCII as `\\uXXXX`) without the quotes has no Squall "
     "form"},
    {"basename", "no Squall built-in takes a path apart"},
    {"dirname", "no Squall built-in takes a path apart"},
    {"use_none",
     "Squall passes null as it is: give the parameter the bare value (`p: event.x`) instead "
     "of a template"},
    {"title", "no Squall built-in capitalizes words"},
    {"last", "Squall has no negative index; use `[n]` with a known position"},
    {"round",
     "no Squall built-in rounds (Jinja's `round` rounds half to even and returns a float)"},
}};

std::string FilterNames() {
  std::string out;
  for (const Filter& f : kFilters) out += (out.empty() ? "" : ", ") + std::string(f.name);
  return out + ", decrypt_kv";
}

// Whether a Python regex starts with a global flag group such as `(?i)` or `(?ms)`.
bool StartsWithGlobalFlags(std::string_view pattern) {
  if (!pattern.starts_with("(?")) return false;
  size_t end = pattern.find_first_not_of("aiLmsux", 2);
  return end != 2 && end != std::string_view::npos && pattern[end] == ')';
}

std::string ApplyForm(std::string_view form, const std::vector<std::string>& args) {
  std::string out;
  for (size_t i = 0; i < form.size(); ++i) {
    if (form[i] == '{' && i + 2 < form.size() && form[i + 2] == '}') {
      out += args[static_cast<size_t>(form[i + 1] - '0')];
      i += 2;
    } else {
      out += form[i];
    }
  }
  return out;
}

class ExprTranslator {
 public:
  ExprTranslator(std::string_view source, TemplateContext context, bool webhook,
                 std::vector<std::string>& top_fields)
      : source_(source),
        lexer_(source),
        context_(context),
        webhook_(webhook),
        top_fields_(top_fields) {
    Advance();
  }

  std::optional<Value> Translate() {
    std::optional<Value> value = Filtered();
    if (!value) return std::nullopt;
    if (tok_.kind != Tok::kEnd) return Unsupported(Describe(tok_) + " is not supported here");
    // The value as Squall renders it: a datastore lookup of a missing key renders "" in
    // StackStorm, null in Squall.
    if (value->kv_key && !value->is_kv_string) value->expr += " ?? \"\"";
    return value;
  }

  const std::optional<Problem>& problem() const { return problem_; }

 private:
  static std::string Describe(const Token& t) {
    switch (t.kind) {
      case Tok::kEnd:
        return "the end";
      case Tok::kBad:
        return t.text;
      case Tok::kString:
        return "a string";
      default:
        return "`" + t.text + "`";
    }
  }

  void Advance() { tok_ = lexer_.Next(); }
  bool IsPunct(std::string_view p) const { return tok_.kind == Tok::kPunct && tok_.text == p; }

  std::nullopt_t Fail(diag::Kind kind, std::vector<std::string> args) {
    if (!problem_) problem_ = Problem{kind, std::move(args)};
    return std::nullopt;
  }
  std::nullopt_t Unsupported(std::string reason) {
    return Fail(diag::Kind::ImportUnsupportedJinja,
                {"{{ " + std::string(source_) + " }}", std::move(reason)});
  }

  std::optional<Value> Filtered() {
    std::optional<Value> value = Primary();
    while (value && IsPunct("|")) {
      Advance();
      if (tok_.kind != Tok::kName) return Unsupported("expected a filter name after `|`");
      std::string name = tok_.text;
      Advance();
      std::vector<std::string> args = {value->expr};
      std::vector<std::optional<std::string>> literals = {std::nullopt};
      if (IsPunct("(")) {
        Advance();
        while (!IsPunct(")")) {
          if (tok_.kind == Tok::kName) {
            // A keyword argument (`default(x, boolean=true)`) changes the meaning.
            Token name_tok = tok_;
            Advance();
            if (IsPunct("=")) {
              return Unsupported("the keyword argument `" + name_tok.text + "=` of filter `" +
                                 name + "` has no Squall equivalent");
            }
            return Unsupported("filter arguments must be literals, found `" + name_tok.text + "`");
          }
          std::optional<Value> arg = Primary();
          if (!arg) return std::nullopt;
          args.push_back(arg->expr);
          literals.push_back(arg->literal);
          if (IsPunct(","))
            Advance();
          else if (!IsPunct(")"))
            return Unsupported("expected `,` or `)` in the arguments of `" + name + "`");
        }
        Advance();
      }
      value = ApplyFilter(name, *value, args, literals);
    }
    return value;
  }

  std::optional<Value> ApplyFilter(const std::string& name, const Value& operand,
                                   std::vector<std::string>& args,
                                   const std::vector<std::optional<std::string>>& literals) {
    if (name == "decrypt_kv") {
      if (!operand.kv_key || args.size() != 1) {
        return Unsupported("`decrypt_kv` applies to a datastore value `st2kv.system.<key>`");
      }
      return Value{.expr = "secret(" + StringLiteral(*operand.kv_key) + ")", .is_kv_string = true};
    }
    for (const auto& [refused, reason] : kRefusedFilters) {
      if (refused == name) {
        return Unsupported("the filter `" + name +
                           "` has no faithful Squall form: " + std::string(reason));
      }
    }
    for (const Filter& filter : kFilters) {
      if (filter.name != name) continue;
      size_t given = args.size() - 1;
      if (given < filter.min_args || given > filter.max_args) {
        return Unsupported("filter `" + name + "` takes " + std::to_string(filter.min_args) +
                           (filter.max_args != filter.min_args
                                ? " to " + std::to_string(filter.max_args)
                                : std::string()) +
                           " argument(s) here, found " + std::to_string(given));
      }
      if (name == "join" && given == 0) args.push_back("\"\"");
      if (name == "regex_match") {
        // re.match is re.search anchored at the start of the text. A global flag group
        // (`(?i)`) must stay first, which the wrapping would break.
        if (!literals[1] || StartsWithGlobalFlags(*literals[1])) {
          return Unsupported(
              "the pattern of `regex_match` must be a string literal without a leading flag "
              "group (`(?i)`)");
        }
        args[1] = StringLiteral("^(?:" + *literals[1] + ")");
      }
      std::string operand_expr = args[0];
      // A datastore value is text in StackStorm: a missing key is "".
      if (operand.kv_key && !operand.is_kv_string) args[0] = operand_expr + " ?? \"\"";
      const bool is_default = filter.form.starts_with("{0} ??");
      bool needs_parens = filter.form.starts_with("{0}") && args[0].find(' ') != std::string::npos;
      if (needs_parens) args[0] = "(" + args[0] + ")";
      // Jinja's `default` makes an undefined operand defined: its paths may be missing.
      std::vector<std::string> paths;
      if (!is_default) paths = operand.paths;
      std::string expr = ApplyForm(filter.form, args);
      // `first` of an empty list is undefined, a render error under StrictUndefined.
      if (name == "first" && !operand.paths.empty()) paths.push_back(expr);
      return Value{.expr = std::move(expr),
                   .is_kv_string = true,
                   .kv_object = is_default && operand.kv_object,
                   .paths = std::move(paths)};
    }
    return Fail(diag::Kind::ImportUnknownFilter, {name, FilterNames()});
  }

  std::optional<Value> Primary() {
    Token t = tok_;
    switch (t.kind) {
      case Tok::kString:
        Advance();
        return Value{.expr = StringLiteral(t.text), .literal = t.text};
      case Tok::kInt:
      case Tok::kFloat: {
        Advance();
        std::string text = t.text;
        if (t.kind == Tok::kFloat && text.find('.') == text.size() - 1) text += "0";
        return Value{.expr = text};
      }
      case Tok::kName:
        return NameValue();
      case Tok::kPunct:
        if (t.text == "(") {
          Advance();
          std::optional<Value> inner = Filtered();
          if (!inner) return std::nullopt;
          if (!IsPunct(")")) return Unsupported("expected `)`");
          Advance();
          inner->expr = "(" + inner->expr + ")";
          return inner;
        }
        [[fallthrough]];
      default:
        return Unsupported(Describe(t) +
                           " is not supported; the import converts variables, "
                           "literals and filters");
    }
  }

  // The steps after a variable: `.name`, `['name']`, `[0]`.
  struct Step {
    std::string field;
    std::optional<long long> index;
  };
  std::optional<std::vector<Step>> Steps() {
    std::vector<Step> steps;
    while (true) {
      if (IsPunct(".")) {
        Advance();
        if (tok_.kind == Tok::kName || tok_.kind == Tok::kInt) {
          steps.push_back({.field = tok_.text});
          Advance();
          continue;
        }
        return Unsupported("expected a name after `.`");
      }
      if (IsPunct("[")) {
        Advance();
        Step step;
        if (tok_.kind == Tok::kString) {
          step.field = tok_.text;
        } else if (tok_.kind == Tok::kInt) {
          step.index = std::stoll(tok_.text);
        } else {
          return Unsupported("only a string or a number can index (`[\"key\"]`, `[0]`)");
        }
        Advance();
        if (!IsPunct("]")) return Unsupported("expected `]`");
        Advance();
        steps.push_back(step);
        continue;
      }
      if (IsPunct("(")) return Unsupported("calls are not supported; use a filter (`x | upper`)");
      return steps;
    }
  }

  std::optional<Value> NameValue() {
    std::string name = tok_.text;
    Advance();
    if (name == "true" || name == "True") return Value{.expr = "true"};
    if (name == "false" || name == "False") return Value{.expr = "false"};
    if (name == "none" || name == "None") return Value{.expr = "null"};
    std::optional<std::vector<Step>> steps = Steps();
    if (!steps) return std::nullopt;
    if (name == "trigger") {
      PathBuilder path(webhook_);
      for (const Step& step : *steps) {
        if (step.index)
          path.Index(*step.index);
        else
          path.Field(step.field);
      }
      if (path.top_field().empty()) return Value{.expr = path.expr()};  // the payload itself
      top_fields_.push_back(path.top_field());
      return Value{.expr = path.expr(), .paths = {path.expr()}};
    }
    if (name == "st2kv" || name == "system") {
      size_t skip = name == "st2kv" ? 1 : 0;
      if (name == "st2kv" && (steps->empty() || steps->front().field != "system")) {
        std::string scope = steps->empty() ? "" : "." + steps->front().field;
        return Fail(diag::Kind::ImportUnsupportedVariable,
                    {"st2kv" + scope,
                     "Squall's key-value store has one scope; use `st2kv.system.<key>` (read "
                     "with `kv(\"<key>\")`)"});
      }
      std::string key;
      for (size_t i = skip; i < steps->size(); ++i) {
        const Step& step = (*steps)[i];
        if (step.index) return Unsupported("a datastore key cannot be indexed");
        key += (key.empty() ? "" : ".") + step.field;
      }
      if (key.empty()) return Unsupported("name a datastore key: `st2kv.system.<key>`");
      return Value{.expr = "kv(" + StringLiteral(key) + ")", .kv_key = key, .kv_object = true};
    }
    if (name == "action_context" || name == "config_context") {
      return Fail(diag::Kind::ImportUnsupportedVariable,
                  {name, name == "action_context"
                             ? "Squall actions do not see their execution context; pass what "
                               "the action needs as a parameter"
                             : "pass pack configuration as parameters, or read it with `kv`"});
    }
    return Unsupported("unknown variable `" + name + "`; templates here see `trigger`" +
                       (context_ == TemplateContext::kActionParameter
                            ? ", `st2kv`, `action_context` and `config_context`"
                            : " and `st2kv`"));
  }

  std::string_view source_;
  Lexer lexer_;
  Token tok_{Tok::kEnd, ""};
  TemplateContext context_;
  bool webhook_;
  std::vector<std::string>& top_fields_;
  std::optional<Problem> problem_;
};

// Escapes literal text for the inside of a Squall quoted string. Only brace pairs are
// special there: a `{` is escaped when a `{` follows it (`interpolation_follows`: the text is
// followed by `{{`), a leading `}` when an interpolation precedes the text.
void AppendEscaped(std::string& out, std::string_view text, bool interpolation_follows = false,
                   bool interpolation_precedes = false) {
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\0':
        out += "\\0";
        break;
      case '{':
        if (i + 1 < text.size() ? text[i + 1] == '{' : interpolation_follows) out += '\\';
        out += '{';
        break;
      case '}':
        if (i == 0 && interpolation_precedes) out += '\\';
        out += '}';
        break;
      default: {
        // Other control characters (C0, DEL, C1, U+2028/2029) are escaped so that the source
        // shows them; invalid UTF-8, which a Squall string cannot hold, becomes U+FFFD.
        source::Utf8Char u = source::DecodeUtf8(text, i);
        if (!u.valid || IsControl(u.code_point)) {
          char buf[16];
          std::snprintf(buf, sizeof buf, "\\u{%X}", static_cast<unsigned>(u.code_point));
          out += buf;
        } else {
          out.append(text.substr(i, u.length));
        }
        i += u.length - 1;
      }
    }
  }
}

}  // namespace

std::string SpellName(std::string_view name) {
  const std::vector<std::string>& keywords = parse::Keywords();
  bool reserved = std::binary_search(keywords.begin(), keywords.end(), name) ||
                  std::find(kPredefined.begin(), kPredefined.end(), name) != kPredefined.end();
  return IsIdentifier(name) && !reserved ? std::string(name) : Backquote(name);
}

std::string SpellAnyName(std::string_view name) {
  return IsIdentifier(name) ? std::string(name) : Backquote(name);
}

std::string SpellDotted(std::string_view ref) {
  std::string out;
  size_t start = 0;
  while (true) {
    size_t dot = ref.find('.', start);
    std::string_view part = ref.substr(start, dot == std::string_view::npos ? dot : dot - start);
    out += start == 0 ? SpellName(part) : "." + SpellAnyName(part);
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

std::string CommentText(std::string_view text) {
  return Sanitize(text, ' ', /*backquote_too=*/false);
}

std::string StringLiteral(std::string_view text) {
  std::string out = "\"";
  AppendEscaped(out, text);
  return out + "\"";
}

std::string RenderPlainPattern(std::string_view text) {
  std::string out = NormalizeNewlines(text);
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

KeyResult TranslateCriteriaKey(std::string_view key, bool webhook) {
  KeyResult result;
  std::string_view path = key.substr(0, key.find('#'));
  auto fail = [&](std::string reason) {
    result.problem = Problem{diag::Kind::ImportUnsupportedPath, {std::string(key), reason}};
    return result;
  };
  size_t pos = 0;
  auto skip_space = [&] {
    while (pos < path.size() && path[pos] == ' ') ++pos;
  };
  auto read_field = [&]() -> std::optional<std::string> {
    skip_space();
    if (pos < path.size() && (path[pos] == '\'' || path[pos] == '"')) {
      char quote = path[pos];
      size_t end = path.find(quote, pos + 1);
      if (end == std::string_view::npos) return std::nullopt;
      std::string field(path.substr(pos + 1, end - pos - 1));
      pos = end + 1;
      return field;
    }
    size_t start = pos;
    // jsonpath_rw's field token: letters, digits, `_`, `@`, `-`.
    while (pos < path.size() && (std::isalnum(static_cast<unsigned char>(path[pos])) ||
                                 path[pos] == '_' || path[pos] == '@' || path[pos] == '-')) {
      ++pos;
    }
    if (pos == start) return std::nullopt;
    return std::string(path.substr(start, pos - start));
  };
  std::optional<std::string> root = read_field();
  if (!root || *root != "trigger") {
    return fail(
        "StackStorm resolves criteria keys from `trigger` (the payload); start it with "
        "`trigger.`");
  }
  PathBuilder builder(webhook);
  while (true) {
    skip_space();
    if (pos >= path.size()) break;
    if (path[pos] == '.') {
      ++pos;
      if (pos < path.size() && (path[pos] == '.' || path[pos] == '*')) {
        return fail(
            "wildcards and recursive descent (`*`, `..`) select several values; the "
            "import converts fields and `[n]` indexes");
      }
      std::optional<std::string> field = read_field();
      if (!field) return fail("expected a field name after `.`");
      builder.Field(*field);
      continue;
    }
    if (path[pos] == '[') {
      size_t end = path.find(']', pos);
      if (end == std::string_view::npos) return fail("`[` is not closed");
      std::string_view inside = path.substr(pos + 1, end - pos - 1);
      while (!inside.empty() && inside.front() == ' ') inside.remove_prefix(1);
      while (!inside.empty() && inside.back() == ' ') inside.remove_suffix(1);
      long long index = 0;
      auto [ptr, ec] = std::from_chars(inside.data(), inside.data() + inside.size(), index);
      if (inside.empty() || ec != std::errc() || ptr != inside.data() + inside.size() ||
          index < 0) {
        return fail("`[" + std::string(inside) +
                    "]` is not a single index; the import converts `[n]` with n >= 0");
      }
      builder.Index(index);
      pos = end + 1;
      continue;
    }
    return fail("unexpected `" + std::string(1, path[pos]) +
                "`; the import converts fields, quoted fields and `[n]` indexes");
  }
  result.expr = builder.expr();
  result.top_field = builder.top_field();
  return result;
}

TemplateResult TranslateTemplate(std::string_view raw_text, TemplateContext context, bool webhook) {
  TemplateResult result;
  std::string text = NormalizeNewlines(raw_text);
  result.is_template = text.find("{{") != std::string::npos ||
                       text.find("{%") != std::string::npos || text.find("{#") != std::string::npos;
  // A rendered template loses one trailing newline; StackStorm renders every criteria pattern
  // but only the parameters that hold `{{` or `{%`.
  if ((result.is_template || context == TemplateContext::kCriteriaPattern) && !text.empty() &&
      text.back() == '\n') {
    text.pop_back();
  }
  std::string body;  // the inside of the string literal
  size_t expressions = 0;
  bool only_expression = true;
  bool last_was_expression = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find('{', pos);
    while (open != std::string::npos && open + 1 < text.size() &&
           std::string_view("{%#").find(text[open + 1]) == std::string_view::npos) {
      open = text.find('{', open + 1);
    }
    if (open == std::string::npos || open + 1 >= text.size()) open = text.size();
    std::string_view literal = std::string_view(text).substr(pos, open - pos);
    if (!literal.empty()) {
      AppendEscaped(body, literal, /*interpolation_follows=*/open + 1 < text.size(),
                    /*interpolation_precedes=*/expressions > 0 && last_was_expression);
      bool blank = literal.find_first_not_of(" \t\n") == std::string_view::npos;
      if (!blank) only_expression = false;
    }
    last_was_expression = false;
    if (open >= text.size()) break;
    char kind = text[open + 1];
    std::string_view closer = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
    size_t close = text.find(closer, open + 2);
    if (close == std::string::npos) {
      result.problem = Problem{diag::Kind::ImportUnsupportedJinja,
                               {std::string(raw_text), "`" + std::string(text, open, 2) +
                                                           "` is not closed; StackStorm fails "
                                                           "to render it"}};
      return result;
    }
    std::string inner = text.substr(open + 2, close - open - 2);
    pos = close + 2;
    if (kind == '#') continue;  // a Jinja comment renders nothing
    if (kind == '%') {
      result.problem = Problem{diag::Kind::ImportUnsupportedJinja,
                               {std::string(raw_text),
                                "`{% ... %}` statements (if, for, set) have no Squall form "
                                "inside a string; write the logic in the rule's condition "
                                "or a workflow"}};
      return result;
    }
    // Jinja's whitespace control (`{{- x -}}`) trims the surrounding text; not converted.
    std::string_view expr_text = inner;
    while (!expr_text.empty() && std::isspace(static_cast<unsigned char>(expr_text.front())))
      expr_text.remove_prefix(1);
    while (!expr_text.empty() && std::isspace(static_cast<unsigned char>(expr_text.back())))
      expr_text.remove_suffix(1);
    if (expr_text.starts_with('-') || expr_text.ends_with('-')) {
      result.problem =
          Problem{diag::Kind::ImportUnsupportedJinja,
                  {std::string(raw_text), "whitespace control `{{-`/`-}}` is not converted"}};
      return result;
    }
    ExprTranslator translator(expr_text, context, webhook, result.top_fields);
    std::optional<Value> value = translator.Translate();
    if (!value) {
      result.problem = translator.problem();
      return result;
    }
    // StackStorm appends `| to_complex` (json.dumps) inside the last `}}` of each line of a
    // criteria pattern (MATCH_CRITERIA is greedy and single-line); a datastore lookup that
    // reaches it unconverted raises (st2#4043).
    size_t line_end = text.find('\n', pos);
    bool last_on_line = std::string_view(text)
                            .substr(pos, line_end == std::string::npos ? line_end : line_end - pos)
                            .find("}}") == std::string_view::npos;
    if (context == TemplateContext::kCriteriaPattern && value->kv_object && last_on_line) {
      result.warnings.push_back(
          Problem{diag::Kind::ImportKvPattern, {"{{ " + std::string(expr_text) + " }}"}});
    }
    ++expressions;
    for (const std::string& path : value->paths) {
      if (std::find(result.required_paths.begin(), result.required_paths.end(), path) ==
          result.required_paths.end()) {
        result.required_paths.push_back(path);
      }
    }
    result.single_expression = value->expr;
    body += "{{" + value->expr + "}}";
    last_was_expression = true;
  }
  if (!(expressions == 1 && only_expression)) result.single_expression.clear();
  result.text = "\"" + body + "\"";
  return result;
}

}  // namespace squall::st2import
