// Tests of squall::stdlib: the embedded files are exactly the files of stdlib/packs and
// stdlib/runners, and those files (plus the example packs of examples/packs) are well-formed
// StackStorm metadata: every action names an existing runner and types every parameter,
// overrides of runner parameters change only what StackStorm lets an action change, every
// trigger has a payload schema, and core.sendmail's script is an executable, valid sh script.
#include "stdlib/builtin_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace squall::stdlib {
namespace {

namespace fs = std::filesystem;

const fs::path kStdlibDir = SQUALL_STDLIB_DIR;
const fs::path kExamplePacksDir = SQUALL_EXAMPLE_PACKS_DIR;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Every regular file under `root`/`subdir`, keyed by its '/'-separated path relative to `root`.
std::map<std::string, std::string> FilesUnder(const fs::path& root, std::string_view subdir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root / subdir)) {
    if (entry.is_regular_file()) {
      files[fs::relative(entry.path(), root).generic_string()] = ReadFile(entry.path());
    }
  }
  return files;
}

TEST(BuiltinFilesTest, EmbedsEveryFileOfPacksAndRunnersWithIdenticalBytes) {
  std::map<std::string, std::string> on_disk = FilesUnder(kStdlibDir, "packs");
  on_disk.merge(FilesUnder(kStdlibDir, "runners"));
  ASSERT_FALSE(on_disk.empty());

  std::set<std::string> embedded;
  for (const EmbeddedFile& file : BuiltinFiles()) {
    const std::string path(file.path);
    embedded.insert(path);
    auto disk = on_disk.find(path);
    if (disk == on_disk.end()) {
      ADD_FAILURE() << "embedded file " << path << " is not on disk under " << kStdlibDir;
      continue;
    }
    EXPECT_EQ(file.text.size(), disk->second.size()) << path;
    EXPECT_TRUE(file.text == disk->second) << path << ": embedded bytes differ from the file";
  }
  for (const auto& [path, text] : on_disk) {
    EXPECT_TRUE(embedded.contains(path)) << path << " is on disk but not embedded";
  }
}

TEST(BuiltinFilesTest, SortedByPathWithoutDuplicatesAndNulTerminated) {
  const std::span<const EmbeddedFile> files = BuiltinFiles();
  ASSERT_FALSE(files.empty());
  for (size_t i = 1; i < files.size(); ++i) {
    EXPECT_LT(files[i - 1].path, files[i].path) << "at index " << i;
  }
  for (const EmbeddedFile& file : files) {
    EXPECT_TRUE(file.path.starts_with("packs/") || file.path.starts_with("runners/")) << file.path;
    EXPECT_EQ(file.path.find('\\'), std::string_view::npos) << file.path;
    EXPECT_EQ(file.text.data()[file.text.size()], '\0') << file.path;
  }
}

TEST(BuiltinFilesTest, ContainsTheCorePackAndTheRunnersItUses) {
  std::set<std::string_view> paths;
  for (const EmbeddedFile& file : BuiltinFiles()) paths.insert(file.path);
  for (std::string_view path :
       {"packs/core/pack.yaml", "packs/core/actions/local.yaml", "packs/core/actions/http.yaml",
        "packs/core/actions/sendmail.yaml", "packs/core/actions/send_mail.sh",
        "packs/core/triggers/webhook.yaml", "packs/core/triggers/execution.yaml",
        "runners/local.yaml", "runners/http.yaml", "runners/python.yaml"}) {
    EXPECT_TRUE(paths.contains(path)) << path;
  }
}

// ---------------------------------------------------------------------------------------
// YAML sanity checks, shared by the built-in pack and the example packs.

// Collects problems as "file: what" lines, so one test reports every bad file at once.
class Problems {
 public:
  void Add(const std::string& where, const std::string& what) {
    lines_.push_back(where + ": " + what);
  }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  std::vector<std::string> lines_;
};

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += "\n  " + line;
  return out;
}

std::optional<YAML::Node> Parse(std::string_view text, const std::string& where,
                                Problems& problems) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    problems.Add(where, std::string("YAML error: ") + e.what());
    return std::nullopt;
  }
}

bool IsNonEmptyString(const YAML::Node& node) {
  return node && node.IsScalar() && !node.Scalar().empty();
}

// Structural equality of two YAML nodes (maps compared by key, in any order).
bool SameNode(const YAML::Node& a, const YAML::Node& b) {
  if (a.Type() != b.Type()) return false;
  switch (a.Type()) {
    case YAML::NodeType::Scalar:
      return a.Scalar() == b.Scalar();
    case YAML::NodeType::Sequence:
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i) {
        if (!SameNode(a[i], b[i])) return false;
      }
      return true;
    case YAML::NodeType::Map:
      if (a.size() != b.size()) return false;
      for (const auto& entry : a) {
        const YAML::Node other = b[entry.first.Scalar()];
        if (!other || !SameNode(entry.second, other)) return false;
      }
      return true;
    default:
      return true;
  }
}

const std::set<std::string> kJsonTypes = {"string", "integer", "number", "boolean",
                                          "array",  "object",  "null"};

// Checks a JSON schema and every schema nested in it: known `type`s and `required` lists
// that name declared properties. A parameter schema (`parameter`) must be fully typed: a
// `type` everywhere and `items` for every array. Output and payload schemas may leave parts
// untyped, which the checker reads as `json`.
void CheckSchema(const YAML::Node& schema, const std::string& where, bool parameter,
                 Problems& problems) {
  if (!schema.IsMap()) {
    problems.Add(where, "schema is not a map");
    return;
  }
  const YAML::Node type = schema["type"];
  if (!type) {
    if (parameter && !schema["anyOf"]) problems.Add(where, "no `type`");
  } else if (!type.IsScalar() || !kJsonTypes.contains(type.Scalar())) {
    problems.Add(where, "`type` is not one of the JSON schema types");
  } else if (type.Scalar() == "array") {
    if (const YAML::Node items = schema["items"]) {
      CheckSchema(items, where + ".items", parameter, problems);
    } else if (parameter) {
      problems.Add(where, "array without `items`");
    }
  }
  if (const YAML::Node properties = schema["properties"]) {
    if (!properties.IsMap()) {
      problems.Add(where, "`properties` is not a map");
    } else {
      for (const auto& property : properties) {
        CheckSchema(property.second, where + "." + property.first.Scalar(), parameter, problems);
      }
    }
  }
  if (const YAML::Node required = schema["required"]; required && required.IsSequence()) {
    for (const auto& name : required) {
      if (!schema["properties"] || !schema["properties"][name.Scalar()]) {
        problems.Add(where, "`required` names `" + name.Scalar() + "`, which is not a property");
      }
    }
  }
  if (const YAML::Node additional = schema["additionalProperties"];
      additional && additional.IsMap()) {
    CheckSchema(additional, where + ".additionalProperties", parameter, problems);
  }
  if (const YAML::Node any_of = schema["anyOf"]) {
    for (const auto& alternative : any_of) {
      CheckSchema(alternative, where + ".anyOf", parameter, problems);
    }
  }
}

// A runner parameter's attributes an action may change (StackStorm's
// RUNNER_PARAM_OVERRIDABLE_ATTRS); any other attribute it restates must be identical.
const std::set<std::string> kOverridable = {"default", "description", "enum", "immutable",
                                            "required"};

// Checks one parameter map (action `parameters` or runner `runner_parameters`).
// `runner_parameters` is null for a runner's own map.
void CheckParameters(const YAML::Node& parameters, const YAML::Node& runner_parameters,
                     const std::string& where, Problems& problems) {
  if (!parameters || !parameters.IsMap()) {
    problems.Add(where, "`parameters` missing or not a map");
    return;
  }
  std::vector<int> positions;
  for (const auto& entry : parameters) {
    const std::string name = entry.first.Scalar();
    const std::string at = where + ": parameter `" + name + "`";
    const YAML::Node param = entry.second;
    if (!param.IsMap()) {
      problems.Add(at, "not a map");
      continue;
    }
    CheckSchema(param, at, /*parameter=*/true, problems);
    if (!IsNonEmptyString(param["description"])) problems.Add(at, "no description");
    if (param["enum"] && param["default"] && !param["default"].IsNull()) {
      const YAML::Node values = param["enum"];
      const bool listed = std::any_of(values.begin(), values.end(), [&](const YAML::Node& v) {
        return SameNode(v, param["default"]);
      });
      if (!listed) problems.Add(at, "`default` is not one of its `enum` values");
    }
    if (param["immutable"] && param["immutable"].as<bool>() && !param["default"]) {
      problems.Add(at, "immutable without a default");
    }
    if (param["secret"] && param["secret"].as<bool>() && param["type"] &&
        param["type"].Scalar() != "string") {
      problems.Add(at, "secret but not a string");
    }
    if (param["position"]) positions.push_back(param["position"].as<int>());
    if (runner_parameters && runner_parameters[name]) {
      const YAML::Node runner_param = runner_parameters[name];
      for (const auto& attribute : param) {
        const std::string key = attribute.first.Scalar();
        if (kOverridable.contains(key)) continue;
        if (!runner_param[key] || !SameNode(attribute.second, runner_param[key])) {
          problems.Add(at, "overrides the runner's `" + key +
                               "`, which an action may not change (only default, "
                               "description, enum, immutable and required)");
        }
      }
      if (param["immutable"] && runner_param["immutable"]) {
        problems.Add(at, "re-declares `immutable`, which the runner already sets");
      }
    }
  }
  std::sort(positions.begin(), positions.end());
  for (size_t i = 0; i < positions.size(); ++i) {
    if (positions[i] != static_cast<int>(i)) {
      problems.Add(where, "parameter positions are not 0, 1, 2, ... without gaps or repeats");
      break;
    }
  }
}

// Runner name -> runner definition, from every runners/*.yaml given.
std::map<std::string, YAML::Node> LoadRunners(
    const std::map<std::string, std::string>& runner_files, Problems& problems) {
  std::map<std::string, YAML::Node> runners;
  for (const auto& [path, text] : runner_files) {
    std::optional<YAML::Node> doc = Parse(text, path, problems);
    if (!doc) continue;
    if (!doc->IsSequence()) {
      problems.Add(path, "a runner file is a YAML list of runner definitions");
      continue;
    }
    for (const auto& runner : *doc) {
      if (!IsNonEmptyString(runner["name"])) {
        problems.Add(path, "runner without a name");
        continue;
      }
      const std::string name = runner["name"].Scalar();
      const std::string where = path + ": runner " + name;
      if (!runners.emplace(name, runner).second) problems.Add(where, "defined twice");
      if (!IsNonEmptyString(runner["description"])) problems.Add(where, "no description");
      if (!runner["enabled"]) problems.Add(where, "no `enabled`");
      CheckParameters(runner["runner_parameters"], YAML::Node(), where, problems);
      if (runner["output_schema"]) {
        CheckSchema(runner["output_schema"], where + ": output_schema", false, problems);
      }
    }
  }
  return runners;
}

std::string Stem(const std::string& path) { return fs::path(path).stem().string(); }

// Checks one pack given as path -> text (paths like "packs/<pack>/actions/x.yaml").
void CheckPack(const std::string& pack, const std::map<std::string, std::string>& files,
               const std::map<std::string, YAML::Node>& runners, Problems& problems) {
  const std::string prefix = "packs/" + pack + "/";
  const auto meta = files.find(prefix + "pack.yaml");
  if (meta == files.end()) {
    problems.Add(prefix, "no pack.yaml");
  } else if (std::optional<YAML::Node> doc = Parse(meta->second, meta->first, problems)) {
    if (!doc->IsMap() || !(*doc)["ref"] || (*doc)["ref"].Scalar() != pack) {
      problems.Add(meta->first, "`ref` is not the directory name `" + pack + "`");
    } else {
      for (const char* key : {"name", "version", "description", "author"}) {
        if (!IsNonEmptyString((*doc)[key])) problems.Add(meta->first, std::string("no ") + key);
      }
    }
  }

  int actions = 0;
  for (const auto& [path, text] : files) {
    if (!path.starts_with(prefix + "actions/") || !path.ends_with(".yaml")) continue;
    if (path.find('/', (prefix + "actions/").size()) != std::string::npos) continue;
    ++actions;
    std::optional<YAML::Node> doc = Parse(text, path, problems);
    if (!doc) continue;
    const YAML::Node action = *doc;
    if (!action.IsMap() || !IsNonEmptyString(action["name"])) {
      problems.Add(path, "no `name`");
      continue;
    }
    if (action["name"].Scalar() != Stem(path))
      problems.Add(path, "`name` differs from the file name");
    if (!IsNonEmptyString(action["description"])) problems.Add(path, "no description");
    if (!action["enabled"]) problems.Add(path, "no `enabled`");
    if (!action["entry_point"]) problems.Add(path, "no `entry_point`");
    if (!IsNonEmptyString(action["runner_type"])) {
      problems.Add(path, "no `runner_type`");
      continue;
    }
    const std::string runner_name = action["runner_type"].Scalar();
    const auto runner = runners.find(runner_name);
    if (runner == runners.end()) {
      problems.Add(path, "runner `" + runner_name + "` is not defined in stdlib/runners");
      CheckParameters(action["parameters"], YAML::Node(), path, problems);
    } else {
      CheckParameters(action["parameters"], runner->second["runner_parameters"], path, problems);
    }
    if (action["output_schema"]) {
      CheckSchema(action["output_schema"], path + ": output_schema", false, problems);
    } else if (runner == runners.end() || !runner->second["output_schema"]) {
      problems.Add(path, "no output_schema, and its runner has none either");
    }
    const std::string entry_point = action["entry_point"] ? action["entry_point"].Scalar() : "";
    if (!entry_point.empty() && runner_name != "python-script" &&
        !files.contains(prefix + "actions/" + entry_point)) {
      problems.Add(path, "entry_point `" + entry_point + "` is not a file of the pack");
    }
  }
  if (actions == 0) problems.Add(prefix, "no actions");

  for (const auto& [path, text] : files) {
    if (!path.starts_with(prefix + "triggers/") || !path.ends_with(".yaml")) continue;
    std::optional<YAML::Node> doc = Parse(text, path, problems);
    if (!doc) continue;
    const YAML::Node trigger = *doc;
    if (!trigger.IsMap() || !IsNonEmptyString(trigger["name"])) {
      problems.Add(path, "no `name`");
      continue;
    }
    if (trigger["name"].Scalar() != Stem(path))
      problems.Add(path, "`name` differs from the file name");
    if (!trigger["pack"] || trigger["pack"].Scalar() != pack) {
      problems.Add(path, "`pack` is not `" + pack + "`");
    }
    if (!IsNonEmptyString(trigger["description"])) problems.Add(path, "no description");
    const YAML::Node payload = trigger["payload_schema"];
    if (!payload || !payload["type"] || payload["type"].Scalar() != "object") {
      problems.Add(path, "no payload_schema of type object");
    } else {
      CheckSchema(payload, path + ": payload_schema", false, problems);
    }
    if (const YAML::Node parameters = trigger["parameters_schema"]) {
      CheckSchema(parameters, path + ": parameters_schema", true, problems);
    }
  }
}

std::map<std::string, std::string> EmbeddedFilesByPath() {
  std::map<std::string, std::string> files;
  for (const EmbeddedFile& file : BuiltinFiles()) {
    files.emplace(std::string(file.path), std::string(file.text));
  }
  return files;
}

std::map<std::string, YAML::Node> BuiltinRunners(Problems& problems) {
  std::map<std::string, std::string> runner_files;
  for (const auto& [path, text] : EmbeddedFilesByPath()) {
    if (path.starts_with("runners/") && path.ends_with(".yaml")) runner_files.emplace(path, text);
  }
  return LoadRunners(runner_files, problems);
}

TEST(BuiltinPacksTest, RunnersAreWellFormed) {
  Problems problems;
  const std::map<std::string, YAML::Node> runners = BuiltinRunners(problems);
  for (const char* name :
       {"local-shell-cmd", "local-shell-script", "remote-shell-cmd", "remote-shell-script",
        "http-request", "noop", "python-script", "inject-trigger"}) {
    EXPECT_TRUE(runners.contains(name)) << name;
  }
  EXPECT_TRUE(problems.lines().empty()) << Join(problems.lines());
}

TEST(BuiltinPacksTest, CorePackIsWellFormed) {
  Problems problems;
  const std::map<std::string, YAML::Node> runners = BuiltinRunners(problems);
  CheckPack("core", EmbeddedFilesByPath(), runners, problems);
  EXPECT_TRUE(problems.lines().empty()) << Join(problems.lines());
}

TEST(BuiltinPacksTest, SendmailScriptIsExecutableAndParses) {
  const fs::path script = kStdlibDir / "packs/core/actions/send_mail.sh";
  struct stat info {};
  ASSERT_EQ(stat(script.c_str(), &info), 0) << script;
  EXPECT_NE(info.st_mode & S_IXUSR, 0u) << script << " is not executable (chmod +x)";
  const std::string command = "sh -n '" + script.string() + "'";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
}

TEST(ExamplePacksTest, AreWellFormedAgainstTheBuiltinRunners) {
  if (!fs::is_directory(kExamplePacksDir)) GTEST_SKIP() << kExamplePacksDir << " is missing";
  Problems problems;
  const std::map<std::string, YAML::Node> runners = BuiltinRunners(problems);
  std::map<std::string, std::string> files = FilesUnder(kExamplePacksDir.parent_path(), "packs");
  int packs = 0;
  for (const auto& entry : fs::directory_iterator(kExamplePacksDir)) {
    if (!entry.is_directory()) continue;
    ++packs;
    CheckPack(entry.path().filename().string(), files, runners, problems);
  }
  EXPECT_GT(packs, 0);
  EXPECT_TRUE(problems.lines().empty()) << Join(problems.lines());
}

}  // namespace
}  // namespace squall::stdlib
