#include "compiler/schema/yaml_value.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace squall::schema {
namespace {

constexpr std::string_view kCoreTagPrefix = "tag:yaml.org,2002:";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsOctal(char c) { return c >= '0' && c <= '7'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// PyYAML's bool resolver (YAML 1.1).
std::optional<bool> PlainBool(std::string_view text) {
  static constexpr std::array<std::string_view, 9> kTrue = {"yes",  "Yes", "YES", "true", "True",
                                                            "TRUE", "on",  "On",  "ON"};
  static constexpr std::array<std::string_view, 9> kFalse = {
      "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
  for (std::string_view word : kTrue) {
    if (text == word) return true;
  }
  for (std::string_view word : kFalse) {
    if (text == word) return false;
  }
  return std::nullopt;
}

// Splits an optional leading sign off `text`.
std::string_view StripSign(std::string_view text, bool* negative) {
  *negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    *negative = text[0] == '-';
    text.remove_prefix(1);
  }
  return text;
}

// Accumulates `digit` into `value` in `base`; false on overflow of int64's magnitude.
bool Accumulate(uint64_t& value, uint64_t base, uint64_t digit) {
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1;
  if (value > (kMax - digit) / base) return false;
  value = value * base + digit;
  return true;
}

uint64_t DigitValue(char c) {
  if (IsDigit(c)) return static_cast<uint64_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<uint64_t>(c - 'a' + 10);
  return static_cast<uint64_t>(c - 'A' + 10);
}

struct PlainInt {
  bool matches = false;          // the text is an int by PyYAML's resolver
  std::optional<int64_t> value;  // nullopt when it does not fit in 64 bits
};

// `[0-5]?[0-9]` after a ':' of a base-60 number.
bool IsSexagesimalPart(std::string_view part) {
  if (part.empty() || part.size() > 2) return false;
  if (part.size() == 1) return IsDigit(part[0]);
  return part[0] >= '0' && part[0] <= '5' && IsDigit(part[1]);
}

// PyYAML's int resolver and constructor:
//   [-+]?0b[0-1_]+ | [-+]?0[0-7_]+ | [-+]?(0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+
//   | [-+]?[1-9][0-9_]*(:[0-5]?[0-9])+
PlainInt ParsePlainInt(std::string_view text) {
  PlainInt result;
  bool negative = false;
  std::string_view body = StripSign(text, &negative);
  if (body.empty() || !IsDigit(body[0])) return result;

  uint64_t magnitude = 0;
  bool fits = true;
  auto digits = [&](std::string_view part, uint64_t base, bool (*valid)(char)) {
    for (char c : part) {
      if (c == '_') continue;
      if (!valid(c)) return false;
      fits = fits && Accumulate(magnitude, base, DigitValue(c));
    }
    return true;
  };
  auto is_binary = [](char c) { return c == '0' || c == '1'; };

  if (body.size() > 2 && body[0] == '0' && body[1] == 'b') {
    if (!digits(body.substr(2), 2, is_binary)) return result;
  } else if (body.size() > 2 && body[0] == '0' && body[1] == 'x') {
    if (!digits(body.substr(2), 16, IsHex)) return result;
  } else if (body.size() > 1 && body[0] == '0') {
    if (!digits(body.substr(1), 8, IsOctal)) return result;
  } else if (body.find(':') != std::string_view::npos) {
    if (body[0] == '0') return result;
    size_t colon = body.find(':');
    if (!digits(body.substr(0, colon), 10, IsDigit)) return result;
    std::string_view rest = body.substr(colon + 1);
    while (true) {
      size_t next = rest.find(':');
      std::string_view part = rest.substr(0, next);
      if (!IsSexagesimalPart(part)) return result;
      uint64_t part_value = 0;
      for (char c : part) part_value = part_value * 10 + DigitValue(c);
      if (fits) {
        fits = magnitude <= std::numeric_limits<uint64_t>::max() / 60;
        if (fits) fits = Accumulate(magnitude, 60, part_value);
      }
      if (next == std::string_view::npos) break;
      rest = rest.substr(next + 1);
    }
  } else {
    if (!digits(body, 10, IsDigit)) return result;
  }
  result.matches = true;
  constexpr uint64_t kMaxPositive = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (fits && (magnitude <= kMaxPositive || negative)) {
    result.value = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
  }
  return result;
}

// `[eE][-+][0-9]+`: PyYAML's exponent needs a sign.
bool IsExponent(std::string_view text) {
  if (text.size() < 3 || (text[0] != 'e' && text[0] != 'E')) return false;
  if (text[1] != '-' && text[1] != '+') return false;
  for (char c : text.substr(2)) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// `[0-9_]*` followed by an optional exponent.
bool IsFractionAndExponent(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && (IsDigit(text[i]) || text[i] == '_')) ++i;
  return i == text.size() || IsExponent(text.substr(i));
}

// PyYAML's float resolver:
//   [-+]?([0-9][0-9_]*)\.[0-9_]*([eE][-+][0-9]+)? | \.[0-9][0-9_]*([eE][-+][0-9]+)?
//   | [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]* | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)
bool IsPlainFloat(std::string_view text) {
  if (text == ".nan" || text == ".NaN" || text == ".NAN") return true;
  bool negative = false;
  std::string_view body = StripSign(text, &negative);
  if (body == ".inf" || body == ".Inf" || body == ".INF") return true;
  if (body.empty()) return false;
  if (body[0] == '.') {
    // The unsigned `.5` form only.
    return body.size() > 1 && body.size() == text.size() && IsDigit(body[1]) &&
           IsFractionAndExponent(body.substr(1));
  }
  if (!IsDigit(body[0])) return false;
  size_t i = 0;
  while (i < body.size() && (IsDigit(body[i]) || body[i] == '_')) ++i;
  if (i < body.size() && body[i] == ':') {
    // Base 60 with a fraction: 1:30.5
    size_t dot = body.find('.', i);
    if (dot == std::string_view::npos) return false;
    std::string_view parts = body.substr(i + 1, dot - i - 1);
    while (true) {
      size_t next = parts.find(':');
      if (!IsSexagesimalPart(parts.substr(0, next))) return false;
      if (next == std::string_view::npos) break;
      parts = parts.substr(next + 1);
    }
    for (char c : body.substr(dot + 1)) {
      if (!IsDigit(c) && c != '_') return false;
    }
    return true;
  }
  if (i >= body.size() || body[i] != '.') return false;
  return IsFractionAndExponent(body.substr(i + 1));
}

// The value of a float scalar that matched IsPlainFloat (or an int read as a float).
double PlainFloatValue(std::string_view text) {
  bool negative = false;
  std::string_view body = StripSign(text, &negative);
  double sign = negative ? -1.0 : 1.0;
  if (body == ".inf" || body == ".Inf" || body == ".INF") {
    return sign * std::numeric_limits<double>::infinity();
  }
  if (body == ".nan" || body == ".NaN" || body == ".NAN") {
    return std::numeric_limits<double>::quiet_NaN();
  }
  std::string clean;
  for (char c : body) {
    if (c != '_') clean.push_back(c);
  }
  if (clean.find(':') != std::string::npos) {
    double value = 0;
    size_t start = 0;
    while (true) {
      size_t next = clean.find(':', start);
      value = value * 60 + std::strtod(clean.substr(start, next - start).c_str(), nullptr);
      if (next == std::string::npos) break;
      start = next + 1;
    }
    return sign * value;
  }
  return sign * std::strtod(clean.c_str(), nullptr);
}

void AppendFloat(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value < 0 ? "-Infinity" : "Infinity";
    return;
  }
  std::array<char, 64> buffer{};
  auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  std::string_view text(buffer.data(), static_cast<size_t>(end - buffer.data()));
  out += text;
  // Python writes 1.0, not 1: keep a float recognisable as one.
  if (text.find_first_of(".en") == std::string_view::npos) out += ".0";
}

std::string_view CoreTag(const YAML::Node& node) {
  std::string_view tag = node.Tag();
  if (tag.starts_with(kCoreTagPrefix)) return tag.substr(kCoreTagPrefix.size());
  return {};
}

// The kind a plain (untagged, unquoted) scalar resolves to. yaml-cpp has already turned the
// null spellings into Null nodes.
ValueKind PlainKind(std::string_view text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return ValueKind::kNull;
  }
  if (PlainBool(text)) return ValueKind::kBool;
  if (ParsePlainInt(text).matches) return ValueKind::kInt;
  if (IsPlainFloat(text)) return ValueKind::kFloat;
  return ValueKind::kString;
}

bool IsPlainScalar(const YAML::Node& node) { return node.Tag() == "?"; }

void AppendJson(std::string& out, const YAML::Node& node) {
  switch (KindOf(node)) {
    case ValueKind::kNull:
      out += "null";
      return;
    case ValueKind::kBool:
      out += BoolValue(node).value_or(false) ? "true" : "false";
      return;
    case ValueKind::kInt:
      if (std::optional<int64_t> value = IntValue(node)) {
        out += std::to_string(*value);
      } else {
        // Too large for 64 bits: JSON numbers have no size limit, keep the digits.
        for (char c : node.Scalar()) {
          if (c != '_' && c != '+') out.push_back(c);
        }
      }
      return;
    case ValueKind::kFloat:
      AppendFloat(out, PlainFloatValue(node.Scalar()));
      return;
    case ValueKind::kString:
      AppendJsonString(out, node.Scalar());
      return;
    case ValueKind::kList: {
      out.push_back('[');
      bool first = true;
      for (const YAML::Node& element : node) {
        if (!first) out += ", ";
        first = false;
        AppendJson(out, element);
      }
      out.push_back(']');
      return;
    }
    case ValueKind::kMap: {
      out.push_back('{');
      bool first = true;
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (!first) out += ", ";
        first = false;
        if (it->first.IsScalar()) {
          AppendJsonString(out, it->first.Scalar());
        } else {
          AppendJsonString(out, ToJson(it->first));
        }
        out += ": ";
        AppendJson(out, it->second);
      }
      out.push_back('}');
      return;
    }
  }
}

}  // namespace

std::string_view Describe(ValueKind kind) {
  switch (kind) {
    case ValueKind::kNull:
      return "null";
    case ValueKind::kBool:
      return "a boolean";
    case ValueKind::kInt:
      return "an integer";
    case ValueKind::kFloat:
      return "a number";
    case ValueKind::kString:
      return "a string";
    case ValueKind::kList:
      return "a list";
    case ValueKind::kMap:
      return "a map";
  }
  return "a value";
}

ValueKind KindOf(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return ValueKind::kNull;
  if (node.IsSequence()) return ValueKind::kList;
  if (node.IsMap()) return ValueKind::kMap;
  std::string_view core_tag = CoreTag(node);
  if (!core_tag.empty()) {
    if (core_tag == "null") return ValueKind::kNull;
    if (core_tag == "bool" && PlainBool(node.Scalar())) return ValueKind::kBool;
    if (core_tag == "int" && ParsePlainInt(node.Scalar()).matches) return ValueKind::kInt;
    if (core_tag == "float" &&
        (IsPlainFloat(node.Scalar()) || ParsePlainInt(node.Scalar()).matches)) {
      return ValueKind::kFloat;
    }
    return ValueKind::kString;
  }
  if (!IsPlainScalar(node)) return ValueKind::kString;
  return PlainKind(node.Scalar());
}

std::optional<bool> BoolValue(const YAML::Node& node) {
  if (KindOf(node) != ValueKind::kBool) return std::nullopt;
  return PlainBool(node.Scalar());
}

std::optional<int64_t> IntValue(const YAML::Node& node) {
  if (KindOf(node) != ValueKind::kInt) return std::nullopt;
  return ParsePlainInt(node.Scalar()).value;
}

std::optional<std::string> BadTaggedScalar(const YAML::Node& node) {
  if (!node.IsDefined() || !node.IsScalar()) return std::nullopt;
  std::string_view core_tag = CoreTag(node);
  std::string_view text = node.Scalar();
  bool bad = (core_tag == "int" && !ParsePlainInt(text).matches) ||
             (core_tag == "float" && !IsPlainFloat(text) && !ParsePlainInt(text).matches) ||
             (core_tag == "bool" && !PlainBool(text));
  if (!bad) return std::nullopt;
  return "!!" + std::string(core_tag);
}

bool IsTemplate(const YAML::Node& node) {
  if (KindOf(node) != ValueKind::kString) return false;
  std::string_view text = node.Scalar();
  return text.find("{{") != std::string_view::npos || text.find("{%") != std::string_view::npos;
}

std::string ToJson(const YAML::Node& node) {
  std::string out;
  AppendJson(out, node);
  return out;
}

std::string Abbreviate(std::string_view text, size_t max_chars) {
  if (text.size() <= max_chars) return std::string(text);
  size_t cut = max_chars;
  // Back up over UTF-8 continuation bytes so no character is split.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

void AppendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : text) {
    unsigned char byte = static_cast<unsigned char>(c);
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
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (byte < 0x20) {
          out += "\\u00";
          out.push_back(kHex[byte >> 4]);
          out.push_back(kHex[byte & 0xF]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

bool FitsType(const YAML::Node& node, const types::Type* type) {
  using types::TypeKind;
  if (type == nullptr) return true;
  if (IsTemplate(node)) return true;
  ValueKind kind = KindOf(node);
  switch (type->kind()) {
    case TypeKind::kJson:
    case TypeKind::kError:
      return true;
    case TypeKind::kNothing:
      return false;
    case TypeKind::kNull:
      return kind == ValueKind::kNull;
    case TypeKind::kOptional:
      return kind == ValueKind::kNull || FitsType(node, type->element());
    case TypeKind::kBool:
      return kind == ValueKind::kBool;
    case TypeKind::kInt:
      return kind == ValueKind::kInt;
    case TypeKind::kFloat:
      return kind == ValueKind::kInt || kind == ValueKind::kFloat;
    case TypeKind::kString:
    case TypeKind::kTime:
    case TypeKind::kDuration:
      return kind == ValueKind::kString;
    case TypeKind::kList:
      if (kind != ValueKind::kList) return false;
      for (const YAML::Node& element : node) {
        if (!FitsType(element, type->element())) return false;
      }
      return true;
    case TypeKind::kMap:
      if (kind != ValueKind::kMap) return false;
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (!FitsType(it->second, type->element())) return false;
      }
      return true;
    case TypeKind::kRecord:
      if (kind != ValueKind::kMap) return false;
      for (auto it = node.begin(); it != node.end(); ++it) {
        const types::Field* field =
            it->first.IsScalar() ? type->FindField(it->first.Scalar()) : nullptr;
        const types::Type* value_type = field != nullptr ? field->type : type->extra_fields();
        if (value_type == nullptr || !FitsType(it->second, value_type)) return false;
      }
      return true;
  }
  return false;
}

}  // namespace squall::schema
