// The subcommands of the `squall` binary. Each takes its arguments (after the command name)
// and returns an ExitCode. The table in main.cpp lists them; help.cpp prints their help.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "cli/driver.h"

namespace squall::cli {

int RunCheck(std::span<const std::string> args, const Streams& streams);
std::string CheckHelp();
int RunFmt(std::span<const std::string> args, const Streams& streams);
std::string FmtHelp();
// `squall packs list|show`.
int RunPacks(std::span<const std::string> args, const Streams& streams);
std::string PacksHelp();
// `squall run FILES --events FILE --dry-run`.
int RunRun(std::span<const std::string> args, const Streams& streams);
std::string RunCommandHelp();
// `squall explain FILES --event JSON`.
int RunExplain(std::span<const std::string> args, const Streams& streams);
std::string ExplainHelp();
// `squall executions list|show|tail|cancel` (executions_command.cpp).
int RunExecutions(std::span<const std::string> args, const Streams& streams);
std::string ExecutionsHelp();
// `squall workflows list|show|pause|resume|cancel` (workflows_command.cpp).
int RunWorkflows(std::span<const std::string> args, const Streams& streams);
std::string WorkflowsHelp();
// `squall inquiries list|show|respond` (inquiries_command.cpp).
int RunInquiries(std::span<const std::string> args, const Streams& streams);
std::string InquiriesHelp();
// `squall events send|list|show` (events_command.cpp).
int RunEvents(std::span<const std::string> args, const Streams& streams);
std::string EventsHelp();
// `squall kv get|set|delete|list` (kv_command.cpp).
int RunKv(std::span<const std::string> args, const Streams& streams);
std::string KvHelp();
// `squall keys create|list|revoke` (keys_command.cpp).
int RunKeys(std::span<const std::string> args, const Streams& streams);
std::string KeysHelp();
// `squall secrets set|list|delete` (secrets_command.cpp).
int RunSecrets(std::span<const std::string> args, const Streams& streams);
std::string SecretsHelp();
// `squall lsp`: the language server over stdio (lsp/lsp_command.cpp).
int RunLsp(std::span<const std::string> args, const Streams& streams);
std::string LspHelp();
// `squall test [FILES]`: runs the `test` blocks with every action mocked (test_command.cpp).
int RunTest(std::span<const std::string> args, const Streams& streams);
std::string TestHelp();
// `squall repl`: the interactive shell (repl/repl_command.cpp).
int RunRepl(std::span<const std::string> args, const Streams& streams);
std::string ReplHelp();
// `squall import st2 PATH...`: StackStorm rule YAML to Squall source (import_command.cpp).
int RunImport(std::span<const std::string> args, const Streams& streams);
std::string ImportHelp();
// `squall help [COMMAND]`.
int RunHelp(std::span<const std::string> args, const Streams& streams);
std::string HelpHelp();

struct CommandInfo {
  std::string_view name;
  std::string_view summary;
  int (*run)(std::span<const std::string> args, const Streams& streams);
  std::string (*help)();
};

// Every subcommand, in the order `squall help` lists them.
std::span<const CommandInfo> AllCommands();
const CommandInfo* FindCommand(std::string_view name);

// The full help text of a command (what `squall COMMAND --help` prints), or "" if unknown.
std::string CommandHelp(std::string_view name);
// The top-level usage text (what `squall --help` prints).
std::string GeneralHelp();

}  // namespace squall::cli
