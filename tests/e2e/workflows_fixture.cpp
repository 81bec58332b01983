// Writes the state directory that tests/e2e/workflows_test.py reads with the real `squall`
// binary: workflow runs, their step executions and instance documents, through the store API
// (the records only `squall run` writes, so the CLI cannot create them itself).
//
// usage: squall_workflows_fixture STATE_DIR
//   40 `deploy` (rule `ship`), running: step 41 core.local succeeded, step 42 core.http
//      running, sub-workflow run 43 `notify` waiting for `approval.granted`, its step 44 done;
//   45 core.noop running, not a workflow; 46 `nightly` succeeded with result {"ok": true}.
// Exit status 0 when written, 1 (with the reason on stderr) otherwise.
#include <iostream>
#include <nlohmann/json.hpp>

#include "runtime/store/sqlite_store.h"

namespace {

using squall::store::Execution;
using squall::store::Status;
using json = nlohmann::json;

constexpr squall::store::Millis kT = 1714564800000;  // 2024-05-01T12:00:00Z

Execution Run(int64_t id, std::string workflow, int64_t parent, Status status, std::string policy) {
  return Execution{.id = id,
                   .action = std::move(workflow),
                   .runner = "workflow",
                   .rule = parent == 0 ? "ship" : "",
                   .parent_id = parent,
                   .parameters_json = R"({"version":"1.2"})",
                   .policy_json = std::move(policy),
                   .status = status,
                   .attempts = 1,
                   .created_at = kT,
                   .started_at = kT + 10,
                   .finished_at = squall::store::IsTerminal(status) ? kT + 5000 : 0};
}

Execution Step(int64_t id, std::string action, int64_t parent, int index, Status status,
               std::string result) {
  return Execution{.id = id,
                   .action = std::move(action),
                   .runner = "local-shell-cmd",
                   .parent_id = parent,
                   .policy_json = R"({"step":)" + std::to_string(index) + "}",
                   .status = status,
                   .attempts = 1,
                   .created_at = kT + id,
                   .started_at = kT + id,
                   .finished_at = squall::store::IsTerminal(status) ? kT + id + 1500 : 0,
                   .result_json = std::move(result)};
}

json Strand(int64_t id, int64_t parent, uint32_t pc, const char* waiting) {
  return {{"id", id},
          {"parent", parent},
          {"pc", pc},
          {"frame", json::object()},
          {"dirty", json::array()},
          {"handlers", json::array()},
          {"waiting", waiting}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: squall_workflows_fixture STATE_DIR\n";
    return 1;
  }
  std::string error;
  auto store = squall::store::OpenSqliteStore({.state_dir = argv[1], .exclusive = false}, &error);
  if (store == nullptr) {
    std::cerr << "squall_workflows_fixture: " << error << '\n';
    return 1;
  }
  squall::store::WriteBatch batch;
  batch.new_executions = {
      Run(40, "deploy", 0, Status::kRunning, ""),
      Step(41, "core.local", 40, 0, Status::kSucceeded, R"({"stdout":"built"})"),
      Step(42, "core.http", 40, 2, Status::kRunning, ""),
      Run(43, "notify", 40, Status::kRunning, R"({"step":3})"),
      Step(44, "core.local", 43, 0, Status::kSucceeded, R"({"stdout":"sent"})"),
      Execution{.id = 45, .action = "core.noop", .status = Status::kRunning, .created_at = kT},
      Run(46, "nightly", 0, Status::kSucceeded, ""),
  };
  batch.new_executions[6].result_json = R"({"ok":true})";

  json deploy = {{"workflow", "deploy"}, {"status", "running"}, {"next_strand", 4}, {"steps", 7}};
  deploy["strands"] = {Strand(1, 0, 1, "join"), Strand(2, 1, 4, "call"), Strand(3, 1, 5, "call")};
  deploy["strands"][0]["join"] = {{"running", 2}, {"needed", 2}};
  deploy["strands"][1]["execution"] = 42;
  deploy["strands"][2]["execution"] = 43;
  json notify = {{"workflow", "notify"}, {"status", "running"}, {"next_strand", 2}, {"steps", 2}};
  notify["strands"] = {Strand(1, 0, 2, "event")};
  notify["strands"][0]["trigger"] = "approval.granted";
  json nightly = {{"workflow", "nightly"},    {"status", "succeeded"},
                  {"next_strand", 2},         {"steps", 3},
                  {"strands", json::array()}, {"result", {{"ok", true}}}};
  batch.workflows = {{40, "deploy", deploy.dump(), false, kT + 20},
                     {43, "notify", notify.dump(), false, kT + 30},
                     {46, "nightly", nightly.dump(), false, kT + 5000}};
  squall::store::CommitResult result = store->Commit(std::move(batch));
  if (!result.ok) {
    std::cerr << "squall_workflows_fixture: " << result.error << '\n';
    return 1;
  }
  return 0;
}
