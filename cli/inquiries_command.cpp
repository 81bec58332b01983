// `squall inquiries list|show|respond`: the questions of workflows' `ask` steps that wait for
// an answer (runtime/workflow/inquiry.h), read from the stored workflow documents, and the
// answer, recorded as a `core.inquiry_response` event in the state directory's event log.
// Like `squall events send`, it opens the store shared, so it works beside a running
// `squall run` (which matches the event within its poll interval) or before the next one.
#include <array>
#include <cstdlib>
#include <iterator>
#include <ostream>

#include "cli/commands.h"
#include "cli/state_flags.h"
#include "cli/state_json.h"
#include "cli/subcommand.h"
#include "cli/workflow_view.h"
#include "runtime/workflow/answer.h"
#include "runtime/workflow/inquiry.h"

namespace squall::cli {
namespace {

namespace po = boost::program_options;
using json = nlohmann::ordered_json;
using workflow::Inquiry;
using workflow::InquiryError;

// Prompt cells of `list` are cut to this many bytes; `show` and --json give everything.
constexpr size_t kPromptWidth = 60;

struct InquiryArgs {
  std::vector<std::string> positional;
  std::string responder;
  bool json = false;
  StateFlags state;
  bool help = false;
};

constexpr std::string_view kFooter =
    "\n"
    "Exit status:\n"
    "  0  done\n"
    "  1  no such inquiry, it is no longer waiting, the response does not fit the declared\n"
    "     type, or the state directory cannot be opened or written\n"
    "  2  bad command line\n"
    "\n"
    "Examples:\n"
    "  squall inquiries list\n"
    "  squall inquiries show 42.1\n"
    "  squall inquiries respond 42.1 '{\"approved\": true, \"reason\": \"change 1234\"}'\n";

// `<time>` or "-" for none.
std::string TimeCell(store::Millis at) { return at == 0 ? "-" : FormatTime(at); }

// The waiting inquiry the user named; prints why not (exit status 1 or 2) otherwise.
std::optional<Inquiry> Find(store::Store& store, std::string_view command, const std::string& id,
                            const Streams& streams, int* status) {
  InquiryError error;
  std::optional<Inquiry> inquiry = workflow::FindInquiry(store, id, &error);
  if (!inquiry) {
    std::string_view hint = error.kind == InquiryError::Kind::kNotWaiting
                                ? ""
                                : "; `squall inquiries list` shows the waiting ones";
    streams.err << "squall inquiries " << command << ": error: " << error.message << hint << "\n";
    *status = error.kind == InquiryError::Kind::kBadId ? kExitUsage : kExitUserError;
  }
  return inquiry;
}

// ---------------------------------------------------------------------------------------------
// list

po::options_description DescribeList(InquiryArgs& args) {
  po::options_description desc("Options");
  desc.add_options()("json", po::bool_switch(&args.json),
                     "one JSON object per line instead of a table");
  AddCommonOptions(desc, args, "");
  return desc;
}

constexpr std::string_view kListUsage =
    "usage: squall inquiries list [--json]\n"
    "\n"
    "Lists the inquiries waiting for an answer, oldest workflow run first: the id\n"
    "(`<workflow run>.<strand>`), the workflow, when it asked, when it times out, the answer's\n"
    "type and the question (cut to 60 characters; `show` prints all of it). --json prints\n"
    "{id, execution_id, strand, workflow, prompt, schema, asked_at, timeout_at} per line, the\n"
    "schema being the answer's type as JSON Schema.\n";

int RunList(std::span<const std::string> arg_list, const Streams& streams) {
  InquiryArgs args;
  po::options_description desc = DescribeList(args);
  po::variables_map vm;
  if (!ParseSubcommand("inquiries list", arg_list, desc, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FormatHelp(kListUsage, desc, kFooter);
    return kExitOk;
  }
  auto opened =
      OpenStateStore("inquiries list", args.state.dir, StateAccess::kExisting, streams.err);
  if (!opened) return kExitUserError;
  std::vector<Inquiry> inquiries = workflow::ListInquiries(*opened);
  if (args.json) {
    for (const Inquiry& inquiry : inquiries) streams.out << inquiry.ToJson().dump() << '\n';
    return kExitOk;
  }
  if (inquiries.empty()) {
    streams.out << "no inquiries are waiting\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> table;
  table.push_back({"ID", "WORKFLOW", "ASKED", "TIMEOUT", "ANSWER", "PROMPT"});
  for (const Inquiry& inquiry : inquiries) {
    table.push_back({inquiry.id, inquiry.workflow, TimeCell(inquiry.asked_at),
                     TimeCell(inquiry.timeout_at), workflow::SchemaSpelling(inquiry.schema),
                     Abbreviate(inquiry.prompt, kPromptWidth)});
  }
  constexpr std::array<size_t, 0> kRight = {};
  PrintTable(streams.out, table, kRight);
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------
// show

po::options_description DescribeShow(InquiryArgs& args) {
  po::options_description desc("Options");
  desc.add_options()("json", po::bool_switch(&args.json), "one JSON object (as `list --json`)");
  AddCommonOptions(desc, args, "ID");
  return desc;
}

constexpr std::string_view kShowUsage =
    "usage: squall inquiries show ID [--json]\n"
    "\n"
    "Shows one waiting inquiry: the workflow run that asks, when, until when, the whole\n"
    "question, and the type an answer must have (also as JSON Schema).\n";

int RunShow(std::span<const std::string> arg_list, const Streams& streams) {
  InquiryArgs args;
  po::options_description desc = DescribeShow(args);
  po::variables_map vm;
  if (!ParseSubcommand("inquiries show", arg_list, desc, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FormatHelp(kShowUsage, desc, kFooter);
    return kExitOk;
  }
  if (!ExpectArgs("inquiries show", args.positional, 1, 1, "one inquiry ID", streams.err)) {
    return kExitUsage;
  }
  auto opened =
      OpenStateStore("inquiries show", args.state.dir, StateAccess::kExisting, streams.err);
  if (!opened) return kExitUserError;
  int status = kExitOk;
  std::optional<Inquiry> inquiry = Find(*opened, "show", args.positional[0], streams, &status);
  if (!inquiry) return status;
  if (args.json) {
    streams.out << inquiry->ToJson().dump(2) << '\n';
    return kExitOk;
  }
  std::ostream& out = streams.out;
  out << "inquiry   " << inquiry->id << '\n'
      << "workflow  " << inquiry->workflow << " (run " << inquiry->execution_id << ", strand "
      << inquiry->strand << ")\n"
      << "asked     " << TimeCell(inquiry->asked_at) << '\n'
      << "timeout   " << TimeCell(inquiry->timeout_at) << '\n'
      << "answer    " << workflow::SchemaSpelling(inquiry->schema) << '\n'
      << "\nprompt:\n  " << inquiry->prompt << '\n';
  PrintJsonBlock(out, "schema", inquiry->schema.dump());
  out << "\nanswer with: squall inquiries respond " << inquiry->id << " '<json>'\n";
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------
// respond

po::options_description DescribeRespond(InquiryArgs& args) {
  po::options_description desc("Options");
  desc.add_options()("responder", po::value(&args.responder)->value_name("NAME"),
                     "who answers (recorded in the event; default: $USER, else `cli`)");
  AddCommonOptions(desc, args, "ID RESPONSE");
  return desc;
}

constexpr std::string_view kRespondUsage =
    "usage: squall inquiries respond ID RESPONSE_JSON|- [--responder NAME]\n"
    "\n"
    "Answers the waiting inquiry ID with RESPONSE_JSON (`-`: read it from standard input). The\n"
    "response must have the type the `ask` declared (see `squall inquiries show ID`): a\n"
    "missing, unknown or mistyped field is refused with what is wrong, and nothing is\n"
    "recorded. Otherwise the answer is recorded durably as a `core.inquiry_response` event in\n"
    "the state directory's event log; the running `squall run` (or the next one) gives it to\n"
    "the workflow, which goes on with the answer as the value of its `ask`. When two answers\n"
    "race, the workflow takes the first one recorded and the service logs that it ignored\n"
    "the other.\n";

int RunRespond(std::span<const std::string> arg_list, const Streams& streams) {
  InquiryArgs args;
  po::options_description desc = DescribeRespond(args);
  po::variables_map vm;
  if (!ParseSubcommand("inquiries respond", arg_list, desc, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FormatHelp(kRespondUsage, desc, kFooter);
    return kExitOk;
  }
  if (!ExpectArgs("inquiries respond", args.positional, 2, 2, "an inquiry ID and a RESPONSE",
                  streams.err)) {
    return kExitUsage;
  }
  std::string text = args.positional[1];
  std::string from = "the response";
  if (text == "-") {
    text.assign(std::istreambuf_iterator<char>(streams.in), std::istreambuf_iterator<char>());
    from = "standard input";
  }
  std::optional<json> response = ParseJsonText("inquiries respond", text, from, streams.err);
  if (!response) return kExitUserError;
  std::string responder = args.responder;
  if (responder.empty()) {
    const char* user = std::getenv("USER");
    responder = user != nullptr && *user != '\0' ? user : "cli";
  }
  auto opened =
      OpenStateStore("inquiries respond", args.state.dir, StateAccess::kExisting, streams.err);
  if (!opened) return kExitUserError;
  int status = kExitOk;
  std::optional<Inquiry> inquiry = Find(*opened, "respond", args.positional[0], streams, &status);
  if (!inquiry) return status;
  InquiryError error;
  std::optional<store::NewEvent> event = workflow::ResponseEvent(
      *inquiry, nlohmann::json(*response), responder, "cli", NowMillis(), &error);
  if (!event) {
    streams.err << "squall inquiries respond: error: the response does not fit "
                << workflow::SchemaSpelling(inquiry->schema) << ": " << error.message << "\n";
    return kExitUserError;
  }
  store::WriteBatch batch;
  batch.events.push_back(std::move(*event));
  batch.claims.push_back(workflow::ResponseClaim(*inquiry));
  store::CommitResult result = opened->Commit(std::move(batch));
  if (!result.taken_claim.empty()) {
    streams.err << "squall inquiries respond: error: inquiry " << inquiry->id
                << " was already answered: another response was recorded first\n";
    return kExitUserError;
  }
  if (!result.ok || result.event_ids.size() != 1) {
    streams.err << "squall inquiries respond: error: cannot record the response: " << result.error
                << "\n";
    return kExitUserError;
  }
  streams.out << "response to inquiry " << inquiry->id << " recorded (event " << result.event_ids[0]
              << "); workflow run " << inquiry->execution_id
              << " goes on when `squall run` takes it\n";
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------

constexpr std::array kSubcommands = {
    Subcommand{"list", "the inquiries waiting for an answer", RunList,
               [] {
                 InquiryArgs args;
                 return FormatHelp(kListUsage, DescribeList(args), kFooter);
               }},
    Subcommand{"show", "one inquiry: its question and the type of its answer", RunShow,
               [] {
                 InquiryArgs args;
                 return FormatHelp(kShowUsage, DescribeShow(args), kFooter);
               }},
    Subcommand{"respond", "answer an inquiry (checked against its type, recorded durably)",
               RunRespond,
               [] {
                 InquiryArgs args;
                 return FormatHelp(kRespondUsage, DescribeRespond(args), kFooter);
               }},
};

}  // namespace

std::string InquiriesHelp() {
  InquiryArgs args;
  po::options_description desc("Options");
  AddCommonOptions(desc, args, "");
  std::string usage =
      "usage: squall inquiries list [--json]\n"
      "       squall inquiries show ID [--json]\n"
      "       squall inquiries respond ID RESPONSE_JSON|- [--responder NAME]\n"
      "\n"
      "The questions of workflows' `ask` steps that wait for an answer, and answering them.\n"
      "An inquiry's id is `<workflow run>.<strand>` (`42.1`: run 42, its body; a `parallel`\n"
      "branch or `for` iteration has a strand of its own). The commands work whether or not\n"
      "`squall run` is running; the service also takes answers over HTTP\n"
      "(`POST /inquiries/ID`). Times are UTC (RFC 3339).\n"
      "\n" +
      SubcommandList(kSubcommands) +
      "\n"
      "Run `squall inquiries SUBCOMMAND --help` for the options of each.\n";
  return FormatHelp(usage, desc, kFooter);
}

int RunInquiries(std::span<const std::string> args, const Streams& streams) {
  return DispatchSubcommand("inquiries", kSubcommands, InquiriesHelp, args, streams);
}

}  // namespace squall::cli
