#include "cli/lsp/features.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "compiler/ast/ast_printer.h"
#include "compiler/diag/kind.h"
#include "compiler/format/formatter.h"
#include "compiler/parse/parser.h"

namespace squall::lsp {
namespace {

using nlohmann::json;

// LSP enumerations used here.
constexpr int kSeverityError = 1;
constexpr int kSeverityWarning = 2;
constexpr int kSymbolFunction = 12;
constexpr int kSymbolConstant = 14;
constexpr int kSymbolStruct = 23;
constexpr int kSymbolEvent = 24;
constexpr int kSymbolMethod = 6;
constexpr int kSymbolField = 8;
constexpr int kItemMethod = 2;
constexpr int kItemFunction = 3;
constexpr int kItemField = 5;
constexpr int kItemVariable = 6;
constexpr int kItemModule = 9;
constexpr int kItemProperty = 10;
constexpr int kItemKeyword = 14;
constexpr int kItemConstant = 21;
constexpr int kItemEvent = 23;

json PositionJson(Position p) { return {{"line", p.line}, {"character", p.character}}; }

json RangeJson(std::string_view text, uint32_t begin, uint32_t end) {
  return {{"start", PositionJson(OffsetToPosition(text, begin))},
          {"end", PositionJson(OffsetToPosition(text, end))}};
}

json RangeJson(std::string_view text, const source::SourceRange& range) {
  return RangeJson(text, range.begin, range.end);
}

json Markdown(const std::string& value) { return {{"kind", "markdown"}, {"value", value}}; }

std::string TypeName(const types::Type* type) {
  return type == nullptr ? "json" : types::ToString(type);
}

// Every node of the tree in printing order (the printer visits each node once).
std::vector<const ast::Node*> AllNodes(const Analysis& analysis) {
  std::vector<const ast::Node*> nodes;
  ast::PrintOptions options;
  options.locations = false;
  options.annotate = [&nodes](const ast::Node& node) {
    nodes.push_back(&node);
    return std::string();
  };
  ast::PrintAst(*analysis.file, analysis.sources, options);
  return nodes;
}

// The nodes whose range contains `offset`, innermost (shortest) first.
std::vector<const ast::Node*> NodesAt(const Analysis& analysis, uint32_t offset) {
  std::vector<const ast::Node*> found;
  for (const ast::Node* node : AllNodes(analysis)) {
    if (node->range.file == analysis.file_id && node->range.Contains(offset)) {
      found.push_back(node);
    }
  }
  std::stable_sort(found.begin(), found.end(), [](const ast::Node* a, const ast::Node* b) {
    return a->range.Length() < b->range.Length();
  });
  return found;
}

bool Covers(const source::SourceRange& range, uint32_t offset) {
  // The end counts too, so the cursor right after a name still names it.
  return range.IsValid() && range.begin <= offset && offset <= range.end;
}

// Where an embedded built-in file (`stdlib/packs/core/actions/local.yaml`, whose bytes are
// `text`) is copied for the editor to open: $XDG_CACHE_HOME/squall/stdlib (else
// ~/.cache/squall/stdlib), in a directory named by a hash of the text, so that servers of
// different builds never overwrite each other's copies and a copy is written once. The copy is
// read-only: editing it changes nothing. "" when there is no cache directory or it cannot be
// written.
std::string BuiltinCopy(std::string_view display_path, std::string_view text) {
  std::filesystem::path root;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != 0) {
    root = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != 0) {
    root = std::filesystem::path(home) / ".cache";
  } else {
    return "";
  }
  uint64_t hash = 14695981039346656037ull;  // FNV-1a
  for (char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  std::filesystem::path target = root / "squall" / "stdlib" / hex /
                                 std::filesystem::path(display_path).lexically_relative("stdlib");
  std::error_code ec;
  if (std::filesystem::is_regular_file(target, ec)) return target.string();
  std::filesystem::create_directories(target.parent_path(), ec);
  if (ec) return "";
  // Written aside and renamed: another server may be writing the same copy.
  std::filesystem::path temporary = target;
  temporary += ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out.flush()) {
      std::filesystem::remove(temporary, ec);
      return "";
    }
  }
  using std::filesystem::perms;
  std::filesystem::permissions(temporary,
                               perms::owner_read | perms::group_read | perms::others_read, ec);
  std::filesystem::rename(temporary, target, ec);
  if (ec) {
    std::filesystem::remove(temporary, ec);
    return "";
  }
  return target.string();
}

// A location in any file of the analysis: the document itself, a file on disk (pack YAML) or
// an embedded built-in file (through its copy, BuiltinCopy). Null for a file that does not
// exist on disk and is not built in.
json LocationJson(const Analysis& analysis, const source::SourceRange& range) {
  if (!range.IsValid()) return nullptr;
  std::string_view text = analysis.sources.Text(range.file);
  if (range.file == analysis.file_id) {
    return {{"uri", analysis.uri}, {"range", RangeJson(text, range)}};
  }
  std::string path(analysis.sources.Path(range.file));
  // `stdlib/...`: the built-in packs and runners, embedded in the binary. Their display paths
  // name no file the editor could open (a file found there relative to the server's directory
  // would be a source tree that may differ from what was built in).
  if (path.starts_with("stdlib/")) {
    path = BuiltinCopy(path, text);
    if (path.empty()) return nullptr;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return nullptr;
  return {{"uri", PathToUri(path)}, {"range", RangeJson(text, range)}};
}

std::string ParameterLine(const schema::Parameter& p) {
  std::string line = p.name + ": " + TypeName(p.type);
  if (p.default_json) line += " = " + *p.default_json;
  return line;
}

std::string ActionHover(const schema::Action& action) {
  std::string out = "```squall\naction " + action.ref + "(";
  for (const schema::Parameter& p : action.parameters) out += "\n  " + ParameterLine(p) + ",";
  if (!action.parameters.empty()) out += "\n";
  out += ") -> " + TypeName(action.output) + "\n```\n";
  if (!action.description.empty()) out += "\n" + action.description + "\n";
  if (!action.parameters.empty()) out += "\nParameters:\n";
  for (const schema::Parameter& p : action.parameters) {
    out += "- `" + p.name + "` (" + TypeName(p.type) + (p.required ? ", required" : "") + ")";
    if (!p.description.empty()) out += ": " + p.description;
    out += "\n";
  }
  return out;
}

std::string TriggerHover(const check::TriggerTarget& target) {
  std::string out = "```squall\ntrigger " + target.ref + "\n```\n";
  if (target.pack_trigger != nullptr && !target.pack_trigger->description.empty()) {
    out += "\n" + target.pack_trigger->description + "\n";
  }
  const types::Type* payload = target.payload;
  if (payload != nullptr && payload->NonOptional()->kind() == types::TypeKind::kRecord) {
    out += "\nPayload (`event`):\n";
    for (const types::Field& field : payload->NonOptional()->fields()) {
      out += "- `" + field.name + ": " + TypeName(field.type) + "`";
      if (!field.description.empty()) out += ": " + field.description;
      out += "\n";
    }
  } else {
    out += "\nPayload: `" + TypeName(payload) + "`\n";
  }
  return out;
}

std::string WorkflowHover(const check::CheckedFile& file, const ast::WorkflowDecl& decl) {
  std::string out = "```squall\nworkflow " + decl.name.name + "(";
  auto it = file.workflows.find(decl.name.name);
  if (it != file.workflows.end()) {
    for (size_t i = 0; i < it->second.params.size(); ++i) {
      const types::Field& p = it->second.params[i];
      out += (i == 0 ? "" : ", ") + p.name + ": " + TypeName(p.type);
    }
    out += ") -> " + TypeName(it->second.result);
  } else {
    out += ")";
  }
  return out + "\n```\n";
}

// The source text of `range`, on one line, shortened for a hover title.
std::string Snippet(std::string_view text, const source::SourceRange& range) {
  std::string out;
  for (uint32_t i = range.begin; i < range.end && i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out += c;
  }
  if (out.size() > 60) {
    size_t cut = 57;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out = out.substr(0, cut) + "...";
  }
  return out;
}

json HoverResult(std::string_view text, const source::SourceRange& range,
                 const std::string& markdown) {
  return {{"contents", Markdown(markdown)}, {"range", RangeJson(text, range)}};
}

const std::regex& Re(const char* pattern) {
  // Patterns are literals; cache each compiled regex by address.
  static thread_local std::vector<std::pair<const char*, std::regex>> cache;
  for (auto& [key, re] : cache) {
    if (key == pattern) return re;
  }
  cache.emplace_back(pattern, std::regex(pattern));
  return cache.back().second;
}

// A local name: a workflow's parameter, `let`, `for` variable or caught error, or a rule's
// trigger alias (`as d`), with where it is declared and where it can be used.
struct Binding {
  std::string name;
  std::string what;  // "let", "parameter", ...
  source::SourceRange decl;
  source::SourceRange scope;  // from the declaration to the end of its block
  const types::Type* type = nullptr;
};

source::SourceRange Between(const source::SourceRange& from, const source::SourceRange& to) {
  return source::SourceRange{from.file, from.begin, std::max(from.begin, to.end)};
}

void CollectStmt(const check::CheckedFile& file, const ast::Stmt* stmt,
                 const source::SourceRange& block, std::vector<Binding>& out);

// A `for` bound or used as a statement: its variable, then its body.
void CollectFor(const check::CheckedFile& file, const ast::Expr* expr, std::vector<Binding>& out) {
  const auto* loop = ast::As<ast::ForExpr>(expr);
  if (loop == nullptr || loop->body == nullptr) return;
  const types::Type* items = loop->iterable ? file.TypeOf(*loop->iterable) : nullptr;
  const types::Type* element = nullptr;
  if (items != nullptr && items->NonOptional()->kind() == types::TypeKind::kList) {
    element = items->NonOptional()->element();
  }
  out.push_back(Binding{loop->variable.name, "for", loop->variable.range,
                        Between(loop->variable.range, loop->body->range), element});
  CollectStmt(file, loop->body.get(), loop->body->range, out);
}

void CollectStmt(const check::CheckedFile& file, const ast::Stmt* stmt,
                 const source::SourceRange& block, std::vector<Binding>& out) {
  if (stmt == nullptr) return;
  switch (stmt->kind) {
    case ast::StmtKind::kBlock:
      for (const auto& s : ast::Cast<ast::BlockStmt>(*stmt).statements) {
        CollectStmt(file, s.get(), stmt->range, out);
      }
      break;
    case ast::StmtKind::kLet: {
      const auto& let = ast::Cast<ast::LetStmt>(*stmt);
      out.push_back(Binding{let.name.name, "let", let.name.range, Between(let.range, block),
                            let.value ? file.TypeOf(*let.value) : nullptr});
      CollectFor(file, let.value.get(), out);
      break;
    }
    case ast::StmtKind::kExpr:
      CollectFor(file, ast::Cast<ast::ExprStmt>(*stmt).expr.get(), out);
      break;
    case ast::StmtKind::kIf: {
      const auto& branch = ast::Cast<ast::IfStmt>(*stmt);
      CollectStmt(file, branch.then_block.get(), block, out);
      CollectStmt(file, branch.else_branch.get(), block, out);
      break;
    }
    case ast::StmtKind::kParallel:
      for (const auto& s : ast::Cast<ast::ParallelStmt>(*stmt).branches) {
        CollectStmt(file, s.get(), s->range, out);
      }
      break;
    case ast::StmtKind::kWhile:
      CollectStmt(file, ast::Cast<ast::WhileStmt>(*stmt).body.get(), block, out);
      break;
    case ast::StmtKind::kTry: {
      const auto& attempt = ast::Cast<ast::TryStmt>(*stmt);
      CollectStmt(file, attempt.body.get(), block, out);
      if (attempt.error_name && attempt.handler) {
        // Its type is the checker's error record: the type of a use, when there is one.
        out.push_back(Binding{attempt.error_name->name, "catch", attempt.error_name->range,
                              Between(attempt.error_name->range, attempt.handler->range), nullptr});
      }
      CollectStmt(file, attempt.handler.get(), block, out);
      break;
    }
    default:
      break;
  }
}

// Every local name of the document.
std::vector<Binding> Bindings(const Analysis& analysis, const check::CheckedFile& file) {
  std::vector<Binding> out;
  for (const auto& decl : analysis.file->decls) {
    if (const auto* workflow = ast::As<ast::WorkflowDecl>(decl.get())) {
      auto checked = file.workflows.find(workflow->name.name);
      for (const auto& param : workflow->params) {
        if (param == nullptr) continue;
        const types::Type* type = nullptr;
        if (checked != file.workflows.end()) {
          for (const types::Field& f : checked->second.params) {
            if (f.name == param->name.name) type = f.type;
          }
        }
        out.push_back(Binding{param->name.name, "parameter", param->name.range, decl->range, type});
      }
      CollectStmt(file, workflow->body.get(), decl->range, out);
    } else if (const auto* rule = ast::As<ast::RuleDecl>(decl.get())) {
      if (rule->trigger == nullptr) continue;
      for (const auto& atom : rule->trigger->atoms) {
        if (atom == nullptr || !atom->alias) continue;
        auto target = file.trigger_atoms.find(atom->id.value);
        out.push_back(
            Binding{atom->alias->name, "alias", atom->alias->range, decl->range,
                    target != file.trigger_atoms.end() ? target->second.payload : nullptr});
      }
    }
  }
  return out;
}

// The binding a use of `name` at `offset` refers to: the latest one declared before it whose
// scope holds it. Null when none (a const, `event`, a global).
const Binding* Resolve(const std::vector<Binding>& bindings, const std::string& name,
                       uint32_t offset) {
  const Binding* found = nullptr;
  for (const Binding& b : bindings) {
    if (b.name != name || !Covers(b.scope, offset) || b.decl.begin > offset) continue;
    if (found == nullptr || b.decl.begin >= found->decl.begin) found = &b;
  }
  return found;
}

// The name expression `node` is, if it is one (every expression has a type entry).
const ast::NameExpr* AsName(const check::CheckedFile& file, const ast::Node* node) {
  if (node->id.value >= file.expr_types.size() || file.expr_types[node->id.value] == nullptr) {
    return nullptr;
  }
  return ast::As<ast::NameExpr>(static_cast<const ast::Expr*>(node));
}

// Hover over the declaration of a local name: its kind and type (for a caught error, the type
// a use of it has).
json BindingHover(const Analysis& analysis, const check::CheckedFile& file, uint32_t offset) {
  std::vector<Binding> bindings = Bindings(analysis, file);
  for (const Binding& b : bindings) {
    if (!b.decl.Contains(offset)) continue;
    const types::Type* type = b.type;
    for (const ast::Node* node :
         type == nullptr ? AllNodes(analysis) : std::vector<const ast::Node*>{}) {
      const ast::NameExpr* use = AsName(file, node);
      if (use != nullptr && use->name.name == b.name &&
          Resolve(bindings, b.name, node->range.begin) == &b) {
        type = file.expr_types[node->id.value];
        break;
      }
    }
    std::string title = b.what == "alias" ? "alias" : b.what == "parameter" ? "param" : b.what;
    return HoverResult(analysis.text(), b.decl,
                       "```squall\n" + title + " " + b.name + ": " + TypeName(type) + "\n```\n");
  }
  return nullptr;
}

}  // namespace

json PublishDiagnosticsParams(const Analysis& analysis, const json& version) {
  std::string_view text = analysis.text();
  json list = json::array();
  for (const diag::Diagnostic& d : analysis.diagnostics) {
    json item;
    std::string message = d.message;
    if (d.range.IsValid() && d.range.file == analysis.file_id) {
      item["range"] = RangeJson(text, d.range);
    } else {
      item["range"] = RangeJson(text, 0, 0);
      if (d.range.IsValid()) {
        source::LineCol lc = analysis.sources.GetLineCol(d.range.file, d.range.begin);
        message = std::string(analysis.sources.Path(d.range.file)) + ":" + std::to_string(lc.line) +
                  ":" + std::to_string(lc.column) + ": " + message;
      }
    }
    item["severity"] = d.severity == diag::Severity::Warning ? kSeverityWarning : kSeverityError;
    item["code"] = std::string(diag::Info(d.kind).name);
    item["source"] = "squall";
    json related = json::array();
    for (const diag::Note& note : d.notes) {
      json location = note.range.IsValid() ? LocationJson(analysis, note.range) : json(nullptr);
      if (location.is_null() && note.range.IsValid() && note.range.file != analysis.file_id) {
        // A note in an embedded file: name the place in the text instead.
        source::LineCol lc = analysis.sources.GetLineCol(note.range.file, note.range.begin);
        std::string where = std::string(analysis.sources.Path(note.range.file)) + ":" +
                            std::to_string(lc.line) + ":" + std::to_string(lc.column);
        message += "\nnote: " + note.message + " (" + where + ")";
      } else if (location.is_null()) {
        message += "\nnote: " + note.message;
      } else {
        related.push_back({{"location", location}, {"message", note.message}});
      }
    }
    item["message"] = message;
    if (!related.empty()) item["relatedInformation"] = related;
    list.push_back(std::move(item));
  }
  json params = {{"uri", analysis.uri}, {"diagnostics", list}};
  if (!version.is_null()) params["version"] = version;
  return params;
}

json Hover(const Analysis& analysis, Position position) {
  const check::CheckedFile* file = analysis.checked_file();
  if (file == nullptr) return nullptr;
  std::string_view text = analysis.text();
  uint32_t offset = PositionToOffset(text, position);
  std::vector<const ast::Node*> nodes = NodesAt(analysis, offset);
  if (json local = BindingHover(analysis, *file, offset); !local.is_null()) return local;

  // The callee of a call: the action, workflow or function it names.
  for (const ast::Node* node : nodes) {
    auto call = file->calls.find(node->id.value);
    if (call == file->calls.end()) continue;
    const auto& expr = static_cast<const ast::CallExpr&>(*node);
    if (expr.callee == nullptr || !expr.callee->range.Contains(offset)) continue;
    const check::CallTarget& target = call->second;
    std::string markdown;
    if (target.kind == check::CallTarget::Kind::kAction && target.action != nullptr) {
      markdown = ActionHover(*target.action);
    } else if (target.kind == check::CallTarget::Kind::kWorkflow && target.workflow != nullptr) {
      markdown = WorkflowHover(*file, *target.workflow);
    } else {
      markdown =
          "```squall\nfunction " + std::string(check::BuiltinName(target.builtin)) + "\n```\n";
    }
    return HoverResult(text, expr.callee->range, markdown);
  }
  for (const ast::Node* node : nodes) {
    auto atom = file->trigger_atoms.find(node->id.value);
    if (atom != file->trigger_atoms.end()) {
      const auto& trigger = static_cast<const ast::TriggerAtom&>(*node);
      source::SourceRange name_range =
          trigger.kind == ast::TriggerAtomKind::kNamed ? trigger.name.range : trigger.range;
      if (!name_range.Contains(offset)) continue;
      return HoverResult(text, name_range, TriggerHover(atom->second));
    }
    const types::Type* type =
        node->id.value < file->expr_types.size() ? file->expr_types[node->id.value] : nullptr;
    if (type == nullptr) continue;
    const auto& expr = static_cast<const ast::Expr&>(*node);
    std::string markdown = "```squall\n";
    if (auto c = file->const_refs.find(node->id.value); c != file->const_refs.end()) {
      markdown += "const " + c->second + ": " + TypeName(type);
    } else {
      markdown += Snippet(text, node->range) + ": " + TypeName(type);
    }
    markdown += "\n```\n";
    // A payload or record field: its description from the trigger or schema.
    if (const auto* member = ast::As<ast::MemberExpr>(&expr); member != nullptr) {
      const types::Type* object = file->TypeOf(*member->object);
      if (object != nullptr && object->NonOptional()->kind() == types::TypeKind::kRecord) {
        const types::Field* field = object->NonOptional()->FindField(member->member.name);
        if (field != nullptr && !field->description.empty()) {
          markdown += "\n" + field->description + "\n";
        }
      }
    }
    return HoverResult(text, node->range, markdown);
  }
  return nullptr;
}

namespace {

json Item(const std::string& label, int kind, const std::string& detail = "",
          const std::string& documentation = "") {
  json item = {{"label", label}, {"kind", kind}};
  if (!detail.empty()) item["detail"] = detail;
  if (!documentation.empty()) item["documentation"] = Markdown(documentation);
  return item;
}

// The trigger types a trigger position may name: the file's own and those of imported packs
// (under the import's alias).
void AddTriggers(const check::CheckedFile& file, json& items) {
  for (const auto& [name, trigger] : file.triggers) {
    items.push_back(Item(name, kItemEvent, "trigger " + name));
  }
  for (const auto& [alias, pack] : file.imports) {
    if (pack == nullptr) continue;
    for (const schema::TriggerType& t : pack->triggers) {
      items.push_back(Item(alias + "." + t.name, kItemEvent, "trigger " + t.ref, t.description));
    }
  }
}

void AddFields(const types::Type* payload, json& items) {
  if (payload == nullptr) return;
  payload = payload->NonOptional();
  if (payload->kind() != types::TypeKind::kRecord) return;
  for (const types::Field& field : payload->fields()) {
    items.push_back(Item(field.name, kItemField, TypeName(field.type), field.description));
  }
}

const ast::RuleDecl* FindRule(const Analysis& analysis, const std::string& name) {
  for (const auto& decl : analysis.file->decls) {
    if (const auto* rule = ast::As<ast::RuleDecl>(decl.get()); rule && rule->name.name == name) {
      return rule;
    }
  }
  return nullptr;
}

// The payload `object` names in rule `rule_name`: `event` is the first trigger's payload, an
// `as` alias its trigger's.
const types::Type* PayloadOf(const Analysis& analysis, const std::string& rule_name,
                             const std::string& object) {
  const check::CheckedFile* file = analysis.checked_file();
  const ast::RuleDecl* rule = FindRule(analysis, rule_name);
  if (file == nullptr || rule == nullptr || rule->trigger == nullptr) return nullptr;
  for (const auto& atom : rule->trigger->atoms) {
    if (atom == nullptr) continue;
    bool named = object == "event" ? true : (atom->alias && atom->alias->name == object);
    if (!named) continue;
    auto target = file->trigger_atoms.find(atom->id.value);
    if (target != file->trigger_atoms.end()) return target->second.payload;
  }
  return nullptr;
}

// The type of the name expression `name` that starts at `begin`, if the analysis has one.
const types::Type* TypeOfNameAt(const Analysis& analysis, uint32_t begin, const std::string& name) {
  const check::CheckedFile* file = analysis.checked_file();
  if (file == nullptr) return nullptr;
  for (const ast::Node* node : NodesAt(analysis, begin)) {
    const ast::NameExpr* use = AsName(*file, node);
    if (use != nullptr && node->range.begin == begin && use->name.name == name) {
      return file->expr_types[node->id.value];
    }
  }
  return nullptr;
}

// When the cursor is at an argument name inside `callee(...)`: the callee's dotted path and
// the argument names already written. Scans back from the cursor over brackets and strings.
struct CallContext {
  std::string callee;
  std::set<std::string> used;
};

std::optional<CallContext> CallAt(std::string_view text, uint32_t offset) {
  // Forward pass to find which bytes are inside strings (quoted, one line) so brackets in
  // them do not count; triple-quoted strings are treated like quoted ones per line.
  std::vector<uint32_t> open;  // offsets of unclosed brackets
  bool in_string = false;
  for (uint32_t i = 0; i < offset && i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"' || c == '\n') {
        in_string = false;
      }
      continue;
    }
    if (c == '#') {
      while (i < offset && text[i] != '\n') ++i;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '(' || c == '[' || c == '{') {
      open.push_back(i);
    } else if ((c == ')' || c == ']' || c == '}') && !open.empty()) {
      open.pop_back();
    }
  }
  if (in_string || open.empty() || text[open.back()] != '(') return std::nullopt;
  uint32_t paren = open.back();
  // Argument-name position: only a partial word since the `(` or the last top-level `,`.
  std::string_view args = text.substr(paren + 1, offset - paren - 1);
  std::string since(args);
  size_t comma = std::string::npos;
  int depth = 0;
  bool quoted = false;
  for (size_t i = 0; i < args.size(); ++i) {
    char c = args[i];
    if (quoted) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        quoted = false;
      continue;
    }
    if (c == '"')
      quoted = true;
    else if (c == '(' || c == '[' || c == '{')
      ++depth;
    else if (c == ')' || c == ']' || c == '}')
      --depth;
    else if (c == ',' && depth == 0)
      comma = i;
  }
  std::string tail(comma == std::string::npos ? args : args.substr(comma + 1));
  if (!std::regex_match(tail, Re(R"(\s*\w*)"))) return std::nullopt;
  std::string before(text.substr(0, paren));
  std::smatch m;
  if (!std::regex_search(before, m, Re(R"(([A-Za-z_][\w.]*)\s*$)"))) return std::nullopt;
  CallContext context{m[1].str(), {}};
  std::string all(args);
  for (std::sregex_iterator it(all.begin(), all.end(), Re(R"((?:^|[(,]\s*|\n\s*)(\w+)\s*:)")), end;
       it != end; ++it) {
    context.used.insert((*it)[1].str());
  }
  return context;
}

}  // namespace

json Completion(const Analysis& current, const Analysis* context, Position position) {
  std::string_view text = current.text();
  uint32_t offset = PositionToOffset(text, position);
  const check::CheckedFile* file = context != nullptr ? context->checked_file() : nullptr;
  uint32_t line_start = offset;
  while (line_start > 0 && text[line_start - 1] != '\n') --line_start;
  std::string line(text.substr(line_start, offset - line_start));
  std::string before(text.substr(0, offset));
  json items = json::array();
  std::smatch m;

  // After `object.`: payload fields, or a pack's actions (triggers in a trigger position).
  if (std::regex_search(line, m, Re(R"(([A-Za-z_]\w*)\s*\??\.\s*\w*$)"))) {
    std::string object = m[1].str();
    std::string head = line.substr(0, static_cast<size_t>(m.position(0)));
    bool trigger_position = std::regex_search(head, Re(R"(\b(if|given|wait|not|by|of)\s*\(?\s*$)"));
    if (file != nullptr) {
      auto import = file->imports.find(object);
      if (import != file->imports.end() && import->second != nullptr) {
        const schema::Pack& pack = *import->second;
        if (trigger_position) {
          for (const schema::TriggerType& t : pack.triggers) {
            items.push_back(Item(t.name, kItemEvent, "trigger " + t.ref, t.description));
          }
        } else {
          for (const schema::Action& a : pack.actions) {
            items.push_back(Item(a.name, kItemMethod, "action " + a.ref, a.description));
          }
        }
        return items;
      }
      if (trigger_position) {
        // A dotted trigger declared in the file: `disk.` -> `low`.
        for (const auto& [name, trigger] : file->triggers) {
          if (name.starts_with(object + ".")) {
            items.push_back(Item(name.substr(object.size() + 1), kItemEvent, "trigger " + name));
          }
        }
        return items;
      }
      std::smatch rule;
      std::string rule_name;
      for (std::sregex_iterator it(before.begin(), before.end(), Re(R"(\brule\s+(\w+))")), end;
           it != end; ++it) {
        rule_name = (*it)[1].str();
      }
      const types::Type* payload = PayloadOf(*context, rule_name, object);
      if (payload == nullptr) {
        // Any other name (`error` and `result` in follow-ups, a local): the type the checker
        // gave it there (completion's context holds the placeholder after the dot).
        payload = TypeOfNameAt(*context, line_start + static_cast<uint32_t>(m.position(1)), object);
      }
      AddFields(payload, items);
    }
    return items;
  }
  // After `if`, `given`, `wait`, ...: trigger types.
  if (std::regex_search(line, m, Re(R"(\b(if|given|wait|not|by|of)\s+\(?\s*\w*$)"))) {
    if (file != nullptr) AddTriggers(*file, items);
    if (m[1].str() == "if") {
      for (const char* word : {"webhook", "every", "cron"}) {
        items.push_back(Item(word, kItemKeyword));
      }
    }
    return items;
  }
  // Inside `callee(`: the parameters not written yet.
  if (std::optional<CallContext> call = CallAt(text, offset); call && file != nullptr) {
    std::string callee = call->callee;
    size_t dot = callee.find('.');
    const schema::Action* action = nullptr;
    if (dot != std::string::npos) {
      auto import = file->imports.find(callee.substr(0, dot));
      if (import != file->imports.end() && import->second != nullptr) {
        action = import->second->FindAction(callee.substr(dot + 1));
      }
    }
    if (action != nullptr) {
      for (const schema::Parameter& p : action->parameters) {
        if (call->used.count(p.name) != 0) continue;
        json item = Item(p.name, kItemProperty,
                         TypeName(p.type) + (p.required ? " (required)" : ""), p.description);
        item["insertText"] = p.name + ": ";
        // Required parameters first, then in declaration order.
        item["sortText"] = std::string(p.required ? "0" : "1") + p.name;
        items.push_back(std::move(item));
      }
      return items;
    }
    auto workflow = file->workflows.find(callee);
    if (workflow != file->workflows.end()) {
      for (const types::Field& p : workflow->second.params) {
        if (call->used.count(p.name) != 0) continue;
        json item = Item(p.name, kItemProperty, TypeName(p.type));
        item["insertText"] = p.name + ": ";
        items.push_back(std::move(item));
      }
      return items;
    }
  }
  // Anywhere else: keywords and the file's names.
  for (const std::string& keyword : parse::Keywords()) items.push_back(Item(keyword, kItemKeyword));
  if (file != nullptr) {
    for (const auto& [alias, pack] : file->imports) {
      items.push_back(Item(alias, kItemModule, pack != nullptr ? "pack " + pack->name : "pack"));
    }
    for (const auto& [name, type] : file->consts) {
      items.push_back(Item(name, kItemConstant, TypeName(type)));
    }
    for (const auto& [name, workflow] : file->workflows) {
      items.push_back(Item(name, kItemFunction, "workflow"));
    }
  }
  items.push_back(Item("event", kItemVariable, "the triggering event's payload"));
  return items;
}

json Definition(const Analysis& analysis, Position position) {
  std::string_view text = analysis.text();
  uint32_t offset = PositionToOffset(text, position);
  const check::CheckedFile* file = analysis.checked_file();
  if (file != nullptr) {
    std::vector<Binding> bindings = Bindings(analysis, *file);
    for (const ast::Node* node : NodesAt(analysis, offset)) {
      if (const ast::NameExpr* use = AsName(*file, node); use != nullptr) {
        // A local name: its declaration (a const or `event` falls through to the names below).
        const Binding* binding = Resolve(bindings, use->name.name, node->range.begin);
        if (binding != nullptr) return LocationJson(analysis, binding->decl);
      }
      if (auto call = file->calls.find(node->id.value); call != file->calls.end()) {
        const auto& expr = static_cast<const ast::CallExpr&>(*node);
        if (expr.callee == nullptr || !expr.callee->range.Contains(offset)) continue;
        const check::CallTarget& target = call->second;
        if (target.kind == check::CallTarget::Kind::kAction && target.action != nullptr) {
          return LocationJson(analysis, target.action->decl);
        }
        if (target.kind == check::CallTarget::Kind::kWorkflow && target.workflow != nullptr) {
          return LocationJson(analysis, target.workflow->name.range);
        }
        return nullptr;
      }
      if (auto atom = file->trigger_atoms.find(node->id.value); atom != file->trigger_atoms.end()) {
        const auto& trigger = static_cast<const ast::TriggerAtom&>(*node);
        if (!trigger.name.range.Contains(offset)) continue;
        if (atom->second.declared != nullptr) {
          return LocationJson(analysis, atom->second.declared->name.range);
        }
        if (atom->second.pack_trigger != nullptr) {
          return LocationJson(analysis, atom->second.pack_trigger->decl);
        }
        return nullptr;
      }
    }
  }
  // By name: the dotted word under the cursor against the file's declarations (works in a
  // document with syntax errors too).
  uint32_t begin = offset;
  uint32_t end = offset;
  auto word = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.';
  };
  while (begin > 0 && word(text[begin - 1])) --begin;
  while (end < text.size() && word(text[end])) ++end;
  std::string name(text.substr(begin, end - begin));
  if (name.empty()) return nullptr;
  for (const auto& decl : analysis.file->decls) {
    source::SourceRange target;
    if (const auto* rule = ast::As<ast::RuleDecl>(decl.get())) {
      if (rule->name.name == name) target = rule->name.range;
    } else if (const auto* workflow = ast::As<ast::WorkflowDecl>(decl.get())) {
      if (workflow->name.name == name) target = workflow->name.range;
    } else if (const auto* trigger = ast::As<ast::TriggerDecl>(decl.get())) {
      if (trigger->name.ToString() == name) target = trigger->name.range;
    } else if (const auto* constant = ast::As<ast::ConstDecl>(decl.get())) {
      if (constant->name.name == name) target = constant->name.range;
    }
    if (target.IsValid() && !Covers(target, offset)) return LocationJson(analysis, target);
  }
  return nullptr;
}

json DocumentSymbols(const Analysis& analysis) {
  std::string_view text = analysis.text();
  json symbols = json::array();
  auto add = [&](const std::string& name, int kind, const source::SourceRange& range,
                 const source::SourceRange& selection, const std::string& detail) -> json& {
    json symbol = {
        {"name", name.empty() ? "<unnamed>" : name},
        {"kind", kind},
        {"range", RangeJson(text, range)},
        {"selectionRange", RangeJson(text, range.Contains(selection) ? selection : range)}};
    if (!detail.empty()) symbol["detail"] = detail;
    symbols.push_back(std::move(symbol));
    return symbols.back();
  };
  for (const auto& decl : analysis.file->decls) {
    if (decl == nullptr || !decl->range.IsValid()) continue;
    if (const auto* rule = ast::As<ast::RuleDecl>(decl.get())) {
      add(rule->name.name, kSymbolEvent, decl->range, rule->name.range, "rule");
    } else if (const auto* workflow = ast::As<ast::WorkflowDecl>(decl.get())) {
      add(workflow->name.name, kSymbolFunction, decl->range, workflow->name.range, "workflow");
    } else if (const auto* trigger = ast::As<ast::TriggerDecl>(decl.get())) {
      json& symbol =
          add(trigger->name.ToString(), kSymbolStruct, decl->range, trigger->name.range, "trigger");
      json children = json::array();
      for (const auto& field : trigger->fields) {
        if (field == nullptr || !field->range.IsValid()) continue;
        children.push_back(
            {{"name", field->name.name.empty() ? "<unnamed>" : field->name.name},
             {"kind", kSymbolField},
             {"range", RangeJson(text, field->range)},
             {"selectionRange",
              RangeJson(text, field->range.Contains(field->name.range) ? field->name.range
                                                                       : field->range)}});
      }
      symbol["children"] = children;
    } else if (const auto* test = ast::As<ast::TestDecl>(decl.get())) {
      std::string name = test->name != nullptr ? test->name->Text() : "";
      add(name, kSymbolMethod, decl->range, test->name != nullptr ? test->name->range : decl->range,
          "test");
    } else if (const auto* constant = ast::As<ast::ConstDecl>(decl.get())) {
      add(constant->name.name, kSymbolConstant, decl->range, constant->name.range, "const");
    }
  }
  return symbols;
}

json Formatting(const Analysis& analysis) {
  if (!analysis.syntax_ok) return json::array();
  std::string formatted = format::FormatFile(*analysis.file, analysis.sources);
  std::string_view text = analysis.text();
  if (formatted == text) return json::array();
  return json::array(
      {{{"range", {{"start", PositionJson({0, 0})}, {"end", PositionJson(EndPosition(text))}}},
        {"newText", formatted}}});
}

}  // namespace squall::lsp
