#include "compiler/check/checker.h"

#include <algorithm>

#include "compiler/check/checker_internal.h"
#include "compiler/diag/suggest.h"
#include "compiler/source/large_stack.h"

namespace squall::check {

CheckedProgram Check(std::span<const ast::File* const> files, schema::PackLoader& packs,
                     types::TypeContext& types, const source::SourceManager& sources,
                     diag::DiagnosticEngine& diags) {
  internal::Checker checker(packs, types, sources, diags);
  CheckedProgram program;
  // Expressions may chain 10,000 operators (the parser's limit): recursion needs room.
  source::RunWithLargeStack([&] { program = checker.Run(files); });
  return program;
}

namespace internal {

using diag::Kind;

// ---------------------------------------------------------------------------------------------
// Scope

Binding* Scope::FindLocal(std::string_view name) {
  auto it = index_.find(std::string(name));
  return it == index_.end() ? nullptr : it->second;
}

Binding* Scope::Find(std::string_view name) {
  for (Scope* scope = this; scope != nullptr; scope = scope->parent_) {
    if (Binding* binding = scope->FindLocal(name)) return binding;
  }
  return nullptr;
}

Binding& Scope::Add(Binding binding) {
  bindings_.push_back(std::move(binding));
  index_[bindings_.back().name] = &bindings_.back();
  return bindings_.back();
}

void Scope::CollectNames(std::vector<std::string>& names) const {
  for (const Scope* scope = this; scope != nullptr; scope = scope->parent_) {
    for (const Binding& binding : scope->bindings_) names.push_back(binding.name);
  }
}

std::string JoinAlternatives(std::span<const std::string> items, size_t max_items) {
  std::string out;
  size_t shown = std::min(items.size(), max_items);
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) out += (i + 1 == shown && shown == items.size()) ? " or " : ", ";
    out += "`" + items[i] + "`";
  }
  if (shown < items.size()) out += ", ... (" + std::to_string(items.size()) + " values)";
  return out;
}

// ---------------------------------------------------------------------------------------------
// Files

CheckedProgram Checker::Run(std::span<const ast::File* const> files) {
  CheckedProgram program;
  program.files.resize(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    CheckFile(*files[i], program.files[i]);
  }
  return program;
}

void Checker::CheckFile(const ast::File& file, CheckedFile& out) {
  file_ = &file;
  out_ = &out;
  out.file = &file;
  out.expr_types.assign(file.node_count, nullptr);
  imports_.clear();
  consts_.clear();
  const_refs_.clear();
  filter_aliases_.clear();
  // Workflows are file-local, so their execution types are too.
  execution_types_.clear();

  CollectDeclarations();
  for (const auto& decl : file.decls) CheckAnnotations(*decl);
  for (const auto& decl : file.decls) {
    if (const auto* c = ast::As<ast::ConstDecl>(decl.get())) ConstType(c->name.name, {});
  }
  for (const auto& decl : file.decls) {
    if (const auto* rule = ast::As<ast::RuleDecl>(decl.get())) CheckRule(*rule);
    if (const auto* workflow = ast::As<ast::WorkflowDecl>(decl.get())) CheckWorkflow(*workflow);
    if (const auto* test = ast::As<ast::TestDecl>(decl.get())) CheckTest(*test);
  }
  for (auto& [name, state] : consts_) {
    out.consts[name] = state.type;
    if (state.value) out.const_values[name] = *state.value;
  }
  ReportUnusedImports();
  file_ = nullptr;
  out_ = nullptr;
}

namespace {

std::string_view DeclKindName(ast::DeclKind kind) {
  switch (kind) {
    case ast::DeclKind::kImport:
      return "import";
    case ast::DeclKind::kConst:
      return "constant";
    case ast::DeclKind::kTrigger:
      return "trigger";
    case ast::DeclKind::kRule:
      return "rule";
    case ast::DeclKind::kWorkflow:
      return "workflow";
    case ast::DeclKind::kTest:
      return "test";
  }
  return "declaration";
}

}  // namespace

void Checker::CollectDeclarations() {
  // Names of consts, triggers and workflows are file-local; a second declaration of a name is
  // an error and is otherwise ignored.
  std::map<std::string, SourceRange> seen_consts, seen_workflows, seen_tests;
  auto declare = [&](std::map<std::string, SourceRange>& seen, ast::DeclKind kind,
                     const std::string& name, SourceRange range) {
    auto [it, inserted] = seen.emplace(name, range);
    if (!inserted) {
      Emit(Kind::DuplicateDeclaration, range, {DeclKindName(kind), name})
          .AddNote(Kind::PreviousDefinition, it->second, {name});
    }
    return inserted;
  };
  for (const auto& decl : file_->decls) {
    switch (decl->kind) {
      case ast::DeclKind::kImport:
        break;  // CheckImports
      case ast::DeclKind::kConst: {
        const auto& c = ast::Cast<ast::ConstDecl>(*decl);
        if (declare(seen_consts, decl->kind, c.name.name, c.name.range)) {
          consts_[c.name.name].decl = &c;
        }
        break;
      }
      case ast::DeclKind::kTrigger: {
        const auto& t = ast::Cast<ast::TriggerDecl>(*decl);
        std::string name = t.name.ToString();
        if (auto it = out_->triggers.find(name); it != out_->triggers.end()) {
          Emit(Kind::DuplicateDeclaration, t.name.range, {"trigger", name})
              .AddNote(Kind::PreviousDefinition, it->second.decl->name.range, {name});
          break;
        }
        out_->triggers[name].decl = &t;
        break;
      }
      case ast::DeclKind::kRule: {
        const auto& r = ast::Cast<ast::RuleDecl>(*decl);
        declare(rule_names_, decl->kind, r.name.name, r.name.range);
        break;
      }
      case ast::DeclKind::kWorkflow: {
        const auto& w = ast::Cast<ast::WorkflowDecl>(*decl);
        if (declare(seen_workflows, decl->kind, w.name.name, w.name.range)) {
          out_->workflows[w.name.name].decl = &w;
        }
        break;
      }
      case ast::DeclKind::kTest: {
        const auto& t = ast::Cast<ast::TestDecl>(*decl);
        if (t.name != nullptr && t.name->IsPlain()) {
          declare(seen_tests, decl->kind, t.name->Text(), t.name->range);
        }
        break;
      }
    }
  }
  CheckImports();
  // Constants, workflows and import names share one namespace of bare names.
  auto clash = [&](const std::string& name, SourceRange range, std::string_view kind) {
    SourceRange previous;
    if (auto it = imports_.find(name); it != imports_.end()) previous = it->second.decl->range;
    if (auto it = consts_.find(name); it != consts_.end() && kind != "constant") {
      previous = it->second.decl->name.range;
    }
    if (previous.IsValid()) {
      Emit(Kind::DuplicateDeclaration, range, {kind, name})
          .AddNote(Kind::PreviousDefinition, previous, {name});
    }
  };
  for (const auto& [name, state] : consts_) clash(name, state.decl->name.range, "constant");
  for (const auto& [name, workflow] : out_->workflows) {
    clash(name, workflow.decl->name.range, "workflow");
  }
  // A trigger declared under an imported pack's name would hide the pack's trigger.
  for (const auto& [name, declared] : out_->triggers) {
    const ast::QualifiedName& qualified = declared.decl->name;
    auto it = imports_.find(qualified.parts[0].name);
    if (qualified.parts.size() < 2 || it == imports_.end() || it->second.pack == nullptr) continue;
    if (it->second.pack->FindTrigger(name.substr(qualified.parts[0].name.size() + 1))) {
      Emit(Kind::DuplicateDeclaration, qualified.range, {"trigger", name})
          .AddNote(Kind::PreviousDefinition, it->second.decl->range, {name});
    }
  }
  // Trigger payload types first: workflow signatures, consts and rules may name them.
  for (auto& [name, declared] : out_->triggers) DeclareTrigger(*declared.decl);
  for (auto& [name, workflow] : out_->workflows) DeclareWorkflow(*workflow.decl);
}

void Checker::CheckImports() {
  for (const auto& decl : file_->decls) {
    const auto* import = ast::As<ast::ImportDecl>(decl.get());
    if (import == nullptr) continue;
    std::string pack_name = import->pack.ToString();
    std::string alias = import->alias ? import->alias->name : pack_name;
    SourceRange alias_range = import->alias ? import->alias->range : import->pack.range;
    if (auto it = imports_.find(alias); it != imports_.end()) {
      Emit(Kind::DuplicateImport, alias_range, {alias})
          .AddNote(Kind::PreviousDefinition, it->second.decl->range, {alias});
      continue;
    }
    const schema::Pack* pack = packs_.Load(pack_name);
    if (pack == nullptr) {
      std::vector<std::string> available = packs_.AvailablePacks();
      Emit(Kind::UnknownPack, import->pack.range,
           {pack_name, diag::DidYouMean(pack_name, available)});
    }
    imports_[alias] = ImportState{.decl = import, .pack = pack, .used = pack == nullptr};
    out_->imports[alias] = pack;
  }
}

void Checker::ReportUnusedImports() {
  for (const auto& [alias, state] : imports_) {
    if (!state.used) {
      Emit(Kind::UnusedImport, state.decl->range, {state.decl->pack.ToString()});
    }
  }
}

const schema::Pack* Checker::ImportedPack(std::string_view alias) {
  auto it = imports_.find(std::string(alias));
  if (it == imports_.end()) return nullptr;
  it->second.used = true;
  return it->second.pack;
}

std::vector<std::string> Checker::ImportAliases() const {
  std::vector<std::string> aliases;
  for (const auto& [alias, state] : imports_) aliases.push_back(alias);
  return aliases;
}

bool Checker::IsAvailablePack(std::string_view name) {
  if (!available_packs_) available_packs_ = packs_.AvailablePacks();
  return std::find(available_packs_->begin(), available_packs_->end(), name) !=
         available_packs_->end();
}

const schema::Pack* Checker::BuiltinCore() {
  const schema::Pack* core = packs_.Load("core");
  return core != nullptr && core->builtin ? core : nullptr;
}

void Checker::CheckAnnotations(const ast::Decl& decl) {
  static const std::vector<std::string> kKnown = {"backstop", "description", "disabled"};
  static const std::vector<std::string> kSpelled = {"@backstop", "@description", "@disabled"};
  std::map<std::string, SourceRange> seen;
  for (const auto& annotation : decl.annotations) {
    const std::string& name = annotation->name.name;
    if (std::find(kKnown.begin(), kKnown.end(), name) == kKnown.end()) {
      Emit(Kind::UnknownAnnotation, annotation->range,
           {name, diag::DidYouMean("@" + name, kSpelled)});
      continue;
    }
    if (auto [it, inserted] = seen.emplace(name, annotation->range); !inserted) {
      Emit(Kind::DuplicateDeclaration, annotation->range, {"annotation", "@" + name})
          .AddNote(Kind::PreviousDefinition, it->second, {"@" + name});
      continue;
    }
    if (name == "description") {
      const ast::StringLiteral* text = annotation->args.size() == 1
                                           ? ast::As<ast::StringLiteral>(annotation->args[0].get())
                                           : nullptr;
      if (text == nullptr || !text->IsPlain()) {
        Emit(Kind::AnnotationArguments, annotation->range,
             {name, "one string without interpolation, e.g. `@description(\"...\")`"});
      }
      continue;
    }
    // @disabled and @backstop: rules only, no arguments.
    if (decl.kind != ast::DeclKind::kRule) {
      std::string_view kind = DeclKindName(decl.kind);
      std::string article = kind == "import" ? "an " : "a ";
      Emit(Kind::MisplacedAnnotation, annotation->range,
           {name, "rules", article + std::string(kind)});
      continue;
    }
    if (annotation->has_parens) {
      Emit(Kind::AnnotationArguments, annotation->range, {name, "no arguments"});
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Types and declarations

const Type* Checker::ResolveType(const ast::TypeExpr& type) {
  const Type* resolved = types_.Error();
  if (const auto* record = ast::As<ast::RecordType>(&type)) {
    resolved = types_.Record(ResolveFields(record->fields, "record type"));
  } else {
    const auto& named = ast::Cast<ast::NamedType>(type);
    std::string name = named.name.ToString();
    struct Scalar {
      const char* name;
      const Type* type;
    };
    const Scalar scalars[] = {
        {"string", types_.String()}, {"int", types_.Int()},           {"float", types_.Float()},
        {"bool", types_.Bool()},     {"duration", types_.Duration()}, {"time", types_.Time()},
        {"json", types_.Json()},
    };
    auto arity = [&](size_t expected) {
      if (named.args.size() == expected) return true;
      Emit(Kind::WrongTypeArity, named.range,
           {name,
            expected == 0   ? std::string("no type arguments")
            : expected == 1 ? std::string("one type argument")
                            : std::to_string(expected) + " type arguments",
            std::to_string(named.args.size())});
      return false;
    };
    bool found = false;
    for (const Scalar& scalar : scalars) {
      if (name == scalar.name) {
        found = true;
        resolved = arity(0) ? scalar.type : types_.Error();
      }
    }
    if (!found && (name == "list" || name == "map")) {
      found = true;
      if (arity(1)) {
        const Type* element = ResolveType(*named.args[0]);
        resolved = name == "list" ? types_.List(element) : types_.Map(element);
      }
    }
    if (!found) {
      if (auto it = out_->triggers.find(name); it != out_->triggers.end()) {
        found = true;
        if (declaring_triggers_.count(name) != 0) {
          Emit(Kind::RecursiveType, named.range, {name});
          return types_.Error();
        }
        if (it->second.payload == nullptr) DeclareTrigger(*it->second.decl);
        resolved = arity(0) ? it->second.payload : types_.Error();
      } else if (named.name.parts.size() >= 2) {
        // A pack trigger's payload: `linux.file_watch.line`.
        if (const schema::Pack* pack = ImportedPack(named.name.parts[0].name)) {
          std::string rest = name.substr(named.name.parts[0].name.size() + 1);
          if (const schema::TriggerType* trigger = pack->FindTrigger(rest)) {
            found = true;
            resolved = arity(0) ? trigger->payload : types_.Error();
          }
        }
      }
    }
    if (!found) {
      std::vector<std::string> candidates = {"string", "int",  "float", "bool", "duration",
                                             "time",   "json", "list",  "map"};
      for (const auto& [trigger, declared] : out_->triggers) candidates.push_back(trigger);
      Emit(Kind::UnknownType, named.name.range, {name, diag::DidYouMean(name, candidates)});
    }
  }
  return type.optional ? types_.Optional(resolved) : resolved;
}

std::vector<types::Field> Checker::ResolveFields(
    const std::vector<ast::Ptr<ast::FieldDecl>>& fields, std::string_view owner) {
  std::vector<types::Field> out;
  std::map<std::string, SourceRange> seen;
  for (const auto& field : fields) {
    if (auto [it, inserted] = seen.emplace(field->name.name, field->name.range); !inserted) {
      Emit(Kind::DuplicateField, field->name.range, {field->name.name})
          .AddNote(Kind::PreviousDefinition, it->second, {field->name.name});
      continue;
    }
    types::Field resolved;
    resolved.name = field->name.name;
    resolved.type = field->type ? ResolveType(*field->type) : types_.Error();
    resolved.required = !resolved.type->IsOptional();
    resolved.decl = field->name.range;
    if (field->default_value != nullptr) {
      const Type* value_type =
          CheckExpr(*field->default_value, file_scope_, ExprContext{.place = "a default value"});
      ExpectType(*field->default_value, value_type, resolved.type,
                 "the default of `" + field->name.name + "`");
      if (std::optional<ConstValue> value = Evaluate(*field->default_value)) {
        resolved.default_json = value->ToJson();
      } else if (!value_type->IsError()) {
        Emit(Kind::NotConstant, field->default_value->range,
             {"the default of `" + field->name.name + "`", "a value known only at run time"});
      }
    }
    (void)owner;
    out.push_back(std::move(resolved));
  }
  return out;
}

void Checker::DeclareTrigger(const ast::TriggerDecl& decl) {
  DeclaredTrigger& declared = out_->triggers[decl.name.ToString()];
  if (declared.payload != nullptr) return;
  // A trigger whose fields name its own type (directly or through another trigger) is
  // reported by ResolveType as RecursiveType.
  std::string name = decl.name.ToString();
  declared.decl = &decl;
  declaring_triggers_.insert(name);
  std::vector<types::Field> fields = ResolveFields(decl.fields, "trigger");
  declaring_triggers_.erase(name);
  out_->triggers[name].payload = types_.Record(std::move(fields), nullptr, name);
}

void Checker::DeclareWorkflow(const ast::WorkflowDecl& decl) {
  CheckedWorkflow& workflow = out_->workflows[decl.name.name];
  workflow.decl = &decl;
  workflow.params = ResolveFields(decl.params, "workflow");
  // A parameter with a default may be omitted by callers.
  for (size_t i = 0, j = 0; i < decl.params.size() && j < workflow.params.size(); ++i) {
    if (decl.params[i]->name.name != workflow.params[j].name) continue;
    if (decl.params[i]->default_value != nullptr) {
      workflow.params[j].required = false;
      if (workflow.params[j].default_json.empty()) workflow.params[j].default_json = "null";
    }
    ++j;
  }
  workflow.result = decl.return_type ? ResolveType(*decl.return_type) : types_.Json();
}

const Type* Checker::ConstType(const std::string& name, SourceRange use) {
  auto it = consts_.find(name);
  if (it == consts_.end()) return nullptr;
  ConstState& state = it->second;
  switch (state.state) {
    case ConstState::State::kDone:
      return state.type;
    case ConstState::State::kVisiting:
      Emit(Kind::ConstCycle, use.IsValid() ? use : state.decl->name.range, {name});
      return types_.Error();
    case ConstState::State::kUnvisited:
      break;
  }
  // Each constant referring to the next one nests one more check: bound the depth.
  constexpr int kMaxConstDepth = 1000;
  if (const_depth_ >= kMaxConstDepth) {
    Emit(Kind::ConstChainTooDeep, use.IsValid() ? use : state.decl->name.range,
         {name, kMaxConstDepth});
    // Reported once: the rest of the chain stays unchecked rather than re-reported.
    state.state = ConstState::State::kDone;
    state.type = types_.Error();
    return types_.Error();
  }
  ++const_depth_;
  state.state = ConstState::State::kVisiting;
  const ast::ConstDecl& decl = *state.decl;
  Scope scope(&file_scope_);
  const Type* value_type = CheckExpr(*decl.value, scope, ExprContext{.place = "a constant"});
  const Type* type = value_type;
  if (decl.type != nullptr) {
    type = ResolveType(*decl.type);
    ExpectType(*decl.value, value_type, type, "the value of constant `" + name + "`");
  }
  std::optional<ConstValue> value = Evaluate(*decl.value);
  if (!value && !value_type->IsError()) {
    Emit(Kind::NotConstant, decl.value->range,
         {"the value of constant `" + name + "`", "a value known only at run time"});
  }
  state.state = ConstState::State::kDone;
  state.type = type;
  state.value = std::move(value);
  --const_depth_;
  return type;
}

std::optional<ConstValue> Checker::ConstValueOf(const std::string& name) {
  auto it = consts_.find(name);
  if (it == consts_.end()) return std::nullopt;
  // A constant still being checked is part of a cycle, already reported where it is used.
  if (it->second.state == ConstState::State::kVisiting) return std::nullopt;
  if (it->second.state == ConstState::State::kUnvisited) ConstType(name, {});
  return it->second.value;
}

void Checker::CloseScope(Scope& scope) {
  for (const Binding& binding : scope.bindings()) {
    bool warn = binding.kind == BindingKind::kAlias || binding.kind == BindingKind::kLet ||
                binding.kind == BindingKind::kCatch || binding.kind == BindingKind::kLoopVar;
    if (warn && !binding.used && binding.decl.IsValid() && !binding.name.starts_with("_")) {
      Emit(Kind::UnusedBinding, binding.decl, {binding.name});
    }
    if (current_workflow_ != nullptr && binding.decl.IsValid() &&
        (binding.kind == BindingKind::kLet || binding.kind == BindingKind::kCatch ||
         binding.kind == BindingKind::kLoopVar)) {
      closed_bindings_.push_back(
          ClosedBinding{.name = binding.name, .decl = binding.decl, .kind = binding.kind});
    }
  }
}

}  // namespace internal
}  // namespace squall::check
