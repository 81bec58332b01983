#include "runtime/runners/process.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <thread>

#include "runtime/runners/test_util.h"

namespace squall::runners {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using testing::ProcessRunning;
using testing::ReadFile;
using testing::TempDir;
using testing::WaitFor;

ProcessSpec Shell(const std::string& script) {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  return spec;
}

pid_t ReadPid(const std::filesystem::path& path) {
  std::string text = ReadFile(path);
  return text.empty() ? -1 : static_cast<pid_t>(std::stol(text));
}

struct ExitCase {
  std::string script;
  ProcessResult::End end;
  int exit_code;
};

class ProcessExitTest : public ::testing::TestWithParam<ExitCase> {};

TEST_P(ProcessExitTest, ReportsHowTheChildEnded) {
  ProcessResult r = RunProcess(Shell(GetParam().script), nullptr);
  EXPECT_EQ(r.end, GetParam().end) << GetParam().script;
  EXPECT_EQ(r.exit_code, GetParam().exit_code) << GetParam().script;
}

INSTANTIATE_TEST_SUITE_P(
    Codes, ProcessExitTest,
    ::testing::Values(
        ExitCase{.script = "exit 0", .end = ProcessResult::End::kExited, .exit_code = 0},
        ExitCase{.script = "exit 3", .end = ProcessResult::End::kExited, .exit_code = 3},
        ExitCase{.script = "exit 255", .end = ProcessResult::End::kExited, .exit_code = 255},
        ExitCase{
            .script = "kill -TERM $$", .end = ProcessResult::End::kSignaled, .exit_code = -SIGTERM},
        ExitCase{.script = "kill -KILL $$",
                 .end = ProcessResult::End::kSignaled,
                 .exit_code = -SIGKILL}));

TEST(ProcessTest, CapturesStdoutAndStderrSeparately) {
  ProcessResult r = RunProcess(Shell("echo out; echo err >&2; printf 'no newline'"), nullptr);
  EXPECT_EQ(r.end, ProcessResult::End::kExited);
  EXPECT_EQ(r.stdout_text, "out\nno newline");
  EXPECT_EQ(r.stderr_text, "err\n");
  EXPECT_FALSE(r.stdout_truncated);
  EXPECT_FALSE(r.stderr_truncated);
}

TEST(ProcessTest, CapsOutputAndDrainsTheRest) {
  // 4 MiB per stream: far more than a pipe buffer, so a child blocked on a full pipe would hang.
  ProcessSpec spec = Shell(
      "head -c 4194304 /dev/zero | tr '\\0' a; head -c 4194304 /dev/zero | tr '\\0' b >&2; "
      "exit 7");
  spec.output_limit = 1000;
  ProcessResult r = RunProcess(spec, nullptr);
  EXPECT_EQ(r.end, ProcessResult::End::kExited);
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(r.stdout_text, std::string(1000, 'a'));
  EXPECT_EQ(r.stderr_text, std::string(1000, 'b'));
  EXPECT_TRUE(r.stdout_truncated);
  EXPECT_TRUE(r.stderr_truncated);
}

TEST(ProcessTest, OutputExactlyAtTheCapIsNotTruncated) {
  ProcessSpec spec = Shell("printf 12345");
  spec.output_limit = 5;
  ProcessResult r = RunProcess(spec, nullptr);
  EXPECT_EQ(r.stdout_text, "12345");
  EXPECT_FALSE(r.stdout_truncated);
}

TEST(ProcessTest, SetsEnvironmentAndWorkingDirectory) {
  TempDir dir;
  ProcessSpec spec = Shell("printf '%s|%s|' \"$SQUALL_A\" \"$SQUALL_B\"; pwd");
  spec.env = {{"SQUALL_A", "one"}, {"SQUALL_B", "x"}, {"SQUALL_B", "two words"}};
  spec.cwd = dir.path();
  ProcessResult r = RunProcess(spec, nullptr);
  EXPECT_EQ(r.stdout_text, "one|two words|" + dir.path().string() + "\n");
  // The caller's environment is inherited.
  ProcessSpec path_spec = Shell("printf '%s' \"$PATH\"");
  EXPECT_FALSE(RunProcess(path_spec, nullptr).stdout_text.empty());
}

TEST(ProcessTest, FeedsStdinAndClosesIt) {
  ProcessSpec spec = Shell("wc -c");
  spec.stdin_data = std::string(3 << 20, 'x');  // larger than any socket buffer
  ProcessResult r = RunProcess(spec, nullptr);
  EXPECT_EQ(r.end, ProcessResult::End::kExited);
  EXPECT_EQ(std::stol(r.stdout_text), 3 << 20);
}

TEST(ProcessTest, ChildThatIgnoresStdinDoesNotHurtTheCaller) {
  ProcessSpec spec = Shell("exit 0");
  spec.stdin_data = std::string(8 << 20, 'x');
  ProcessResult r = RunProcess(spec, nullptr);  // no SIGPIPE, no hang
  EXPECT_EQ(r.end, ProcessResult::End::kExited);
  EXPECT_EQ(r.exit_code, 0);
}

TEST(ProcessTest, EmptyStdinIsDevNull) {
  ProcessResult r = RunProcess(Shell("cat; echo done"), nullptr);
  EXPECT_EQ(r.stdout_text, "done\n");
}

TEST(ProcessTest, TimeoutKillsTheWholeProcessGroup) {
  TempDir dir;
  // The shell (child) starts a grandchild and waits: both must die at the deadline.
  ProcessSpec spec = Shell("sleep 1000 & echo $! > " + (dir / "grandchild").string() +
                           "; echo $$ > " + (dir / "child").string() + "; wait");
  spec.deadline = steady_clock::now() + milliseconds(300);
  const auto start = steady_clock::now();
  ProcessResult r = RunProcess(spec, nullptr);
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(r.end, ProcessResult::End::kTimedOut);
  EXPECT_EQ(r.exit_code, -9);
  pid_t child = ReadPid(dir / "child");
  pid_t grandchild = ReadPid(dir / "grandchild");
  ASSERT_GT(child, 0);
  ASSERT_GT(grandchild, 0);
  EXPECT_FALSE(ProcessRunning(child));
  EXPECT_TRUE(WaitFor([&] { return !ProcessRunning(grandchild); }));
}

TEST(ProcessTest, SigkillAfterGraceWhenTermIsIgnored) {
  TempDir dir;
  ProcessSpec spec = Shell("trap '' TERM; echo $$ > " + (dir / "child").string() +
                           "; while :; do sleep 0.05; done");
  spec.deadline = steady_clock::now() + milliseconds(200);
  spec.kill_grace = milliseconds(300);
  const auto start = steady_clock::now();
  ProcessResult r = RunProcess(spec, nullptr);
  const auto elapsed = steady_clock::now() - start;
  EXPECT_EQ(r.end, ProcessResult::End::kTimedOut);
  EXPECT_GE(elapsed, milliseconds(450));
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  EXPECT_FALSE(ProcessRunning(ReadPid(dir / "child")));
}

TEST(ProcessTest, CancelFromAnotherThreadKillsTheGroup) {
  TempDir dir;
  const auto started = dir / "started";
  ProcessSpec spec = Shell("sleep 1000 & echo $! > " + started.string() + "; wait");
  CancelToken cancel;
  std::thread canceller([&] {
    WaitFor([&] { return !ReadFile(started).empty(); });
    cancel.Cancel();
  });
  ProcessResult r = RunProcess(spec, &cancel);
  canceller.join();
  EXPECT_EQ(r.end, ProcessResult::End::kCanceled);
  EXPECT_EQ(r.exit_code, -9);
  pid_t grandchild = ReadPid(started);
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(WaitFor([&] { return !ProcessRunning(grandchild); }));
}

TEST(ProcessTest, CancelledTokenNeverStartsTheProcess) {
  TempDir dir;
  CancelToken cancel;
  cancel.Cancel();
  ProcessResult r = RunProcess(Shell("touch " + (dir / "ran").string()), &cancel);
  EXPECT_EQ(r.end, ProcessResult::End::kCanceled);
  EXPECT_FALSE(std::filesystem::exists(dir / "ran"));
}

TEST(ProcessTest, CancelAfterExitKeepsTheExitStatus) {
  CancelToken cancel;
  ProcessResult r = RunProcess(Shell("exit 4"), &cancel);
  cancel.Cancel();
  EXPECT_EQ(r.end, ProcessResult::End::kExited);
  EXPECT_EQ(r.exit_code, 4);
}

TEST(ProcessTest, SpawnFailuresSayWhy) {
  ProcessSpec missing;
  missing.argv = {"/nonexistent/squall-binary"};
  ProcessResult r = RunProcess(missing, nullptr);
  EXPECT_EQ(r.end, ProcessResult::End::kSpawnFailed);
  EXPECT_NE(r.error.find("cannot run /nonexistent/squall-binary"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("No such file"), std::string::npos) << r.error;

  ProcessSpec not_in_path;
  not_in_path.argv = {"squall-no-such-command-anywhere"};
  EXPECT_EQ(RunProcess(not_in_path, nullptr).end, ProcessResult::End::kSpawnFailed);

  ProcessSpec bad_cwd = Shell("true");
  bad_cwd.cwd = "/nonexistent/dir";
  r = RunProcess(bad_cwd, nullptr);
  EXPECT_EQ(r.end, ProcessResult::End::kSpawnFailed);
  EXPECT_NE(r.error.find("working directory /nonexistent/dir does not exist"), std::string::npos)
      << r.error;

  EXPECT_EQ(RunProcess(ProcessSpec{}, nullptr).error, "empty command");
}

TEST(ProcessTest, BackgroundGrandchildDoesNotHoldTheRun) {
  TempDir dir;
  // The grandchild keeps stdout open; the run still ends soon after the child exits.
  ProcessSpec spec = Shell("sleep 1000 & echo $! > " + (dir / "bg").string() + "; echo hi");
  const auto start = steady_clock::now();
  ProcessResult r = RunProcess(spec, nullptr);
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(r.end, ProcessResult::End::kExited);
  EXPECT_EQ(r.stdout_text, "hi\n");
  pid_t bg = ReadPid(dir / "bg");
  if (bg > 0) kill(bg, SIGKILL);  // ours: clean up
}

TEST(ProcessTest, ManyConcurrentRuns) {
  constexpr int kThreads = 16;
  constexpr int kRunsEach = 4;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &good] {
      for (int i = 0; i < kRunsEach; ++i) {
        const std::string word = std::to_string(t) + "-" + std::to_string(i);
        ProcessSpec spec = Shell("echo " + word + "; echo " + word + " >&2");
        spec.stdin_data = "input";
        ProcessResult r = RunProcess(spec, nullptr);
        if (r.end == ProcessResult::End::kExited && r.stdout_text == word + "\n" &&
            r.stderr_text == word + "\n") {
          ++good;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(good.load(), kThreads * kRunsEach);
}

}  // namespace
}  // namespace squall::runners
