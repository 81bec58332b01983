// `squall keys create|list|revoke`: the API keys webhooks must present to `squall run --listen`.
// Only a keyed hash of a key's secret part is stored (Store::CreateApiKey), so the token is
// printed once, by `create`, and never again.
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

struct KeysArgs {
  std::vector<std::string> positional;
  bool json = false;
  StateFlags state;
  bool help = false;
};

constexpr std::string_view kFooter =
    "\n"
    "Exit status:\n"
    "  0  done\n"
    "  1  an active key already has that name (create), no active key matches (revoke), or\n"
    "     the state directory cannot be opened or written\n"
    "  2  bad command line\n"
    "\n"
    "Examples:\n"
    "  squall keys create github\n"
    "  curl -H \"Authorization: Bearer $TOKEN\" -d '{\"ref\": \"main\"}' \\\n"
    "       http://127.0.0.1:8080/webhooks/deploy\n"
    "  squall keys list\n"
    "  squall keys revoke github\n";

// ---------------------------------------------------------------------------------------------
// create

po::options_description DescribeCreate(KeysArgs& args) {
  po::options_description desc("Options");
  AddCommonOptions(desc, args, "NAME");
  return desc;
}

constexpr std::string_view kCreateUsage =
    "usage: squall keys create NAME\n"
    "\n"
    "Creates an API key called NAME (what it is for: `github`, `alertmanager`) and prints its\n"
    "token, `sqk_<id>_<secret>`, on standard output. The token is shown only this once: the\n"
    "state directory keeps only a keyed hash of it. Webhook senders present it as\n"
    "`Authorization: Bearer TOKEN` (or an `X-Api-Key: TOKEN` header). No two active keys have\n"
    "the same name. Creates the state directory (and its key file) when it does not exist\n"
    "yet; a running `squall run` accepts the new key at once.\n";

bool ValidName(std::string_view name) {
  return !name.empty() && std::none_of(name.begin(), name.end(), [](char c) {
    return static_cast<unsigned char>(c) < ' ' || c == 0x7f;
  });
}

int RunCreate(std::span<const std::string> arg_list, const Streams& streams) {
  KeysArgs args;
  po::options_description desc = DescribeCreate(args);
  po::variables_map vm;
  if (!ParseSubcommand("keys create", arg_list, desc, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FormatHelp(kCreateUsage, desc, kFooter);
    return kExitOk;
  }
  if (!ExpectArgs("keys create", args.positional, 1, 1, "one NAME", streams.err)) {
    return kExitUsage;
  }
  const std::string& name = args.positional[0];
  if (!ValidName(name)) {
    streams.err << "squall keys create: error: a key name must be non-empty text without "
                   "control characters\n";
    return kExitUsage;
  }
  auto opened = OpenStateStore("keys create", args.state.dir, StateAccess::kCreate, streams.err);
  if (!opened) return kExitUserError;
  std::string token = opened->CreateApiKey(name, NowMillis());
  if (token.empty()) {
    std::vector<store::ApiKey> keys = opened->ListApiKeys();
    bool taken = std::any_of(keys.begin(), keys.end(), [&](const store::ApiKey& key) {
      return key.name == name && key.revoked_at == 0;
    });
    if (taken) {
      streams.err << "squall keys create: error: an active API key is already named `" << name
                  << "`; choose another name, or revoke it first (`squall keys revoke " << name
                  << "`)\n";
    } else {
      streams.err << "squall keys create: error: cannot create the key (the state directory "
                     "could not be written)\n";
    }
    return kExitUserError;
  }
  streams.out << token << '\n';
  streams.out.flush();
  streams.err << "squall keys create: this is the only time the token is shown; store it now "
                 "(it cannot be shown again: revoke the key and create a new one if it is lost)\n";
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------
// list

po::options_description DescribeList(KeysArgs& args) {
  po::options_description desc("Options");
  desc.add_options()("json", po::bool_switch(&args.json),
                     "one JSON object per line ({id, name, created_at, revoked_at})");
  AddCommonOptions(desc, args, "");
  return desc;
}

constexpr std::string_view kListUsage =
    "usage: squall keys list [--json]\n"
    "\n"
    "Lists the API keys, oldest first: id (the public part of the token, `sqk_<id>_...`),\n"
    "name, when it was created and when it was revoked (`-`: active). Tokens are never shown.\n";

int RunList(std::span<const std::string> arg_list, const Streams& streams) {
  KeysArgs args;
  po::options_description desc = DescribeList(args);
  po::variables_map vm;
  if (!ParseSubcommand("keys list", arg_list, desc, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FormatHelp(kListUsage, desc, kFooter);
    return kExitOk;
  }
  auto opened = OpenStateStore("keys list", args.state.dir, StateAccess::kExisting, streams.err);
  if (!opened) return kExitUserError;
  std::vector<store::ApiKey> keys = opened->ListApiKeys();
  if (args.json) {
    for (const store::ApiKey& key : keys) {
      streams.out << json{{"id", key.id},
                          {"name", key.name},
                          {"created_at", TimeJson(key.created_at)},
                          {"revoked_at", TimeJson(key.revoked_at)}}
                         .dump()
                  << '\n';
    }
    return kExitOk;
  }
  if (keys.empty()) {
    streams.out << "no API keys (`squall keys create NAME` makes one)\n";
    return kExitOk;
  }
  std::vector<std::array<std::string, 4>> rows;
  rows.push_back({"ID", "NAME", "CREATED", "REVOKED"});
  for (const store::ApiKey& key : keys) {
    rows.push_back({key.id, key.name, FormatTime(key.created_at), FormatTime(key.revoked_at)});
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
// revoke

po::options_description DescribeRevoke(KeysArgs& args) {
  po::options_description desc("Options");
  AddCommonOptions(desc, args, "ID|NAME");
  return desc;
}

constexpr std::string_view kRevokeUsage =
    "usage: squall keys revoke ID|NAME\n"
    "\n"
    "Revokes the active key with that id or name: webhooks presenting its token are refused\n"
    "(401) from now on, also by a running `squall run`. The key stays listed, with the time\n"
    "it was revoked.\n";

int RunRevoke(std::span<const std::string> arg_list, const Streams& streams) {
  KeysArgs args;
  po::options_description desc = DescribeRevoke(args);
  po::variables_map vm;
  if (!ParseSubcommand("keys revoke", arg_list, desc, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FormatHelp(kRevokeUsage, desc, kFooter);
    return kExitOk;
  }
  if (!ExpectArgs("keys revoke", args.positional, 1, 1, "one key ID or NAME", streams.err)) {
    return kExitUsage;
  }
  const std::string& which = args.positional[0];
  auto opened = OpenStateStore("keys revoke", args.state.dir, StateAccess::kExisting, streams.err);
  if (!opened) return kExitUserError;
  if (opened->RevokeApiKey(which, NowMillis())) {
    streams.out << "revoked " << which << '\n';
    return kExitOk;
  }
  std::vector<store::ApiKey> keys = opened->ListApiKeys();
  bool known = std::any_of(keys.begin(), keys.end(), [&](const store::ApiKey& key) {
    return key.id == which || key.name == which;
  });
  streams.err << "squall keys revoke: error: "
              << (known ? "the key `" + which + "` is already revoked"
                        : "no API key has the id or name `" + which +
                              "`; `squall keys list` shows them")
              << '\n';
  return kExitUserError;
}

// ---------------------------------------------------------------------------------------------

constexpr std::array kSubcommands = {
    Subcommand{"create", "create a key and print its token (once)", RunCreate,
               [] {
                 KeysArgs args;
                 return FormatHelp(kCreateUsage, DescribeCreate(args), kFooter);
               }},
    Subcommand{"list", "the keys: id, name, created, revoked", RunList,
               [] {
                 KeysArgs args;
                 return FormatHelp(kListUsage, DescribeList(args), kFooter);
               }},
    Subcommand{"revoke", "revoke a key by id or name", RunRevoke,
               [] {
                 KeysArgs args;
                 return FormatHelp(kRevokeUsage, DescribeRevoke(args), kFooter);
               }},
};

}  // namespace

std::string KeysHelp() {
  KeysArgs args;
  po::options_description desc("Options");
  AddCommonOptions(desc, args, "");
  std::string usage =
      "usage: squall keys create NAME\n"
      "       squall keys list [--json]\n"
      "       squall keys revoke ID|NAME\n"
      "\n"
      "The API keys that webhook senders present to `squall run --listen` (`Authorization:\n"
      "Bearer TOKEN`). The state directory stores only a keyed hash of each token. Times are\n"
      "UTC (RFC 3339).\n"
      "\n" +
      SubcommandList(kSubcommands) +
      "\n"
      "Run `squall keys SUBCOMMAND --help` for the options of each.\n";
  return FormatHelp(usage, desc, kFooter);
}

int RunKeys(std::span<const std::string> args, const Streams& streams) {
  return DispatchSubcommand("keys", kSubcommands, KeysHelp, args, streams);
}

}  // namespace squall::cli
