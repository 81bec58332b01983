#include "compiler/schema/loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "compiler/schema/actions.h"
#include "compiler/schema/runners.h"
#include "compiler/schema/schema_test_util.h"

namespace squall::schema {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::Spell;
using testing::TempDir;

constexpr std::string_view kRunners =
    "- name: shell\n"
    "  runner_parameters:\n"
    "    cmd: {type: string}\n"
    "    timeout: {type: integer, default: 60}\n"
    "- name: python-like\n"
    "  output_key: result\n"
    "  output_schema:\n"
    "    type: object\n"
    "    properties:\n"
    "      result: {}\n"
    "      stdout: {type: string, required: true}\n"
    "    additionalProperties: false\n"
    "  runner_parameters: {}\n";

std::string PackYaml(const std::string& name, const std::string& version = "1.0.0") {
  return "name: " + name + "\nversion: " + version + "\ndescription: The " + name + " pack.\n";
}

class LoaderTest : public ::testing::Test {
 protected:
  // A loader over `search_path`; `builtin` files stand in for stdlib's (none when nullopt).
  PackLoader& Loader(std::vector<std::filesystem::path> search_path,
                     std::optional<std::vector<MemoryFile>> builtin = std::nullopt) {
    LoaderOptions options;
    options.search_path = std::move(search_path);
    options.builtin = builtin.has_value();
    options.builtin_files = std::move(builtin);
    loader_ = std::make_unique<PackLoader>(std::move(options), sources_, diags_, types_);
    return *loader_;
  }

  // "Kind path:line:col" with the temporary directory left out of paths.
  std::vector<std::string> Diagnostics() {
    std::vector<std::string> lines = testing::Summarize(diags_.Finish(), sources_);
    std::string prefix = dir_.path().string() + "/";
    for (std::string& line : lines) {
      for (size_t at = line.find(prefix); at != std::string::npos; at = line.find(prefix)) {
        line.erase(at, prefix.size());
      }
    }
    return lines;
  }
  std::vector<std::string> Messages() {
    std::vector<std::string> messages;
    for (const diag::Diagnostic& d : diags_.Finish()) messages.push_back(d.message);
    return messages;
  }

  TempDir dir_;
  source::SourceManager sources_;
  diag::DiagnosticEngine diags_{sources_,
                                diag::EngineOptions{.error_limit = 0, .warnings_as_errors = false}};
  types::TypeContext types_;
  std::unique_ptr<PackLoader> loader_;
};

TEST_F(LoaderTest, LoadsLazilyAndReportsOnlyLoadedPacks) {
  dir_.Write("packs/_runners/runners.yaml", std::string(kRunners));
  dir_.Write("packs/good/pack.yaml", PackYaml("good"));
  dir_.Write("packs/good/actions/run.yaml", "name: run\nrunner_type: shell\n");
  dir_.Write("packs/broken/pack.yaml", PackYaml("broken", "[1, 2]"));
  dir_.Write("packs/broken/actions/bad.yaml", "name: bad\nrunner_type: shell\nparameters: [\n");
  PackLoader& loader = Loader({dir_.path() / "packs"});

  EXPECT_THAT(loader.AvailablePacks(), ElementsAre("broken", "good"));
  EXPECT_EQ(sources_.FileCount(), 2u);    // only the pack.yaml files were read
  EXPECT_THAT(Diagnostics(), IsEmpty());  // broken's pack.yaml problem is held back

  const Pack* good = loader.Load("good");
  ASSERT_NE(good, nullptr);
  EXPECT_EQ(good->actions.size(), 1u);
  EXPECT_EQ(sources_.FileCount(), 4u);  // + the runner file and run.yaml; nothing of broken
  EXPECT_THAT(Diagnostics(), IsEmpty());

  const Pack* broken = loader.Load("broken");
  ASSERT_NE(broken, nullptr);
  EXPECT_TRUE(broken->actions.empty());
  EXPECT_THAT(Diagnostics(), ElementsAre("PackFieldType packs/broken/pack.yaml:2:10",
                                         "YamlSyntax packs/broken/actions/bad.yaml:4:1"));
  EXPECT_EQ(loader.Load("broken"), broken);  // loaded once, reported once
  EXPECT_THAT(Diagnostics(), IsEmpty());
  EXPECT_EQ(loader.Load("nothing"), nullptr);
}

TEST_F(LoaderTest, WarningsCanBeLeftOut) {
  dir_.Write("p/_runners/r.yaml", std::string(kRunners));
  dir_.Write("p/w/pack.yaml", PackYaml("w"));
  dir_.Write("p/w/actions/a.yaml",
             "name: a\nrunner_type: shell\ntag: x\nparameters: {n: {type: integer, default: x}}\n");
  dir_.Write("p/w/actions/b.yaml", "name: b\nrunner_type: shel\n");
  LoaderOptions options;
  options.search_path = {dir_.path() / "p"};
  options.builtin = false;
  options.report_warnings = false;
  PackLoader loader(std::move(options), sources_, diags_, types_);
  const Pack* pack = loader.Load("w");
  ASSERT_NE(pack, nullptr);
  EXPECT_EQ(pack->FindAction("a")->parameters[0].default_json, "\"x\"");  // still kept
  EXPECT_THAT(Diagnostics(), ElementsAre("UnknownRunner p/w/actions/b.yaml:2:14"));
}

TEST_F(LoaderTest, SearchOrderBuiltinsFirstThenDirectoriesInOrder) {
  dir_.Write("one/x/pack.yaml", PackYaml("x", "1.0.0"));
  dir_.Write("one/core/pack.yaml", PackYaml("core", "9.9.9"));
  dir_.Write("two/x/pack.yaml", PackYaml("x", "2.0.0"));
  dir_.Write("two/y/pack.yaml", PackYaml("y"));
  dir_.Write("two/x_again/pack.yaml", PackYaml("x", "3.0.0"));
  std::vector<MemoryFile> builtin = {
      {.path = "packs/core/pack.yaml", .text = PackYaml("core", "0.1.0")},
      {.path = "packs/core/actions/noop.yaml", .text = "name: noop\nrunner_type: shell\n"},
      {.path = "runners/shell.yaml", .text = "- name: shell\n"}};
  PackLoader& loader =
      Loader({dir_.path() / "one", dir_.path() / "two", dir_.path() / "one/../one/"}, builtin);

  EXPECT_THAT(loader.AvailablePacks(), ElementsAre("core", "x", "y"));
  const Pack* core = loader.Load("core");
  ASSERT_NE(core, nullptr);
  EXPECT_TRUE(core->builtin);
  EXPECT_EQ(core->version, "0.1.0");
  EXPECT_EQ(core->dir, "stdlib/packs/core");
  ASSERT_EQ(core->actions.size(), 1u);
  EXPECT_EQ(sources_.Path(core->actions[0].decl.file), "stdlib/packs/core/actions/noop.yaml");
  EXPECT_EQ(loader.Load("x")->version, "1.0.0");
  EXPECT_FALSE(loader.Load("x")->builtin);

  std::vector<std::string> shadowed;
  for (const PackLoader::Shadowed& s : loader.shadowed()) {
    shadowed.push_back(
        s.name + " " + s.dir.lexically_relative(dir_.path()).string() + " by " +
        (s.by.is_absolute() ? s.by.lexically_relative(dir_.path()).string() : s.by.string()) + " " +
        s.version);
  }
  EXPECT_THAT(shadowed, ElementsAre("core one/core by stdlib/packs/core 9.9.9",
                                    "x two/x by one/x 2.0.0", "x two/x_again by one/x 3.0.0"));
  EXPECT_THAT(Diagnostics(), IsEmpty());
}

TEST_F(LoaderTest, FirstRunnerDefinitionWins) {
  dir_.Write("a/_runners/r.yaml",
             "- name: shell\n  runner_parameters: {from_a: {type: string}}\n"
             "- name: only-a\n");
  dir_.Write("b/_runners/r.yaml", "- name: shell\n  runner_parameters: {from_b: {}}\n");
  std::vector<MemoryFile> builtin = {
      {.path = "runners/r.yaml",
       .text = "- name: builtin-shell\n  runner_parameters: {p: {type: integer}}\n"}};
  PackLoader& loader = Loader({dir_.path() / "a", dir_.path() / "b"}, builtin);
  ASSERT_NE(loader.FindRunner("shell"), nullptr);
  EXPECT_EQ(loader.FindRunner("shell")->parameters[0].name, "from_a");
  EXPECT_NE(loader.FindRunner("only-a"), nullptr);
  EXPECT_EQ(sources_.Path(loader.FindRunner("builtin-shell")->decl.file), "stdlib/runners/r.yaml");
  EXPECT_EQ(loader.FindRunner("missing"), nullptr);
  EXPECT_THAT(loader.RunnerNames(), ElementsAre("builtin-shell", "only-a", "shell"));
}

TEST_F(LoaderTest, PackNamesComeFromRefThenName) {
  dir_.Write("p/hello_dir/pack.yaml", "ref: hello\nname: Hello StackStorm\nversion: 0.1.0\n");
  dir_.Write("p/spaced/pack.yaml", "name: Spaced Name\n");
  dir_.Write("p/nameless/pack.yaml", "version: 1.0.0\n");
  dir_.Write("p/not_a_pack/actions/a.yaml", "name: a\n");
  dir_.Write("p/_runners/pack.yaml", PackYaml("runners_dir"));
  dir_.Write("p/.hidden/pack.yaml", PackYaml("hidden"));
  PackLoader& loader = Loader({dir_.path() / "p"});
  EXPECT_THAT(loader.AvailablePacks(), ElementsAre("hello", "nameless", "spaced"));
  EXPECT_EQ(loader.Load("hello")->dir, dir_.path() / "p/hello_dir");
  EXPECT_EQ(loader.Load("hello_dir"), nullptr);
  EXPECT_NE(loader.Load("spaced"), nullptr);
  EXPECT_NE(loader.Load("nameless"), nullptr);
  // Sorted by file, and pack.yaml files are read in directory order.
  EXPECT_THAT(Diagnostics(), ElementsAre("MissingPackField p/nameless/pack.yaml:1:1",
                                         "InvalidPackRef p/spaced/pack.yaml:1:7"));
}

TEST_F(LoaderTest, MissingOrNonDirectorySearchEntriesHoldNoPacks) {
  PackLoader& loader = Loader({dir_.path() / "does-not-exist", "/dev/null"});
  EXPECT_THAT(loader.AvailablePacks(), IsEmpty());
  EXPECT_THAT(loader.shadowed(), IsEmpty());
  EXPECT_THAT(loader.RunnerNames(), IsEmpty());
  EXPECT_THAT(Diagnostics(), IsEmpty());
}

TEST_F(LoaderTest, OnlyTopLevelMetadataFilesAreActions) {
  dir_.Write("p/_runners/r.yaml", std::string(kRunners));
  dir_.Write("p/w/pack.yaml", PackYaml("w"));
  dir_.Write("p/w/actions/meta.yaml", "name: meta\nrunner_type: shell\nentry_point: flow.yaml\n");
  dir_.Write("p/w/actions/short.yml", "name: short\nrunner_type: shell\n");
  dir_.Write("p/w/actions/flow.yaml", "version: 1.0\ntasks:\n  t: {action: core.noop}\n");
  dir_.Write("p/w/actions/chain.yaml", "chain:\n  - name: c\n    ref: core.local\n");
  dir_.Write("p/w/actions/workflows/nested.yaml", "name: nested\nrunner_type: shell\n");
  dir_.Write("p/w/actions/script.sh", "echo hi\n");
  dir_.Write("p/w/actions/README.md", "name: not yaml\n");
  PackLoader& loader = Loader({dir_.path() / "p"});
  const Pack* pack = loader.Load("w");
  ASSERT_NE(pack, nullptr);
  std::vector<std::string> refs;
  for (const Action& action : pack->actions) refs.push_back(action.ref);
  EXPECT_THAT(refs, ElementsAre("w.meta", "w.short"));
  EXPECT_EQ(pack->FindAction("meta")->entry_point, "flow.yaml");
  EXPECT_EQ(pack->FindAction("flow"), nullptr);
  EXPECT_THAT(Diagnostics(), IsEmpty());
}

TEST_F(LoaderTest, ActionProblemsByKindAndPosition) {
  dir_.Write("p/_runners/r.yaml", std::string(kRunners));
  dir_.Write("p/q/pack.yaml", PackYaml("q"));
  dir_.Write("p/q/actions/a_first.yaml", "name: twice\nrunner_type: shell\n");
  dir_.Write("p/q/actions/b_second.yaml", "---\n  name: twice\n  runner_type: shell\n");
  dir_.Write("p/q/actions/c.yaml",
             "name: c\n"
             "runner_type: shel\n"
             "pack: other\n"
             "enabled: \"no\"\n"
             "runner-type: x\n"
             "parameters:\n"
             "  n: {type: intger}\n");
  dir_.Write("p/q/actions/d.yaml", "runner_type: shell\ndescription: no name\n");
  dir_.Write("p/q/actions/e.yaml", "name: e\nparameters: {p: {type: integer}}\n");
  dir_.Write("p/q/actions/f.yaml", "- name: f\n");
  dir_.Write("p/q/actions/g.yaml", "");
  PackLoader& loader = Loader({dir_.path() / "p"});
  const Pack* pack = loader.Load("q");
  ASSERT_NE(pack, nullptr);
  std::vector<std::string> names;
  for (const Action& action : pack->actions) names.push_back(action.name);
  EXPECT_THAT(names, ElementsAre("c", "e", "twice"));
  EXPECT_EQ(sources_.Path(pack->FindAction("twice")->decl.file),
            (dir_.path() / "p/q/actions/a_first.yaml").string());
  // An action whose runner is unknown or missing keeps its own parameters.
  EXPECT_EQ(types::ToString(pack->FindAction("e")->parameters[0].type), "int");
  EXPECT_EQ(pack->FindAction("c")->runner_type, "shel");
  EXPECT_THAT(
      Diagnostics(),
      ElementsAre(
          "DuplicateAction p/q/actions/b_second.yaml:2:9",
          "  note PreviousDeclaration p/q/actions/a_first.yaml:1:7",
          "UnknownRunner p/q/actions/c.yaml:2:14", "PackNameMismatch p/q/actions/c.yaml:3:7",
          "PackFieldType p/q/actions/c.yaml:4:10", "UnknownPackField p/q/actions/c.yaml:5:1",
          "UnknownParameterType p/q/actions/c.yaml:7:13", "MissingPackField p/q/actions/d.yaml:1:1",
          "MissingPackField p/q/actions/e.yaml:1:1", "InvalidMetadataFile p/q/actions/f.yaml:1:1",
          "InvalidMetadataFile p/q/actions/g.yaml:1:1"));
}

TEST_F(LoaderTest, UnknownRunnerSuggestsAKnownOne) {
  dir_.Write("p/_runners/r.yaml", std::string(kRunners));
  dir_.Write("p/q/pack.yaml", PackYaml("q"));
  dir_.Write("p/q/actions/a.yaml", "name: a\nrunner_type: shel\n");
  Loader({dir_.path() / "p"}).Load("q");
  EXPECT_THAT(Messages(), ElementsAre("unknown runner `shel`; did you mean `shell`?"));
}

TEST_F(LoaderTest, TriggerTypesFromTriggersAndSensors) {
  dir_.Write("p/t/pack.yaml", PackYaml("t"));
  dir_.Write("p/t/triggers/event.yaml",
             "name: event\n"
             "description: An event.\n"
             "payload_schema:\n"
             "  type: object\n"
             "  properties:\n"
             "    value: {type: string, required: true}\n"
             "    at: {type: string, format: date-time}\n"
             "  additionalProperties: false\n");
  dir_.Write("p/t/sensors/watch.yaml",
             "---\n"
             "  class_name: Watch\n"
             "  trigger_types:\n"
             "    - name: file.line\n"
             "      pack: t\n"
             "      parameters_schema:\n"
             "        type: object\n"
             "        properties: {path: {type: string, required: true}}\n"
             "      payload_schema: {type: object, properties: {line: {type: string}}}\n"
             "    - name: event\n"
             "    - name: loose\n"
             "      payload_schema: {type: string}\n"
             "    - description: no name\n");
  PackLoader& loader = Loader({dir_.path() / "p"});
  const Pack* pack = loader.Load("t");
  ASSERT_NE(pack, nullptr);
  std::vector<std::string> refs;
  for (const TriggerType& trigger : pack->triggers) refs.push_back(trigger.ref);
  EXPECT_THAT(refs, ElementsAre("t.event", "t.file.line", "t.loose"));
  const TriggerType* event = pack->FindTrigger("event");
  EXPECT_EQ(types::ToString(event->payload), "t.event");
  EXPECT_EQ(Spell(event->payload), "{value: string, at: time?}");
  EXPECT_EQ(event->description, "An event.");
  const TriggerType* line = pack->FindTrigger("file.line");
  EXPECT_EQ(Spell(line->payload), "{line: string?}");
  ASSERT_EQ(line->parameters.size(), 1u);
  EXPECT_TRUE(line->parameters[0].required);
  EXPECT_EQ(types::ToString(pack->FindTrigger("loose")->payload), "json");
  EXPECT_THAT(Diagnostics(), ElementsAre("DuplicateTriggerType p/t/sensors/watch.yaml:10:13",
                                         "  note PreviousDeclaration p/t/triggers/event.yaml:1:7",
                                         "MissingPackField p/t/sensors/watch.yaml:13:7"));
}

TEST_F(LoaderTest, ActionOutputTypes) {
  dir_.Write("p/_runners/r.yaml", std::string(kRunners));
  dir_.Write("p/o/pack.yaml", PackYaml("o"));
  dir_.Write("p/o/actions/keyed.yaml",
             "name: keyed\nrunner_type: python-like\n"
             "output_schema: {count: {type: integer, required: true}}\n");
  dir_.Write("p/o/actions/plain.yaml", "name: plain\nrunner_type: python-like\n");
  dir_.Write("p/o/actions/untyped.yaml", "name: untyped\nrunner_type: shell\n");
  dir_.Write("p/o/actions/own.yaml",
             "name: own\nrunner_type: shell\n"
             "output_schema: {type: object, properties: {ok: {type: boolean}}}\n");
  PackLoader& loader = Loader({dir_.path() / "p"});
  const Pack* pack = loader.Load("o");
  ASSERT_NE(pack, nullptr);
  // StackStorm validates the action's schema against result[output_key].
  const types::Type* keyed = pack->FindAction("keyed")->output;
  EXPECT_EQ(types::ToString(keyed), "o.keyed.result");
  EXPECT_EQ(Spell(keyed), "{result: {count: int, ...: json}?, stdout: string}");
  EXPECT_EQ(types::ToString(pack->FindAction("plain")->output), "o.plain.result");
  EXPECT_EQ(Spell(pack->FindAction("plain")->output), "{result: json, stdout: string}");
  EXPECT_EQ(types::ToString(pack->FindAction("untyped")->output), "json");
  EXPECT_EQ(types::ToString(pack->FindAction("own")->output), "o.own.result");
  EXPECT_EQ(Spell(pack->FindAction("own")->output), "{ok: bool?}");
  EXPECT_EQ(types::ToString(loader.FindRunner("python-like")->output, true),
            "{result: json, stdout: string}");
  EXPECT_EQ(loader.FindRunner("python-like")->output_key, "result");
  EXPECT_THAT(Diagnostics(), IsEmpty());
}

TEST_F(LoaderTest, RunnerFileProblemsAreReportedWhenRunnersAreFirstNeeded) {
  dir_.Write("p/_runners/bad.yaml",
             "- name: good\n"
             "- description: no name\n"
             "- name: 5\n"
             "- name: odd\n"
             "  runner_parametrs: {}\n"
             "- just a string\n");
  dir_.Write("p/_runners/scalar.yaml", "runners\n");
  dir_.Write("p/q/pack.yaml", PackYaml("q"));
  dir_.Write("p/empty/pack.yaml", PackYaml("empty"));
  dir_.Write("p/q/actions/a.yaml", "name: a\nrunner_type: good\n");
  PackLoader& loader = Loader({dir_.path() / "p"});
  ASSERT_NE(loader.Load("empty"), nullptr);  // no actions: runners are not needed yet
  EXPECT_THAT(Diagnostics(), IsEmpty());
  ASSERT_NE(loader.Load("q"), nullptr);
  EXPECT_THAT(Diagnostics(), ElementsAre("MissingPackField p/_runners/bad.yaml:2:3",
                                         "PackFieldType p/_runners/bad.yaml:3:9",
                                         "UnknownPackField p/_runners/bad.yaml:5:3",
                                         "InvalidMetadataFile p/_runners/bad.yaml:6:3",
                                         "InvalidMetadataFile p/_runners/scalar.yaml:1:1"));
  EXPECT_THAT(loader.RunnerNames(), ElementsAre("good", "odd"));
}

}  // namespace
}  // namespace squall::schema

namespace squall::schema {
namespace {

// Every prefix of a rich action file (cut anywhere: inside a quote, a flow map, a block
// scalar) loads without crashing or throwing, and every diagnostic range lies inside the file
// (the DiagnosticEngine aborts otherwise).
TEST(LoaderRobustnessTest, TruncatedFilesNeverCrash) {
  const std::string full =
      "---\n"
      "  name: \"notify\"\n"
      "  runner_type: shell\n"
      "  description: |\n"
      "    Sends a notification.\n"
      "  parameters:\n"
      "    channel: {type: string, required: true, position: 0}\n"
      "    level: {type: string, enum: ['info', \"warn\"], default: info}\n"
      "    tags:\n"
      "      type: array\n"
      "      items: {type: string}\n"
      "      default: [a, b]\n"
      "    timeout: {default: 30}\n"
      "  output_schema:\n"
      "    type: object\n"
      "    properties:\n"
      "      id: {type: string, required: true}\n";
  for (size_t length = 0; length <= full.size(); ++length) {
    testing::Snippet runner_file(std::string(kRunners), "runners.yaml");
    std::vector<RunnerDefinition> runners = ReadRunnerFile(runner_file.file(), runner_file.types());
    testing::Snippet snippet(full.substr(0, length), "action.yaml");
    std::vector<std::string> names = {"shell"};
    RunnerLookup lookup{.find = [&](std::string_view name) -> const RunnerDefinition* {
                          return name == "shell" ? &runners[0] : nullptr;
                        },
                        .names = names};
    std::optional<Action> action = ReadActionFile(snippet.file(), "p", lookup, snippet.types());
    snippet.Diagnostics();  // flushes into an engine, which checks every range
    if (length == full.size()) {
      ASSERT_TRUE(action.has_value());
      EXPECT_EQ(action->parameters.size(), 5u);  // + the runner's `cmd`
    }
  }
}

}  // namespace
}  // namespace squall::schema
