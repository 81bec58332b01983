// Commands with subcommands over the state directory (`squall executions list`, `squall kv
// set`, ...): the dispatch from the first argument, and the parsing every subcommand shares
// (its options, `--help`, `--state DIR`, positional arguments).
#pragma once

#include <boost/program_options.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cli/driver.h"

namespace squall::cli {

struct Subcommand {
  std::string_view name;     // `list`
  std::string_view summary;  // one line for the group's help
  int (*run)(std::span<const std::string> args, const Streams& streams);
  std::string (*help)();
};

// Runs `args[0]` of `subcommands` with the rest of `args`; `--help`/`-h` as args[0] prints
// `group_help`. A missing or unknown subcommand is a usage error (`squall <group>: error: ...`).
int DispatchSubcommand(std::string_view group, std::span<const Subcommand> subcommands,
                       std::string (*group_help)(), std::span<const std::string> args,
                       const Streams& streams);

// `  list     summary` lines for a group's help.
std::string SubcommandList(std::span<const Subcommand> subcommands);

// Parses a subcommand's command line: `desc` must hold `help` and may hold the positional
// `files` (hidden from FormatHelp), which collects every positional argument. Returns false
// after printing the usage error. `command` is e.g. "kv set".
bool ParseSubcommand(std::string_view command, std::span<const std::string> args,
                     const boost::program_options::options_description& desc,
                     boost::program_options::variables_map& vm, std::ostream& err);

// Checks the number of positional arguments; prints `squall <command>: error: expected ...; see
// `squall <command> --help`` and returns false when it is outside [min, max].
bool ExpectArgs(std::string_view command, const std::vector<std::string>& positional, size_t min,
                size_t max, std::string_view what, std::ostream& err);

}  // namespace squall::cli
