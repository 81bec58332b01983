#include "cli/workflow_view.h"

#include <algorithm>
#include <map>

#include "cli/state_flags.h"
#include "compiler/diag/json_escape.h"
#include "runtime/workflow/inquiry.h"

namespace squall::cli {

using json = nlohmann::json;

nlohmann::ordered_json WaitPoint::ToJson() const {
  nlohmann::ordered_json out = {{"strand", strand}, {"waiting", waiting}, {"state", state}};
  if (execution != 0) out["execution"] = execution;
  if (until != 0) out["until"] = FormatTime(until, true);
  if (!trigger.empty()) out["trigger"] = trigger;
  if (!inquiry.empty()) out["inquiry"] = inquiry;
  if (!prompt.empty()) out["prompt"] = prompt;
  if (waiting == "join") {
    out["running"] = running;
    out["needed"] = needed;
  }
  return out;
}

std::optional<std::vector<WaitPoint>> WaitPoints(const json& instance, int64_t execution_id,
                                                 std::string* error) {
  // Only the fields this view needs are read, so that a document from a newer engine (more
  // fields) still shows; a missing or mistyped one is an error, never a crash.
  try {
    std::vector<WaitPoint> out;
    for (const json& strand : instance.at("strands")) {
      std::string waiting = strand.at("waiting").get<std::string>();
      if (waiting == "none") continue;
      WaitPoint wait{.strand = strand.at("id").get<int64_t>(),
                     .waiting = waiting,
                     .state = strand.at("pc").get<uint32_t>(),
                     .execution = strand.value("execution", int64_t{0}),
                     .until = strand.value("until", int64_t{0}),
                     .trigger = strand.value("trigger", std::string())};
      if (waiting == "ask") {
        wait.inquiry = workflow::FormatInquiryId(execution_id, wait.strand);
        wait.prompt = strand.value("prompt", std::string());
      }
      if (const auto join = strand.find("join"); join != strand.end()) {
        wait.running = join->value("running", int64_t{0});
        wait.needed = join->value("needed", int64_t{0});
      }
      out.push_back(std::move(wait));
    }
    std::sort(out.begin(), out.end(),
              [](const WaitPoint& a, const WaitPoint& b) { return a.strand < b.strand; });
    return out;
  } catch (const json::exception& e) {
    if (error != nullptr) *error = std::string("not a workflow instance: ") + e.what();
    return std::nullopt;
  }
}

std::string DescribeWait(const WaitPoint& wait, const std::string& action) {
  std::string until = wait.until != 0 ? " until " + FormatTime(wait.until) : "";
  if (wait.waiting == "call") {
    if (wait.execution == 0) return "call (state " + std::to_string(wait.state) + ", starting)";
    return "call " + (action.empty() ? std::string() : action + " ") + "(execution " +
           std::to_string(wait.execution) + ")";
  }
  if (wait.waiting == "sleep") return "sleep" + until;
  if (wait.waiting == "event") {
    // The trigger is in the compiled workflow, not in every document: the state says where.
    return "event " +
           (wait.trigger.empty() ? "(state " + std::to_string(wait.state) + ")" : wait.trigger) +
           until;
  }
  if (wait.waiting == "ask") {
    std::string prompt;
    if (!wait.prompt.empty()) diag::AppendJsonString(prompt, wait.prompt);
    return "ask " + (prompt.empty() ? "" : prompt + " ") + "(inquiry " + wait.inquiry + ")" + until;
  }
  if (wait.waiting == "join") return "join (" + std::to_string(wait.running) + " running)";
  return wait.waiting;  // a suspension this CLI does not know yet: its name
}

std::optional<int64_t> StepIndex(const std::string& policy_json) {
  json policy = json::parse(policy_json, nullptr, /*allow_exceptions=*/false);
  if (!policy.is_object()) return std::nullopt;
  auto step = policy.find("step");
  if (step == policy.end() || !step->is_number_integer()) return std::nullopt;
  return step->get<int64_t>();
}

std::vector<TreeNode> BuildTree(const store::Execution& root,
                                std::vector<store::Execution> candidates) {
  std::map<int64_t, std::vector<store::Execution>> children;  // by parent id
  for (store::Execution& e : candidates) {
    if (e.parent_id != 0 && e.id != root.id) children[e.parent_id].push_back(std::move(e));
  }
  for (auto& [parent, list] : children) {
    std::sort(list.begin(), list.end(),
              [](const store::Execution& a, const store::Execution& b) { return a.id < b.id; });
  }
  std::vector<TreeNode> out;
  // Depth first with an explicit stack (no recursion depth limit); each execution is placed at
  // most once, so a corrupt parent cycle cannot loop.
  std::vector<TreeNode> stack = {TreeNode{root, 0}};
  while (!stack.empty()) {
    TreeNode node = std::move(stack.back());
    stack.pop_back();
    auto it = children.find(node.execution.id);
    if (it != children.end()) {
      std::vector<store::Execution> kids = std::move(it->second);
      children.erase(it);
      for (auto kid = kids.rbegin(); kid != kids.rend(); ++kid) {
        stack.push_back(TreeNode{std::move(*kid), node.depth + 1});
      }
    }
    out.push_back(std::move(node));
  }
  return out;
}

std::string Abbreviate(const std::string& text, size_t max) {
  std::string flat;
  for (char c : text) {
    if (c == '\n') {
      flat += "\\n";
    } else {
      flat += c;
    }
  }
  if (flat.size() <= max) return flat;
  size_t cut = max > 3 ? max - 3 : 0;
  // Back up to the start of a UTF-8 sequence (continuation bytes are 10xxxxxx).
  while (cut > 0 && (static_cast<unsigned char>(flat[cut]) & 0xC0) == 0x80) --cut;
  return flat.substr(0, cut) + "...";
}

}  // namespace squall::cli
