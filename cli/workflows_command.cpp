// `squall workflows list|show|pause|resume|cancel`: workflow runs recorded in the state
// directory. A run is an execution with runner "workflow" (action: the workflow's name); its
// steps are executions whose parent is the run (a sub-workflow step is again a run, with steps
// of its own); its instance document and the operator's `paused` switch are the store's
// WorkflowRecord. Like `squall executions`, every subcommand opens the store shared, so they
// work whether or not `squall run` is running.
#include <algorithm>
#include <array>
#include <deque>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/execution_cancel.h"
#include "cli/state_flags.h"
#include "cli/state_json.h"
#include "cli/subcommand.h"
#include "cli/workflow_view.h"

namespace squall::cli {
namespace {

namespace po = boost::program_options;
using json = nlohmann::ordered_json;
using store::Execution;
using store::Status;

// Executions are read in pages of this many (bounded memory on a large store).
constexpr size_t kPage = 1000;
// Result cells of `show` are cut to this many bytes; --json gives everything.
constexpr size_t kResultWidth = 60;

bool IsWorkflow(const Execution& e) { return e.runner == kWorkflowRunner; }

// ---------------------------------------------------------------------------------------------
// Reading the store.

// Calls `visit` for every execution with an id above `after_id`, oldest first. The store has
// no index by runner or parent, so listings scan forwards (a step's id is always above its
// parent's: ids increase and a step is created after its workflow).
template <typename Visit>
void ScanExecutions(store::Store& store, int64_t after_id, Visit visit) {
  if (after_id == 0) {
    // ListExecutions reads forwards only when after_id > 0 (0 lists the newest first); ids
    // are positive, so start after 1 and read 1 itself.
    if (std::optional<Execution> first = store.GetExecution(1)) visit(std::move(*first));
    after_id = 1;
  }
  while (true) {
    std::vector<Execution> page =
        store.ListExecutions(store::ExecutionFilter{.after_id = after_id, .limit = kPage});
    for (Execution& e : page) {
      after_id = e.id;
      visit(std::move(e));
    }
    if (page.size() < kPage) return;
  }
}

// The workflow run `root` and every execution under it.
std::vector<TreeNode> LoadTree(store::Store& store, const Execution& root) {
  std::vector<Execution> candidates;
  ScanExecutions(store, root.id, [&](Execution e) {
    if (e.parent_id >= root.id) candidates.push_back(std::move(e));
  });
  return BuildTree(root, std::move(candidates));
}

// The instance of a run and where it waits, when the engine has written one.
struct RunState {
  std::optional<store::WorkflowRecord> record;
  json instance;  // null without a record; the stored text when it does not parse
  std::vector<WaitPoint> waits;
  std::string problem;  // why the document could not be read ("" when fine)
};

RunState LoadRunState(store::Store& store, int64_t id) {
  RunState state;
  state.record = store.GetWorkflow(id);
  if (!state.record) return state;
  state.instance = ParseStored(state.record->state_json);
  std::optional<std::vector<WaitPoint>> waits = WaitPoints(state.instance, id, &state.problem);
  if (waits) state.waits = std::move(*waits);
  return state;
}

// DescribeWait with the action of the called execution looked up.
std::string DescribeWaitIn(store::Store& store, const WaitPoint& wait) {
  std::string action;
  if (wait.waiting == "call" && wait.execution != 0) {
    if (std::optional<Execution> called = store.GetExecution(wait.execution)) {
      action = called->action;
    }
  }
  return DescribeWait(wait, action);
}

std::string StatusText(const Execution& e, const RunState& state) {
  std::string text = store::StatusName(e.status);
  if (state.record && state.record->paused && !store::IsTerminal(e.status)) text += " (paused)";
  return text;
}

json WaitsJson(store::Store& store, const RunState& state) {
  json out = json::array();
  for (const WaitPoint& wait : state.waits) {
    json j = wait.ToJson();
    j["description"] = DescribeWaitIn(store, wait);
    out.push_back(std::move(j));
  }
  return out;
}

// Loads execution `id` and checks that it is a workflow run; otherwise prints why and returns
// nullopt.
std::optional<Execution> LoadRun(store::Store& store, std::string_view command, int64_t id,
                                 std::ostream& err) {
  std::optional<Execution> e = store.GetExecution(id);
  if (!e) {
    err << "squall workflows " << command << ": error: no execution " << id
        << "; `squall workflows list` shows the recent workflow runs\n";
    return std::nullopt;
  }
  if (!IsWorkflow(*e)) {
    err << "squall workflows " << command << ": error: execution " << id << " is not a workflow"
        << " run (action " << e->action << ", runner " << (e->runner.empty() ? "-" : e->runner)
        << "); see `squall executions show " << id << "`\n";
    return std::nullopt;
  }
  return e;
}

// ---------------------------------------------------------------------------------------------
// Shared options.

struct WorkflowArgs {
  std::vector<std::string> positional;
  std::vector<std::string> statuses;
  size_t limit = 0;
  bool json = false;
  StateFlags state;
  bool help = false;
};

constexpr std::string_view kFooter =
    "\n"
    "Exit status:\n"
    "  0  done\n"
    "  1  no such workflow run, not a workflow, already finished (pause, resume, cancel), or\n"
    "     the state directory cannot be opened\n"
    "  2  bad command line\n"
    "\n"
    "Examples:\n"
    "  squall workflows list --status running\n"
    "  squall workflows show 40\n"
    "  squall workflows pause 40\n"
    "  squall workflows resume 40\n"
    "  squall workflows cancel 40\n";

// Parses the IDs of pause/resume/cancel/show; prints the usage error and returns nullopt.
std::optional<std::vector<int64_t>> ParseIds(std::string_view command, const WorkflowArgs& args,
                                             size_t max, std::ostream& err) {
  std::string full = "workflows " + std::string(command);
  if (!ExpectArgs(full, args.positional, 1, max,
                  max == 1 ? "one workflow run ID" : "one or more workflow run IDs", err)) {
    return std::nullopt;
  }
  std::vector<int64_t> ids;
  for (const std::string& text : args.positional) {
    std::optional<int64_t> id = ParseId(text);
    if (!id) {
      err << "squall " << full << ": error: `" << text
          << "` is not an execution id (a positive number, as `squall workflows list` prints)\n";
      return std::nullopt;
    }
    ids.push_back(*id);
  }
  return ids;
}

// ---------------------------------------------------------------------------------------------
// list

po::options_description DescribeList(WorkflowArgs& args) {
  po::options_description desc("Options");
  desc.add_options()  //
      ("status", po::value(&args.statuses)->value_name("S")->composing(),
       "only runs in status S (repeatable): requested, scheduled, running, succeeded, failed, "
       "timed_out, canceled, abandoned, or paused (running and paused)")  //
      ("limit", po::value(&args.limit)->value_name("N")->default_value(50),
       "show at most N runs, newest first")  //
      ("json", po::bool_switch(&args.json), "one JSON object per line instead of a table");
  AddCommonOptions(desc, args, "");
  return desc;
}

constexpr std::string_view kListUsage =
    "usage: squall workflows list [--status S]... [--limit N] [--json]\n"
    "\n"
    "Lists workflow runs newest first: id, workflow, status (with `(paused)` when an operator\n"
    "paused it), the rule that started it, when it started, how long it has run, and what it\n"
    "waits for now: `call ACTION (execution N)`, `sleep until TIME`, `event TRIGGER`, `ask`\n"
    "or `join` (with `(+N more)` when several branches wait). Repeated --status options are\n"
    "alternatives (OR).\n";

int RunList(std::span<const std::string> arg_list, const Streams& streams) {
  WorkflowArgs args;
  po::options_description desc = DescribeList(args);
  po::variables_map vm;
  if (!ParseSubcommand("workflows list", arg_list, desc, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FormatHelp(kListUsage, desc, kFooter);
    return kExitOk;
  }
  // `paused` is not an execution status: it selects on the record.
  std::vector<std::string> names;
  bool paused_only = false;
  for (const std::string& name : args.statuses) {
    if (name == "paused") {
      paused_only = true;
    } else {
      names.push_back(name);
    }
  }
  std::optional<std::vector<Status>> statuses =
      ParseStatusNames("workflows list", names, streams.err);
  if (!statuses) return kExitUsage;
  auto opened =
      OpenStateStore("workflows list", args.state.dir, StateAccess::kExisting, streams.err);
  if (!opened) return kExitUserError;

  struct Row {
    Execution execution;
    RunState state;
  };
  auto wanted = [&](const Execution& e) {
    if (statuses->empty() && !paused_only) return true;
    if (std::find(statuses->begin(), statuses->end(), e.status) != statuses->end()) return true;
    if (!paused_only || store::IsTerminal(e.status)) return false;
    std::optional<store::WorkflowRecord> record = opened->GetWorkflow(e.id);
    return record && record->paused;
  };
  std::deque<Execution> newest;  // the last `limit` runs that match, oldest first
  ScanExecutions(*opened, 0, [&](Execution e) {
    if (!IsWorkflow(e) || !wanted(e)) return;
    newest.push_back(std::move(e));
    if (newest.size() > args.limit) newest.pop_front();
  });
  std::vector<Row> rows;
  for (auto it = newest.rbegin(); it != newest.rend(); ++it) {
    rows.push_back(Row{std::move(*it), LoadRunState(*opened, it->id)});
  }

  if (args.json) {
    for (const Row& row : rows) {
      json j = ExecutionJson(row.execution);
      j["paused"] = row.state.record && row.state.record->paused;
      j["waiting"] = WaitsJson(*opened, row.state);
      streams.out << j.dump() << '\n';
    }
    return kExitOk;
  }
  if (rows.empty()) {
    streams.out << (args.statuses.empty() ? "no workflow runs yet\n" : "no workflow runs match\n");
    return kExitOk;
  }
  store::Millis now = NowMillis();
  std::vector<std::vector<std::string>> table;
  table.push_back({"ID", "WORKFLOW", "STATUS", "RULE", "STARTED", "DURATION", "WAITING"});
  for (const Row& row : rows) {
    const Execution& e = row.execution;
    // Strands joining their children wait for what the children wait for: show the leaves.
    std::vector<const WaitPoint*> leaves;
    for (const WaitPoint& wait : row.state.waits) {
      if (wait.waiting != "join") leaves.push_back(&wait);
    }
    std::string waiting = "-";
    if (!row.state.problem.empty()) {
      waiting = "(unreadable instance)";
    } else if (!store::IsTerminal(e.status) && !leaves.empty()) {
      waiting = DescribeWaitIn(*opened, *leaves.front());
      if (leaves.size() > 1) waiting += " (+" + std::to_string(leaves.size() - 1) + " more)";
    }
    table.push_back({std::to_string(e.id), e.action, StatusText(e, row.state),
                     e.rule.empty() ? "-" : e.rule, FormatTime(e.started_at),
                     ExecutionElapsed(e, now), waiting});
  }
  constexpr std::array<size_t, 1> kRight = {0};
  PrintTable(streams.out, table, kRight);
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------
// show

po::options_description DescribeShow(WorkflowArgs& args) {
  po::options_description desc("Options");
  desc.add_options()("json", po::bool_switch(&args.json),
                     "one JSON document (the tree, every field, the instance documents)");
  AddCommonOptions(desc, args, "ID");
  return desc;
}

constexpr std::string_view kShowUsage =
    "usage: squall workflows show ID [--json]\n"
    "\n"
    "Shows one workflow run: its fields and parameters, then the tree of its steps (each step\n"
    "execution under the run, a sub-workflow's steps indented under it) with status, the\n"
    "state index of the step, attempts, start, duration and result (or error message, cut to\n"
    "60 characters; `squall executions show STEP` or --json show all of it), then where the\n"
    "run and its sub-workflows wait now, and the final result or error.\n";

// The RESULT cell of a step: its error's message when it has one, else its result.
std::string ResultCell(const Execution& e) {
  if (!e.error_json.empty()) {
    json error = ParseStored(e.error_json);
    if (error.is_object() && error.contains("message") && error["message"].is_string()) {
      return Abbreviate("error: " + error["message"].get<std::string>(), kResultWidth);
    }
    return Abbreviate("error: " + error.dump(), kResultWidth);
  }
  if (e.result_json.empty()) return "-";
  return Abbreviate(ParseStored(e.result_json).dump(), kResultWidth);
}

json NodeJson(store::Store& store, const Execution& e) {
  json j = ExecutionJson(e);
  std::optional<int64_t> step = StepIndex(e.policy_json);
  j["step"] = step ? json(*step) : json(nullptr);
  if (IsWorkflow(e)) {
    RunState state = LoadRunState(store, e.id);
    j["paused"] = state.record && state.record->paused;
    j["instance"] = state.instance;
    j["waiting"] = WaitsJson(store, state);
  }
  j["steps"] = json::array();
  return j;
}

int RunShow(std::span<const std::string> arg_list, const Streams& streams) {
  WorkflowArgs args;
  po::options_description desc = DescribeShow(args);
  po::variables_map vm;
  if (!ParseSubcommand("workflows show", arg_list, desc, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FormatHelp(kShowUsage, desc, kFooter);
    return kExitOk;
  }
  std::optional<std::vector<int64_t>> ids = ParseIds("show", args, 1, streams.err);
  if (!ids) return kExitUsage;
  auto opened =
      OpenStateStore("workflows show", args.state.dir, StateAccess::kExisting, streams.err);
  if (!opened) return kExitUserError;
  std::optional<Execution> root = LoadRun(*opened, "show", ids->front(), streams.err);
  if (!root) return kExitUserError;
  std::vector<TreeNode> tree = LoadTree(*opened, *root);

  if (args.json) {
    // Nest the depth-first list: a node's parent is the last node one level up.
    std::vector<json> open;  // the path from the root to the current node
    for (const TreeNode& node : tree) {
      while (open.size() > static_cast<size_t>(node.depth)) {
        json done = std::move(open.back());
        open.pop_back();
        open.back()["steps"].push_back(std::move(done));
      }
      open.push_back(NodeJson(*opened, node.execution));
    }
    while (open.size() > 1) {
      json done = std::move(open.back());
      open.pop_back();
      open.back()["steps"].push_back(std::move(done));
    }
    streams.out << open.front().dump(2) << '\n';
    return kExitOk;
  }

  std::ostream& out = streams.out;
  const Execution& e = *root;
  RunState state = LoadRunState(*opened, e.id);
  store::Millis now = NowMillis();
  auto field = [&out](std::string_view name, const std::string& value) {
    out << "  " << std::left << std::setw(10) << (std::string(name) + ":") << value << '\n';
  };
  out << "workflow run " << e.id << ": " << e.action << '\n';
  field("status", StatusText(e, state));
  field("rule", e.rule.empty() ? "-" : e.rule);
  if (e.parent_id != 0) field("parent", "execution " + std::to_string(e.parent_id));
  field("created", FormatTime(e.created_at, true));
  field("started", FormatTime(e.started_at, true));
  field("finished", FormatTime(e.finished_at, true));
  field("duration", ExecutionElapsed(e, now));
  if (state.record) {
    field("updated", FormatTime(state.record->updated_at, true));
  } else {
    field("instance", "none yet (the engine has not started it)");
  }
  PrintJsonBlock(out, "parameters", e.parameters_json);

  out << "\nsteps:\n";
  std::vector<std::vector<std::string>> table;
  table.push_back({"ID", "STEP", "STATUS", "ACTION", "ATTEMPTS", "STARTED", "DURATION", "RESULT"});
  for (const TreeNode& node : tree) {
    const Execution& s = node.execution;
    std::optional<int64_t> step = StepIndex(s.policy_json);
    std::string status = store::StatusName(s.status);
    if (IsWorkflow(s) && node.depth > 0) status = StatusText(s, LoadRunState(*opened, s.id));
    table.push_back({std::string(2 * static_cast<size_t>(node.depth), ' ') + std::to_string(s.id),
                     step ? std::to_string(*step) : "-", status,
                     IsWorkflow(s) ? "workflow " + s.action : s.action, std::to_string(s.attempts),
                     FormatTime(s.started_at), ExecutionElapsed(s, now), ResultCell(s)});
  }
  constexpr std::array<size_t, 1> kRight = {4};
  std::ostringstream rendered;
  PrintTable(rendered, table, kRight);
  std::istringstream lines(rendered.str());
  for (std::string line; std::getline(lines, line);) out << "  " << line << '\n';

  // Where the run and each unfinished sub-workflow wait.
  std::vector<std::string> waiting;
  for (const TreeNode& node : tree) {
    const Execution& s = node.execution;
    if (!IsWorkflow(s) || store::IsTerminal(s.status)) continue;
    RunState sub;
    const RunState* run = &state;
    if (node.depth > 0) {
      sub = LoadRunState(*opened, s.id);
      run = &sub;
    }
    std::string who = "run " + std::to_string(s.id) + " (" + s.action + ")";
    if (!run->problem.empty()) waiting.push_back(who + ": " + run->problem);
    for (const WaitPoint& wait : run->waits) {
      waiting.push_back(who + " strand " + std::to_string(wait.strand) + ": " +
                        DescribeWaitIn(*opened, wait));
    }
  }
  if (!waiting.empty()) {
    out << "\nwaiting:\n";
    for (const std::string& line : waiting) out << "  " << line << '\n';
  }
  // The run's outcome: the execution's; the instance's when the execution has none yet.
  auto from_instance = [&state](const char* key) -> std::string {
    if (!state.instance.is_object() || !state.instance.contains(key)) return "";
    return state.instance[key].dump();
  };
  PrintJsonBlock(out, "result", e.result_json.empty() ? from_instance("result") : e.result_json);
  PrintJsonBlock(out, "error", e.error_json.empty() ? from_instance("error") : e.error_json);
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------
// pause, resume

po::options_description DescribeIds(WorkflowArgs& args) {
  po::options_description desc("Options");
  AddCommonOptions(desc, args, "ID");
  return desc;
}

constexpr std::string_view kPauseUsage =
    "usage: squall workflows pause ID...\n"
    "\n"
    "Pauses unfinished workflow runs and, with each, every unfinished sub-workflow run under\n"
    "it: the switch is stored in the state directory and `squall run` holds the run (starts\n"
    "no further step) until `squall workflows resume`. Steps already running go on. A run the\n"
    "engine has not started yet has no instance to pause.\n";

constexpr std::string_view kResumeUsage =
    "usage: squall workflows resume ID...\n"
    "\n"
    "Resumes paused workflow runs and every sub-workflow run under each (the reverse of\n"
    "`squall workflows pause`).\n";

// Sets the switch on run `id` and its unfinished sub-workflow runs. Returns false after
// printing why when the run cannot be paused or resumed.
bool SetPaused(store::Store& store, std::string_view command, int64_t id, bool paused,
               const Streams& streams) {
  std::optional<Execution> root = LoadRun(store, command, id, streams.err);
  if (!root) return false;
  if (store::IsTerminal(root->status)) {
    streams.err << "squall workflows " << command << ": error: workflow run " << id << " already "
                << store::StatusName(root->status) << "\n";
    return false;
  }
  std::optional<store::WorkflowRecord> record = store.GetWorkflow(id);
  if (!record) {
    streams.err << "squall workflows " << command << ": error: workflow run " << id << " is "
                << store::StatusName(root->status)
                << " and has no instance yet (the engine has not started it)"
                << (paused ? "; cancel it with `squall workflows cancel`" : "") << "\n";
    return false;
  }
  const char* done = paused ? "paused" : "resumed";
  for (const TreeNode& node : LoadTree(store, *root)) {
    const Execution& e = node.execution;
    if (!IsWorkflow(e) || store::IsTerminal(e.status)) continue;
    std::string what = node.depth == 0 ? "workflow run " : "  sub-workflow run ";
    if (!store.SetWorkflowPaused(e.id, paused)) {
      if (node.depth == 0) {
        streams.err << "squall workflows " << command << ": error: cannot set workflow run " << id
                    << " " << done << "\n";
        return false;
      }
      // A sub-workflow the engine has not started yet: it starts under a paused parent.
      streams.out << what << e.id << " (" << e.action << "): not started yet\n";
      continue;
    }
    streams.out << what << e.id << " (" << e.action << "): " << done << '\n';
  }
  return true;
}

int RunPauseOrResume(std::span<const std::string> arg_list, const Streams& streams, bool paused) {
  std::string_view command = paused ? "pause" : "resume";
  std::string full = "workflows " + std::string(command);
  WorkflowArgs args;
  po::options_description desc = DescribeIds(args);
  po::variables_map vm;
  if (!ParseSubcommand(full, arg_list, desc, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FormatHelp(paused ? kPauseUsage : kResumeUsage, desc, kFooter);
    return kExitOk;
  }
  std::optional<std::vector<int64_t>> ids = ParseIds(command, args, SIZE_MAX, streams.err);
  if (!ids) return kExitUsage;
  auto opened = OpenStateStore(full, args.state.dir, StateAccess::kExisting, streams.err);
  if (!opened) return kExitUserError;
  bool all = true;
  for (int64_t id : *ids) all = SetPaused(*opened, command, id, paused, streams) && all;
  return all ? kExitOk : kExitUserError;
}

int RunPause(std::span<const std::string> args, const Streams& streams) {
  return RunPauseOrResume(args, streams, true);
}
int RunResume(std::span<const std::string> args, const Streams& streams) {
  return RunPauseOrResume(args, streams, false);
}

// ---------------------------------------------------------------------------------------------
// cancel

constexpr std::string_view kCancelUsage =
    "usage: squall workflows cancel ID...\n"
    "\n"
    "Cancels workflow runs as `squall executions cancel` does (only an unfinished one becomes\n"
    "`canceled`; a cancel racing with a completion is decided by the store), then every\n"
    "unfinished execution under each: its running and waiting steps and sub-workflow runs,\n"
    "recursively. It works whether or not `squall run` is running; a running service notices\n"
    "and stops the steps' processes. A run that already finished keeps its status, but\n"
    "unfinished executions left under it are still canceled.\n"
    "\n"
    "Exit status 1 when nothing was canceled.\n";

int RunCancel(std::span<const std::string> arg_list, const Streams& streams) {
  WorkflowArgs args;
  po::options_description desc = DescribeIds(args);
  po::variables_map vm;
  if (!ParseSubcommand("workflows cancel", arg_list, desc, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FormatHelp(kCancelUsage, desc, kFooter);
    return kExitOk;
  }
  std::optional<std::vector<int64_t>> ids = ParseIds("cancel", args, SIZE_MAX, streams.err);
  if (!ids) return kExitUsage;
  auto opened =
      OpenStateStore("workflows cancel", args.state.dir, StateAccess::kExisting, streams.err);
  if (!opened) return kExitUserError;
  int canceled = 0;
  for (int64_t id : *ids) {
    std::optional<Execution> root = LoadRun(*opened, "cancel", id, streams.err);
    if (!root) continue;
    // The run first, so that an engine looking at it starts no further step; then the tree,
    // read after that, so that steps started meanwhile are in it.
    CancelOutcome outcome = CancelExecution(*opened, id);
    switch (outcome.kind) {
      case CancelOutcome::Kind::kCanceled:
        streams.out << "workflow run " << id << " (" << root->action << "): canceled\n";
        ++canceled;
        break;
      case CancelOutcome::Kind::kFinished:
        streams.out << "workflow run " << id << " (" << root->action << "): already "
                    << store::StatusName(outcome.status) << '\n';
        break;
      case CancelOutcome::Kind::kMissing:
      case CancelOutcome::Kind::kFailed:
        streams.err << "squall workflows cancel: error: cannot cancel workflow run " << id
                    << (outcome.error.empty() ? "" : ": " + outcome.error) << "\n";
        continue;
    }
    for (const TreeNode& node : LoadTree(*opened, *root)) {
      const Execution& e = node.execution;
      if (node.depth == 0 || store::IsTerminal(e.status)) continue;
      CancelOutcome step = CancelExecution(*opened, e.id);
      std::string what = std::string(2 * static_cast<size_t>(node.depth), ' ') +
                         (IsWorkflow(e) ? "sub-workflow run " : "execution ") +
                         std::to_string(e.id) + " (" + e.action + ")";
      if (step.kind == CancelOutcome::Kind::kCanceled) {
        streams.out << what << ": canceled\n";
        ++canceled;
      } else if (step.kind == CancelOutcome::Kind::kFinished) {
        streams.out << what << ": already " << store::StatusName(step.status) << '\n';
      } else {
        streams.err << "squall workflows cancel: error: cannot cancel execution " << e.id
                    << (step.error.empty() ? "" : ": " + step.error) << "\n";
      }
    }
  }
  return canceled > 0 ? kExitOk : kExitUserError;
}

// ---------------------------------------------------------------------------------------------

std::string IdsHelp(std::string_view usage) {
  WorkflowArgs args;
  return FormatHelp(usage, DescribeIds(args), kFooter);
}

constexpr std::array kSubcommands = {
    Subcommand{"list", "workflow runs newest first, with what each waits for", RunList,
               [] {
                 WorkflowArgs args;
                 return FormatHelp(kListUsage, DescribeList(args), kFooter);
               }},
    Subcommand{"show", "one run: its tree of steps, where it waits, its result", RunShow,
               [] {
                 WorkflowArgs args;
                 return FormatHelp(kShowUsage, DescribeShow(args), kFooter);
               }},
    Subcommand{"pause", "hold runs and their sub-workflows (no further steps start)", RunPause,
               [] { return IdsHelp(kPauseUsage); }},
    Subcommand{"resume", "let paused runs go on", RunResume, [] { return IdsHelp(kResumeUsage); }},
    Subcommand{"cancel", "cancel runs and every unfinished execution under them", RunCancel,
               [] { return IdsHelp(kCancelUsage); }},
};

}  // namespace

std::string WorkflowsHelp() {
  WorkflowArgs args;
  po::options_description desc("Options");
  AddCommonOptions(desc, args, "");
  std::string usage =
      "usage: squall workflows list [--status S]... [--limit N] [--json]\n"
      "       squall workflows show ID [--json]\n"
      "       squall workflows pause ID...\n"
      "       squall workflows resume ID...\n"
      "       squall workflows cancel ID...\n"
      "\n"
      "The workflow runs recorded in the state directory by `squall run`. A run is an\n"
      "execution (runner `workflow`, action the workflow's name) whose steps are executions\n"
      "under it; `squall executions` shows each of them too. The commands work whether or not\n"
      "`squall run` is running. Times are UTC (RFC 3339).\n"
      "\n" +
      SubcommandList(kSubcommands) +
      "\n"
      "Run `squall workflows SUBCOMMAND --help` for the options of each.\n";
  return FormatHelp(usage, desc, kFooter);
}

int RunWorkflows(std::span<const std::string> args, const Streams& streams) {
  return DispatchSubcommand("workflows", kSubcommands, WorkflowsHelp, args, streams);
}

}  // namespace squall::cli
