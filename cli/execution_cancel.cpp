#include "cli/execution_cancel.h"

#include <algorithm>

#include "cli/state_flags.h"

namespace squall::cli {

CancelOutcome CancelExecution(store::Store& store, int64_t id) {
  using store::Status;
  store::WriteBatch batch;
  batch.execution_updates.push_back(store::ExecutionUpdate{
      .id = id,
      .status = Status::kCanceled,
      .finished_at = NowMillis(),
      .only_from = {Status::kRequested, Status::kScheduled, Status::kRunning}});
  store::CommitResult result = store.Commit(std::move(batch));
  if (!result.ok) return CancelOutcome{.kind = CancelOutcome::Kind::kFailed, .error = result.error};
  if (std::find(result.applied_updates.begin(), result.applied_updates.end(), id) !=
      result.applied_updates.end()) {
    return CancelOutcome{.kind = CancelOutcome::Kind::kCanceled};
  }
  // The condition did not hold: the execution finished first, or there is none.
  std::optional<store::Execution> now = store.GetExecution(id);
  if (!now) return CancelOutcome{.kind = CancelOutcome::Kind::kMissing};
  return CancelOutcome{.kind = CancelOutcome::Kind::kFinished, .status = now->status};
}

}  // namespace squall::cli
