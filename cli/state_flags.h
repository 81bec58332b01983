// What the commands that use the state directory share (`run`, `executions`, `events`, `kv`,
// `keys`, `secrets`): the `--state DIR` option and its resolution, opening the store shared
// (so that they work whether or not a `squall run` service owns the directory), durations
// (`--ttl 10m`) and timestamps (UTC RFC 3339).
//
// Everything here is stateless; the functions may be called from any thread (ResolveStateDir
// reads the environment, which the caller must not modify concurrently).
#pragma once

#include <boost/program_options.hpp>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/store/store.h"

namespace squall::cli {

// `--state DIR`.
struct StateFlags {
  std::string dir;  // "" when not given

  // Registers `--state DIR` on `desc`, storing into `dir`.
  void AddTo(boost::program_options::options_description& desc);
};

// The options every state subcommand has: --help, --state and, when `positional` (their
// description) is not empty, the positional arguments. `Args` has `bool help`,
// `StateFlags state` and `std::vector<std::string> positional`.
template <typename Args>
void AddCommonOptions(boost::program_options::options_description& desc, Args& args,
                      std::string_view positional) {
  namespace po = boost::program_options;
  desc.add_options()("help,h", po::bool_switch(&args.help), "print this help and exit");
  args.state.AddTo(desc);
  if (!positional.empty()) {
    desc.add_options()("files", po::value(&args.positional)->multitoken(),
                       std::string(positional).c_str());
  }
}

// The state directory: `flag_value` (the --state option) when not empty, else $SQUALL_STATE,
// else $XDG_STATE_HOME/squall (only when absolute, as the XDG spec requires), else
// $HOME/.local/state/squall. Environment variables that are unset or empty are skipped. `home`
// null or empty gives "" at the last step (the caller reports it). Pure: for tests.
std::filesystem::path ResolveStateDir(const std::string& flag_value, const char* squall_state,
                                      const char* xdg_state_home, const char* home);
// The same with the process environment (HOME falls back to the password database's home
// directory). "" only when no home directory can be found.
std::filesystem::path ResolveStateDir(const std::string& flag_value);

// How a CLI command opens the store. Both take no lock (StoreOptions::exclusive false), so they
// work beside a running service (SQLite WAL; a write waits up to the busy timeout).
enum class StateAccess {
  // The state directory and database must exist (`... does not exist; hint`).
  kExisting,
  // Creates the state directory (0700), the database and the key file when missing: commands
  // that store something the service needs later (`keys create`, `secrets set`, `kv set`,
  // `events send`) work before the first `squall run`.
  kCreate,
};

// Opens the store of ResolveStateDir(flag_value). On failure prints
// `squall <command>: error: <reason>; <hint>` to `err` and returns null.
std::unique_ptr<store::Store> OpenStateStore(std::string_view command,
                                             const std::string& flag_value, StateAccess access,
                                             std::ostream& err);

// Parses a duration: one or more `<digits><unit>` groups, unit `ms`, `s`, `m`, `h` or `d`
// (`500ms`, `30s`, `10m`, `2h`, `1d`, `1h30m`). Returns milliseconds; nullopt for anything else
// (a bare number, an unknown unit, a sign, spaces, overflow past ~292 million years).
std::optional<int64_t> ParseDurationMillis(std::string_view text);

// Milliseconds since the Unix epoch, now (system clock).
store::Millis NowMillis();

// `2024-05-01T12:00:00Z`, or with `millis` `2024-05-01T12:00:00.123Z` (UTC, RFC 3339). "-" for 0
// (a timestamp the store has not set).
std::string FormatTime(store::Millis at, bool millis = false);

// `1.234s`, `2m03s`, `1h02m`, `3d04h`: an elapsed time for tables.
std::string FormatDuration(int64_t millis);

// Converts `--status` values (each a name or a comma-separated list of names, as
// store::ParseStatus reads them). For an unknown name prints `squall <command>: error: unknown
// status ...` to `err` and returns nullopt.
std::optional<std::vector<store::Status>> ParseStatusNames(std::string_view command,
                                                           const std::vector<std::string>& names,
                                                           std::ostream& err);

}  // namespace squall::cli
