// `squall packs list` and `squall packs show REF`: what the pack path holds, as the checker
// sees it (built-in packs first, then --packs, $SQUALL_PACKS). `show` prints a pack, an action
// or a trigger type with every parameter and the output or payload type, like `st2 action get`.
#include <algorithm>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/pack_flags.h"
#include "compiler/diag/suggest.h"
#include "compiler/schema/loader.h"
#include "compiler/types/type.h"

namespace squall::cli {
namespace {

namespace po = boost::program_options;

struct PacksArgs {
  std::vector<std::string> refs;
  std::string format = "text";
  PackFlags packs;
  DiagnosticFlags diagnostics;
  bool help = false;
};

po::options_description Describe(PacksArgs& args) {
  po::options_description desc("Options");
  desc.add_options()                                                       //
      ("help,h", po::bool_switch(&args.help), "print this help and exit")  //
      ("format", po::value(&args.format)->value_name("FORMAT")->default_value("text"),
       "`text` (for people) or `json` (one document on stdout, for tools)");
  args.packs.AddTo(desc);
  args.diagnostics.AddTo(desc);
  desc.add_options()("files", po::value(&args.refs)->multitoken(), "REF");
  return desc;
}

constexpr std::string_view kPacksUsage =
    "usage: squall packs list [OPTIONS]\n"
    "       squall packs show [OPTIONS] REF\n"
    "\n"
    "Shows the packs the checker resolves `import`, action calls and triggers against: the\n"
    "built-in packs (`core`), then each --packs DIR, then each directory of $SQUALL_PACKS\n"
    "(colon-separated). The first pack of a name wins; later ones are shadowed. A pack\n"
    "directory is in StackStorm's layout (pack.yaml, actions/, triggers/, sensors/) and a\n"
    "search directory may hold runner definitions in _runners/.\n"
    "\n"
    "  list       every available pack: name, version, where it comes from, its number of\n"
    "             actions and trigger types; shadowed packs are marked\n"
    "  show REF   a pack (`core`), an action (`core.local`: runner, parameters, output type)\n"
    "             or a trigger type (`linux.file_watch.line`: parameters, payload type)\n"
    "\n"
    "Problems in the YAML of the packs read are printed as diagnostics, as `squall check`\n"
    "prints them. Run `squall packs list --help` or `squall packs show --help` for details.\n";

constexpr std::string_view kListUsage =
    "usage: squall packs list [OPTIONS]\n"
    "\n"
    "Lists every available pack, sorted by name: version, number of actions and trigger\n"
    "types, and the directory it comes from (`stdlib/packs/...` for built-in packs). A pack\n"
    "hidden by an earlier one of the same name is listed as shadowed. Every pack is loaded to\n"
    "count its actions, so the problems of every pack are reported.\n";

constexpr std::string_view kShowUsage =
    "usage: squall packs show [OPTIONS] REF\n"
    "\n"
    "Shows one pack (`core`), action (`core.local`) or trigger type\n"
    "(`linux.file_watch.line`). For an action: its runner, description and every parameter\n"
    "(type, required, default, allowed values, secret, immutable, whether the runner declares\n"
    "it) and the type of its result. For a trigger type: its parameters and payload type,\n"
    "field by field. Only the pack named by REF is loaded.\n";

constexpr std::string_view kFooter =
    "\n"
    "Exit status:\n"
    "  0  shown (warnings allowed unless --Werror)\n"
    "  1  REF names no pack, action or trigger type, or the packs read have errors\n"
    "  2  bad command line or internal failure\n"
    "\n"
    "Examples:\n"
    "  squall packs list --packs ~/st2/packs\n"
    "  squall packs show core.local\n"
    "  SQUALL_PACKS=/opt/stackstorm/packs squall packs show --format json slack.chat.postMessage\n";

// ---------------------------------------------------------------------------------------
// Output helpers.

std::string JsonString(std::string_view text) {
  std::string out;
  out.push_back('"');
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (byte < 0x20) {
      out += "\\u00";
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

std::string Location(const source::SourceManager& sources, source::SourceRange range) {
  if (!range.IsValid()) return "";
  source::LineCol at = sources.GetLineCol(range.file, range.begin);
  std::ostringstream out;
  out << sources.Path(range.file) << ':' << at.line << ':' << at.column;
  return out.str();
}

// The first line of a description, for one-line listings.
std::string_view FirstLine(std::string_view text) {
  size_t newline = text.find('\n');
  return newline == std::string_view::npos ? text : text.substr(0, newline);
}

// Description text indented under an item, one output line per line of text.
void PrintDescription(std::ostream& out, std::string_view text, std::string_view indent) {
  while (!text.empty()) {
    size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    out << indent << line << '\n';
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
}

std::string JoinJson(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& value : values) {
    if (!out.empty()) out += ", ";
    out += value;
  }
  return out;
}

// `name: type, required, default 60, one of ["a", "b"], secret, immutable, position 0,
// from runner`.
void PrintParameter(std::ostream& out, const schema::Parameter& parameter, bool runner_flag) {
  out << "  " << parameter.name << ": " << types::ToString(parameter.type);
  if (parameter.required) out << ", required";
  if (parameter.default_json) out << ", default " << *parameter.default_json;
  if (!parameter.enum_json.empty()) out << ", one of [" << JoinJson(parameter.enum_json) << ']';
  if (parameter.secret) out << ", secret";
  if (parameter.immutable) out << ", immutable";
  if (parameter.position) out << ", position " << *parameter.position;
  if (runner_flag && parameter.from_runner) out << ", from runner";
  out << '\n';
  PrintDescription(out, parameter.description, "      ");
}

void PrintParameters(std::ostream& out, const std::vector<schema::Parameter>& parameters,
                     bool runner_flag) {
  out << "\nparameters:";
  if (parameters.empty()) out << " none";
  out << '\n';
  for (const schema::Parameter& parameter : parameters) {
    PrintParameter(out, parameter, runner_flag);
  }
}

// `label: <type>` and, for a record, one line per field.
void PrintRecordType(std::ostream& out, std::string_view label, const types::Type* type) {
  out << '\n' << label << ": " << types::ToString(type) << '\n';
  if (type->kind() != types::TypeKind::kRecord) return;
  for (const types::Field& field : type->fields()) {
    out << "  " << field.name << ": " << types::ToString(field.type);
    if (!field.default_json.empty()) out << " = " << field.default_json;
    out << '\n';
    PrintDescription(out, field.description, "      ");
  }
  if (type->extra_fields() != nullptr) {
    out << "  (other fields): " << types::ToString(type->extra_fields()) << '\n';
  }
}

std::string TypeJson(const types::Type* type) {
  std::string out = "{\"type\": " + JsonString(types::ToString(type));
  if (type->kind() == types::TypeKind::kRecord) {
    out += ", \"fields\": [";
    bool first = true;
    for (const types::Field& field : type->fields()) {
      out += first ? "" : ", ";
      first = false;
      out += "{\"name\": " + JsonString(field.name) +
             ", \"type\": " + JsonString(types::ToString(field.type)) +
             ", \"required\": " + (field.required ? "true" : "false");
      if (!field.default_json.empty()) out += ", \"default\": " + field.default_json;
      out += ", \"description\": " + JsonString(field.description) + "}";
    }
    out += "], \"extra_fields\": ";
    out += type->extra_fields() == nullptr ? std::string("null")
                                           : JsonString(types::ToString(type->extra_fields()));
  }
  out += "}";
  return out;
}

std::string ParametersJson(const std::vector<schema::Parameter>& parameters,
                           const source::SourceManager& sources) {
  std::string out = "[";
  bool first = true;
  for (const schema::Parameter& parameter : parameters) {
    out += first ? "" : ", ";
    first = false;
    out += "{\"name\": " + JsonString(parameter.name) +
           ", \"type\": " + JsonString(types::ToString(parameter.type)) +
           ", \"required\": " + (parameter.required ? "true" : "false");
    if (parameter.default_json) out += ", \"default\": " + *parameter.default_json;
    out += ", \"enum\": [" + JoinJson(parameter.enum_json) + "]";
    out += std::string(", \"secret\": ") + (parameter.secret ? "true" : "false");
    out += std::string(", \"immutable\": ") + (parameter.immutable ? "true" : "false");
    out += ", \"position\": " +
           (parameter.position ? std::to_string(*parameter.position) : std::string("null"));
    out += std::string(", \"from_runner\": ") + (parameter.from_runner ? "true" : "false");
    out += ", \"description\": " + JsonString(parameter.description);
    out += ", \"declared\": " + JsonString(Location(sources, parameter.decl)) + "}";
  }
  return out + "]";
}

// ---------------------------------------------------------------------------------------
// show

void ShowPack(std::ostream& out, const schema::Pack& pack, bool json,
              const source::SourceManager& sources) {
  if (json) {
    out << "{\"kind\": \"pack\", \"name\": " << JsonString(pack.name)
        << ", \"version\": " << JsonString(pack.version)
        << ", \"description\": " << JsonString(pack.description)
        << ", \"dir\": " << JsonString(pack.dir.string())
        << ", \"builtin\": " << (pack.builtin ? "true" : "false") << ", \"actions\": [";
    for (size_t i = 0; i < pack.actions.size(); ++i) {
      out << (i == 0 ? "" : ", ") << JsonString(pack.actions[i].ref);
    }
    out << "], \"triggers\": [";
    for (size_t i = 0; i < pack.triggers.size(); ++i) {
      out << (i == 0 ? "" : ", ") << JsonString(pack.triggers[i].ref);
    }
    out << "], \"declared\": " << JsonString(Location(sources, pack.decl)) << "}\n";
    return;
  }
  out << "pack " << pack.name;
  if (!pack.version.empty()) out << ' ' << pack.version;
  out << (pack.builtin ? " (built-in)" : "") << '\n';
  PrintDescription(out, pack.description, "  ");
  out << "  dir: " << pack.dir.string() << '\n';
  size_t width = 0;
  for (const schema::Action& action : pack.actions) width = std::max(width, action.ref.size());
  for (const schema::TriggerType& trigger : pack.triggers) {
    width = std::max(width, trigger.ref.size());
  }
  // `ref  description`, refs padded to one column (no trailing blanks without description).
  auto print = [&](const std::string& ref, std::string_view description) {
    out << "  " << ref;
    if (!description.empty()) {
      out << std::string(width - ref.size() + 2, ' ') << FirstLine(description);
    }
    out << '\n';
  };
  out << "\nactions (" << pack.actions.size() << "):\n";
  for (const schema::Action& action : pack.actions) print(action.ref, action.description);
  out << "\ntrigger types (" << pack.triggers.size() << "):\n";
  for (const schema::TriggerType& trigger : pack.triggers) {
    print(trigger.ref, trigger.description);
  }
}

void ShowAction(std::ostream& out, const schema::Action& action, bool json,
                const source::SourceManager& sources) {
  if (json) {
    out << "{\"kind\": \"action\", \"ref\": " << JsonString(action.ref)
        << ", \"pack\": " << JsonString(action.pack) << ", \"name\": " << JsonString(action.name)
        << ", \"runner\": " << JsonString(action.runner_type)
        << ", \"description\": " << JsonString(action.description)
        << ", \"enabled\": " << (action.enabled ? "true" : "false")
        << ", \"entry_point\": " << JsonString(action.entry_point)
        << ", \"declared\": " << JsonString(Location(sources, action.decl))
        << ", \"parameters\": " << ParametersJson(action.parameters, sources)
        << ", \"output\": " << TypeJson(action.output) << "}\n";
    return;
  }
  out << "action " << action.ref << '\n';
  PrintDescription(out, action.description, "  ");
  out << "  runner: " << action.runner_type << '\n';
  if (!action.enabled) out << "  enabled: false\n";
  if (!action.entry_point.empty()) out << "  entry point: " << action.entry_point << '\n';
  out << "  declared at: " << Location(sources, action.decl) << '\n';
  PrintParameters(out, action.parameters, /*runner_flag=*/true);
  PrintRecordType(out, "output", action.output);
}

void ShowTrigger(std::ostream& out, const schema::TriggerType& trigger, bool json,
                 const source::SourceManager& sources) {
  if (json) {
    out << "{\"kind\": \"trigger\", \"ref\": " << JsonString(trigger.ref)
        << ", \"pack\": " << JsonString(trigger.pack) << ", \"name\": " << JsonString(trigger.name)
        << ", \"description\": " << JsonString(trigger.description)
        << ", \"declared\": " << JsonString(Location(sources, trigger.decl))
        << ", \"parameters\": " << ParametersJson(trigger.parameters, sources)
        << ", \"payload\": " << TypeJson(trigger.payload) << "}\n";
    return;
  }
  out << "trigger type " << trigger.ref << '\n';
  PrintDescription(out, trigger.description, "  ");
  out << "  declared at: " << Location(sources, trigger.decl) << '\n';
  PrintParameters(out, trigger.parameters, /*runner_flag=*/false);
  PrintRecordType(out, "payload", trigger.payload);
}

// Prints REF to `streams.out`. Returns the error to print when REF names nothing (after the
// diagnostics of the packs read, so it comes last), else "".
std::string Show(const std::string& ref, schema::PackLoader& loader, bool json,
                 const source::SourceManager& sources, const Streams& streams) {
  size_t dot = ref.find('.');
  std::string pack_name = ref.substr(0, dot);
  const schema::Pack* pack = loader.Load(pack_name);
  if (pack == nullptr) {
    std::vector<std::string> available = loader.AvailablePacks();
    return "unknown pack `" + pack_name + "`" + diag::DidYouMean(pack_name, available);
  }
  if (dot == std::string::npos) {
    ShowPack(streams.out, *pack, json, sources);
    return "";
  }
  std::string name = ref.substr(dot + 1);
  const schema::Action* action = pack->FindAction(name);
  const schema::TriggerType* trigger = pack->FindTrigger(name);
  if (action == nullptr && trigger == nullptr) {
    std::vector<std::string> candidates;
    for (const schema::Action& a : pack->actions) candidates.push_back(a.name);
    for (const schema::TriggerType& t : pack->triggers) candidates.push_back(t.name);
    std::optional<std::string> closest = diag::ClosestMatch(name, candidates);
    std::string hint = closest ? "; did you mean `" + pack_name + "." + *closest + "`?" : "";
    return "pack `" + pack_name + "` has no action or trigger type `" + name + "`" + hint;
  }
  // Actions and trigger types have separate namespaces: a name may be both.
  if (action != nullptr) ShowAction(streams.out, *action, json, sources);
  if (trigger != nullptr) ShowTrigger(streams.out, *trigger, json, sources);
  return "";
}

// ---------------------------------------------------------------------------------------
// list

struct ListRow {
  std::string name;
  std::string version;
  std::string actions;
  std::string triggers;
  std::string from;
  const schema::Pack* pack = nullptr;  // null for a shadowed pack (not loaded)
  const schema::PackLoader::Shadowed* shadowed = nullptr;
};

void List(schema::PackLoader& loader, bool json, std::ostream& out) {
  std::vector<schema::PackLoader::Shadowed> shadowed = loader.shadowed();
  std::vector<ListRow> rows;
  for (const std::string& name : loader.AvailablePacks()) {
    const schema::Pack* pack = loader.Load(name);
    rows.push_back(ListRow{.name = name,
                           .version = pack->version,
                           .actions = std::to_string(pack->actions.size()),
                           .triggers = std::to_string(pack->triggers.size()),
                           .from = pack->dir.string() + (pack->builtin ? " (built-in)" : ""),
                           .pack = pack,
                           .shadowed = nullptr});
  }
  for (const schema::PackLoader::Shadowed& hidden : shadowed) {
    rows.push_back(
        ListRow{.name = hidden.name,
                .version = hidden.version,
                .actions = "-",
                .triggers = "-",
                .from = hidden.dir.string() + " (shadowed by " + hidden.by.string() + ")",
                .pack = nullptr,
                .shadowed = &hidden});
  }
  // By name; a pack's winner first, then what it shadows in search order.
  std::stable_sort(rows.begin(), rows.end(),
                   [](const ListRow& a, const ListRow& b) { return a.name < b.name; });
  if (json) {
    out << "{\"packs\": [";
    for (size_t i = 0; i < rows.size(); ++i) {
      const ListRow& row = rows[i];
      out << (i == 0 ? "" : ", ") << "{\"name\": " << JsonString(row.name)
          << ", \"version\": " << JsonString(row.version);
      if (row.pack != nullptr) {
        out << ", \"dir\": " << JsonString(row.pack->dir.string())
            << ", \"builtin\": " << (row.pack->builtin ? "true" : "false")
            << ", \"actions\": " << row.actions << ", \"triggers\": " << row.triggers
            << ", \"shadowed_by\": null";
      } else {
        out << ", \"dir\": " << JsonString(row.shadowed->dir.string())
            << ", \"builtin\": false, \"actions\": null, \"triggers\": null"
            << ", \"shadowed_by\": " << JsonString(row.shadowed->by.string());
      }
      out << "}";
    }
    out << "]}\n";
    return;
  }
  ListRow header{.name = "NAME",
                 .version = "VERSION",
                 .actions = "ACTIONS",
                 .triggers = "TRIGGERS",
                 .from = "FROM",
                 .pack = nullptr,
                 .shadowed = nullptr};
  size_t name_width = header.name.size();
  size_t version_width = header.version.size();
  for (const ListRow& row : rows) {
    name_width = std::max(name_width, row.name.size());
    version_width = std::max(version_width, row.version.size());
  }
  auto print = [&](const ListRow& row) {
    out << std::left << std::setw(static_cast<int>(name_width)) << row.name << "  "
        << std::setw(static_cast<int>(version_width)) << row.version << "  " << std::right
        << std::setw(static_cast<int>(header.actions.size())) << row.actions << "  "
        << std::setw(static_cast<int>(header.triggers.size())) << row.triggers << "  " << std::left
        << row.from << '\n';
  };
  print(header);
  for (const ListRow& row : rows) print(row);
}

int RunSubcommand(std::string_view subcommand, std::span<const std::string> arg_list,
                  const Streams& streams) {
  std::string command = "packs " + std::string(subcommand);
  PacksArgs args;
  po::options_description desc = Describe(args);
  po::positional_options_description positional;
  positional.add("files", -1);
  po::variables_map vm;
  if (!ParseCommandLine(command, arg_list, desc, positional, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FormatHelp(subcommand == "list" ? kListUsage : kShowUsage, desc, kFooter);
    return kExitOk;
  }
  if (args.format != "text" && args.format != "json") {
    streams.err << "squall " << command << ": error: unknown --format `" << args.format
                << "`; use `text` or `json`\n";
    return kExitUsage;
  }
  if (subcommand == "list" && !args.refs.empty()) {
    streams.err << "squall packs list: error: unexpected argument `" << args.refs[0]
                << "`; see `squall packs list --help`\n";
    return kExitUsage;
  }
  if (subcommand == "show" && args.refs.size() != 1) {
    streams.err << "squall packs show: error: expected one REF (a pack, action or trigger "
                   "type); see `squall packs show --help`\n";
    return kExitUsage;
  }
  std::optional<DiagnosticOptions> options = args.diagnostics.Resolve(command, streams.err);
  if (!options) return kExitUsage;

  Session session(*options);
  types::TypeContext types;
  schema::LoaderOptions loader_options;
  loader_options.search_path = args.packs.SearchPath({}, std::getenv("SQUALL_PACKS"));
  schema::PackLoader loader(std::move(loader_options), session.sources(), session.diags(), types);
  bool json = args.format == "json";
  std::string not_found;
  if (subcommand == "list") {
    List(loader, json, streams.out);
  } else {
    not_found = Show(args.refs[0], loader, json, session.sources(), streams);
  }
  bool errors = session.Report(streams);
  if (!not_found.empty()) streams.err << "squall packs show: error: " << not_found << '\n';
  return errors || !not_found.empty() ? kExitUserError : kExitOk;
}

}  // namespace

std::string PacksHelp() {
  PacksArgs args;
  return FormatHelp(kPacksUsage, Describe(args), kFooter);
}

int RunPacks(std::span<const std::string> args, const Streams& streams) {
  if (args.empty()) {
    streams.err << "squall packs: error: expected a subcommand, `list` or `show`; see "
                   "`squall help packs`\n";
    return kExitUsage;
  }
  if (args[0] == "--help" || args[0] == "-h") {
    streams.out << PacksHelp();
    return kExitOk;
  }
  if (args[0] != "list" && args[0] != "show") {
    streams.err << "squall packs: error: unknown subcommand `" << args[0]
                << "`; use `list` or `show`\n";
    return kExitUsage;
  }
  return RunSubcommand(args[0], args.subspan(1), streams);
}

}  // namespace squall::cli
