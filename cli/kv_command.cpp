// `squall kv get|set|delete|list`: the key-value store of the state directory, which rules read
// with `kv("KEY")`. Values are JSON (KvEntry::value_json); a plain `kv set KEY VALUE`
// stores VALUE as a JSON string and `kv get` prints a string value without quotes, so shell
// scripts round-trip text. Keys starting with `_squall.` belong to the runtime (source
// positions, throttle state): hidden from `list` and protected from `set`/`delete` unless asked.
#include <algorithm>
#include <array>
#include <iomanip>
#include <ostream>

#include "cli/commands.h"
#include "cli/state_flags.h"
#include "cli/state_json.h"
#include "cli/subcommand.h"

namespace squall::cli {
namespace {

namespace po = boost::program_options;
using json = nlohmann::ordered_json;

constexpr std::string_view kInternalPrefix = "_squall.";

bool Internal(std::string_view key) { return key.starts_with(kInternalPrefix); }

struct KvArgs {
  std::vector<std::string> positional;
  std::string ttl;
  bool json = false;
  bool all = false;
  bool force = false;
  StateFlags state;
  bool help = false;
};

constexpr std::string_view kFooter =
    "\n"
    "Exit status:\n"
    "  0  done\n"
    "  1  no such key (get, delete), the value is not valid JSON (set --json), or the state\n"
    "     directory cannot be opened or written\n"
    "  2  bad command line\n"
    "\n"
    "Examples:\n"
    "  squall kv set maintenance.web1 on --ttl 2h\n"
    "  squall kv set limits '{\"disk_mb\": 500}' --json\n"
    "  squall kv get maintenance.web1\n"
    "  squall kv list maintenance.\n"
    "  squall kv delete maintenance.web1\n";

std::string ExpiresText(store::Millis expires_at) {
  return expires_at == 0 ? "never" : FormatTime(expires_at);
}

json EntryJson(const store::KvEntry& entry) {
  return json{{"key", entry.key},
              {"value", ParseStored(entry.value_json)},
              {"expires_at", TimeJson(entry.expires_at)},
              {"updated_at", TimeJson(entry.updated_at)}};
}

bool ValidKey(std::string_view key) {
  return !key.empty() && std::none_of(key.begin(), key.end(), [](char c) {
    return static_cast<unsigned char>(c) < ' ' || c == 0x7f;
  });
}

// Prints the refusal for an internal key unless --force; true when the command may go on.
bool AllowInternal(std::string_view command, const std::string& key, bool force,
                   std::ostream& err) {
  if (!Internal(key) || force) return true;
  err << "squall " << command << ": error: `" << key
      << "` is an internal key of the runtime (keys starting with `_squall.`); pass --force if "
         "you really mean to change it\n";
  return false;
}

// ---------------------------------------------------------------------------------------------
// get

po::options_description DescribeGet(KvArgs& args) {
  po::options_description desc("Options");
  desc.add_options()("json", po::bool_switch(&args.json),
                     "print the value as JSON text even when it is a string (quoted)");
  AddCommonOptions(desc, args, "KEY");
  return desc;
}

constexpr std::string_view kGetUsage =
    "usage: squall kv get KEY [--json]\n"
    "\n"
    "Prints the value of KEY: a string value as is (no quotes), any other value as JSON.\n"
    "An expired key does not exist.\n";

int RunGet(std::span<const std::string> arg_list, const Streams& streams) {
  KvArgs args;
  po::options_description desc = DescribeGet(args);
  po::variables_map vm;
  if (!ParseSubcommand("kv get", arg_list, desc, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FormatHelp(kGetUsage, desc, kFooter);
    return kExitOk;
  }
  if (!ExpectArgs("kv get", args.positional, 1, 1, "one KEY", streams.err)) return kExitUsage;
  auto opened = OpenStateStore("kv get", args.state.dir, StateAccess::kExisting, streams.err);
  if (!opened) return kExitUserError;
  std::optional<store::KvEntry> entry = opened->KvGet(args.positional[0], NowMillis());
  if (!entry) {
    streams.err << "squall kv get: error: no key `" << args.positional[0]
                << "` (never set, deleted or expired); `squall kv list` shows the keys\n";
    return kExitUserError;
  }
  json value = ParseStored(entry->value_json);
  if (value.is_string() && !args.json) {
    streams.out << value.get<std::string>() << '\n';
  } else {
    streams.out << value.dump() << '\n';
  }
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------
// set

po::options_description DescribeSet(KvArgs& args) {
  po::options_description desc("Options");
  desc.add_options()  //
      ("ttl", po::value(&args.ttl)->value_name("DURATION"),
       "the key expires after DURATION: 30s, 10m, 2h, 1d, 1h30m, 500ms (default: never)")  //
      ("json", po::bool_switch(&args.json),
       "VALUE is JSON text (a number, object, array, true, null, \"string\"); without it VALUE "
       "is stored as a string")  //
      ("force", po::bool_switch(&args.force), "allow an internal `_squall.` key");
  AddCommonOptions(desc, args, "KEY VALUE");
  return desc;
}

constexpr std::string_view kSetUsage =
    "usage: squall kv set KEY VALUE [--ttl DURATION] [--json]\n"
    "\n"
    "Sets KEY to VALUE, replacing any previous value and expiry. VALUE is a string unless\n"
    "--json says it is JSON text. Put `--` before a VALUE that starts with `-` (options\n"
    "go before it): `squall kv set --json offset -- -5`. Rules see the change at once, also\n"
    "while `squall run` is running. Creates the state directory when it does not exist yet.\n";

int RunSet(std::span<const std::string> arg_list, const Streams& streams) {
  KvArgs args;
  po::options_description desc = DescribeSet(args);
  po::variables_map vm;
  if (!ParseSubcommand("kv set", arg_list, desc, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FormatHelp(kSetUsage, desc, kFooter);
    return kExitOk;
  }
  if (!ExpectArgs("kv set", args.positional, 2, 2, "a KEY and a VALUE", streams.err)) {
    return kExitUsage;
  }
  const std::string& key = args.positional[0];
  if (!ValidKey(key)) {
    streams.err << "squall kv set: error: a key must be non-empty text without control "
                   "characters\n";
    return kExitUsage;
  }
  if (!AllowInternal("kv set", key, args.force, streams.err)) return kExitUsage;
  int64_t ttl = 0;
  if (vm.count("ttl") != 0) {
    std::optional<int64_t> parsed = ParseDurationMillis(args.ttl);
    if (!parsed || *parsed <= 0) {
      streams.err << "squall kv set: error: --ttl `" << args.ttl
                  << "` is not a positive duration; use a number and a unit, e.g. 30s, 10m, "
                     "2h, 1d or 1h30m\n";
      return kExitUsage;
    }
    ttl = *parsed;
  }
  json value;
  if (args.json) {
    value = json::parse(args.positional[1], nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) {
      streams.err << "squall kv set: error: VALUE is not valid JSON text (--json); quote a "
                     "string as '\"text\"', or drop --json to store it as a string\n";
      return kExitUserError;
    }
  } else {
    value = args.positional[1];
  }
  auto opened = OpenStateStore("kv set", args.state.dir, StateAccess::kCreate, streams.err);
  if (!opened) return kExitUserError;
  const store::Millis now = NowMillis();
  store::WriteBatch batch;
  batch.kv_puts.push_back(store::KvEntry{.key = key,
                                         .value_json = value.dump(),
                                         .expires_at = ttl == 0 ? 0 : now + ttl,
                                         .updated_at = now});
  store::CommitResult result = opened->Commit(std::move(batch));
  if (!result.ok) {
    streams.err << "squall kv set: error: cannot store `" << key << "`: " << result.error << "\n";
    return kExitUserError;
  }
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------
// delete

po::options_description DescribeDelete(KvArgs& args) {
  po::options_description desc("Options");
  desc.add_options()("force", po::bool_switch(&args.force), "allow an internal `_squall.` key");
  AddCommonOptions(desc, args, "KEY");
  return desc;
}

constexpr std::string_view kDeleteUsage =
    "usage: squall kv delete KEY\n"
    "\n"
    "Deletes KEY. Exit status 1 when there was no such key (or it had expired).\n";

int RunDelete(std::span<const std::string> arg_list, const Streams& streams) {
  KvArgs args;
  po::options_description desc = DescribeDelete(args);
  po::variables_map vm;
  if (!ParseSubcommand("kv delete", arg_list, desc, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FormatHelp(kDeleteUsage, desc, kFooter);
    return kExitOk;
  }
  if (!ExpectArgs("kv delete", args.positional, 1, 1, "one KEY", streams.err)) return kExitUsage;
  const std::string& key = args.positional[0];
  if (!AllowInternal("kv delete", key, args.force, streams.err)) return kExitUsage;
  auto opened = OpenStateStore("kv delete", args.state.dir, StateAccess::kExisting, streams.err);
  if (!opened) return kExitUserError;
  // The store's delete does not say whether the key existed; ask first (a rule deleting the
  // same key in between only makes this delete a no-op).
  const bool existed = opened->KvGet(key, NowMillis()).has_value();
  store::WriteBatch batch;
  batch.kv_deletes.push_back(key);
  store::CommitResult result = opened->Commit(std::move(batch));
  if (!result.ok) {
    streams.err << "squall kv delete: error: cannot delete `" << key << "`: " << result.error
                << "\n";
    return kExitUserError;
  }
  if (!existed) {
    streams.err << "squall kv delete: error: no key `" << key
                << "` (never set, deleted or expired)\n";
    return kExitUserError;
  }
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------
// list

po::options_description DescribeList(KvArgs& args) {
  po::options_description desc("Options");
  desc.add_options()                                                                           //
      ("all", po::bool_switch(&args.all), "also list the runtime's internal `_squall.` keys")  //
      ("json", po::bool_switch(&args.json),
       "one JSON object per line ({key, value, expires_at, updated_at})");
  AddCommonOptions(desc, args, "PREFIX");
  return desc;
}

constexpr std::string_view kListUsage =
    "usage: squall kv list [PREFIX] [--all] [--json]\n"
    "\n"
    "Lists the keys (starting with PREFIX when given), sorted: key, expiry, last update and\n"
    "the value as compact JSON (shortened to 60 characters; `kv get` prints it whole).\n"
    "Expired keys are not listed. Internal keys (`_squall.`) are listed only with --all.\n";

int RunList(std::span<const std::string> arg_list, const Streams& streams) {
  KvArgs args;
  po::options_description desc = DescribeList(args);
  po::variables_map vm;
  if (!ParseSubcommand("kv list", arg_list, desc, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FormatHelp(kListUsage, desc, kFooter);
    return kExitOk;
  }
  if (!ExpectArgs("kv list", args.positional, 0, 1, "at most one PREFIX", streams.err)) {
    return kExitUsage;
  }
  const std::string prefix = args.positional.empty() ? "" : args.positional[0];
  auto opened = OpenStateStore("kv list", args.state.dir, StateAccess::kExisting, streams.err);
  if (!opened) return kExitUserError;
  std::vector<store::KvEntry> entries = opened->KvList(prefix, NowMillis());
  // A prefix that itself names internal keys is an explicit request for them.
  if (!args.all && !Internal(prefix)) {
    std::erase_if(entries, [](const store::KvEntry& entry) { return Internal(entry.key); });
  }
  std::sort(entries.begin(), entries.end(),
            [](const store::KvEntry& a, const store::KvEntry& b) { return a.key < b.key; });
  if (args.json) {
    for (const store::KvEntry& entry : entries) streams.out << EntryJson(entry).dump() << '\n';
    return kExitOk;
  }
  if (entries.empty()) {
    streams.out << (prefix.empty() ? "no keys\n" : "no keys start with `" + prefix + "`\n");
    return kExitOk;
  }
  std::vector<std::array<std::string, 4>> rows;
  rows.push_back({"KEY", "EXPIRES", "UPDATED", "VALUE"});
  for (const store::KvEntry& entry : entries) {
    std::string value = ParseStored(entry.value_json).dump();
    if (value.size() > 60) value = value.substr(0, 57) + "...";
    rows.push_back({entry.key, ExpiresText(entry.expires_at), FormatTime(entry.updated_at), value});
  }
  std::array<size_t, 4> width{};
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  for (const auto& row : rows) {
    for (size_t i = 0; i + 1 < row.size(); ++i) {
      streams.out << std::left << std::setw(static_cast<int>(width[i])) << row[i] << "  ";
    }
    streams.out << row.back() << '\n';
  }
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------

constexpr std::array kSubcommands = {
    Subcommand{"get", "print the value of a key", RunGet,
               [] {
                 KvArgs args;
                 return FormatHelp(kGetUsage, DescribeGet(args), kFooter);
               }},
    Subcommand{"set", "set a key (a string, or JSON with --json), optionally with a TTL", RunSet,
               [] {
                 KvArgs args;
                 return FormatHelp(kSetUsage, DescribeSet(args), kFooter);
               }},
    Subcommand{"delete", "delete a key", RunDelete,
               [] {
                 KvArgs args;
                 return FormatHelp(kDeleteUsage, DescribeDelete(args), kFooter);
               }},
    Subcommand{"list", "the keys (with a prefix), their expiry and value", RunList,
               [] {
                 KvArgs args;
                 return FormatHelp(kListUsage, DescribeList(args), kFooter);
               }},
};

}  // namespace

std::string KvHelp() {
  KvArgs args;
  po::options_description desc("Options");
  AddCommonOptions(desc, args, "");
  std::string usage =
      "usage: squall kv get KEY [--json]\n"
      "       squall kv set KEY VALUE [--ttl DURATION] [--json]\n"
      "       squall kv delete KEY\n"
      "       squall kv list [PREFIX] [--all] [--json]\n"
      "\n"
      "The key-value store of the state directory, which rules read with `kv(\"KEY\")` (a\n"
      "missing or expired key reads as null). Values are JSON; keys may expire (--ttl). Keys\n"
      "starting with `_squall.` are the runtime's own. Times are UTC (RFC 3339).\n"
      "\n" +
      SubcommandList(kSubcommands) +
      "\n"
      "Run `squall kv SUBCOMMAND --help` for the options of each.\n";
  return FormatHelp(usage, desc, kFooter);
}

int RunKv(std::span<const std::string> args, const Streams& streams) {
  return DispatchSubcommand("kv", kSubcommands, KvHelp, args, streams);
}

}  // namespace squall::cli
