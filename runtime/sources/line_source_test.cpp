#include "runtime/sources/line_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/sources/event_queue.h"

namespace squall::sources {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "squall-sources-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

void Append(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << text;
}

void Write(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc | std::ios::binary);
  out << text;
}

std::string Line(const std::string& id, const std::string& trigger = "t") {
  return R"({"trigger":")" + trigger + R"(","payload":{"n":")" + id + R"("},"id":")" + id + "\"}\n";
}

// Pops until `count` events arrived (or 10 s passed).
std::vector<SourceEvent> Take(EventQueue& queue, size_t count) {
  std::vector<SourceEvent> out;
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
    queue.PopBatch(out, count - out.size(), deadline);
  }
  return out;
}

std::vector<std::string> Ids(const std::vector<SourceEvent>& events) {
  std::vector<std::string> ids;
  for (const SourceEvent& e : events) ids.push_back(e.external_id);
  return ids;
}

// Collects bad-line reports (called on the source thread).
struct Reports {
  std::mutex mu;
  std::vector<BadLine> lines;
  std::function<void(const BadLine&)> Callback() {
    return [this](const BadLine& bad) {
      std::lock_guard lock(mu);
      lines.push_back(bad);
    };
  }
};

TEST(LineSourceTest, ReadsAFileToItsEndAndFinishes) {
  TempDir dir;
  const fs::path file = dir / "events.jsonl";
  Write(file, Line("a") + "\n   \n" + "{not json}\n" + Line("b") +
                  R"({"trigger":"t","payload":{"last":true},"id":"c"})");  // no final newline
  EventQueue queue;
  Reports reports;
  std::atomic<bool> finished{false};
  LineSource source(LineSourceOptions{.path = file.string(),
                                      .on_bad_line = reports.Callback(),
                                      .on_finished = [&] { finished = true; }},
                    queue);
  ASSERT_EQ(source.Start(), std::nullopt);
  ASSERT_TRUE(source.WaitFinished(seconds(10)));
  EXPECT_TRUE(finished);
  std::vector<SourceEvent> events = Take(queue, 3);
  ASSERT_EQ(Ids(events), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(events[0].trigger, "t");
  EXPECT_EQ(events[0].payload_json, R"({"n":"a"})");
  EXPECT_EQ(events[0].source, "file:" + file.string());
  EXPECT_GT(events[0].received_at_ms, 1'600'000'000'000);
  ASSERT_TRUE(events[0].position.has_value());
  EXPECT_EQ(events[0].position->line, 1u);
  EXPECT_EQ(events[0].position->offset, Line("a").size());
  EXPECT_EQ(events[0].position->inode,
            fs::status(file).type() == fs::file_type::regular ? events[0].position->inode : 0u);
  EXPECT_NE(events[0].position->inode, 0u);
  EXPECT_EQ(events[1].position->line, 5u);
  EXPECT_EQ(events[2].position->line, 6u);
  EXPECT_EQ(events[2].position->offset, fs::file_size(file));
  ASSERT_EQ(reports.lines.size(), 1u);
  EXPECT_EQ(reports.lines[0].line, 4u);
  EXPECT_EQ(reports.lines[0].reason, LineReject::kMalformedJson);
  EXPECT_EQ(reports.lines[0].ToString().rfind(file.string() + ":4: malformed_json: ", 0), 0u)
      << reports.lines[0].ToString();
  LineSourceStats stats = source.stats();
  EXPECT_EQ(stats.lines, 6u);
  EXPECT_EQ(stats.blank, 2u);
  EXPECT_EQ(stats.events, 3u);
  EXPECT_EQ(stats.rejected, 1u);
  EXPECT_EQ(stats.by_reason[static_cast<size_t>(LineReject::kMalformedJson)], 1u);
  EXPECT_EQ(stats.bytes, fs::file_size(file));
  EXPECT_TRUE(stats.finished);
  EXPECT_EQ(stats.error, "");
}

TEST(LineSourceTest, BadLinesAreReportedWithLineNumbersAndReasons) {
  TempDir dir;
  const fs::path file = dir / "bad.jsonl";
  Write(file, "[1]\n" + Line("ok") +
                  R"({"payload":{}})"
                  "\n"
                  R"({"trigger":"t","payload":[]})"
                  "\n" +
                  "{\"trigger\":\"t\",\"payload\":{}}\r\n" +
                  R"({"trigger":"t","payload":{},"id":1.5})"
                  "\n");
  EventQueue queue;
  Reports reports;
  LineSource source(LineSourceOptions{.path = file.string(), .on_bad_line = reports.Callback()},
                    queue);
  ASSERT_EQ(source.Start(), std::nullopt);
  ASSERT_TRUE(source.WaitFinished(seconds(10)));
  EXPECT_EQ(Take(queue, 2).size(), 2u);  // `ok` and the CRLF line
  ASSERT_EQ(reports.lines.size(), 4u);
  const std::pair<uint64_t, LineReject> expected[] = {{1, LineReject::kNotAnObject},
                                                      {3, LineReject::kMissingTrigger},
                                                      {4, LineReject::kInvalidPayload},
                                                      {6, LineReject::kInvalidId}};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(reports.lines[i].line, expected[i].first);
    EXPECT_EQ(reports.lines[i].reason, expected[i].second);
    EXPECT_EQ(reports.lines[i].path, file.string());
  }
}

TEST(LineSourceTest, OverLongLinesAreSkipped) {
  TempDir dir;
  const fs::path file = dir / "long.jsonl";
  // The long line spans several 64 KiB reads.
  const std::string long_line =
      R"({"trigger":"t","payload":{"x":")" + std::string(200'000, 'a') + "\"}}\n";
  Write(file, Line("a") + long_line + Line("b"));
  EventQueue queue;
  Reports reports;
  LineSource source(
      LineSourceOptions{
          .path = file.string(), .max_line_bytes = 1000, .on_bad_line = reports.Callback()},
      queue);
  ASSERT_EQ(source.Start(), std::nullopt);
  ASSERT_TRUE(source.WaitFinished(seconds(10)));
  std::vector<SourceEvent> events = Take(queue, 2);
  ASSERT_EQ(Ids(events), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(events[1].position->line, 3u);
  ASSERT_EQ(reports.lines.size(), 1u);
  EXPECT_EQ(reports.lines[0].reason, LineReject::kLineTooLong);
  EXPECT_EQ(reports.lines[0].line, 2u);
  EXPECT_EQ(reports.lines[0].offset, Line("a").size());
  EXPECT_EQ(source.stats().lines, 3u);
}

TEST(LineSourceTest, ResumesFromAnEventsPosition) {
  TempDir dir;
  const fs::path file = dir / "resume.jsonl";
  Write(file, Line("a") + Line("b") + Line("c"));
  StreamPosition after_a;
  {
    EventQueue queue;
    LineSource source(LineSourceOptions{.path = file.string()}, queue);
    ASSERT_EQ(source.Start(), std::nullopt);
    ASSERT_TRUE(source.WaitFinished(seconds(10)));
    after_a = *Take(queue, 3)[0].position;
  }
  Append(file, Line("d"));
  {
    EventQueue queue;
    LineSource source(LineSourceOptions{.path = file.string(), .resume = after_a}, queue);
    ASSERT_EQ(source.Start(), std::nullopt);
    ASSERT_TRUE(source.WaitFinished(seconds(10)));
    std::vector<SourceEvent> events = Take(queue, 3);
    EXPECT_EQ(Ids(events), (std::vector<std::string>{"b", "c", "d"}));
    EXPECT_EQ(events[0].position->line, 2u);
  }
  // Another file at the path (another inode): read from its start.
  fs::rename(file, dir / "old.jsonl");
  Write(file, Line("x") + Line("y"));
  {
    EventQueue queue;
    LineSource source(LineSourceOptions{.path = file.string(), .resume = after_a}, queue);
    ASSERT_EQ(source.Start(), std::nullopt);
    ASSERT_TRUE(source.WaitFinished(seconds(10)));
    EXPECT_EQ(Ids(Take(queue, 2)), (std::vector<std::string>{"x", "y"}));
  }
}

TEST(LineSourceTest, MissingFileIsAnErrorWithoutFollow) {
  TempDir dir;
  EventQueue queue;
  LineSource source(LineSourceOptions{.path = (dir / "nope.jsonl").string()}, queue);
  std::optional<std::string> error = source.Start();
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("nope.jsonl"), std::string::npos);
}

class FollowTest : public testing::TestWithParam<bool> {
 protected:
  LineSourceOptions Options(const fs::path& file) {
    return LineSourceOptions{.path = file.string(),
                             .follow = true,
                             .poll_interval = milliseconds(20),
                             .use_inotify = GetParam()};
  }
};

TEST_P(FollowTest, PicksUpAppendedLines) {
  TempDir dir;
  const fs::path file = dir / "follow.jsonl";
  Write(file, Line("a"));
  EventQueue queue;
  LineSource source(Options(file), queue);
  ASSERT_EQ(source.Start(), std::nullopt);
  EXPECT_EQ(Ids(Take(queue, 1)), std::vector<std::string>{"a"});
  EXPECT_EQ(source.stats().inotify, GetParam());
  Append(file, Line("b"));
  EXPECT_EQ(Ids(Take(queue, 1)), std::vector<std::string>{"b"});
  // A line written in two parts is one event, once its newline is there.
  const std::string c = Line("c");
  Append(file, c.substr(0, 10));
  std::vector<SourceEvent> none;
  EXPECT_EQ(queue.PopBatch(none, 1, std::chrono::steady_clock::now() + milliseconds(100)), 0u);
  Append(file, c.substr(10));
  EXPECT_EQ(Ids(Take(queue, 1)), std::vector<std::string>{"c"});
  EXPECT_FALSE(source.stats().finished);
  const auto start = std::chrono::steady_clock::now();
  source.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(1));
  EXPECT_TRUE(source.stats().finished);
}

TEST_P(FollowTest, FollowsRotation) {
  TempDir dir;
  const fs::path file = dir / "app.jsonl";
  Write(file, Line("a"));
  EventQueue queue;
  LineSource source(Options(file), queue);
  ASSERT_EQ(source.Start(), std::nullopt);
  EXPECT_EQ(Ids(Take(queue, 1)), std::vector<std::string>{"a"});
  // logrotate's create mode: rename, the writer finishes a line in the old file, new file.
  fs::rename(file, dir / "app.jsonl.1");
  Append(dir / "app.jsonl.1", Line("b"));
  Write(file, Line("c") + Line("d"));
  std::vector<SourceEvent> events = Take(queue, 3);
  EXPECT_EQ(Ids(events), (std::vector<std::string>{"b", "c", "d"}));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].position->line, 1u);  // numbering restarts with the new file
  EXPECT_NE(events[1].position->inode, events[0].position->inode);
  EXPECT_EQ(source.stats().rotations, 1u);
  // Delete and recreate.
  fs::remove(file);
  Write(file, Line("e"));
  EXPECT_EQ(Ids(Take(queue, 1)), std::vector<std::string>{"e"});
  EXPECT_EQ(source.stats().rotations, 2u);
}

TEST_P(FollowTest, FollowsTruncation) {
  TempDir dir;
  const fs::path file = dir / "trunc.jsonl";
  Write(file, Line("a") + Line("b"));
  EventQueue queue;
  LineSource source(Options(file), queue);
  ASSERT_EQ(source.Start(), std::nullopt);
  EXPECT_EQ(Ids(Take(queue, 2)), (std::vector<std::string>{"a", "b"}));
  Write(file, "");  // truncate (copytruncate rotation)
  // Wait until the source noticed, so the next write is not mistaken for more of the old file.
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (source.stats().truncations == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  ASSERT_EQ(source.stats().truncations, 1u);
  Append(file, Line("c"));
  std::vector<SourceEvent> events = Take(queue, 1);
  EXPECT_EQ(Ids(events), std::vector<std::string>{"c"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].position->line, 1u);
  EXPECT_EQ(events[0].position->offset, Line("c").size());
}

TEST_P(FollowTest, WaitsForAMissingFile) {
  TempDir dir;
  const fs::path file = dir / "later.jsonl";
  EventQueue queue;
  LineSource source(Options(file), queue);
  ASSERT_EQ(source.Start(), std::nullopt);
  Write(file, Line("a"));
  EXPECT_EQ(Ids(Take(queue, 1)), std::vector<std::string>{"a"});
}

INSTANTIATE_TEST_SUITE_P(Modes, FollowTest, testing::Values(true, false),
                         [](const testing::TestParamInfo<bool>& param_info) {
                           return param_info.param ? "inotify" : "polling";
                         });

class Pipe {
 public:
  Pipe() { EXPECT_EQ(pipe(fds_), 0); }
  ~Pipe() {
    CloseWrite();
    close(fds_[0]);
  }
  int read_fd() const { return fds_[0]; }
  void Write(const std::string& text) {
    EXPECT_EQ(write(fds_[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }
  void CloseWrite() {
    if (fds_[1] >= 0) close(fds_[1]);
    fds_[1] = -1;
  }

 private:
  int fds_[2] = {-1, -1};
};

TEST(PipeSourceTest, ReadsUntilTheWriterCloses) {
  Pipe pipe;
  EventQueue queue;
  std::atomic<bool> finished{false};
  LineSource source(LineSourceOptions{.fd = pipe.read_fd(),
                                      .envelope = {.bare_trigger = "metrics.sample"},
                                      .on_finished = [&] { finished = true; }},
                    queue);
  ASSERT_EQ(source.Start(), std::nullopt);
  pipe.Write(R"({"id":"p1","cpu":1})"
             "\n");
  std::vector<SourceEvent> events = Take(queue, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].trigger, "metrics.sample");
  EXPECT_EQ(events[0].external_id, "p1");
  EXPECT_EQ(events[0].source, "fd:" + std::to_string(pipe.read_fd()));
  EXPECT_EQ(events[0].position->inode, 0u);
  pipe.Write(R"({"id":"p2",)");
  pipe.Write(R"("cpu":2})");  // the last line needs no newline
  pipe.CloseWrite();
  ASSERT_TRUE(source.WaitFinished(seconds(10)));
  EXPECT_TRUE(finished);
  EXPECT_EQ(Ids(Take(queue, 1)), std::vector<std::string>{"p2"});
}

TEST(PipeSourceTest, StopsPromptlyWhileWaitingForInput) {
  Pipe pipe;
  EventQueue queue;
  LineSource source(LineSourceOptions{.fd = pipe.read_fd()}, queue);
  ASSERT_EQ(source.Start(), std::nullopt);
  pipe.Write(Line("a"));
  EXPECT_EQ(Take(queue, 1).size(), 1u);
  const auto start = std::chrono::steady_clock::now();
  source.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(1));
  EXPECT_TRUE(source.stats().finished);
}

TEST(PipeSourceTest, BackPressureBlocksTheSourceAndStopUnblocksIt) {
  Pipe pipe;
  EventQueue queue(EventQueueOptions{.max_events = 2});
  LineSource source(LineSourceOptions{.fd = pipe.read_fd()}, queue);
  ASSERT_EQ(source.Start(), std::nullopt);
  for (int i = 0; i < 5; ++i) pipe.Write(Line(std::to_string(i)));
  // The source fills the queue, then waits for room.
  while (queue.blocked_pushes() == 0) std::this_thread::sleep_for(milliseconds(1));
  EXPECT_EQ(queue.depth(), 2u);
  EXPECT_EQ(source.stats().events, 2u);
  // A consumer makes room: the source goes on.
  std::vector<SourceEvent> events = Take(queue, 5);
  EXPECT_EQ(Ids(events), (std::vector<std::string>{"0", "1", "2", "3", "4"}));
  // Full again, and stopped while blocked.
  for (int i = 5; i < 9; ++i) pipe.Write(Line(std::to_string(i)));
  const uint64_t blocked = queue.blocked_pushes();
  while (queue.blocked_pushes() == blocked) std::this_thread::sleep_for(milliseconds(1));
  const auto start = std::chrono::steady_clock::now();
  source.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(1));
}

TEST(PipeSourceTest, ClosedSinkEndsTheSource) {
  Pipe pipe;
  EventQueue queue;
  queue.Close();
  LineSource source(LineSourceOptions{.fd = pipe.read_fd()}, queue);
  ASSERT_EQ(source.Start(), std::nullopt);
  pipe.Write(Line("a"));
  ASSERT_TRUE(source.WaitFinished(seconds(10)));
  EXPECT_EQ(source.stats().error, "the event sink shut down");
}

}  // namespace
}  // namespace squall::sources
