#include "runtime/events/decoder.h"

#include <simdjson.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <unordered_map>
#include <utility>

#include "compiler/source/check.h"
#include "compiler/source/utf8.h"
#include "runtime/events/time_text.h"

namespace squall::events {
namespace {

namespace od = simdjson::ondemand;
using types::TypeKind;

static_assert(kInputPadding >= simdjson::SIMDJSON_PADDING);

// Nesting walked below a raw-text slot (each level is one stack frame of Visit). Values the
// plan does not read are skipped by simdjson without recursion, at any depth.
constexpr int kMaxWalkDepth = 512;
// The parser's first allocation; it grows (doubling) up to max_line_bytes.
constexpr size_t kInitialCapacity = size_t{64} << 10;

bool IsJsonWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view TrimRight(std::string_view text) {
  while (!text.empty() && IsJsonWhitespace(text.back())) text.remove_suffix(1);
  return text;
}

// Whether `text` holds a backslash (memchr: for short strings, glibc's vector version beats a
// word-at-a-time loop, whose varying trip count costs mispredicted branches).
bool HasBackslash(std::string_view text) {
  return std::memchr(text.data(), '\\', text.size()) != nullptr;
}

// RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view text) {
  size_t pos = 0;
  auto digits = [&] {
    const size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    return pos - start;
  };
  if (pos < text.size() && text[pos] == '-') ++pos;
  if (pos < text.size() && text[pos] == '0') {
    ++pos;
  } else if (digits() == 0) {
    return false;
  }
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    if (digits() == 0) return false;
  }
  if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    ++pos;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) ++pos;
    if (digits() == 0) return false;
  }
  return pos == text.size();
}

bool IsIntegerToken(std::string_view token) {
  return token.find_first_of(".eE") == std::string_view::npos;
}

std::string_view JsonTypeName(od::json_type type) {
  switch (type) {
    case od::json_type::array:
      return "an array";
    case od::json_type::object:
      return "an object";
    case od::json_type::number:
      return "a number";
    case od::json_type::string:
      return "a string";
    case od::json_type::boolean:
      return "a boolean";
    case od::json_type::null:
      return "null";
  }
  return "a value";
}

// Appends the text a JSON string literal's inside (between the quotes, already known to be
// free of raw control characters and valid UTF-8) stands for. False on an invalid escape.
bool AppendUnescaped(std::string_view inner, std::string& out) {
  auto hex4 = [&](size_t pos, uint32_t& value) {
    if (pos + 4 > inner.size()) return false;
    value = 0;
    for (size_t i = pos; i < pos + 4; ++i) {
      const char c = inner[i];
      uint32_t digit = 0;
      if (c >= '0' && c <= '9') {
        digit = static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        digit = static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        digit = static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
      value = value * 16 + digit;
    }
    return true;
  };
  for (size_t pos = 0; pos < inner.size();) {
    const char c = inner[pos];
    if (c != '\\') {
      out.push_back(c);
      ++pos;
      continue;
    }
    if (pos + 1 >= inner.size()) return false;
    const char escape = inner[pos + 1];
    pos += 2;
    switch (escape) {
      case '"':
      case '\\':
      case '/':
        out.push_back(escape);
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'u': {
        uint32_t unit = 0;
        if (!hex4(pos, unit)) return false;
        pos += 4;
        if (unit >= 0xDC00 && unit <= 0xDFFF) return false;  // a lone low surrogate
        if (unit >= 0xD800 && unit <= 0xDBFF) {
          uint32_t low = 0;
          if (pos + 2 > inner.size() || inner[pos] != '\\' || inner[pos + 1] != 'u' ||
              !hex4(pos + 2, low) || low < 0xDC00 || low > 0xDFFF) {
            return false;
          }
          pos += 6;
          unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
        }
        source::AppendUtf8(out, static_cast<char32_t>(unit));
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

// Heterogeneous lookup of trigger refs by string_view.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

}  // namespace

std::string_view RejectReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kMalformedJson:
      return "malformed_json";
    case RejectReason::kNotAnObject:
      return "not_an_object";
    case RejectReason::kMissingTrigger:
      return "missing_trigger";
    case RejectReason::kInvalidTrigger:
      return "invalid_trigger";
    case RejectReason::kMissingPayload:
      return "missing_payload";
    case RejectReason::kInvalidPayload:
      return "invalid_payload";
    case RejectReason::kInvalidId:
      return "invalid_id";
    case RejectReason::kUnknownTrigger:
      return "unknown_trigger";
    case RejectReason::kLineTooLong:
      return "line_too_long";
  }
  return "?";
}

class Decoder::Impl {
 public:
  Impl(DecoderOptions options, std::vector<DecoderPlan> plans)
      : options_(std::move(options)), plans_(std::move(plans)) {
    size_t max_nodes = 1;
    for (size_t i = 0; i < plans_.size(); ++i) {
      const bool inserted =
          plan_by_trigger_.emplace(plans_[i].trigger_ref(), static_cast<uint32_t>(i)).second;
      SQUALL_CHECK(inserted, "Decoder: two plans for trigger `" + plans_[i].trigger_ref() + "`");
      max_nodes = std::max(max_nodes, plans_[i].nodes().size());
    }
    seen_.assign(max_nodes, 0);
    // One core: no stage 1 thread running ahead (and our ranges are one simdjson batch each).
    stream_parser_.threaded = false;
    const bool bare = options_.mode == DecodeMode::kBare;
    if (bare) {
      SQUALL_CHECK(!options_.bare_trigger.empty(), "Decoder: bare mode without a trigger");
      if (auto it = plan_by_trigger_.find(options_.bare_trigger); it != plan_by_trigger_.end()) {
        bare_plan_index_ = it->second;
      }
    }
    const std::string_view id_field =
        bare ? std::string_view(options_.bare_id_field) : std::string_view();
    for (size_t i = 0; i < plans_.size(); ++i) {
      key_tables_.push_back(BuildKeyTables(plans_[i], i == bare_plan_index_ ? id_field : ""));
    }
    empty_plan_tables_ = BuildKeyTables(empty_plan_, id_field);
  }

  enum class RawMatch : uint8_t { kEqual, kDifferent, kUnknown };

  // A key of a trie node as VisitFields compares it with a payload's raw key text: a child's
  // key, or the id field at the bare-mode root (or both).
  struct KeyCandidate {
    // When `short_key`: the JSON text of the key and its closing quote (at most 16 bytes, so the
    // key is plain and at most 15 bytes long), little-endian, and which of those bytes count;
    // compared with the raw text 8 bytes at a time, without a loop.
    std::array<uint64_t, 2> text{};
    std::array<uint64_t, 2> mask{};
    bool short_key = false;
    bool plain = true;   // see DecoderPlan::Edge::plain
    bool last = false;   // the last candidate with this first byte
    bool is_id = false;  // the bare-mode id field
    // When the child is a leaf with one slot that keeps no raw text (the common case): that
    // slot, whose value goes to TryFastPath without a call to Visit.
    bool leaf = false;
    types::TypeKind leaf_kind = types::TypeKind::kJson;
    SlotIndex leaf_slot = 0;
    uint32_t index = 0;    // among the node's candidates: its bit in VisitFields' `seen`
    int32_t child = -1;    // the node the key leads to, or -1 (the id field only)
    std::string_view key;  // unescaped (owned by the plan or the options)
  };

  // Per trie node: its candidates by the first byte of a raw key (the byte after its opening
  // quote). Most keys of a payload start with a byte no candidate starts with and are skipped
  // after one lookup.
  struct KeyTable {
    static constexpr uint32_t kNone = 0;
    static constexpr uint32_t kEscape = UINT32_MAX;  // `\`: read (unescape) the key
    std::array<uint32_t, 256> first{};               // else 1 + index of the first candidate
    std::vector<KeyCandidate> candidates;            // grouped by first byte
  };

  // `id_field`: the bare-mode id key, matched at the root; empty for none.
  static std::vector<KeyTable> BuildKeyTables(const DecoderPlan& plan, std::string_view id_field) {
    const std::vector<DecoderPlan::Node>& nodes = plan.nodes();
    std::vector<KeyTable> tables(nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i) {
      std::vector<KeyCandidate> candidates;
      auto add = [&](std::string_view key, int32_t child, bool is_id) {
        for (KeyCandidate& candidate : candidates) {
          if (candidate.key == key) {  // the id field is also a child's key
            candidate.child = std::max(candidate.child, child);
            candidate.is_id = candidate.is_id || is_id;
            return;
          }
        }
        KeyCandidate candidate;
        candidate.key = key;
        candidate.child = child;
        candidate.is_id = is_id;
        candidate.plain = std::none_of(key.begin(), key.end(), [](char c) {
          return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
        });
        if (std::endian::native == std::endian::little && candidate.plain && key.size() < 16) {
          candidate.short_key = true;
          std::array<char, 16> text{};
          std::array<char, 16> mask{};
          std::memcpy(text.data(), key.data(), key.size());
          text[key.size()] = '"';
          std::fill(mask.begin(), mask.begin() + static_cast<std::ptrdiff_t>(key.size()) + 1,
                    static_cast<char>(0xff));
          std::memcpy(candidate.text.data(), text.data(), 16);
          std::memcpy(candidate.mask.data(), mask.data(), 16);
        }
        candidates.push_back(candidate);
      };
      for (const DecoderPlan::Edge& edge : nodes[i].children) {
        add(edge.key, static_cast<int32_t>(edge.node), /*is_id=*/false);
      }
      if (i == 0 && !id_field.empty()) add(id_field, -1, /*is_id=*/true);
      std::stable_sort(candidates.begin(), candidates.end(),
                       [](const KeyCandidate& a, const KeyCandidate& b) {
                         return DecoderPlan::FirstByte(a.key) < DecoderPlan::FirstByte(b.key);
                       });
      KeyTable& table = tables[i];
      for (size_t c = 0; c < candidates.size(); ++c) {
        KeyCandidate& candidate = candidates[c];
        const unsigned char first = DecoderPlan::FirstByte(candidate.key);
        if (table.first[first] == KeyTable::kNone) {
          table.first[first] = static_cast<uint32_t>(c + 1);
        }
        candidate.last =
            c + 1 == candidates.size() || DecoderPlan::FirstByte(candidates[c + 1].key) != first;
        candidate.index = static_cast<uint32_t>(c);
        if (candidate.child >= 0) {
          const DecoderPlan::Node& child = nodes[static_cast<size_t>(candidate.child)];
          if (child.children.empty() && child.slots.size() == 1 && !child.has_raw_slot) {
            candidate.leaf = true;
            candidate.leaf_kind = child.slots[0].kind;
            candidate.leaf_slot = child.slots[0].index;
          }
        }
      }
      table.first['\\'] = KeyTable::kEscape;
      table.candidates = std::move(candidates);
    }
    return tables;
  }

  // Where the line being decoded is.
  enum class Input : uint8_t {
    kCopy,    // Decode: copied into buffer_ first
    kPadded,  // DecodePadded: in place
    kBatch,   // DecodeNext: the current document of the batch's stream, else in place
  };

  DecodeResult Decode(std::string_view line, DecodedEvent& out, Input input) {
    ++stats_.lines;
    if (std::all_of(line.begin(), line.end(), IsJsonWhitespace)) {
      ++stats_.blank;
      return DecodeResult{.outcome = DecodeResult::Outcome::kBlank, .line = stats_.lines};
    }
    out_ = &out;
    ResetEvent();

    bool ok = false;
    if (line.size() > options_.max_line_bytes) {
      if (input == Input::kBatch) SkipStreamDocument();
      ok = Fail(RejectReason::kLineTooLong, "line is " + std::to_string(line.size()) +
                                                " bytes, longer than the limit of " +
                                                std::to_string(options_.max_line_bytes));
    } else if (input == Input::kCopy) {
      if (buffer_capacity_ < line.size()) {
        buffer_capacity_ =
            std::max(line.size(), std::min(2 * buffer_capacity_ + 256, options_.max_line_bytes));
        buffer_ = std::make_unique<char[]>(buffer_capacity_ + kInputPadding);
      }
      std::memcpy(buffer_.get(), line.data(), line.size());
      // Not a stale `}`: simdjson rescans the whole line for balance when it sees one there.
      buffer_[line.size()] = ' ';
      ok = DecodeJson(buffer_.get(), line.size(), buffer_capacity_ + kInputPadding);
    } else {
      ok = input == Input::kBatch && batch_.streaming && DecodeStreamDocument(line);
      if (!ok) {
        // Not from a batch's stream, or the stream could not vouch for this line: decode it on
        // its own, which gives the authoritative outcome and message.
        if (input == Input::kBatch) {
          ResetEvent();
          ++stats_.batch_lines_alone;
        }
        ok = DecodeJson(line.data(), line.size(), line.size() + kInputPadding);
      }
    }
    out_ = nullptr;
    if (!ok) {
      ++stats_.rejected;
      ++stats_.by_reason[static_cast<size_t>(reason_)];
      return DecodeResult{.outcome = DecodeResult::Outcome::kRejected,
                          .reason = reason_,
                          .line = stats_.lines,
                          .message = message_};
    }
    ++stats_.events;
    return DecodeResult{.outcome = DecodeResult::Outcome::kEvent, .line = stats_.lines};
  }

  void StartBatch(std::string_view text) {
    batch_ = Batch{};
    batch_.next = text.data();
    batch_.end = text.data() + text.size();
    batch_.range_end = batch_.next;
  }

  bool DecodeNext(DecodedEvent& out, DecodeResult& result) {
    const char* const start = batch_.next;
    if (start == batch_.end) return false;
    if (start >= batch_.range_end) {
      PlanRange(start);
    } else if (batch_.restart) {
      batch_.restart = false;
      if (!StartStream(start)) PlanRange(start);  // stage 1 failed over the rest: cut smaller
    }
    const auto* newline =
        static_cast<const char*>(std::memchr(start, '\n', static_cast<size_t>(batch_.end - start)));
    const char* stop = newline != nullptr ? newline : batch_.end;
    batch_.next = newline != nullptr ? newline + 1 : batch_.end;
    size_t size = static_cast<size_t>(stop - start);
    if (size > 0 && start[size - 1] == '\r') --size;
    result = Decode(std::string_view(start, size), out, Input::kBatch);
    return true;
  }

  const DecoderPlan* FindPlan(std::string_view trigger_ref) const {
    auto it = plan_by_trigger_.find(trigger_ref);
    return it == plan_by_trigger_.end() ? nullptr : &plans_[it->second];
  }

  DecoderOptions options_;
  std::vector<DecoderPlan> plans_;
  DecoderStats stats_;

 private:
  // Whether the payload needs visiting at all.
  static bool ReadsAnything(const DecoderPlan& plan) {
    const DecoderPlan::Node& root = plan.nodes()[0];
    return !root.slots.empty() || !root.children.empty();
  }

  bool Fail(RejectReason reason, std::string message) {
    reason_ = reason;
    message_ = std::move(message);
    return false;
  }

  bool Malformed(simdjson::error_code error) {
    return Fail(RejectReason::kMalformedJson,
                std::string("invalid JSON: ") + simdjson::error_message(error));
  }

  // Selects the plan of `index` (or none) and sizes the slots.
  void UsePlan(uint32_t index) {
    if (index == DecodedEvent::kNoPlan) {
      out_->slots.clear();
      return;
    }
    plan_ = &plans_[index];
    out_->plan = plan_;
    out_->plan_index = index;
    out_->slots.assign(plan_->slot_count(), Slot{});
  }

  void NextEpoch() {
    if (++epoch_ == 0) {
      std::fill(seen_.begin(), seen_.end(), 0);
      epoch_ = 1;
    }
  }

  // Clears what a previous decode left in the event (the strings keep their capacity). The
  // slots are left to UsePlan, which every decoded event goes through.
  void ResetEvent() {
    out_->line = stats_.lines;
    out_->id.clear();
    out_->id_assigned = false;
    out_->plan = nullptr;
    out_->plan_index = DecodedEvent::kNoPlan;
    out_->storage_.clear();
    plan_ = nullptr;
  }

  // Decodes one line on its own: simdjson's stage 1 over the line, then the object.
  bool DecodeJson(const char* data, size_t size, size_t capacity) {
    if (parser_.capacity() < size) {
      const size_t grown = std::max(
          size,
          std::min(std::max(2 * parser_.capacity(), kInitialCapacity), options_.max_line_bytes));
      if (auto error = parser_.allocate(grown)) return Malformed(error);
    }
    input_begin_ = data;
    input_end_ = data + size;
    in_stream_ = false;
    doc_ = &line_doc_;
    if (auto error = parser_.iterate(data, size, capacity).get(line_doc_)) return Malformed(error);
    od::json_type type;
    if (auto error = doc_->type().get(type)) return Malformed(error);
    if (type != od::json_type::object) {
      // On-Demand guesses a scalar's type from its first byte (`nope` looks like `null`):
      // read the scalar before calling the line a valid non-object.
      bool valid = true;
      switch (type) {
        case od::json_type::null: {
          bool is_null = false;
          valid = doc_->is_null().get(is_null) == simdjson::SUCCESS && is_null;
          break;
        }
        case od::json_type::boolean: {
          bool value = false;
          valid = doc_->get_bool().get(value) == simdjson::SUCCESS;
          break;
        }
        case od::json_type::number: {
          double value = 0;
          valid = doc_->get_double().get(value) == simdjson::SUCCESS;
          break;
        }
        case od::json_type::string: {
          std::string_view value;
          valid = doc_->get_string().get(value) == simdjson::SUCCESS;
          break;
        }
        default:
          break;
      }
      if (!valid) return Fail(RejectReason::kMalformedJson, "invalid JSON: not a JSON value");
      return Fail(RejectReason::kNotAnObject, std::string("the line is ") +
                                                  std::string(JsonTypeName(type)) +
                                                  ", expected a JSON object");
    }
    return DecodeObject();
  }

  // The top-level object of *doc_: the envelope or the bare payload, then the id.
  bool DecodeObject() {
    NextEpoch();
    const bool ok = options_.mode == DecodeMode::kBare ? DecodeBare() : DecodeEnvelope();
    if (!ok) return false;
    if (out_->id.empty() && !out_->id_assigned) {
      out_->id = "event-";
      char digits[24];
      auto [end, ec] = std::to_chars(digits, digits + sizeof digits, out_->line);
      out_->id.append(digits, end);
      out_->id_assigned = true;
    }
    return true;
  }

  // ---- Batches -------------------------------------------------------------------------------
  //
  // A batch's text is cut into ranges of whole lines of at most kStreamBytes, and simdjson's
  // iterate_many runs stage 1 over a range at once, then yields its documents one by one. A
  // document is only trusted for line k when it starts at line k's first non-blank byte and
  // nothing but whitespace lies between the end of line k and the next document (CheckAtEnd;
  // so the last line of a range, which no document follows, is always decoded on its own):
  // then the document is exactly line k, and since stage 1 succeeded over the range (no string
  // crosses a newline: a raw newline in a string is a stage 1 error), stage 1 saw line k's bytes
  // just as it would on their own, so the walk reads the same tokens as DecodePadded would. Any
  // other case (a rejected line, a stage 1 error, a document that is not its line) is decoded
  // again on its own, and the stream is dropped: after a failed walk simdjson's iterator cannot
  // go on. Up to kStreamRestarts times per range a new stream starts after that line; then the
  // rest of the range is decoded line by line, which bounds the extra stage 1 work a range full
  // of bad lines can cause (and ranges shrink where bad lines are: see PlanRange).
  //
  // The range handed to simdjson leaves out its last newline: simdjson reads the byte after the
  // range where a token after its last one would be (a `}` there would close an unclosed object),
  // and that byte is then the newline, which is never a token.

  // Chosen on the benchmark file: larger ranges are barely faster, and a bad line costs its
  // range more (docs/performance.md).
  static constexpr size_t kStreamBytes = size_t{64} << 10;
  static constexpr size_t kMinStreamBytes = size_t{1} << 10;
  static constexpr int kStreamRestarts = 2;

  struct Batch {
    const char* next = nullptr;        // the first byte of the next line
    const char* end = nullptr;         // the end of the batch's text
    const char* range_end = nullptr;   // the end of the current range (after its last newline)
    const char* stream_end = nullptr;  // the end of the text given to the stream
    bool streaming = false;            // stream_ and doc_it_ serve the lines up to range_end
    bool advance = false;              // doc_it_ still points at the previous document
    bool start_known = false;          // the next document starts where the next line's text does
    bool restart = false;              // start a new stream at the next line
    int restarts_left = 0;
    size_t range_bytes = kStreamBytes;  // the size of the next range (see PlanRange)
    bool range_clean = false;  // the current range had no stage 1 error and restarts to spare
  };

  // Cuts the next range from `start` and starts its stream. Ranges adapt to bad lines: when
  // stage 1 fails over a range (an invalid UTF-8 sequence, a control character or an unclosed
  // string somewhere), it is cut again 8 times smaller, down to kMinStreamBytes, where its lines
  // are decoded on their own; a range that used up its restarts makes the next one 8 times
  // smaller too; and after a range without either, the next one is 8 times larger again (up to
  // kStreamBytes). So a burst of bad lines costs little more than decoding them line by line.
  void PlanRange(const char* start) {
    if (batch_.range_clean) batch_.range_bytes = std::min(batch_.range_bytes * 8, kStreamBytes);
    batch_.range_clean = true;
    batch_.restart = false;
    batch_.restarts_left = kStreamRestarts;
    while (true) {
      batch_.streaming = false;
      const size_t remaining = static_cast<size_t>(batch_.end - start);
      const auto* last_newline =
          static_cast<const char*>(memrchr(start, '\n', std::min(remaining, batch_.range_bytes)));
      if (last_newline == nullptr) {
        // A line longer than a range, or the last line without a newline (nothing after it for
        // simdjson to stop at): decoded on its own.
        const auto* newline = static_cast<const char*>(std::memchr(start, '\n', remaining));
        batch_.range_end = newline != nullptr ? newline + 1 : batch_.end;
        return;
      }
      batch_.range_end = last_newline + 1;
      // One line: the stream's last document, which is decoded on its own anyway.
      if (std::memchr(start, '\n', static_cast<size_t>(last_newline - start)) == nullptr) return;
      if (StartStream(start)) return;
      batch_.range_clean = false;
      if (batch_.range_bytes == kMinStreamBytes) return;  // line by line up to range_end
      batch_.range_bytes = std::max(batch_.range_bytes / 8, kMinStreamBytes);
    }
  }

  // A stream over the lines from `start` to the end of the range; runs stage 1 over them.
  // False when stage 1 fails (the stream is not used then).
  bool StartStream(const char* start) {
    batch_.streaming = false;
    batch_.advance = false;
    batch_.start_known = false;
    batch_.stream_end = batch_.range_end - 1;     // the range's last newline, left out
    if (batch_.stream_end <= start) return true;  // only a newline: a blank line
    if (stream_parser_
            .iterate_many(start, static_cast<size_t>(batch_.stream_end - start), kStreamBytes)
            .get(stream_)) {
      return false;
    }
    doc_it_ = stream_.begin();  // runs stage 1; its error comes with the first document
    if (doc_it_ != stream_.end() && (*doc_it_).error() != simdjson::SUCCESS) return false;
    batch_.streaming = true;
    return true;
  }

  // Passes over the stream's document for a line that is not decoded from it (simdjson skips it
  // by its brackets; the next document's start is checked as usual).
  void SkipStreamDocument() {
    if (!batch_.streaming) return;
    if (batch_.advance) ++doc_it_;
    batch_.advance = true;
    batch_.start_known = false;
  }

  // After a document the stream could not vouch for.
  void DropStream(bool may_restart) {
    batch_.streaming = false;
    if (may_restart && batch_.restarts_left > 0) {
      --batch_.restarts_left;
      batch_.restart = true;
    } else if (may_restart && batch_.range_clean) {
      // Out of restarts: the rest of this range goes line by line, and the next is smaller.
      batch_.range_clean = false;
      batch_.range_bytes = std::max(batch_.range_bytes / 8, kMinStreamBytes);
    }
  }

  // Decodes `line` (not blank, not too long) from the batch's stream. False: the stream cannot
  // vouch for it (the event is then in an unspecified state, and the stream dropped).
  bool DecodeStreamDocument(std::string_view line) {
    if (batch_.advance) ++doc_it_;
    batch_.advance = false;
    if (!(doc_it_ != stream_.end())) {
      DropStream(/*may_restart=*/false);
      return false;
    }
    od::document_reference reference;
    if ((*doc_it_).get(reference)) {  // not expected: StartStream saw stage 1 pass
      DropStream(/*may_restart=*/false);
      return false;
    }
    batch_.advance = true;
    od::document& doc = reference;
    if (!batch_.start_known) {
      const char* first = line.data();
      while (IsJsonWhitespace(*first)) ++first;  // not blank: stops inside the line
      const char* location = nullptr;
      if (doc.current_location().get(location) || location != first) {
        DropStream(/*may_restart=*/true);
        return false;
      }
    }
    input_begin_ = line.data();
    input_end_ = line.data() + line.size();
    in_stream_ = true;
    doc_ = &doc;
    // (A document that is not an object fails in get_object(), and is decoded again.)
    if (!DecodeObject()) {
      DropStream(/*may_restart=*/true);
      return false;
    }
    // CheckAtEnd found the next document where the next non-blank line starts: no need to check
    // its start again.
    batch_.start_known = true;
    return true;
  }

  // After the top-level object: anything but the end of the line is an error. For a document of
  // a batch's stream, the next token is the next document's first: only whitespace may lie
  // between the end of this line and it, else this document is not exactly its line (more on
  // the line, or an object that went on over the next lines). The stream's last document is
  // never vouched for: at the end of its input simdjson silently leaves out a trailing
  // incomplete document, an unclosed string and a partial UTF-8 sequence (in case the input
  // was cut in the middle of them), so "no more tokens" does not mean "nothing more".
  bool CheckAtEnd() {
    const char* location = nullptr;
    const bool more = doc_->current_location().get(location) == simdjson::SUCCESS;
    if (!in_stream_) {
      if (more) {
        return Fail(RejectReason::kMalformedJson, "invalid JSON: text after the top-level object");
      }
      return true;
    }
    const char* next = more ? location : nullptr;
    if (next == nullptr || next < input_end_ || next > batch_.stream_end) {
      return Fail(RejectReason::kMalformedJson, "invalid JSON: not one document per line");
    }
    for (const char* p = input_end_; p < next; ++p) {
      if (!IsJsonWhitespace(*p)) {
        return Fail(RejectReason::kMalformedJson, "invalid JSON: not one document per line");
      }
    }
    return true;
  }

  bool DecodeBare() {
    if (out_->trigger != options_.bare_trigger) out_->trigger = options_.bare_trigger;
    UsePlan(bare_plan_index_);
    nodes_ = (plan_ != nullptr ? *plan_ : empty_plan_).nodes().data();
    tables_ = plan_ != nullptr ? key_tables_[bare_plan_index_].data() : empty_plan_tables_.data();
    const DecoderPlan::Node& root = nodes_[0];
    // The document's get_object(), not a value's: for a root object simdjson checks that the
    // line ends with its `}` and, if the byte after the line is a `}` too, that the brackets
    // balance; otherwise an unclosed object could run on into the bytes after the line.
    od::object object;
    if (auto error = doc_->get_object().get(object)) return Malformed(error);
    // A raw-text slot of the whole payload needs the whole payload checked.
    const bool validate = options_.full_validation || root.has_raw_slot;
    if (!VisitFields(object, &root, validate, /*depth=*/0, /*root=*/true)) return false;
    if (!CheckAtEnd()) return false;
    if (!root.slots.empty()) {
      std::string_view text(input_begin_, static_cast<size_t>(input_end_ - input_begin_));
      while (IsJsonWhitespace(text.front())) text.remove_prefix(1);  // not blank: has `{`
      FillContainer(root, /*is_object=*/true, TrimRight(text));
    }
    return true;
  }

  // The key of `field`, unescaped; no copy unless it has escapes.
  bool ReadKey(od::field& field, std::string_view& key) {
    const char* raw = field.key().raw();
    const char* end = raw;
    while (*end != '"' && *end != '\\') ++end;  // simdjson checked the string is closed
    if (*end == '"') {
      key = std::string_view(raw, static_cast<size_t>(end - raw));
      return true;
    }
    if (auto error = field.unescaped_key().get(key)) return Malformed(error);
    return true;
  }

  bool DecodeEnvelope() {
    od::object envelope;
    if (auto error = doc_->get_object().get(envelope)) return Malformed(error);
    bool have_trigger = false, have_payload = false, have_id = false, payload_deferred = false;
    uint32_t plan_index = DecodedEvent::kNoPlan;
    bool plan_resolved = false;
    auto resolve_plan = [&] {
      if (plan_resolved) return;
      plan_resolved = true;
      if (auto it = plan_by_trigger_.find(out_->trigger); it != plan_by_trigger_.end()) {
        plan_index = it->second;
      }
    };
    for (auto field_result : envelope) {
      // By reference: copying the field into a local costs a store-forwarding stall.
      if (auto error = field_result.error()) return Malformed(error);
      od::field& field = field_result.value_unsafe();
      std::string_view key;
      if (!ReadKey(field, key)) return false;
      od::value& value = field.value();
      const bool validate = options_.full_validation;
      if (key == "trigger" && !have_trigger) {  // the first occurrence of a key wins
        have_trigger = true;
        od::json_type type;
        if (auto error = value.type().get(type)) return Malformed(error);
        if (type != od::json_type::string) {
          return Fail(RejectReason::kInvalidTrigger,
                      "`trigger` is " + std::string(JsonTypeName(type)) + ", expected a string");
        }
        std::string_view trigger;
        if (auto error = value.get_string().get(trigger)) return Malformed(error);
        if (trigger.empty()) return Fail(RejectReason::kInvalidTrigger, "`trigger` is empty");
        out_->trigger.assign(trigger);
      } else if (key == "payload" && !have_payload) {
        have_payload = true;
        od::json_type type;
        if (auto error = value.type().get(type)) return Malformed(error);
        if (type != od::json_type::object) {
          return Fail(RejectReason::kInvalidPayload,
                      "`payload` is " + std::string(JsonTypeName(type)) + ", expected an object");
        }
        if (have_trigger) {
          resolve_plan();
          UsePlan(plan_index);
        } else {
          payload_deferred = true;  // visited in a second pass, once the trigger is known
        }
        if (plan_ != nullptr && ReadsAnything(*plan_)) {
          nodes_ = plan_->nodes().data();
          tables_ = key_tables_[plan_index].data();
          if (!Visit(value, &nodes_[0], validate, 1)) return false;
        } else if (validate && !Visit(value, nullptr, true, 1)) {
          return false;
        }
      } else if (key == "id" && !have_id) {
        have_id = true;
        bool valid = false;
        if (!ReadId(value, valid)) return false;
        if (!valid && !IsNull(value)) {
          return Fail(RejectReason::kInvalidId, "`id` must be a string or an integer");
        }
      } else if (validate && !Visit(value, nullptr, true, 1)) {
        return false;
      }
    }
    if (!CheckAtEnd()) return false;
    if (!have_trigger) return Fail(RejectReason::kMissingTrigger, "no `trigger` key");
    if (!have_payload) return Fail(RejectReason::kMissingPayload, "no `payload` key");
    resolve_plan();
    if (plan_index == DecodedEvent::kNoPlan && options_.known_triggers_only) {
      return Fail(RejectReason::kUnknownTrigger, "unknown trigger `" + out_->trigger + "`");
    }
    if (payload_deferred) {
      UsePlan(plan_index);
      if (plan_ != nullptr && ReadsAnything(*plan_)) return VisitDeferredPayload();
    }
    return true;
  }

  // The payload came before the trigger: rewind and visit the first `payload`. (Rewinding
  // reuses the parser's string buffer; the trigger and id are already copied out.)
  bool VisitDeferredPayload() {
    doc_->rewind();
    od::object envelope;
    if (auto error = doc_->get_object().get(envelope)) return Malformed(error);
    for (auto field_result : envelope) {
      // By reference: copying the field into a local costs a store-forwarding stall.
      if (auto error = field_result.error()) return Malformed(error);
      od::field& field = field_result.value_unsafe();
      std::string_view key;
      if (!ReadKey(field, key)) return false;
      if (key != "payload") continue;
      nodes_ = plan_->nodes().data();
      tables_ = key_tables_[out_->plan_index].data();
      return Visit(field.value(), &nodes_[0], /*validate=*/false, 1);  // validated before
    }
    return true;  // not reached: the first pass saw the payload
  }

  // `"id": null` counts as no id.
  static bool IsNull(od::value& value) {
    bool is_null = false;
    return value.is_null().get(is_null) == simdjson::SUCCESS && is_null;
  }

  // ReadId for an id field that is no slot, the common case inline: a string without escapes.
  bool ReadIdFast(od::value& value) {
    const std::string_view token = TrimRight(value.raw_json_token());
    od::raw_json_string ignored;
    if (token.size() >= 2 && token.front() == '"' && token.back() == '"' &&
        !HasBackslash(token.substr(1, token.size() - 2)) &&
        value.get_raw_json_string().get(ignored) == simdjson::SUCCESS) {  // moves past it
      out_->id.assign(token.substr(1, token.size() - 2));
      return true;
    }
    bool valid = false;
    if (!ReadId(value, valid)) return false;
    if (!valid) out_->id.clear();  // a payload field like any other: assign an id instead
    return true;
  }

  // Reads an id (a string or an integer) into out_->id; `valid` is false for other values.
  bool ReadId(od::value& value, bool& valid) {
    valid = false;
    // The token, not get_string(): the same value may also be a slot (bare mode), and
    // simdjson unescapes a string once. Its first byte gives the type as value.type() would
    // (without that call's jump table: a measurable part of the id's cost).
    const std::string_view token = TrimRight(value.raw_json_token());
    const char first = token.empty() ? '\0' : token.front();
    if (first == '"') {
      // Move past the string (no unescaping): simdjson, skipping a string it was not asked
      // for, would take a `:` after it for a key's and swallow what follows.
      od::raw_json_string ignored;
      if (auto error = value.get_raw_json_string().get(ignored)) return Malformed(error);
      if (token.size() < 2 || token.back() != '"') {
        return Fail(RejectReason::kMalformedJson, "invalid JSON: malformed string");
      }
      const std::string_view inner = token.substr(1, token.size() - 2);
      out_->id.clear();
      if (!HasBackslash(inner)) {
        out_->id.assign(inner);
      } else if (!AppendUnescaped(inner, out_->id)) {
        return Fail(RejectReason::kMalformedJson, "invalid JSON: bad escape in a string");
      }
      valid = true;
    } else if (first == '-' || (first >= '0' && first <= '9')) {
      if (!IsIntegerToken(token)) return true;  // a float: not an id
      if (!IsJsonNumber(token)) {
        return Fail(RejectReason::kMalformedJson, "invalid JSON: malformed number");
      }
      out_->id.assign(token);
      valid = true;
    } else if (first != '{' && first != '[' && first != 'n' && first != 't' && first != 'f') {
      return Malformed(simdjson::TAPE_ERROR);  // what value.type() reports
    }
    return true;
  }

  // Visits `value` at trie node `node` (null: a value no slot reads, visited only to validate
  // it). Fills the node's slots, descends into the keys of the trie, and with `validate`
  // checks the whole value (needed below a raw-text slot, whose text must be valid JSON).
  bool Visit(od::value& value, const DecoderPlan::Node* node, bool validate, int depth) {
    if (depth > kMaxWalkDepth) {
      return Fail(RejectReason::kMalformedJson, "invalid JSON: nested deeper than " +
                                                    std::to_string(kMaxWalkDepth) +
                                                    " levels inside a value the rules read");
    }
    if (node != nullptr && !validate && node->slots.size() == 1 && node->children.empty()) {
      const Fast fast = TryFastPath(value, node->slots[0].kind, node->slots[0].index);
      if (fast != Fast::kGeneral) return fast == Fast::kDone;
    }
    od::json_type type;
    if (auto error = value.type().get(type)) return Malformed(error);
    const bool has_slots = node != nullptr && !node->slots.empty();
    const bool raw = node != nullptr && node->has_raw_slot;
    validate = validate || raw;

    switch (type) {
      case od::json_type::object: {
        const char* start = raw ? value.raw_json_token().data() : nullptr;
        if (validate || (node != nullptr && !node->children.empty())) {
          od::object object;
          if (auto error = value.get_object().get(object)) return Malformed(error);
          if (!VisitFields(object, node, validate, depth, /*root=*/false)) return false;
        }
        if (has_slots) {
          std::string_view text;
          if (raw && !TextSince(start, value, text)) return false;
          FillContainer(*node, /*is_object=*/true, text);
        }
        return true;
      }
      case od::json_type::array: {
        const char* start = raw ? value.raw_json_token().data() : nullptr;
        if (validate) {
          od::array array;
          if (auto error = value.get_array().get(array)) return Malformed(error);
          for (auto element_result : array) {
            od::value element;
            if (auto error = std::move(element_result).get(element)) return Malformed(error);
            if (!Visit(element, nullptr, true, depth + 1)) return false;
          }
        }
        if (has_slots) {
          std::string_view text;
          if (raw && !TextSince(start, value, text)) return false;
          FillContainer(*node, /*is_object=*/false, text);
        }
        return true;
      }
      case od::json_type::string:
        return (has_slots || validate) ? VisitString(value, node) : true;
      case od::json_type::number:
        return (has_slots || validate) ? VisitNumber(value, node) : true;
      case od::json_type::boolean: {
        if (!has_slots && !validate) return true;
        bool boolean = false;
        if (auto error = value.get_bool().get(boolean)) return Malformed(error);
        if (!has_slots) return true;
        const std::string_view token = TrimRight(value.raw_json_token());
        for (const DecoderPlan::NodeSlot& node_slot : node->slots) {
          Slot& slot = out_->slots[node_slot.index];
          const TypeKind kind = node_slot.kind;
          if (kind == TypeKind::kBool) {
            slot.state = SlotState::kPresent;
            slot.boolean = boolean;
          } else if (kind == TypeKind::kJson) {
            slot.state = SlotState::kPresent;
            slot.text = token;
          } else {
            slot.state = SlotState::kWrongType;
          }
        }
        return true;
      }
      case od::json_type::null: {
        if (!has_slots && !validate) return true;
        bool is_null = false;
        if (auto error = value.is_null().get(is_null)) return Malformed(error);
        if (!is_null) return Fail(RejectReason::kMalformedJson, "invalid JSON: bad literal");
        if (!has_slots) return true;
        for (const DecoderPlan::NodeSlot& node_slot : node->slots) {
          out_->slots[node_slot.index].state = SlotState::kNull;
        }
        return true;
      }
    }
    return true;
  }

  // The common case of one slot at a leaf holding a value of the slot's kind: one simdjson
  // call. kGeneral when the value needs the general path (another type, a number to check);
  // the failed call consumed nothing that path needs.
  enum class Fast : uint8_t { kDone, kGeneral, kFailed };
  // (Comparisons, not a switch: its jump table costs more here.)
  [[gnu::always_inline]] Fast TryFastPath(od::value& value, TypeKind kind, SlotIndex index) {
    Slot& slot = out_->slots[index];
    if (kind == TypeKind::kString) {
      std::string_view text;
      const simdjson::error_code error = value.get_string().get(text);
      if (error == simdjson::INCORRECT_TYPE) return Fast::kGeneral;  // not a string
      if (error) {  // a bad escape: the general path must not unescape it a second time
        Malformed(error);
        return Fast::kFailed;
      }
      slot.state = SlotState::kPresent;
      slot.text = text;
      return Fast::kDone;
    }
    if (kind == TypeKind::kFloat) {
      if (value.get_double().get(slot.number) != simdjson::SUCCESS) return Fast::kGeneral;
    } else if (kind == TypeKind::kInt) {
      if (value.get_int64().get(slot.integer) != simdjson::SUCCESS) return Fast::kGeneral;
    } else if (kind == TypeKind::kBool) {
      if (value.get_bool().get(slot.boolean) != simdjson::SUCCESS) return Fast::kGeneral;
    } else {
      return Fast::kGeneral;
    }
    slot.state = SlotState::kPresent;
    return Fast::kDone;
  }

  // The text of a container value from `start` (its first byte) to where the walk over it left
  // the parser, without trailing whitespace.
  bool TextSince(const char* start, od::value& value, std::string_view& text) {
    const char* end = input_end_;
    const char* location = nullptr;
    if (value.current_location().get(location) == simdjson::SUCCESS) end = location;
    if (start == nullptr || end < start || end > input_end_) {
      // Not expected after a successful walk; never read outside the line.
      return Fail(RejectReason::kMalformedJson, "invalid JSON: unbalanced value");
    }
    text = TrimRight(std::string_view(start, static_cast<size_t>(end - start)));
    return true;
  }

  // Slots of a node whose value is an object or array; `text` is the value's JSON text (set
  // when the node has a raw-text slot).
  void FillContainer(const DecoderPlan::Node& node, bool is_object, std::string_view text) {
    for (const DecoderPlan::NodeSlot& node_slot : node.slots) {
      Slot& slot = out_->slots[node_slot.index];
      const TypeKind kind = node_slot.kind;
      const bool accepts = kind == TypeKind::kJson ||
                           (is_object && (kind == TypeKind::kMap || kind == TypeKind::kRecord)) ||
                           (!is_object && kind == TypeKind::kList);
      if (accepts) {
        slot.state = SlotState::kPresent;
        slot.text = text;
      } else {
        slot.state = SlotState::kWrongType;
      }
    }
  }

  bool VisitString(od::value& value, const DecoderPlan::Node* node) {
    // Raw text first: get_string() moves past the token.
    const std::string_view token =
        node != nullptr && node->has_raw_slot ? TrimRight(value.raw_json_token()) : "";
    std::string_view text;
    if (auto error = value.get_string().get(text)) return Malformed(error);
    if (node == nullptr) return true;
    for (const DecoderPlan::NodeSlot& node_slot : node->slots) {
      Slot& slot = out_->slots[node_slot.index];
      switch (node_slot.kind) {
        case TypeKind::kString:
          slot.state = SlotState::kPresent;
          slot.text = text;
          break;
        case TypeKind::kJson:
          slot.state = SlotState::kPresent;
          slot.text = token;
          break;
        case TypeKind::kTime:
          if (std::optional<int64_t> millis = ParseTimestamp(text)) {
            slot.state = SlotState::kPresent;
            slot.integer = *millis;
          } else {
            slot.state = SlotState::kWrongType;
          }
          break;
        case TypeKind::kDuration:
          if (std::optional<int64_t> millis = ParseDurationText(text)) {
            slot.state = SlotState::kPresent;
            slot.integer = *millis;
          } else {
            slot.state = SlotState::kWrongType;
          }
          break;
        default:
          slot.state = SlotState::kWrongType;
          break;
      }
    }
    return true;
  }

  // An integer for int, time and duration slots from a valid number token: a JSON integer in
  // int64 range, or a number with a fraction or exponent whose value is integral and in range
  // (`3.0`, `1e3`). False: wrong type.
  static bool ReadInteger(od::value& value, std::string_view token, int64_t& out) {
    if (IsIntegerToken(token)) return value.get_int64().get(out) == simdjson::SUCCESS;
    double number = 0;
    if (value.get_double().get(number) != simdjson::SUCCESS) return false;  // beyond double
    // [-2^63, 2^63): both bounds are exact doubles.
    if (number != std::trunc(number) || number < -9223372036854775808.0 ||
        number >= 9223372036854775808.0) {
      return false;
    }
    out = static_cast<int64_t>(number);
    return true;
  }

  bool VisitNumber(od::value& value, const DecoderPlan::Node* node) {
    // Checked by its grammar, not by simdjson's conversions: those also fail for valid numbers
    // out of range (`1e400`), which are wrong-type values (or fine json text), not bad JSON.
    const std::string_view token = TrimRight(value.raw_json_token());
    if (!IsJsonNumber(token)) {
      return Fail(RejectReason::kMalformedJson, "invalid JSON: malformed number");
    }
    if (node == nullptr) return true;
    for (const DecoderPlan::NodeSlot& node_slot : node->slots) {
      Slot& slot = out_->slots[node_slot.index];
      slot.state = SlotState::kWrongType;
      switch (node_slot.kind) {
        case TypeKind::kFloat:
          if (value.get_double().get(slot.number) == simdjson::SUCCESS) {
            slot.state = SlotState::kPresent;
          }
          break;
        case TypeKind::kInt:
        case TypeKind::kTime:
        case TypeKind::kDuration:
          if (ReadInteger(value, token, slot.integer)) slot.state = SlotState::kPresent;
          break;
        case TypeKind::kJson:
          slot.state = SlotState::kPresent;
          slot.text = token;
          break;
        default:
          break;
      }
    }
    return true;
  }

  // Compares a key's raw JSON text (after its opening quote, escapes not decoded) with `key`
  // without finding where the raw text ends. kUnknown when escapes decide (read the key then).
  // Reads at most up to the raw key's closing quote: a plain key has no `"`, so the loop stops
  // there at the latest.
  static RawMatch MatchRawKey(const char* raw, std::string_view key, bool plain) {
    if (!plain) return RawMatch::kUnknown;
    for (size_t i = 0; i < key.size(); ++i) {
      if (raw[i] != key[i]) return raw[i] == '\\' ? RawMatch::kUnknown : RawMatch::kDifferent;
    }
    // Equal so far: the raw key must end here. (A longer one differs, escaped or not.)
    return raw[key.size()] == '"' ? RawMatch::kEqual : RawMatch::kDifferent;
  }

  // MatchRawKey for a candidate; a short key is compared without a loop. Reads 16 bytes from
  // `raw`: the raw key lies in the line, which kInputPadding readable bytes follow.
  static RawMatch MatchCandidate(const char* raw, const KeyCandidate& candidate) {
    if (!candidate.short_key) return MatchRawKey(raw, candidate.key, candidate.plain);
    uint64_t low = 0, high = 0;
    std::memcpy(&low, raw, 8);
    std::memcpy(&high, raw + 8, 8);
    const uint64_t diff_low = (low ^ candidate.text[0]) & candidate.mask[0];
    const uint64_t diff_high = (high ^ candidate.text[1]) & candidate.mask[1];
    if ((diff_low | diff_high) == 0) return RawMatch::kEqual;
    // The first differing byte (little-endian): an escape there leaves the question open; past
    // the key (where its closing quote should be) the raw key is longer, escaped or not.
    const size_t at = diff_low != 0 ? static_cast<size_t>(std::countr_zero(diff_low)) / 8
                                    : 8 + static_cast<size_t>(std::countr_zero(diff_high)) / 8;
    return at < candidate.key.size() && raw[at] == '\\' ? RawMatch::kUnknown : RawMatch::kDifferent;
  }

  // Visits the fields of `object` at trie node `node` (null: only validating). `root`: the
  // bare-mode payload root, where the id field is read.
  //
  // Not validating, the loop is kept lean (every register it frees shows): most keys start with
  // a byte no key of the node starts with and are skipped after one lookup; a key that matches
  // a leaf's slot or the id field is handled inline; anything else (an escaped key, a key
  // leading deeper, a value of an unexpected type) goes to VisitField.
  bool VisitFields(od::object& object, const DecoderPlan::Node* node, bool validate, int depth,
                   bool root) {
    FieldState state{.have_id = !root || options_.bare_id_field.empty()};
    if (validate) {
      for (auto field_result : object) {
        // By reference: copying the field into a local costs a store-forwarding stall.
        if (auto error = field_result.error()) return Malformed(error);
        if (!VisitFieldInline(field_result.value_unsafe(), node, nullptr, /*validate=*/true, depth,
                              state)) {
          return false;
        }
      }
      return true;
    }
    const KeyTable* table = &tables_[node - nodes_];
    for (auto field_result : object) {
      if (auto error = field_result.error()) return Malformed(error);
      od::field& field = field_result.value_unsafe();
      const char* raw = field.key().raw();
      const uint32_t first = table->first[static_cast<unsigned char>(*raw)];
      if (first == KeyTable::kNone) continue;
      const KeyCandidate* matched = nullptr;
      bool unknown = first == KeyTable::kEscape;  // escapes decide: VisitField reads the key
      if (!unknown) {
        // The node's keys (and the id field) that start with the key's first byte.
        for (const KeyCandidate* candidate = &table->candidates[first - 1];; ++candidate) {
          const RawMatch match = MatchCandidate(raw, *candidate);
          if (match == RawMatch::kEqual) {
            matched = candidate;
            break;
          }
          unknown = match == RawMatch::kUnknown;
          if (unknown || candidate->last) break;
        }
        if (matched == nullptr && !unknown) continue;
      }
      if (matched != nullptr && matched->leaf && !matched->is_id && matched->index < 64 &&
          depth < kMaxWalkDepth) {
        const uint64_t bit = uint64_t{1} << matched->index;
        if ((state.seen & bit) != 0) continue;  // the first occurrence of a key wins
        state.seen |= bit;
        const Fast fast = TryFastPath(field.value(), matched->leaf_kind, matched->leaf_slot);
        if (fast == Fast::kDone) continue;
        if (fast == Fast::kFailed) return false;
        if (!Visit(field.value(), &nodes_[matched->child], false, depth + 1)) return false;
        continue;
      }
      if (matched != nullptr && matched->is_id && matched->child < 0) {
        if (state.have_id) continue;
        state.have_id = true;
        if (!ReadIdFast(field.value())) return false;
        continue;
      }
      if (!VisitField(field, node, matched, /*validate=*/false, depth, state)) return false;
    }
    return true;
  }

  // What VisitFields keeps across the fields of one object.
  struct FieldState {
    bool have_id = false;  // the id field was met (or is not looked for)
    // Which of the node's keys were met (the first occurrence of a key wins): bit i for
    // candidate i < 64, seen_ by child node beyond.
    uint64_t seen = 0;
  };

  // One field of an object at trie node `node` (null: only validating), in general. `matched`:
  // the key's candidate when known (null: read the key and look it up).
  [[gnu::always_inline]] bool VisitFieldInline(od::field& field, const DecoderPlan::Node* node,
                                               const KeyCandidate* matched, bool validate,
                                               int depth, FieldState& state) {
    if (matched == nullptr) {
      // Read (and so checked) even where no key can match: validation covers keys too.
      std::string_view key;
      if (!ReadKey(field, key)) return false;
      if (node != nullptr) {
        for (const KeyCandidate& candidate : tables_[node - nodes_].candidates) {
          if (candidate.key == key) {
            matched = &candidate;
            break;
          }
        }
      }
    }
    od::value& value = field.value();
    if (matched == nullptr) return !validate || Visit(value, nullptr, true, depth + 1);
    if (matched->is_id && !state.have_id) {
      state.have_id = true;
      bool valid = false;
      if (!ReadId(value, valid)) return false;
      if (!valid) out_->id.clear();  // a payload field like any other: assign an id instead
    }
    const int32_t child = matched->child;
    bool first_time = child >= 0;
    if (first_time && matched->index < 64) {
      const uint64_t bit = uint64_t{1} << matched->index;
      first_time = (state.seen & bit) == 0;
      state.seen |= bit;
    } else if (first_time) {
      first_time = seen_[static_cast<size_t>(child)] != epoch_;
      seen_[static_cast<size_t>(child)] = epoch_;
    }
    if (first_time) return Visit(value, &nodes_[child], validate, depth + 1);
    return !validate || Visit(value, nullptr, true, depth + 1);
  }

  // VisitFieldInline out of line: the fast loop of VisitFields stays small.
  [[gnu::noinline]] bool VisitField(od::field& field, const DecoderPlan::Node* node,
                                    const KeyCandidate* matched, bool validate, int depth,
                                    FieldState& state) {
    return VisitFieldInline(field, node, matched, validate, depth, state);
  }

  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> plan_by_trigger_;
  uint32_t bare_plan_index_ = DecodedEvent::kNoPlan;
  const DecoderPlan empty_plan_{"", {}};           // bare mode without a plan: visit the ids only
  std::vector<std::vector<KeyTable>> key_tables_;  // [plan index][node index]
  std::vector<KeyTable> empty_plan_tables_;
  od::parser parser_;  // lines decoded on their own
  od::document line_doc_;
  od::document* doc_ = &line_doc_;  // the document being decoded: line_doc_ or a batch's
  bool in_stream_ = false;          // doc_ is a document of stream_
  od::parser stream_parser_;        // batches (its own: per-line decodes happen in between)
  od::document_stream stream_;
  od::document_stream::iterator doc_it_;
  Batch batch_;
  std::unique_ptr<char[]> buffer_;  // buffer_capacity_ + kInputPadding bytes
  size_t buffer_capacity_ = 0;
  // seen_[node] == epoch_: the node's key was already met in this event (first one wins).
  std::vector<uint32_t> seen_;
  uint32_t epoch_ = 0;
  RejectReason reason_ = RejectReason::kMalformedJson;
  std::string message_;

  // The event being decoded.
  DecodedEvent* out_ = nullptr;
  const DecoderPlan* plan_ = nullptr;
  const DecoderPlan::Node* nodes_ = nullptr;
  const KeyTable* tables_ = nullptr;  // of nodes_
  const char* input_begin_ = nullptr;
  const char* input_end_ = nullptr;
};

Decoder::Decoder(DecoderOptions options, std::vector<DecoderPlan> plans)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(plans))) {}
Decoder::~Decoder() = default;

DecodeResult Decoder::Decode(std::string_view line, DecodedEvent& out) {
  return impl_->Decode(line, out, Impl::Input::kCopy);
}

DecodeResult Decoder::DecodePadded(std::string_view line, DecodedEvent& out) {
  return impl_->Decode(line, out, Impl::Input::kPadded);
}

void Decoder::StartBatch(std::string_view text) { impl_->StartBatch(text); }

bool Decoder::DecodeNext(DecodedEvent& out, DecodeResult& result) {
  return impl_->DecodeNext(out, result);
}

const DecoderOptions& Decoder::options() const { return impl_->options_; }
const std::vector<DecoderPlan>& Decoder::plans() const { return impl_->plans_; }
const DecoderPlan* Decoder::FindPlan(std::string_view trigger_ref) const {
  return impl_->FindPlan(trigger_ref);
}
const DecoderStats& Decoder::stats() const { return impl_->stats_; }

}  // namespace squall::events
