// Entry point of the `squall` binary: dispatches to a subcommand.
#include <unistd.h>

#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/version.h"

int main(int argc, char** argv) {
  using namespace squall::cli;
  std::ios::sync_with_stdio(false);
  Streams streams{std::cin, std::cout, std::cerr, ::isatty(STDERR_FILENO) == 1};
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << GeneralHelp();
    return kExitUsage;
  }
  const std::string& first = args.front();
  if (first == "--help" || first == "-h") {
    std::cout << GeneralHelp();
    return kExitOk;
  }
  if (first == "--version" || first == "-V") {
    std::cout << "squall " << kVersion << '\n';
    return kExitOk;
  }
  const CommandInfo* command = FindCommand(first);
  if (command == nullptr) {
    std::cerr << "squall: error: unknown command `" << first
              << "`; run `squall help` for the list\n";
    return kExitUsage;
  }
  try {
    int status = command->run(std::span(args).subspan(1), streams);
    std::cout.flush();
    return status;
  } catch (const std::exception& e) {
    // Only I/O and library failures can get here; user mistakes are diagnostics.
    std::cerr << "squall " << first << ": internal error: " << e.what() << '\n';
    return kExitUsage;
  }
}
