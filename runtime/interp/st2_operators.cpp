#include "runtime/interp/st2_operators.h"

#include <locale.h>
#include <re2/re2.h>
#include <wctype.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

namespace squall::interp::st2 {

using K = Value::Kind;

namespace {

// ---------------------------------------------------------------------------------------------
// UTF-8

std::vector<char32_t> Decode(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    int extra = b < 0x80 ? 0 : (b >> 5) == 6 ? 1 : (b >> 4) == 14 ? 2 : (b >> 3) == 30 ? 3 : -1;
    if (extra < 0 || i + static_cast<size_t>(extra) >= s.size() + (extra == 0 ? 1 : 0)) {
      // Not UTF-8 (decoded events and literals always are): one byte, one code point.
      out.push_back(b);
      ++i;
      continue;
    }
    char32_t c = extra == 0 ? b : b & (0x3F >> extra);
    for (int k = 1; k <= extra; ++k) c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(c);
    i += static_cast<size_t>(extra) + 1;
  }
  return out;
}

void Encode(char32_t c, std::string& out) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// The C.UTF-8 locale's case tables (glibc's are Unicode's simple case mappings); null when the
// system has no such locale, in which case only ASCII letters are lowered.
locale_t Utf8Locale() {
  static locale_t locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return locale;
}

char32_t SimpleLower(char32_t c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 32 : c;
  locale_t locale = Utf8Locale();
  return locale != nullptr ? static_cast<char32_t>(towlower_l(static_cast<wint_t>(c), locale)) : c;
}

// Unicode "cased": has a case mapping (an approximation of the Cased property good enough for
// the final-sigma rule) ; "case-ignorable": combining marks, apostrophes, periods, colons.
bool Cased(char32_t c) {
  locale_t locale = Utf8Locale();
  if (c < 0x80) return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  if (locale == nullptr) return false;
  return iswupper_l(static_cast<wint_t>(c), locale) || iswlower_l(static_cast<wint_t>(c), locale);
}

bool CaseIgnorable(char32_t c) {
  return c == '\'' || c == '.' || c == ':' || c == 0xB7 || c == 0x2019 ||
         (c >= 0x300 && c <= 0x36F) || (c >= 0x483 && c <= 0x489) || c == 0xAD;
}

// ---------------------------------------------------------------------------------------------
// Python values

// A time as its RFC 3339 text, a duration as seconds, at any depth: what the value would be in
// StackStorm's JSON payload.
Value PyView(const Value& v) {
  switch (v.kind) {
    case K::kTime:
      return Value::String(FormatTime(v.integer));
    case K::kDuration:
      return v.integer % 1000 == 0 ? Value::Int(v.integer / 1000)
                                   : Value::Float(static_cast<double>(v.integer) / 1000);
    case K::kList:
    case K::kMap: {
      Value out = v;
      for (Value& e : out.elements) e = PyView(e);
      return out;
    }
    default:
      return v;
  }
}

// bool, int and float are Python numbers (bool is a subclass of int).
bool IsNumber(const Value& v) {
  return v.kind == K::kBool || v.kind == K::kInt || v.kind == K::kFloat;
}

// Exact for every int64 and double (x86's long double has a 64-bit mantissa).
long double NumberOf(const Value& v) {
  if (v.kind == K::kBool) return v.boolean ? 1 : 0;
  if (v.kind == K::kInt) return static_cast<long double>(v.integer);
  return v.number;
}

const Value* MapGet(const Value& map, std::string_view key) {
  for (size_t i = 0; i < map.keys.size(); ++i) {
    if (map.keys[i] == key) return &map.elements[i];
  }
  return nullptr;
}

Tri FromBool(bool b) { return b ? Tri::kTrue : Tri::kFalse; }
Tri Not(Tri t) { return t == Tri::kError ? t : t == Tri::kTrue ? Tri::kFalse : Tri::kTrue; }

// Python `a < b`; kError where Python raises TypeError.
Tri PythonLess(const Value& a, const Value& b) {
  if (IsNumber(a) && IsNumber(b)) return FromBool(NumberOf(a) < NumberOf(b));
  if (a.kind == K::kString && b.kind == K::kString) return FromBool(a.text < b.text);
  if (a.kind == K::kList && b.kind == K::kList) {
    size_t n = std::min(a.elements.size(), b.elements.size());
    for (size_t i = 0; i < n; ++i) {
      if (!PythonEquals(a.elements[i], b.elements[i])) {
        return PythonLess(a.elements[i], b.elements[i]);
      }
    }
    return FromBool(a.elements.size() < b.elements.size());
  }
  return Tri::kError;
}

// Python `item in container`.
Tri PythonIn(const Value& item, const Value& container) {
  switch (container.kind) {
    case K::kString:
      if (item.kind != K::kString) return Tri::kError;
      return FromBool(container.text.find(item.text) != std::string::npos);
    case K::kList:
      return FromBool(std::any_of(container.elements.begin(), container.elements.end(),
                                  [&](const Value& e) { return PythonEquals(e, item); }));
    case K::kMap:
      // Dict keys are strings: a string is looked up, an unhashable list or dict raises, any
      // other value is hashable but never equal to a key.
      if (item.kind == K::kList || item.kind == K::kMap) return Tri::kError;
      return FromBool(item.kind == K::kString && MapGet(container, item.text) != nullptr);
    default:
      return Tri::kError;
  }
}

// Python float(x) for x an int, float, bool or str.
std::optional<double> PythonFloat(const Value& v) {
  if (IsNumber(v)) return static_cast<double>(NumberOf(v));
  if (v.kind != K::kString) return std::nullopt;
  std::string_view s = v.text;
  auto space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  std::string clean;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) clean += s[i++];
  std::string rest;
  for (size_t k = i; k < s.size(); ++k) rest += static_cast<char>(std::tolower(s[k]));
  if (rest == "inf" || rest == "infinity" || rest == "nan") {
    clean += rest;
    return std::strtod(clean.c_str(), nullptr);
  }
  // digits with single underscores between digits, optional fraction, optional exponent.
  bool digits = false, mantissa_digits = false;
  auto digit_run = [&](bool& any) {
    size_t start = i;
    while (i < s.size()) {
      if (std::isdigit(static_cast<unsigned char>(s[i]))) {
        clean += s[i++];
        any = true;
      } else if (s[i] == '_' && i > start && i + 1 < s.size() &&
                 std::isdigit(static_cast<unsigned char>(s[i - 1])) &&
                 std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
        ++i;
      } else {
        break;
      }
    }
  };
  digit_run(mantissa_digits);
  if (i < s.size() && s[i] == '.') {
    clean += s[i++];
    digit_run(mantissa_digits);
  }
  if (!mantissa_digits) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    clean += s[i++];
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) clean += s[i++];
    digit_run(digits);
    if (!digits) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  return std::strtod(clean.c_str(), nullptr);
}

// ---------------------------------------------------------------------------------------------
// fnmatch

void AppendCodePoint(char32_t c, std::string& out) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "\\x{%X}", static_cast<unsigned>(c));
  out += buffer;
}

// Python's fnmatch.translate as an RE2 pattern; nullopt when the pattern can never match (a
// bracket expression whose ranges are all empty, which Python turns into `(?!)`).
std::optional<std::string> WildcardRegex(std::string_view pattern) {
  std::vector<char32_t> p = Decode(pattern);
  std::string out = "(?s)\\A(?:";
  size_t i = 0, n = p.size();
  while (i < n) {
    char32_t c = p[i++];
    if (c == '*') {
      while (i < n && p[i] == '*') ++i;
      out += ".*";
    } else if (c == '?') {
      out += ".";
    } else if (c == '[') {
      size_t j = i;
      if (j < n && p[j] == '!') ++j;
      if (j < n && p[j] == ']') ++j;
      while (j < n && p[j] != ']') ++j;
      if (j >= n) {
        out += "\\[";
        continue;
      }
      std::vector<char32_t> stuff(p.begin() + static_cast<std::ptrdiff_t>(i),
                                  p.begin() + static_cast<std::ptrdiff_t>(j));
      i = j + 1;
      bool negate = !stuff.empty() && stuff[0] == '!';
      std::string items;
      for (size_t k = negate ? 1 : 0; k < stuff.size();) {
        if (k + 2 < stuff.size() && stuff[k + 1] == '-') {
          // A range; Python drops empty ones (`z-a`).
          if (stuff[k] <= stuff[k + 2]) {
            AppendCodePoint(stuff[k], items);
            items += '-';
            AppendCodePoint(stuff[k + 2], items);
          }
          k += 3;
        } else {
          AppendCodePoint(stuff[k++], items);
        }
      }
      if (items.empty()) {
        if (!negate) return std::nullopt;
        out += ".";
      } else {
        out += negate ? "[^" + items + "]" : "[" + items + "]";
      }
    } else {
      AppendCodePoint(c, out);
    }
  }
  out += ")\\z";
  return out;
}

// ---------------------------------------------------------------------------------------------
// Dates (ciso8601's grammar)

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool LeapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// ---------------------------------------------------------------------------------------------
// JSONPath (the part of jsonpath_rw that `search` keys use)

struct PathStep {
  enum class Kind : uint8_t { kField, kIndex, kAll };  // kAll: `[*]`; a `*` field is kField
  Kind kind = Kind::kField;
  std::string field;
  int64_t index = 0;
};

std::optional<std::vector<PathStep>> ParsePath(std::string_view s) {
  std::vector<PathStep> steps;
  size_t i = 0;
  auto skip_space = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  };
  auto id_start = [](char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '@';
  };
  auto id_char = [&](char c) {
    return id_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '-';
  };
  auto field = [&]() -> std::optional<std::string> {
    skip_space();
    if (i >= s.size()) return std::nullopt;
    if (s[i] == '\'' || s[i] == '"') {
      char quote = s[i++];
      size_t end = s.find(quote, i);
      if (end == std::string_view::npos) return std::nullopt;
      std::string name(s.substr(i, end - i));
      i = end + 1;
      return name;
    }
    if (s[i] == '*') {
      ++i;
      return std::string("*");
    }
    if (!id_start(s[i])) return std::nullopt;
    size_t start = i;
    while (i < s.size() && id_char(s[i])) ++i;
    return std::string(s.substr(start, i - start));
  };
  std::optional<std::string> first = field();
  if (!first) return std::nullopt;
  steps.push_back(PathStep{.kind = PathStep::Kind::kField, .field = *first});
  while (true) {
    skip_space();
    if (i >= s.size()) break;
    if (s[i] == '.') {
      ++i;
      std::optional<std::string> name = field();
      if (!name) return std::nullopt;
      steps.push_back(PathStep{.kind = PathStep::Kind::kField, .field = *name});
    } else if (s[i] == '[') {
      ++i;
      skip_space();
      if (i < s.size() && s[i] == '*') {
        ++i;
        steps.push_back(PathStep{.kind = PathStep::Kind::kAll});
      } else if (i < s.size() && (s[i] == '\'' || s[i] == '"')) {
        std::optional<std::string> name = field();
        if (!name) return std::nullopt;
        steps.push_back(PathStep{.kind = PathStep::Kind::kField, .field = *name});
      } else {
        size_t start = i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        if (i == start || i - start > 9) return std::nullopt;
        steps.push_back(
            PathStep{.kind = PathStep::Kind::kIndex,
                     .index = std::atoll(std::string(s.substr(start, i - start)).c_str())});
      }
      skip_space();
      if (i >= s.size() || s[i] != ']') return std::nullopt;
      ++i;
    } else {
      return std::nullopt;
    }
  }
  return steps;
}

bool Falsy(const Value& v) {
  switch (v.kind) {
    case K::kAbsent:
      return true;
    case K::kBool:
      return !v.boolean;
    case K::kInt:
      return v.integer == 0;
    case K::kFloat:
      return v.number == 0;
    case K::kString:
      return v.text.empty();
    case K::kList:
    case K::kMap:
      return v.elements.empty();
    default:
      return false;
  }
}

// The first value `path` finds in the context {item: item}: nullopt when the lookup raises
// inside jsonpath_rw, kAbsent when nothing matches.
std::optional<Value> Lookup(const std::vector<PathStep>& path, const Value& item) {
  std::vector<Value> matches;
  if (path[0].field == "item") matches.push_back(item);
  for (size_t s = 1; s < path.size(); ++s) {
    const PathStep& step = path[s];
    std::vector<Value> next;
    for (const Value& v : matches) {
      switch (step.kind) {
        case PathStep::Kind::kField:
          if (v.kind != K::kMap) break;
          if (step.field == "*") {
            next.insert(next.end(), v.elements.begin(), v.elements.end());
          } else if (const Value* found = MapGet(v, step.field)) {
            next.push_back(*found);
          }
          break;
        case PathStep::Kind::kIndex: {
          if (Falsy(v)) break;
          if (v.kind == K::kList) {
            if (static_cast<size_t>(step.index) < v.elements.size()) {
              next.push_back(v.elements[static_cast<size_t>(step.index)]);
            }
          } else if (v.kind == K::kString) {
            std::vector<char32_t> chars = Decode(v.text);
            if (static_cast<size_t>(step.index) < chars.size()) {
              std::string one;
              Encode(chars[static_cast<size_t>(step.index)], one);
              next.push_back(Value::String(one));
            }
          } else if (v.kind == K::kMap) {
            if (static_cast<size_t>(step.index) < v.elements.size()) return std::nullopt;
          } else {
            return std::nullopt;  // len() of a number
          }
          break;
        }
        case PathStep::Kind::kAll:
          if (Falsy(v)) break;
          if (v.kind == K::kList) {
            next.insert(next.end(), v.elements.begin(), v.elements.end());
          } else if (v.kind == K::kMap || v.kind == K::kString || v.kind == K::kInt ||
                     v.kind == K::kBool) {
            next.push_back(v);
          } else {
            return std::nullopt;
          }
          break;
      }
    }
    matches = std::move(next);
  }
  return matches.empty() ? Value::Absent() : matches.front();
}

// Jinja's rendering of a plain-text pattern: newlines normalized to `\n`, one trailing
// newline dropped. nullopt for text that Jinja would treat as a template.
std::optional<std::string> RenderPlainText(const std::string& text) {
  if (text.find("{{") != std::string::npos || text.find("{%") != std::string::npos ||
      text.find("{#") != std::string::npos) {
    return std::nullopt;
  }
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      out += text[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public helpers

std::optional<Op> OperatorByName(std::string_view name) {
  static constexpr std::pair<std::string_view, Op> kNames[] = {
      {"matchwildcard", Op::kMatchwildcard},
      {"matchregex", Op::kMatchregex},
      {"regex", Op::kRegex},
      {"iregex", Op::kIregex},
      {"eq", Op::kEquals},
      {"equals", Op::kEquals},
      {"neq", Op::kNequals},
      {"nequals", Op::kNequals},
      {"ieq", Op::kIequals},
      {"iequals", Op::kIequals},
      {"contains", Op::kContains},
      {"icontains", Op::kIcontains},
      {"ncontains", Op::kNcontains},
      {"incontains", Op::kIncontains},
      {"startswith", Op::kStartswith},
      {"istartswith", Op::kIstartswith},
      {"endswith", Op::kEndswith},
      {"iendswith", Op::kIendswith},
      {"lt", Op::kLessthan},
      {"lessthan", Op::kLessthan},
      {"gt", Op::kGreaterthan},
      {"greaterthan", Op::kGreaterthan},
      {"td_lt", Op::kTimediffLt},
      {"timediff_lt", Op::kTimediffLt},
      {"td_gt", Op::kTimediffGt},
      {"timediff_gt", Op::kTimediffGt},
      {"exists", Op::kExists},
      {"nexists", Op::kNexists},
      {"inside", Op::kInside},
      {"in", Op::kInside},
      {"ninside", Op::kNinside},
      {"nin", Op::kNinside},
      {"search", Op::kSearch},
  };
  std::string lowered = PythonLower(name);
  for (const auto& [n, op] : kNames) {
    if (n == lowered) return op;
  }
  return std::nullopt;
}

std::string PythonLower(std::string_view text) {
  std::vector<char32_t> chars = Decode(text);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < chars.size(); ++i) {
    char32_t c = chars[i];
    if (c == 0x130) {  // İ: SpecialCasing's unconditional mapping
      out += "i\xCC\x87";
      continue;
    }
    if (c == 0x3A3) {
      // Final_Sigma: preceded by a cased letter and not followed by one (skipping
      // case-ignorable characters on both sides).
      size_t b = i;
      while (b > 0 && CaseIgnorable(chars[b - 1])) --b;
      bool before = b > 0 && Cased(chars[b - 1]);
      size_t a = i + 1;
      while (a < chars.size() && CaseIgnorable(chars[a])) ++a;
      bool after = a < chars.size() && Cased(chars[a]);
      Encode(before && !after ? 0x3C2 : 0x3C3, out);
      continue;
    }
    Encode(SimpleLower(c), out);
  }
  return out;
}

bool PythonEquals(const Value& a, const Value& b) {
  if (!a.present() || !b.present()) return !a.present() && !b.present();
  if (IsNumber(a) && IsNumber(b)) return NumberOf(a) == NumberOf(b);
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case K::kString:
      return a.text == b.text;
    case K::kList:
      if (a.elements.size() != b.elements.size()) return false;
      for (size_t i = 0; i < a.elements.size(); ++i) {
        if (!PythonEquals(a.elements[i], b.elements[i])) return false;
      }
      return true;
    case K::kMap:
      if (a.keys.size() != b.keys.size()) return false;
      for (size_t i = 0; i < a.keys.size(); ++i) {
        const Value* other = MapGet(b, a.keys[i]);
        if (other == nullptr || !PythonEquals(a.elements[i], *other)) return false;
      }
      return true;
    case K::kDuration:
    case K::kTime:
      return a.integer == b.integer;
    default:
      return false;
  }
}

std::string TranslatePythonRegex(std::string_view p) {
  // Whether some group sets the MULTILINE flag (`(?m)`, `(?im:...)`): then `$` already means
  // what RE2's multi-line `$` means.
  bool multiline = false;
  for (size_t at = p.find("(?"); at != std::string_view::npos; at = p.find("(?", at + 2)) {
    size_t k = at + 2;
    while (k < p.size() && std::string_view("aiLmsux-").find(p[k]) != std::string_view::npos) {
      if (p[k] == 'm') multiline = true;
      ++k;
    }
  }
  static constexpr std::string_view kSpace = "\\t-\\r\\x{1C}-\\x{1F}\\x{85}\\p{Z}";
  std::string out;
  bool in_class = false;
  size_t i = 0;
  auto hex_escape = [&](size_t digits) {
    // `\uXXXX` / `\UXXXXXXXX` at p[i]; false when malformed (left for RE2 to reject).
    if (i + 2 + digits > p.size()) return false;
    for (size_t k = 0; k < digits; ++k) {
      if (!std::isxdigit(static_cast<unsigned char>(p[i + 2 + k]))) return false;
    }
    out += "\\x{";
    out += p.substr(i + 2, digits);
    out += "}";
    i += 2 + digits;
    return true;
  };
  while (i < p.size()) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      char d = p[i + 1];
      switch (d) {
        case 'Z':
          out += "\\z";
          break;
        case 'd':
          out += "\\p{Nd}";
          break;
        case 'D':
          out += "\\P{Nd}";
          break;
        case 'w':
          out += in_class ? "\\p{L}\\p{N}_" : "[\\p{L}\\p{N}_]";
          break;
        case 'W':
          out += in_class ? "\\W" : "[^\\p{L}\\p{N}_]";
          break;
        case 's':
          out += in_class ? std::string(kSpace) : "[" + std::string(kSpace) + "]";
          break;
        case 'S':
          out += in_class ? "\\S" : "[^" + std::string(kSpace) + "]";
          break;
        case 'u':
          if (hex_escape(4)) continue;
          out += "\\u";
          break;
        case 'U':
          if (hex_escape(8)) continue;
          out += "\\U";
          break;
        default:
          out += c;
          out += d;
      }
      i += 2;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      if (c == '[') {
        // Literal in a Python set; RE2 would read `[:digit:]` as a POSIX class.
        out += "\\[";
        ++i;
        continue;
      }
      out += c;
      ++i;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      ++i;
      if (i < p.size() && p[i] == '^') out += p[i++];
      if (i < p.size() && p[i] == ']') {
        out += "\\]";
        ++i;
      }
      continue;
    }
    if (c == '$' && !multiline) {
      out += "(?:\\n?\\z)";
      ++i;
      continue;
    }
    if (c == '{' && i + 1 < p.size() && p[i + 1] == ',') {
      size_t k = i + 2;
      while (k < p.size() && std::isdigit(static_cast<unsigned char>(p[k]))) ++k;
      if (k < p.size() && p[k] == '}') {
        out += "{0,";
        out += p.substr(i + 2, k - (i + 2));
        out += "}";
        i = k + 1;
        continue;
      }
    }
    out += c;
    ++i;
  }
  return out;
}

std::optional<double> ParseDateSeconds(std::string_view s) {
  size_t i = 0;
  auto number = [&](size_t digits) -> std::optional<int> {
    if (i + digits > s.size()) return std::nullopt;
    int v = 0;
    for (size_t k = 0; k < digits; ++k) {
      char c = s[i + k];
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    i += digits;
    return v;
  };
  std::optional<int> year = number(4);
  if (!year) return std::nullopt;
  int month = 1, day = 1;
  if (i < s.size() && s[i] == '-') {
    ++i;
    std::optional<int> m = number(2);
    if (!m) return std::nullopt;
    month = *m;
    if (i < s.size() && s[i] == '-') {
      ++i;
      std::optional<int> d = number(2);
      if (!d) return std::nullopt;
      day = *d;
    } else if (i < s.size()) {
      return std::nullopt;  // YYYY-MM is only a whole date
    }
  } else {
    std::optional<int> m = number(2);
    std::optional<int> d = m ? number(2) : std::nullopt;
    if (!d) return std::nullopt;  // YYYYMM is ambiguous: not accepted
    month = *m;
    day = *d;
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return std::nullopt;
  if (day > kDays[month - 1] + (month == 2 && LeapYear(*year) ? 1 : 0)) return std::nullopt;
  int hour = 0, minute = 0, second = 0;
  double fraction = 0;
  int offset_minutes = 0;
  if (i < s.size()) {
    if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') return std::nullopt;
    ++i;
    std::optional<int> h = number(2);
    if (!h) return std::nullopt;
    hour = *h;
    bool extended = i < s.size() && s[i] == ':';
    auto part = [&](int& out) -> bool {
      if (extended) {
        if (i >= s.size() || s[i] != ':') return false;
        ++i;
      }
      std::optional<int> v = number(2);
      if (!v) return false;
      out = *v;
      return true;
    };
    auto more = [&] {
      return i < s.size() &&
             (extended ? s[i] == ':' : std::isdigit(static_cast<unsigned char>(s[i])));
    };
    if (more()) {
      if (!part(minute)) return std::nullopt;
      if (more()) {
        if (!part(second)) return std::nullopt;
        if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
          ++i;
          size_t start = i;
          double scale = 0.1;
          while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
            // Microseconds, as Python's datetime keeps them (more digits are truncated).
            if (i - start < 6) fraction += (s[i] - '0') * scale;
            scale /= 10;
            ++i;
          }
          if (i == start) return std::nullopt;
        }
      }
    }
    if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
    if (i < s.size()) {
      if (s[i] == 'Z' || s[i] == 'z') {
        ++i;
      } else if (s[i] == '+' || s[i] == '-') {
        int sign = s[i] == '-' ? -1 : 1;
        ++i;
        std::optional<int> oh = number(2);
        if (!oh) return std::nullopt;
        int om = 0;
        if (i < s.size()) {
          if (s[i] == ':') ++i;
          std::optional<int> m = number(2);
          if (!m) return std::nullopt;
          om = *m;
        }
        if (*oh > 23 || om > 59) return std::nullopt;
        offset_minutes = sign * (*oh * 60 + om);
      } else {
        return std::nullopt;
      }
    }
    if (i != s.size()) return std::nullopt;
  }
  int64_t days = DaysFromCivil(*year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  double seconds =
      static_cast<double>(days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60);
  return seconds + std::round(fraction * 1e6) / 1e6;
}

// ---------------------------------------------------------------------------------------------
// Operators

Operators::Operators() = default;
Operators::~Operators() = default;

Tri Operators::Regex(const Value& value, const Value& pattern, bool dotall, bool ignore_case,
                     bool anchored) {
  if (pattern.kind != K::kString) return Tri::kError;
  std::string key =
      std::string(1, static_cast<char>('0' + (dotall ? 1 : 0) + (ignore_case ? 2 : 0))) +
      pattern.text;
  std::unique_ptr<re2::RE2>& re = regexes_[key];
  if (!re) {
    RE2::Options options;
    options.set_log_errors(false);
    options.set_dot_nl(dotall);
    options.set_case_sensitive(!ignore_case);
    re = std::make_unique<re2::RE2>(TranslatePythonRegex(pattern.text), options);
  }
  if (!re->ok() || value.kind != K::kString) return Tri::kError;
  if (anchored) {
    return FromBool(re->Match(value.text, 0, value.text.size(), RE2::ANCHOR_START, nullptr, 0));
  }
  return FromBool(RE2::PartialMatch(value.text, *re));
}

Tri Operators::Evaluate(Op op, const Value& value, const Value& pattern, double now_seconds) {
  switch (op) {
    case Op::kNequals:
      return FromBool(!PythonEquals(value, pattern));
    case Op::kExists:
      return FromBool(value.present());
    case Op::kNexists:
      return FromBool(!value.present());
    case Op::kSearch:
      return Tri::kError;  // needs a condition: Search()
    default:
      break;
  }
  // Every other operator is false for a null pattern, before looking at the value.
  if (!pattern.present()) return Tri::kFalse;
  auto both_strings = [&] { return value.kind == K::kString && pattern.kind == K::kString; };
  switch (op) {
    case Op::kEquals:
      return FromBool(PythonEquals(value, pattern));
    case Op::kIequals:
      if (!both_strings()) return Tri::kError;
      return FromBool(PythonLower(value.text) == PythonLower(pattern.text));
    case Op::kContains:
      return PythonIn(pattern, value);
    case Op::kNcontains:
      return Not(PythonIn(pattern, value));
    case Op::kIcontains:
    case Op::kIncontains: {
      if (!both_strings()) return Tri::kError;
      bool in = PythonLower(value.text).find(PythonLower(pattern.text)) != std::string::npos;
      return FromBool(op == Op::kIcontains ? in : !in);
    }
    case Op::kStartswith:
      if (!both_strings()) return Tri::kError;
      return FromBool(value.text.starts_with(pattern.text));
    case Op::kIstartswith:
      if (!both_strings()) return Tri::kError;
      return FromBool(PythonLower(value.text).starts_with(PythonLower(pattern.text)));
    case Op::kEndswith:
      if (!both_strings()) return Tri::kError;
      return FromBool(value.text.ends_with(pattern.text));
    case Op::kIendswith:
      if (!both_strings()) return Tri::kError;
      return FromBool(PythonLower(value.text).ends_with(PythonLower(pattern.text)));
    case Op::kLessthan:
      return PythonLess(value, pattern);
    case Op::kGreaterthan:
      return PythonLess(pattern, value);
    case Op::kMatchwildcard: {
      if (!both_strings()) return Tri::kError;
      std::optional<std::string> regex = WildcardRegex(pattern.text);
      if (!regex) return Tri::kFalse;
      std::unique_ptr<re2::RE2>& re = regexes_["w" + pattern.text];
      if (!re) {
        RE2::Options options;
        options.set_log_errors(false);
        re = std::make_unique<re2::RE2>(*regex, options);
      }
      return re->ok() ? FromBool(RE2::FullMatch(value.text, *re)) : Tri::kError;
    }
    case Op::kMatchregex:
      return Regex(value, pattern, /*dotall=*/true, /*ignore_case=*/false, /*anchored=*/true);
    case Op::kRegex:
      return Regex(value, pattern, false, false, false);
    case Op::kIregex:
      return Regex(value, pattern, false, true, false);
    case Op::kTimediffLt:
    case Op::kTimediffGt: {
      std::optional<double> at;
      if (value.kind == K::kTime) {
        at = static_cast<double>(value.integer) / 1000;
      } else if (value.kind == K::kString) {
        at = ParseDateSeconds(value.text);
      }
      if (!at) return Tri::kError;
      std::optional<double> period = PythonFloat(PyView(pattern));
      if (!period) return Tri::kError;
      double diff = now_seconds - *at;
      return FromBool(op == Op::kTimediffLt ? diff < *period : diff > *period);
    }
    case Op::kInside:
      return PythonIn(value, pattern);
    case Op::kNinside:
      return Not(PythonIn(value, pattern));
    default:
      return Tri::kError;
  }
}

bool Operators::Apply(Op op, const Value& value, const Value& pattern, double now_seconds) {
  bool time_value = op == Op::kTimediffLt || op == Op::kTimediffGt;
  return Evaluate(op, time_value ? value : PyView(value), PyView(pattern), now_seconds) ==
         Tri::kTrue;
}

bool Operators::Search(const Value& value, const Value& condition, const Value& criteria,
                       double now_seconds) {
  return SearchTri(PyView(value), PyView(criteria), PyView(condition), now_seconds) == Tri::kTrue;
}

Tri Operators::SearchTri(const Value& value, const Value& criteria, const Value& condition,
                         double now_seconds) {
  bool items_any = false, children_any = false;
  std::string_view c = condition.kind == K::kString ? std::string_view(condition.text) : "";
  if (c == "any") {
    items_any = true;
  } else if (c == "all2any") {
    children_any = true;
  } else if (c == "any2any") {
    items_any = children_any = true;
  } else if (c != "all") {
    return Tri::kError;  // UnrecognizedConditionError
  }
  std::vector<Value> items;
  switch (value.kind) {
    case K::kMap:
      items.push_back(value);
      break;
    case K::kList:
      items = value.elements;
      break;
    case K::kString:
      // Python iterates a string's characters.
      for (char32_t ch : Decode(value.text)) {
        std::string one;
        Encode(ch, one);
        items.push_back(Value::String(std::move(one)));
      }
      break;
    default:
      return Tri::kError;  // None, numbers: not iterable
  }
  // Python builds every list before any()/all() looks at it: every item and child is
  // evaluated, and an error anywhere is the operator's error.
  std::vector<bool> item_results;
  for (const Value& item : items) {
    if (criteria.kind != K::kMap) return Tri::kError;  // .items() of a non-dict
    std::vector<bool> child_results;
    for (size_t k = 0; k < criteria.keys.size(); ++k) {
      Tri t = Child(criteria.keys[k], criteria.elements[k], item, now_seconds);
      if (t == Tri::kError) return Tri::kError;
      child_results.push_back(t == Tri::kTrue);
    }
    bool r =
        children_any
            ? std::find(child_results.begin(), child_results.end(), true) != child_results.end()
            : std::find(child_results.begin(), child_results.end(), false) == child_results.end();
    item_results.push_back(r);
  }
  bool out = items_any
                 ? std::find(item_results.begin(), item_results.end(), true) != item_results.end()
                 : std::find(item_results.begin(), item_results.end(), false) == item_results.end();
  return FromBool(out);
}

Tri Operators::Child(const std::string& key, const Value& spec, const Value& item,
                     double now_seconds) {
  // `"type" not in criterion_v`, then `criterion_v["type"]`.
  switch (spec.kind) {
    case K::kMap:
      break;
    case K::kString:
      return spec.text.find("type") != std::string::npos ? Tri::kError : Tri::kFalse;
    case K::kList: {
      bool has = std::any_of(spec.elements.begin(), spec.elements.end(), [](const Value& e) {
        return e.kind == K::kString && e.text == "type";
      });
      return has ? Tri::kError : Tri::kFalse;
    }
    default:
      return Tri::kError;
  }
  const Value* type = MapGet(spec, "type");
  if (type == nullptr) return Tri::kFalse;
  const Value* condition_ptr = MapGet(spec, "condition");
  const Value* pattern_ptr = MapGet(spec, "pattern");
  Value condition = condition_ptr != nullptr ? *condition_ptr : Value::Absent();
  Value pattern = pattern_ptr != nullptr ? *pattern_ptr : Value::Absent();
  // Rendering (only text is rendered).
  if (pattern.kind == K::kString) {
    std::optional<std::string> rendered = RenderPlainText(pattern.text);
    if (!rendered) return Tri::kFalse;
    pattern.text = std::move(*rendered);
  }
  // The lookup of the key before its first `#`.
  std::optional<std::vector<PathStep>> path = ParsePath(key.substr(0, key.find('#')));
  if (!path) return Tri::kFalse;
  std::optional<Value> found = Lookup(*path, item);
  if (!found) return Tri::kFalse;
  // get_operator() is outside StackStorm's try blocks: its errors escape.
  if (type->kind != K::kString) return Tri::kError;
  std::optional<Op> op = OperatorByName(type->text);
  if (!op) return Tri::kError;
  if (type->text == "search") {
    Tri t = SearchTri(*found, pattern, condition, now_seconds);
    return t == Tri::kTrue ? Tri::kTrue : Tri::kFalse;
  }
  Tri t = Evaluate(*op, *found, pattern, now_seconds);
  return t == Tri::kTrue ? Tri::kTrue : Tri::kFalse;
}

}  // namespace squall::interp::st2
