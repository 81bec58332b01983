// `squall executions list|show|tail|cancel`: the executions recorded in the state directory,
// read through a shared (lock-free) open of the store so that they work beside a running
// `squall run`. `cancel` is a conditional write (ExecutionUpdate::only_from): it wins only over
// an execution that has not finished, and the service notices it (see kCancelUsage).
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <iomanip>
#include <map>
#include <ostream>
#include <thread>

#include "cli/commands.h"
#include "cli/execution_cancel.h"
#include "cli/state_flags.h"
#include "cli/state_json.h"
#include "cli/subcommand.h"

namespace squall::cli {
namespace {

namespace po = boost::program_options;
using json = nlohmann::ordered_json;
using store::Execution;
using store::Status;

// ---------------------------------------------------------------------------------------------
// Shared options.

struct ExecArgs {
  std::vector<std::string> positional;
  std::vector<std::string> statuses;
  std::string rule;
  std::string action;
  size_t limit = 0;
  bool json = false;
  bool follow = false;
  StateFlags state;
  bool help = false;
};

constexpr std::string_view kFooter =
    "\n"
    "Exit status:\n"
    "  0  done\n"
    "  1  no such execution, nothing was canceled, or the state directory cannot be opened\n"
    "  2  bad command line\n"
    "\n"
    "Examples:\n"
    "  squall executions list --status failed --status timed_out --rule nightly-backup\n"
    "  squall executions show 42\n"
    "  squall executions tail --follow\n"
    "  squall executions cancel 42 43\n";

// ---------------------------------------------------------------------------------------------
// list

po::options_description DescribeList(ExecArgs& args) {
  po::options_description desc("Options");
  desc.add_options()  //
      ("status", po::value(&args.statuses)->value_name("S")->composing(),
       "only executions in status S (repeatable): requested, scheduled, running, succeeded, "
       "failed, timed_out, canceled, abandoned")                                             //
      ("rule", po::value(&args.rule)->value_name("R"), "only executions created by rule R")  //
      ("action", po::value(&args.action)->value_name("A"),
       "only executions of action A (`core.local`)")  //
      ("limit", po::value(&args.limit)->value_name("N")->default_value(50),
       "show at most N executions, newest first")  //
      ("json", po::bool_switch(&args.json), "one JSON object per line instead of a table");
  AddCommonOptions(desc, args, "");
  return desc;
}

constexpr std::string_view kListUsage =
    "usage: squall executions list [--status S]... [--rule R] [--action A] [--limit N] "
    "[--json]\n"
    "\n"
    "Lists executions newest first: id, status, action, rule, attempts started, when it was\n"
    "created and how long its latest attempt ran (still counting while it runs). Filters\n"
    "combine (AND); repeated --status options are alternatives (OR).\n";

void PrintExecutionTable(std::ostream& out, const std::vector<Execution>& executions,
                         store::Millis now) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"ID", "STATUS", "ACTION", "RULE", "ATTEMPTS", "CREATED", "DURATION"});
  for (const Execution& e : executions) {
    rows.push_back(
        {std::to_string(e.id), store::StatusName(e.status), e.action,
         e.rule.empty() ? (e.parent_id != 0 ? "(after #" + std::to_string(e.parent_id) + ")" : "-")
                        : e.rule,
         std::to_string(e.attempts), FormatTime(e.created_at), ExecutionElapsed(e, now)});
  }
  constexpr std::array<size_t, 2> kRight = {0, 4};  // the numbers
  PrintTable(out, rows, kRight);
}

int RunList(std::span<const std::string> arg_list, const Streams& streams) {
  ExecArgs args;
  po::options_description desc = DescribeList(args);
  po::variables_map vm;
  if (!ParseSubcommand("executions list", arg_list, desc, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FormatHelp(kListUsage, desc, kFooter);
    return kExitOk;
  }
  std::optional<std::vector<Status>> statuses =
      ParseStatusNames("executions list", args.statuses, streams.err);
  if (!statuses) return kExitUsage;
  auto opened =
      OpenStateStore("executions list", args.state.dir, StateAccess::kExisting, streams.err);
  if (!opened) return kExitUserError;
  std::vector<Execution> executions = opened->ListExecutions(store::ExecutionFilter{
      .statuses = *statuses, .rule = args.rule, .action = args.action, .limit = args.limit});
  if (args.json) {
    for (const Execution& e : executions) streams.out << ExecutionJson(e).dump() << '\n';
    return kExitOk;
  }
  if (executions.empty()) {
    bool filtered = !statuses->empty() || !args.rule.empty() || !args.action.empty();
    streams.out << (filtered ? "no executions match\n" : "no executions yet\n");
    return kExitOk;
  }
  PrintExecutionTable(streams.out, executions, NowMillis());
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------
// show

po::options_description DescribeShow(ExecArgs& args) {
  po::options_description desc("Options");
  desc.add_options()("json", po::bool_switch(&args.json), "one JSON document instead of text");
  AddCommonOptions(desc, args, "ID");
  return desc;
}

constexpr std::string_view kShowUsage =
    "usage: squall executions show ID [--json]\n"
    "\n"
    "Shows one execution: every field, its parameters (secret values are stored masked as\n"
    "\"********\"), the result and error of its latest attempt, the history of its finished\n"
    "attempts, and where it came from: the rule enforcement and the event that triggered it,\n"
    "or the execution whose `on success`/`on failure` created it.\n";

int RunShow(std::span<const std::string> arg_list, const Streams& streams) {
  ExecArgs args;
  po::options_description desc = DescribeShow(args);
  po::variables_map vm;
  if (!ParseSubcommand("executions show", arg_list, desc, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FormatHelp(kShowUsage, desc, kFooter);
    return kExitOk;
  }
  if (!ExpectArgs("executions show", args.positional, 1, 1, "one execution ID", streams.err)) {
    return kExitUsage;
  }
  std::optional<int64_t> id = ParseId(args.positional[0]);
  if (!id) {
    streams.err << "squall executions show: error: `" << args.positional[0]
                << "` is not an execution id (a positive number, as `squall executions list` "
                   "prints)\n";
    return kExitUsage;
  }
  auto opened =
      OpenStateStore("executions show", args.state.dir, StateAccess::kExisting, streams.err);
  if (!opened) return kExitUserError;
  std::optional<Execution> found = opened->GetExecution(*id);
  if (!found) {
    streams.err << "squall executions show: error: no execution " << *id
                << "; `squall executions list` shows the recent ones\n";
    return kExitUserError;
  }
  const Execution& e = *found;
  std::vector<store::Attempt> attempts = opened->ListAttempts(e.id);
  std::optional<store::Enforcement> enforcement;
  std::optional<store::Event> event;
  if (e.event_id != 0) {
    for (store::Enforcement& en : opened->ListEnforcements(e.event_id)) {
      if (en.execution_id == e.id) enforcement = std::move(en);
    }
    event = opened->GetEvent(e.event_id);
  }

  if (args.json) {
    json out = ExecutionJson(e);
    json history = json::array();
    for (const store::Attempt& a : attempts) history.push_back(AttemptJson(a));
    out["history"] = std::move(history);
    out["enforcement"] = enforcement ? EnforcementJson(*enforcement) : json(nullptr);
    out["event"] = event ? EventJson(*event) : json(nullptr);
    streams.out << out.dump(2) << '\n';
    return kExitOk;
  }

  std::ostream& out = streams.out;
  auto field = [&out](std::string_view name, const std::string& value) {
    out << "  " << std::left << std::setw(17) << (std::string(name) + ":") << value << '\n';
  };
  out << "execution " << e.id << '\n';
  field("status", store::StatusName(e.status));
  field("action", e.action + (e.runner.empty() ? "" : " (runner " + e.runner + ")"));
  field("rule", e.rule.empty() ? "-" : e.rule);
  field("event", e.event_id == 0 ? "-" : std::to_string(e.event_id));
  if (e.parent_id != 0) field("parent", "execution " + std::to_string(e.parent_id));
  field("attempts", std::to_string(e.attempts));
  field("created", FormatTime(e.created_at, true));
  if (e.status == Status::kScheduled && e.run_at != 0) field("run at", FormatTime(e.run_at, true));
  field("started", FormatTime(e.started_at, true));
  field("finished", FormatTime(e.finished_at, true));
  field("duration", ExecutionElapsed(e, NowMillis()));
  if (!e.concurrency_key.empty()) field("concurrency key", e.concurrency_key);
  PrintJsonBlock(out, "parameters", e.parameters_json);
  PrintJsonBlock(out, "policy", e.policy_json);
  PrintJsonBlock(out, "result", e.result_json);
  PrintJsonBlock(out, "error", e.error_json);
  if (!attempts.empty()) {
    out << "\nattempts:\n";
    for (const store::Attempt& a : attempts) {
      out << "  #" << a.attempt << ' ' << store::StatusName(a.status) << "  "
          << FormatTime(a.started_at, true) << " .. " << FormatTime(a.finished_at, true) << " ("
          << FormatDuration(a.finished_at - a.started_at) << ")\n";
      if (!a.error_json.empty()) out << "     error: " << ParseStored(a.error_json).dump() << '\n';
    }
  }
  if (enforcement) {
    out << "\nenforcement " << enforcement->id << ": rule " << enforcement->rule << ", "
        << enforcement->status;
    if (!enforcement->message.empty()) out << " (" << enforcement->message << ")";
    if (!enforcement->throttle_key.empty()) out << ", throttle key " << enforcement->throttle_key;
    out << ", " << FormatTime(enforcement->created_at, true) << '\n';
  }
  if (event) {
    out << "\nevent " << event->id << ": " << event->trigger << " from " << event->source
        << ", received " << FormatTime(event->received_at, true);
    if (!event->external_id.empty()) out << ", id " << event->external_id;
    out << '\n';
    PrintJsonBlock(out, "payload", event->payload_json);
  } else if (e.event_id != 0) {
    out << "\nevent " << e.event_id << ": pruned from the event log\n";
  }
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------
// tail

po::options_description DescribeTail(ExecArgs& args) {
  po::options_description desc("Options");
  desc.add_options()  //
      ("follow,f", po::bool_switch(&args.follow),
       "keep printing new executions and status changes until interrupted (Ctrl-C)")  //
      ("limit", po::value(&args.limit)->value_name("N")->default_value(10),
       "start with the last N executions")  //
      ("json", po::bool_switch(&args.json), "one JSON object per line (the execution)");
  AddCommonOptions(desc, args, "");
  return desc;
}

constexpr std::string_view kTailUsage =
    "usage: squall executions tail [--follow] [--limit N] [--json]\n"
    "\n"
    "Prints the last N executions, oldest first, one line each: the time of its latest change,\n"
    "id, status, action, rule and attempt. With --follow it then keeps printing a line for\n"
    "every new execution and every status change (polling the state directory every 200 ms)\n"
    "until interrupted, like `tail -f` of the execution log.\n";

// The time of the change a status stands for.
store::Millis ChangedAt(const Execution& e) {
  if (e.finished_at != 0) return e.finished_at;
  if (e.status == Status::kRunning && e.started_at != 0) return e.started_at;
  return e.created_at;
}

void PrintTailLine(std::ostream& out, const Execution& e, bool as_json) {
  if (as_json) {
    out << ExecutionJson(e).dump() << '\n';
  } else {
    out << FormatTime(ChangedAt(e), true) << "  " << e.id << "  " << std::left << std::setw(9)
        << store::StatusName(e.status) << "  " << e.action;
    if (!e.rule.empty()) out << "  rule " << e.rule;
    if (e.attempts > 1) out << "  attempt " << e.attempts;
    out << '\n';
  }
  out.flush();
}

int RunTail(std::span<const std::string> arg_list, const Streams& streams) {
  ExecArgs args;
  po::options_description desc = DescribeTail(args);
  po::variables_map vm;
  if (!ParseSubcommand("executions tail", arg_list, desc, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FormatHelp(kTailUsage, desc, kFooter);
    return kExitOk;
  }
  auto opened =
      OpenStateStore("executions tail", args.state.dir, StateAccess::kExisting, streams.err);
  if (!opened) return kExitUserError;
  std::vector<Execution> last = opened->ListExecutions(store::ExecutionFilter{.limit = args.limit});
  std::reverse(last.begin(), last.end());  // oldest first, as a log reads
  int64_t last_id = 0;
  // Executions printed that may still change, with the status printed last.
  std::map<int64_t, Status> open;
  auto print = [&](const Execution& e) {
    PrintTailLine(streams.out, e, args.json);
    last_id = std::max(last_id, e.id);
    if (store::IsTerminal(e.status)) {
      open.erase(e.id);
    } else {
      open[e.id] = e.status;
    }
  };
  for (const Execution& e : last) print(e);
  if (!args.follow) {
    if (last.empty() && !args.json) streams.out << "no executions yet\n";
    return kExitOk;
  }
  if (last.empty()) {
    // Nothing printed: start after the newest id, which is the newest execution (if any).
    std::vector<Execution> newest = opened->ListExecutions(store::ExecutionFilter{.limit = 1});
    if (!newest.empty()) last_id = newest[0].id;
  }
  while (streams.out) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    for (auto it = open.begin(); it != open.end();) {
      std::optional<Execution> now = opened->GetExecution(it->first);
      auto next = std::next(it);
      if (now && now->status != it->second) print(*now);
      it = next;
    }
    while (true) {
      std::vector<Execution> fresh = opened->ListExecutions(
          store::ExecutionFilter{.after_id = last_id, .limit = 500});  // oldest first
      for (const Execution& e : fresh) print(e);
      if (fresh.size() < 500) break;
    }
  }
  return kExitOk;  // stdout closed
}

// ---------------------------------------------------------------------------------------------
// cancel

po::options_description DescribeCancel(ExecArgs& args) {
  po::options_description desc("Options");
  AddCommonOptions(desc, args, "ID");
  return desc;
}

constexpr std::string_view kCancelUsage =
    "usage: squall executions cancel ID...\n"
    "\n"
    "Cancels executions that have not finished (requested, scheduled or running): each becomes\n"
    "`canceled` at once in the state directory, and a running `squall run` notices within\n"
    "about 250 ms and kills the process group of a running command (SIGTERM, then SIGKILL).\n"
    "An execution that already finished keeps its status; the command says which it has.\n"
    "A cancel racing with a completion is decided by the store: exactly one of them wins.\n"
    "\n"
    "Exit status 1 when no execution was canceled.\n";

int RunCancel(std::span<const std::string> arg_list, const Streams& streams) {
  ExecArgs args;
  po::options_description desc = DescribeCancel(args);
  po::variables_map vm;
  if (!ParseSubcommand("executions cancel", arg_list, desc, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FormatHelp(kCancelUsage, desc, kFooter);
    return kExitOk;
  }
  if (!ExpectArgs("executions cancel", args.positional, 1, SIZE_MAX, "one or more execution IDs",
                  streams.err)) {
    return kExitUsage;
  }
  std::vector<int64_t> ids;
  for (const std::string& text : args.positional) {
    std::optional<int64_t> id = ParseId(text);
    if (!id) {
      streams.err << "squall executions cancel: error: `" << text
                  << "` is not an execution id (a positive number, as `squall executions list` "
                     "prints)\n";
      return kExitUsage;
    }
    ids.push_back(*id);
  }
  auto opened =
      OpenStateStore("executions cancel", args.state.dir, StateAccess::kExisting, streams.err);
  if (!opened) return kExitUserError;
  int canceled = 0;
  for (int64_t id : ids) {
    CancelOutcome outcome = CancelExecution(*opened, id);
    switch (outcome.kind) {
      case CancelOutcome::Kind::kCanceled:
        streams.out << "execution " << id << ": canceled\n";
        ++canceled;
        break;
      case CancelOutcome::Kind::kFinished:
        streams.out << "execution " << id << ": already " << store::StatusName(outcome.status)
                    << '\n';
        break;
      case CancelOutcome::Kind::kMissing:
        streams.err << "squall executions cancel: error: no execution " << id
                    << "; `squall executions list` shows the recent ones\n";
        break;
      case CancelOutcome::Kind::kFailed:
        streams.err << "squall executions cancel: error: cannot cancel execution " << id << ": "
                    << outcome.error << "\n";
        break;
    }
  }
  return canceled > 0 ? kExitOk : kExitUserError;
}

// ---------------------------------------------------------------------------------------------

constexpr std::array kSubcommands = {
    Subcommand{"list", "executions newest first, filtered by status, rule or action", RunList,
               [] {
                 ExecArgs args;
                 return FormatHelp(kListUsage, DescribeList(args), kFooter);
               }},
    Subcommand{"show", "one execution: fields, parameters, result, attempts, origin", RunShow,
               [] {
                 ExecArgs args;
                 return FormatHelp(kShowUsage, DescribeShow(args), kFooter);
               }},
    Subcommand{"tail", "the latest executions; --follow prints changes as they happen", RunTail,
               [] {
                 ExecArgs args;
                 return FormatHelp(kTailUsage, DescribeTail(args), kFooter);
               }},
    Subcommand{"cancel", "cancel executions that have not finished", RunCancel,
               [] {
                 ExecArgs args;
                 return FormatHelp(kCancelUsage, DescribeCancel(args), kFooter);
               }},
};

}  // namespace

std::string ExecutionsHelp() {
  ExecArgs args;
  po::options_description desc("Options");
  AddCommonOptions(desc, args, "");
  std::string usage =
      "usage: squall executions list [--status S]... [--rule R] [--action A] [--limit N] "
      "[--json]\n"
      "       squall executions show ID [--json]\n"
      "       squall executions tail [--follow] [--limit N] [--json]\n"
      "       squall executions cancel ID...\n"
      "\n"
      "The executions recorded in the state directory by `squall run` (each action a rule\n"
      "started, with its attempts and result). They work whether or not `squall run` is\n"
      "running. Times are UTC (RFC 3339).\n"
      "\n" +
      SubcommandList(kSubcommands) +
      "\n"
      "Run `squall executions SUBCOMMAND --help` for the options of each.\n";
  return FormatHelp(usage, desc, kFooter);
}

int RunExecutions(std::span<const std::string> args, const Streams& streams) {
  return DispatchSubcommand("executions", kSubcommands, ExecutionsHelp, args, streams);
}

}  // namespace squall::cli
