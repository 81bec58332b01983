#include "compiler/diag/message.h"

#include <charconv>
#include <type_traits>

#include "compiler/diag/format_string.h"
#include "compiler/source/check.h"

namespace squall::diag {
namespace {

template <typename T>
void AppendNumber(std::string& out, T value) {
  char buffer[32];  // enough for any int64/uint64 and the shortest round-trip double
  const std::to_chars_result result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  SQUALL_CHECK(result.ec == std::errc(), "number does not fit the formatting buffer");
  out.append(buffer, result.ptr);
}

// `kind_name` only names the culprit in the abort message (empty for a bare format).
std::string SubstituteOrDie(std::string_view format, std::span<const Arg> args,
                            std::string_view kind_name) {
  const auto culprit = [&] {
    return kind_name.empty() ? "message format \"" + std::string(format) + "\""
                             : "diagnostic " + std::string(kind_name);
  };
  std::string out;
  uint64_t used = 0;  // bit i set when {i} was substituted
  size_t literal_begin = 0;
  for (auto placeholder = internal::FindPlaceholder(format, 0); placeholder.has_value();
       placeholder = internal::FindPlaceholder(format, placeholder->end)) {
    out.append(format, literal_begin, placeholder->begin - literal_begin);
    SQUALL_CHECK(placeholder->index < args.size(),
                 culprit() + " uses {" + std::to_string(placeholder->index) + "} but got " +
                     std::to_string(args.size()) + " argument(s)");
    args[placeholder->index].AppendTo(out);
    if (placeholder->index < 64) used |= uint64_t{1} << placeholder->index;
    literal_begin = placeholder->end;
  }
  out.append(format, literal_begin);
  const uint64_t all = args.size() >= 64 ? ~uint64_t{0} : (uint64_t{1} << args.size()) - 1;
  SQUALL_CHECK(used == all, culprit() + " got " + std::to_string(args.size()) +
                                " argument(s) but does not use all of them");
  return out;
}

}  // namespace

void Arg::AppendTo(std::string& out) const {
  std::visit(
      [&out](const auto& value) {
        if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::string>) {
          out += value;
        } else {
          AppendNumber(out, value);
        }
      },
      value_);
}

std::string Arg::ToString() const {
  std::string out;
  AppendTo(out);
  return out;
}

std::string Substitute(std::string_view format, std::span<const Arg> args) {
  return SubstituteOrDie(format, args, /*kind_name=*/{});
}

std::string FormatMessage(Kind kind, std::span<const Arg> args) {
  const KindInfo& info = Info(kind);
  return SubstituteOrDie(info.format, args, info.name);
}

}  // namespace squall::diag
