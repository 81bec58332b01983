// What `squall workflows` shows of a workflow run, computed from stored records without the
// workflow's program: where its instance (runtime/workflow/machine.h, Instance::ToJson) is
// suspended, and the tree of step executions under it. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "runtime/store/store.h"

namespace squall::cli {

// The runner of a workflow run (an Execution whose action is the workflow's name).
inline constexpr std::string_view kWorkflowRunner = "workflow";

// One suspended strand of an instance.
struct WaitPoint {
  int64_t strand = 0;
  std::string waiting;    // "call", "sleep", "event", "ask" or "join"
  uint32_t state = 0;     // the suspending state (the strand's pc)
  int64_t execution = 0;  // call: the step's execution (0 until the engine started it)
  int64_t until = 0;      // sleep: when it wakes; event, ask: the timeout (0: none)
  std::string trigger;    // event: the trigger, when the document names it ("" otherwise)
  std::string inquiry;    // ask: the inquiry id (`squall inquiries respond ID ...`)
  std::string prompt;     // ask: the question as asked
  int64_t running = 0;    // join: children still running
  int64_t needed = 0;     // join: children that must succeed

  nlohmann::ordered_json ToJson() const;
};

// The suspended strands of the instance document of workflow execution `execution_id`, by
// strand id. nullopt (and `*error`) when `instance` is not an instance document.
std::optional<std::vector<WaitPoint>> WaitPoints(const nlohmann::json& instance,
                                                 int64_t execution_id, std::string* error);

// One line for `wait`: `call core.local (execution 43)`, `sleep until <time>`,
// `event approval.granted until <time>`, `ask "Reboot sw1?" (inquiry 42.2)`, `join (2 running)`.
// `action` is the called execution's action ("" when unknown).
std::string DescribeWait(const WaitPoint& wait, const std::string& action);

// The state index a step execution was started for (its policy's `"step": N`); nullopt for
// an execution that is not a workflow step (e.g. a rule's follow-up).
std::optional<int64_t> StepIndex(const std::string& policy_json);

// One execution of a workflow run's tree.
struct TreeNode {
  store::Execution execution;
  int depth = 0;  // 0: the root
};

// The tree under `root`: `root`, then each execution of `candidates` whose parent chain
// reaches it, children after their parent in id order (depth first). `candidates` may hold
// anything, in any order; executions outside the tree are left out.
std::vector<TreeNode> BuildTree(const store::Execution& root,
                                std::vector<store::Execution> candidates);

// `text` cut to at most `max` bytes (with `...` when cut, never inside a UTF-8 sequence),
// newlines shown as `\n`: a value for one table cell.
std::string Abbreviate(const std::string& text, size_t max);

}  // namespace squall::cli
