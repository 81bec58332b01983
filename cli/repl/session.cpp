#include "cli/repl/session.h"

#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <sstream>

#include "cli/compile.h"
#include "compiler/check/constant.h"
#include "compiler/diag/render.h"
#include "compiler/ir/lower.h"
#include "compiler/parse/parser.h"
#include "compiler/source/large_stack.h"
#include "runtime/engine/call.h"
#include "runtime/engine/correlations.h"
#include "runtime/engine/loaded_program.h"
#include "runtime/events/decoder.h"

namespace squall::repl {

// One accepted declaration, at its place in `<repl>`.
struct Session::Chunk {
  uint32_t line = 1;    // 1-based session line of its first character
  uint32_t column = 0;  // byte offset of its first character in that line
  std::string text;
  std::string key;      // "rule clean_tmp", "trigger disk.low", ...: what a redefinition replaces
  std::string origin;   // "<repl>" or the :load'ed file
  std::string summary;  // for :rules: "if disk.low then core.local"
};

struct Session::Compiled {
  cli::Session session{cli::DiagnosticOptions{}};
  cli::CompiledProgram program;
  const ast::File* file = nullptr;
  std::vector<diag::Diagnostic> diagnostics;
  uint32_t errors = 0;

  const check::CheckedFile* checked() const {
    return program.checked && !program.program.files.empty() ? &program.program.files.front()
                                                             : nullptr;
  }
};

// What completion and :packs know of the last program that checked.
struct Session::Names {
  std::set<std::string> triggers, actions, workflows, consts, aliases;
  std::map<std::string, std::vector<std::string>> parameters;  // action or workflow -> names
  std::vector<std::string> imports;                            // "alias: pack version  desc"
  std::vector<std::string> available;                          // packs on the search path
};

struct Session::LastEvent {
  std::string trigger;  // canonical ref
  std::string payload_json;
};

namespace {

constexpr std::string_view kReplPath = "<repl>";
constexpr std::string_view kCommands[] = {":explain", ":help",  ":live", ":load",   ":packs",
                                          ":quit",    ":rules", ":send", ":source", ":type"};

constexpr std::string_view kHelp =
    "Type declarations (import, const, trigger, rule, workflow, test) to add them to the\n"
    "session; a declaration with the name of an earlier one replaces it. An entry continues\n"
    "while a bracket is open or the line ends where more must follow; a blank line submits.\n"
    "\n"
    "  :load FILE              add the declarations of a rule file\n"
    "  :send TRIGGER {PAYLOAD} which rules fire, with their rendered actions (mocked)\n"
    "  :live on|off            with on, :send runs the actions for real (runners)\n"
    "  :explain                why each rule did or did not fire for the last :send\n"
    "  :type EXPR              the type of an expression; TRIGGER.field reads a payload field\n"
    "  :rules                  the rules of the session\n"
    "  :packs                  imported and available packs\n"
    "  :source                 the session's declarations as source text\n"
    "  :help                   this text\n"
    "  :quit                   leave (Ctrl-D too)\n";

std::string_view Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

uint32_t LineCount(std::string_view text) {
  return static_cast<uint32_t>(std::count(text.begin(), text.end(), '\n')) + 1;
}

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.';
}

std::string Slice(std::string_view text, source::SourceRange range) {
  return std::string(text.substr(range.begin, range.end - range.begin));
}

// The key a redefinition replaces, and the :rules summary, of one declaration.
void Describe(const ast::Decl& decl, std::string_view text, std::string& key,
              std::string& summary) {
  switch (decl.kind) {
    case ast::DeclKind::kImport: {
      const auto& d = ast::Cast<ast::ImportDecl>(decl);
      key = "import " + (d.alias ? d.alias->name : d.pack.ToString());
      break;
    }
    case ast::DeclKind::kConst:
      key = "const " + ast::Cast<ast::ConstDecl>(decl).name.name;
      break;
    case ast::DeclKind::kTrigger:
      key = "trigger " + ast::Cast<ast::TriggerDecl>(decl).name.ToString();
      break;
    case ast::DeclKind::kRule: {
      const auto& d = ast::Cast<ast::RuleDecl>(decl);
      key = "rule " + d.name.name;
      if (d.trigger && !d.trigger->atoms.empty() && d.action && d.action->call) {
        summary = "if " + Slice(text, d.trigger->atoms.front()->range) + " then " +
                  Slice(text, d.action->call->callee->range);
      }
      break;
    }
    case ast::DeclKind::kWorkflow:
      key = "workflow " + ast::Cast<ast::WorkflowDecl>(decl).name.name;
      break;
    case ast::DeclKind::kTest: {
      const auto& d = ast::Cast<ast::TestDecl>(decl);
      key = "test " + (d.name ? Slice(text, d.name->range) : std::string("?"));
      break;
    }
  }
}

// Splits a parsed file into one chunk per declaration; `first_line` is the session line of
// the file's line 1.
template <typename Chunk>
std::vector<Chunk> ChunksOf(const ast::File& file, const source::SourceManager& sources,
                            uint32_t first_line, const std::string& origin) {
  std::string_view text = sources.Text(file.file);
  std::vector<Chunk> chunks;
  for (const ast::Ptr<ast::Decl>& decl : file.decls) {
    uint32_t begin = decl->range.begin;
    for (const auto& annotation : decl->annotations)
      begin = std::min(begin, annotation->range.begin);
    source::LineCol at = sources.GetLineCol(file.file, begin);
    Chunk chunk;
    chunk.line = first_line + at.line - 1;
    chunk.column = begin - sources.LineStart(file.file, at.line);
    chunk.text = std::string(text.substr(begin, decl->range.end - begin));
    chunk.origin = origin;
    Describe(*decl, text, chunk.key, chunk.summary);
    chunks.push_back(std::move(chunk));
  }
  return chunks;
}

// The chunks as one text, each at its line and column.
template <typename Chunk>
std::string Render(std::vector<const Chunk*> chunks) {
  std::stable_sort(chunks.begin(), chunks.end(), [](const Chunk* a, const Chunk* b) {
    return std::pair(a->line, a->column) < std::pair(b->line, b->column);
  });
  std::string text;
  uint32_t line = 1, column = 0;
  for (const Chunk* c : chunks) {
    if (c->line > line) {
      text.append(c->line - line, '\n');
      line = c->line;
      column = 0;
    }
    // Two declarations typed on one line keep their columns; anything else (which line
    // numbering rules out) is still separated.
    uint32_t gap = c->column > column ? c->column - column : (column > 0 ? 1 : 0);
    text.append(gap, ' ');
    column += gap;
    text += c->text;
    for (char ch : c->text) {
      if (ch == '\n') {
        ++line;
        column = 0;
      } else {
        ++column;
      }
    }
  }
  text += '\n';
  return text;
}

std::string JoinArguments(const ir::RuleMatch& rule, const std::vector<interp::Value>& values) {
  std::string out = rule.action + "(";
  for (size_t i = 0; i < rule.arguments.size() && i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += rule.arguments[i].name + ": " + interp::ToJson(values[i]);
  }
  return out + ")";
}

// What feeding step `step` of `correlation` means, for :send.
std::string DescribeStep(const ir::Correlation& correlation, uint32_t step) {
  std::string within = check::DurationSpelling(correlation.within_ms);
  switch (correlation.kind) {
    case ir::CorrelationKind::kAbsence:
      return step == 0 ? "absence, waiting " + within
                       : "absence: the awaited event, which cancels a waiting instance";
    case ir::CorrelationKind::kSequence:
      return "sequence, step " + std::to_string(step + 1) + " of " +
             std::to_string(correlation.steps) + " within " + within;
    case ir::CorrelationKind::kCount:
      return "count, " + std::to_string(correlation.count) + " within " + within;
  }
  return "";
}

// A syntax error at the start of the user's expression is reported by the parser as missing
// after the wrapper's `=` (`let __repl_value =`): say what the user typed instead.
void RewordWrapperErrors(std::vector<diag::Diagnostic>& diagnostics, std::string_view command) {
  constexpr std::string_view kAfterWrapper = "expected an expression after `=`";
  for (diag::Diagnostic& d : diagnostics) {
    if (d.kind == diag::Kind::ExpectedExpression && d.message.starts_with(kAfterWrapper)) {
      d.message = "expected an expression after `" + std::string(command) + "`" +
                  d.message.substr(kAfterWrapper.size());
    }
  }
}

}  // namespace

Session::Session(SessionOptions options)
    : options_(std::move(options)), pack_bases_{std::string(kReplPath)} {
  // The available packs, for `import <Tab>` and :packs before any declaration.
  Remember(Compile({}, true));
}

Session::~Session() {
  if (!own_scratch_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(own_scratch_, ec);
  }
}

std::string Session::Source() const { return Render(With({})); }

std::vector<const Session::Chunk*> Session::With(const std::vector<Chunk>& extra) const {
  std::vector<const Chunk*> all;
  for (const Chunk& c : chunks_) all.push_back(&c);
  for (const Chunk& c : extra) all.push_back(&c);
  return all;
}

std::unique_ptr<Session::Compiled> Session::Compile(std::vector<const Chunk*> chunks,
                                                    bool check) const {
  auto compiled = std::make_unique<Compiled>();
  cli::Session& session = compiled->session;
  source::FileId file_id = session.sources().AddFile(std::string(kReplPath), Render(chunks));
  compiled->file = &session.Parse(file_id);
  compiled->program.files.push_back(compiled->file);
  compiled->program.paths.emplace_back(kReplPath);
  cli::CheckParsedFiles(
      session, pack_bases_,
      cli::CompileOptions{
          .packs = &options_.packs, .pack_warnings = options_.pack_warnings, .check = check},
      compiled->program);
  compiled->errors = session.diags().ErrorCount();
  compiled->diagnostics = session.diags().Finish();
  return compiled;
}

void Session::Report(Compiled& compiled, uint32_t first_line, uint32_t end_line,
                     std::ostream& err) const {
  const source::SourceManager& sources = compiled.session.sources();
  for (const diag::Diagnostic& d : compiled.diagnostics) {
    if (d.severity != diag::Severity::Error) {
      // Declarations arrive one at a time: an import is unused until a rule uses it.
      if (d.kind == diag::Kind::UnusedImport || d.kind == diag::Kind::UnusedBinding) continue;
      if (!d.range.IsValid() || d.range.file != compiled.file->file) continue;
      uint32_t line = sources.GetLineCol(d.range.file, d.range.begin).line;
      if (line < first_line || line >= end_line) continue;
    }
    err << diag::RenderText(d, sources, diag::TextOptions{.color = options_.color});
  }
}

void Session::Remember(std::unique_ptr<Compiled> compiled) {
  const check::CheckedFile* file = compiled->checked();
  if (file == nullptr) return;
  auto names = std::make_unique<Names>();
  for (const auto& [name, trigger] : file->triggers) names->triggers.insert(name);
  for (const auto& [name, workflow] : file->workflows) {
    names->workflows.insert(name);
    for (const types::Field& p : workflow.params) names->parameters[name].push_back(p.name);
  }
  for (const auto& [name, type] : file->consts) names->consts.insert(name);
  for (const auto& [alias, pack] : file->imports) {
    names->aliases.insert(alias);
    if (pack == nullptr) continue;
    names->imports.push_back(alias + ": " + pack->name + " " + pack->version +
                             (pack->description.empty() ? "" : "  " + pack->description));
    for (const schema::Action& action : pack->actions) {
      std::string ref = alias + "." + action.name;
      names->actions.insert(ref);
      for (const schema::Parameter& p : action.parameters) names->parameters[ref].push_back(p.name);
    }
    for (const schema::TriggerType& trigger : pack->triggers) {
      names->triggers.insert(alias + "." + trigger.name);
    }
  }
  if (compiled->program.packs) names->available = compiled->program.packs->AvailablePacks();
  names_ = std::move(names);
}

bool Session::NeedsMore(std::string_view entry) const {
  std::string_view trimmed = Trim(entry);
  if (trimmed.empty()) return false;
  std::string text(entry.substr(0, entry.find_last_not_of(" \t\r\n") + 1));
  size_t offset = 0;
  if (trimmed.front() == ':') {
    // Only the payload of :send and the expression of :type may span lines.
    size_t word_end = text.find_first_of(" \t\n", text.find(':'));
    std::string_view word = std::string_view(text).substr(
        text.find(':'),
        word_end == std::string::npos ? std::string::npos : word_end - text.find(':'));
    if (word != ":send" && word != ":type") return false;
    offset = word_end == std::string::npos ? text.size() : word_end;
    if (word == ":send") {  // skip the trigger ref
      offset = text.find_first_not_of(" \t\n", offset);
      if (offset == std::string::npos) return false;
      while (offset < text.size() && IsNameChar(text[offset])) ++offset;
    }
    if (Trim(std::string_view(text).substr(offset)).empty()) return false;
  }
  source::SourceManager sources;
  diag::DiagnosticEngine diags(sources, diag::EngineOptions{.error_limit = 0});
  // A command's expression is parsed as a const's value (parse::ParseExpression crashes in
  // ANTLR's error recovery on an incomplete expression such as `1 +`).
  std::string source = offset > 0 ? "const __repl_value =" + text.substr(offset) : text;
  source::FileId file_id = sources.AddFile(std::string(kReplPath), source);
  parse::ParseFile(sources, file_id, diags);
  uint32_t end = static_cast<uint32_t>(source.size());
  bool at_end = false;
  for (const diag::Diagnostic& d : diags.Finish()) {
    if (d.severity != diag::Severity::Error) continue;
    bool open_string = (d.kind == diag::Kind::UnterminatedString ||
                        d.kind == diag::Kind::UnterminatedInterpolation) &&
                       sources.Text(file_id).substr(d.range.begin).starts_with("\"\"\"");
    if (d.range.IsValid() && (d.range.begin >= end || open_string)) {
      at_end = true;
    } else {
      return false;  // a mistake before the end: submit now and show it
    }
  }
  return at_end;
}

void Session::Submit(std::string_view entry, std::ostream& out, std::ostream& err) {
  std::string_view trimmed = Trim(entry);
  if (trimmed.empty()) return;
  if (trimmed.front() == ':') {
    Command(entry, out, err);
  } else {
    Declare(entry, out, err);
  }
}

void Session::Declare(std::string_view entry, std::ostream& out, std::ostream& err) {
  uint32_t first_line = next_line_;
  next_line_ += LineCount(entry);
  // Parsed alone (at its session lines) to find its declarations and what they replace.
  Compiled parsed;
  source::FileId file_id = parsed.session.sources().AddFile(
      std::string(kReplPath), std::string(first_line - 1, '\n') + std::string(entry));
  const ast::File& file = parsed.session.Parse(file_id);
  if (parsed.session.diags().HasErrors()) {
    parsed.file = &file;
    parsed.diagnostics = parsed.session.diags().Finish();
    Report(parsed, first_line, next_line_, err);
    return;
  }
  std::vector<Chunk> chunks =
      ChunksOf<Chunk>(file, parsed.session.sources(), 1, std::string(kReplPath));
  if (chunks.empty()) return;  // only comments
  Accept(std::move(chunks), out, err);
}

bool Session::Accept(std::vector<Chunk> chunks, std::ostream& out, std::ostream& err) {
  std::set<std::string> keys;
  for (const Chunk& c : chunks) keys.insert(c.key);
  std::vector<const Chunk*> candidate;
  std::set<std::string> replaced;
  for (const Chunk& c : chunks_) {
    if (keys.count(c.key) != 0) {
      replaced.insert(c.key);
    } else {
      candidate.push_back(&c);
    }
  }
  for (const Chunk& c : chunks) candidate.push_back(&c);
  std::unique_ptr<Compiled> compiled = Compile(std::move(candidate), true);
  uint32_t first_line = chunks.front().line;
  uint32_t end_line = chunks.back().line + LineCount(chunks.back().text);
  Report(*compiled, first_line, end_line, err);
  if (compiled->errors > 0) return false;
  std::erase_if(chunks_, [&](const Chunk& c) { return replaced.count(c.key) != 0; });
  for (Chunk& c : chunks) {
    out << (replaced.count(c.key) != 0 ? "replaced " : "added ") << c.key << "\n";
    chunks_.push_back(std::move(c));
  }
  Remember(std::move(compiled));
  return true;
}

void Session::Command(std::string_view entry, std::ostream& out, std::ostream& err) {
  size_t colon = entry.find(':');
  size_t word_end = entry.find_first_of(" \t\r\n", colon);
  if (word_end == std::string_view::npos) word_end = entry.size();
  std::string_view word = entry.substr(colon, word_end - colon);
  std::string_view rest = Trim(entry.substr(word_end));
  if (word == ":help" || word == ":h" || word == ":?") {
    out << kHelp;
  } else if (word == ":quit" || word == ":q" || word == ":exit") {
    quit_ = true;
  } else if (word == ":rules") {
    ListRules(out);
  } else if (word == ":packs") {
    ListPacks(out);
  } else if (word == ":source") {
    out << Source();
  } else if (word == ":explain") {
    Explain(out, err);
  } else if (word == ":live") {
    if (rest == "on" || rest == "off") {
      live_ = rest == "on";
    } else if (!rest.empty()) {
      err << "error: `:live` takes `on` or `off`\n";
      return;
    }
    out << "live " << (live_ ? "on: :send runs the actions" : "off: :send only shows the actions")
        << "\n";
  } else if (word == ":load") {
    if (rest.empty()) {
      err << "error: `:load` needs a file\n";
      return;
    }
    Load(rest, out, err);
  } else if (word == ":send") {
    Send(entry.substr(word_end), word_end, out, err);
  } else if (word == ":type") {
    if (rest.empty()) {
      err << "error: `:type` needs an expression\n";
      return;
    }
    Type(entry.substr(word_end), word_end, out, err);
  } else {
    err << "error: unknown command `" << word << "`; `:help` lists the commands\n";
  }
}

void Session::Load(std::string_view path, std::ostream& out, std::ostream& err) {
  // First alone, as `squall check` would: diagnostics name the file itself.
  cli::Session alone(cli::DiagnosticOptions{});
  cli::CompiledProgram program;
  std::istringstream no_input;
  cli::CompileFiles(
      alone, {std::string(path)}, no_input,
      cli::CompileOptions{.packs = &options_.packs, .pack_warnings = options_.pack_warnings},
      program);
  uint32_t errors = alone.diags().ErrorCount();
  for (const diag::Diagnostic& d : alone.diags().Finish()) {
    err << diag::RenderText(d, alone.sources(), diag::TextOptions{.color = options_.color});
  }
  if (errors > 0 || program.files.empty()) return;
  const ast::File& file = *program.files.front();
  std::vector<Chunk> chunks = ChunksOf<Chunk>(file, alone.sources(), next_line_, std::string(path));
  next_line_ += alone.sources().LineCount(file.file);
  if (chunks.empty()) {
    out << "no declarations in " << path << "\n";
    return;
  }
  size_t count = chunks.size();
  pack_bases_.emplace_back(path);
  if (Accept(std::move(chunks), out, err)) {
    out << "loaded " << count << " declaration" << (count == 1 ? "" : "s") << " from " << path
        << "\n";
  } else {
    pack_bases_.pop_back();
    err << "error: " << path << " was not loaded: it does not fit the session (above)\n";
  }
}

void Session::Send(std::string_view args, size_t args_column, std::ostream& out,
                   std::ostream& err) {
  // args = " disk.low {host: ...}" (maybe over several lines); args_column = its offset.
  size_t ref_begin = args.find_first_not_of(" \t\r\n");
  if (ref_begin == std::string_view::npos) {
    err << "error: `:send` needs a trigger and a payload: `:send disk.low {host: \"web1\"}`\n";
    return;
  }
  size_t ref_end = ref_begin;
  while (ref_end < args.size() && IsNameChar(args[ref_end])) ++ref_end;
  std::string_view ref = args.substr(ref_begin, ref_end - ref_begin);
  std::string_view payload = Trim(args.substr(ref_end));
  // The typed text at its columns, with the command word (and for the value, the trigger)
  // blanked: a diagnostic's caret then points at what the user typed.
  std::string typed = std::string(args_column, ' ') + std::string(args);
  std::string value_text = typed;
  std::fill_n(value_text.begin(), args_column + ref_end, ' ');
  if (payload.empty()) value_text += " {}";
  uint32_t line = next_line_;
  next_line_ += LineCount(typed) + 2;

  // Checked as a test's `given`: the payload against the trigger's type.
  std::vector<Chunk> given = {Chunk{.line = line, .text = "test \"__repl_send\" { given"},
                              Chunk{.line = line + 1, .text = typed},
                              Chunk{.line = line + LineCount(typed) + 1, .text = "}"}};
  std::unique_ptr<Compiled> checked = Compile(With(given), true);
  Report(*checked, line, next_line_, err);
  if (checked->errors > 0) return;
  std::string trigger(ref);
  // Atoms are keyed by node id; the test is the file's last declaration, so its atom has the
  // largest id of any atom.
  uint32_t best = 0;
  for (const auto& [id, target] : checked->checked()->trigger_atoms) {
    if (id >= best) {
      best = id;
      trigger = target.ref;
    }
  }

  // The payload's value, as a constant.
  std::vector<Chunk> constant = {Chunk{.line = line, .text = "const __repl_payload ="},
                                 Chunk{.line = line + 1, .text = value_text}};
  std::unique_ptr<Compiled> compiled = Compile(With(constant), true);
  RewordWrapperErrors(compiled->diagnostics, ":send " + std::string(ref));
  Report(*compiled, line, next_line_, err);
  if (compiled->errors > 0) return;
  const check::CheckedFile& file = *compiled->checked();
  auto value = file.const_values.find("__repl_payload");
  if (value == file.const_values.end() || value->second.kind != check::ConstValue::Kind::kMap) {
    err << "error: the payload must be a record of literals and consts: `{host: \"web1\"}`\n";
    return;
  }
  last_event_ = std::make_unique<LastEvent>(LastEvent{trigger, value->second.ToJson()});

  source::RunWithLargeStack([&] {
    std::string error;
    std::shared_ptr<engine::LoadedProgram> loaded =
        engine::LoadedProgram::Create(ir::Lower(compiled->program.program), nullptr, &error);
    if (loaded == nullptr) {
      err << "error: " << error << "\n";
      return;
    }
    const ir::Program& program = loaded->program();
    interp::Interpreter& interpreter = loaded->interpreter();
    int64_t event_id = next_event_id_++;
    events::DecodedEvent event;
    if (!loaded->Decode(trigger, last_event_->payload_json, event_id, event, &error)) {
      err << "error: not a valid event: " << error << "\n";
      return;
    }
    out << "event " << trigger << " " << last_event_->payload_json << "\n";
    std::vector<match::RuleRef> firings;
    interpreter.Match(event, firings);
    match::SortFirings(firings);
    std::vector<match::RuleRef> feeders;
    bool any = false;
    for (match::RuleRef firing : firings) {
      const ir::RuleMatch& rule = program.matchers[firing.matcher].rules[firing.rule];
      if (rule.feeds >= 0) {
        // A correlation's step: no action of its own; the correlation decides below.
        feeders.push_back(firing);
        out << "rule " << rule.name << ": event recorded for its correlation ("
            << DescribeStep(program.correlations[rule.feeds], rule.step) << ")\n";
      } else {
        Fire(*loaded, firing, event, out);
      }
      any = true;
    }
    // The correlations, as `squall run` runs them, on the wall clock: their state carries
    // over from earlier :sends (and survives redefinitions that keep a rule's shape).
    std::vector<engine::CorrelationFiring> completed;
    std::unique_ptr<engine::Correlations> correlations =
        engine::Correlations::Create(*loaded, correlate::kDefaultMaxInstances, &error);
    if (correlations == nullptr) {
      if (!feeders.empty()) out << "  correlations not run: " << error << "\n";
    } else if (!correlations->empty()) {
      std::vector<store::CorrelationState> stored, deletions;
      for (const auto& [key, state] : correlation_states_) {
        stored.push_back(store::CorrelationState{key.first, key.second, state});
      }
      std::vector<std::string> warnings;
      correlations->Restore(stored, deletions, warnings);
      for (const std::string& warning : warnings) out << "note: " << warning << "\n";
      for (const store::CorrelationState& d : deletions) {
        correlation_states_.erase({d.rule, d.instance});
      }
      int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      correlations->Advance(now_ms, completed);  // absences whose time ran out
      correlations->OnEvent(event_id, now_ms, last_event_->payload_json, event, feeders, completed);
      for (store::CorrelationState& change : correlations->TakeChanges()) {
        if (change.state) {
          correlation_states_[{change.rule, change.instance}] = std::move(*change.state);
        } else {
          correlation_states_.erase({change.rule, change.instance});
        }
      }
    }
    for (const engine::CorrelationFiring& f : completed) {
      out << "correlation " << f.rule << " completes: event " << f.trigger << "\n";
      events::DecodedEvent record;
      if (!loaded->Decode(f.trigger, f.payload_json, next_event_id_++, record, &error)) {
        err << "error: the correlation's event does not decode: " << error << "\n";
        continue;
      }
      std::vector<match::RuleRef> actions;
      interpreter.Match(record, actions);
      match::SortFirings(actions);
      for (match::RuleRef firing : actions) Fire(*loaded, firing, record, out);
      any = true;
    }
    if (!any) out << "no rule fires (`:explain` says why)\n";
  });
}

void Session::Fire(engine::LoadedProgram& loaded, match::RuleRef firing,
                   const events::DecodedEvent& event, std::ostream& out) {
  const ir::Program& program = loaded.program();
  interp::Interpreter& interpreter = loaded.interpreter();
  const ir::RuleMatch& rule = program.matchers[firing.matcher].rules[firing.rule];
  std::vector<interp::Value> arguments = interpreter.Arguments(firing, event);
  out << "rule " << rule.name << " fires: " << JoinArguments(rule, arguments)
      << (live_ ? "" : "  [mocked]") << "\n";
  if (!live_) return;
  const ir::ActionSpec* spec =
      rule.action_is_workflow ? nullptr : ir::FindAction(program, rule.action);
  if (spec == nullptr) {
    out << "  not run: `" << rule.action << "` is a workflow; workflows do not run here\n";
    return;
  }
  std::unique_ptr<runners::Runner> runner =
      runners::CreateRunner(spec->runner, options_.runner_options);
  if (runner == nullptr) {
    out << "  not run: the REPL cannot run `" << spec->runner << "` actions; use `squall run`\n";
    return;
  }
  // As the engine renders and prepares a call (runtime/engine/call.h).
  engine::RenderedParameters rendered =
      engine::RenderParameters(interpreter, firing.matcher, rule.arguments, spec, event);
  runners::RunRequest request;
  request.action = spec->ref;
  request.runner = spec->runner;
  request.parameters = std::move(rendered.values);
  request.secret_values = std::move(rendered.secrets);
  std::string error;
  if (!engine::PrepareRunRequest(*spec, ScratchDir(), request, &error)) {
    out << "  not run: " << error << "\n";
    return;
  }
  runners::CancelToken cancel;
  runners::RunResult run = runner->Run(request, cancel);
  out << "  " << runners::OutcomeName(run.outcome);
  if (!run.error.empty()) out << ": " << run.error;
  out << "\n";
  if (!run.result.is_null()) {
    // Output may be binary or cut inside a character by the size cap.
    std::string shown = run.result.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    for (size_t at = 0; at < shown.size();) {
      size_t nl = shown.find('\n', at);
      if (nl == std::string::npos) nl = shown.size();
      out << "  " << std::string_view(shown).substr(at, nl - at) << "\n";
      at = nl + 1;
    }
  }
}

std::string Session::ScratchDir() {
  if (!options_.runner_options.scratch_dir.empty()) {
    return options_.runner_options.scratch_dir.string();
  }
  if (own_scratch_.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && *tmp != 0 ? tmp : "/tmp") + "/squall-repl-XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) own_scratch_ = pattern;
  }
  return own_scratch_;
}

void Session::Type(std::string_view expr, size_t expr_column, std::ostream& out,
                   std::ostream& err) {
  std::string typed = std::string(expr_column, ' ') + std::string(expr);
  // `TRIGGER.field`: the trigger's payload is a parameter `event` of the wrapper.
  size_t begin = typed.find_first_not_of(" \t\r\n");
  size_t end = begin;
  while (end < typed.size() && IsNameChar(typed[end])) ++end;
  std::string trigger;
  if (names_ != nullptr) {
    std::string dotted = typed.substr(begin, end - begin);
    for (;;) {
      if (names_->triggers.count(dotted) != 0) {
        trigger = dotted;
        break;
      }
      size_t dot = dotted.rfind('.');
      if (dot == std::string::npos) break;
      dotted.resize(dot);
    }
  }
  std::string wrapper = "workflow __repl_type() { let __repl_value =";
  if (!trigger.empty()) {
    // `disk.low` becomes `event   `: columns stay where they were typed.
    std::string replacement = "event";
    replacement.resize(std::max(trigger.size(), replacement.size()), ' ');
    typed.replace(begin, trigger.size(), replacement);
    wrapper = "workflow __repl_type(event: " + trigger + ") { let __repl_value =";
  }
  uint32_t line = next_line_;
  next_line_ += LineCount(typed) + 2;
  std::vector<Chunk> chunks = {Chunk{.line = line, .text = wrapper},
                               Chunk{.line = line + 1, .text = typed},
                               Chunk{.line = line + LineCount(typed) + 1, .text = "}"}};
  std::unique_ptr<Compiled> compiled = Compile(With(chunks), true);
  RewordWrapperErrors(compiled->diagnostics, ":type");
  Report(*compiled, line, line, err);  // errors only: the wrapper's let is never used
  if (compiled->errors > 0) return;
  const check::CheckedFile& file = *compiled->checked();
  for (const ast::Ptr<ast::Decl>& decl : compiled->file->decls) {
    if (decl->kind != ast::DeclKind::kWorkflow) continue;
    const auto& workflow = ast::Cast<ast::WorkflowDecl>(*decl);
    if (workflow.name.name != "__repl_type" || !workflow.body ||
        workflow.body->statements.empty() ||
        workflow.body->statements.front()->kind != ast::StmtKind::kLet) {
      continue;
    }
    const auto& let = ast::Cast<ast::LetStmt>(*workflow.body->statements.front());
    out << types::ToString(let.value ? file.TypeOf(*let.value) : nullptr) << "\n";
    return;
  }
  err << "error: the expression has no type\n";
}

void Session::Explain(std::ostream& out, std::ostream& err) {
  if (last_event_ == nullptr) {
    err << "error: nothing to explain yet; `:send` an event first\n";
    return;
  }
  std::unique_ptr<Compiled> compiled = Compile(With({}), true);
  if (compiled->errors > 0 || compiled->checked() == nullptr) {
    Report(*compiled, 0, 0, err);
    return;
  }
  source::RunWithLargeStack([&] {
    ir::Program program = ir::Lower(compiled->program.program);
    interp::Interpreter interpreter(program);
    events::Decoder decoder(events::DecoderOptions{.mode = events::DecodeMode::kBare,
                                                   .bare_trigger = last_event_->trigger},
                            interpreter.DecoderPlans());
    events::DecodedEvent event;
    events::DecodeResult result = decoder.Decode(last_event_->payload_json, event);
    if (!result.ok()) {
      err << "error: not a valid event: " << result.message << "\n";
      return;
    }
    cli::ExplainEvent(program, interpreter, compiled->session.sources(), event, out);
  });
}

void Session::ListRules(std::ostream& out) const {
  bool any = false;
  for (const Chunk& c : chunks_) {
    if (!c.key.starts_with("rule ")) continue;
    any = true;
    out << c.key.substr(5) << "  " << c.summary << "  (" << c.origin;
    if (c.origin == kReplPath) out << ":" << c.line;
    out << ")\n";
  }
  if (!any) out << "no rules yet\n";
}

void Session::ListPacks(std::ostream& out) const {
  if (names_ == nullptr || names_->imports.empty()) {
    out << "no pack imported yet (`import core`)\n";
  } else {
    out << "imported:\n";
    for (const std::string& line : names_->imports) out << "  " << line << "\n";
  }
  if (names_ != nullptr && !names_->available.empty()) {
    out << "available:";
    for (const std::string& name : names_->available) out << " " << name;
    out << "\n";
  }
}

Completion Session::Complete(std::string_view pending, std::string_view line, size_t cursor) const {
  cursor = std::min(cursor, line.size());
  Completion completion;
  size_t start = line.substr(0, cursor).find_last_of(kWordBreaks);
  start = start == std::string_view::npos ? 0 : start + 1;
  completion.start = start;
  std::string_view word = line.substr(start, cursor - start);
  std::set<std::string> candidates;
  auto offer = [&](std::string_view candidate) {
    if (candidate.starts_with(word)) candidates.emplace(candidate);
  };
  auto offer_all = [&](const std::set<std::string>& names) {
    for (const std::string& n : names) offer(n);
  };
  std::string_view before = Trim(line.substr(0, start));
  if (pending.empty() && before.empty() && word.starts_with(':')) {
    for (std::string_view command : kCommands) offer(command);
  } else if (pending.empty() && before == ":send") {
    if (names_) offer_all(names_->triggers);
  } else if (before == "import") {
    if (names_) {
      for (const std::string& pack : names_->available) offer(pack);
    }
  } else if (pending.empty() && before == ":live") {
    offer("on");
    offer("off");
  } else {
    // Inside `action(`: the parameters, when the word starts an argument.
    std::string text = std::string(pending) + "\n" + std::string(line.substr(0, start));
    int depth = 0;
    size_t open = std::string::npos;
    for (size_t i = text.size(); i-- > 0;) {
      if (text[i] == ')') ++depth;
      if (text[i] == '(' && depth-- == 0) {
        open = i;
        break;
      }
    }
    size_t last = text.find_last_not_of(" \t\r\n");
    bool argument_start = last != std::string::npos && (text[last] == '(' || text[last] == ',');
    if (open != std::string::npos && argument_start && names_ != nullptr) {
      size_t name_begin = open;
      while (name_begin > 0 && IsNameChar(text[name_begin - 1])) --name_begin;
      auto params = names_->parameters.find(text.substr(name_begin, open - name_begin));
      if (params != names_->parameters.end()) {
        for (const std::string& p : params->second) offer(p + ":");
      }
    }
    if (candidates.empty()) {
      for (const std::string& keyword : parse::Keywords()) offer(keyword);
      if (names_) {
        for (const auto* set : {&names_->triggers, &names_->actions, &names_->workflows,
                                &names_->consts, &names_->aliases}) {
          offer_all(*set);
        }
      }
    }
  }
  completion.candidates.assign(candidates.begin(), candidates.end());
  return completion;
}

}  // namespace squall::repl
