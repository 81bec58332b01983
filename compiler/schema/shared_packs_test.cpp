// Loads every real pack in shared/packs (copies of StackStorm's bundled packs and two Exchange
// packs): what Squall promises is that existing packs load unchanged.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "compiler/schema/loader.h"
#include "compiler/schema/schema_test_util.h"

namespace squall::schema {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using testing::Spell;

const std::filesystem::path kShared = SQUALL_SHARED_PACKS_DIR;

class SharedPacksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // CI checks main out with shared/ beside it; a missing directory is a broken setup, not a
    // reason to pass.
    ASSERT_TRUE(std::filesystem::is_directory(kShared)) << "no " << kShared;
    LoaderOptions options;
    options.search_path = {kShared};
    options.builtin = false;  // the shared core, not Squall's
    loader_ = std::make_unique<PackLoader>(std::move(options), sources_, diags_, types_);
  }

  // "Kind pack/path:line:col" relative to shared/packs.
  std::vector<std::string> Diagnostics() {
    std::vector<std::string> lines = testing::Summarize(diags_.Finish(), sources_);
    std::string prefix = kShared.string() + "/";
    for (std::string& line : lines) {
      if (size_t at = line.find(prefix); at != std::string::npos) line.erase(at, prefix.size());
    }
    return lines;
  }

  source::SourceManager sources_;
  diag::DiagnosticEngine diags_{sources_,
                                diag::EngineOptions{.error_limit = 0, .warnings_as_errors = false}};
  types::TypeContext types_;
  std::unique_ptr<PackLoader> loader_;
};

TEST_F(SharedPacksTest, EveryPackLoadsWithoutErrors) {
  auto start = std::chrono::steady_clock::now();
  std::vector<std::string> names = loader_->AvailablePacks();
  EXPECT_THAT(names, ElementsAre("chatops", "core", "debug", "default", "examples", "hello_st2",
                                 "jira", "linux", "packs", "slack"));
  for (const std::string& name : names) ASSERT_NE(loader_->Load(name), nullptr) << name;
  auto elapsed = std::chrono::steady_clock::now() - start;
  RecordProperty(
      "load_all_ms",
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));
  // Zero errors. The warnings are genuine upstream bugs: defaults that StackStorm's own
  // parameter validation rejects whenever the parameter is left out (a `0` or `""` for a
  // boolean, "now" for a number).
  EXPECT_THAT(Diagnostics(), ElementsAreArray(std::vector<std::string>{
                                 "InvalidDefault slack/actions/admin.users.assign.yaml:21:14",
                                 "InvalidDefault slack/actions/admin.users.assign.yaml:26:14",
                                 "InvalidDefault slack/actions/channels.history.yaml:25:14",
                                 "InvalidDefault slack/actions/channels.history.yaml:30:14",
                                 "InvalidDefault slack/actions/channels.history.yaml:44:14",
                                 "InvalidDefault slack/actions/chat.unfurl.yaml:36:14",
                                 "InvalidDefault slack/actions/conversations.history.yaml:24:14",
                                 "InvalidDefault slack/actions/conversations.history.yaml:29:14",
                                 "InvalidDefault slack/actions/conversations.replies.yaml:24:14",
                                 "InvalidDefault slack/actions/conversations.replies.yaml:29:14",
                                 "InvalidDefault slack/actions/files.list.yaml:41:14",
                                 "InvalidDefault slack/actions/files.remote.list.yaml:37:14",
                                 "InvalidDefault slack/actions/groups.history.yaml:25:14",
                                 "InvalidDefault slack/actions/groups.history.yaml:30:14",
                                 "InvalidDefault slack/actions/groups.history.yaml:44:14",
                                 "InvalidDefault slack/actions/groups.list.yaml:20:14",
                                 "InvalidDefault slack/actions/im.history.yaml:25:14",
                                 "InvalidDefault slack/actions/im.history.yaml:30:14",
                                 "InvalidDefault slack/actions/im.history.yaml:44:14",
                                 "InvalidDefault slack/actions/migration.exchange.yaml:16:14",
                                 "InvalidDefault slack/actions/mpim.history.yaml:25:14",
                                 "InvalidDefault slack/actions/mpim.history.yaml:30:14",
                                 "InvalidDefault slack/actions/mpim.history.yaml:44:14",
                                 "InvalidDefault slack/actions/rtm.connect.yaml:16:14",
                                 "InvalidDefault slack/actions/rtm.connect.yaml:21:14",
                             }));
  EXPECT_THAT(
      loader_->RunnerNames(),
      ElementsAre("action-chain", "announcement", "http-request", "inquirer", "local-shell-cmd",
                  "local-shell-script", "noop", "orquesta", "python-script", "remote-shell-cmd",
                  "remote-shell-script", "winrm-cmd", "winrm-ps-cmd", "winrm-ps-script"));
}

TEST_F(SharedPacksTest, SlackHasItsActionsAndMessageTrigger) {
  const Pack* slack = loader_->Load("slack");
  ASSERT_NE(slack, nullptr);
  EXPECT_EQ(slack->actions.size(), 194u);
  EXPECT_EQ(slack->version, "2.3.0");
  const Action* post = slack->FindAction("chat.postMessage");
  ASSERT_NE(post, nullptr);
  EXPECT_EQ(post->runner_type, "python-script");
  EXPECT_EQ(types::ToString(post->output), "slack.chat.postMessage.result");
  const TriggerType* message = slack->FindTrigger("message");
  ASSERT_NE(message, nullptr);
  EXPECT_EQ(Spell(message->payload),
            "{user: map<json>?, channel: map<json>?, text: string?, timestamp: int?, "
            "timestamp_raw: string?, attachments: list<json>?}");
}

TEST_F(SharedPacksTest, CoreLocalMergesTheLocalShellRunner) {
  const Pack* core = loader_->Load("core");
  ASSERT_NE(core, nullptr);
  const Action* local = core->FindAction("local");
  ASSERT_NE(local, nullptr);
  EXPECT_EQ(local->ref, "core.local");
  EXPECT_EQ(local->runner_type, "local-shell-cmd");
  std::vector<std::string> names;
  for (const Parameter& parameter : local->parameters) names.push_back(parameter.name);
  EXPECT_THAT(names,
              ElementsAre("cmd", "sudo", "cwd", "env", "kwarg_op", "sudo_password", "timeout"));
  const Parameter* cmd = FindParameter(local->parameters, "cmd");
  EXPECT_EQ(types::ToString(cmd->type), "string");
  EXPECT_TRUE(cmd->required);
  EXPECT_TRUE(cmd->from_runner);
  EXPECT_EQ(cmd->description, "Arbitrary Linux command to be executed on the local host.");
  // `sudo: {immutable: true}` in core/actions/local.yaml: the type comes from the runner.
  const Parameter* sudo = FindParameter(local->parameters, "sudo");
  EXPECT_EQ(types::ToString(sudo->type), "bool");
  EXPECT_TRUE(sudo->immutable);
  EXPECT_EQ(sudo->default_json, "false");
  EXPECT_EQ(sources_.Path(sudo->decl.file), (kShared / "core/actions/local.yaml").string());
  const Parameter* password = FindParameter(local->parameters, "sudo_password");
  EXPECT_TRUE(password->secret);
  EXPECT_EQ(password->default_json, "null");
  EXPECT_EQ(sources_.Path(password->decl.file),
            (kShared / "_runners/local_runner.runner.yaml").string());
  EXPECT_EQ(FindParameter(local->parameters, "timeout")->default_json, "60");
  EXPECT_EQ(types::ToString(FindParameter(local->parameters, "env")->type), "map<json>");

  // sendmail: `default: None` is the string "None"; positions are kept.
  const Action* sendmail = core->FindAction("sendmail");
  ASSERT_NE(sendmail, nullptr);
  const Parameter* binary = FindParameter(sendmail->parameters, "sendmail_binary");
  EXPECT_EQ(binary->default_json, "\"None\"");
  EXPECT_EQ(binary->position, 0);
  EXPECT_EQ(FindParameter(sendmail->parameters, "send_empty_body")->default_json, "true");

  const Action* http = core->FindAction("http");
  ASSERT_NE(http, nullptr);
  EXPECT_THAT(FindParameter(http->parameters, "method")->enum_json, ::testing::Contains("\"GET\""));
  EXPECT_EQ(Spell(http->output),
            "{status_code: int?, body: json, parsed: bool?, headers: map<json>?}");
}

TEST_F(SharedPacksTest, LinuxFileWatchLineTrigger) {
  const Pack* linux = loader_->Load("linux");
  ASSERT_NE(linux, nullptr);
  const TriggerType* line = linux->FindTrigger("file_watch.line");
  ASSERT_NE(line, nullptr);
  EXPECT_EQ(line->ref, "linux.file_watch.line");
  EXPECT_EQ(types::ToString(line->payload), "linux.file_watch.line");
  const types::Field* text = line->payload->FindField("line");
  ASSERT_NE(text, nullptr);
  EXPECT_EQ(types::ToString(text->type), "string?");
  ASSERT_EQ(line->parameters.size(), 1u);
  EXPECT_EQ(line->parameters[0].name, "file_path");
  EXPECT_TRUE(line->parameters[0].required);
  // The workflow definition under actions/workflows/ is not an action; its metadata is.
  EXPECT_NE(linux->FindAction("diag_loadavg"), nullptr);
  EXPECT_EQ(linux->actions.size(), 19u);
  // `args` declares no type and is not a runner parameter: json.
  EXPECT_EQ(types::ToString(FindParameter(linux->FindAction("cp")->parameters, "args")->type),
            "json");
}

TEST_F(SharedPacksTest, JiraSensorsDeclareTriggerTypes) {
  const Pack* jira = loader_->Load("jira");
  ASSERT_NE(jira, nullptr);
  EXPECT_EQ(jira->actions.size(), 32u);
  std::vector<std::string> refs;
  for (const TriggerType& trigger : jira->triggers) refs.push_back(trigger.ref);
  EXPECT_THAT(refs, ElementsAre("jira.issues_tracker", "jira.issues_tracker_for_apiv2"));
  EXPECT_EQ(types::ToString(
                jira->FindTrigger("issues_tracker_for_apiv2")->payload->FindField("fields")->type),
            "map<json>?");
}

TEST_F(SharedPacksTest, ExamplesTriggerFileAndWorkflowMetadata) {
  const Pack* examples = loader_->Load("examples");
  ASSERT_NE(examples, nullptr);
  const TriggerType* sample = examples->FindTrigger("sample_trigger");
  ASSERT_NE(sample, nullptr);
  EXPECT_EQ(Spell(sample->payload), "{value: string, executed_at: time}");
  EXPECT_EQ(sample->payload->FindField("executed_at")->default_json,
            "\"2014-07-30 05:04:24.578325\"");
  // Orquesta and ActionChain metadata are actions; their definitions (chains/, workflows/) are
  // not.
  EXPECT_EQ(examples->FindAction("orquesta-basic")->runner_type, "orquesta");
  EXPECT_EQ(types::ToString(examples->FindAction("orquesta-basic")->output, true),
            "{errors: json, output: json}");
  EXPECT_EQ(examples->actions.size(), 117u);
}

}  // namespace
}  // namespace squall::schema
