// Canceling one execution from the command line (`squall executions cancel`, `squall workflows
// cancel`): a conditional write to the store (ExecutionUpdate::only_from) that wins only over
// an execution that has not finished, so a cancel racing with a completion is decided by the
// store and exactly one of them wins. A running `squall run` notices the new status and stops
// the execution's process.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/store/store.h"

namespace squall::cli {

struct CancelOutcome {
  enum class Kind : uint8_t {
    kCanceled,  // it was requested, scheduled or running and is now `canceled`
    kFinished,  // it had already finished: `status` says how
    kMissing,   // no such execution
    kFailed,    // the write failed: `error` says why
  };
  Kind kind = Kind::kCanceled;
  store::Status status = store::Status::kCanceled;
  std::string error;
};

// Cancels execution `id` in `store` (finished_at = now). Thread-safe as the store is.
CancelOutcome CancelExecution(store::Store& store, int64_t id);

}  // namespace squall::cli
