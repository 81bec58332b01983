#include "runtime/events/line_reader.h"

#include <string.h>  // memrchr
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace squall::events {

LineReader::LineReader(int fd, LineReaderOptions options) : options_(options), fd_(fd) {
  // Room for a whole line of the maximum length plus one chunk; zeroed, so the padding after
  // the last line is initialized memory.
  capacity_ = options_.max_line_bytes + 1 + std::max<size_t>(options_.chunk_bytes, 1);
  buffer_ = std::make_unique<char[]>(capacity_ + kInputPadding);
}

LineReader::LineReader(std::istream& in, LineReaderOptions options) : LineReader(-1, options) {
  stream_ = &in;
}

LineReader::~LineReader() = default;

std::ptrdiff_t LineReader::ReadSome(char* into, size_t size) {
  if (stream_ != nullptr) {
    stream_->read(into, static_cast<std::streamsize>(size));
    const std::streamsize got = stream_->gcount();
    if (got == 0 && stream_->bad()) {
      error_ = "read error";
      return -1;
    }
    return got;
  }
  while (true) {
    const ssize_t got = ::read(fd_, into, size);
    if (got >= 0) return got;
    if (errno == EINTR) continue;
    error_ = std::strerror(errno);
    return -1;
  }
}

void LineReader::EndLastLine() {
  // What follows a line can decide which error the decoder reports for a malformed one (a `}`
  // there makes simdjson check the brackets' balance first), and bytes of earlier reads lie
  // there otherwise: the result would depend on how the input was cut into reads. (Within the
  // padding: end_ <= capacity_.)
  buffer_[end_] = '\n';
}

bool LineReader::Fill() {
  if (eof_) return false;
  if (begin_ > 0) {
    // Move the partial line to the front: the only copy a line ever gets.
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    scanned_ -= begin_;
    begin_ = 0;
  }
  const size_t room = std::min(capacity_ - end_, std::max<size_t>(options_.chunk_bytes, 1));
  const std::ptrdiff_t got = ReadSome(buffer_.get() + end_, room);
  if (got <= 0) {
    eof_ = true;
    return false;
  }
  end_ += static_cast<size_t>(got);
  bytes_read_ += static_cast<uint64_t>(got);
  return true;
}

bool LineReader::SkipOverlongTail() {
  const char* const data = buffer_.get();
  while (true) {
    const auto* newline =
        static_cast<const char*>(std::memchr(data + scanned_, '\n', end_ - scanned_));
    if (newline != nullptr) {
      begin_ = scanned_ = static_cast<size_t>(newline - data) + 1;
      skipping_ = false;
      return true;
    }
    begin_ = scanned_ = end_;
    if (!Fill()) {
      skipping_ = false;
      return false;
    }
  }
}

bool LineReader::Next(Line& line) {
  char* const data = buffer_.get();
  while (true) {
    if (skipping_ && !SkipOverlongTail()) return false;
    const auto* newline =
        static_cast<const char*>(std::memchr(data + scanned_, '\n', end_ - scanned_));
    if (newline != nullptr) {
      const size_t stop = static_cast<size_t>(newline - data);
      size_t length = stop - begin_;
      if (length > 0 && data[begin_ + length - 1] == '\r') --length;
      line.text = std::string_view(data + begin_, length);
      line.truncated = length > options_.max_line_bytes;
      if (line.truncated) line.text = line.text.substr(0, options_.max_line_bytes + 1);
      line.number = ++lines_;
      begin_ = scanned_ = stop + 1;
      return true;
    }
    scanned_ = end_;
    if (end_ - begin_ > options_.max_line_bytes + 1) {
      // Too long already: hand out its start and skip the rest.
      line.text = std::string_view(data + begin_, options_.max_line_bytes + 1);
      line.truncated = true;
      line.number = ++lines_;
      begin_ = scanned_ = begin_ + options_.max_line_bytes + 1;
      skipping_ = true;
      return true;
    }
    if (!Fill()) {
      if (!error_.empty() || begin_ == end_) return false;
      // The last line, without a terminator: give it one (see EndLastLine).
      EndLastLine();
      size_t length = end_ - begin_;
      if (data[begin_ + length - 1] == '\r') --length;
      line.text = std::string_view(data + begin_, length);
      line.truncated = length > options_.max_line_bytes;
      line.number = ++lines_;
      begin_ = scanned_ = end_;
      return true;
    }
  }
}

bool LineReader::NextChunk(std::string_view& chunk) {
  char* const data = buffer_.get();
  while (true) {
    if (skipping_ && !SkipOverlongTail()) return false;
    // Every complete line: up to the last newline (found from the end, in a few bytes).
    const auto* last = static_cast<const char*>(memrchr(data + scanned_, '\n', end_ - scanned_));
    if (last != nullptr) {
      const size_t stop = static_cast<size_t>(last - data) + 1;
      chunk = std::string_view(data + begin_, stop - begin_);
      begin_ = scanned_ = stop;
      return true;
    }
    scanned_ = end_;
    if (end_ - begin_ > options_.max_line_bytes + 1) {
      // Too long already (at least max_line_bytes + 2 bytes, no newline): hand out that much,
      // which stays too long for the decoder even if it ends with a `\r`, and skip the rest.
      const size_t size = options_.max_line_bytes + 2;
      chunk = std::string_view(data + begin_, size);
      begin_ = scanned_ = begin_ + size;
      skipping_ = true;
      return true;
    }
    if (!Fill()) {
      if (!error_.empty() || begin_ == end_) return false;
      EndLastLine();
      chunk = std::string_view(data + begin_, end_ - begin_);  // the last line, unterminated
      begin_ = scanned_ = end_;
      return true;
    }
  }
}

}  // namespace squall::events
