#include "runtime/sources/line_source.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace squall::sources {
namespace {

constexpr size_t kChunkBytes = size_t{64} << 10;
// With inotify a change wakes the thread at once; the periodic check only covers events
// inotify cannot see (a file system that does not report changes, such as some network ones).
constexpr int kInotifySafetyMs = 2000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

bool IsBlank(std::string_view text) {
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

}  // namespace

std::string BadLine::ToString() const {
  return (path.empty() ? source : path) + ":" + std::to_string(line) + ": " +
         std::string(LineRejectName(reason)) + ": " + message;
}

// The thread's state: the open input, the line being assembled and the follow machinery.
struct LineSource::Reader {
  enum class Outcome : uint8_t { kContinue, kEof, kStopped, kRefused, kError };

  LineSource& owner;
  const LineSourceOptions& options;
  std::stop_token stop;
  EnvelopeParser parser;
  Envelope envelope;

  int fd = -1;
  bool owns_fd = false;
  bool regular = false;
  uint64_t inode = 0;
  uint64_t device = 0;
  uint64_t offset = 0;      // file offset of the next byte read
  uint64_t line_start = 0;  // file offset of the current line's first byte
  uint64_t line_no = 1;     // number of the current line
  std::string pending;      // the current line's bytes read so far
  bool skipping = false;    // the current line is too long: drop bytes up to its newline
  std::vector<char> chunk = std::vector<char>(kChunkBytes);
  std::string error;

  int inotify_fd = -1;
  int file_wd = -1;

  Reader(LineSource& source, std::stop_token stop_token)
      : owner(source),
        options(source.options_),
        stop(std::move(stop_token)),
        parser(source.options_.envelope) {}

  ~Reader() {
    if (owns_fd && fd >= 0) close(fd);
    if (inotify_fd >= 0) close(inotify_fd);
  }

  bool path_mode() const { return !options.path.empty(); }

  void ResetPosition() {
    offset = line_start = 0;
    line_no = 1;
    pending.clear();
    skipping = false;
  }

  // Takes `new_fd` as the current input, from its start or from `resume`.
  void Adopt(int new_fd, bool owned, const std::optional<StreamPosition>& resume) {
    fd = new_fd;
    owns_fd = owned;
    ResetPosition();
    struct stat st {};
    if (fstat(fd, &st) == 0) {
      regular = S_ISREG(st.st_mode);
      inode = regular ? static_cast<uint64_t>(st.st_ino) : 0;
      device = static_cast<uint64_t>(st.st_dev);
      if (resume && regular && (resume->inode == 0 || resume->inode == inode) &&
          resume->offset <= static_cast<uint64_t>(st.st_size) &&
          lseek(fd, static_cast<off_t>(resume->offset), SEEK_SET) >= 0) {
        offset = line_start = resume->offset;
        line_no = resume->line + 1;
      }
    }
    std::lock_guard lock(owner.mu_);
    owner.stats_.position = StreamPosition{.inode = inode, .offset = offset, .line = line_no - 1};
    if (inotify_fd >= 0) {
      if (file_wd >= 0) inotify_rm_watch(inotify_fd, file_wd);
      file_wd = inotify_add_watch(inotify_fd, options.path.c_str(),
                                  IN_MODIFY | IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF);
    }
  }

  void SetUpInotify() {
    if (!options.use_inotify) return;
    inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_fd < 0) return;
    // The directory: a file created or renamed into `path` (rotation, or the file appearing).
    if (inotify_add_watch(inotify_fd, DirName(options.path).c_str(),
                          IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE) < 0) {
      close(inotify_fd);
      inotify_fd = -1;
      return;
    }
    std::lock_guard lock(owner.mu_);
    owner.stats_.inotify = true;
  }

  void Report(LineReject reason, std::string message, uint64_t line, uint64_t at) {
    {
      std::lock_guard lock(owner.mu_);
      ++owner.stats_.rejected;
      ++owner.stats_.by_reason[static_cast<size_t>(reason)];
    }
    if (options.on_bad_line) {
      options.on_bad_line(BadLine{.source = options.source_name,
                                  .path = options.path,
                                  .line = line,
                                  .offset = at,
                                  .reason = reason,
                                  .message = std::move(message)});
    }
  }

  // A line has ended at `end` (the offset after its newline, or of the end of input).
  void CountLine(uint64_t end, bool blank) {
    std::lock_guard lock(owner.mu_);
    ++owner.stats_.lines;
    if (blank) ++owner.stats_.blank;
    owner.stats_.position = StreamPosition{.inode = inode, .offset = end, .line = line_no};
  }

  // One complete line (without its newline). False when the sink refused its event.
  bool HandleLine(std::string_view text, uint64_t end) {
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    const bool blank = IsBlank(text);
    CountLine(end, blank);
    const uint64_t number = line_no++;
    if (blank) return true;
    const EnvelopeResult result = parser.Parse(text, envelope);
    if (!result.ok()) {
      Report(result.reason, result.message, number, line_start);
      return true;
    }
    SourceEvent event{.trigger = std::move(envelope.trigger),
                      .parameters_json = std::move(envelope.parameters_json),
                      .payload_json = std::move(envelope.payload_json),
                      .source = options.source_name,
                      .external_id = std::move(envelope.id),
                      .received_at_ms = NowMs(),
                      .position = StreamPosition{.inode = inode, .offset = end, .line = number}};
    if (!owner.sink_.Push(std::move(event), stop)) return false;
    std::lock_guard lock(owner.mu_);
    ++owner.stats_.events;
    return true;
  }

  void StartSkipping() {
    Report(LineReject::kLineTooLong,
           "the line is longer than " + std::to_string(options.max_line_bytes) + " bytes", line_no,
           line_start);
    skipping = true;
    pending.clear();
  }

  void EndSkipped(uint64_t end) {
    CountLine(end, /*blank=*/false);
    ++line_no;
    skipping = false;
  }

  // Splits `size` bytes read at `offset` into lines. False when the sink refused an event.
  bool Feed(const char* data, size_t size) {
    const uint64_t base = offset;
    size_t pos = 0;
    while (pos < size) {
      const auto* newline = static_cast<const char*>(std::memchr(data + pos, '\n', size - pos));
      if (newline == nullptr) {
        const size_t rest = size - pos;
        if (!skipping) {
          if (pending.size() + rest > options.max_line_bytes) {
            StartSkipping();
          } else {
            pending.append(data + pos, rest);
          }
        }
        break;
      }
      const size_t length = static_cast<size_t>(newline - (data + pos));
      const uint64_t end = base + pos + length + 1;
      bool ok = true;
      if (skipping) {
        EndSkipped(end);
      } else if (pending.size() + length > options.max_line_bytes) {
        StartSkipping();
        EndSkipped(end);
      } else if (pending.empty()) {
        ok = HandleLine(std::string_view(data + pos, length), end);  // no copy
      } else {
        pending.append(data + pos, length);
        ok = HandleLine(pending, end);
        pending.clear();
      }
      line_start = end;
      pos += length + 1;
      if (!ok) {
        offset = end;
        return false;
      }
    }
    offset = base + size;
    std::lock_guard lock(owner.mu_);
    owner.stats_.bytes += size;
    return true;
  }

  // At the end of an input for good: its last line needs no newline.
  bool FlushPartial() {
    bool ok = true;
    if (skipping) {
      EndSkipped(offset);
    } else if (!pending.empty()) {
      ok = HandleLine(pending, offset);
      pending.clear();
    }
    line_start = offset;
    return ok;
  }

  // One read. kContinue after data, kEof at end of input.
  Outcome ReadOnce() {
    const ssize_t n = read(fd, chunk.data(), chunk.size());
    if (n > 0) {
      return Feed(chunk.data(), static_cast<size_t>(n)) ? Outcome::kContinue : Refused();
    }
    if (n == 0) return Outcome::kEof;
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) return Outcome::kContinue;
    error = Errno("cannot read " + (path_mode() ? options.path : options.source_name));
    return Outcome::kError;
  }

  Outcome Refused() const { return stop.stop_requested() ? Outcome::kStopped : Outcome::kRefused; }

  // Blocks until `watch_fd` (-1: none) is readable, inotify reports a change, Stop() is
  // called or `timeout_ms` (-1: none) passes.
  void Wait(int watch_fd, int timeout_ms) {
    pollfd fds[3];
    nfds_t count = 0;
    fds[count++] = pollfd{.fd = owner.wake_fd_, .events = POLLIN, .revents = 0};
    if (inotify_fd >= 0) fds[count++] = pollfd{.fd = inotify_fd, .events = POLLIN, .revents = 0};
    if (watch_fd >= 0) fds[count++] = pollfd{.fd = watch_fd, .events = POLLIN, .revents = 0};
    if (poll(fds, count, timeout_ms) > 0 && inotify_fd >= 0) {
      // Any change is only a reason to look again: drain the notifications unread.
      alignas(inotify_event) char buffer[4096];
      while (read(inotify_fd, buffer, sizeof buffer) > 0) {
      }
    }
  }

  int FollowTimeoutMs() const {
    return inotify_fd >= 0 ? kInotifySafetyMs : static_cast<int>(options.poll_interval.count());
  }

  // Follow mode at end of file: handles truncation and rotation. kContinue when there is
  // something new to read (or a new file), kEof when nothing changed.
  Outcome CheckFile() {
    struct stat st {};
    if (fstat(fd, &st) == 0 && static_cast<uint64_t>(st.st_size) < offset) {
      // Truncated (`> file`, copytruncate rotation): read it again from its start.
      if (lseek(fd, 0, SEEK_SET) < 0) {
        error = Errno("cannot seek " + options.path);
        return Outcome::kError;
      }
      ResetPosition();
      std::lock_guard lock(owner.mu_);
      ++owner.stats_.truncations;
      return Outcome::kContinue;
    }
    struct stat at_path {};
    if (stat(options.path.c_str(), &at_path) != 0) return Outcome::kEof;  // gone: wait for it
    if (static_cast<uint64_t>(at_path.st_ino) == inode &&
        static_cast<uint64_t>(at_path.st_dev) == device) {
      return Outcome::kEof;
    }
    // Rotated: what was appended to the old file before the rename is read first.
    while (true) {
      const Outcome outcome = ReadOnce();
      if (outcome == Outcome::kEof) break;
      if (outcome != Outcome::kContinue) return outcome;
      if (stop.stop_requested()) return Outcome::kStopped;
    }
    if (!FlushPartial()) return Refused();
    const int new_fd = open(options.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (new_fd < 0) return Outcome::kEof;  // replaced and gone again: keep waiting
    if (owns_fd) close(fd);
    Adopt(new_fd, /*owned=*/true, std::nullopt);
    std::lock_guard lock(owner.mu_);
    ++owner.stats_.rotations;
    return Outcome::kContinue;
  }

  // The loop of a file named by `path`.
  Outcome RunPath(int opened_fd) {
    if (options.follow) SetUpInotify();
    if (opened_fd >= 0) Adopt(opened_fd, /*owned=*/true, options.resume);
    while (!stop.stop_requested()) {
      if (fd < 0) {  // follow mode, the file does not exist (yet)
        const int new_fd = open(options.path.c_str(), O_RDONLY | O_CLOEXEC);
        if (new_fd < 0) {
          Wait(-1, FollowTimeoutMs());
          continue;
        }
        Adopt(new_fd, /*owned=*/true, options.resume);
        continue;
      }
      Outcome outcome = ReadOnce();
      if (outcome == Outcome::kContinue) continue;
      if (outcome != Outcome::kEof) return outcome;
      if (!options.follow) return FlushPartial() ? Outcome::kEof : Refused();
      outcome = CheckFile();
      if (outcome == Outcome::kContinue) continue;
      if (outcome != Outcome::kEof) return outcome;
      Wait(-1, FollowTimeoutMs());
    }
    return Outcome::kStopped;
  }

  // The loop of a descriptor.
  Outcome RunFd() {
    Adopt(options.fd, /*owned=*/false, std::nullopt);
    while (!stop.stop_requested()) {
      // A pipe or terminal is read only when poll() says so: read() would block past Stop().
      if (!regular) {
        Wait(fd, -1);
        if (stop.stop_requested()) break;
      }
      Outcome outcome = ReadOnce();
      if (outcome == Outcome::kContinue) continue;
      if (outcome != Outcome::kEof) return outcome;
      if (regular && options.follow) {
        Wait(-1, static_cast<int>(options.poll_interval.count()));
        continue;
      }
      return FlushPartial() ? Outcome::kEof : Refused();
    }
    return Outcome::kStopped;
  }
};

LineSource::LineSource(LineSourceOptions options, EventSink& sink)
    : options_(std::move(options)), sink_(sink) {}

LineSource::~LineSource() {
  Stop();
  if (wake_fd_ >= 0) close(wake_fd_);
  if (file_fd_ >= 0) close(file_fd_);
}

std::optional<std::string> LineSource::Start() {
  {
    std::lock_guard lock(mu_);
    if (started_) return "the source was already started";
    started_ = true;
  }
  if (options_.path.empty() && options_.fd < 0) return "no file and no descriptor to read";
  if (options_.source_name.empty()) {
    options_.source_name = !options_.path.empty() ? "file:" + options_.path
                           : options_.fd == 0     ? "stdin"
                                                  : "fd:" + std::to_string(options_.fd);
  }
  if (options_.max_line_bytes == 0) options_.max_line_bytes = 1;
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) return Errno("cannot create an eventfd");
  if (!options_.path.empty()) {
    file_fd_ = open(options_.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (file_fd_ < 0 && !(options_.follow && errno == ENOENT)) {
      return Errno("cannot open " + options_.path);
    }
  }
  thread_ = std::jthread([this](std::stop_token stop) { Run(std::move(stop)); });
  return std::nullopt;
}

void LineSource::Run(std::stop_token stop) {
  Reader reader(*this, stop);
  Reader::Outcome outcome;
  if (!options_.path.empty()) {
    const int fd = file_fd_;
    file_fd_ = -1;  // the reader owns it now
    outcome = reader.RunPath(fd);
  } else {
    outcome = reader.RunFd();
  }
  switch (outcome) {
    case Reader::Outcome::kStopped:
      Finish("", /*stopped=*/true);
      break;
    case Reader::Outcome::kRefused:
      Finish("the event sink shut down", /*stopped=*/false);
      break;
    case Reader::Outcome::kError:
      Finish(reader.error, /*stopped=*/false);
      break;
    default:
      Finish("", /*stopped=*/false);
      break;
  }
}

void LineSource::Finish(std::string error, bool stopped) {
  {
    std::lock_guard lock(mu_);
    stats_.error = std::move(error);
  }
  // Before `finished` is set: once WaitFinished returns, the callback has run.
  if (!stopped && options_.on_finished) options_.on_finished();
  {
    std::lock_guard lock(mu_);
    stats_.finished = true;
  }
  finished_cv_.notify_all();
}

void LineSource::Stop() {
  std::lock_guard stop_lock(stop_mu_);
  if (!thread_.joinable()) return;
  thread_.request_stop();
  const uint64_t one = 1;
  // Wakes poll(); the counter stays set, so every later poll() returns at once too.
  [[maybe_unused]] ssize_t written = write(wake_fd_, &one, sizeof one);
  thread_.join();
}

bool LineSource::WaitFinished(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return finished_cv_.wait_for(lock, timeout, [&] { return stats_.finished; });
}

LineSourceStats LineSource::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace squall::sources
