// The remote runners end to end against a real sshd on 127.0.0.1 (started by the suite), plus
// the pure pieces (host parsing, remote command line quoting run through a local /bin/sh).
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <sstream>
#include <string>
#include <thread>

#include "runtime/runners/process.h"
#include "runtime/runners/runner.h"
#include "runtime/runners/runner_internal.h"
#include "runtime/runners/shell_args.h"
#include "runtime/runners/test_util.h"

namespace squall::runners {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;
using testing::ReadFile;
using testing::TempDir;
using testing::WaitFor;
using testing::WriteFile;

constexpr const char* kArgvScript =
    "#!/bin/sh\nfor a in \"$@\"; do printf '<%s>\\n' \"$a\"; done\n";

// ---- pure pieces -------------------------------------------------------------------------------

struct HostsCase {
  std::string hosts;
  std::vector<std::string> expected;  // "host port" per parsed host
  bool error = false;
};

class ParseHostsTest : public ::testing::TestWithParam<HostsCase> {};

TEST_P(ParseHostsTest, ParsesHostList) {
  SshHosts parsed = ParseHosts(GetParam().hosts, 2222);
  EXPECT_EQ(!parsed.error.empty(), GetParam().error) << parsed.error;
  std::vector<std::string> got;
  for (const SshHost& h : parsed.hosts) got.push_back(h.host + " " + std::to_string(h.port));
  EXPECT_EQ(got, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseHostsTest,
    ::testing::Values(HostsCase{.hosts = "web1", .expected = {"web1 2222"}},
                      HostsCase{.hosts = " web1 , web2:22,, web1",
                                .expected = {"web1 2222", "web2 22"}},
                      HostsCase{.hosts = "[::1]:2200,::1,[fe80::1]",
                                .expected = {"::1 2200", "::1 2222", "fe80::1 2222"}},
                      HostsCase{.hosts = "", .expected = {}, .error = true},
                      HostsCase{.hosts = " , ", .expected = {}, .error = true},
                      HostsCase{.hosts = "-oProxyCommand=touch", .expected = {}, .error = true},
                      HostsCase{.hosts = "web1:0", .expected = {}, .error = true},
                      HostsCase{.hosts = "web1:99999", .expected = {}, .error = true},
                      HostsCase{.hosts = "web1:22x", .expected = {}, .error = true},
                      HostsCase{.hosts = "a;b", .expected = {}, .error = true},
                      HostsCase{.hosts = "ok,bad host", .expected = {}, .error = true},
                      HostsCase{.hosts = "[::1", .expected = {}, .error = true}));

// The remote command line is shell text for the remote login shell: run it through a local
// /bin/sh to check that hostile cwd / env values arrive intact and execute nothing.
TEST(RemoteShellLineTest, QuotesEveryValueForTheRemoteShell) {
  TempDir dir;
  const std::string marker = (dir / "pwned").string();
  const std::string odd_dir = (dir / "it's a $(dir)").string();
  std::filesystem::create_directories(odd_dir);
  const std::string hostile =
      "'; touch " + marker + "; echo '$(touch " + marker + ")`touch " + marker + "`\nline2";
  RunRequest request;
  request.action = "pack.act";
  request.execution_id = 7;
  request.parameters = {{"cwd", odd_dir}, {"env", {{"HOSTILE", hostile}}}, {"timeout", 30}};
  const std::string line = RemoteShellLine(
      request, "printf '%s|' \"$HOSTILE\" \"$ST2_ACTION_EXECUTION_ID\"; pwd", false);
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", line};
  ProcessResult r = RunProcess(spec, nullptr);
  EXPECT_EQ(r.end, ProcessResult::End::kExited) << r.stderr_text;
  EXPECT_EQ(r.stdout_text, hostile + "|7|" + odd_dir + "\n") << line;
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(RemoteShellLineTest, SudoAndTimeoutWrapTheWholeCommand) {
  RunRequest request;
  request.action = "p.a";
  request.parameters = {{"sudo", true}, {"timeout", 0}};
  EXPECT_EQ(RemoteShellLine(request, "id", false),
            "sudo -n -- /bin/sh -c 'export ST2_ACTION_PACK_NAME='\\''p'\\'' "
            "ST2_ACTION_EXECUTION_ID='\\''0'\\'' && id'");
  EXPECT_EQ(RemoteShellLine(request, "id", true).rfind("sudo -S -p '' -- /bin/sh -c ", 0), 0u);
  request.parameters = {{"timeout", 2}};
  EXPECT_EQ(RemoteShellLine(request, "id", false)
                .rfind("if command -v timeout >/dev/null 2>&1; then timeout -k 5 2 /bin/sh -c ", 0),
            0u);
}

// ---- end to end against sshd -------------------------------------------------------------------

std::string CurrentUser() {
  passwd* pw = getpwuid(getuid());
  return pw != nullptr ? pw->pw_name : "root";
}

class SshRunnerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const auto& d = dir_->path();
    std::string keygen_log;
    auto keygen = [&](const std::filesystem::path& key) {
      ProcessSpec spec;
      spec.argv = {"ssh-keygen", "-q", "-t",          "ed25519", "-N",
                   "",           "-C", "squall-test", "-f",      key.string()};
      ProcessResult r = RunProcess(spec, nullptr);
      keygen_log += r.stderr_text;
      return r.end == ProcessResult::End::kExited && r.exit_code == 0;
    };
    if (!keygen(d / "host_key") || !keygen(d / "user_key")) {
      skip_reason_ = "ssh-keygen failed: " + keygen_log;
      return;
    }
    WriteFile(d / "authorized_keys", ReadFile(d / "user_key.pub"), 0600);
    // sshd (privilege separation) insists on this directory; it is missing in containers
    // where sshd never ran.
    if (!std::filesystem::exists("/run/sshd") && geteuid() == 0) {
      std::error_code ec;
      std::filesystem::create_directories("/run/sshd", ec);
      chmod("/run/sshd", 0755);
    }
    for (int attempt = 0; attempt < 3 && pid_ <= 0; ++attempt) {
      port_ = testing::FreeLoopbackPort();
      WriteFile(d / "sshd_config",
                "Port " + std::to_string(port_) +
                    "\nListenAddress 127.0.0.1\n"
                    "HostKey " +
                    (d / "host_key").string() +
                    "\n"
                    "PidFile " +
                    (d / "sshd.pid").string() +
                    "\n"
                    "AuthorizedKeysFile " +
                    (d / "authorized_keys").string() +
                    "\n"
                    "StrictModes no\nUsePAM no\nPermitRootLogin prohibit-password\n"
                    "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                    "PubkeyAuthentication yes\nAllowTcpForwarding yes\n"
                    "MaxStartups 100:30:200\nMaxSessions 100\nLogLevel ERROR\n"
                    // The cheapest key exchange: the tests open many connections.
                    "KexAlgorithms curve25519-sha256\n");
      pid_t pid = testing::StartBackground(
          {"/usr/sbin/sshd", "-D", "-e", "-f", (d / "sshd_config").string()}, d / "sshd.log");
      if (pid <= 0) continue;
      if (WaitFor([&] { return testing::PortAccepts(port_) || !testing::ProcessRunning(pid); },
                  std::chrono::seconds(10)) &&
          testing::ProcessRunning(pid)) {
        pid_ = pid;
      } else {
        testing::StopBackground(pid);
      }
    }
    if (pid_ <= 0) skip_reason_ = "sshd did not start: " + ReadFile(d / "sshd.log");
  }

  static void TearDownTestSuite() {
    testing::StopBackground(pid_);
    pid_ = -1;
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
  }

  static RunnerOptions Options() {
    RunnerOptions o;
    o.ssh_options = {"UserKnownHostsFile=/dev/null", "StrictHostKeyChecking=no", "LogLevel=ERROR"};
    o.default_ssh_user = CurrentUser();
    o.default_ssh_key = dir_->path() / "user_key";
    o.kill_grace = milliseconds(500);
    return o;
  }

  static std::string Host(const std::string& name = "127.0.0.1") {
    return name + ":" + std::to_string(port_);
  }

  static RunRequest Request(const std::string& runner, json params) {
    RunRequest r;
    r.execution_id = 9;
    r.action = "pack.remote_thing";
    r.runner = runner;
    r.parameters = std::move(params);
    return r;
  }

  static RunResult RunIt(const RunRequest& request, const RunnerOptions& options = Options()) {
    std::unique_ptr<Runner> runner = CreateRunner(request.runner, options);
    CancelToken cancel;
    return runner->Run(request, cancel);
  }

  static TempDir* dir_;
  static int port_;
  static pid_t pid_;
  static std::string skip_reason_;
};

TempDir* SshRunnerTest::dir_ = nullptr;
int SshRunnerTest::port_ = 0;
pid_t SshRunnerTest::pid_ = -1;
std::string SshRunnerTest::skip_reason_;

TEST_F(SshRunnerTest, RunsOnTwoHostsSequentially) {
  const std::string hosts = Host() + "," + Host("localhost");
  RunRequest request =
      Request("remote-shell-cmd", {{"hosts", hosts},
                                   {"cmd", "echo out; echo err >&2; pwd; echo \"token $T\""},
                                   {"env", {{"T", "very-secret-token"}}},
                                   {"cwd", "/tmp"},
                                   {"timeout", 30}});
  request.secret_values = {"very-secret-token"};
  RunResult r = RunIt(request);
  ASSERT_EQ(r.outcome, Outcome::kSucceeded) << r.error << r.result.dump();
  ASSERT_EQ(r.result.size(), 2u);
  for (const std::string& key : {Host(), Host("localhost")}) {
    EXPECT_EQ(r.result[key], json({{"stdout", "out\n/tmp\ntoken ********"},
                                   {"stderr", "err"},
                                   {"return_code", 0},
                                   {"succeeded", true},
                                   {"failed", false}}))
        << key;
  }
}

TEST_F(SshRunnerTest, ParallelRunsHostsAtTheSameTime) {
  TempDir meet;
  // Each host checks in, then waits (up to 10 s) until both have: only possible when the two
  // commands run at once.
  const std::string d = ShellQuote(meet.path().string());
  const std::string cmd = "touch " + d + "/$$; i=0; while [ $(ls " + d +
                          " | wc -l) -lt 2 ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; "
                          "ls " +
                          d + " | wc -l";
  RunResult r = RunIt(Request("remote-shell-cmd", {{"hosts", Host() + "," + Host("localhost")},
                                                   {"cmd", cmd},
                                                   {"parallel", true},
                                                   {"timeout", 30}}));
  ASSERT_EQ(r.outcome, Outcome::kSucceeded) << r.error << r.result.dump();
  EXPECT_EQ(r.result[Host()]["stdout"], "2");
  EXPECT_EQ(r.result[Host("localhost")]["stdout"], "2");
}

TEST_F(SshRunnerTest, FailureOnOneHostFailsTheExecution) {
  const std::string closed = "127.0.0.1:" + std::to_string(testing::FreeLoopbackPort());
  RunResult r =
      RunIt(Request("remote-shell-cmd",
                    {{"hosts", Host() + "," + closed}, {"cmd", "echo fine"}, {"parallel", true}}));
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_EQ(r.result[Host()]["succeeded"], true);
  EXPECT_EQ(r.result[Host()]["stdout"], "fine");
  EXPECT_EQ(r.result[closed]["return_code"], 255);
  EXPECT_EQ(r.result[closed]["failed"], true);
  EXPECT_NE(r.result[closed]["error"].get<std::string>().find("Connection refused"),
            std::string::npos)
      << r.result.dump();
  EXPECT_NE(r.error.find("failed on 1 of 2 hosts: " + closed), std::string::npos) << r.error;
}

TEST_F(SshRunnerTest, TimeoutEndsTheRunAndTheRemoteCommand) {
  // A distinctive sleep so the test can see the remote process go away.
  const std::string sleeper = "sleep 987.25";
  const auto start = steady_clock::now();
  RunResult r =
      RunIt(Request("remote-shell-cmd", {{"hosts", Host()}, {"cmd", sleeper}, {"timeout", 1}}));
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(6));
  EXPECT_EQ(r.outcome, Outcome::kTimedOut);
  EXPECT_EQ(r.error.rfind("timed out after 1s", 0), 0u) << r.error;
  EXPECT_EQ(r.result[Host()]["return_code"], -9);
  EXPECT_TRUE(
      WaitFor([&] { return testing::FindProcesses(sleeper).empty(); }, std::chrono::seconds(10)));
}

TEST_F(SshRunnerTest, CancelStopsTheRun) {
  TempDir dir;
  const auto started = dir / "started";
  std::unique_ptr<Runner> runner = CreateRunner("remote-shell-cmd", Options());
  CancelToken cancel;
  std::thread canceller([&] {
    WaitFor([&] { return std::filesystem::exists(started); });
    cancel.Cancel();
  });
  RunResult r = runner->Run(
      Request("remote-shell-cmd", {{"hosts", Host()},
                                   {"cmd", "touch " + ShellQuote(started.string()) + "; sleep 5"},
                                   {"timeout", 3}}),
      cancel);
  canceller.join();
  EXPECT_EQ(r.outcome, Outcome::kCanceled);
  EXPECT_EQ(r.result[Host()]["error"], "canceled");
}

TEST_F(SshRunnerTest, HostileValuesAreQuotedForTheRemoteShell) {
  TempDir dir;
  const std::string marker = (dir / "pwned").string();
  const std::string hostile =
      "'; touch " + marker + "; '$(touch " + marker + ")`touch " + marker + "`\n&& touch " + marker;
  // cmd text compiled with the value quoted, env carrying it, cwd with a quote in its name.
  const std::string odd_dir = (dir / "it's here").string();
  std::filesystem::create_directories(odd_dir);
  RunResult r = RunIt(Request("remote-shell-cmd",
                              {{"hosts", Host()},
                               {"cmd", "printf '%s|%s|' " + ShellQuote(hostile) + " \"$V\"; pwd"},
                               {"env", {{"V", hostile}}},
                               {"cwd", odd_dir}}));
  ASSERT_EQ(r.outcome, Outcome::kSucceeded) << r.error << r.result.dump();
  EXPECT_EQ(r.result[Host()]["stdout"], hostile + "|" + hostile + "|" + odd_dir);

  // Script arguments: each hostile value one argv entry on the remote side.
  WriteFile(dir / "args.sh", kArgvScript, 0755);
  RunRequest script = Request("remote-shell-script", {{"hosts", Host()},
                                                      {"a", hostile},
                                                      {"b", "$(touch " + marker + ")"},
                                                      {"flag", true},
                                                      {"dir", dir.path().string()}});
  script.entry_point = dir / "args.sh";
  script.schema = {ParameterInfo{.name = "a", .position = 0}, ParameterInfo{.name = "b"},
                   ParameterInfo{.name = "flag"}};
  r = RunIt(script);
  ASSERT_EQ(r.outcome, Outcome::kSucceeded) << r.error << r.result.dump();
  EXPECT_EQ(r.result[Host()]["stdout"],
            "<--b=$(touch " + marker + ")>\n<--flag>\n<" + hostile + ">");
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST_F(SshRunnerTest, RemoteShellScriptStreamsRunsAndRemovesTheScript) {
  TempDir dir;
  std::filesystem::create_directories(dir / "remote");
  WriteFile(dir / "show.sh",
            "#!/bin/sh\necho \"$1 in $(pwd) as $(basename \"$0\" | cut -c1-7)\"\necho \"$2\" >&2\n"
            "basename \"$0\" >> names\nexit $3\n",
            0755);
  RunRequest request = Request("remote-shell-script", {{"hosts", Host() + "," + Host("localhost")},
                                                       {"greeting", "hello"},
                                                       {"warn", "careful"},
                                                       {"code", 0},
                                                       {"dir", (dir / "remote").string()},
                                                       {"cwd", dir.path().string()},
                                                       {"parallel", true}});
  request.entry_point = dir / "show.sh";
  request.schema = {ParameterInfo{.name = "greeting", .position = 0},
                    ParameterInfo{.name = "warn", .position = 1},
                    ParameterInfo{.name = "code", .position = 2}};
  RunResult r = RunIt(request);
  ASSERT_EQ(r.outcome, Outcome::kSucceeded) << r.error << r.result.dump();
  EXPECT_EQ(r.result[Host()]["stdout"], "hello in " + dir.path().string() + " as squall-");
  EXPECT_EQ(r.result[Host("localhost")]["stderr"], "careful");
  // The streamed copies are gone.
  EXPECT_TRUE(std::filesystem::is_empty(dir / "remote"));
  // Each host ran a copy of its own: both names are this machine, and with `parallel` one
  // shared copy was overwritten or removed under the other (Text file busy, No such file).
  std::istringstream names(ReadFile(dir / "names"));
  std::string first, second;
  ASSERT_TRUE(std::getline(names, first) && std::getline(names, second));
  EXPECT_NE(first, second);

  // A failing script: its status, no ssh error.
  request.parameters["code"] = 4;
  request.parameters["hosts"] = Host();
  r = RunIt(request);
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_EQ(r.result[Host()]["return_code"], 4);
  EXPECT_FALSE(r.result[Host()].contains("error"));
  EXPECT_TRUE(std::filesystem::is_empty(dir / "remote"));
}

TEST_F(SshRunnerTest, PrivateKeyMaterialAndClearCredentialErrors) {
  RunnerOptions no_default = Options();
  no_default.default_ssh_key.clear();
  const std::string key_path = (dir_->path() / "user_key").string();
  const std::string material = ReadFile(key_path);

  RunResult r =
      RunIt(Request("remote-shell-cmd",
                    {{"hosts", Host()}, {"cmd", "echo material"}, {"private_key", material}}),
            no_default);
  EXPECT_EQ(r.outcome, Outcome::kSucceeded) << r.error << r.result.dump();
  EXPECT_EQ(r.result[Host()]["stdout"], "material");
  // No key file left behind.
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::temp_directory_path(), ec)) {
    EXPECT_EQ(entry.path().filename().string().rfind("squall-ssh-key-", 0), std::string::npos)
        << entry.path();
  }

  r = RunIt(Request("remote-shell-cmd",
                    {{"hosts", Host()}, {"cmd", "true"}, {"password", "pw-secret-1"}}),
            no_default);
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_NE(r.error.find("password authentication is not supported"), std::string::npos);

  r = RunIt(Request("remote-shell-cmd",
                    {{"hosts", Host()}, {"cmd", "true"}, {"private_key", "/nonexistent/key"}}));
  // The parameter is secret: even its path is masked.
  EXPECT_EQ(r.error, "private_key file ******** does not exist");

  // A key the server does not accept: ssh's own reason, per host.
  TempDir other;
  ProcessSpec keygen;
  keygen.argv = {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", (other / "k").string()};
  ASSERT_EQ(RunProcess(keygen, nullptr).exit_code, 0);
  r = RunIt(Request("remote-shell-cmd",
                    {{"hosts", Host()}, {"cmd", "true"}, {"private_key", (other / "k").string()}}),
            no_default);
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_EQ(r.result[Host()]["return_code"], 255);
  EXPECT_NE(r.result[Host()]["error"].get<std::string>().find("Permission denied"),
            std::string::npos)
      << r.result.dump();
}

TEST_F(SshRunnerTest, BastionHostTunnelsWithTheSameCredentials) {
  // The key comes as a path parameter (no configured default): the hop must use it too.
  RunnerOptions no_default = Options();
  no_default.default_ssh_key.clear();
  RunResult r =
      RunIt(Request("remote-shell-cmd", {{"hosts", Host()},
                                         {"cmd", "echo \"via ${SSH_CONNECTION%% *}\""},
                                         {"bastion_host", Host()},
                                         {"private_key", (dir_->path() / "user_key").string()}}),
            no_default);
  EXPECT_EQ(r.outcome, Outcome::kSucceeded) << r.error << r.result.dump();
  EXPECT_EQ(r.result[Host()]["stdout"], "via 127.0.0.1");
}

TEST_F(SshRunnerTest, BadParametersAreClearErrors) {
  EXPECT_EQ(RunIt(Request("remote-shell-cmd", {{"cmd", "true"}})).error,
            "parameter hosts is required: a comma-separated host list");
  EXPECT_EQ(
      RunIt(Request("remote-shell-cmd", {{"hosts", "-oProxyCommand=x"}, {"cmd", "true"}})).error,
      "invalid host '-oProxyCommand=x' in hosts");
  EXPECT_EQ(RunIt(Request("remote-shell-cmd", {{"hosts", Host()}})).error,
            "parameter cmd is required and must be a non-empty string");
  EXPECT_EQ(
      RunIt(Request("remote-shell-cmd", {{"hosts", Host()}, {"cmd", "true"}, {"port", 0}})).error,
      "parameter port must be an integer from 1 to 65535");
  EXPECT_EQ(RunIt(Request("remote-shell-script", {{"hosts", Host()}})).error,
            "remote-shell-script needs an entry_point");
}

}  // namespace
}  // namespace squall::runners
