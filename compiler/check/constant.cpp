#include "compiler/check/constant.h"

#include <charconv>
#include <cstdlib>

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

bool JsonEquals(const std::string& json, const ConstValue& value) {
  if (value.kind == ConstValue::Kind::kInt || value.kind == ConstValue::Kind::kFloat) {
    const char* begin = json.c_str();
    char* end = nullptr;
    double parsed = std::strtod(begin, &end);
    if (end == begin || *end != '\0') return false;
    double actual =
        value.kind == ConstValue::Kind::kInt ? static_cast<double>(value.integer) : value.number;
    return parsed == actual;
  }
  return json == value.ToJson();
}

}  // namespace squall::check
