// `squall secrets set|list|delete`: the encrypted secrets rules read with `secret("NAME")`.
// Values come from standard input only (never argv: command lines are visible to every user in
// ps and land in shell history) and are never printed.
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <iostream>
#include <iterator>
#include <ostream>

#include "cli/commands.h"
#include "cli/state_flags.h"
#include "cli/state_json.h"
#include "cli/subcommand.h"

namespace squall::cli {
namespace {

namespace po = boost::program_options;
using json = nlohmann::ordered_json;

struct SecretsArgs {
  std::vector<std::string> positional;
  bool json = false;
  StateFlags state;
  bool help = false;
};

constexpr std::string_view kFooter =
    "\n"
    "Exit status:\n"
    "  0  done\n"
    "  1  empty value (set), no such secret (delete), or the state directory cannot be\n"
    "     opened or written\n"
    "  2  bad command line\n"
    "\n"
    "Examples:\n"
    "  squall secrets set vsphere.token            (type the value, then Enter)\n"
    "  printf %s \"$TOKEN\" | squall secrets set vsphere.token\n"
    "  squall secrets set tls.key < server.key\n"
    "  squall secrets list\n"
    "  squall secrets delete vsphere.token\n";

bool ValidName(std::string_view name) {
  return !name.empty() && std::none_of(name.begin(), name.end(), [](char c) {
    return static_cast<unsigned char>(c) <= ' ' || c == 0x7f;
  });
}

// ---------------------------------------------------------------------------------------------
// set

po::options_description DescribeSet(SecretsArgs& args) {
  po::options_description desc("Options");
  AddCommonOptions(desc, args, "NAME");
  return desc;
}

constexpr std::string_view kSetUsage =
    "usage: squall secrets set NAME < VALUE\n"
    "\n"
    "Stores the secret NAME, replacing any previous value. The value is read from standard\n"
    "input, never from the command line; one trailing newline is removed (so `echo` and a\n"
    "file ending in a newline work). On a terminal the value is read as one line without\n"
    "echoing it. It is encrypted (XSalsa20-Poly1305) under the state directory's key file\n"
    "`secret.key` (0600), which this command creates with the state directory when they do\n"
    "not exist yet. Rules read it with `secret(\"NAME\")`; it never appears in logs, results\n"
    "or `squall executions show` (secret parameters are masked).\n";

// Reads one line from the terminal on stdin without echo. nullopt when stdin is not a terminal.
std::optional<std::string> ReadFromTerminal(const std::string& name, std::ostream& err) {
  if (::isatty(STDIN_FILENO) != 1) return std::nullopt;
  termios saved{};
  if (::tcgetattr(STDIN_FILENO, &saved) != 0) return std::nullopt;
  err << "value of secret " << name << ": " << std::flush;
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ECHONL;  // the user still sees their Enter
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  std::string line;
  std::getline(std::cin, line);
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  return line;
}

int RunSet(std::span<const std::string> arg_list, const Streams& streams) {
  SecretsArgs args;
  po::options_description desc = DescribeSet(args);
  po::variables_map vm;
  if (!ParseSubcommand("secrets set", arg_list, desc, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FormatHelp(kSetUsage, desc, kFooter);
    return kExitOk;
  }
  if (args.positional.size() == 2) {
    // The mistake this command exists to prevent: the value on the command line.
    streams.err << "squall secrets set: error: the value is read from standard input, not the "
                   "command line (where other users and the shell history would see it); run "
                   "`squall secrets set "
                << args.positional[0] << "` and type it, or pipe it in\n";
    return kExitUsage;
  }
  if (!ExpectArgs("secrets set", args.positional, 1, 1, "one NAME", streams.err)) {
    return kExitUsage;
  }
  const std::string& name = args.positional[0];
  if (!ValidName(name)) {
    streams.err << "squall secrets set: error: a secret name must be non-empty, without blanks "
                   "or control characters (`vsphere.token`)\n";
    return kExitUsage;
  }
  std::string value;
  std::optional<std::string> typed;
  if (&streams.in == &std::cin) typed = ReadFromTerminal(name, streams.err);
  if (typed) {
    value = std::move(*typed);
  } else {
    value.assign(std::istreambuf_iterator<char>(streams.in), std::istreambuf_iterator<char>());
    if (value.ends_with("\r\n")) {
      value.resize(value.size() - 2);
    } else if (value.ends_with('\n')) {
      value.pop_back();
    }
  }
  if (value.empty()) {
    streams.err << "squall secrets set: error: empty value on standard input; nothing stored "
                   "(`squall secrets delete "
                << name << "` removes a secret)\n";
    return kExitUserError;
  }
  auto opened = OpenStateStore("secrets set", args.state.dir, StateAccess::kCreate, streams.err);
  if (!opened) return kExitUserError;
  if (!opened->PutSecret(name, value, NowMillis())) {
    streams.err << "squall secrets set: error: cannot store the secret (the state directory "
                   "could not be written)\n";
    return kExitUserError;
  }
  std::fill(value.begin(), value.end(), '\0');
  streams.out << "stored secret " << name << '\n';
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------
// list

po::options_description DescribeList(SecretsArgs& args) {
  po::options_description desc("Options");
  desc.add_options()("json", po::bool_switch(&args.json), "a JSON array of the names");
  AddCommonOptions(desc, args, "");
  return desc;
}

constexpr std::string_view kListUsage =
    "usage: squall secrets list [--json]\n"
    "\n"
    "Lists the names of the secrets, sorted, one per line. Values are never shown.\n";

int RunList(std::span<const std::string> arg_list, const Streams& streams) {
  SecretsArgs args;
  po::options_description desc = DescribeList(args);
  po::variables_map vm;
  if (!ParseSubcommand("secrets list", arg_list, desc, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FormatHelp(kListUsage, desc, kFooter);
    return kExitOk;
  }
  auto opened = OpenStateStore("secrets list", args.state.dir, StateAccess::kExisting, streams.err);
  if (!opened) return kExitUserError;
  std::vector<std::string> names = opened->ListSecretNames();
  if (args.json) {
    streams.out << json(names).dump() << '\n';
    return kExitOk;
  }
  if (names.empty()) streams.err << "no secrets (`squall secrets set NAME` stores one)\n";
  for (const std::string& name : names) streams.out << name << '\n';
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------
// delete

po::options_description DescribeDelete(SecretsArgs& args) {
  po::options_description desc("Options");
  AddCommonOptions(desc, args, "NAME");
  return desc;
}

constexpr std::string_view kDeleteUsage =
    "usage: squall secrets delete NAME\n"
    "\n"
    "Deletes the secret NAME. Rules that read it get an error from `secret(\"NAME\")` from now\n"
    "on. Exit status 1 when there is no such secret.\n";

int RunDelete(std::span<const std::string> arg_list, const Streams& streams) {
  SecretsArgs args;
  po::options_description desc = DescribeDelete(args);
  po::variables_map vm;
  if (!ParseSubcommand("secrets delete", arg_list, desc, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FormatHelp(kDeleteUsage, desc, kFooter);
    return kExitOk;
  }
  if (!ExpectArgs("secrets delete", args.positional, 1, 1, "one NAME", streams.err)) {
    return kExitUsage;
  }
  const std::string& name = args.positional[0];
  auto opened =
      OpenStateStore("secrets delete", args.state.dir, StateAccess::kExisting, streams.err);
  if (!opened) return kExitUserError;
  if (!opened->DeleteSecret(name)) {
    streams.err << "squall secrets delete: error: no secret `" << name
                << "`; `squall secrets list` shows them\n";
    return kExitUserError;
  }
  streams.out << "deleted secret " << name << '\n';
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------

constexpr std::array kSubcommands = {
    Subcommand{"set", "store a secret read from standard input", RunSet,
               [] {
                 SecretsArgs args;
                 return FormatHelp(kSetUsage, DescribeSet(args), kFooter);
               }},
    Subcommand{"list", "the names of the secrets (never their values)", RunList,
               [] {
                 SecretsArgs args;
                 return FormatHelp(kListUsage, DescribeList(args), kFooter);
               }},
    Subcommand{"delete", "delete a secret", RunDelete,
               [] {
                 SecretsArgs args;
                 return FormatHelp(kDeleteUsage, DescribeDelete(args), kFooter);
               }},
};

}  // namespace

std::string SecretsHelp() {
  SecretsArgs args;
  po::options_description desc("Options");
  AddCommonOptions(desc, args, "");
  std::string usage =
      "usage: squall secrets set NAME < VALUE\n"
      "       squall secrets list [--json]\n"
      "       squall secrets delete NAME\n"
      "\n"
      "Secrets of the state directory, encrypted at rest under its key file `secret.key`.\n"
      "Rules read them with `secret(\"NAME\")`; values are never printed, logged or stored in\n"
      "results.\n"
      "\n" +
      SubcommandList(kSubcommands) +
      "\n"
      "Run `squall secrets SUBCOMMAND --help` for the options of each.\n";
  return FormatHelp(usage, desc, kFooter);
}

int RunSecrets(std::span<const std::string> args, const Streams& streams) {
  return DispatchSubcommand("secrets", kSubcommands, SecretsHelp, args, streams);
}

}  // namespace squall::cli
