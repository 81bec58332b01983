#include "runtime/interp/value.h"

#include <charconv>
#include <cstdio>
#include <string_view>
#include <unordered_set>

#include "compiler/check/constant.h"
#include "compiler/diag/json_escape.h"

namespace squall::interp {

Value Value::Bool(bool v) {
  Value out;
  out.kind = Kind::kBool;
  out.boolean = v;
  return out;
}

Value Value::Int(int64_t v) {
  Value out;
  out.kind = Kind::kInt;
  out.integer = v;
  return out;
}

Value Value::Float(double v) {
  Value out;
  out.kind = Kind::kFloat;
  out.number = v;
  return out;
}

Value Value::String(std::string v) {
  Value out;
  out.kind = Kind::kString;
  out.text = std::move(v);
  return out;
}

Value Value::Duration(int64_t ms) {
  Value out;
  out.kind = Kind::kDuration;
  out.integer = ms;
  return out;
}

Value Value::Time(int64_t ms) {
  Value out;
  out.kind = Kind::kTime;
  out.integer = ms;
  return out;
}

bool Equal(const Value& a, const Value& b) {
  if (!a.present() || !b.present()) return false;
  if (a.numeric() && b.numeric()) return a.AsDouble() == b.AsDouble();
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Value::Kind::kBool:
      return a.boolean == b.boolean;
    case Value::Kind::kString:
      return a.text == b.text;
    case Value::Kind::kDuration:
    case Value::Kind::kTime:
      return a.integer == b.integer;
    case Value::Kind::kList:
      if (a.elements.size() != b.elements.size()) return false;
      for (size_t i = 0; i < a.elements.size(); ++i) {
        if (!Equal(a.elements[i], b.elements[i])) return false;
      }
      return true;
    case Value::Kind::kMap:
      if (a.keys.size() != b.keys.size()) return false;
      for (size_t i = 0; i < a.keys.size(); ++i) {
        size_t j = 0;
        while (j < b.keys.size() && b.keys[j] != a.keys[i]) ++j;
        if (j == b.keys.size() || !Equal(a.elements[i], b.elements[j])) return false;
      }
      return true;
    default:
      return false;
  }
}

namespace {

std::string Number(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  (void)ec;  // 64 bytes hold any double's shortest form
  return std::string(buffer, end);
}

// Days since 1970-01-01 -> civil date (Howard Hinnant's algorithm, proleptic Gregorian).
void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

Value FromConst(const check::ConstValue& c) {
  using K = check::ConstValue::Kind;
  switch (c.kind) {
    case K::kNull:
      return Value::Absent();
    case K::kBool:
      return Value::Bool(c.boolean);
    case K::kInt:
      return Value::Int(c.integer);
    case K::kFloat:
      return Value::Float(c.number);
    case K::kString:
      return Value::String(c.text);
    case K::kDuration:
      return Value::Duration(c.integer);
    case K::kList: {
      Value list;
      list.kind = Value::Kind::kList;
      for (const check::ConstValue& e : c.elements) list.elements.push_back(FromConst(e));
      return list;
    }
    case K::kMap: {
      Value map;
      map.kind = Value::Kind::kMap;
      // A key written twice in an event's JSON: the first occurrence counts, at every level,
      // as for the fields the decoder reads (docs/events.md).
      std::unordered_set<std::string_view> seen;
      for (const check::ConstValue::Entry& e : c.entries) {
        if (!seen.insert(e.key).second) continue;
        map.keys.push_back(e.key);
        map.elements.push_back(FromConst(e.value));
      }
      return map;
    }
  }
  return Value::Absent();
}

}  // namespace

std::string FormatTime(int64_t milliseconds) {
  int64_t days = milliseconds / 86'400'000;
  int64_t rest = milliseconds % 86'400'000;
  if (rest < 0) {
    rest += 86'400'000;
    --days;
  }
  int64_t year = 0;
  unsigned month = 0, day = 0;
  CivilFromDays(days, year, month, day);
  int64_t seconds = rest / 1000;
  int64_t millis = rest % 1000;
  char buffer[64];
  int n = std::snprintf(
      buffer, sizeof buffer, "%04lld-%02u-%02uT%02lld:%02lld:%02lld", static_cast<long long>(year),
      month, day, static_cast<long long>(seconds / 3600), static_cast<long long>(seconds / 60 % 60),
      static_cast<long long>(seconds % 60));
  std::string out(buffer, static_cast<size_t>(n));
  if (millis != 0) {
    std::snprintf(buffer, sizeof buffer, ".%03lld", static_cast<long long>(millis));
    out += buffer;
  }
  return out + "Z";
}

std::string ToJson(const Value& value) {
  switch (value.kind) {
    case Value::Kind::kAbsent:
      return "null";
    case Value::Kind::kBool:
      return value.boolean ? "true" : "false";
    case Value::Kind::kInt:
      return std::to_string(value.integer);
    case Value::Kind::kFloat:
      return Number(value.number);
    case Value::Kind::kString: {
      std::string out;
      diag::AppendJsonString(out, value.text);
      return out;
    }
    case Value::Kind::kDuration:
      return value.integer % 1000 == 0 ? std::to_string(value.integer / 1000)
                                       : Number(static_cast<double>(value.integer) / 1000);
    case Value::Kind::kTime: {
      std::string out;
      diag::AppendJsonString(out, FormatTime(value.integer));
      return out;
    }
    case Value::Kind::kList: {
      std::string out = "[";
      for (size_t i = 0; i < value.elements.size(); ++i) {
        if (i > 0) out += ",";
        out += ToJson(value.elements[i]);
      }
      return out + "]";
    }
    case Value::Kind::kMap: {
      std::string out = "{";
      for (size_t i = 0; i < value.keys.size(); ++i) {
        if (i > 0) out += ",";
        diag::AppendJsonString(out, value.keys[i]);
        out += ":" + ToJson(value.elements[i]);
      }
      return out + "}";
    }
  }
  return "null";
}

std::string ToText(const Value& value) {
  switch (value.kind) {
    case Value::Kind::kAbsent:
      return "";
    case Value::Kind::kString:
      return value.text;
    case Value::Kind::kDuration:
      return check::DurationSpelling(value.integer);
    case Value::Kind::kTime:
      return FormatTime(value.integer);
    default:
      return ToJson(value);
  }
}

Value FromJson(std::string_view json) {
  std::optional<check::ConstValue> parsed = check::ParseJson(json);
  return parsed ? FromConst(*parsed) : Value::Absent();
}

}  // namespace squall::interp
