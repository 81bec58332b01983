// Lowering `test` blocks; see test_case.h.
#include "compiler/ir/test_case.h"

#include "compiler/ast/ast.h"
#include "compiler/ir/lower.h"
#include "compiler/schema/catalog.h"
#include "compiler/source/check.h"

namespace squall::ir {
namespace {

// The value the checker recorded for test data `expr` (check::CheckedFile::test_values).
const check::ConstValue* ValueOf(const check::CheckedFile& file, const ast::Expr& expr) {
  auto it = file.test_values.find(expr.id.value);
  return it != file.test_values.end() ? &it->second : nullptr;
}

std::string JsonOf(const check::CheckedFile& file, const ast::Expr* expr, std::string fallback) {
  if (expr == nullptr) return fallback;
  const check::ConstValue* value = ValueOf(file, *expr);
  SQUALL_CHECK(value != nullptr, "test data without a value");
  return value->ToJson();
}

int64_t MillisecondsOf(const check::CheckedFile& file, const ast::Expr* expr) {
  if (expr == nullptr) return 0;
  const check::ConstValue* value = ValueOf(file, *expr);
  SQUALL_CHECK(value != nullptr && value->kind == check::ConstValue::Kind::kDuration,
               "`after` without a duration");
  return value->integer;
}

// The action or workflow a `when` step scripts: an imported pack's action by its full ref
// (`core.local` also when imported under an alias), else the workflow name as written.
std::string ActionRef(const check::CheckedFile& file, const ast::QualifiedName& name) {
  std::string text = name.ToString();
  if (name.parts.size() < 2) return text;
  auto import = file.imports.find(name.parts[0].name);
  if (import == file.imports.end() || import->second == nullptr) return text;
  return import->second->name + text.substr(name.parts[0].name.size());
}

// A list literal compares element by element and a map literal by the keys it names (so
// `headers: {Accept: "x"}` ignores other headers), whether or not a `_` is inside; any other
// expression is a value compared as JSON.
ExpectedValue Expected(const check::CheckedFile& file, const ast::Expr& expr) {
  ExpectedValue out;
  out.range = expr.range;
  if (const auto* name = ast::As<ast::NameExpr>(&expr); name != nullptr && name->name.name == "_") {
    out.kind = ExpectedValue::Kind::kAny;
  } else if (const auto* list = ast::As<ast::ListExpr>(&expr)) {
    out.kind = ExpectedValue::Kind::kList;
    for (const auto& element : list->elements) out.elements.push_back(Expected(file, *element));
  } else if (const auto* map = ast::As<ast::MapExpr>(&expr)) {
    out.kind = ExpectedValue::Kind::kMap;
    for (const ast::MapEntry& entry : map->entries) {
      out.keys.push_back(entry.key);
      out.elements.push_back(Expected(file, *entry.value));
    }
  } else {
    const check::ConstValue* value = ValueOf(file, expr);
    SQUALL_CHECK(value != nullptr, "expected argument without a value");
    out.kind = ExpectedValue::Kind::kValue;
    out.json = value->ToJson();
  }
  return out;
}

TestStep LowerStep(const check::CheckedFile& file, const ast::TestStep& step) {
  TestStep out;
  out.range = step.range;
  switch (step.kind) {
    case ast::TestStepKind::kGiven: {
      const auto& given = ast::Cast<ast::GivenStep>(step);
      auto target = file.trigger_atoms.find(given.trigger->id.value);
      SQUALL_CHECK(target != file.trigger_atoms.end(), "lowering an unresolved trigger");
      out.kind = TestStep::Kind::kGiven;
      out.trigger = target->second.ref;
      out.parameters_json = TriggerParametersJson(file, *given.trigger);
      out.payload_json = JsonOf(file, given.payload.get(), "{}");
      out.after_ms = MillisecondsOf(file, given.after.get());
      break;
    }
    case ast::TestStepKind::kExpectNothing:
      out.kind = TestStep::Kind::kExpectNothing;
      out.after_ms = MillisecondsOf(file, ast::Cast<ast::ExpectNothingStep>(step).after.get());
      break;
    case ast::TestStepKind::kExpectCall: {
      const auto& expect = ast::Cast<ast::ExpectCallStep>(step);
      out.kind = TestStep::Kind::kExpectCall;
      auto callee = file.calls.find(expect.call->id.value);
      SQUALL_CHECK(callee != file.calls.end(), "lowering an unresolved expectation");
      out.action = callee->second.kind == check::CallTarget::Kind::kWorkflow
                       ? callee->second.workflow->name.name
                       : callee->second.action->ref;
      for (const ast::Argument& arg : expect.call->args) {
        out.arguments.emplace_back(arg.name ? arg.name->name : std::string(),
                                   Expected(file, *arg.value));
      }
      out.after_ms = MillisecondsOf(file, expect.after.get());
      break;
    }
    case ast::TestStepKind::kWhenReturns: {
      const auto& returns = ast::Cast<ast::WhenReturnsStep>(step);
      out.kind = TestStep::Kind::kWhenReturns;
      out.action = ActionRef(file, returns.action);
      out.result_json = JsonOf(file, returns.value.get(), "null");
      out.after_ms = MillisecondsOf(file, returns.after.get());
      break;
    }
    case ast::TestStepKind::kWhenFails: {
      const auto& fails = ast::Cast<ast::WhenFailsStep>(step);
      out.kind = TestStep::Kind::kWhenFails;
      out.action = ActionRef(file, fails.action);
      const check::ConstValue* message = ValueOf(file, *fails.message);
      SQUALL_CHECK(message != nullptr, "scripted failure without a message");
      out.message = message->text;
      out.after_ms = MillisecondsOf(file, fails.after.get());
      break;
    }
  }
  return out;
}

}  // namespace

std::vector<TestCase> LowerTests(const check::CheckedProgram& program) {
  std::vector<TestCase> tests;
  for (const check::CheckedFile& file : program.files) {
    for (const auto& decl : file.file->decls) {
      const auto* test = ast::As<ast::TestDecl>(decl.get());
      if (test == nullptr) continue;
      TestCase out;
      out.name = test->name->Text();
      out.range = test->name->range;
      for (const auto& step : test->steps) out.steps.push_back(LowerStep(file, *step));
      tests.push_back(std::move(out));
    }
  }
  return tests;
}

}  // namespace squall::ir
