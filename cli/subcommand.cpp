#include "cli/subcommand.h"

#include <algorithm>
#include <ostream>

namespace squall::cli {

namespace po = boost::program_options;

std::string SubcommandList(std::span<const Subcommand> subcommands) {
  size_t width = 0;
  for (const Subcommand& sub : subcommands) width = std::max(width, sub.name.size());
  std::string out;
  for (const Subcommand& sub : subcommands) {
    out += "  ";
    out += sub.name;
    out += std::string(width - sub.name.size() + 2, ' ');
    out += sub.summary;
    out += '\n';
  }
  return out;
}

int DispatchSubcommand(std::string_view group, std::span<const Subcommand> subcommands,
                       std::string (*group_help)(), std::span<const std::string> args,
                       const Streams& streams) {
  std::string names;
  for (const Subcommand& sub : subcommands) {
    if (!names.empty()) names += ", ";
    names += "`" + std::string(sub.name) + "`";
  }
  if (args.empty()) {
    streams.err << "squall " << group << ": error: expected a subcommand (" << names
                << "); see `squall help " << group << "`\n";
    return kExitUsage;
  }
  if (args[0] == "--help" || args[0] == "-h") {
    streams.out << group_help();
    return kExitOk;
  }
  for (const Subcommand& sub : subcommands) {
    if (args[0] == sub.name) return sub.run(args.subspan(1), streams);
  }
  streams.err << "squall " << group << ": error: unknown subcommand `" << args[0] << "`; use "
              << names << "\n";
  return kExitUsage;
}

bool ParseSubcommand(std::string_view command, std::span<const std::string> args,
                     const po::options_description& desc, po::variables_map& vm,
                     std::ostream& err) {
  po::positional_options_description positional;
  if (desc.find_nothrow("files", false) != nullptr) positional.add("files", -1);
  // Not ParseCommandLine: its hint, `squall help <command>`, takes no subcommand.
  try {
    std::vector<std::string> list(args.begin(), args.end());
    po::store(po::command_line_parser(list).options(desc).positional(positional).run(), vm);
    po::notify(vm);
    return true;
  } catch (const po::error& e) {
    err << "squall " << command << ": error: " << e.what() << "; see `squall " << command
        << " --help`\n";
    return false;
  }
}

bool ExpectArgs(std::string_view command, const std::vector<std::string>& positional, size_t min,
                size_t max, std::string_view what, std::ostream& err) {
  if (positional.size() < min) {
    err << "squall " << command << ": error: expected " << what << "; see `squall " << command
        << " --help`\n";
    return false;
  }
  if (positional.size() > max) {
    err << "squall " << command << ": error: unexpected argument `" << positional[max]
        << "`; see `squall " << command << " --help`\n";
    return false;
  }
  return true;
}

}  // namespace squall::cli
