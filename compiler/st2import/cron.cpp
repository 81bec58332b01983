#include "compiler/st2import/cron.h"

#include <array>
#include <cctype>

namespace squall::st2import {
namespace {

// APScheduler's FIELD_NAMES, most significant first, with DEFAULT_VALUES.
struct Field {
  std::string_view name;
  std::string_view minimum;
};
constexpr std::array<Field, 8> kFields = {{{"year", "*"},
                                           {"month", "1"},
                                           {"day", "1"},
                                           {"week", "*"},
                                           {"day_of_week", "*"},
                                           {"hour", "0"},
                                           {"minute", "0"},
                                           {"second", "0"}}};
constexpr std::array<std::string_view, 7> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

// Cron syntax shared by APScheduler and five-field cron: `*`, numbers, names, `-`, `/`, `,`.
bool IsPlainCron(std::string_view text, bool allow_names) {
  if (text.empty()) return false;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '*' || c == '-' || c == '/' || c == ',')
      continue;
    if (allow_names && std::isalpha(static_cast<unsigned char>(c))) continue;
    return false;
  }
  return true;
}

// Day-of-week numbers (Monday = 0) as names; a step (`*/2`) keeps its number.
std::string DayNames(std::string_view text, std::string* problem) {
  // A step counts from Monday in APScheduler but from Sunday in cron: not the same days.
  if (text.find('/') != std::string_view::npos) {
    *problem = "a day_of_week step (`" + std::string(text) +
               "`) counts from Monday in APScheduler and from Sunday in cron; list the days";
    return "";
  }
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      size_t start = i;
      while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
      std::string_view number = text.substr(start, i - start);
      if (number.size() != 1 || number[0] > '6') {
        *problem = "day_of_week `" + std::string(text) + "` has a day outside 0-6";
        return "";
      }
      out += kDays[static_cast<size_t>(number[0] - '0')];
      continue;
    }
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ++i;
  }
  return out;
}

}  // namespace

CronResult ConvertCronTimer(const std::map<std::string, std::string>& fields) {
  CronResult result;
  for (const auto& [name, value] : fields) {
    bool known = name == "timezone";
    for (const Field& f : kFields) known = known || f.name == name;
    if (!known) {
      result.problem = "unknown field `" + name + "`";
      return result;
    }
  }
  if (auto tz = fields.find("timezone"); tz != fields.end()) result.timezone = tz->second;
  // Index of the least significant field given.
  int last_given = -1;
  for (size_t i = 0; i < kFields.size(); ++i) {
    if (fields.count(std::string(kFields[i].name)) != 0) last_given = static_cast<int>(i);
  }
  std::map<std::string_view, std::string> effective;
  for (size_t i = 0; i < kFields.size(); ++i) {
    auto it = fields.find(std::string(kFields[i].name));
    if (it != fields.end()) {
      effective[kFields[i].name] = it->second;
    } else {
      effective[kFields[i].name] =
          static_cast<int>(i) < last_given ? "*" : std::string(kFields[i].minimum);
    }
  }
  if (effective["second"] != "0" && effective["second"] != "00") {
    result.problem = "Squall's cron has no seconds field (second: `" + effective["second"] + "`)";
    return result;
  }
  for (std::string_view name : {"year", "week"}) {
    if (effective[name] != "*") {
      result.problem = "Squall's cron has no `" + std::string(name) + "` field";
      return result;
    }
  }
  for (std::string_view name : {"minute", "hour", "day", "month", "day_of_week"}) {
    bool names = name == "month" || name == "day_of_week";
    if (!IsPlainCron(effective[name], names)) {
      result.problem = "`" + std::string(name) + ": " + effective[name] +
                       "` uses APScheduler syntax that five-field cron lacks";
      return result;
    }
  }
  // APScheduler matches a day when both `day` and `day_of_week` match; cron (Vixie, which
  // Squall's follows) when either does, unless one of them starts with `*`.
  if (!effective["day"].starts_with('*') && !effective["day_of_week"].starts_with('*')) {
    result.problem = "APScheduler requires both `day: " + effective["day"] +
                     "` and `day_of_week: " + effective["day_of_week"] +
                     "`, while cron fires when either matches; keep one of them, or check the "
                     "other in the rule's condition";
    return result;
  }
  std::string days = DayNames(effective["day_of_week"], &result.problem);
  if (!result.problem.empty()) return result;
  result.schedule = effective["minute"] + " " + effective["hour"] + " " + effective["day"] + " " +
                    effective["month"] + " " + days;
  return result;
}

}  // namespace squall::st2import
