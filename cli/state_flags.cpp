#include "cli/state_flags.h"

#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <ostream>
#include <system_error>
#include <vector>

#include "runtime/store/sqlite_store.h"

namespace squall::cli {

namespace po = boost::program_options;

void StateFlags::AddTo(po::options_description& desc) {
  desc.add_options()  //
      ("state", po::value(&dir)->value_name("DIR"),
       "the state directory (default: $SQUALL_STATE, else $XDG_STATE_HOME/squall, else "
       "~/.local/state/squall)");
}

namespace {

bool Set(const char* value) { return value != nullptr && *value != '\0'; }

}  // namespace

std::filesystem::path ResolveStateDir(const std::string& flag_value, const char* squall_state,
                                      const char* xdg_state_home, const char* home) {
  if (!flag_value.empty()) return flag_value;
  if (Set(squall_state)) return squall_state;
  // The XDG base directory spec: a relative $XDG_STATE_HOME is invalid and must be ignored.
  if (Set(xdg_state_home) && xdg_state_home[0] == '/') {
    return std::filesystem::path(xdg_state_home) / "squall";
  }
  if (Set(home)) return std::filesystem::path(home) / ".local" / "state" / "squall";
  return {};
}

std::filesystem::path ResolveStateDir(const std::string& flag_value) {
  const char* home = std::getenv("HOME");
  std::string passwd_home;
  if (!Set(home)) {
    // A service started by an init system may have no HOME; the account's home still applies.
    std::vector<char> buffer(16384);
    passwd pwd{};
    passwd* found = nullptr;
    if (::getpwuid_r(::getuid(), &pwd, buffer.data(), buffer.size(), &found) == 0 &&
        found != nullptr && found->pw_dir != nullptr) {
      passwd_home = found->pw_dir;
    }
    home = passwd_home.c_str();
  }
  return ResolveStateDir(flag_value, std::getenv("SQUALL_STATE"), std::getenv("XDG_STATE_HOME"),
                         home);
}

std::unique_ptr<store::Store> OpenStateStore(std::string_view command,
                                             const std::string& flag_value, StateAccess access,
                                             std::ostream& err) {
  const std::filesystem::path dir = ResolveStateDir(flag_value);
  if (dir.empty()) {
    err << "squall " << command
        << ": error: cannot tell where the state directory is (no $HOME); pass --state DIR or "
           "set $SQUALL_STATE\n";
    return nullptr;
  }
  std::error_code ec;
  const bool existed = std::filesystem::exists(store::DatabasePath(dir), ec);
  std::string error;
  std::unique_ptr<store::Store> opened = store::OpenSqliteStore(
      store::StoreOptions{
          .state_dir = dir, .create = access == StateAccess::kCreate, .exclusive = false},
      &error);
  if (!opened) {
    err << "squall " << command << ": error: " << error;
    if (!existed && access == StateAccess::kExisting) {
      // The common case: a typo in --state, or nothing was ever stored there.
      err << "; nothing has been stored there yet (`squall run --state " << dir.string()
          << "` creates it), or pass the right --state DIR";
    }
    err << '\n';
    return nullptr;
  }
  return opened;
}

std::optional<int64_t> ParseDurationMillis(std::string_view text) {
  if (text.empty()) return std::nullopt;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    int64_t number = 0;
    const size_t digits_start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      const int digit = text[i] - '0';
      if (number > (kMax - digit) / 10) return std::nullopt;
      number = number * 10 + digit;
      ++i;
    }
    if (i == digits_start) return std::nullopt;
    int64_t unit = 0;
    if (text.substr(i, 2) == "ms") {
      unit = 1;
      i += 2;
    } else if (i < text.size()) {
      switch (text[i]) {
        case 's':
          unit = 1000;
          break;
        case 'm':
          unit = 60 * 1000;
          break;
        case 'h':
          unit = 60 * 60 * 1000;
          break;
        case 'd':
          unit = 24 * 60 * 60 * 1000;
          break;
        default:
          return std::nullopt;
      }
      ++i;
    } else {
      return std::nullopt;  // a bare number: seconds or milliseconds? Make the user say.
    }
    if (number > kMax / unit) return std::nullopt;
    const int64_t part = number * unit;
    if (total > kMax - part) return std::nullopt;
    total += part;
  }
  return total;
}

store::Millis NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string FormatTime(store::Millis at, bool millis) {
  if (at == 0) return "-";
  // Floor division, so that times before 1970 still print their own second.
  int64_t seconds = at / 1000;
  int64_t rest = at % 1000;
  if (rest < 0) {
    rest += 1000;
    --seconds;
  }
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  if (::gmtime_r(&t, &tm) == nullptr) return "-";
  char buffer[64];
  if (millis) {
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(rest));
  } else {
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  }
  return buffer;
}

std::string FormatDuration(int64_t millis) {
  if (millis < 0) millis = 0;
  char buffer[64];
  const int64_t seconds = millis / 1000;
  if (seconds < 60) {
    std::snprintf(buffer, sizeof buffer, "%lld.%03llds", static_cast<long long>(seconds),
                  static_cast<long long>(millis % 1000));
  } else if (seconds < 3600) {
    std::snprintf(buffer, sizeof buffer, "%lldm%02llds", static_cast<long long>(seconds / 60),
                  static_cast<long long>(seconds % 60));
  } else if (seconds < 86400) {
    std::snprintf(buffer, sizeof buffer, "%lldh%02lldm", static_cast<long long>(seconds / 3600),
                  static_cast<long long>(seconds / 60 % 60));
  } else {
    std::snprintf(buffer, sizeof buffer, "%lldd%02lldh", static_cast<long long>(seconds / 86400),
                  static_cast<long long>(seconds / 3600 % 24));
  }
  return buffer;
}

std::optional<std::vector<store::Status>> ParseStatusNames(std::string_view command,
                                                           const std::vector<std::string>& names,
                                                           std::ostream& err) {
  std::vector<store::Status> out;
  for (const std::string& list : names) {
    // `--status failed,timed_out` is accepted too.
    std::string_view rest = list;
    while (true) {
      size_t comma = rest.find(',');
      std::string_view name = rest.substr(0, comma);
      std::optional<store::Status> status = store::ParseStatus(name);
      if (!status) {
        err << "squall " << command << ": error: unknown status `" << name
            << "`; use requested, scheduled, running, succeeded, failed, timed_out, canceled "
               "or abandoned\n";
        return std::nullopt;
      }
      out.push_back(*status);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}

}  // namespace squall::cli
