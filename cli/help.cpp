// The command table, `squall help [COMMAND]` and the top-level usage text.
#include <algorithm>
#include <array>
#include <sstream>

#include "cli/commands.h"
#include "cli/version.h"

namespace squall::cli {
namespace {

constexpr std::array kCommands = {
    CommandInfo{"check", "check rule files and print diagnostics", RunCheck, CheckHelp},
    CommandInfo{"fmt", "format rule files in the canonical layout", RunFmt, FmtHelp},
    CommandInfo{"packs", "list the available packs; show a pack, action or trigger type", RunPacks,
                PacksHelp},
    CommandInfo{"test", "run the test blocks of rule files with every action mocked", RunTest,
                TestHelp},
    CommandInfo{"repl", "interactive shell: declare rules, send events, see what fires", RunRepl,
                ReplHelp},
    CommandInfo{"import", "convert StackStorm rules (YAML) to Squall source", RunImport,
                ImportHelp},
    CommandInfo{"run", "run rules: record events, execute their actions", RunRun, RunCommandHelp},
    CommandInfo{"explain", "show why each rule does or does not fire for one event", RunExplain,
                ExplainHelp},
    CommandInfo{"executions", "list, show, follow or cancel executions in the state directory",
                RunExecutions, ExecutionsHelp},
    CommandInfo{"workflows", "list and show workflow runs; pause, resume or cancel them",
                RunWorkflows, WorkflowsHelp},
    CommandInfo{"inquiries", "list the questions of waiting `ask` steps; answer them", RunInquiries,
                InquiriesHelp},
    CommandInfo{"events", "send an event to the state directory; list and show events", RunEvents,
                EventsHelp},
    CommandInfo{"kv", "get, set, delete and list keys of the key-value store", RunKv, KvHelp},
    CommandInfo{"keys", "create, list and revoke webhook API keys", RunKeys, KeysHelp},
    CommandInfo{"secrets", "set, list and delete encrypted secrets", RunSecrets, SecretsHelp},
    CommandInfo{"lsp", "run the language server (LSP over stdio) for editors", RunLsp, LspHelp},
    CommandInfo{"help", "show help for a command", RunHelp, HelpHelp},
};

}  // namespace

std::span<const CommandInfo> AllCommands() { return kCommands; }

const CommandInfo* FindCommand(std::string_view name) {
  for (const CommandInfo& command : kCommands) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

std::string CommandHelp(std::string_view name) {
  const CommandInfo* command = FindCommand(name);
  return command == nullptr ? std::string() : command->help();
}

std::string GeneralHelp() {
  std::ostringstream out;
  out << "squall " << kVersion << ": a compiled, typed language for event-driven automation\n"
      << "\n"
      << "usage: squall COMMAND [OPTIONS] [ARGS...]\n"
      << "       squall --version\n"
      << "       squall help COMMAND\n"
      << "\n"
      << "Commands:\n";
  size_t width = 0;
  for (const CommandInfo& command : kCommands) width = std::max(width, command.name.size());
  for (const CommandInfo& command : kCommands) {
    out << "  " << command.name << std::string(width + 2 - command.name.size(), ' ')
        << command.summary << '\n';
  }
  out << "\n"
      << "Every command accepts --help. Exit status: 0 success, 1 errors in the input,\n"
      << "2 bad command line or internal failure.\n";
  return out.str();
}

std::string HelpHelp() {
  return "usage: squall help [COMMAND]\n"
         "\n"
         "Prints the list of commands, or the full help of COMMAND (the same text as\n"
         "`squall COMMAND --help`).\n"
         "\n"
         "Exit status:\n"
         "  0  help printed\n"
         "  2  unknown command\n";
}

int RunHelp(std::span<const std::string> args, const Streams& streams) {
  if (args.empty()) {
    streams.out << GeneralHelp();
    return kExitOk;
  }
  if (args.size() > 1 || args[0] == "--help" || args[0] == "-h") {
    if (args[0] == "--help" || args[0] == "-h") {
      streams.out << HelpHelp();
      return kExitOk;
    }
    streams.err << "squall help: error: expected one command name\n";
    return kExitUsage;
  }
  const CommandInfo* command = FindCommand(args[0]);
  if (command == nullptr) {
    streams.err << "squall help: error: unknown command `" << args[0]
                << "`; run `squall help` for the list\n";
    return kExitUsage;
  }
  streams.out << command->help();
  return kExitOk;
}

}  // namespace squall::cli
