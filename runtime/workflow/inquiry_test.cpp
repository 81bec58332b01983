// Inquiries over a real SQLite store: the records the engine writes (a running workflow
// execution and its instance document), read back without the program.
#include "runtime/workflow/inquiry.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "runtime/store/sqlite_store.h"

namespace squall::workflow {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const json kSchema = json::parse(
    R"({"type":"object","properties":{"approved":{"type":"boolean"}},"required":["approved"],)"
    R"("additionalProperties":false})");

class InquiryTest : public testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/squall-inquiry-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    std::string error;
    store_ = store::OpenSqliteStore({.state_dir = dir_ / "state"}, &error);
    ASSERT_TRUE(store_) << error;
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  // A workflow run `id` whose strand 2 asks (strand 1 joins it), or whose document says
  // `doc_status`.
  void Record(int64_t id, store::Status status, const std::string& doc_status = "running") {
    store::Execution x;
    x.id = id;
    x.action = "approve";
    x.runner = "workflow";
    x.status = status;
    x.created_at = 1000;
    json doc = {{"workflow", "approve"},
                {"status", doc_status},
                {"next_strand", 3},
                {"steps", 4},
                {"strands", json::array({{{"id", 1},
                                          {"parent", 0},
                                          {"pc", 3},
                                          {"frame", json::object()},
                                          {"dirty", json::array()},
                                          {"handlers", json::array()},
                                          {"waiting", "join"}},
                                         {{"id", 2},
                                          {"parent", 1},
                                          {"pc", 5},
                                          {"frame", json::object()},
                                          {"dirty", json::array()},
                                          {"handlers", json::array()},
                                          {"waiting", "ask"},
                                          {"until", 9000},
                                          {"prompt", "Reboot sw1?"},
                                          {"schema", kSchema},
                                          {"asked_at", 2000}}})}};
    store::WriteBatch batch;
    batch.new_executions.push_back(x);
    batch.workflows.push_back(
        {.execution_id = id, .workflow = "approve", .state_json = doc.dump()});
    ASSERT_TRUE(store_->Commit(std::move(batch)).ok);
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
};

TEST(InquiryIdTest, ParsesAndFormats) {
  EXPECT_EQ(FormatInquiryId(42, 1), "42.1");
  std::optional<InquiryId> id = ParseInquiryId("42.17");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->execution_id, 42);
  EXPECT_EQ(id->strand, 17);
  for (const char* bad : {"", "42", "42.", ".1", "42.1.1", "-1.2", "1.-2", "0.1", "a.b", "+4.1",
                          "1.2x", "99999999999999999999.1"}) {
    EXPECT_FALSE(ParseInquiryId(bad)) << bad;
  }
}

TEST_F(InquiryTest, ListsWaitingAsksOfUnfinishedRuns) {
  Record(5, store::Status::kRunning);
  Record(6, store::Status::kSucceeded);          // ended: the document may lag behind
  Record(7, store::Status::kRunning, "failed");  // ended by the engine
  std::vector<Inquiry> list = ListInquiries(*store_);
  ASSERT_EQ(list.size(), 1u);
  const Inquiry& inquiry = list[0];
  EXPECT_EQ(inquiry.id, "5.2");
  EXPECT_EQ(inquiry.workflow, "approve");
  EXPECT_EQ(inquiry.prompt, "Reboot sw1?");
  EXPECT_EQ(inquiry.schema, kSchema);
  EXPECT_EQ(inquiry.asked_at, 2000);
  EXPECT_EQ(inquiry.timeout_at, 9000);
  EXPECT_EQ(inquiry.ToJson()["id"], "5.2");
}

TEST_F(InquiryTest, FindSaysWhyAnInquiryCannotBeAnswered) {
  Record(5, store::Status::kRunning);
  Record(6, store::Status::kCanceled);
  struct Case {
    const char* id;
    InquiryError::Kind kind;
    const char* message;
  };
  const Case cases[] = {
      {"5", InquiryError::Kind::kBadId,
       "`5` is not an inquiry id (`<workflow run>.<strand>`, e.g. `42.1`, as `squall inquiries "
       "list` prints)"},
      {"8.1", InquiryError::Kind::kUnknown, "no inquiry 8.1: there is no workflow run 8"},
      {"5.9", InquiryError::Kind::kUnknown, "no inquiry 5.9: workflow run 5 has no strand 9"},
      {"5.1", InquiryError::Kind::kNotWaiting,
       "inquiry 5.1 is not waiting for an answer (answered, timed out, or not asking)"},
      {"6.2", InquiryError::Kind::kNotWaiting,
       "inquiry 6.2 is no longer waiting: workflow run 6 canceled"},
  };
  for (const Case& c : cases) {
    InquiryError error;
    EXPECT_FALSE(FindInquiry(*store_, c.id, &error)) << c.id;
    EXPECT_EQ(error.kind, c.kind) << c.id;
    EXPECT_EQ(error.message, c.message);
  }
  InquiryError error;
  std::optional<Inquiry> found = FindInquiry(*store_, "5.2", &error);
  ASSERT_TRUE(found) << error.message;
  EXPECT_EQ(found->prompt, "Reboot sw1?");
}

TEST_F(InquiryTest, ResponseEventChecksAndRoundTrips) {
  Record(5, store::Status::kRunning);
  std::optional<Inquiry> inquiry = FindInquiry(*store_, "5.2", nullptr);
  ASSERT_TRUE(inquiry);
  InquiryError error;
  EXPECT_FALSE(ResponseEvent(*inquiry, json{{"approved", "yes"}}, "bob", "cli", 3000, &error));
  EXPECT_EQ(error.kind, InquiryError::Kind::kInvalid);
  EXPECT_EQ(error.message, R"(`approved`: expected a bool, found "yes")");

  // One claim per ask: the same strand asking again later claims anew.
  EXPECT_EQ(ResponseClaim(*inquiry), "inquiry:5.2@" + std::to_string(inquiry->asked_at));
  Inquiry later = *inquiry;
  later.asked_at += 1;
  EXPECT_NE(ResponseClaim(later), ResponseClaim(*inquiry));

  std::optional<store::NewEvent> event =
      ResponseEvent(*inquiry, json{{"approved", true}}, "bob", "cli", 3000, &error);
  ASSERT_TRUE(event) << error.message;
  EXPECT_EQ(event->trigger, "core.inquiry_response");
  EXPECT_EQ(event->received_at, 3000);
  EXPECT_EQ(json::parse(event->payload_json),
            json::parse(R"({"inquiry":"5.2","execution_id":5,"strand":2,)"
                        R"("response":{"approved":true},"responder":"bob"})"));
  std::optional<InquiryResponse> back = ParseInquiryResponse(event->payload_json);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id.execution_id, 5);
  EXPECT_EQ(back->id.strand, 2);
  EXPECT_EQ(back->response, json({{"approved", true}}));
  EXPECT_EQ(back->responder, "bob");
  for (const char* bad :
       {"[]", "{}", R"({"inquiry": "x", "response": 1})", R"({"inquiry": "5.2"})", "not json"}) {
    EXPECT_FALSE(ParseInquiryResponse(bad)) << bad;
  }
}

}  // namespace
}  // namespace squall::workflow
