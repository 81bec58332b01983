// Lowering: the checked program's rules become matchers, one per trigger type (and trigger
// parameter set), with their conditions over payload slots; its workflows become state
// machines whose expressions are a matcher of their own (ir.h).
//
// Precondition: the program checked without errors. Rules with a simple trigger are lowered;
// correlation rules (absence, sequence, count) are listed in Program::skipped until they
// become state machines.
#pragma once

#include "compiler/check/checked_program.h"
#include "compiler/ir/ir.h"

namespace squall::ir {

// Thread safety: none; runs on a large-stack thread (expressions nest deeply).
Program Lower(const check::CheckedProgram& program);

// The trigger instance `atom` (of `file`) listens to: its constant trigger parameters as
// compact JSON sorted by name (Matcher::parameters_json); empty when it has none.
std::string TriggerParametersJson(const check::CheckedFile& file, const ast::TriggerAtom& atom);

}  // namespace squall::ir
