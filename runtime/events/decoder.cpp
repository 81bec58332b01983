#include "runtime/events/decoder.h"

#include <simdjson.h>

#include <algorithm>
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
    if (options_.mode == DecodeMode::kBare) {
      SQUALL_CHECK(!options_.bare_trigger.empty(), "Decoder: bare mode without a trigger");
      if (auto it = plan_by_trigger_.find(options_.bare_trigger); it != plan_by_trigger_.end()) {
        bare_plan_index_ = it->second;
      }
    }
  }

  DecodeResult Decode(std::string_view line, DecodedEvent& out, bool padded) {
    ++stats_.lines;
    if (std::all_of(line.begin(), line.end(), IsJsonWhitespace)) {
      ++stats_.blank;
      return DecodeResult{.outcome = DecodeResult::Outcome::kBlank};
    }
    out.line = stats_.lines;
    out.id.clear();
    out.id_assigned = false;
    out.plan = nullptr;
    out.plan_index = DecodedEvent::kNoPlan;
    out.slots.clear();
    out.storage_.clear();
    out_ = &out;
    plan_ = nullptr;

    bool ok = false;
    if (line.size() > options_.max_line_bytes) {
      ok = Fail(RejectReason::kLineTooLong, "line is " + std::to_string(line.size()) +
                                                " bytes, longer than the limit of " +
                                                std::to_string(options_.max_line_bytes));
    } else if (padded) {
      ok = DecodeJson(line.data(), line.size(), line.size() + kInputPadding);
    } else {
      if (buffer_capacity_ < line.size()) {
        buffer_capacity_ =
            std::max(line.size(), std::min(2 * buffer_capacity_ + 256, options_.max_line_bytes));
        buffer_ = std::make_unique<char[]>(buffer_capacity_ + kInputPadding);
      }
      std::memcpy(buffer_.get(), line.data(), line.size());
      // Not a stale `}`: simdjson rescans the whole line for balance when it sees one there.
      buffer_[line.size()] = ' ';
      ok = DecodeJson(buffer_.get(), line.size(), buffer_capacity_ + kInputPadding);
    }
    out_ = nullptr;
    if (!ok) {
      ++stats_.rejected;
      ++stats_.by_reason[static_cast<size_t>(reason_)];
      return DecodeResult{
          .outcome = DecodeResult::Outcome::kRejected, .reason = reason_, .message = message_};
    }
    ++stats_.events;
    return DecodeResult{.outcome = DecodeResult::Outcome::kEvent};
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
    if (index == DecodedEvent::kNoPlan) return;
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

  bool DecodeJson(const char* data, size_t size, size_t capacity) {
    if (parser_.capacity() < size) {
      const size_t grown = std::max(
          size,
          std::min(std::max(2 * parser_.capacity(), kInitialCapacity), options_.max_line_bytes));
      if (auto error = parser_.allocate(grown)) return Malformed(error);
    }
    input_begin_ = data;
    input_end_ = data + size;
    if (auto error = parser_.iterate(data, size, capacity).get(doc_)) return Malformed(error);
    od::json_type type;
    if (auto error = doc_.type().get(type)) return Malformed(error);
    if (type != od::json_type::object) {
      // On-Demand guesses a scalar's type from its first byte (`nope` looks like `null`):
      // read the scalar before calling the line a valid non-object.
      bool valid = true;
      switch (type) {
        case od::json_type::null: {
          bool is_null = false;
          valid = doc_.is_null().get(is_null) == simdjson::SUCCESS && is_null;
          break;
        }
        case od::json_type::boolean: {
          bool value = false;
          valid = doc_.get_bool().get(value) == simdjson::SUCCESS;
          break;
        }
        case od::json_type::number: {
          double value = 0;
          valid = doc_.get_double().get(value) == simdjson::SUCCESS;
          break;
        }
        case od::json_type::string: {
          std::string_view value;
          valid = doc_.get_string().get(value) == simdjson::SUCCESS;
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

  // After the top-level object: anything but the end of the input is an error.
  bool CheckAtEnd() {
    const char* location = nullptr;
    if (doc_.current_location().get(location) == simdjson::SUCCESS) {
      return Fail(RejectReason::kMalformedJson, "invalid JSON: text after the top-level object");
    }
    return true;
  }

  bool DecodeBare() {
    if (out_->trigger != options_.bare_trigger) out_->trigger = options_.bare_trigger;
    UsePlan(bare_plan_index_);
    nodes_ = (plan_ != nullptr ? *plan_ : empty_plan_).nodes().data();
    const DecoderPlan::Node& root = nodes_[0];
    // The document's get_object(), not a value's: for a root object simdjson checks that the
    // line ends with its `}` and, if the byte after the line is a `}` too, that the brackets
    // balance; otherwise an unclosed object could run on into the bytes after the line.
    od::object object;
    if (auto error = doc_.get_object().get(object)) return Malformed(error);
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
    if (auto error = doc_.get_object().get(envelope)) return Malformed(error);
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
    doc_.rewind();
    od::object envelope;
    if (auto error = doc_.get_object().get(envelope)) return Malformed(error);
    for (auto field_result : envelope) {
      // By reference: copying the field into a local costs a store-forwarding stall.
      if (auto error = field_result.error()) return Malformed(error);
      od::field& field = field_result.value_unsafe();
      std::string_view key;
      if (!ReadKey(field, key)) return false;
      if (key != "payload") continue;
      nodes_ = plan_->nodes().data();
      return Visit(field.value(), &nodes_[0], /*validate=*/false, 1);  // validated before
    }
    return true;  // not reached: the first pass saw the payload
  }

  // `"id": null` counts as no id.
  static bool IsNull(od::value& value) {
    bool is_null = false;
    return value.is_null().get(is_null) == simdjson::SUCCESS && is_null;
  }

  // Reads an id (a string or an integer) into out_->id; `valid` is false for other values.
  bool ReadId(od::value& value, bool& valid) {
    valid = false;
    od::json_type type;
    if (auto error = value.type().get(type)) return Malformed(error);
    // The token, not get_string(): the same value may also be a slot (bare mode), and
    // simdjson unescapes a string once.
    const std::string_view token = TrimRight(value.raw_json_token());
    if (type == od::json_type::string) {
      // Move past the string (no unescaping): simdjson, skipping a string it was not asked
      // for, would take a `:` after it for a key's and swallow what follows.
      od::raw_json_string ignored;
      if (auto error = value.get_raw_json_string().get(ignored)) return Malformed(error);
      if (token.size() < 2 || token.back() != '"') {
        return Fail(RejectReason::kMalformedJson, "invalid JSON: malformed string");
      }
      const std::string_view inner = token.substr(1, token.size() - 2);
      out_->id.clear();
      if (inner.find('\\') == std::string_view::npos) {
        out_->id.assign(inner);
      } else if (!AppendUnescaped(inner, out_->id)) {
        return Fail(RejectReason::kMalformedJson, "invalid JSON: bad escape in a string");
      }
      valid = true;
    } else if (type == od::json_type::number && IsIntegerToken(token)) {
      if (!IsJsonNumber(token)) {
        return Fail(RejectReason::kMalformedJson, "invalid JSON: malformed number");
      }
      out_->id.assign(token);
      valid = true;
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
      const Fast fast = TryFastPath(value, node->slots[0]);
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
  Fast TryFastPath(od::value& value, const DecoderPlan::NodeSlot& node_slot) {
    Slot& slot = out_->slots[node_slot.index];
    switch (node_slot.kind) {
      case TypeKind::kString: {
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
      case TypeKind::kFloat:
        if (value.get_double().get(slot.number) != simdjson::SUCCESS) return Fast::kGeneral;
        slot.state = SlotState::kPresent;
        return Fast::kDone;
      case TypeKind::kInt:
        if (value.get_int64().get(slot.integer) != simdjson::SUCCESS) return Fast::kGeneral;
        slot.state = SlotState::kPresent;
        return Fast::kDone;
      case TypeKind::kBool:
        if (value.get_bool().get(slot.boolean) != simdjson::SUCCESS) return Fast::kGeneral;
        slot.state = SlotState::kPresent;
        return Fast::kDone;
      default:
        return Fast::kGeneral;
    }
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

  enum class RawMatch : uint8_t { kEqual, kDifferent, kUnknown };
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

  bool VisitFields(od::object& object, const DecoderPlan::Node* node, bool validate, int depth,
                   bool root) {
    const std::string& id_field = options_.bare_id_field;
    bool have_id = !root || id_field.empty();
    const unsigned char id_first = DecoderPlan::FirstByte(id_field);
    for (auto field_result : object) {
      // By reference: copying the field into a local costs a store-forwarding stall.
      if (auto error = field_result.error()) return Malformed(error);
      od::field& field = field_result.value_unsafe();
      // Match the raw key against the trie's keys that start with its first byte; most keys
      // lead nowhere and are skipped after one byte. Escaped keys and validation read the key.
      const char* raw = field.key().raw();
      const auto first = static_cast<unsigned char>(*raw);
      int32_t child = -1;
      bool is_id = false;
      bool read_key = validate || first == '\\';
      if (!read_key && node != nullptr && node->first_bytes[first]) {
        for (const DecoderPlan::Edge& edge : node->children) {
          if (DecoderPlan::FirstByte(edge.key) != first) continue;
          const RawMatch match = MatchRawKey(raw, edge.key, edge.plain);
          if (match == RawMatch::kDifferent) continue;
          if (match == RawMatch::kEqual) child = static_cast<int32_t>(edge.node);
          read_key = match == RawMatch::kUnknown;
          break;
        }
      }
      if (!read_key && !have_id && first == id_first) {
        const RawMatch match = MatchRawKey(raw, id_field, /*plain=*/true);
        is_id = match == RawMatch::kEqual;
        read_key = match == RawMatch::kUnknown;
      }
      if (read_key) {
        std::string_view key;
        if (!ReadKey(field, key)) return false;
        child = node != nullptr ? DecoderPlan::FindChild(*node, key) : -1;
        is_id = !have_id && key == id_field;
      }
      if (child < 0 && !is_id && !validate) continue;
      od::value& value = field.value();
      if (is_id) {
        have_id = true;
        bool valid = false;
        if (!ReadId(value, valid)) return false;
        if (!valid) out_->id.clear();  // a payload field like any other: assign an id instead
      }
      if (child >= 0 && seen_[static_cast<size_t>(child)] != epoch_) {
        seen_[static_cast<size_t>(child)] = epoch_;
        if (!Visit(value, &nodes_[child], validate, depth + 1)) return false;
        continue;
      }
      if (validate && !Visit(value, nullptr, true, depth + 1)) return false;
    }
    return true;
  }

  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> plan_by_trigger_;
  uint32_t bare_plan_index_ = DecodedEvent::kNoPlan;
  const DecoderPlan empty_plan_{"", {}};  // bare mode without a plan: visit the ids only
  od::parser parser_;
  od::document doc_;
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
  const char* input_begin_ = nullptr;
  const char* input_end_ = nullptr;
};

Decoder::Decoder(DecoderOptions options, std::vector<DecoderPlan> plans)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(plans))) {}
Decoder::~Decoder() = default;

DecodeResult Decoder::Decode(std::string_view line, DecodedEvent& out) {
  return impl_->Decode(line, out, /*padded=*/false);
}

DecodeResult Decoder::DecodePadded(std::string_view line, DecodedEvent& out) {
  return impl_->Decode(line, out, /*padded=*/true);
}

const DecoderOptions& Decoder::options() const { return impl_->options_; }
const std::vector<DecoderPlan>& Decoder::plans() const { return impl_->plans_; }
const DecoderPlan* Decoder::FindPlan(std::string_view trigger_ref) const {
  return impl_->FindPlan(trigger_ref);
}
const DecoderStats& Decoder::stats() const { return impl_->stats_; }

}  // namespace squall::events
