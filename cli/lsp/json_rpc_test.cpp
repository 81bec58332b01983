#include "cli/lsp/json_rpc.h"

#include <gtest/gtest.h>

#include <sstream>
#include <streambuf>
#include <string>

namespace squall::lsp {
namespace {

using Status = ReadResult::Status;

// A stream buffer that hands out its data at most `chunk` bytes per underflow, like a pipe
// delivering a message in pieces.
class ChunkedBuffer : public std::streambuf {
 public:
  ChunkedBuffer(std::string data, size_t chunk) : data_(std::move(data)), chunk_(chunk) {}

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (position_ >= data_.size()) return traits_type::eof();
    size_t n = std::min(chunk_, data_.size() - position_);
    char* begin = data_.data() + position_;
    setg(begin, begin, begin + n);
    position_ += n;
    return traits_type::to_int_type(*gptr());
  }

 private:
  std::string data_;
  size_t chunk_;
  size_t position_ = 0;
};

TEST(JsonRpcTest, ReadsConsecutiveMessages) {
  std::istringstream in(Frame("{\"a\":1}") + Frame("[]"));
  MessageReader reader(in);
  ReadResult first = reader.Read();
  ASSERT_EQ(first.status, Status::kMessage);
  EXPECT_EQ(first.body, "{\"a\":1}");
  ReadResult second = reader.Read();
  ASSERT_EQ(second.status, Status::kMessage);
  EXPECT_EQ(second.body, "[]");
  ReadResult end = reader.Read();
  EXPECT_EQ(end.status, Status::kEof);
  EXPECT_EQ(end.error, "");
}

TEST(JsonRpcTest, AssemblesOneByteReads) {
  std::string body = "{\"text\":\"é🚨\"}";  // multi-byte: Content-Length counts bytes
  ChunkedBuffer buffer(Frame(body) + Frame("{}"), 1);
  std::istream in(&buffer);
  MessageReader reader(in);
  ReadResult first = reader.Read();
  ASSERT_EQ(first.status, Status::kMessage);
  EXPECT_EQ(first.body, body);
  EXPECT_EQ(reader.Read().body, "{}");
}

TEST(JsonRpcTest, HeadersAreCaseInsensitiveAndOthersIgnored) {
  std::istringstream in(
      "content-type: application/vscode-jsonrpc; charset=utf-8\r\nCONTENT-LENGTH:  2\r\n\r\n{}"
      "Content-Length: 2\n\n[]");
  MessageReader reader(in);
  EXPECT_EQ(reader.Read().body, "{}");
  EXPECT_EQ(reader.Read().body, "[]");  // bare "\n" line ends
}

TEST(JsonRpcTest, BadHeadersAreSkipped) {
  struct Case {
    const char* name;
    std::string input;
    std::string error;
  };
  const Case cases[] = {
      {"missing length", "Content-Type: x\r\n\r\n", "missing Content-Length header"},
      {"not a number", "Content-Length: ten\r\n\r\n", "bad Content-Length `ten`"},
      {"negative", "Content-Length: -1\r\n\r\n", "bad Content-Length `-1`"},
      {"no colon", "garbage\r\n\r\n", "malformed header line `garbage`"},
      {"too long", "Content-Length: 100\r\n\r\n" + std::string(100, 'x'),
       "Content-Length 100 exceeds the limit of 10 bytes"},
  };
  for (const Case& c : cases) {
    std::istringstream in(c.input + Frame("{}"));
    MessageReader reader(in, 10);
    ReadResult bad = reader.Read();
    EXPECT_EQ(bad.status, Status::kBadHeader) << c.name;
    EXPECT_EQ(bad.error, c.error) << c.name;
    ReadResult next = reader.Read();
    EXPECT_EQ(next.status, Status::kMessage) << c.name;
    EXPECT_EQ(next.body, "{}") << c.name;
  }
}

TEST(JsonRpcTest, TruncatedInputIsEofWithAReason) {
  {
    std::istringstream in("Content-Length: 10\r\n\r\n{\"a\"");
    ReadResult r = MessageReader(in).Read();
    EXPECT_EQ(r.status, Status::kEof);
    EXPECT_EQ(r.error, "the stream ended inside a message body");
  }
  {
    std::istringstream in("Content-Length: 10\r\n");
    ReadResult r = MessageReader(in).Read();
    EXPECT_EQ(r.status, Status::kEof);
    EXPECT_EQ(r.error, "the stream ended inside a header block");
  }
}

TEST(JsonRpcTest, WriterFramesAndReplacesInvalidUtf8) {
  std::ostringstream out;
  MessageWriter writer(out);
  writer.Write({{"id", 1}, {"s", "é"}});
  writer.Write({{"s", std::string("\xff")}});
  std::istringstream in(out.str());
  MessageReader reader(in);
  EXPECT_EQ(reader.Read().body, "{\"id\":1,\"s\":\"é\"}");
  EXPECT_EQ(reader.Read().body, "{\"s\":\"\xEF\xBF\xBD\"}");
}

TEST(JsonRpcTest, ErrorResponseShape) {
  EXPECT_EQ(ErrorResponse(7, kMethodNotFound, "no").dump(),
            "{\"error\":{\"code\":-32601,\"message\":\"no\"},\"id\":7,\"jsonrpc\":\"2.0\"}");
  EXPECT_EQ(ErrorResponse(nullptr, kParseError, "bad")["id"], nullptr);
}

}  // namespace
}  // namespace squall::lsp
