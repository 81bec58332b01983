#include "runtime/sources/envelope.h"

#include <simdjson.h>

#include <cstring>

namespace squall::sources {
namespace {

namespace od = simdjson::ondemand;

// Nesting validated below the top-level object (one stack frame of Validate per level).
constexpr int kMaxDepth = 512;

bool IsJsonWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view TrimRight(std::string_view text) {
  while (!text.empty() && IsJsonWhitespace(text.back())) text.remove_suffix(1);
  return text;
}

std::string_view Trim(std::string_view text) {
  text = TrimRight(text);
  while (!text.empty() && IsJsonWhitespace(text.front())) text.remove_prefix(1);
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

// One line's walk: every value is consumed explicitly (never left for simdjson to skip), so
// malformed literals, numbers and escapes anywhere in the line are found.
class Walker {
 public:
  Walker(std::string_view input, EnvelopeResult& result) : input_(input), result_(result) {}

  bool Fail(LineReject reason, std::string message) {
    result_.reason = reason;
    result_.message = std::move(message);
    return false;
  }

  bool Malformed(simdjson::error_code error) {
    return Fail(LineReject::kMalformedJson,
                std::string("invalid JSON: ") + simdjson::error_message(error));
  }

  bool Validate(od::value& value, int depth) {
    if (depth > kMaxDepth) {
      return Fail(LineReject::kMalformedJson,
                  "invalid JSON: nested deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    od::json_type type;
    if (auto error = value.type().get(type)) return Malformed(error);
    switch (type) {
      case od::json_type::object: {
        od::object object;
        if (auto error = value.get_object().get(object)) return Malformed(error);
        for (auto field_result : object) {
          if (auto error = field_result.error()) return Malformed(error);
          od::field& field = field_result.value_unsafe();
          std::string_view key;
          if (auto error = field.unescaped_key().get(key)) return Malformed(error);
          if (!Validate(field.value(), depth + 1)) return false;
        }
        return true;
      }
      case od::json_type::array: {
        od::array array;
        if (auto error = value.get_array().get(array)) return Malformed(error);
        for (auto element_result : array) {
          od::value element;
          if (auto error = std::move(element_result).get(element)) return Malformed(error);
          if (!Validate(element, depth + 1)) return false;
        }
        return true;
      }
      case od::json_type::string: {
        std::string_view text;
        if (auto error = value.get_string().get(text)) return Malformed(error);
        return true;
      }
      case od::json_type::number:
        // By grammar, not simdjson's conversions: those fail for valid numbers out of range
        // (`1e400`, big integers), which are fine JSON.
        if (!IsJsonNumber(TrimRight(value.raw_json_token()))) {
          return Fail(LineReject::kMalformedJson, "invalid JSON: malformed number");
        }
        return true;
      case od::json_type::boolean: {
        bool boolean = false;
        if (auto error = value.get_bool().get(boolean)) return Malformed(error);
        return true;
      }
      case od::json_type::null: {
        bool is_null = false;
        if (auto error = value.is_null().get(is_null)) return Malformed(error);
        if (!is_null) return Fail(LineReject::kMalformedJson, "invalid JSON: bad literal");
        return true;
      }
    }
    return Fail(LineReject::kMalformedJson, "invalid JSON: unknown value");
  }

  // Validates a container value and returns its text as written (no trailing whitespace).
  bool ContainerText(od::value& value, int depth, std::string& text) {
    const char* start = value.raw_json_token().data();
    if (!Validate(value, depth)) return false;
    const char* end = input_.data() + input_.size();
    const char* location = nullptr;
    if (value.current_location().get(location) == simdjson::SUCCESS) end = location;
    if (start < input_.data() || end < start || end > input_.data() + input_.size()) {
      return Fail(LineReject::kMalformedJson, "invalid JSON: unbalanced value");
    }
    text.assign(TrimRight(std::string_view(start, static_cast<size_t>(end - start))));
    return true;
  }

  // An id: a string (unescaped) or an integer's text; `valid` false for other values (the
  // value is still validated).
  bool ReadId(od::value& value, std::string& id, bool& valid, bool& is_null) {
    valid = false;
    is_null = false;
    od::json_type type;
    if (auto error = value.type().get(type)) return Malformed(error);
    if (type == od::json_type::string) {
      std::string_view text;
      if (auto error = value.get_string().get(text)) return Malformed(error);
      id.assign(text);
      valid = true;
      return true;
    }
    if (type == od::json_type::number) {
      const std::string_view token = TrimRight(value.raw_json_token());
      if (!IsJsonNumber(token)) {
        return Fail(LineReject::kMalformedJson, "invalid JSON: malformed number");
      }
      if (token.find_first_of(".eE") == std::string_view::npos) {
        id.assign(token);
        valid = true;
      }
      return true;
    }
    if (type == od::json_type::null) {
      is_null = true;
      return Validate(value, 1);
    }
    return Validate(value, 1);
  }

  bool CheckAtEnd(od::document& doc) {
    const char* location = nullptr;
    if (doc.current_location().get(location) == simdjson::SUCCESS) {
      return Fail(LineReject::kMalformedJson, "invalid JSON: text after the top-level object");
    }
    return true;
  }

 private:
  std::string_view input_;
  EnvelopeResult& result_;
};

}  // namespace

std::string_view LineRejectName(LineReject reason) {
  switch (reason) {
    case LineReject::kNone:
      return "none";
    case LineReject::kMalformedJson:
      return "malformed_json";
    case LineReject::kNotAnObject:
      return "not_an_object";
    case LineReject::kMissingTrigger:
      return "missing_trigger";
    case LineReject::kInvalidTrigger:
      return "invalid_trigger";
    case LineReject::kMissingPayload:
      return "missing_payload";
    case LineReject::kInvalidPayload:
      return "invalid_payload";
    case LineReject::kInvalidId:
      return "invalid_id";
    case LineReject::kInvalidParameters:
      return "invalid_parameters";
    case LineReject::kLineTooLong:
      return "line_too_long";
  }
  return "unknown";
}

struct EnvelopeParser::Impl {
  EnvelopeOptions options;
  od::parser parser;
  std::string buffer;  // the line plus simdjson's padding

  EnvelopeResult Parse(std::string_view line, Envelope& out) {
    EnvelopeResult result;
    out = Envelope{};
    const std::string_view trimmed = Trim(line);
    buffer.assign(trimmed);
    buffer.append(simdjson::SIMDJSON_PADDING, ' ');
    const std::string_view input(buffer.data(), trimmed.size());
    Walker walker(input, result);
    od::document doc;
    if (auto error = parser.iterate(buffer.data(), trimmed.size(), buffer.size()).get(doc)) {
      walker.Malformed(error);
      return result;
    }
    od::json_type type;
    if (auto error = doc.type().get(type)) {
      walker.Malformed(error);
      return result;
    }
    if (type != od::json_type::object) {
      walker.Fail(LineReject::kNotAnObject, "the line is not a JSON object");
      return result;
    }
    od::object object;
    if (auto error = doc.get_object().get(object)) {
      walker.Malformed(error);
      return result;
    }
    const bool bare = !options.bare_trigger.empty();
    bool have_trigger = false, have_payload = false, have_id = false, have_parameters = false;
    for (auto field_result : object) {
      if (auto error = field_result.error()) {
        walker.Malformed(error);
        return result;
      }
      od::field& field = field_result.value_unsafe();
      std::string_view key;
      if (auto error = field.unescaped_key().get(key)) {
        walker.Malformed(error);
        return result;
      }
      od::value& value = field.value();
      if (bare) {
        if (!have_id && !options.bare_id_field.empty() && key == options.bare_id_field) {
          have_id = true;
          bool valid = false, is_null = false;
          if (!walker.ReadId(value, out.id, valid, is_null)) return result;
          if (!valid) out.id.clear();
          continue;
        }
        if (!walker.Validate(value, 1)) return result;
        continue;
      }
      if (!have_trigger && key == "trigger") {
        have_trigger = true;
        std::string_view text;
        if (value.get_string().get(text) != simdjson::SUCCESS || text.empty()) {
          walker.Fail(LineReject::kInvalidTrigger, "`trigger` must be a non-empty string");
          return result;
        }
        out.trigger.assign(text);
      } else if (!have_payload && key == "payload") {
        have_payload = true;
        od::json_type payload_type;
        if (auto error = value.type().get(payload_type)) {
          walker.Malformed(error);
          return result;
        }
        if (payload_type != od::json_type::object) {
          walker.Fail(LineReject::kInvalidPayload, "`payload` must be an object");
          return result;
        }
        if (!walker.ContainerText(value, 1, out.payload_json)) return result;
      } else if (!have_id && key == "id") {
        have_id = true;
        bool valid = false, is_null = false;
        if (!walker.ReadId(value, out.id, valid, is_null)) return result;
        if (!valid && !is_null) {
          walker.Fail(LineReject::kInvalidId, "`id` must be a string, an integer or null");
          return result;
        }
      } else if (!have_parameters && key == "parameters") {
        have_parameters = true;
        od::json_type parameters_type;
        if (auto error = value.type().get(parameters_type)) {
          walker.Malformed(error);
          return result;
        }
        if (parameters_type == od::json_type::null) {
          if (!walker.Validate(value, 1)) return result;
        } else if (parameters_type == od::json_type::object) {
          if (!walker.ContainerText(value, 1, out.parameters_json)) return result;
        } else {
          walker.Fail(LineReject::kInvalidParameters, "`parameters` must be an object or null");
          return result;
        }
      } else if (!walker.Validate(value, 1)) {
        return result;
      }
    }
    if (!walker.CheckAtEnd(doc)) return result;
    if (bare) {
      out.trigger = options.bare_trigger;
      out.payload_json.assign(input);
      return result;
    }
    if (!have_trigger) {
      walker.Fail(LineReject::kMissingTrigger, "no `trigger`");
    } else if (!have_payload) {
      walker.Fail(LineReject::kMissingPayload, "no `payload`");
    }
    return result;
  }
};

EnvelopeParser::EnvelopeParser(EnvelopeOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

EnvelopeParser::~EnvelopeParser() = default;

EnvelopeResult EnvelopeParser::Parse(std::string_view line, Envelope& out) {
  return impl_->Parse(line, out);
}

}  // namespace squall::sources
