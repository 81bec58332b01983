// The service wiring (service.h).
#include "runtime/service/service.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "runtime/http/http_request_runner.h"
#include "runtime/http/server.h"
#include "runtime/sources/event_queue.h"
#include "runtime/sources/line_source.h"
#include "runtime/sources/timer_source.h"
#include "runtime/store/secret_box.h"
#include "runtime/store/sqlite_store.h"
#include "runtime/workflow/inquiry.h"

namespace squall::service {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kRuntimeKeyPrefix = "_squall.";
constexpr std::string_view kPositionKeyPrefix = "_squall.source.";
constexpr int kMaxWebhookInflight = 20000;  // answered 503 beyond: the store is behind

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The key-value store and secrets, as `kv()` and `secret()` see them.
class StoreHost final : public interp::Host {
 public:
  explicit StoreHost(store::Store& store) : store_(store) {}
  std::optional<std::string> Kv(const std::string& key) override {
    std::optional<store::KvEntry> entry = store_.KvGet(key, NowMs());
    if (!entry) return std::nullopt;
    return entry->value_json;
  }
  std::optional<std::string> Secret(const std::string& name) override {
    return store_.GetSecret(name);
  }

 private:
  store::Store& store_;
};

// The key-value store and secrets as Python actions' action_service sees them. Keys under
// `_squall.` belong to the runtime (source positions, throttle state): hidden and read-only, as
// for `squall kv`.
class StoreDatastore final : public runners::Datastore {
 public:
  explicit StoreDatastore(store::Store& store) : store_(store) {}
  std::optional<std::string> Get(const std::string& key) override {
    if (Internal(key)) return std::nullopt;
    std::optional<store::KvEntry> entry = store_.KvGet(key, NowMs());
    if (!entry) return std::nullopt;
    return entry->value_json;
  }
  std::vector<Entry> List(const std::string& prefix) override {
    std::vector<Entry> out;
    for (store::KvEntry& entry : store_.KvList(prefix, NowMs())) {
      if (!Internal(entry.key)) {
        out.push_back(Entry{std::move(entry.key), std::move(entry.value_json), entry.expires_at});
      }
    }
    return out;
  }
  std::string Put(const std::string& key, const std::string& value_json,
                  std::chrono::milliseconds ttl) override {
    if (Internal(key)) return "keys starting with `_squall.` belong to the runtime";
    const int64_t now = NowMs();
    store::WriteBatch batch;
    batch.kv_puts.push_back(store::KvEntry{
        key, value_json, ttl.count() > 0 ? now + static_cast<int64_t>(ttl.count()) : 0, now});
    store::CommitResult done = store_.Commit(std::move(batch));
    return done.ok ? "" : "cannot write the key-value store: " + done.error;
  }
  bool Delete(const std::string& key) override {
    if (Internal(key) || !store_.KvGet(key, NowMs())) return false;
    store::WriteBatch batch;
    batch.kv_deletes.push_back(key);
    return store_.Commit(std::move(batch)).ok;
  }
  std::optional<std::string> GetSecret(const std::string& name) override {
    return store_.GetSecret(name);
  }
  std::string PutSecret(const std::string& name, const std::string& value) override {
    return store_.PutSecret(name, value, NowMs()) ? "" : "cannot write the secret store";
  }
  bool DeleteSecret(const std::string& name) override { return store_.DeleteSecret(name); }

 private:
  static bool Internal(std::string_view key) { return key.starts_with(kRuntimeKeyPrefix); }
  store::Store& store_;
};

}  // namespace

struct Service::Metrics {
  explicit Metrics(metrics::Registry& r)
      : events(r.AddCounter("squall_events_total", "Events recorded, by source kind", {"source"})),
        rejected(r.AddCounter("squall_events_rejected_total",
                              "Input that did not become an event, by source kind and reason",
                              {"source", "reason"})),
        queue_depth(r.AddGauge("squall_event_queue_depth",
                               "Events read by line and timer sources, not recorded yet")
                        .With({})),
        ack_latency(r.AddHistogram("squall_webhook_ack_seconds",
                                   "From a webhook request's arrival to its durable 202",
                                   {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1})
                        .With({})),
        reloads(r.AddCounter("squall_reloads_total", "Hot reloads of the rules, by outcome",
                             {"outcome"})) {}
  metrics::CounterFamily& events;
  metrics::CounterFamily& rejected;
  metrics::Gauge& queue_depth;
  metrics::Histogram& ack_latency;
  metrics::CounterFamily& reloads;
};

Service::Service(ServiceOptions options, Compiler compiler)
    : options_(std::move(options)), compiler_(std::move(compiler)) {
  log_ = options_.logger ? options_.logger : spdlog::default_logger();
  m_ = std::make_unique<Metrics>(metrics_);
}

Service::~Service() { Stop(); }

std::string Service::Start() {
  store::StoreOptions store_options;
  store_options.state_dir = options_.state_dir;
  store_options.exclusive = true;
  store_options.synchronous = options_.fsync_every_commit
                                  ? store::StoreOptions::Synchronous::kFull
                                  : store::StoreOptions::Synchronous::kNormal;
  std::string error;
  store_ = store::OpenSqliteStore(store_options, &error);
  if (!store_) return error;

  std::shared_ptr<engine::LoadedProgram> program = compiler_();
  if (!program) return "the rules do not compile";

  engine::EngineOptions engine_options;
  engine_options.store = store_.get();
  // Python actions reach this store; their modules are written under the state directory.
  runners::RunnerOptions runner_options = options_.runner_options;
  runner_options.datastore = std::make_shared<StoreDatastore>(*store_);
  if (runner_options.scratch_dir.empty())
    runner_options.scratch_dir = options_.state_dir / "scratch";
  for (const char* type : {"local-shell-cmd", "local-shell-script", "remote-shell-cmd",
                           "remote-shell-script", "noop", "python-script"}) {
    engine_options.runners[type] = runners::CreateRunner(type, runner_options);
  }
  engine_options.runners["http-request"] = http::CreateHttpRequestRunner(runner_options);
  if (const store::SecretBox* box = store_->secret_box()) {
    engine_options.seal = [box](std::string_view text) { return box->Seal(text); };
    engine_options.unseal = [box](std::string_view text) { return box->Unseal(text); };
  }
  host_ = std::make_unique<StoreHost>(*store_);
  engine_options.host = host_.get();
  engine_options.max_running = options_.max_running;
  engine_options.correlation_max_instances = options_.correlation_max_instances;
  engine_options.scratch_dir = (options_.state_dir / "scratch").string();
  engine_options.logger = log_;
  engine_options.metrics = &metrics_;
  engine_ = std::make_unique<engine::ExecutionEngine>(engine_options, program);
  store_->SetEventListener([this](int64_t) {
    std::lock_guard lock(listener_mu_);
    if (engine_) engine_->NotifyEvents();
  });
  UpdateProgramViews(*program);
  if (!engine_->Start(&error)) return error;

  // Line and timer sources feed the queue; one thread records what they read.
  queue_ = std::make_unique<sources::EventQueue>();
  ingest_ = std::jthread([this](std::stop_token stop) { IngestLoop(stop); });
  for (const std::string& file : options_.event_files) {
    sources::LineSourceOptions line_options;
    if (file == "-") {
      line_options.fd = 0;
    } else {
      line_options.path = file;
      line_options.follow = options_.follow;
      // Resume after the last event a previous run recorded from this file.
      std::string key = std::string(kPositionKeyPrefix) + "file:" + file;
      if (std::optional<store::KvEntry> entry = store_->KvGet(key, NowMs())) {
        Json position = Json::parse(entry->value_json, nullptr, false);
        if (position.is_object()) {
          line_options.resume = sources::StreamPosition{position.value("inode", uint64_t{0}),
                                                        position.value("offset", uint64_t{0}),
                                                        position.value("line", uint64_t{0})};
        }
      }
    }
    std::string name = file == "-" ? "stdin" : file;
    line_options.on_bad_line = [this, name](const sources::BadLine& bad) {
      log_->warn("{}", bad.ToString());
      m_->rejected.With({"line", std::string(sources::LineRejectName(bad.reason))}).Inc();
    };
    auto source = std::make_unique<sources::LineSource>(line_options, *queue_);
    if (std::optional<std::string> failed = source->Start()) return *failed;
    line_sources_.push_back(std::move(source));
  }
  timers_ = std::make_unique<sources::TimerSource>(*queue_);
  for (const sources::TimerError& bad : timers_->Replace(TimerInstances(*program))) {
    log_->error("timer {}: {}", bad.trigger, bad.error);
  }
  timers_->Start();

  if (!options_.listen.empty()) {
    http::ServerOptions server_options;
    server_options.listen = options_.listen;
    server_options.io_threads = options_.http_threads;
    server_options.max_body_bytes = options_.max_body_bytes;
    server_options.metrics = &metrics_;
    server_ = std::make_unique<http::Server>(server_options);
    server_->HandlePrefix("POST", "/webhooks/",
                          [this](http::Request request, http::Responder responder) {
                            HandleWebhook(std::move(request), std::move(responder));
                          });
    server_->HandlePrefix("POST", "/inquiries/",
                          [this](http::Request request, http::Responder responder) {
                            HandleInquiryResponse(std::move(request), std::move(responder));
                          });
    server_->Handle("GET", "/inquiries", [this](http::Request request, http::Responder responder) {
      HandleInquiryList(std::move(request), std::move(responder));
    });
    server_->Handle("GET", "/healthz", [this](http::Request, http::Responder responder) {
      engine::EngineStats stats = engine_->Stats();
      responder.Json(200, {{"status", "ok"},
                           {"events_matched", stats.cursor},
                           {"executions_pending", stats.pending},
                           {"executions_running", stats.running}});
    });
    server_->Handle("GET", "/metrics", [this](http::Request, http::Responder responder) {
      m_->queue_depth.Set(static_cast<double>(queue_->depth()));
      responder.Send(200, metrics_.Render(), std::string(metrics::kContentType));
    });
    if (std::string failed = server_->Start(); !failed.empty()) return failed;
    log_->info("listening on http://{}", server_->address());
  }
  started_ = true;
  return "";
}

std::vector<sources::TimerInstance> Service::TimerInstances(const engine::LoadedProgram& program) {
  std::vector<sources::TimerInstance> out;
  for (const ir::Matcher& matcher : program.program().matchers) {
    if (!sources::IsTimerTrigger(matcher.trigger)) continue;
    out.push_back(sources::TimerInstance{matcher.trigger, matcher.parameters_json});
  }
  return out;
}

void Service::UpdateProgramViews(const engine::LoadedProgram& program) {
  auto hooks = std::make_shared<std::set<std::string>>();
  for (const std::string& parameters : program.InstancesOf("core.webhook")) {
    Json doc = Json::parse(parameters, nullptr, false);
    if (doc.is_object() && doc.contains("url") && doc["url"].is_string()) {
      hooks->insert(doc["url"].get<std::string>());
    }
  }
  std::lock_guard lock(hooks_mu_);
  hooks_ = std::move(hooks);
}

bool Service::Reload() {
  std::shared_ptr<engine::LoadedProgram> program = compiler_();
  if (!program) {
    log_->error("reload: the rules do not compile; the running rules stay in force");
    m_->reloads.With({"failed"}).Inc();
    return false;
  }
  UpdateProgramViews(*program);
  if (timers_) {
    for (const sources::TimerError& bad : timers_->Replace(TimerInstances(*program))) {
      log_->error("timer {}: {}", bad.trigger, bad.error);
    }
  }
  engine_->Reload(std::move(program));
  m_->reloads.With({"ok"}).Inc();
  log_->info("reload: new rules in force");
  return true;
}

bool Service::Authorized(const http::Request& request) {
  if (!options_.webhook_auth) return true;
  std::string token;
  if (auto value = request.Header("authorization")) {
    std::string_view v = *value;
    if (v.size() > 7 && (v.substr(0, 7) == "Bearer " || v.substr(0, 7) == "bearer ")) {
      token = std::string(v.substr(7));
    }
  }
  // StackStorm's header and query parameter, so existing senders keep working.
  if (token.empty()) {
    for (std::string_view name : {"x-api-key", "st2-api-key"}) {
      if (auto value = request.Header(name)) {
        token = std::string(*value);
        break;
      }
    }
  }
  if (token.empty()) {
    if (std::optional<std::string> value = request.Query("st2-api-key")) token = *value;
  }
  return !token.empty() && store_->VerifyApiKey(token);
}

void Service::HandleWebhook(http::Request request, http::Responder responder) {
  auto arrived = std::chrono::steady_clock::now();
  const std::string& name = request.path_tail;
  {
    std::shared_ptr<const std::set<std::string>> hooks;
    {
      std::lock_guard lock(hooks_mu_);
      hooks = hooks_;
    }
    if (name.empty() || hooks->count(name) == 0) {
      m_->rejected.With({"webhook", "unknown_hook"}).Inc();
      responder.Error(404, "no rule listens on webhook `" + name + "`");
      return;
    }
  }
  if (!Authorized(request)) {
    m_->rejected.With({"webhook", "unauthorized"}).Inc();
    responder.Error(401,
                    "missing or unknown API key; send `Authorization: Bearer <key>` with a key "
                    "from `squall keys create`");
    return;
  }
  Json body;
  std::string_view content_type = request.headers.GetOr("content-type", "");
  bool is_json = content_type.find("json") != std::string_view::npos ||
                 (content_type.empty() && !request.body.empty() &&
                  (request.body.front() == '{' || request.body.front() == '['));
  if (is_json) {
    body = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) {
      m_->rejected.With({"webhook", "bad_json"}).Inc();
      responder.Error(400, "the body is not valid JSON");
      return;
    }
  } else {
    body = request.body;
  }
  Json headers = Json::object();
  for (const auto& [field, value] : request.headers) {
    std::string lower = field;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // Credentials the runtime consumed never reach rules (or the store).
    if (lower == "authorization" || lower == "x-api-key" || lower == "st2-api-key") continue;
    headers[lower] = value;
  }
  if (webhook_inflight_.load(std::memory_order_relaxed) > kMaxWebhookInflight) {
    m_->rejected.With({"webhook", "overloaded"}).Inc();
    http::Response busy;
    busy.status = 503;
    busy.headers.Set("Retry-After", "1");
    busy.body = R"({"error":"the event store is behind; retry shortly"})";
    responder.Send(std::move(busy));
    return;
  }
  store::NewEvent event;
  event.trigger = "core.webhook";
  event.parameters_json = Json{{"url", name}}.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::string payload;
  if (body.is_string()) {
    try {
      (void)body.dump();
    } catch (const Json::exception&) {
      // A text body that is not valid UTF-8 cannot be a JSON string.
      m_->rejected.With({"webhook", "bad_utf8"}).Inc();
      responder.Error(400, "the body is not valid UTF-8 text");
      return;
    }
  }
  // Header values are whatever the sender wrote (Latin-1 user agents...): bytes that are not
  // UTF-8 become U+FFFD rather than failing the request.
  payload = Json{{"headers", headers}, {"body", body}}.dump(-1, ' ', false,
                                                            Json::error_handler_t::replace);
  event.payload_json = std::move(payload);
  event.source = "webhook:" + name;
  if (std::optional<std::string_view> id = request.Header("x-request-id")) {
    event.external_id = std::string(*id);
  }
  event.received_at = NowMs();
  store::WriteBatch batch;
  batch.events.push_back(std::move(event));
  webhook_inflight_.fetch_add(1, std::memory_order_relaxed);
  store_->Submit(std::move(batch), [this, responder, arrived](store::CommitResult result) mutable {
    webhook_inflight_.fetch_sub(1, std::memory_order_relaxed);
    if (!result.ok || result.event_ids.empty()) {
      log_->error("webhook: cannot record the event: {}", result.error);
      responder.Error(503, "the event could not be recorded; retry");
      return;
    }
    m_->events.With({"webhook"}).Inc();
    m_->ack_latency.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - arrived).count());
    responder.Json(202, {{"event_id", result.event_ids[0]}});
  });
}

void Service::HandleInquiryList(http::Request request, http::Responder responder) {
  if (!Authorized(request)) {
    m_->rejected.With({"inquiry", "unauthorized"}).Inc();
    responder.Error(401, "missing or unknown API key; send `Authorization: Bearer <key>`");
    return;
  }
  Json list = Json::array();
  for (const workflow::Inquiry& inquiry : workflow::ListInquiries(*store_)) {
    list.push_back(Json::parse(inquiry.ToJson().dump()));
  }
  responder.Json(200, {{"inquiries", std::move(list)}});
}

void Service::HandleInquiryResponse(http::Request request, http::Responder responder) {
  if (!Authorized(request)) {
    m_->rejected.With({"inquiry", "unauthorized"}).Inc();
    responder.Error(401, "missing or unknown API key; send `Authorization: Bearer <key>`");
    return;
  }
  Json response = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (response.is_discarded()) {
    m_->rejected.With({"inquiry", "bad_json"}).Inc();
    responder.Error(400,
                    "the body is not valid JSON (it is the response, e.g. {\"approved\": "
                    "true})");
    return;
  }
  workflow::InquiryError error;
  std::optional<workflow::Inquiry> inquiry =
      workflow::FindInquiry(*store_, request.path_tail, &error);
  std::optional<store::NewEvent> event;
  if (inquiry) {
    event = workflow::ResponseEvent(*inquiry, response, request.Query("responder").value_or("http"),
                                    "http:" + request.remote_address, NowMs(), &error);
  }
  if (!event) {
    int status = 400;
    if (error.kind == workflow::InquiryError::Kind::kUnknown ||
        error.kind == workflow::InquiryError::Kind::kBadId) {
      status = 404;
    }
    if (error.kind == workflow::InquiryError::Kind::kNotWaiting) status = 409;
    m_->rejected.With({"inquiry", status == 400 ? "invalid" : "not_waiting"}).Inc();
    responder.Json(status, {{"error", error.message}});
    return;
  }
  store::WriteBatch batch;
  batch.events.push_back(std::move(*event));
  batch.claims.push_back(workflow::ResponseClaim(*inquiry));
  store_->Submit(std::move(batch),
                 [this, responder, id = inquiry->id](store::CommitResult result) mutable {
                   if (!result.taken_claim.empty()) {
                     m_->rejected.With({"inquiry", "not_waiting"}).Inc();
                     responder.Json(409, {{"error", "inquiry " + id +
                                                        " was already answered: another "
                                                        "response was recorded first"}});
                     return;
                   }
                   if (!result.ok || result.event_ids.empty()) {
                     log_->error("inquiry {}: cannot record the response: {}", id, result.error);
                     responder.Error(503, "the response could not be recorded; retry");
                     return;
                   }
                   responder.Json(202, {{"inquiry", id}, {"event_id", result.event_ids[0]}});
                 });
}

void Service::IngestLoop(std::stop_token stop) {
  std::vector<sources::SourceEvent> events;
  while (true) {
    events.clear();
    size_t n = queue_->PopBatch(events, 1024,
                                std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
    if (n == 0) {
      if (stop.stop_requested() || queue_->closed()) break;
      continue;
    }
    store::WriteBatch batch;
    std::map<std::string, sources::StreamPosition> positions;
    for (sources::SourceEvent& e : events) {
      if (e.position && e.source.starts_with("file:")) positions[e.source] = *e.position;
      store::NewEvent event;
      event.trigger = std::move(e.trigger);
      event.parameters_json = std::move(e.parameters_json);
      event.payload_json = std::move(e.payload_json);
      event.external_id = std::move(e.external_id);
      event.received_at = e.received_at_ms;
      m_->events.With({e.source.substr(0, e.source.find(':'))}).Inc();
      event.source = std::move(e.source);
      batch.events.push_back(std::move(event));
    }
    // The read position goes with the events: a restart resumes right after the last one.
    for (const auto& [source, position] : positions) {
      store::KvEntry entry;
      entry.key = std::string(kPositionKeyPrefix) + source;
      entry.value_json =
          Json{{"inode", position.inode}, {"offset", position.offset}, {"line", position.line}}
              .dump();
      entry.updated_at = NowMs();
      batch.kv_puts.push_back(std::move(entry));
    }
    bool recorded = false;
    while (!recorded) {
      store::CommitResult result = store_->Commit(batch);
      recorded = result.ok;
      if (recorded) break;
      log_->error("cannot record {} events: {}; retrying", n, result.error);
      // Stopping gives up: these lines' positions were not recorded either, so a restart
      // reads them again (timer events of this moment are lost, as any missed tick).
      if (stop.stop_requested()) return;
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    ingested_.fetch_add(n);
  }
}

bool Service::Idle() {
  // Only finite inputs end: without --events the rules' timers are the input, forever.
  if (!started_ || !options_.listen.empty() || options_.follow || options_.event_files.empty()) {
    return false;
  }
  for (const auto& source : line_sources_) {
    if (!source->WaitFinished(std::chrono::milliseconds(0))) return false;
  }
  // Every event a source handed over has been committed (popped-but-uncommitted ones count
  // as not yet).
  if (queue_->pushed_total() != ingested_.load()) return false;
  engine::EngineStats stats = engine_->Stats();
  return stats.cursor >= store_->LastEventId() && stats.pending == 0 && stats.running == 0;
}

void Service::PruneEvents() {
  if (!store_) return;
  int64_t pruned = store_->PruneEvents(
      NowMs() -
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.event_retention).count());
  if (pruned > 0) log_->info("pruned {} events older than the retention", pruned);
  if (pruned < 0) log_->warn("pruning old events failed; will try again");
}

std::string Service::http_address() const { return server_ ? server_->address() : ""; }

void Service::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (server_) server_->Stop(std::chrono::seconds(5));
  for (auto& source : line_sources_) source->Stop();
  if (timers_) timers_->Stop();
  if (queue_) queue_->Close();
  if (ingest_.joinable()) {
    ingest_.request_stop();
    ingest_.join();
  }
  if (engine_) engine_->Stop(options_.drain);
  {
    std::lock_guard lock(listener_mu_);  // the store's writer may still be notifying
    engine_.reset();
  }
  if (store_) {
    int64_t pruned = store_->PruneEvents(
        NowMs() -
        std::chrono::duration_cast<std::chrono::milliseconds>(options_.event_retention).count());
    if (pruned > 0) log_->info("pruned {} events older than the retention", pruned);
  }
  store_.reset();
}

}  // namespace squall::service
