#include "tests/differential/generator.h"

#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <functional>
#include <limits>
#include <set>

namespace squall::difftest {
namespace {

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {  // splitmix64
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(Next() % n); }
  int Range(int lo, int hi) {
    return lo + static_cast<int>(Below(static_cast<size_t>(hi - lo + 1)));
  }
  bool Chance(double p) { return static_cast<double>(Next() >> 11) * 0x1.0p-53 < p; }
  template <class T>
  const T& Pick(const std::vector<T>& v) {
    return v[Below(v.size())];
  }
  template <class T>
  T Of(std::initializer_list<T> list) {
    return *(list.begin() + Below(list.size()));
  }
  std::string Text(std::initializer_list<const char*> list) { return Of(list); }
  // Index drawn with the given relative weights.
  size_t Weighted(std::initializer_list<int> weights) {
    int total = 0;
    for (int w : weights) total += w;
    int x = static_cast<int>(Below(static_cast<size_t>(total)));
    size_t i = 0;
    for (int w : weights) {
      if (x < w) return i;
      x -= w;
      ++i;
    }
    return 0;
  }

 private:
  uint64_t state_;
};

// ---------------------------------------------------------------------------------------------
// Pools. Small on purpose: rules and events draw from the same few values so that many rules
// test the same field against the same constants and events hit them.

// The usual values, and all of them (odd ones: escapes, NUL, braces, and `e` followed by a
// combining acute accent, which is not the same bytes as "é").
const std::vector<std::string> kCommonStrings = {"a",    "b", "c",    "ab",   "web-1",   "web-12",
                                                 "db-2", "é", "café", "日本", "🚨 alert", ""};
const std::vector<std::string> kOddStrings = {
    "WEB-1", "日本語",      "🚨",      "a*b",   "x?y",      "back\\slash", "日aé",
    "日本a", "line\nbreak", "  pad ", "{{x}}", "quote\"d", "tab\there",   "e\xcc\x81"};
const std::vector<std::string> kStrings = [] {
  std::vector<std::string> all = kCommonStrings;
  all.insert(all.end(), kOddStrings.begin(), kOddStrings.end());
  all.push_back(std::string("nul\0byte", 8));
  return all;
}();

// Globs (`like`), with `*`, `?` and `\` escapes.
const std::vector<std::string> kGlobs = {
    "a*", "*b", "*", "", "?", "??", "a?", "web-*", "web-?", "*-1*", "é*", "*日本*", "?本*", "🚨*",
    "a\\*b", "x\\?y", "*\\\\*", "back\\slash", "*\\", "caf?", "?", "*e*", "?*?",
    // `?` after a `*` that backtracked by a byte (GlobMatch), with multi-byte text.
    "*??本*", "*??a*", "*?本", "*??é?", "日?*", "*??", "*??本語"};

// Prefixes, suffixes and substrings.
const std::vector<std::string> kAffixes = {"",   "a", "b", "w",  "web", "web-",
                                           "-1", "1", "é", "日", "本",  "🚨",
                                           "db", "*", "?", "\n", "\\",  "e\xcc\x81"};

// RE2 patterns (valid; RE2 syntax, UTF-8).
const std::vector<std::string> kRegexes = {
    "^a",       "b$",         "^web-\\d+$", "web",      "é",           "^日本",          "本$",
    ".",        "^$",         "^.$",        "(?i)web",  "a|b",         "^\\s",           "\\d{2,}",
    "[^a-z]",   "\\x{1F6A8}", "\\\\",       "^(a|ab)$", "\\*",         "[é日]",          "^.{2}$",
    "\\p{Han}", "^[a-c]+$",   "e\\x{301}",  "",         "(?m)^break$", "(?s)line.break", "\\x00"};

constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();
constexpr int64_t kMinInt = std::numeric_limits<int64_t>::min();
// 2^53 and 2^53 + 1 are the same double, and `==` compares numbers as doubles.
const std::vector<int64_t> kInts = {
    0, 1, 2, 3, 5, 10, 42, 100, 1000, -1, -3, kMaxInt, kMinInt, 9007199254740992, 9007199254740993};

// Floats as Squall spells them (digits on both sides of the point, or an exponent) and their
// value. Negative floats are written with a unary minus or through a constant.
struct FloatValue {
  const char* spelling;
  double value;
};
const std::vector<FloatValue> kFloats = {
    {"0.0", 0.0},     {"0.5", 0.5},       {"1.5", 1.5},
    {"2.5", 2.5},     {"3.0", 3.0},       {"10.0", 10.0},
    {"42.0", 42.0},   {"99.9", 99.9},     {"100.0", 100.0},
    {"1e308", 1e308}, {"2.5e-3", 2.5e-3}, {"9007199254740992.0", 9007199254740992.0},
    {"1e19", 1e19},   {"0.1", 0.1}};

struct DurationValue {
  const char* spelling;
  int64_t ms;
};
const std::vector<DurationValue> kDurations = {
    {"0s", 0},          {"250ms", 250},    {"1s", 1000},     {"30s", 30000},
    {"90s", 90000},     {"1m30s", 90000},  {"5m", 300000},   {"1h", 3600000},
    {"1h30m", 5400000}, {"1.5h", 5400000}, {"1d", 86400000}, {"2d12h", 216000000}};

// RFC 3339 texts (parse_time arguments and event values).
const std::vector<std::string> kTimes = {"2024-05-02T10:00:00Z",      "2024-05-02T10:00:00.250Z",
                                         "2024-05-02t12:00:00+02:00", "2024-05-02 10:00:00",
                                         "2024-05-02T10:30:00-0130",  "1970-01-01T00:00:00Z",
                                         "2024-05-02T09:59:59.999Z",  "2030-01-01T00:00:00Z"};

const std::vector<std::string> kMapKeys = {"team", "env", "x-y", "é", "", "in"};
const std::vector<std::string> kJsonKeys = {"kind", "n", "x", "flag", "tags", "nested", "é", "a"};

// ---------------------------------------------------------------------------------------------
// Text helpers

// Appends the UTF-8 encoding of `cp`.
void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes the code point at text[i] (the pools hold valid UTF-8) and advances i.
uint32_t NextCodePoint(const std::string& text, size_t& i) {
  unsigned char c = static_cast<unsigned char>(text[i]);
  int extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : 3;
  uint32_t cp = extra == 0 ? c : extra == 1 ? (c & 0x1F) : extra == 2 ? (c & 0x0F) : (c & 0x07);
  ++i;
  for (int k = 0; k < extra && i < text.size(); ++k, ++i) {
    cp = (cp << 6) | (static_cast<unsigned char>(text[i]) & 0x3F);
  }
  return cp;
}

std::string Hex(uint32_t v, int width) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%0*x", width, v);
  return buffer;
}

// A Squall string literal whose value is `text`: quoted with escapes (non-ASCII raw or as
// `\u{...}`), raw `r"..."` or triple-quoted, at random.
std::string SquallString(const std::string& text, Rng& rng) {
  bool has_quote = text.find('"') != std::string::npos;
  bool has_control = std::any_of(text.begin(), text.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x20; });
  if (!has_quote && !has_control && rng.Chance(0.15)) return "r\"" + text + "\"";
  bool triple = !text.empty() && text.back() != '"' && rng.Chance(0.05);
  std::string out = triple ? "\"\"\"" : "\"";
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = NextCodePoint(text, i);
    switch (cp) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
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
      case '{':
        out += "\\{";
        break;
      case '}':
        out += "\\}";
        break;
      case '\0':
        out += "\\0";
        break;
      default:
        if (cp < 0x20) {
          out += "\\u{" + Hex(cp, 1) + "}";
          break;
        }
        if (cp >= 0x80 && rng.Chance(0.3)) {
          out += "\\u{" + Hex(cp, 1) + "}";
        } else {
          AppendUtf8(out, cp);
        }
    }
  }
  out += triple ? "\"\"\"" : "\"";
  return out;
}

// A JSON string literal whose value is `text`, with random (valid) escapes.
std::string JsonString(const std::string& text, Rng& rng, double escape_rate = 0.25) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = NextCodePoint(text, i);
    if (cp == '"') {
      out += "\\\"";
    } else if (cp == '\\') {
      out += "\\\\";
    } else if (cp == '\n') {
      out += rng.Chance(0.5) ? "\\n" : "\\u000a";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp < 0x20) {
      out += "\\u" + Hex(cp, 4);
    } else if (cp == '/' && rng.Chance(0.5)) {
      out += "\\/";
    } else if ((cp >= 0x80 && rng.Chance(escape_rate)) || (cp < 0x80 && rng.Chance(0.02))) {
      if (cp >= 0x10000) {
        uint32_t v = cp - 0x10000;
        out += "\\u" + Hex(0xD800 + (v >> 10), 4) + "\\u" + Hex(0xDC00 + (v & 0x3FF), 4);
      } else {
        out += "\\u" + Hex(cp, 4);
      }
    } else {
      AppendUtf8(out, cp);
    }
  }
  return out + "\"";
}

std::vector<std::string> CodePoints(const std::string& text) {
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size();) {
    size_t start = i;
    NextCodePoint(text, i);
    out.push_back(text.substr(start, i - start));
  }
  return out;
}

std::string Join(const std::vector<std::string>& parts, size_t begin, size_t end,
                 const std::function<std::string(const std::string&)>& escape) {
  std::string out;
  for (size_t i = begin; i < end && i < parts.size(); ++i) out += escape(parts[i]);
  return out;
}

std::string GlobEscape(const std::string& cp) {
  return cp == "*" || cp == "?" || cp == "\\" ? "\\" + cp : cp;
}

std::string RegexEscape(const std::string& cp) {
  static const std::string kSpecial = "\\.+*?()|[]{}^$";
  return cp.size() == 1 && kSpecial.find(cp[0]) != std::string::npos ? "\\" + cp : cp;
}

std::string Same(const std::string& cp) { return cp; }

bool IsIdentifier(const std::string& name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// A field or key name as written after `.` or in a declaration: any word, else backquoted.
std::string SourceName(const std::string& name) {
  return IsIdentifier(name) ? name : "`" + name + "`";
}

// ---------------------------------------------------------------------------------------------
// Types and fields

enum class Ty : uint8_t {
  kBool,
  kString,
  kInt,
  kFloat,
  kDuration,
  kTime,
  kJson,
  kListString,
  kListInt,
  kMapString,
  kMapInt,
  kRecord,
};

bool IsScalar(Ty ty) {
  return ty == Ty::kBool || ty == Ty::kString || ty == Ty::kInt || ty == Ty::kFloat ||
         ty == Ty::kDuration || ty == Ty::kTime;
}

struct FieldSpec {
  std::string key;  // the JSON key
  Ty ty = Ty::kString;
  bool optional = false;          // declared `T?`
  std::string default_src;        // `= <this>`; empty for none
  std::vector<FieldSpec> fields;  // kRecord
};

std::string TypeSource(const FieldSpec& f) {
  std::string out;
  switch (f.ty) {
    case Ty::kBool:
      out = "bool";
      break;
    case Ty::kString:
      out = "string";
      break;
    case Ty::kInt:
      out = "int";
      break;
    case Ty::kFloat:
      out = "float";
      break;
    case Ty::kDuration:
      out = "duration";
      break;
    case Ty::kTime:
      out = "time";
      break;
    case Ty::kJson:
      out = "json";
      break;
    case Ty::kListString:
      out = "list<string>";
      break;
    case Ty::kListInt:
      out = "list<int>";
      break;
    case Ty::kMapString:
      out = "map<string>";
      break;
    case Ty::kMapInt:
      out = "map<int>";
      break;
    case Ty::kRecord: {
      out = "{";
      for (size_t i = 0; i < f.fields.size(); ++i) {
        if (i > 0) out += ", ";
        out += SourceName(f.fields[i].key) + ": " + TypeSource(f.fields[i]);
        if (!f.fields[i].default_src.empty()) out += " = " + f.fields[i].default_src;
      }
      out += "}";
      break;
    }
  }
  return f.optional ? out + "?" : out;
}

// One way to read a value from the event: `binding + suffix`.
struct Access {
  std::string suffix;  // `.sev`, `.rec?.a`, `.labels["team"]`, `.j.kind`, `.tags[0]`
  Ty ty = Ty::kString;
  bool opt = false;   // the checker's type is optional
  bool slot = false;  // lowered to a slot of its own (a plain path)
  bool top = false;   // a top-level field of the payload
  bool dflt = false;  // the field has a declared default (present even when the event lacks it)
};

struct TriggerSpec {
  std::string ref;   // the trigger ref of its events
  std::string atom;  // the atom without alias: `svc.alert`, `webhook "deploy"`
  std::vector<FieldSpec> fields;
  std::vector<Access> accesses;
  std::vector<Access> hot;  // plain scalar (or json) slots most indexable rules test
};

// Every access of a field (and of its parts) from the payload root.
void CollectAccesses(const FieldSpec& f, const std::string& prefix, bool parent_opt, bool via_safe,
                     std::vector<Access>& out) {
  bool opt = parent_opt || (f.optional && f.default_src.empty());
  std::string self = prefix + (via_safe ? "?." : ".") + SourceName(f.key);
  out.push_back(Access{.suffix = self,
                       .ty = f.ty,
                       .opt = opt,
                       .slot = true,
                       .top = prefix.empty(),
                       .dflt = !f.default_src.empty()});
  switch (f.ty) {
    case Ty::kRecord: {
      bool record_opt = opt;
      for (const FieldSpec& sub : f.fields) {
        CollectAccesses(sub, self, record_opt, record_opt, out);
      }
      break;
    }
    case Ty::kMapString:
    case Ty::kMapInt: {
      Ty element = f.ty == Ty::kMapString ? Ty::kString : Ty::kInt;
      for (const std::string& key : kMapKeys) {
        std::string index = "[\"" + key + "\"]";
        out.push_back(Access{.suffix = self + index, .ty = element, .opt = true, .slot = true});
        if (IsIdentifier(key)) {
          out.push_back(
              Access{.suffix = self + "." + key, .ty = element, .opt = true, .slot = true});
        }
      }
      break;
    }
    case Ty::kListString:
    case Ty::kListInt: {
      Ty element = f.ty == Ty::kListString ? Ty::kString : Ty::kInt;
      out.push_back(Access{.suffix = self + "[0]", .ty = element, .opt = true});
      out.push_back(Access{.suffix = self + "[1]", .ty = element, .opt = true});
      break;
    }
    case Ty::kJson: {
      for (const char* sub : {".kind", "[\"kind\"]", ".n", ".x", ".flag", ".tags", ".nested.x",
                              ".nested.kind", "[\"é\"]", ".`é`", ".a"}) {
        out.push_back(Access{.suffix = self + sub, .ty = Ty::kJson, .slot = true});
      }
      for (const char* sub : {"[0]", ".tags[0]", ".tags[1]"}) {
        out.push_back(Access{.suffix = self + sub, .ty = Ty::kJson});
      }
      break;
    }
    default:
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// Generated expressions

// Precedence levels (docs/language.md, "Precedence"), tightest first.
enum Prec : int {
  kPrimary = 0,
  kUnary = 1,
  kMul = 2,
  kAdd = 3,
  kCoalesce = 4,
  kCompare = 5,
  kNot = 6,
  kAnd = 7,
  kOr = 8,
};

struct Ex {
  std::string src;
  Ty ty = Ty::kBool;
  bool opt = false;  // the checker's type may be absent (optional)
  int prec = kPrimary;
};

// `e` as an operand that must bind at least as tightly as `max`.
std::string Operand(const Ex& e, int max) { return e.prec <= max ? e.src : "(" + e.src + ")"; }

Ex Binary(const Ex& lhs, const std::string& op, const Ex& rhs, int prec, Ty ty, bool opt = false) {
  // Left-associative levels take an equal level on the left only; comparisons chain nowhere.
  int left_max = prec == kCompare ? kCompare - 1 : prec;
  return Ex{.src = Operand(lhs, left_max) + " " + op + " " + Operand(rhs, prec - 1),
            .ty = ty,
            .opt = opt,
            .prec = prec};
}

Ex Call(const std::string& name, const std::vector<Ex>& args, Ty ty) {
  std::string src = name + "(";
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) src += ", ";
    src += args[i].src;
  }
  return Ex{.src = src + ")", .ty = ty, .prec = kPrimary};
}

// A named constant of the program.
struct NamedConst {
  std::string name;
  Ty ty;
  bool pattern_glob = false;   // a string meant for `like`
  bool pattern_regex = false;  // a string meant for `matches`
  bool list = false;           // a list of strings (ty kListString) or numbers (kListInt)
  bool map = false;            // a map (ty kMapInt): `key in c`, `c contains key`
};

}  // namespace

// ---------------------------------------------------------------------------------------------

struct Generator::Impl {
  Impl(uint64_t program_seed, GeneratorOptions generator_options)
      : rng(program_seed), seed(program_seed), options(generator_options) {}

  Rng rng;
  uint64_t seed;
  GeneratorOptions options;
  std::vector<TriggerSpec> triggers;
  std::vector<NamedConst> consts;
  // This program's favourite constants: most rules and event values draw from these.
  std::vector<std::string> hot_strings;
  std::vector<int64_t> hot_ints;
  std::vector<size_t> hot_floats;     // into kFloats
  std::vector<size_t> hot_durations;  // into kDurations
  std::vector<std::string> hot_globs, hot_affixes, hot_regexes;
  // Large mode, some programs: standard rules only test present values (no `!=`, `not`,
  // `== null`), so that sparse events match none of them and reach the backstop rules.
  bool positive_standard = false;
  bool positive = false;  // the rule being generated is such a rule
  // The trigger and binding of the rule being generated.
  const TriggerSpec* trigger = nullptr;
  std::string binding = "event";

  // ---- pools --------------------------------------------------------------------------------

  const std::string& AnyString() {
    return rng.Chance(0.85) ? rng.Pick(hot_strings) : rng.Pick(kStrings);
  }
  // Numbers are drawn less often from the hot values than strings: thresholds need values on
  // both sides of them.
  int64_t AnyInt() { return rng.Chance(0.65) ? rng.Pick(hot_ints) : rng.Pick(kInts); }
  const FloatValue& AnyFloat() {
    return kFloats[rng.Chance(0.65) ? rng.Pick(hot_floats) : rng.Below(kFloats.size())];
  }
  const DurationValue& AnyDuration() {
    return kDurations[rng.Chance(0.65) ? rng.Pick(hot_durations) : rng.Below(kDurations.size())];
  }
  const std::string& AnyGlob() { return rng.Chance(0.85) ? rng.Pick(hot_globs) : rng.Pick(kGlobs); }
  const std::string& AnyAffix() {
    return rng.Chance(0.85) ? rng.Pick(hot_affixes) : rng.Pick(kAffixes);
  }
  const std::string& AnyRegex() {
    return rng.Chance(0.85) ? rng.Pick(hot_regexes) : rng.Pick(kRegexes);
  }

  template <class T>
  std::vector<T> Subset(const std::vector<T>& pool, int lo, int hi) {
    std::vector<T> out;
    int n = rng.Range(lo, hi);
    for (int i = 0; i < n; ++i) out.push_back(rng.Pick(pool));
    return out;
  }
  std::vector<size_t> IndexSubset(size_t size, int lo, int hi) {
    std::vector<size_t> out;
    int n = rng.Range(lo, hi);
    for (int i = 0; i < n; ++i) out.push_back(rng.Below(size));
    return out;
  }

  // Distinct elements of `pool`.
  template <class T>
  std::vector<T> DistinctSubset(const std::vector<T>& pool, int lo, int hi) {
    std::vector<T> out;
    int n = std::min<int>(rng.Range(lo, hi), static_cast<int>(pool.size()));
    while (static_cast<int>(out.size()) < n) {
      const T& pick = rng.Pick(pool);
      if (std::find(out.begin(), out.end(), pick) == out.end()) out.push_back(pick);
    }
    return out;
  }

  // Patterns derived from a string, so that they match some of the values events carry.
  std::string AffixOf(const std::string& text) {
    std::vector<std::string> cps = CodePoints(text);
    if (cps.empty()) return "";
    size_t n = cps.size();
    size_t a = rng.Below(n), b = a + 1 + rng.Below(n - a);
    switch (rng.Below(3)) {
      case 0:
        return Join(cps, 0, b, Same);  // prefix
      case 1:
        return Join(cps, a, n, Same);  // suffix
      default:
        return Join(cps, a, b, Same);  // infix
    }
  }
  std::string GlobOf(const std::string& text) {
    std::vector<std::string> cps = CodePoints(text);
    size_t n = cps.size();
    if (n == 0) return rng.Chance(0.5) ? "" : "*";
    size_t a = rng.Below(n), b = a + 1 + rng.Below(n - a);
    switch (rng.Below(7)) {
      case 0:
        return Join(cps, 0, b, GlobEscape) + "*";
      case 1:
        return "*" + Join(cps, a, n, GlobEscape);
      case 2:
        return "*" + Join(cps, a, b, GlobEscape) + "*";
      case 3:  // one code point as `?`
        return Join(cps, 0, a, GlobEscape) + "?" + Join(cps, a + 1, n, GlobEscape);
      case 4:
        return Join(cps, 0, n, GlobEscape);
      case 5:
        return Join(cps, 0, a, GlobEscape) + "?*";
      default:  // `*`, one or two `?`, then a suffix
        return "*" + std::string(rng.Range(1, 2), '?') +
               Join(cps, std::max<size_t>(a, 1), n, GlobEscape);
    }
  }
  std::string RegexOf(const std::string& text) {
    std::vector<std::string> cps = CodePoints(text);
    size_t n = cps.size();
    if (n == 0) return "^$";
    size_t a = rng.Below(n), b = a + 1 + rng.Below(n - a);
    switch (rng.Below(7)) {
      case 0:
        return "^" + Join(cps, 0, b, RegexEscape);
      case 1:
        return Join(cps, a, n, RegexEscape) + "$";
      case 2:
        return "^" + Join(cps, 0, n, RegexEscape) + "$";
      case 3:
        return Join(cps, a, b, RegexEscape);
      case 4:
        return "(?i)^" + Join(cps, 0, b, RegexEscape);
      case 5:
        return "^" + Join(cps, 0, a, RegexEscape) + ".*";
      default:
        return "^.{" + std::to_string(n) + "}$";
    }
  }

  // ---- literals -----------------------------------------------------------------------------

  Ex StringLit(const std::string& text) {
    return Ex{.src = SquallString(text, rng), .ty = Ty::kString};
  }
  // An int constant: a literal (a negative one is `-n`, which lowers to an operation, not a
  // constant) or a named constant.
  Ex IntLit(int64_t v) {
    if (v == kMinInt) {
      return Ex{.src = "(-9223372036854775807 - 1)", .ty = Ty::kInt};
    }
    if (v < 0) return Ex{.src = "-" + std::to_string(-v), .ty = Ty::kInt, .prec = kUnary};
    std::string digits = std::to_string(v);
    if (digits.size() > 3 && rng.Chance(0.2)) {  // digit separators
      std::string grouped;
      for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) grouped += '_';
        grouped += digits[i];
      }
      digits = grouped;
    }
    return Ex{.src = digits, .ty = Ty::kInt};
  }
  Ex FloatLit(const FloatValue& f) { return Ex{.src = f.spelling, .ty = Ty::kFloat}; }
  Ex DurationLit(const DurationValue& d) { return Ex{.src = d.spelling, .ty = Ty::kDuration}; }

  // A constant of `ty` (a literal or a named constant).
  Ex Const(Ty ty) {
    std::vector<const NamedConst*> named;
    for (const NamedConst& c : consts) {
      if (c.ty == ty && !c.pattern_glob && !c.pattern_regex) named.push_back(&c);
    }
    if (!named.empty() && rng.Chance(0.15)) {
      return Ex{.src = rng.Pick(named)->name, .ty = ty};
    }
    switch (ty) {
      case Ty::kBool:
        return Ex{.src = rng.Chance(0.5) ? "true" : "false", .ty = Ty::kBool};
      case Ty::kString:
        return StringLit(AnyString());
      case Ty::kInt:
        return IntLit(AnyInt());
      case Ty::kFloat:
        return FloatLit(AnyFloat());
      case Ty::kDuration:
        return DurationLit(AnyDuration());
      case Ty::kTime:
        return Call("parse_time", {StringLit(rng.Pick(kTimes))}, Ty::kTime);
      case Ty::kJson:
        return Call("from_json", {StringLit(RandomJsonText(2))}, Ty::kJson);
      case Ty::kListString:
        return ConstList(Ty::kString);
      case Ty::kListInt:
        return ConstList(Ty::kInt);
      default:
        return Ex{.src = "null", .ty = ty, .opt = true};
    }
  }

  // `[c1, c2, ...]` of constants fitting `element` (numbers mix ints and floats).
  Ex ConstList(Ty element) {
    int n = rng.Weighted({1, 6, 6, 3, 1}) + (rng.Chance(0.05) ? 6 : 0);
    std::string src = "[";
    for (int i = 0; i < n; ++i) {
      if (i > 0) src += ", ";
      Ex e = element == Ty::kInt && rng.Chance(0.2) ? FloatLit(AnyFloat()) : Const(element);
      src += e.src;
    }
    if (n > 0 && rng.Chance(0.1)) src += ",";
    return Ex{.src = src + "]", .ty = element == Ty::kString ? Ty::kListString : Ty::kListInt};
  }

  // A random JSON document (for from_json and event json fields).
  std::string RandomJsonText(int depth) {
    size_t choice = rng.Weighted({5, 3, 2, 1, 1, depth > 0 ? 3 : 0, depth > 0 ? 4 : 0});
    switch (choice) {
      case 0:
        return JsonString(AnyString(), rng);
      case 1:
        return std::to_string(AnyInt());
      case 2:
        return rng.Chance(0.5) ? std::to_string(AnyInt()) + ".0" : FloatJson(AnyFloat().value);
      case 3:
        return rng.Chance(0.5) ? "true" : "false";
      case 4:
        return "null";
      case 5: {
        std::string out = "[";
        int n = rng.Range(0, 3);
        for (int i = 0; i < n; ++i) out += (i > 0 ? "," : "") + RandomJsonText(depth - 1);
        return out + "]";
      }
      default: {
        std::string out = "{";
        int n = rng.Range(0, 4);
        for (int i = 0; i < n; ++i) {
          if (i > 0) out += ", ";
          out += JsonString(rng.Pick(kJsonKeys), rng) + ": " + RandomJsonText(depth - 1);
        }
        return out + "}";
      }
    }
  }

  static std::string FloatJson(double v) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.17g", v);
    std::string out = buffer;
    if (out.find_first_of(".eEn") == std::string::npos) out += ".0";
    return out;
  }

  // ---- accesses -----------------------------------------------------------------------------

  Ex FromAccess(const Access& a) {
    return Ex{.src = binding + a.suffix, .ty = a.ty, .opt = a.opt, .prec = kPrimary};
  }
  // An access of type `ty`, top-level fields first (map lookups and json paths, of which
  // there are many, are mostly absent in events).
  const Access* FindAccess(Ty ty, bool slot_only = false) {
    std::vector<const Access*> top, nested;
    for (const Access& a : trigger->accesses) {
      if (a.ty == ty && (!slot_only || a.slot)) (a.top ? top : nested).push_back(&a);
    }
    if (!top.empty() && (nested.empty() || rng.Chance(0.7))) return rng.Pick(top);
    return nested.empty() ? nullptr : rng.Pick(nested);
  }
  // A present value: `x ?? default` when x may be absent.
  Ex Present(const Ex& e) {
    if (!e.opt) return e;
    Ex d = Const(e.ty);
    return Binary(e, "??", d, kCoalesce, e.ty, false);
  }

  // ---- values -------------------------------------------------------------------------------

  // A value of `ty`. With `need_present`, the checker's type is not optional (arithmetic and
  // built-in arguments require it).
  Ex Value(Ty ty, bool need_present, int depth) {
    // A field of the event, a constant, or (with depth left) an operation.
    size_t choice = rng.Weighted({10, 4, depth > 0 ? 4 : 0});
    if (choice == 0) {
      const Access* a = FindAccess(ty);
      if (ty == Ty::kJson || a == nullptr || rng.Chance(0.1)) {
        // json can stand for any value
        const Access* j = FindAccess(Ty::kJson);
        if (j != nullptr && (a == nullptr || rng.Chance(0.3)) &&
            (ty == Ty::kString || ty == Ty::kInt || ty == Ty::kFloat || ty == Ty::kJson ||
             ty == Ty::kBool)) {
          return FromAccess(*j);
        }
      }
      if (a != nullptr) {
        Ex e = FromAccess(*a);
        return need_present ? Present(e) : e;
      }
      return Const(ty);
    }
    if (choice == 1) return Const(ty);
    return Operation(ty, need_present, depth - 1);
  }

  Ex Operation(Ty ty, bool need_present, int depth) {
    auto v = [&](Ty t) { return Value(t, true, depth); };
    auto any = [&]() {
      return Value(rng.Of<Ty>({Ty::kString, Ty::kInt, Ty::kFloat, Ty::kDuration, Ty::kTime,
                               Ty::kBool, Ty::kJson, Ty::kListString}),
                   false, depth);
    };
    switch (ty) {
      case Ty::kString:
        switch (rng.Below(11)) {
          case 0:
            return Call("lower", {v(Ty::kString)}, ty);
          case 1:
            return Call("upper", {v(Ty::kString)}, ty);
          case 2:
            return Call("trim", {v(Ty::kString)}, ty);
          case 3:
            return Call("replace", {v(Ty::kString), StringLit(AnyAffix()), StringLit(AnyAffix())},
                        ty);
          case 4:
            return Binary(v(Ty::kString), "+", v(Ty::kString), kAdd, ty);
          case 5:
            return Call("string", {any()}, ty);
          case 6: {
            // Interpolation: a concat node.
            Ex a = any();
            std::string src = "\"" + std::string(rng.Chance(0.5) ? "" : "w") + "{{" + a.src + "}}";
            if (rng.Chance(0.5)) src += "-{{" + any().src + "}}";
            return Ex{.src = src + "\"", .ty = ty};
          }
          case 7:
            return Call("join",
                        {v(rng.Chance(0.5) ? Ty::kListString : Ty::kListInt),
                         StringLit(rng.Chance(0.5) ? "," : "")},
                        ty);
          case 8:
            return Call("format_time",
                        {v(Ty::kTime), StringLit(rng.Text({"%Y-%m-%d", "%H", "%H:%M:%S", ""}))},
                        ty);
          case 9:
            return Call(rng.Chance(0.5) ? "min" : "max", {v(Ty::kString), v(Ty::kString)}, ty);
          default:
            return Call("to_json", {any()}, ty);
        }
      case Ty::kInt:
        switch (rng.Below(9)) {
          case 0: {
            Ty t = rng.Of<Ty>({Ty::kString, Ty::kListString, Ty::kListInt});
            const Access* m = FindAccess(rng.Chance(0.5) ? Ty::kMapString : Ty::kMapInt);
            if (m != nullptr && !m->opt && rng.Chance(0.3))
              return Call("len", {FromAccess(*m)}, ty);
            return Call("len", {v(t)}, ty);
          }
          case 1:
            return Call("int", {v(rng.Chance(0.5) ? Ty::kString : Ty::kFloat)}, ty);
          case 2:
            return Call("abs", {v(Ty::kInt)}, ty);
          case 3:
            return Binary(v(Ty::kInt), "+", v(Ty::kInt), kAdd, ty);
          case 4:
            return Binary(v(Ty::kInt), "-", v(Ty::kInt), kAdd, ty);
          case 5:
            return Binary(v(Ty::kInt), "*", v(Ty::kInt), kMul, ty);
          case 6:
            return Binary(v(Ty::kInt), "%", v(Ty::kInt), kMul, ty);
          case 7:
            return Ex{.src = "-" + Operand(v(Ty::kInt), kPrimary), .ty = ty, .prec = kUnary};
          default:
            return Call(rng.Chance(0.5) ? "min" : "max", {v(Ty::kInt), v(Ty::kInt)}, ty);
        }
      case Ty::kFloat:
        switch (rng.Below(9)) {
          case 0:
            return Call("float", {v(rng.Chance(0.5) ? Ty::kString : Ty::kInt)}, ty);
          case 1:
            return Call("seconds", {v(Ty::kDuration)}, ty);
          case 2:
            return Binary(v(Ty::kFloat), "*", v(Ty::kFloat), kMul, ty);
          case 3:
            return Binary(v(Ty::kFloat), "+", v(Ty::kInt), kAdd, ty);
          case 4:
            return Binary(v(Ty::kInt), "/", v(Ty::kInt), kMul, ty);
          case 5:
            return Binary(v(Ty::kDuration), "/", v(Ty::kDuration), kMul, ty);
          case 6:
            return Call("abs", {v(Ty::kFloat)}, ty);
          case 7:
            return Binary(v(Ty::kFloat), "%", v(Ty::kFloat), kMul, ty);
          default:
            return Binary(v(Ty::kFloat), "-", v(Ty::kFloat), kAdd, ty);
        }
      case Ty::kDuration:
        switch (rng.Below(8)) {
          case 0:
            return Binary(v(Ty::kDuration), "+", v(Ty::kDuration), kAdd, ty);
          case 1:
            return Binary(v(Ty::kDuration), "-", v(Ty::kDuration), kAdd, ty);
          case 2:
            return Binary(v(Ty::kDuration), "*", v(rng.Chance(0.5) ? Ty::kInt : Ty::kFloat), kMul,
                          ty);
          case 3:
            return Binary(v(Ty::kDuration), "/", v(rng.Chance(0.5) ? Ty::kInt : Ty::kFloat), kMul,
                          ty);
          case 4:
            return Binary(v(Ty::kDuration), "%", v(Ty::kDuration), kMul, ty);
          case 5:
            return Binary(v(Ty::kTime), "-", v(Ty::kTime), kAdd, ty);
          case 6:
            return Call("abs", {v(Ty::kDuration)}, ty);
          default:
            return Call("min", {v(Ty::kDuration), v(Ty::kDuration)}, ty);
        }
      case Ty::kTime:
        switch (rng.Below(4)) {
          case 0:
            return Binary(v(Ty::kTime), "+", v(Ty::kDuration), kAdd, ty);
          case 1:
            return Binary(v(Ty::kTime), "-", v(Ty::kDuration), kAdd, ty);
          case 2:
            return Call("max", {v(Ty::kTime), v(Ty::kTime)}, ty);
          default:
            return Call("parse_time", {v(Ty::kString)}, ty);
        }
      case Ty::kJson:
        switch (rng.Below(3)) {
          case 0:
            return Call("from_json", {v(Ty::kString)}, ty);
          case 1:
            return Call("kv", {StringLit("k")}, ty);
          default:
            return Value(Ty::kJson, need_present, 0);
        }
      case Ty::kListString:
        switch (rng.Below(3)) {
          case 0:
            return Call("split", {v(Ty::kString), StringLit(rng.Chance(0.5) ? "-" : "")}, ty);
          case 1: {
            const Access* m = FindAccess(Ty::kMapString);
            if (m != nullptr && !m->opt) return Call("keys", {FromAccess(*m)}, ty);
            return ConstList(Ty::kString);
          }
          default:
            return Binary(v(Ty::kListString), "+", v(Ty::kListString), kAdd, ty);
        }
      case Ty::kListInt: {
        const Access* m = FindAccess(Ty::kMapInt);
        if (m != nullptr && !m->opt && rng.Chance(0.5)) return Call("values", {FromAccess(*m)}, ty);
        return Binary(v(Ty::kListInt), "+", v(Ty::kListInt), kAdd, ty);
      }
      case Ty::kBool:
        return Condition(depth);
      default:
        return Const(ty);
    }
  }

  // ---- conditions ---------------------------------------------------------------------------

  Ex Condition(int depth) {
    size_t choice = rng.Weighted({10, depth > 0 ? 3 : 0, depth > 0 ? 3 : 0, depth > 0 ? 2 : 0, 4});
    switch (choice) {
      case 1:
      case 2: {
        // `and` / `or` of 2-3 conditions.
        bool is_and = choice == 1;
        int n = rng.Range(2, 3);
        Ex out = Condition(depth - 1);
        for (int i = 1; i < n; ++i) {
          out = Binary(out, is_and ? "and" : "or", Condition(depth - 1), is_and ? kAnd : kOr,
                       Ty::kBool);
        }
        if (rng.Chance(0.3)) out = Ex{.src = "(" + out.src + ")", .ty = Ty::kBool};
        return out;
      }
      case 3: {
        Ex inner = Condition(depth - 1);
        return Ex{.src = "not " + Operand(inner, kCompare), .ty = Ty::kBool, .prec = kNot};
      }
      case 4:
        return Indexable();
      default:
        return Predicate(depth);
    }
  }

  // A leaf test: comparison, membership, string predicate, presence, a boolean value.
  Ex Predicate(int depth) {
    int d = depth > 0 ? depth - 1 : 0;
    switch (rng.Weighted({12, 3, 4, 5, 3, 2})) {
      case 0:
        return Comparison(d);
      case 1: {  // presence
        Ex x = Value(rng.Of<Ty>({Ty::kString, Ty::kInt, Ty::kFloat, Ty::kJson, Ty::kDuration,
                                 Ty::kTime, Ty::kBool}),
                     false, d);
        if (const Access* r = FindAccess(Ty::kRecord); r != nullptr && rng.Chance(0.2)) {
          x = FromAccess(*r);
        }
        switch (rng.Below(5)) {
          case 0:
            return Binary(x, "==", Ex{.src = "null"}, kCompare, Ty::kBool);
          case 1:
            return Binary(x, "!=", Ex{.src = "null"}, kCompare, Ty::kBool);
          case 2:
            return Binary(Ex{.src = "null"}, "==", x, kCompare, Ty::kBool);
          case 3:
            return Ex{.src = "not exists(" + x.src + ")", .ty = Ty::kBool, .prec = kNot};
          default:
            return Ex{.src = "exists(" + x.src + ")", .ty = Ty::kBool};
        }
      }
      case 2:
        return Membership(d);
      case 3:
        return StringPredicate(d);
      case 4: {  // a boolean value as the condition
        if (rng.Chance(0.5)) {
          if (const Access* b = FindAccess(Ty::kBool)) return FromAccess(*b);
        }
        if (const Access* j = FindAccess(Ty::kJson, true); j != nullptr && rng.Chance(0.7)) {
          return FromAccess(*j);
        }
        return Ex{.src = rng.Chance(0.8) ? "true" : "false", .ty = Ty::kBool};
      }
      default:
        return Indexable();
    }
  }

  Ex Comparison(int depth) {
    static const std::vector<std::string> kOrderOps = {"==", "!=", "<", "<=", ">", ">="};
    // The domain both sides belong to.
    size_t domain = rng.Weighted({5, 4, 3, 3, 2, 2, 3, 1, 1});
    Ty lhs_ty = Ty::kString, rhs_ty = Ty::kString;
    bool ordered = true;
    switch (domain) {
      case 0:
        break;  // strings
      case 1:
        lhs_ty = rhs_ty = Ty::kInt;
        break;
      case 2:
        lhs_ty = rhs_ty = Ty::kFloat;
        break;
      case 3:  // int with float
        lhs_ty = rng.Chance(0.5) ? Ty::kInt : Ty::kFloat;
        rhs_ty = lhs_ty == Ty::kInt ? Ty::kFloat : Ty::kInt;
        break;
      case 4:
        lhs_ty = rhs_ty = Ty::kDuration;
        break;
      case 5:
        lhs_ty = rhs_ty = Ty::kTime;
        break;
      case 6:  // json with a scalar (or json)
        lhs_ty = Ty::kJson;
        rhs_ty = rng.Of<Ty>({Ty::kString, Ty::kInt, Ty::kFloat, Ty::kJson});
        break;
      case 7:
        lhs_ty = rhs_ty = Ty::kBool;
        ordered = false;
        break;
      default:
        lhs_ty = rhs_ty = rng.Chance(0.5) ? Ty::kListString : Ty::kListInt;
        ordered = false;
        break;
    }
    Ex lhs = Value(lhs_ty, false, depth);
    Ex rhs = Value(rhs_ty, false, depth);
    if (rng.Chance(0.5)) std::swap(lhs, rhs);
    const std::string& op = ordered ? rng.Pick(kOrderOps) : (rng.Chance(0.6) ? "==" : "!=");
    return Binary(lhs, op, rhs, kCompare, Ty::kBool);
  }

  Ex Membership(int depth) {
    switch (rng.Below(7)) {
      case 0: {  // x in [constants]
        Ty t = rng.Of<Ty>({Ty::kString, Ty::kInt, Ty::kFloat, Ty::kJson});
        Ex x = Value(t, false, depth);
        Ex list = ConstList(t == Ty::kString                    ? Ty::kString
                            : t == Ty::kJson && rng.Chance(0.5) ? Ty::kString
                                                                : Ty::kInt);
        return Binary(x, rng.Chance(0.8) ? "in" : "not in", list, kCompare, Ty::kBool);
      }
      case 1: {  // item in a list field (or list value)
        bool strings = rng.Chance(0.6);
        Ex list = Value(strings ? Ty::kListString : Ty::kListInt, false, depth);
        Ex item = Value(strings ? Ty::kString : Ty::kInt, false, depth);
        return rng.Chance(0.5) ? Binary(item, "in", list, kCompare, Ty::kBool)
                               : Binary(list, "contains", item, kCompare, Ty::kBool);
      }
      case 2: {  // key in a map
        const Access* m = FindAccess(rng.Chance(0.5) ? Ty::kMapString : Ty::kMapInt);
        if (m == nullptr) m = FindAccess(Ty::kMapString);
        if (m == nullptr) return Comparison(depth);
        Ex key = rng.Chance(0.7) ? StringLit(rng.Pick(kMapKeys)) : Value(Ty::kString, false, depth);
        return rng.Chance(0.5) ? Binary(key, "in", FromAccess(*m), kCompare, Ty::kBool)
                               : Binary(FromAccess(*m), "contains", key, kCompare, Ty::kBool);
      }
      case 3: {  // substring
        Ex s = Value(Ty::kString, false, depth);
        Ex sub = rng.Chance(0.6) ? StringLit(AnyAffix()) : Value(Ty::kString, false, depth);
        return rng.Chance(0.5) ? Binary(sub, "in", s, kCompare, Ty::kBool)
                               : Binary(s, "contains", sub, kCompare, Ty::kBool);
      }
      case 4: {  // json collection: list, map or string at run time
        const Access* j = FindAccess(Ty::kJson);
        if (j == nullptr) return Comparison(depth);
        Ex item = rng.Chance(0.7) ? Const(rng.Chance(0.7) ? Ty::kString : Ty::kInt)
                                  : Value(Ty::kString, false, depth);
        return rng.Chance(0.5) ? Binary(item, "in", FromAccess(*j), kCompare, Ty::kBool)
                               : Binary(FromAccess(*j), "contains", item, kCompare, Ty::kBool);
      }
      case 5: {  // named constant list or map
        for (const NamedConst& c : consts) {
          if (c.map && rng.Chance(0.7)) {
            Ex key = Value(rng.Chance(0.8) ? Ty::kString : Ty::kJson, false, depth);
            return rng.Chance(0.7)
                       ? Binary(key, "in", Ex{.src = c.name}, kCompare, Ty::kBool)
                       : Binary(Ex{.src = c.name}, "contains", key, kCompare, Ty::kBool);
          }
          if (c.list && rng.Chance(0.5)) {
            Ex x = Value(c.ty == Ty::kListString ? Ty::kString : Ty::kFloat, false, depth);
            return Binary(x, rng.Chance(0.8) ? "in" : "not in", Ex{.src = c.name}, kCompare,
                          Ty::kBool);
          }
        }
        return Indexable();
      }
      default: {  // mixed-kind constant list: compared as json
        Ex x = Value(rng.Of<Ty>({Ty::kString, Ty::kInt, Ty::kJson}), false, depth);
        std::string list = "[" + Const(Ty::kString).src + ", " + Const(Ty::kInt).src +
                           (rng.Chance(0.3) ? ", null" : "") + "]";
        return Binary(x, "in", Ex{.src = list}, kCompare, Ty::kBool);
      }
    }
  }

  // The pattern operand of like/matches: a literal, a named constant or another value.
  Ex PatternOperand(bool regex, int depth) {
    if (rng.Chance(0.15)) {
      std::vector<const NamedConst*> named;
      for (const NamedConst& c : consts) {
        if (regex ? c.pattern_regex : c.pattern_glob) named.push_back(&c);
      }
      if (!named.empty()) return Ex{.src = rng.Pick(named)->name, .ty = Ty::kString};
    }
    if (rng.Chance(0.1)) return Value(Ty::kString, false, depth);
    return StringLit(regex ? AnyRegex() : AnyGlob());
  }

  Ex StringPredicate(int depth) {
    Ex s = Value(rng.Chance(0.85) ? Ty::kString : Ty::kJson, false, depth);
    switch (rng.Below(4)) {
      case 0:
        return Binary(s, "like", PatternOperand(false, depth), kCompare, Ty::kBool);
      case 1:
        return Binary(s, "matches", PatternOperand(true, depth), kCompare, Ty::kBool);
      case 2:
        return Binary(s, "startswith",
                      rng.Chance(0.85) ? StringLit(AnyAffix()) : Value(Ty::kString, false, depth),
                      kCompare, Ty::kBool);
      default:
        return Binary(s, "endswith",
                      rng.Chance(0.85) ? StringLit(AnyAffix()) : Value(Ty::kString, false, depth),
                      kCompare, Ty::kBool);
    }
  }

  // `slot OP constant`: what a native matcher's index covers. Mostly on the trigger's few hot
  // slots, with the program's few hot constants.
  Ex Indexable() {
    const Access* a = nullptr;
    if (!trigger->hot.empty() && rng.Chance(0.85)) a = &rng.Pick(trigger->hot);
    if (a == nullptr || (positive && a->dflt)) {
      std::vector<const Access*> slots;
      for (const Access& x : trigger->accesses) {
        if (x.slot && (IsScalar(x.ty) || x.ty == Ty::kJson) && !(positive && x.dflt)) {
          slots.push_back(&x);
        }
      }
      if (slots.empty()) return Ex{.src = "false", .ty = Ty::kBool};
      a = rng.Pick(slots);
    }
    Ex slot = FromAccess(*a);
    static const std::vector<std::string> kThresholdOps = {"<", "<=", ">", ">="};
    auto compare = [&](const Ex& constant) {
      const std::string& op = rng.Pick(kThresholdOps);
      return rng.Chance(0.8) ? Binary(slot, op, constant, kCompare, Ty::kBool)
                             : Binary(constant, op, slot, kCompare, Ty::kBool);
    };
    auto equals = [&](const Ex& constant) {
      return rng.Chance(0.85) ? Binary(slot, "==", constant, kCompare, Ty::kBool)
                              : Binary(constant, "==", slot, kCompare, Ty::kBool);
    };
    auto in_list = [&](Ty element) {
      return Binary(slot, "in", ConstList(element), kCompare, Ty::kBool);
    };
    switch (a->ty) {
      case Ty::kString:
      case Ty::kJson: {
        bool json = a->ty == Ty::kJson;
        switch (rng.Weighted({8, 3, 2, 2, 2, 2, 2, 2})) {
          case 0:
            return equals(json && rng.Chance(0.3) ? Const(Ty::kInt) : Const(Ty::kString));
          case 1:
            return in_list(Ty::kString);
          case 2:
            return compare(json && rng.Chance(0.5) ? Const(Ty::kInt) : Const(Ty::kString));
          case 3:
            return rng.Chance(0.5)
                       ? Binary(slot, "contains", StringLit(AnyAffix()), kCompare, Ty::kBool)
                       : Binary(StringLit(AnyAffix()), "in", slot, kCompare, Ty::kBool);
          case 4:
            return Binary(slot, "like", PatternOperand(false, 0), kCompare, Ty::kBool);
          case 5:
            return Binary(slot, "startswith", StringLit(AnyAffix()), kCompare, Ty::kBool);
          case 6:
            return Binary(slot, "endswith", StringLit(AnyAffix()), kCompare, Ty::kBool);
          default:
            return Binary(slot, "matches", PatternOperand(true, 0), kCompare, Ty::kBool);
        }
      }
      case Ty::kInt:
      case Ty::kFloat: {
        Ty other = a->ty == Ty::kInt ? Ty::kFloat : Ty::kInt;
        switch (rng.Weighted({5, 2, 2, 7})) {
          case 0:
            return equals(Const(rng.Chance(0.8) ? a->ty : other));
          case 1:
            return in_list(Ty::kInt);
          case 2:
            if (positive) return equals(Const(a->ty));
            return Binary(slot, "!=", Const(a->ty), kCompare, Ty::kBool);
          default:
            return compare(Const(rng.Chance(0.75) ? a->ty : other));
        }
      }
      case Ty::kDuration:
        return rng.Chance(0.3) ? equals(Const(Ty::kDuration)) : compare(Const(Ty::kDuration));
      case Ty::kBool:
        return equals(Const(Ty::kBool));
      case Ty::kTime:
        return compare(Const(Ty::kTime));
      default:
        return Ex{.src = "true", .ty = Ty::kBool};
    }
  }

  // ---- program ------------------------------------------------------------------------------

  FieldSpec RandomRecord(int depth) {
    FieldSpec rec{.key = "", .ty = Ty::kRecord};
    rec.fields.push_back(FieldSpec{.key = "a", .ty = Ty::kInt});
    rec.fields.push_back(FieldSpec{.key = "b", .ty = Ty::kString, .optional = true});
    if (rng.Chance(0.5)) {
      rec.fields.push_back(FieldSpec{.key = "level", .ty = Ty::kInt, .default_src = "1"});
    }
    if (rng.Chance(0.5)) rec.fields.push_back(FieldSpec{.key = "ok", .ty = Ty::kBool});
    if (depth > 0 && rng.Chance(0.5)) {
      FieldSpec inner = RandomRecord(depth - 1);
      inner.key = "inner";
      inner.optional = rng.Chance(0.5);
      rec.fields.push_back(std::move(inner));
    }
    return rec;
  }

  // A default for a field of `ty`, or empty.
  std::string DefaultFor(Ty ty) {
    switch (ty) {
      case Ty::kString:
        return SquallString(AnyString(), rng);
      case Ty::kInt:
        return IntLit(AnyInt()).src;
      case Ty::kFloat:
        return rng.Chance(0.2) ? "-0.0" : AnyFloat().spelling;
      case Ty::kBool:
        return rng.Chance(0.5) ? "true" : "false";
      case Ty::kDuration:
        return AnyDuration().spelling;
      case Ty::kListString:
        return rng.Chance(0.7) ? "[]" : ConstList(Ty::kString).src;
      case Ty::kListInt:
        return "[]";
      default:
        return "";
    }
  }

  TriggerSpec RandomTrigger(const std::string& ref) {
    struct Template {
      const char* key;
      Ty ty;
    };
    static const std::vector<Template> kCatalog = {
        {"host", Ty::kString},      {"sev", Ty::kString},
        {"msg", Ty::kString},       {"owner", Ty::kString},
        {"x-id", Ty::kString},      {"clé", Ty::kString},
        {"in", Ty::kString},        {"n", Ty::kInt},
        {"count", Ty::kInt},        {"big", Ty::kInt},
        {"cpu", Ty::kFloat},        {"ratio", Ty::kFloat},
        {"ok", Ty::kBool},          {"flag", Ty::kBool},
        {"d", Ty::kDuration},       {"lat", Ty::kDuration},
        {"t", Ty::kTime},           {"t2", Ty::kTime},
        {"j", Ty::kJson},           {"body", Ty::kJson},
        {"tags", Ty::kListString},  {"nums", Ty::kListInt},
        {"labels", Ty::kMapString}, {"counts", Ty::kMapInt},
        {"rec", Ty::kRecord},       {"meta", Ty::kRecord}};
    TriggerSpec t;
    t.ref = ref;
    t.atom = ref;
    // The hot fields (sev, n, cpu) are always there; the others by chance.
    for (const Template& tmpl : kCatalog) {
      std::string key = tmpl.key;
      bool core = key == "sev" || key == "n" || key == "cpu" || key == "host";
      if (!core && !rng.Chance(options.large ? 0.35 : 0.5)) continue;
      FieldSpec f{.key = key, .ty = tmpl.ty};
      if (tmpl.ty == Ty::kRecord) {
        f = RandomRecord(1);
        f.key = key;
        f.optional = key == "rec" || rng.Chance(0.3);
      } else if (tmpl.ty == Ty::kListString || tmpl.ty == Ty::kListInt) {
        if (rng.Chance(0.4)) f.default_src = DefaultFor(tmpl.ty);
      } else if (tmpl.ty != Ty::kMapString && tmpl.ty != Ty::kMapInt && tmpl.ty != Ty::kJson) {
        size_t mode = rng.Weighted({6, 2, 1});  // plain, optional, default
        if (mode == 1) f.optional = true;
        if (mode == 2 && tmpl.ty != Ty::kTime) f.default_src = DefaultFor(tmpl.ty);
      }
      t.fields.push_back(std::move(f));
    }
    if (rng.Chance(0.3)) std::swap(t.fields[0], t.fields[rng.Below(t.fields.size())]);
    Finish(t);
    return t;
  }

  void Finish(TriggerSpec& t) {
    for (const FieldSpec& f : t.fields) CollectAccesses(f, "", false, false, t.accesses);
    // Hot slots: a few plain slots, mostly top-level strings and numbers.
    std::vector<const Access*> top, other;
    for (const Access& a : t.accesses) {
      if (!a.slot || !(IsScalar(a.ty) || a.ty == Ty::kJson) || a.ty == Ty::kTime) continue;
      bool usual = a.top && (a.ty == Ty::kString || a.ty == Ty::kInt || a.ty == Ty::kFloat);
      (usual ? top : other).push_back(&a);
    }
    int n = rng.Range(2, 4);
    for (int i = 0; i < n; ++i) {
      const std::vector<const Access*>& from =
          !top.empty() && (other.empty() || rng.Chance(0.8)) ? top : other;
      if (from.empty()) break;
      t.hot.push_back(*rng.Pick(from));
    }
  }

  TriggerSpec WebhookTrigger(const std::string& url) {
    TriggerSpec t;
    t.ref = "core.webhook";
    t.atom = "webhook \"" + url + "\"";
    t.fields.push_back(FieldSpec{.key = "headers", .ty = Ty::kMapString});
    t.fields.push_back(FieldSpec{.key = "body", .ty = Ty::kJson});
    Finish(t);
    return t;
  }

  void RandomConsts(GeneratedProgram& program) {
    int n = rng.Range(2, 8);
    for (int i = 0; i < n; ++i) {
      std::string name = "c_" + std::to_string(i);
      NamedConst c{.name = name, .ty = Ty::kString};
      std::string value;
      switch (rng.Below(11)) {
        case 0:
          value = SquallString(AnyString(), rng);
          break;
        case 10: {  // a map: its keys are what `in` tests
          c.ty = Ty::kMapInt;
          c.map = true;
          name += ": map<int>";  // a map literal alone is a record, which `in` does not take
          value = "{";
          std::set<std::string> keys;
          int entries = rng.Range(0, 3);
          for (int k = 0; k < entries; ++k) {
            std::string key = rng.Chance(0.5) ? AnyString() : rng.Pick(kMapKeys);
            if (!keys.insert(key).second) continue;
            if (value.size() > 1) value += ", ";
            value += (IsIdentifier(key) && rng.Chance(0.5) ? key : SquallString(key, rng)) + ": " +
                     std::to_string(k);
          }
          value += "}";
          break;
        }
        case 1:
          c.ty = Ty::kInt;
          value = rng.Chance(0.3) ? "-9223372036854775807 - 1" : IntLit(AnyInt()).src;
          break;
        case 2:
          c.ty = Ty::kInt;
          value = "-" + std::to_string(rng.Range(0, 5));
          break;
        case 3:
          c.ty = Ty::kFloat;
          value = rng.Chance(0.5) ? std::string("-") + AnyFloat().spelling : AnyFloat().spelling;
          break;
        case 4:  // an int constant declared float
          c.ty = Ty::kFloat;
          name += ": float";
          value = IntLit(AnyInt()).src;
          break;
        case 5:
          c.ty = Ty::kDuration;
          value = std::string(rng.Chance(0.4) ? "-" : "") + AnyDuration().spelling;
          break;
        case 6:
          c.pattern_glob = true;
          value = SquallString(AnyGlob(), rng);
          break;
        case 7:
          c.pattern_regex = true;
          value = SquallString(AnyRegex(), rng);
          break;
        case 8:
          c.ty = Ty::kListString;
          c.list = true;
          value = ConstList(Ty::kString).src;
          break;
        default:
          c.ty = Ty::kListInt;
          c.list = true;
          value = ConstList(Ty::kInt).src;
          break;
      }
      program.consts.push_back("const " + name + " = " + value);
      consts.push_back(c);
    }
  }

  GeneratedRule RandomRule(size_t index) {
    GeneratedRule rule;
    rule.name = "r_" + std::to_string(index);
    trigger = &triggers[options.large ? 0 : rng.Below(triggers.size())];
    binding = "event";
    rule.atom = trigger->atom;
    if (rng.Chance(0.15)) {
      binding = rng.Text({"a", "ev", "_x"});
      rule.atom += " as " + binding;
    }
    rule.disabled = rng.Chance(0.05);
    rule.backstop = rng.Chance(0.08);
    positive = positive_standard && !rule.backstop;
    size_t shape = positive        ? 0
                   : options.large ? rng.Weighted({14, 4, 2, 0})
                                   : rng.Weighted({9, 5, 5, 1});
    auto add = [&](const Ex& e) {
      // A top-level `or` must keep its parentheses inside the `and` chain.
      rule.conjuncts.push_back(
          e.prec >= kOr || (e.prec == kAnd && rng.Chance(0.5)) ? "(" + e.src + ")" : e.src);
    };
    switch (shape) {
      case 0: {  // fully indexable
        int n = rng.Weighted({0, 5, 4, 2, 1});
        for (int i = 0; i < n; ++i) add(Indexable());
        break;
      }
      case 1: {  // indexable and residual conjuncts
        int n = rng.Weighted({0, 6, 3, 1});
        for (int i = 0; i < n; ++i) add(Indexable());
        add(Condition(rng.Range(0, 2)));
        break;
      }
      case 2: {  // anything
        int m = rng.Range(1, 2);
        for (int i = 0; i < m; ++i) add(Condition(rng.Range(0, 3)));
        break;
      }
      default:
        break;  // no condition
    }
    if (!positive && rng.Chance(0.08)) rule.filter = Operand(Condition(1), kAnd);
    if (rng.Chance(0.3)) {
      rule.action = "core.noop()";
    } else {
      const Access& a = rng.Pick(trigger->accesses);
      rule.action = "core.echo(message: \"" + rule.name + " {{" + binding + a.suffix + "}}\")";
    }
    return rule;
  }

  GeneratedProgram MakeProgram() {
    GeneratedProgram program;
    program.seed = seed;
    positive_standard = options.large && rng.Chance(0.5);
    hot_strings = DistinctSubset(kCommonStrings, 1, 3);
    if (rng.Chance(0.3)) hot_strings.push_back(rng.Pick(kStrings));
    hot_ints = DistinctSubset(kInts, 2, 5);
    if (options.large) {
      // Many distinct keys per slot: string dispatch uses a hash table beyond a few keys.
      int n = rng.Range(8, 40);
      for (int i = 0; i < n; ++i) {
        hot_strings.push_back("host-" + std::to_string(rng.Below(60)));
        hot_ints.push_back(static_cast<int64_t>(rng.Below(200)));
      }
    }
    hot_floats = IndexSubset(kFloats.size(), 2, 4);
    hot_durations = IndexSubset(kDurations.size(), 2, 4);
    hot_globs = Subset(kGlobs, 0, 1);
    hot_affixes = Subset(kAffixes, 0, 1);
    hot_regexes = Subset(kRegexes, 0, 1);
    for (const std::string& text : hot_strings) {
      int n = rng.Range(1, 2);
      for (int i = 0; i < n; ++i) {
        hot_globs.push_back(GlobOf(text));
        hot_affixes.push_back(AffixOf(text));
        hot_regexes.push_back(RegexOf(text));
      }
    }
    RandomConsts(program);
    static const std::vector<std::string> kTriggerNames = {"svc.alert", "net.intf.down", "t0",
                                                           "host.metric", "ops.if"};
    int trigger_count = options.large ? 1 : rng.Range(1, options.max_triggers);
    std::set<std::string> used;
    for (int i = 0; i < trigger_count; ++i) {
      std::string name = rng.Pick(kTriggerNames);
      if (!used.insert(name).second) continue;
      triggers.push_back(RandomTrigger(name));
      TriggerDecl decl{.name = name};
      for (const FieldSpec& f : triggers.back().fields) {
        std::string line = SourceName(f.key) + ": " + TypeSource(f);
        if (!f.default_src.empty()) line += " = " + f.default_src;
        decl.fields.push_back(line);
      }
      program.triggers.push_back(std::move(decl));
    }
    // Webhooks: several matchers of one trigger ref (one per URL).
    if (!options.large && rng.Chance(0.2)) {
      int urls = rng.Range(1, 3);
      for (int i = 0; i < urls; ++i) {
        triggers.push_back(WebhookTrigger(i == 0 ? "deploy" : i == 1 ? "ci/github" : "é"));
      }
    }
    // Small programs are cheaper and as good at finding bugs; large ones come now and then
    // (the count is skewed: mean about a third of the way from min to max). Uniform in large
    // mode.
    double u = static_cast<double>(rng.Below(1 << 20)) / (1 << 20);
    double share = options.large ? u : u * u;
    int rules =
        options.min_rules + static_cast<int>((options.max_rules - options.min_rules + 1) * share);
    for (int i = 0; i < rules; ++i) program.rules.push_back(RandomRule(static_cast<size_t>(i)));
    return program;
  }

  // ---- events -------------------------------------------------------------------------------

  std::string IntJson(int64_t v) {
    switch (rng.Weighted({10, 1, 1})) {
      case 1:  // a whole number written as a float
        if (v > -1000000 && v < 1000000) return std::to_string(v) + ".0";
        return std::to_string(v);
      case 2:
        if (v > 0 && v < 1000000 && v % 10 == 0) return std::to_string(v / 10) + "e1";
        return std::to_string(v);
      default:
        return std::to_string(v);
    }
  }

  std::string GoodValue(const FieldSpec& f) {
    switch (f.ty) {
      case Ty::kString:
        return JsonString(AnyString(), rng);
      case Ty::kInt:
        return IntJson(AnyInt());
      case Ty::kFloat: {
        if (rng.Chance(0.2)) return std::to_string(AnyInt());
        const FloatValue& v = AnyFloat();
        return rng.Chance(0.5) ? v.spelling : FloatJson(v.value);
      }
      case Ty::kBool:
        return rng.Chance(0.5) ? "true" : "false";
      case Ty::kDuration: {
        const DurationValue& d = AnyDuration();
        switch (rng.Below(3)) {
          case 0:
            return JsonString(d.spelling, rng);
          case 1:
            return std::to_string(d.ms);
          default:
            return JsonString(rng.Text({"-5s", "1m30s", "0ms", "1.5h", "-250ms", "2d"}), rng);
        }
      }
      case Ty::kTime:
        if (rng.Chance(0.3)) {
          return rng.Text({"1714644000000", "0", "-1", "1714644000250", "1714643999999"});
        }
        return JsonString(rng.Pick(kTimes), rng);
      case Ty::kJson:
        if (rng.Chance(0.6)) return JsonObject();
        return RandomJsonText(2);
      case Ty::kListString:
      case Ty::kListInt: {
        std::string out = "[";
        int n = rng.Range(0, 3);
        for (int i = 0; i < n; ++i) {
          if (i > 0) out += ", ";
          if (rng.Chance(0.1)) {
            out += RandomJsonText(0);
          } else if (f.ty == Ty::kListString) {
            out += JsonString(AnyString(), rng);
          } else {
            out += IntJson(AnyInt());
          }
        }
        return out + "]";
      }
      case Ty::kMapString:
      case Ty::kMapInt: {
        std::string out = "{";
        int n = rng.Range(0, 3);
        for (int i = 0; i < n; ++i) {
          if (i > 0) out += ", ";
          out += JsonString(rng.Pick(kMapKeys), rng) + ": ";
          if (rng.Chance(0.1)) {
            out += RandomJsonText(0);
          } else if (f.ty == Ty::kMapString) {
            out += JsonString(AnyString(), rng);
          } else {
            out += IntJson(AnyInt());
          }
        }
        return out + "}";
      }
      case Ty::kRecord: {
        std::string out = "{";
        bool first = true;
        for (const auto& [key, value] : Members(f.fields)) {
          out += (first ? "" : ", ") + key + ": " + value;
          first = false;
        }
        return out + "}";
      }
    }
    return "null";
  }

  // A JSON object shaped like what rules read from json fields.
  std::string JsonObject() {
    std::string out = "{";
    bool first = true;
    auto member = [&](const std::string& key, const std::string& value) {
      out += (first ? "" : ", ") + JsonString(key, rng) + ": " + value;
      first = false;
    };
    if (rng.Chance(0.7))
      member("kind", rng.Chance(0.8) ? JsonString(AnyString(), rng) : RandomJsonText(1));
    if (rng.Chance(0.6)) {
      member("n", rng.Chance(0.7)   ? IntJson(AnyInt())
                  : rng.Chance(0.5) ? FloatJson(AnyFloat().value)
                                    : RandomJsonText(0));
    }
    if (rng.Chance(0.4))
      member("x", rng.Chance(0.5) ? FloatJson(AnyFloat().value) : RandomJsonText(1));
    if (rng.Chance(0.4))
      member("flag", rng.Chance(0.7) ? (rng.Chance(0.5) ? "true" : "false") : RandomJsonText(0));
    if (rng.Chance(0.4)) {
      std::string tags = "[";
      int n = rng.Range(0, 3);
      for (int i = 0; i < n; ++i) tags += (i > 0 ? ", " : "") + JsonString(AnyString(), rng);
      member("tags", tags + "]");
    }
    if (rng.Chance(0.3)) {
      member("nested", rng.Chance(0.8) ? "{\"x\": " + FloatJson(AnyFloat().value) +
                                             ", \"kind\": " + JsonString(AnyString(), rng) + "}"
                                       : RandomJsonText(1));
    }
    if (rng.Chance(0.2)) member("é", JsonString(AnyString(), rng));
    if (rng.Chance(0.2)) member("a", RandomJsonText(1));
    return out + "}";
  }

  std::string WrongValue(const FieldSpec& f) {
    switch (f.ty) {
      case Ty::kString:
        return rng.Text({"3", "true", "[\"a\"]", "{\"a\": 1}", "1.5"});
      case Ty::kInt:
        return rng.Text({"\"3\"", "3.5", "true", "[]", "1e400", "9223372036854775808",
                         "-9223372036854775809", "1e19", "0.1"});
      case Ty::kFloat:
        return rng.Text({"\"1.5\"", "true", "{}", "1e400", "-1e400", "[1]"});
      case Ty::kBool:
        return rng.Text({"1", "0", "\"true\"", "null", "[]"});
      case Ty::kDuration:
        return rng.Text({"\"250\"", "\"1.5ms\"", "\"5min\"", "1.5", "true", "\"30m1h\"", "\"\""});
      case Ty::kTime:
        return rng.Text({"\"2024-05-02\"", "\"yesterday\"", "true", "1.5", "\"2024-05-02T10:00\"",
                         "\"2024-05-02T10:00:00Zx\""});
      case Ty::kJson:
        return RandomJsonText(1);
      case Ty::kListString:
      case Ty::kListInt:
        return rng.Text({"\"a\"", "{}", "3", "true"});
      case Ty::kMapString:
      case Ty::kMapInt:
      case Ty::kRecord:
        return rng.Text({"[]", "\"x\"", "3", "[{\"a\": 1}]"});
    }
    return "null";
  }

  std::string ExtremeValue(const FieldSpec& f) {
    switch (f.ty) {
      case Ty::kInt:
      case Ty::kDuration:
      case Ty::kTime:
        return rng.Text({"0", "-1", "-0", "9223372036854775807", "-9223372036854775808",
                         "9007199254740993", "9007199254740992", "1e3", "-9.223372036854775808e18",
                         "4611686018427387904"});
      case Ty::kFloat:
        return rng.Text({"0", "-0.0", "-0", "1e308", "-1e308", "1.7976931348623157e308", "5e-324",
                         "1e-400", "9007199254740993", "9223372036854775807",
                         "-9223372036854775808", "1e19"});
      case Ty::kString:
        return JsonString(
            rng.Pick(std::vector<std::string>{
                "", "\xf0\x9f\x9a\xa8\xf0\x9f\x9a\xa8", "日本語テキスト", std::string(200, 'a'),
                "web-" + std::string(50, '1'), std::string("nul\0byte", 8), "\x7f", "ﬁ", "İ"}),
            rng, 0.8);
      default:
        return GoodValue(f);
    }
  }

  // The payload members for `fields`.
  std::vector<std::pair<std::string, std::string>> Members(const std::vector<FieldSpec>& fields) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const FieldSpec& f : fields) {
      size_t mode = rng.Weighted({78, 7, 6, 5, 4});
      if (mode == 1) continue;  // missing
      std::string value = mode == 0   ? GoodValue(f)
                          : mode == 2 ? "null"
                          : mode == 3 ? WrongValue(f)
                                      : ExtremeValue(f);
      out.emplace_back(JsonString(f.key, rng, 0.3), value);
      if (rng.Chance(0.02)) {  // a duplicate key: the first one counts
        out.emplace_back(JsonString(f.key, rng, 0.3), GoodValue(f));
      }
    }
    if (rng.Chance(0.1)) out.emplace_back("\"zzz\"", RandomJsonText(2));
    if (rng.Chance(0.2)) {  // any order
      for (size_t i = out.size(); i > 1; --i) std::swap(out[i - 1], out[rng.Below(i)]);
    }
    return out;
  }

  GeneratedEvent MakeEvent(size_t index) {
    GeneratedEvent e;
    if (rng.Chance(0.02)) {
      const std::string& ref = triggers[0].ref;
      e.malformed = rng.Pick(std::vector<std::string>{
          "{\"trigger\": \"" + ref + "\", \"payload\": [1, 2]}",
          "{\"trigger\": \"" + ref + "\", \"payload\": {\"sev\": \"a\"}} trailing",
          "not json at all", "{\"payload\": {}}", "{\"trigger\": \"\", \"payload\": {}}",
          "{\"trigger\": \"" + ref + "\", \"payload\": {\"sev\": \"a\x01\"}}",
          "{\"trigger\": \"" + ref + "\", \"payload\": {\"sev\": \"\xff\"}}",
          "{\"trigger\": \"" + ref + "\", \"payload\": {}, \"id\": true}", "[]"});
      return e;
    }
    if (rng.Chance(0.03)) {
      e.trigger = "unknown.trigger";
      e.payload.emplace_back("\"sev\"", "\"a\"");
      return e;
    }
    const TriggerSpec& t = rng.Pick(triggers);
    e.trigger = t.ref;
    e.payload = Members(t.fields);
    if (rng.Chance(options.large ? 0.2 : 0.05)) {
      // A sparse event, which few standard rules match: backstop rules get their turn.
      size_t keep = rng.Below(3);
      while (e.payload.size() > keep)
        e.payload.erase(e.payload.begin() + rng.Below(e.payload.size()));
    }
    e.payload_first = rng.Chance(0.2);
    switch (rng.Below(4)) {
      case 0:
        break;
      case 1:
        e.id = std::to_string(index);
        break;
      default:
        e.id = "\"e-" + std::to_string(index) + "\"";
    }
    return e;
  }
};

// ---------------------------------------------------------------------------------------------

std::string GeneratedProgram::Source() const {
  std::string out = "# differential test program, seed " + std::to_string(seed) + "\nimport core\n";
  for (const std::string& c : consts) out += c + "\n";
  for (const TriggerDecl& t : triggers) {
    out += "\ntrigger " + t.name + " {\n";
    for (const std::string& f : t.fields) out += "  " + f + "\n";
    out += "}\n";
  }
  for (const GeneratedRule& r : rules) {
    out += "\n";
    if (r.disabled) out += "@disabled\n";
    if (r.backstop) out += "@backstop\n";
    out += "rule " + r.name + " {\n  if ";
    out += r.filter.empty() ? r.atom : "(" + r.atom + " where " + r.filter + ")";
    if (!r.conjuncts.empty()) {
      out += " where ";
      for (size_t i = 0; i < r.conjuncts.size(); ++i) {
        if (i > 0) out += "\n    and ";
        out += r.conjuncts[i];
      }
    }
    out += "\n  then " + r.action + "\n}\n";
  }
  return out;
}

std::string GeneratedEvent::Line() const {
  if (!malformed.empty()) return malformed;
  std::string payload_text = "{";
  for (size_t i = 0; i < payload.size(); ++i) {
    if (i > 0) payload_text += ", ";
    payload_text += payload[i].first + ": " + payload[i].second;
  }
  payload_text += "}";
  std::string trigger_text = "\"trigger\": \"" + trigger + "\"";
  std::string out = "{";
  out += payload_first ? "\"payload\": " + payload_text + ", " + trigger_text
                       : trigger_text + ", \"payload\": " + payload_text;
  if (!id.empty()) out += ", \"id\": " + id;
  return out + "}";
}

Generator::Generator(uint64_t seed, GeneratorOptions options)
    : impl_(std::make_unique<Impl>(seed, options)) {}

Generator::~Generator() = default;

GeneratedProgram Generator::Program() { return impl_->MakeProgram(); }

std::vector<GeneratedEvent> Generator::Events(int count) {
  std::vector<GeneratedEvent> out;
  for (int i = 0; i < count; ++i) out.push_back(impl_->MakeEvent(static_cast<size_t>(i)));
  return out;
}

uint64_t ProgramSeed(uint64_t base, uint64_t index) {
  uint64_t z = base + (index + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace squall::difftest
