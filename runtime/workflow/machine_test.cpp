// `ask` on the machine: a real workflow lowered by the real front end, driven the way the
// engine drives it (Run, Answer, Advance, the document between moves).
#include "runtime/workflow/machine.h"

#include <gtest/gtest.h>

#include "compiler/ir/lowered_for_test.h"

namespace squall::workflow {
namespace {

using nlohmann::json;

constexpr int64_t kT0 = 1'800'000'000'000;

class MachineAskTest : public testing::Test {
 protected:
  void SetUp() override {
    lowered_ = std::make_unique<ir::LoweredForTest>(R"(import core
workflow approve(service: string) -> string {
  let go = ask "Switch {{service}} off?" {approved: bool, reason: string?} timeout 1h
  if go.approved {
    return "yes: " + (go.reason ?? "-")
  }
  return "no"
}
)");
    ASSERT_TRUE(lowered_->ok());
    interpreter_ = std::make_unique<interp::Interpreter>(lowered_->program());
    const ir::Workflow* workflow = ir::FindWorkflow(lowered_->program(), "approve");
    ASSERT_NE(workflow, nullptr);
    machine_ =
        std::make_unique<Machine>(lowered_->program(), *workflow, *interpreter_, *interpreter_);
  }

  // A started instance, suspended on its ask.
  Instance Asking() {
    Instance instance = machine_->Start(json{{"service", "web"}});
    std::vector<Effect> effects;
    machine_->Run(instance, kT0, effects);
    EXPECT_TRUE(effects.empty());
    return instance;
  }

  std::unique_ptr<ir::LoweredForTest> lowered_;
  std::unique_ptr<interp::Interpreter> interpreter_;
  std::unique_ptr<Machine> machine_;
};

TEST_F(MachineAskTest, AskRecordsPromptSchemaAndTimeInTheDocument) {
  Instance instance = Asking();
  ASSERT_EQ(instance.strands.size(), 1u);
  const Strand& strand = instance.strands.begin()->second;
  EXPECT_EQ(strand.waiting, Suspension::kAsk);
  EXPECT_EQ(strand.prompt, "Switch web off?");
  EXPECT_EQ(strand.schema["required"], json::array({"approved"}));
  EXPECT_EQ(strand.asked_at, kT0);
  EXPECT_EQ(strand.until_ms, kT0 + 3600 * 1000);

  json doc = instance.ToJson();
  const json& s = doc["strands"][0];
  EXPECT_EQ(s["prompt"], "Switch web off?");
  EXPECT_EQ(s["schema"], strand.schema);
  EXPECT_EQ(s["asked_at"], kT0);
  EXPECT_LT(doc.dump().size(), 600u) << doc.dump();  // small documents
  std::string error;
  std::optional<Instance> back = Instance::FromJson(doc, &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->ToJson(), doc);
}

TEST_F(MachineAskTest, InvalidAnswerIsRefusedAndTheStrandKeepsWaiting) {
  Instance instance = Asking();
  int64_t strand = instance.strands.begin()->first;
  std::vector<Effect> effects;
  std::string error;
  EXPECT_FALSE(
      machine_->Answer(instance, strand, json{{"approved", "yes"}}, kT0 + 1, effects, &error));
  EXPECT_EQ(error, R"(`approved`: expected a bool, found "yes")");
  EXPECT_FALSE(machine_->Answer(instance, strand, json{{"reason", "x"}}, kT0 + 1, effects, &error));
  EXPECT_EQ(error, "missing `approved`");
  EXPECT_FALSE(
      machine_->Answer(instance, strand + 1, json{{"approved", true}}, kT0 + 1, effects, &error));
  EXPECT_EQ(error, "the workflow is not waiting for this answer");
  EXPECT_TRUE(effects.empty());
  EXPECT_EQ(instance.strands.at(strand).waiting, Suspension::kAsk);
}

TEST_F(MachineAskTest, AnswerAfterARestartResumesWithTheAnswer) {
  Instance asked = Asking();
  std::string error;
  std::optional<Instance> instance = Instance::FromJson(asked.ToJson(), &error);
  ASSERT_TRUE(instance) << error;
  std::vector<Effect> effects;
  ASSERT_TRUE(machine_->Answer(*instance, 1, json{{"approved", true}, {"reason", "ok"}}, kT0 + 5,
                               effects, &error))
      << error;
  EXPECT_EQ(instance->status, InstanceStatus::kSucceeded);
  EXPECT_EQ(instance->result, "yes: ok");
  ASSERT_EQ(effects.size(), 1u);
  EXPECT_EQ(effects[0].kind, Effect::Kind::kFinished);
  // Answered once: a second answer finds nothing waiting.
  EXPECT_FALSE(machine_->Answer(*instance, 1, json{{"approved", false}}, kT0 + 6, effects, &error));
}

TEST_F(MachineAskTest, NobodyAnsweringTimesOut) {
  Instance instance = Asking();
  std::vector<Effect> effects;
  EXPECT_EQ(Machine::NextDeadline(instance), kT0 + 3600 * 1000);
  machine_->Advance(instance, kT0 + 3600 * 1000, effects);
  EXPECT_EQ(instance.status, InstanceStatus::kFailed);
  EXPECT_EQ(instance.error["status"], "timed_out");
  EXPECT_EQ(instance.error["message"], "nobody answered before the timeout");
}

TEST_F(MachineAskTest, DocumentsRecordTheDefinitionTheyStartedWith) {
  Instance instance = Asking();
  EXPECT_EQ(instance.definition, machine_->fingerprint());
  std::string error;
  std::optional<Instance> reread = Instance::FromJson(instance.ToJson(), &error);
  ASSERT_TRUE(reread) << error;
  EXPECT_TRUE(machine_->Fits(*reread));

  // The same workflow with a comment and other layout: the same compiled shape.
  ir::LoweredForTest relaid(R"(import core
# approvals
workflow approve(service: string) -> string {
  let go = ask "Switch {{service}} off?" {approved: bool, reason: string?} timeout 1h

  if go.approved { return "yes: " + (go.reason ?? "-") }
  return "no"
}
)");
  ASSERT_TRUE(relaid.ok());
  EXPECT_EQ(ir::WorkflowFingerprint(relaid.program(), relaid.program().workflows[0]),
            machine_->fingerprint());

  // A changed prompt is another definition: the document does not fit it.
  ir::LoweredForTest changed(R"(import core
workflow approve(service: string) -> string {
  let go = ask "Switch {{service}} off now?" {approved: bool, reason: string?} timeout 1h
  if go.approved {
    return "yes: " + (go.reason ?? "-")
  }
  return "no"
}
)");
  ASSERT_TRUE(changed.ok());
  interp::Interpreter other_interpreter(changed.program());
  Machine other(changed.program(), changed.program().workflows[0], other_interpreter,
                other_interpreter);
  EXPECT_NE(other.fingerprint(), machine_->fingerprint());
  EXPECT_FALSE(other.Fits(*reread));

  // A document from before fingerprints: fits when its states exist.
  json old = instance.ToJson();
  old.erase("definition");
  std::optional<Instance> legacy = Instance::FromJson(old, &error);
  ASSERT_TRUE(legacy) << error;
  EXPECT_TRUE(other.Fits(*legacy));
  legacy->strands.begin()->second.pc = 10'000;
  EXPECT_FALSE(other.Fits(*legacy));
}

}  // namespace
}  // namespace squall::workflow
