#pragma once

// Diagnostic kinds: the enum generated from diag_kinds.def and its static metadata.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace squall::diag {

enum class Severity : uint8_t { Error, Warning, Note };

// "error", "warning" or "note": the word printed in text output and used in JSON.
std::string_view SeverityName(Severity severity);

// One enumerator per SQUALL_DIAG line, in registry order.
enum class Kind : uint16_t {
#define SQUALL_DIAG(name, severity, format) name,
#include "compiler/diag/diag_kinds.def"
};

// Static description of a kind; the views point into static storage.
struct KindInfo {
  std::string_view name;    // the enumerator's spelling, e.g. "DeclaredHere"
  Severity severity;        // the severity registered in diag_kinds.def
  std::string_view format;  // message format with {0}..{arg_count-1}
  uint32_t arg_count;       // number of arguments the format takes
};

// Metadata of `kind`. A value outside the registry aborts.
const KindInfo& Info(Kind kind);

// Every kind, in registry order.
std::span<const Kind> AllKinds();

// The kind whose name is exactly `name` (case-sensitive), if any.
std::optional<Kind> KindFromName(std::string_view name);

}  // namespace squall::diag
