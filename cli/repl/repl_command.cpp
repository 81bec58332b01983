// `squall repl`: the interactive shell. Reads entries (through libedit on a terminal: line
// editing, history file, tab completion; plain lines otherwise, so it is scriptable) and hands
// them to repl::Session, which owns everything else.
#include <editline/readline.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>

#include "cli/commands.h"
#include "cli/repl/session.h"

namespace squall::cli {
namespace {

namespace po = boost::program_options;

struct ReplArgs {
  PackFlags packs;
  std::string history;
  std::string color = "auto";
  bool no_history = false;
  bool pack_warnings = false;
  bool help = false;
};

po::options_description Describe(ReplArgs& args) {
  po::options_description desc("Options");
  desc.add_options()                                                       //
      ("help,h", po::bool_switch(&args.help), "print this help and exit")  //
      ("history", po::value(&args.history)->value_name("FILE"),
       "history file (default: $XDG_STATE_HOME/squall/history, else ~/.squall_history)")          //
      ("no-history", po::bool_switch(&args.no_history), "neither read nor write a history file")  //
      ("color", po::value(&args.color)->value_name("WHEN"),
       "color diagnostics: auto (default), always or never")  //
      ("pack-warnings", po::bool_switch(&args.pack_warnings),
       "also report problems in the packs' YAML");
  args.packs.AddTo(desc);
  return desc;
}

constexpr std::string_view kUsage =
    "usage: squall repl [OPTIONS]\n"
    "\n"
    "An interactive shell: declare triggers, rules and workflows one at a time (each is\n"
    "checked with everything declared before it, as `squall check` would), send events and\n"
    "see which rules fire with their rendered actions (mocked unless `:live on`). `:help`\n"
    "inside lists the commands. With standard input not a terminal it reads plain lines and\n"
    "prints no prompt, so it can be scripted.\n";

constexpr std::string_view kFooter =
    "\n"
    "Exit status:\n"
    "  0  end of input, Ctrl-D or :quit (mistakes in entries never end the session)\n"
    "  2  bad command line\n"
    "\n"
    "Example:\n"
    "  squall repl --packs ../shared/packs\n"
    "  squall> import core\n"
    "  squall> rule hello { if core.webhook then core.local(cmd: \"echo hi\") }\n";

constexpr const char* kPrompt = "squall> ";
constexpr const char* kContinuation = "   ...> ";

std::filesystem::path DefaultHistory() {
  if (const char* state = std::getenv("XDG_STATE_HOME"); state != nullptr && *state != '\0') {
    return std::filesystem::path(state) / "squall" / "history";
  }
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home != nullptr ? home : ".") / ".squall_history";
}

// libedit's completion callbacks are plain functions: they reach the session through these.
repl::Session* g_session = nullptr;
const std::string* g_pending = nullptr;
std::vector<std::string> g_matches;
char g_word_breaks[64];

char* NextMatch(const char*, int state) {
  static size_t index = 0;
  if (state == 0) index = 0;
  if (index >= g_matches.size()) return nullptr;
  return ::strdup(g_matches[index++].c_str());
}

char** Complete(const char* text, int, int end) {
  rl_attempted_completion_over = 1;  // no file-name completion as a fallback
  repl::Completion completion =
      g_session->Complete(*g_pending, rl_line_buffer, static_cast<size_t>(end));
  g_matches = std::move(completion.candidates);
  if (g_matches.empty()) return nullptr;
  // A parameter (`cmd:`) or a command word is followed by a space, a dotted prefix is not
  // (more may follow).
  rl_completion_append_character = ' ';
  return rl_completion_matches(text, NextMatch);
}

// One line from the terminal or the input; nullopt at end of input.
std::optional<std::string> ReadLine(bool interactive, const char* prompt, std::istream& in) {
  if (!interactive) {
    std::string line;
    if (!std::getline(in, line)) return std::nullopt;
    return line;
  }
  char* raw = ::readline(prompt);
  if (raw == nullptr) return std::nullopt;
  std::string line(raw);
  std::free(raw);
  return line;
}

}  // namespace

std::string ReplHelp() {
  ReplArgs args;
  return FormatHelp(kUsage, Describe(args), kFooter);
}

int RunRepl(std::span<const std::string> arg_list, const Streams& streams) {
  ReplArgs args;
  po::options_description desc = Describe(args);
  po::positional_options_description positional;
  po::variables_map vm;
  if (!ParseCommandLine("repl", arg_list, desc, positional, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << ReplHelp();
    return kExitOk;
  }
  if (args.color != "auto" && args.color != "always" && args.color != "never") {
    streams.err << "squall repl: error: unknown --color `" << args.color
                << "`; use `auto`, `always` or `never`\n";
    return kExitUsage;
  }
  bool color = args.color == "always" || (args.color == "auto" && streams.err_is_terminal &&
                                          std::getenv("NO_COLOR") == nullptr);
  repl::Session session(repl::SessionOptions{
      .packs = args.packs, .pack_warnings = args.pack_warnings, .color = color});

  bool interactive = ::isatty(STDIN_FILENO) == 1;
  std::string history;
  std::string pending;
  if (interactive) {
    g_session = &session;
    g_pending = &pending;
    // memcpy + terminator: strncpy of an exact-length string trips -Wstringop-truncation at -O3.
    size_t breaks = std::min(repl::kWordBreaks.size(), sizeof g_word_breaks - 1);
    std::memcpy(g_word_breaks, repl::kWordBreaks.data(), breaks);
    g_word_breaks[breaks] = '\0';
    rl_readline_name = "squall";
    rl_completer_word_break_characters = g_word_breaks;
    rl_attempted_completion_function = Complete;
    using_history();
    stifle_history(1000);
    if (!args.no_history) {
      history = args.history.empty() ? DefaultHistory().string() : args.history;
      std::error_code ec;
      std::filesystem::create_directories(std::filesystem::path(history).parent_path(), ec);
      // Entries can hold payloads with tokens: the file is the user's alone. Created here with
      // 0600 (write_history keeps the mode of an existing file).
      int fd = ::open(history.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
      if (fd >= 0) ::close(fd);
      read_history(history.c_str());  // an empty file is a first session
    }
    streams.out << "squall repl: declarations, :help for commands, Ctrl-D to leave\n";
    streams.out.flush();
  }

  auto submit = [&] {
    try {
      session.Submit(pending, streams.out, streams.err);
    } catch (const std::exception& e) {
      // A defect, not the user's: say so and keep the session.
      streams.err << "internal error: " << e.what() << "\n";
    }
    pending.clear();
    streams.out.flush();
    streams.err.flush();
  };
  while (!session.quit_requested()) {
    std::optional<std::string> line =
        ReadLine(interactive, pending.empty() ? kPrompt : kContinuation, streams.in);
    if (!line) break;
    if (line->find_first_not_of(" \t\r") == std::string::npos) {
      if (!pending.empty()) submit();  // a blank line ends an unfinished entry
      continue;
    }
    if (interactive) {
      add_history(line->c_str());
      if (!history.empty()) write_history(history.c_str());
    }
    if (!pending.empty()) pending += '\n';
    pending += *line;
    if (!session.NeedsMore(pending)) submit();
  }
  if (!pending.empty()) submit();
  if (interactive && !session.quit_requested()) streams.out << "\n";  // after Ctrl-D's prompt
  g_session = nullptr;
  g_pending = nullptr;
  return kExitOk;
}

}  // namespace squall::cli
