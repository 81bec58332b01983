// `squall events send|list|show`: appends an event to the state directory's event log (the
// queue every source feeds; a running `squall run` polls the log and matches it like any other
// event), and reads the log with the rule enforcements each event produced.
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iomanip>
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

struct EventsArgs {
  std::vector<std::string> positional;
  std::string payload_file;
  std::string id;
  std::string trigger;
  size_t limit = 0;
  bool json = false;
  StateFlags state;
  bool help = false;
};

constexpr std::string_view kFooter =
    "\n"
    "Exit status:\n"
    "  0  done\n"
    "  1  the payload is not a JSON object, no such event, or the state directory cannot be\n"
    "     opened or written\n"
    "  2  bad command line\n"
    "\n"
    "Examples:\n"
    "  squall events send disk.low '{\"host\": \"web1\", \"free_mb\": 120}'\n"
    "  curl -s https://example.com/status.json | squall events send status.report -\n"
    "  squall events list --trigger disk.low --limit 20\n"
    "  squall events show 17\n";

// ---------------------------------------------------------------------------------------------
// send

po::options_description DescribeSend(EventsArgs& args) {
  po::options_description desc("Options");
  desc.add_options()  //
      ("payload-file", po::value(&args.payload_file)->value_name("FILE"),
       "read the payload (a JSON object) from FILE")  //
      ("id", po::value(&args.id)->value_name("ID"),
       "the sender's id of the event (recorded as its external id, shown by `events show`)");
  AddCommonOptions(desc, args, "TRIGGER [PAYLOAD]");
  return desc;
}

constexpr std::string_view kSendUsage =
    "usage: squall events send TRIGGER [PAYLOAD_JSON | - | --payload-file FILE] [--id ID]\n"
    "\n"
    "Records one event of trigger TRIGGER in the state directory's event log and prints its\n"
    "id. The payload is a JSON object: the PAYLOAD_JSON argument, standard input (`-`), or\n"
    "--payload-file FILE; without any of them it is `{}`. The event's source is `cli`.\n"
    "\n"
    "A running `squall run` on the same state directory picks the event up (it polls the log)\n"
    "and matches it against its rules like an event from any other source; without one, the\n"
    "event waits in the log and the next `squall run` matches it. Creates the state\n"
    "directory when it does not exist yet.\n";

// `disk.low`, `core.webhook`, `t`: a non-empty name without blanks or control characters.
bool ValidTrigger(std::string_view trigger) {
  if (trigger.empty()) return false;
  return std::none_of(trigger.begin(), trigger.end(),
                      [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; });
}

int RunSend(std::span<const std::string> arg_list, const Streams& streams) {
  EventsArgs args;
  po::options_description desc = DescribeSend(args);
  po::variables_map vm;
  if (!ParseSubcommand("events send", arg_list, desc, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FormatHelp(kSendUsage, desc, kFooter);
    return kExitOk;
  }
  if (!ExpectArgs("events send", args.positional, 1, 2, "a TRIGGER (and optionally a PAYLOAD)",
                  streams.err)) {
    return kExitUsage;
  }
  const std::string& trigger = args.positional[0];
  if (!ValidTrigger(trigger)) {
    streams.err << "squall events send: error: `" << trigger
                << "` is not a trigger name (a name like `disk.low`, without blanks)\n";
    return kExitUsage;
  }
  if (args.positional.size() == 2 && !args.payload_file.empty()) {
    streams.err << "squall events send: error: both a PAYLOAD argument and --payload-file; "
                   "give one of them\n";
    return kExitUsage;
  }
  std::string text = "{}";
  std::string from = "the payload";
  if (!args.payload_file.empty()) {
    std::ifstream file(args.payload_file, std::ios::binary);
    if (!file) {
      streams.err << "squall events send: error: cannot read " << args.payload_file << ": "
                  << std::strerror(errno) << "\n";
      return kExitUserError;
    }
    text.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    from = args.payload_file;
  } else if (args.positional.size() == 2 && args.positional[1] == "-") {
    text.assign(std::istreambuf_iterator<char>(streams.in), std::istreambuf_iterator<char>());
    from = "standard input";
  } else if (args.positional.size() == 2) {
    text = args.positional[1];
  }
  std::optional<json> parsed = ParseJsonText("events send", text, from, streams.err);
  if (!parsed) return kExitUserError;
  json payload = std::move(*parsed);
  if (!payload.is_object()) {
    streams.err << "squall events send: error: " << from << " must be a JSON object ({...}), "
                << "not " << payload.type_name()
                << "; wrap a bare value, e.g. {\"value\": " << payload.dump() << "}\n";
    return kExitUserError;
  }
  auto opened = OpenStateStore("events send", args.state.dir, StateAccess::kCreate, streams.err);
  if (!opened) return kExitUserError;
  store::WriteBatch batch;
  batch.events.push_back(store::NewEvent{.trigger = trigger,
                                         .parameters_json = "",
                                         .payload_json = payload.dump(),
                                         .source = "cli",
                                         .external_id = args.id,
                                         .received_at = NowMillis()});
  store::CommitResult result = opened->Commit(std::move(batch));
  if (!result.ok || result.event_ids.size() != 1) {
    streams.err << "squall events send: error: cannot record the event: " << result.error << "\n";
    return kExitUserError;
  }
  streams.out << result.event_ids[0] << '\n';
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------
// list

po::options_description DescribeList(EventsArgs& args) {
  po::options_description desc("Options");
  desc.add_options()                                                                      //
      ("trigger", po::value(&args.trigger)->value_name("T"), "only events of trigger T")  //
      ("limit", po::value(&args.limit)->value_name("N")->default_value(50),
       "show at most N events, newest first")  //
      ("json", po::bool_switch(&args.json), "one JSON object per line instead of a table");
  AddCommonOptions(desc, args, "");
  return desc;
}

constexpr std::string_view kListUsage =
    "usage: squall events list [--trigger T] [--limit N] [--json]\n"
    "\n"
    "Lists the events of the log, newest first: id, when it was received, trigger, source\n"
    "(`webhook:NAME`, `stdin`, `timer:RULE`, `cli`, ...), the sender's id, and RULES: how many\n"
    "rules it fired (`pending` while `squall run` has not matched it yet). Old processed\n"
    "events may have been pruned (retention); their executions stay.\n";

// The newest `limit` events (of `trigger` when not empty), newest first. The log is read
// backwards in windows of ids, so a long log costs only what is shown (plus the skipped
// events of other triggers).
std::vector<store::Event> NewestEvents(store::Store& opened, const std::string& trigger,
                                       size_t limit) {
  std::vector<store::Event> out;
  constexpr int64_t kWindow = 1000;
  int64_t high = opened.LastEventId();  // ids in (high - kWindow, high]
  while (high > 0 && out.size() < limit) {
    int64_t after = std::max<int64_t>(0, high - kWindow);
    std::vector<store::Event> window = opened.ReadEvents(after, static_cast<size_t>(kWindow));
    for (auto it = window.rbegin(); it != window.rend() && out.size() < limit; ++it) {
      if (it->id > high) continue;
      if (trigger.empty() || it->trigger == trigger) out.push_back(std::move(*it));
    }
    high = after;
  }
  return out;
}

int RunList(std::span<const std::string> arg_list, const Streams& streams) {
  EventsArgs args;
  po::options_description desc = DescribeList(args);
  po::variables_map vm;
  if (!ParseSubcommand("events list", arg_list, desc, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FormatHelp(kListUsage, desc, kFooter);
    return kExitOk;
  }
  auto opened = OpenStateStore("events list", args.state.dir, StateAccess::kExisting, streams.err);
  if (!opened) return kExitUserError;
  const int64_t cursor = opened->EventCursor();
  std::vector<store::Event> events = NewestEvents(*opened, args.trigger, args.limit);
  if (args.json) {
    for (const store::Event& event : events) {
      json out = EventJson(event);
      out["processed"] = event.id <= cursor;
      json enforcements = json::array();
      for (const store::Enforcement& en : opened->ListEnforcements(event.id)) {
        enforcements.push_back(EnforcementJson(en));
      }
      out["enforcements"] = std::move(enforcements);
      streams.out << out.dump() << '\n';
    }
    return kExitOk;
  }
  if (events.empty()) {
    streams.out << (args.trigger.empty() ? "no events yet\n" : "no events match\n");
    return kExitOk;
  }
  std::vector<std::array<std::string, 6>> rows;
  rows.push_back({"ID", "RECEIVED", "TRIGGER", "SOURCE", "EXTERNAL ID", "RULES"});
  for (const store::Event& event : events) {
    std::string rules = "pending";
    if (event.id <= cursor) rules = std::to_string(opened->ListEnforcements(event.id).size());
    rows.push_back({std::to_string(event.id), FormatTime(event.received_at), event.trigger,
                    event.source, event.external_id.empty() ? "-" : event.external_id, rules});
  }
  std::array<size_t, 6> width{};
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i + 1 == row.size()) {
        streams.out << row[i];
      } else {
        streams.out << (i == 0 ? std::right : std::left) << std::setw(static_cast<int>(width[i]))
                    << row[i] << "  ";
      }
    }
    streams.out << std::left << '\n';
  }
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------
// show

po::options_description DescribeShow(EventsArgs& args) {
  po::options_description desc("Options");
  desc.add_options()("json", po::bool_switch(&args.json), "one JSON document instead of text");
  AddCommonOptions(desc, args, "ID");
  return desc;
}

constexpr std::string_view kShowUsage =
    "usage: squall events show ID [--json]\n"
    "\n"
    "Shows one event of the log: trigger, source, the sender's id, when it was received, its\n"
    "trigger parameters and payload, whether `squall run` has matched it yet, and the rule\n"
    "enforcements it produced (rule, status, the execution it created).\n";

int RunShow(std::span<const std::string> arg_list, const Streams& streams) {
  EventsArgs args;
  po::options_description desc = DescribeShow(args);
  po::variables_map vm;
  if (!ParseSubcommand("events show", arg_list, desc, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FormatHelp(kShowUsage, desc, kFooter);
    return kExitOk;
  }
  if (!ExpectArgs("events show", args.positional, 1, 1, "one event ID", streams.err)) {
    return kExitUsage;
  }
  std::optional<int64_t> id = ParseId(args.positional[0]);
  if (!id) {
    streams.err << "squall events show: error: `" << args.positional[0]
                << "` is not an event id (a positive number, as `squall events list` prints)\n";
    return kExitUsage;
  }
  auto opened = OpenStateStore("events show", args.state.dir, StateAccess::kExisting, streams.err);
  if (!opened) return kExitUserError;
  std::optional<store::Event> event = opened->GetEvent(*id);
  if (!event) {
    streams.err << "squall events show: error: no event " << *id
                << " (never recorded, or pruned by retention); `squall events list` shows the "
                   "recent ones\n";
    return kExitUserError;
  }
  const bool processed = event->id <= opened->EventCursor();
  std::vector<store::Enforcement> enforcements = opened->ListEnforcements(event->id);
  if (args.json) {
    json out = EventJson(*event);
    out["processed"] = processed;
    json list = json::array();
    for (const store::Enforcement& en : enforcements) list.push_back(EnforcementJson(en));
    out["enforcements"] = std::move(list);
    streams.out << out.dump(2) << '\n';
    return kExitOk;
  }
  std::ostream& out = streams.out;
  out << "event " << event->id << '\n'
      << "  trigger:     " << event->trigger << '\n'
      << "  source:      " << event->source << '\n'
      << "  external id: " << (event->external_id.empty() ? "-" : event->external_id) << '\n'
      << "  received:    " << FormatTime(event->received_at, true) << '\n'
      << "  matched:     " << (processed ? "yes" : "not yet") << '\n';
  PrintJsonBlock(out, "parameters", event->parameters_json);
  PrintJsonBlock(out, "payload", event->payload_json);
  if (processed) {
    out << "\nenforcements:" << (enforcements.empty() ? " none (no rule fired)" : "") << '\n';
    for (const store::Enforcement& en : enforcements) {
      out << "  " << en.id << "  rule " << en.rule << "  " << en.status;
      if (en.execution_id != 0) out << "  execution " << en.execution_id;
      if (!en.message.empty()) out << "  (" << en.message << ")";
      out << '\n';
    }
  }
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------

constexpr std::array kSubcommands = {
    Subcommand{"send", "record an event; a running `squall run` matches it", RunSend,
               [] {
                 EventsArgs args;
                 return FormatHelp(kSendUsage, DescribeSend(args), kFooter);
               }},
    Subcommand{"list", "the events of the log, newest first", RunList,
               [] {
                 EventsArgs args;
                 return FormatHelp(kListUsage, DescribeList(args), kFooter);
               }},
    Subcommand{"show", "one event: payload, and the rules it fired", RunShow,
               [] {
                 EventsArgs args;
                 return FormatHelp(kShowUsage, DescribeShow(args), kFooter);
               }},
};

}  // namespace

std::string EventsHelp() {
  EventsArgs args;
  po::options_description desc("Options");
  AddCommonOptions(desc, args, "");
  std::string usage =
      "usage: squall events send TRIGGER [PAYLOAD_JSON | - | --payload-file FILE] [--id ID]\n"
      "       squall events list [--trigger T] [--limit N] [--json]\n"
      "       squall events show ID [--json]\n"
      "\n"
      "The event log of the state directory: every event `squall run` received (webhooks,\n"
      "files, timers, `events send`), durably, in order. Times are UTC (RFC 3339).\n"
      "\n" +
      SubcommandList(kSubcommands) +
      "\n"
      "Run `squall events SUBCOMMAND --help` for the options of each.\n";
  return FormatHelp(usage, desc, kFooter);
}

int RunEvents(std::span<const std::string> args, const Streams& streams) {
  return DispatchSubcommand("events", kSubcommands, EventsHelp, args, streams);
}

}  // namespace squall::cli
