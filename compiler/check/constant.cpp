#include "compiler/check/constant.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "compiler/diag/json_escape.h"

namespace squall::check {

ConstValue ConstValue::Null() { return ConstValue{}; }

ConstValue ConstValue::Bool(bool value) {
  ConstValue v;
  v.kind = Kind::kBool;
  v.boolean = value;
  return v;
}

ConstValue ConstValue::Int(int64_t value) {
  ConstValue v;
  v.kind = Kind::kInt;
  v.integer = value;
  return v;
}

ConstValue ConstValue::Float(double value) {
  ConstValue v;
  v.kind = Kind::kFloat;
  v.number = value;
  return v;
}

ConstValue ConstValue::String(std::string value) {
  ConstValue v;
  v.kind = Kind::kString;
  v.text = std::move(value);
  return v;
}

ConstValue ConstValue::Duration(int64_t milliseconds) {
  ConstValue v;
  v.kind = Kind::kDuration;
  v.integer = milliseconds;
  return v;
}

namespace {

std::string NumberText(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  (void)ec;  // 64 bytes hold the shortest round-trip form of any double
  return std::string(buffer, end);
}

std::string Quote(const std::string& text) {
  std::string out;
  diag::AppendJsonString(out, text);
  return out;
}

}  // namespace

std::string DurationSpelling(int64_t milliseconds) {
  if (milliseconds == 0) return "0s";
  std::string out;
  if (milliseconds < 0) {
    out += "-";
    milliseconds = -milliseconds;
  }
  static constexpr std::pair<int64_t, const char*> kUnits[] = {
      {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1'000, "s"}, {1, "ms"}};
  for (const auto& [size, unit] : kUnits) {
    if (milliseconds >= size) {
      out += std::to_string(milliseconds / size) + unit;
      milliseconds %= size;
    }
  }
  return out;
}

std::string ConstValue::ToJson() const {
  switch (kind) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return boolean ? "true" : "false";
    case Kind::kInt:
      return std::to_string(integer);
    case Kind::kFloat:
      return NumberText(number);
    case Kind::kString:
      return Quote(text);
    case Kind::kDuration:
      return integer % 1000 == 0 ? std::to_string(integer / 1000)
                                 : NumberText(static_cast<double>(integer) / 1000);
    case Kind::kList: {
      std::string out = "[";
      for (size_t i = 0; i < elements.size(); ++i) {
        if (i > 0) out += ",";
        out += elements[i].ToJson();
      }
      return out + "]";
    }
    case Kind::kMap: {
      std::string out = "{";
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i > 0) out += ",";
        out += Quote(entries[i].key) + ":" + entries[i].value.ToJson();
      }
      return out + "}";
    }
  }
  return "null";
}

std::string ConstValue::ToSource() const {
  switch (kind) {
    case Kind::kDuration:
      return DurationSpelling(integer);
    case Kind::kList: {
      std::string out = "[";
      for (size_t i = 0; i < elements.size(); ++i) {
        if (i > 0) out += ", ";
        out += elements[i].ToSource();
      }
      return out + "]";
    }
    case Kind::kMap: {
      std::string out = "{";
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i > 0) out += ", ";
        out += Quote(entries[i].key) + ": " + entries[i].value.ToSource();
      }
      return out + "}";
    }
    default:
      return ToJson();
  }
}

namespace {

// A small recursive-descent JSON reader for the enum and default values the pack loader keeps
// as JSON text: values, not documents from the network, so depth is bounded by the YAML.
class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : text_(text) {}

  std::optional<ConstValue> Read() {
    std::optional<ConstValue> value = Value(0);
    SkipSpace();
    if (!value || pos_ != text_.size()) return std::nullopt;
    return value;
  }

 private:
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Consume(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  std::optional<std::string> String() {
    if (!Consume("\"")) return std::nullopt;
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) return std::nullopt;
      char e = text_[pos_++];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'u': {
          std::optional<unsigned> code = Hex4(pos_);
          if (!code) return std::nullopt;
          pos_ += 4;
          if (*code >= 0xD800 && *code <= 0xDBFF && text_.substr(pos_, 2) == "\\u") {
            std::optional<unsigned> low = Hex4(pos_ + 2);
            if (!low || *low < 0xDC00 || *low > 0xDFFF) return std::nullopt;
            *code = 0x10000 + ((*code - 0xD800) << 10) + (*low - 0xDC00);
            pos_ += 6;
          }
          AppendUtf8(out, *code);
          break;
        }
        default:
          out += e;
          break;  // `"`, `\`, `/`
      }
    }
    if (!Consume("\"")) return std::nullopt;
    return out;
  }
  // The four hex digits at `at`, if there are four.
  std::optional<unsigned> Hex4(size_t at) const {
    if (at + 4 > text_.size()) return std::nullopt;
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text_.data() + at, text_.data() + at + 4, value, 16);
    if (ec != std::errc() || end != text_.data() + at + 4) return std::nullopt;
    return value;
  }
  static void AppendUtf8(std::string& out, unsigned code) {
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xC0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xE0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }
  std::optional<ConstValue> Value(int depth) {
    if (depth > 64) return std::nullopt;
    SkipSpace();
    if (pos_ >= text_.size()) return std::nullopt;
    char c = text_[pos_];
    if (c == '"') {
      std::optional<std::string> text = String();
      if (!text) return std::nullopt;
      return ConstValue::String(std::move(*text));
    }
    if (Consume("null")) return ConstValue::Null();
    if (Consume("true")) return ConstValue::Bool(true);
    if (Consume("false")) return ConstValue::Bool(false);
    if (c == '[') {
      ++pos_;
      ConstValue list;
      list.kind = ConstValue::Kind::kList;
      SkipSpace();
      if (Consume("]")) return list;
      while (true) {
        std::optional<ConstValue> element = Value(depth + 1);
        if (!element) return std::nullopt;
        list.elements.push_back(std::move(*element));
        SkipSpace();
        if (Consume("]")) return list;
        if (!Consume(",")) return std::nullopt;
      }
    }
    if (c == '{') {
      ++pos_;
      ConstValue map;
      map.kind = ConstValue::Kind::kMap;
      SkipSpace();
      if (Consume("}")) return map;
      while (true) {
        SkipSpace();
        std::optional<std::string> key = String();
        if (!key) return std::nullopt;
        SkipSpace();
        if (!Consume(":")) return std::nullopt;
        std::optional<ConstValue> value = Value(depth + 1);
        if (!value) return std::nullopt;
        map.entries.push_back(ConstValue::Entry{std::move(*key), std::move(*value)});
        SkipSpace();
        if (Consume("}")) return map;
        if (!Consume(",")) return std::nullopt;
      }
    }
    // A number: an integer when it has no fraction or exponent and fits.
    size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isdigit(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '-' ||
            text_[pos_] == '+' || text_[pos_] == '.' || text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
    }
    std::string number(text_.substr(start, pos_ - start));
    if (number.empty()) return std::nullopt;
    int64_t integer = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), integer);
    if (ec == std::errc() && end == number.data() + number.size()) return ConstValue::Int(integer);
    char* parsed_end = nullptr;
    double value = std::strtod(number.c_str(), &parsed_end);
    if (parsed_end != number.c_str() + number.size()) return std::nullopt;
    return ConstValue::Float(value);
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

std::optional<ConstValue> ParseJson(std::string_view text) { return JsonReader(text).Read(); }

// Equality of two constants as `==` sees it: numbers by value, the rest structurally.
bool SameValue(const ConstValue& a, const ConstValue& b) {
  using K = ConstValue::Kind;
  auto numeric = [](const ConstValue& v) { return v.kind == K::kInt || v.kind == K::kFloat; };
  if (numeric(a) && numeric(b)) {
    double x = a.kind == K::kInt ? static_cast<double>(a.integer) : a.number;
    double y = b.kind == K::kInt ? static_cast<double>(b.integer) : b.number;
    return x == y;
  }
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case K::kNull:
      return true;
    case K::kBool:
      return a.boolean == b.boolean;
    case K::kString:
      return a.text == b.text;
    case K::kDuration:
      return a.integer == b.integer;
    case K::kList:
      if (a.elements.size() != b.elements.size()) return false;
      for (size_t i = 0; i < a.elements.size(); ++i) {
        if (!SameValue(a.elements[i], b.elements[i])) return false;
      }
      return true;
    case K::kMap:
      if (a.entries.size() != b.entries.size()) return false;
      for (const ConstValue::Entry& entry : a.entries) {
        auto it = std::find_if(b.entries.begin(), b.entries.end(),
                               [&](const ConstValue::Entry& e) { return e.key == entry.key; });
        if (it == b.entries.end() || !SameValue(entry.value, it->value)) return false;
      }
      return true;
    default:
      return false;
  }
}

bool JsonEquals(const std::string& json, const ConstValue& value) {
  std::optional<ConstValue> parsed = ParseJson(json);
  // A duration stands for its number of seconds, as it does when passed to such a parameter.
  if (value.kind == ConstValue::Kind::kDuration) {
    return parsed &&
           SameValue(*parsed, ConstValue::Float(static_cast<double>(value.integer) / 1000));
  }
  return parsed && SameValue(*parsed, value);
}

}  // namespace squall::check
