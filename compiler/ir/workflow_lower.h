// Lowering of a checked workflow body into its state machine (ir::Workflow, ir.h): statements
// become states linked by `next`/`alt`; steps nested in expressions (a call in an argument,
// a `for` or `wait` used as a value) are hoisted into states that run first, left to right,
// their values held by temporaries; the live variables of each suspension point come from a
// backward data-flow pass over the finished machine.
//
// Precondition: the file checked without errors. Internal to compiler/ir (lower.cpp).
#pragma once

#include <map>
#include <string>

#include "compiler/check/checked_program.h"
#include "compiler/ir/ir.h"

namespace squall::ir::internal {

// Lowers `decl` of `file`; its expressions go into `matcher` (the workflow's own), the specs of
// the actions it calls into `actions`. Workflow::matcher is left for the caller to set.
Workflow LowerWorkflow(const check::CheckedFile& file, const ast::WorkflowDecl& decl,
                       Matcher& matcher, std::map<std::string, ActionSpec>& actions);

}  // namespace squall::ir::internal
