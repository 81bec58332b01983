#include "compiler/check/types_dump.h"

#include "compiler/ast/ast_printer.h"

namespace squall::check {

std::string DumpTypes(const CheckedFile& file, const source::SourceManager& sources) {
  ast::PrintOptions options;
  options.annotate = [&file](const ast::Node& node) {
    std::string out;
    uint32_t id = node.id.value;
    if (auto call = file.calls.find(id); call != file.calls.end()) {
      const CallTarget& target = call->second;
      switch (target.kind) {
        case CallTarget::Kind::kAction:
          out += " -> action " + target.action->ref;
          break;
        case CallTarget::Kind::kWorkflow:
          out += " -> workflow " + target.workflow->name.name;
          break;
        case CallTarget::Kind::kBuiltin:
          out += " -> function " + std::string(BuiltinName(target.builtin));
          break;
      }
    }
    if (auto atom = file.trigger_atoms.find(id); atom != file.trigger_atoms.end()) {
      out += " -> trigger " + atom->second.ref + " : " + types::ToString(atom->second.payload);
    }
    if (id < file.expr_types.size() && file.expr_types[id] != nullptr) {
      out += " : " + types::ToString(file.expr_types[id]);
    }
    return out;
  };
  return ast::PrintAst(*file.file, sources, options);
}

}  // namespace squall::check
