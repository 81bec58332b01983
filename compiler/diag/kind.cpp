#include "compiler/diag/kind.h"

#include <iterator>
#include <string>

#include "compiler/diag/format_string.h"
#include "compiler/source/check.h"

namespace squall::diag {
namespace {

// Malformed formats fail the build at their registry line instead of aborting at runtime.
#define SQUALL_DIAG(name, severity, format)                                      \
  static_assert(internal::ArgCount(format).has_value(),                          \
                "diag_kinds.def: placeholders of " #name " must be {0}..{k-1}"); \
  static_assert(internal::FollowsWordingRule(format),                            \
                "diag_kinds.def: message of " #name                              \
                " must start lowercase and not end with a period");
#include "compiler/diag/diag_kinds.def"

constexpr KindInfo kInfos[] = {
#define SQUALL_DIAG(name, severity, format) \
  {#name, Severity::severity, format, *internal::ArgCount(format)},
#include "compiler/diag/diag_kinds.def"
};

constexpr Kind kAllKinds[] = {
#define SQUALL_DIAG(name, severity, format) Kind::name,
#include "compiler/diag/diag_kinds.def"
};

}  // namespace

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::Error:
      return "error";
    case Severity::Warning:
      return "warning";
    case Severity::Note:
      return "note";
  }
  SQUALL_CHECK(false, "invalid Severity " + std::to_string(static_cast<int>(severity)));
  return {};
}

const KindInfo& Info(Kind kind) {
  const auto index = static_cast<size_t>(kind);
  SQUALL_CHECK(index < std::size(kInfos), "invalid diag::Kind " + std::to_string(index));
  return kInfos[index];
}

std::span<const Kind> AllKinds() { return kAllKinds; }

std::optional<Kind> KindFromName(std::string_view name) {
  for (const Kind kind : kAllKinds) {
    if (Info(kind).name == name) return kind;
  }
  return std::nullopt;
}

}  // namespace squall::diag
