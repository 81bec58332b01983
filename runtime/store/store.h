// The durable store of the runtime: the event log (the queue every source feeds), rule
// enforcements, executions and their attempts, the key-value store, webhook API keys and
// encrypted secrets. `OpenSqliteStore` (sqlite_store.h) is the embedded default; the interface
// is small so that a later backend (PostgreSQL + NATS JetStream) can implement it.
//
// Durability model (docs/operations.md, "Crash behaviour"):
//   - Every write goes through `Submit`: one writer thread merges whatever batches are waiting
//     into one transaction (group commit) and calls each batch's callback after the commit is
//     durable. A batch is atomic: all of it or none of it survives a crash.
//   - Events get their ids (a gapless, increasing sequence) at commit. The dispatcher records
//     how far it has processed the log (`WriteBatch::event_cursor`) in the same batch as the
//     enforcements and executions it derived from those events, so after a crash every
//     committed event is matched exactly once: either its results and the cursor are both
//     committed, or neither is and the event is matched again.
//
// Thread safety: every member function may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace squall::store {

class SecretBox;  // secret_box.h

// Milliseconds since the Unix epoch.
using Millis = int64_t;

// ---------------------------------------------------------------------------------------------
// Records.

struct NewEvent {
  std::string trigger;          // `core.webhook`
  std::string parameters_json;  // trigger instance parameters (compact JSON), "" when none
  std::string payload_json;     // the payload object as JSON text
  std::string source;           // `webhook:deploy`, `stdin`, `timer:nightly`, `execution:42`
  std::string external_id;      // the sender's id (envelope `id`), "" when none
  Millis received_at = 0;
};

struct Event : NewEvent {
  int64_t id = 0;  // log sequence number, from 1
};

// One rule matched one event (StackStorm's RuleEnforcement).
struct Enforcement {
  int64_t id = 0;  // assigned by the writer
  int64_t event_id = 0;
  std::string rule;
  // `scheduled` (an execution was created), `throttled` (dropped by a throttle policy),
  // `failed` (the action's arguments could not be rendered; `message` says why).
  std::string status;
  int64_t execution_id = 0;  // 0 when none
  std::string message;
  std::string throttle_key;  // the rule's throttle `by` key ("" when none or no throttle)
  Millis created_at = 0;
};

// Execution statuses (docs/operations.md, "Execution lifecycle"). Terminal: succeeded, failed,
// timed_out, canceled, abandoned.
enum class Status : uint8_t {
  kRequested,  // created by an enforcement or a follow-up; policies not applied yet
  kScheduled,  // waiting to start at `run_at` (a retry delay) or for a concurrency slot
  kRunning,
  kSucceeded,
  kFailed,
  kTimedOut,
  kCanceled,
  kAbandoned,  // was running when the runtime stopped and may not be retried
};
const char* StatusName(Status status);  // "requested", ..., "timed_out", ...
std::optional<Status> ParseStatus(std::string_view name);
bool IsTerminal(Status status);

struct Execution {
  int64_t id = 0;      // chosen by the caller (NextExecutionId), unique
  std::string action;  // `core.local`
  std::string runner;  // `local-shell-cmd`
  std::string rule;    // the rule that created it ("" for `squall events send`-less origins)
  int64_t event_id = 0;
  int64_t parent_id = 0;  // the execution whose `on success`/`on failure` created this one
  // Rendered parameters with secret values replaced by "********".
  std::string parameters_json;
  // The secret parameter values, encrypted (SecretBox::Seal of a JSON object); empty when none.
  std::string sealed_secrets;
  // The policies that apply, as the engine serialised them (retry, timeout, concurrency key).
  std::string policy_json;
  std::string concurrency_key;  // "" when the rule has no concurrency policy
  Status status = Status::kRequested;
  int attempts = 0;   // attempts started so far
  Millis run_at = 0;  // kScheduled: not before this time
  Millis created_at = 0;
  Millis started_at = 0;    // of the latest attempt; 0 before the first
  Millis finished_at = 0;   // 0 until terminal
  std::string result_json;  // the last attempt's result ("" when none), secrets masked
  std::string error_json;   // the last attempt's error object ("" when none)
};

// A change to an existing execution: the fields to set.
struct ExecutionUpdate {
  int64_t id = 0;
  Status status = Status::kRequested;
  std::optional<int> attempts;
  std::optional<Millis> run_at;
  std::optional<Millis> started_at;
  std::optional<Millis> finished_at;
  std::optional<std::string> result_json;
  std::optional<std::string> error_json;
  // Only apply when the execution's current status is one of these (empty: always). A cancel
  // racing with a completion uses it so that exactly one of them wins.
  std::vector<Status> only_from;
};

// One finished attempt of an execution (its history; `squall executions show`).
struct Attempt {
  int64_t execution_id = 0;
  int attempt = 0;  // 1-based
  Status status = Status::kFailed;
  Millis started_at = 0;
  Millis finished_at = 0;
  std::string result_json;
  std::string error_json;
};

struct KvEntry {
  std::string key;
  std::string value_json;
  Millis expires_at = 0;  // 0: never
  Millis updated_at = 0;
};

struct ApiKey {
  std::string id;    // public part, 8 hex digits, shown in lists (token `sqk_3f9a01bc_...`)
  std::string name;  // what the operator called it
  Millis created_at = 0;
  Millis revoked_at = 0;  // 0: active
};

// The state of one live instance of a correlation rule (runtime/correlate: the correlator's
// JSON document), or its deletion when `state` is nullopt.
struct CorrelationState {
  std::string rule;
  int64_t instance = 0;
  std::optional<std::string> state;
};

// A workflow instance (runtime/workflow: the machine's JSON document) of the workflow
// execution `execution_id`, written with the step executions it started.
struct WorkflowRecord {
  int64_t execution_id = 0;
  std::string workflow;
  std::string state_json;
  bool paused = false;  // set by `squall workflows pause` (SetWorkflowPaused), read by the engine
  Millis updated_at = 0;
};

// ---------------------------------------------------------------------------------------------
// Writes.

// Everything one atomic commit does. Order of application: claims, events, enforcements, new
// executions, execution updates, attempts, kv, correlation state, workflows, cursor.
struct WriteBatch {
  std::vector<NewEvent> events;
  std::vector<Enforcement> enforcements;  // ids assigned at commit
  std::vector<Execution> new_executions;
  std::vector<ExecutionUpdate> execution_updates;
  std::vector<Attempt> attempts;
  std::vector<KvEntry> kv_puts;
  std::vector<std::string> kv_deletes;
  // Correlation instances to write (state) or delete (nullopt), in order.
  std::vector<CorrelationState> correlation_states;
  // Workflow instances to write (the state; `paused` is left as stored).
  std::vector<WorkflowRecord> workflows;
  std::optional<int64_t> event_cursor;  // every event with id <= this has been processed
  // Keys this batch claims once and for all: when one was claimed by an earlier batch, this
  // batch fails as a whole (CommitResult::taken_claim). Two processes answering one inquiry
  // race through it: exactly one answer is recorded.
  std::vector<std::string> claims;

  bool empty() const;
};

// What a commit produced.
struct CommitResult {
  bool ok = true;
  // When !ok: nothing of the batch was applied. A constraint error (duplicate execution id,
  // unknown enforcement status, attempt of a missing execution) fails only its own batch;
  // disk full or an I/O error fails every batch of the group commit.
  std::string error;
  std::vector<int64_t> event_ids;        // parallel to WriteBatch::events
  std::vector<int64_t> enforcement_ids;  // parallel to WriteBatch::enforcements
  std::vector<int64_t> applied_updates;  // ids of execution_updates whose `only_from` held
  // When !ok because a claim of the batch was taken before: that claim.
  std::string taken_claim;
};

// ---------------------------------------------------------------------------------------------
// Reads.

struct ExecutionFilter {
  std::vector<Status> statuses;  // empty: any
  std::string rule;              // "": any
  std::string action;            // "": any
  int64_t after_id = 0;          // only ids > after_id (for tailing)
  size_t limit = 100;            // newest first unless after_id is set (then oldest first)
};

class Store {
 public:
  virtual ~Store() = default;

  // Queues `batch` for the writer; `done` runs on the writer thread after the commit (durable)
  // or its failure. Never blocks on I/O.
  virtual void Submit(WriteBatch batch, std::function<void(CommitResult)> done) = 0;
  // Submit and wait.
  virtual CommitResult Commit(WriteBatch batch) = 0;

  // Called on the writer thread after every commit that appended events, with the highest
  // event id committed so far (the dispatcher's wake-up). One listener; set before use.
  virtual void SetEventListener(std::function<void(int64_t last_event_id)> listener) = 0;

  // Events with id > `after`, oldest first, at most `limit`.
  virtual std::vector<Event> ReadEvents(int64_t after, size_t limit) = 0;
  virtual std::optional<Event> GetEvent(int64_t id) = 0;
  virtual int64_t EventCursor() = 0;  // the committed cursor (0 at first start)
  virtual int64_t LastEventId() = 0;  // the highest committed event id (0 when none)
  // Retention: deletes processed events (id <= cursor) received before `before` that no
  // non-terminal execution refers to; enforcements and executions stay. Returns how many
  // (-1 when the write failed). Ids are never reused, even when the newest events go.
  virtual int64_t PruneEvents(Millis before) = 0;

  // A fresh execution id (persisted high-water mark + 1; never reused across restarts).
  virtual int64_t NextExecutionId() = 0;
  virtual std::optional<Execution> GetExecution(int64_t id) = 0;
  virtual std::vector<Execution> ListExecutions(const ExecutionFilter& filter) = 0;
  virtual std::vector<Attempt> ListAttempts(int64_t execution_id) = 0;
  virtual std::vector<Enforcement> ListEnforcements(int64_t event_id) = 0;
  // Enforcements created at or after `since`, oldest first (throttle windows after a
  // restart).
  virtual std::vector<Enforcement> EnforcementsSince(Millis since) = 0;

  // Every stored correlation instance (CorrelationState with a state), by rule then instance.
  virtual std::vector<CorrelationState> ListCorrelationStates() = 0;

  // Workflow instances: one, or those whose execution id is > `after_id`, oldest first.
  virtual std::optional<WorkflowRecord> GetWorkflow(int64_t execution_id) = 0;
  virtual std::vector<WorkflowRecord> ListWorkflows(int64_t after_id, size_t limit) = 0;
  // The execution ids of the workflows marked paused whose id is > `after_id`, ascending. An
  // index holds only those, so the engine's poll costs nothing per suspended workflow.
  virtual std::vector<int64_t> ListPausedWorkflows(int64_t after_id) = 0;
  // Marks a workflow paused or not (another process: `squall workflows pause|resume`); the
  // engine picks it up within its poll interval. False when there is no such workflow or the
  // write failed.
  virtual bool SetWorkflowPaused(int64_t execution_id, bool paused) = 0;

  // The key-value store (expired entries are invisible and removed lazily).
  virtual std::optional<KvEntry> KvGet(const std::string& key, Millis now) = 0;
  virtual std::vector<KvEntry> KvList(const std::string& prefix, Millis now) = 0;

  // Webhook API keys: only a keyed hash of the secret part is stored.
  // Creates a key and returns the full token (shown once), e.g. `sqk_<id>_<secret>`; "" when
  // an active key already has that name or the write failed.
  virtual std::string CreateApiKey(const std::string& name, Millis now) = 0;
  virtual std::vector<ApiKey> ListApiKeys() = 0;
  virtual bool RevokeApiKey(const std::string& id_or_name, Millis now) = 0;
  // Whether `token` is an active key (constant-time comparison of the hash).
  virtual bool VerifyApiKey(const std::string& token) = 0;

  // Secrets, encrypted at rest (SecretBox::Seal) under the state directory's key file.
  // GetSecret: nullopt when missing or when it does not decrypt (wrong key file).
  // PutSecret: false when the write failed (the previous value, if any, stays).
  virtual bool PutSecret(const std::string& name, const std::string& plaintext, Millis now) = 0;
  virtual std::optional<std::string> GetSecret(const std::string& name) = 0;
  virtual std::vector<std::string> ListSecretNames() = 0;
  virtual bool DeleteSecret(const std::string& name) = 0;

  // The box that PutSecret/GetSecret use, for sealing Execution::sealed_secrets (the engine
  // seals, the runner unseals). Owned by the store, valid as long as it; null when the backend
  // has none (the default, so that test doubles need not provide one).
  virtual const SecretBox* secret_box() const { return nullptr; }
};

}  // namespace squall::store
