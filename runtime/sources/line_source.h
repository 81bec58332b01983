// JSON-lines event sources: a file (optionally followed like `tail -F`) or a descriptor such
// as stdin or a pipe. Each line is an event envelope (docs/events.md, see envelope.h); events
// go to an EventSink, bad lines to a callback; neither stops the source.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "runtime/sources/envelope.h"
#include "runtime/sources/source_event.h"

namespace squall::sources {

// A line that is not an event: reported through LineSourceOptions::on_bad_line.
struct BadLine {
  std::string source;   // LineSourceOptions::source_name
  std::string path;     // the file ("" for a descriptor)
  uint64_t line = 0;    // 1-based line number (blank lines count; counted from `resume.line`)
  uint64_t offset = 0;  // byte offset of the line's first byte
  LineReject reason = LineReject::kNone;
  std::string message;

  // `path:line: reason: message` (the source name instead of an empty path).
  std::string ToString() const;
};

struct LineSourceOptions {
  // The file to read. Empty: read `fd` instead.
  std::string path;
  // When `path` is empty: the descriptor to read (stdin, a pipe, a socket or a file). Not
  // closed by the source; must stay open until the source is stopped or destroyed.
  int fd = -1;
  // SourceEvent::source. Default: `file:<path>`, `stdin` for fd 0, else `fd:<n>`.
  std::string source_name;
  // Keep reading what is appended after the end of the file, like `tail -F`: a file that was
  // truncated is read again from its start, a file replaced at `path` (rotation: rename or
  // delete plus a new file, noticed by inode change) is read to its end and the new one from
  // its start, and a missing file is waited for. Without follow the source finishes at end of
  // file. A pipe or terminal always finishes when its writer closes it.
  bool follow = false;
  // Where to start in `path` (a position of a previous run's event): used when the file still
  // has that inode (or `inode` is 0) and is at least `offset` bytes long, else the file is read
  // from its start. Ignored for descriptors.
  std::optional<StreamPosition> resume;
  // Lines longer than this (without the newline) are skipped and reported `line_too_long`.
  size_t max_line_bytes = size_t{1} << 20;
  EnvelopeOptions envelope;
  // Follow mode: how often the file is checked when inotify is not available (or disabled).
  std::chrono::milliseconds poll_interval{250};
  bool use_inotify = true;
  // Called on the source's thread for every rejected line. May be empty.
  std::function<void(const BadLine&)> on_bad_line;
  // Called on the source's thread when it finishes on its own (end of input without follow,
  // the writer of a pipe closed it, a read error, or the sink refused an event); not called
  // after Stop(). WaitFinished returns after it has returned. May be empty.
  std::function<void()> on_finished;
};

struct LineSourceStats {
  uint64_t lines = 0;  // lines read, blank and rejected included
  uint64_t blank = 0;
  uint64_t events = 0;  // events the sink accepted
  uint64_t rejected = 0;
  std::array<uint64_t, kLineRejectCount> by_reason{};  // indexed by LineReject
  uint64_t bytes = 0;                                  // bytes read
  uint64_t rotations = 0;
  uint64_t truncations = 0;
  StreamPosition position;  // after the last complete line read (event or not)
  bool inotify = false;     // follow mode is driven by inotify (else by polling)
  bool finished = false;    // the thread has ended
  std::string error;        // why it ended, when it was an error ("" otherwise)
};

// One thread reading one file or descriptor. Thread safety: Start, Stop, WaitFinished and
// stats may be called from any thread; Start once. The callbacks must not call Stop() (it
// joins the thread they run on).
class LineSource {
 public:
  // `sink` must outlive the source.
  LineSource(LineSourceOptions options, EventSink& sink);
  ~LineSource();  // Stop()
  LineSource(const LineSource&) = delete;
  LineSource& operator=(const LineSource&) = delete;

  // Opens the input and starts the thread. Returns an error message (and starts nothing)
  // when the file cannot be opened (a missing file is waited for in follow mode), no input
  // was given, or system resources are lacking.
  std::optional<std::string> Start();

  // Stops the thread promptly (it may be blocked on input, on inotify or on a full sink) and
  // joins it. An event being pushed when Stop is called may be dropped. Idempotent.
  void Stop();

  // Waits until the thread has ended on its own or was stopped; false on timeout.
  bool WaitFinished(std::chrono::milliseconds timeout);

  LineSourceStats stats() const;

 private:
  struct Reader;
  void Run(std::stop_token stop);
  void Finish(std::string error, bool stopped);

  LineSourceOptions options_;
  EventSink& sink_;
  int wake_fd_ = -1;    // eventfd: Stop() wakes a thread waiting in poll()
  int file_fd_ = -1;    // the file opened by Start (path mode), handed to the thread
  std::mutex stop_mu_;  // serialises Stop() calls
  mutable std::mutex mu_;
  std::condition_variable finished_cv_;
  LineSourceStats stats_;
  bool started_ = false;
  std::jthread thread_;
};

}  // namespace squall::sources
