// `squall run` as a service: wires the durable store, the event sources (JSON lines from
// files or stdin, the HTTP webhook server, timers and cron schedules), the execution engine
// and the runners together, and swaps the rules on hot reload.
//
// Ingestion: every source's events reach the store's event log before anything else happens
// to them. Webhook requests are committed one by one through the store's group commit and
// answered 202 only once durable; line and timer sources push into a bounded EventQueue
// (back-pressure: a full queue blocks the source) drained by one ingest thread that commits
// them in batches, together with each file's read position, so a restarted service resumes
// each file exactly after the last event it recorded. The engine is woken by every commit
// that appended events. Answers to workflows' `ask` (`POST /inquiries/<id>`) are events too
// (`core.inquiry_response`), checked against the ask's type and answered 202 once durable.
//
// Thread safety: Start, Reload, Stop and Idle may be called from any thread, but not
// concurrently with each other (the CLI's main thread calls them).
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "runtime/engine/engine.h"
#include "runtime/engine/loaded_program.h"
#include "runtime/metrics/metrics.h"
#include "runtime/runners/runner.h"
#include "runtime/store/store.h"

namespace spdlog {
class logger;
}

namespace squall::http {
class Server;
struct Request;
class Responder;
}  // namespace squall::http

namespace squall::sources {
class EventQueue;
class LineSource;
class TimerSource;
struct TimerInstance;
}  // namespace squall::sources

namespace squall::service {

struct ServiceOptions {
  std::filesystem::path state_dir;
  // "host:port" of the HTTP server (webhooks, /metrics, /healthz); "" for none.
  std::string listen;
  // JSON-lines inputs (docs/events.md): paths, or "-" for standard input.
  std::vector<std::string> event_files;
  bool follow = false;  // keep reading appended lines (tail -F)
  // Webhooks need an API key (`squall keys create`). Off only for local experiments.
  bool webhook_auth = true;
  size_t max_body_bytes = 1 << 20;
  int http_threads = 2;
  size_t max_running = 64;
  // engine::EngineOptions::correlation_max_instances.
  size_t correlation_max_instances = 100000;
  std::chrono::milliseconds drain{30000};      // SIGTERM: how long running executions may finish
  std::chrono::hours event_retention{24 * 7};  // processed events older than this are pruned
  bool fsync_every_commit = true;              // store::StoreOptions::Synchronous::kFull
  runners::RunnerOptions runner_options;
  std::shared_ptr<spdlog::logger> logger;  // default: spdlog's default logger
};

class Service {
 public:
  // Compiles the rule files anew (hot reload): the program, or null with the diagnostics
  // already reported by the callee.
  using Compiler = std::function<std::shared_ptr<engine::LoadedProgram>()>;

  Service(ServiceOptions options, Compiler compiler);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Opens the store, compiles, recovers, starts the engine, the sources and the server.
  // Returns "" on success, else why it could not start.
  std::string Start();
  // Recompiles and swaps the rules atomically; a rule set that does not compile leaves the
  // running one in place. Returns whether the new rules are in force.
  bool Reload();
  // Graceful stop: sources and server stop taking input, queued events are committed, running
  // executions get `drain` to finish. Idempotent.
  void Stop();
  // Finite inputs only (no --listen, no --follow): every input was read and committed, every
  // event matched and no execution is pending or running.
  bool Idle();
  // Deletes processed events older than the retention that no unfinished execution needs
  // (the CLI calls it hourly and at stop).
  void PruneEvents();
  // The HTTP server's bound address ("127.0.0.1:43121"), "" without one.
  std::string http_address() const;
  metrics::Registry& metrics() { return metrics_; }

 private:
  void IngestLoop(std::stop_token stop);
  void HandleWebhook(http::Request request, http::Responder responder);
  // `POST /inquiries/<id>` (the body is the response) and `GET /inquiries`, with the webhooks'
  // API-key auth (runtime/workflow/inquiry.h).
  void HandleInquiryResponse(http::Request request, http::Responder responder);
  void HandleInquiryList(http::Request request, http::Responder responder);
  void UpdateProgramViews(const engine::LoadedProgram& program);
  bool Authorized(const http::Request& request);
  static std::vector<sources::TimerInstance> TimerInstances(const engine::LoadedProgram& program);

  ServiceOptions options_;
  Compiler compiler_;
  std::shared_ptr<spdlog::logger> log_;
  metrics::Registry metrics_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<interp::Host> host_;  // kv() and secret() over the store
  std::mutex listener_mu_;              // engine_ against the store's event listener at shutdown
  std::unique_ptr<engine::ExecutionEngine> engine_;
  std::unique_ptr<sources::EventQueue> queue_;
  std::vector<std::unique_ptr<sources::LineSource>> line_sources_;
  std::unique_ptr<sources::TimerSource> timers_;
  std::unique_ptr<http::Server> server_;
  std::jthread ingest_;
  std::atomic<uint64_t> ingested_{0};  // events of the queue committed to the store
  std::atomic<int> webhook_inflight_{0};

  std::mutex hooks_mu_;
  std::shared_ptr<const std::set<std::string>> hooks_;  // webhook names the rules listen on

  struct Metrics;
  std::unique_ptr<Metrics> m_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace squall::service
