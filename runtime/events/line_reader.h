// Splits a byte stream into lines for the decoder, reading large chunks and handing out views
// into its own buffer (only a line that straddles two chunks is moved, once).
//
// A line ends at `\n`; a `\r` right before it is dropped (CRLF); the last line may lack a
// terminator. Not thread-safe. Errors: a read error ends the stream and is kept in error().
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/events/padding.h"

namespace squall::events {

struct LineReaderOptions {
  // A longer line is returned truncated (see Line::truncated) and the rest of it skipped, so
  // memory stays bounded whatever the input. Use the decoder's max_line_bytes.
  size_t max_line_bytes = size_t{1} << 20;
  // Bytes asked for per read.
  size_t chunk_bytes = size_t{1} << 20;
};

struct Line {
  // The line without its terminator. Valid until the next Next() call; followed by at least
  // kInputPadding readable bytes, so it can go to Decoder::DecodePadded.
  std::string_view text;
  uint64_t number = 0;     // 1-based
  bool truncated = false;  // longer than max_line_bytes: `text` is its first max_line_bytes + 1
                           // bytes, which the decoder rejects as kLineTooLong
};

class LineReader {
 public:
  // Reads from a file descriptor (not owned, not closed); read(2) returns what is available,
  // so lines of a live stream (a pipe, stdin) come out as soon as they are complete.
  explicit LineReader(int fd, LineReaderOptions options = {});
  // Reads from a stream. istream::read waits for a whole chunk (or the end): use the file
  // descriptor form for live streams.
  explicit LineReader(std::istream& in, LineReaderOptions options = {});
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line; false at the end of the input or after a read error.
  bool Next(Line& line);
  // The next lines at once, for Decoder::StartBatch: every complete line now in the buffer,
  // terminators included (up to about chunk_bytes), or at the end of the input the last line
  // without a terminator. Valid until the next Next/NextChunk call; followed by at least
  // kInputPadding readable bytes. False at the end of the input or after a read error.
  //
  // A line longer than max_line_bytes is handed over whole when it fits the buffer; otherwise
  // as a chunk of its own holding its first max_line_bytes + 2 bytes (no terminator: too long
  // for the decoder even without a final `\r`), and the rest of it is skipped. Lines handed out
  // here are not counted in Line::number (counting them would cost a pass over the chunk).
  bool NextChunk(std::string_view& chunk);
  // Empty unless reading failed (then strerror's text).
  const std::string& error() const { return error_; }
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  // Drops the tail of an over-long line, through its newline; false when the input ends
  // (or fails) first.
  bool SkipOverlongTail();
  // Reads more input after end_; false at the end or on error.
  bool Fill();
  // Writes a newline after the last line of the input, as after any other.
  void EndLastLine();
  std::ptrdiff_t ReadSome(char* into, size_t size);

  LineReaderOptions options_;
  int fd_ = -1;
  std::istream* stream_ = nullptr;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;  // usable bytes of buffer_ (kInputPadding more are allocated)
  size_t begin_ = 0;     // start of the unread data
  size_t scanned_ = 0;   // [begin_, scanned_) holds no '\n'
  size_t end_ = 0;       // end of the data read
  bool eof_ = false;
  bool skipping_ = false;  // discarding the rest of an over-long line
  uint64_t lines_ = 0;
  uint64_t bytes_read_ = 0;
  std::string error_;
};

}  // namespace squall::events
