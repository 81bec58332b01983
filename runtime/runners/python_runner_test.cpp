// The python-script runner against a real python3 and Python actions written for the tests in a
// temporary pack (pack.yaml, actions/, config.schema.yaml, a config directory).
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <mutex>
#include <thread>

#include "runtime/runners/runner.h"
#include "runtime/runners/test_util.h"

namespace squall::runners {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using testing::ReadFile;
using testing::TempDir;
using testing::WaitFor;
using testing::WriteFile;

// The datastore over maps, as the service's store-backed one behaves (JSON values, ttl, a
// separate secret store).
class MapDatastore final : public Datastore {
 public:
  std::optional<std::string> Get(const std::string& key) override {
    std::lock_guard lock(mu_);
    auto it = kv_.find(key);
    if (it == kv_.end()) return std::nullopt;
    return it->second.value_json;
  }
  std::vector<Entry> List(const std::string& prefix) override {
    std::lock_guard lock(mu_);
    std::vector<Entry> out;
    for (const auto& [key, entry] : kv_) {
      if (key.starts_with(prefix)) out.push_back(entry);
    }
    return out;
  }
  std::string Put(const std::string& key, const std::string& value_json,
                  milliseconds ttl) override {
    std::lock_guard lock(mu_);
    kv_[key] = Entry{key, value_json, ttl.count() > 0 ? 1000 + ttl.count() : 0};
    return "";
  }
  bool Delete(const std::string& key) override {
    std::lock_guard lock(mu_);
    return kv_.erase(key) > 0;
  }
  std::optional<std::string> GetSecret(const std::string& name) override {
    std::lock_guard lock(mu_);
    auto it = secrets_.find(name);
    if (it == secrets_.end()) return std::nullopt;
    return it->second;
  }
  std::string PutSecret(const std::string& name, const std::string& value) override {
    std::lock_guard lock(mu_);
    secrets_[name] = value;
    return "";
  }
  bool DeleteSecret(const std::string& name) override {
    std::lock_guard lock(mu_);
    return secrets_.erase(name) > 0;
  }

 private:
  std::mutex mu_;
  std::map<std::string, Entry> kv_;
  std::map<std::string, std::string> secrets_;
};

class PythonRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(pack_ / "actions" / "lib");
    WriteFile(pack_ / "pack.yaml", "name: mypack\nversion: 1.0.0\n");
    std::filesystem::create_directories(tmp_ / "configs");
    options_.pack_config_dir = tmp_ / "configs";
    options_.scratch_dir = tmp_ / "scratch";
    options_.datastore = datastore_;
  }

  // Writes actions/<file> and runs it as mypack.<stem> with `params`; the runner's `timeout`,
  // `log_level` and `env` are marked as runner parameters (run() must not see them).
  RunResult Run(const std::string& file, const std::string& code, json params = json::object(),
                const CancelToken* cancel = nullptr) {
    WriteFile(pack_ / "actions" / file, code);
    RunRequest request;
    request.execution_id = 7;
    request.action = "mypack." + file.substr(0, file.find('.'));
    request.runner = "python-script";
    if (!params.contains("timeout")) params["timeout"] = 30;
    if (!params.contains("log_level")) params["log_level"] = "DEBUG";
    for (const auto& [name, value] : params.items()) {
      const bool from_runner = name == "timeout" || name == "log_level" || name == "env";
      request.schema.push_back(ParameterInfo{name, std::nullopt, from_runner, false});
    }
    request.parameters = std::move(params);
    request.entry_point = pack_ / "actions" / file;
    request.actions_dir = pack_ / "actions";
    std::unique_ptr<Runner> runner = CreateRunner("python-script", options_);
    if (cancel != nullptr) return runner->Run(request, *cancel);
    CancelToken own;
    return runner->Run(request, own);
  }

  TempDir tmp_;
  std::filesystem::path pack_ = tmp_ / "packs" / "mypack";
  std::shared_ptr<MapDatastore> datastore_ = std::make_shared<MapDatastore>();
  RunnerOptions options_;
};

TEST_F(PythonRunnerTest, ReturnValueIsTheResult) {
  RunResult r = Run("add.py", R"(import sys
from st2common.runners.base_action import Action

class Add(Action):
    def run(self, a, b, name="x"):
        print("adding", a, b)
        sys.stderr.write("to stderr\n")
        return {"sum": a + b, "name": name}
)",
                    {{"a", 1}, {"b", 2}, {"name", "web1"}});
  ASSERT_EQ(r.outcome, Outcome::kSucceeded) << r.error << r.result.dump();
  // run()'s value alone (StackStorm's result.result, typed by the action's output_schema).
  EXPECT_EQ(r.result, (json{{"sum", 3}, {"name", "web1"}}));
  EXPECT_TRUE(r.error.empty());
}

TEST_F(PythonRunnerTest, StatusTuplesDecideTheOutcome) {
  const char* kCode = R"(from st2common.runners.base_action import Action

class Check(Action):
    def run(self, ok):
        return (ok, {"checked": True})
)";
  RunResult failed = Run("check.py", kCode, {{"ok", false}});
  EXPECT_EQ(failed.outcome, Outcome::kFailed);
  EXPECT_EQ(failed.result["result"], (json{{"checked", true}}));
  EXPECT_EQ(failed.result["exit_code"], 0);
  EXPECT_NE(failed.error.find("(False, result)"), std::string::npos) << failed.error;

  RunResult succeeded = Run("check.py", kCode, {{"ok", true}});
  EXPECT_EQ(succeeded.outcome, Outcome::kSucceeded) << succeeded.error;
  EXPECT_EQ(succeeded.result, (json{{"checked", true}}));

  // StackStorm refuses a pair whose status is not a boolean (exit status 220).
  RunResult bad = Run("bad_status.py", R"(from st2common.runners.base_action import Action

class Bad(Action):
    def run(self):
        return ("yes", 1)
)");
  EXPECT_EQ(bad.outcome, Outcome::kFailed);
  EXPECT_EQ(bad.result["exit_code"], 220);
  EXPECT_NE(bad.error.find("must either be True or False"), std::string::npos) << bad.error;
}

TEST_F(PythonRunnerTest, ExceptionFailsWithTracebackAndOneLineError) {
  RunResult r = Run("fail.py", R"(from st2common.runners.base_action import Action

def explode(what):
    raise ValueError("boom: " + what)

class Fail(Action):
    def run(self, what):
        explode(what)
)",
                    {{"what", "disk"}});
  ASSERT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_EQ(r.error, "ValueError: boom: disk (actions/fail.py:4 in explode)");
  const std::string stderr_text = r.result["stderr"];
  EXPECT_NE(stderr_text.find("Traceback (most recent call last)"), std::string::npos);
  EXPECT_NE(stderr_text.find("ValueError: boom: disk"), std::string::npos);
  EXPECT_EQ(r.result["exit_code"], 1);
  EXPECT_TRUE(r.result["result"].is_null());
}

TEST_F(PythonRunnerTest, LoadProblemsAreClearErrors) {
  RunResult none = Run("none.py", "def run():\n    return 1\n");
  EXPECT_EQ(none.outcome, Outcome::kFailed);
  EXPECT_NE(none.error.find("has no action class"), std::string::npos) << none.error;

  RunResult syntax = Run("syntax.py", "class X(:\n");
  EXPECT_EQ(syntax.outcome, Outcome::kFailed);
  EXPECT_NE(syntax.error.find("SyntaxError"), std::string::npos) << syntax.error;

  // sys.exit() in run(): no result, the exit status decides (as in StackStorm).
  RunResult exits = Run("exits.py", R"(import sys
from st2common.runners.base_action import Action

class Exits(Action):
    def run(self):
        sys.stderr.write("giving up\n")
        sys.exit(3)
)");
  EXPECT_EQ(exits.outcome, Outcome::kFailed);
  EXPECT_EQ(exits.error, "exited with status 3 before the action returned: giving up");

  options_.python_binary = tmp_ / "no-such-python";
  RunResult missing = Run("add.py", "");
  EXPECT_EQ(missing.outcome, Outcome::kFailed);
  EXPECT_NE(missing.error.find("no-such-python"), std::string::npos) << missing.error;
}

TEST_F(PythonRunnerTest, BaseClassInTheSameFileAndLibImportsAndOldImportPath) {
  WriteFile(pack_ / "actions" / "lib" / "greeting.py", "def greet(n):\n    return 'hi ' + n\n");
  RunResult r = Run("derived.py", R"(from st2actions.runners.pythonrunner import Action
from greeting import greet

class Base(Action):
    def run(self, who):
        return greet(who)

class Derived(Base):
    def run(self, who):
        return super().run(who).upper()
)",
                    {{"who", "ann"}});
  ASSERT_EQ(r.outcome, Outcome::kSucceeded) << r.error << r.result.dump();
  EXPECT_EQ(r.result, "HI ANN");
}

TEST_F(PythonRunnerTest, PackConfigGetsSchemaDefaultsAndSecretsAreMasked) {
  WriteFile(pack_ / "config.schema.yaml", R"(api_key:
  type: string
  secret: true
  required: true
region:
  type: string
  default: us-east-1
limits:
  type: object
  properties:
    retries:
      type: integer
      default: 3
)");
  WriteFile(tmp_ / "configs" / "mypack.yaml", "api_key: s3cr3t-k3y\n");
  RunResult r = Run("conf.py", R"(from st2common.runners.base_action import Action

class Conf(Action):
    def run(self):
        print("key is", self.config["api_key"])
        return self.config
)");
  ASSERT_EQ(r.outcome, Outcome::kSucceeded) << r.error << r.result.dump();
  EXPECT_EQ(r.result,
            (json{{"api_key", "********"}, {"region", "us-east-1"}, {"limits", {{"retries", 3}}}}));
}

TEST_F(PythonRunnerTest, SecretConfigPropertiesReadTheSecretStore) {
  // st2's config loader decrypts the dynamic values of `secret: true` properties itself (no
  // `| decrypt_kv` needed), at any depth, and a value that renders empty becomes None.
  ASSERT_EQ(datastore_->PutSecret("slack_token", "xoxb-from-secrets"), "");
  ASSERT_EQ(datastore_->Put("slack_token", "\"plain-decoy\"", milliseconds(0)), "");
  ASSERT_EQ(datastore_->PutSecret("db_pw", "pw-from-secrets"), "");
  ASSERT_EQ(datastore_->PutSecret("host_key", "hk-from-secrets"), "");
  WriteFile(pack_ / "config.schema.yaml", R"(token:
  type: string
  secret: true
mirror:
  type: string
gone:
  type: string
db:
  type: object
  properties:
    password:
      type: string
      secret: true
hosts:
  type: array
  items:
    type: object
    properties:
      key:
        type: string
        secret: true
)");
  WriteFile(tmp_ / "configs" / "mypack.yaml", R"(token: "{{ st2kv.system.slack_token }}"
mirror: "{{ st2kv.system.slack_token }}"
gone: "{{ st2kv.system.no_such_key }}"
db:
  password: "{{st2kv.system.db_pw}}"
  user: "u-{{ st2kv.system.no_such_key }}"
hosts:
  - key: "{{ st2kv.system.host_key }}"
)");
  RunResult r = Run("slack.py", R"(from st2common.runners.base_action import Action

class Slack(Action):
    def run(self):
        c = self.config
        return {
            "token_ok": c["token"] == "xoxb-from-secrets",
            "password_ok": c["db"]["password"] == "pw-from-secrets",
            "host_key_ok": c["hosts"][0]["key"] == "hk-from-secrets",
            "config": c,
        }
)");
  ASSERT_EQ(r.outcome, Outcome::kSucceeded) << r.error << r.result.dump();
  EXPECT_EQ(r.result["token_ok"], true) << r.result.dump();
  EXPECT_EQ(r.result["password_ok"], true) << r.result.dump();
  EXPECT_EQ(r.result["host_key_ok"], true) << r.result.dump();
  // A property without `secret: true` reads the key-value store; the secrets are masked.
  EXPECT_EQ(r.result["config"], (json{{"token", "********"},
                                      {"mirror", "plain-decoy"},
                                      {"gone", nullptr},
                                      {"db", {{"password", "********"}, {"user", "u-"}}},
                                      {"hosts", json::array({{{"key", "********"}}})}}));
}

TEST_F(PythonRunnerTest, InvalidPackConfigIsAClearError) {
  WriteFile(pack_ / "config.schema.yaml", R"(api_key:
  type: string
  required: true
region:
  type: string
  enum: [us-east-1, eu-west-1]
)");
  const char* kCode = R"(from st2common.runners.base_action import Action

class Conf(Action):
    def run(self):
        return self.config
)";
  WriteFile(tmp_ / "configs" / "mypack.yaml", "region: 5\n");
  RunResult r = Run("conf.py", kCode);
  ASSERT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_NE(r.error.find("pack config of mypack does not match"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("region: expected string, found integer"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("api_key: required key is missing"), std::string::npos) << r.error;

  WriteFile(tmp_ / "configs" / "mypack.yaml", "api_key: k\nregion: mars\n");
  r = Run("conf.py", kCode);
  ASSERT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_NE(r.error.find("region: 'mars' is not one of"), std::string::npos) << r.error;

  WriteFile(tmp_ / "configs" / "mypack.yaml", "api_key: [unclosed\n");
  r = Run("conf.py", kCode);
  ASSERT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_NE(r.error.find("cannot read"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("mypack.yaml"), std::string::npos) << r.error;
}

TEST_F(PythonRunnerTest, DatastoreCallsReachTheDatastore) {
  ASSERT_EQ(datastore_->Put("shared", "\"from outside\"", milliseconds(0)), "");
  ASSERT_EQ(datastore_->Put("numbers", "[1,2]", milliseconds(0)), "");
  ASSERT_EQ(datastore_->PutSecret("token", "t0k3n-value"), "");
  ASSERT_EQ(datastore_->Put("gone", "\"x\"", milliseconds(0)), "");
  RunResult r = Run("kv.py", R"(from st2common.runners.base_action import Action

class Kv(Action):
    def run(self):
        svc = self.action_service
        before = svc.get_value("counter")
        svc.set_value("counter", 41 + 1)
        svc.set_value("global.note", "written by python", local=False, ttl=60)
        svc.set_value("pw", "hunter2-secret", local=False, encrypt=True)
        listed = sorted((kv.name, kv.value) for kv in svc.list_values(local=False, prefix="global."))
        return {
            "before": before,
            "counter": svc.get_value("counter"),
            "shared": svc.get_value("shared", local=False),
            "numbers": svc.get_value("numbers", local=False),
            "missing": svc.get_value("nope", local=False),
            "token": svc.get_value("token", local=False, decrypt=True),
            "listed": listed,
            "deleted": svc.delete_value("gone", local=False),
            "deleted_again": svc.delete_value("gone", local=False),
        }
)");
  ASSERT_EQ(r.outcome, Outcome::kSucceeded) << r.error << r.result.dump();
  const json& got = r.result;
  EXPECT_TRUE(got["before"].is_null());
  EXPECT_EQ(got["counter"], "42");
  EXPECT_EQ(got["shared"], "from outside");
  EXPECT_EQ(got["numbers"], "[1,2]");
  EXPECT_TRUE(got["missing"].is_null());
  EXPECT_EQ(got["token"], "********");  // read with decrypt: masked in what the run returns
  EXPECT_EQ(got["listed"], json::array({json::array({"global.note", "written by python"})}));
  EXPECT_EQ(got["deleted"], true);
  EXPECT_EQ(got["deleted_again"], false);
  // Local keys are `<pack>.<ActionClass>:<name>`; values are stored as JSON strings.
  EXPECT_EQ(datastore_->Get("mypack.Kv:counter"), "\"42\"");
  EXPECT_EQ(datastore_->Get("global.note"), "\"written by python\"");
  EXPECT_EQ(datastore_->List("global.").at(0).expires_at_ms, 1000 + 60000);
  EXPECT_EQ(datastore_->GetSecret("pw"), "hunter2-secret");
  EXPECT_EQ(datastore_->Get("gone"), std::nullopt);
}

TEST_F(PythonRunnerTest, ForkedChildCannotUseTheChannel) {
  // A forked child shares fd 3 but not the channel's lock: its calls must fail (get_value logs
  // and returns None, as st2 does on errors) and never take a reply meant for the parent.
  ASSERT_EQ(datastore_->Put("shared", "\"visible\"", milliseconds(0)), "");
  ASSERT_EQ(datastore_->PutSecret("token", "t0k3n"), "");
  RunResult r = Run("forker.py", R"(import json, os
from st2common.runners.base_action import Action

class Forker(Action):
    def run(self):
        svc = self.action_service
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            out = {"get": svc.get_value("token", local=False, decrypt=True)}
            try:
                svc.set_value("from_child", "x", local=False)
                out["set"] = "no error"
            except Exception as e:
                out["set"] = "%s: %s" % (type(e).__name__, e)
            os.write(write_end, json.dumps(out).encode())
            os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as f:
            child = json.loads(f.read())
        os.waitpid(pid, 0)
        return {"child": child, "parent": svc.get_value("shared", local=False)}
)");
  ASSERT_EQ(r.outcome, Outcome::kSucceeded) << r.error << r.result.dump();
  EXPECT_TRUE(r.result["child"]["get"].is_null()) << r.result.dump();
  const std::string set_error = r.result["child"]["set"].get<std::string>();
  EXPECT_NE(set_error.find("ChannelError: process "), std::string::npos) << set_error;
  EXPECT_NE(set_error.find("is a fork of the action's process"), std::string::npos) << set_error;
  EXPECT_EQ(r.result["parent"], "visible");  // the parent's channel still works
  EXPECT_EQ(datastore_->Get("from_child"), std::nullopt);
}

TEST_F(PythonRunnerTest, DatastoreWithoutStoreFailsClearly) {
  options_.datastore = nullptr;
  RunResult r = Run("kv2.py", R"(from st2common.runners.base_action import Action

class Kv2(Action):
    def run(self):
        self.action_service.set_value("a", "b")
)");
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_NE(r.error.find("no datastore access"), std::string::npos) << r.error;
}

TEST_F(PythonRunnerTest, TimeoutKillsTheWholeProcessGroup) {
  const std::filesystem::path pid_file = tmp_ / "child.pid";
  const std::string code = R"(import subprocess, time
from st2common.runners.base_action import Action

class Slow(Action):
    def run(self):
        child = subprocess.Popen(["sleep", "60"])
        with open(")" + pid_file.string() +
                           R"(", "w") as f:
            f.write(str(child.pid))
        print("started", flush=True)
        time.sleep(60)
)";
  // 5 s: Python's start-up alone can take a second on a loaded machine, and the test needs
  // the action to have started its child before the timeout.
  auto started = std::chrono::steady_clock::now();
  RunResult r = Run("slow.py", code, {{"timeout", 5}});
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
  EXPECT_EQ(r.outcome, Outcome::kTimedOut);
  EXPECT_EQ(r.error, "timed out after 5s");
  EXPECT_EQ(r.result["stdout"], "started\n");
  EXPECT_EQ(r.result["exit_code"], -9);
  ASSERT_TRUE(std::filesystem::exists(pid_file)) << "the action never started its child";
  pid_t child = std::stoi(ReadFile(pid_file));
  EXPECT_TRUE(WaitFor([&] { return !testing::ProcessRunning(child); }));
}

TEST_F(PythonRunnerTest, CancelStopsTheAction) {
  CancelToken cancel;
  std::thread canceler([&] {
    WaitFor([&] { return std::filesystem::exists(tmp_ / "running"); });
    cancel.Cancel();
  });
  RunResult r = Run("wait.py", R"(import time
from st2common.runners.base_action import Action

class Wait(Action):
    def run(self, marker):
        open(marker, "w").close()
        time.sleep(60)
)",
                    {{"marker", (tmp_ / "running").string()}}, &cancel);
  canceler.join();
  EXPECT_EQ(r.outcome, Outcome::kCanceled);
  EXPECT_EQ(r.error, "canceled");
}

TEST_F(PythonRunnerTest, NonAsciiAndNonSerialisableResults) {
  RunResult text = Run("text.py", R"(from st2common.runners.base_action import Action

class Text(Action):
    def run(self, word):
        print("héllo ✓", word)
        return {"word": word + " 日本語"}
)",
                       {{"word", "größe"}});
  ASSERT_EQ(text.outcome, Outcome::kSucceeded) << text.error;
  EXPECT_EQ(text.result["word"], "größe 日本語");

  // A result json cannot encode becomes its str(), as in StackStorm.
  RunResult odd = Run("odd.py", R"(from st2common.runners.base_action import Action

class Odd(Action):
    def run(self):
        return {1, 2}
)");
  ASSERT_EQ(odd.outcome, Outcome::kSucceeded) << odd.error;
  EXPECT_EQ(odd.result, "{1, 2}");
}

TEST_F(PythonRunnerTest, LoggerWritesToStderrAtTheLogLevel) {
  const char* kCode = R"(from st2common.runners.base_action import Action

class Log(Action):
    def run(self):
        self.logger.debug("debug line")
        self.logger.info("info line")
        return (False, None)  # a failed run keeps its output (the error's result)
)";
  RunResult debug = Run("log.py", kCode);
  ASSERT_EQ(debug.outcome, Outcome::kFailed) << debug.error;
  const std::string all = debug.result["stderr"];
  EXPECT_NE(all.find("DEBUG    debug line"), std::string::npos) << all;
  EXPECT_NE(all.find("INFO     info line"), std::string::npos) << all;

  RunResult info = Run("log.py", kCode, {{"log_level", "INFO"}});
  const std::string some = info.result["stderr"];
  EXPECT_EQ(some.find("debug line"), std::string::npos) << some;
  EXPECT_NE(some.find("info line"), std::string::npos) << some;
}

TEST_F(PythonRunnerTest, EnvParameterAndStackStormVariables) {
  RunResult r = Run("env.py", R"(import os
from st2common.runners.base_action import Action

class Env(Action):
    def run(self):
        return [os.environ.get(n) for n in ("GREETING", "ST2_ACTION_PACK_NAME",
                                             "ST2_ACTION_EXECUTION_ID")]
)",
                    {{"env", {{"GREETING", "hello"}}}});
  ASSERT_EQ(r.outcome, Outcome::kSucceeded) << r.error << r.result.dump();
  EXPECT_EQ(r.result, (json{"hello", "mypack", "7"}));
}

}  // namespace
}  // namespace squall::runners
