// StackStorm criteria conformance: every case of cases.jsonl (operator, pattern, payload value,
// expected result, as StackStorm's st2common/operators.py decides it) becomes a real rule
//
//   trigger c17 { v: json }
//   rule case_17 { if c17 where st2_contains(event.v, ["a", "b"]) then core.noop() }
//
// compiled by the front end (parse, check, lower) and matched against the event
// `{"trigger": "c17", "payload": {"v": <value>, "other": 1}}` (no `v` for a missing key; the
// extra field keeps the payload non-empty, as StackStorm skips criteria on an empty payload)
// by BOTH engines: the reference interpreter and the JIT (whose fallback evaluates calls).
// The case's rule must fire exactly when the case expects true.
//
// The pattern is written the way `squall import st2` writes a YAML pattern: JSON scalars as
// literals, maps as map literals, lists as list literals when their elements are scalars of
// one kind, else `from_json("...")`. README.md describes the file format.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/check/checker.h"
#include "compiler/diag/diagnostic_engine.h"
#include "compiler/diag/render.h"
#include "compiler/ir/lower.h"
#include "compiler/parse/parser.h"
#include "compiler/schema/loader.h"
#include "runtime/events/decoder.h"
#include "runtime/interp/interpreter.h"
#include "runtime/jit/jit_engine.h"
#include "runtime/match/engine.h"

#ifndef ST2_CASES_FILE
#error "ST2_CASES_FILE must name cases.jsonl"
#endif

namespace squall {
namespace {

using nlohmann::json;

struct Case {
  int line = 0;  // in cases.jsonl
  std::string op;
  json pattern;
  std::string condition;  // search only
  std::optional<json> value;
  bool expect = false;
  std::string note;
};

std::vector<Case> LoadCases(std::string* error) {
  std::ifstream in(ST2_CASES_FILE);
  if (!in) {
    *error = std::string("cannot read ") + ST2_CASES_FILE;
    return {};
  }
  std::vector<Case> cases;
  std::string text;
  int line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (text.empty() || text[0] == '#') continue;
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object() || !j.contains("op") || !j.contains("expect") ||
        !j.contains("pattern")) {
      *error = "cases.jsonl:" + std::to_string(line) + ": not a case";
      return {};
    }
    Case c;
    c.line = line;
    c.op = j["op"].get<std::string>();
    c.pattern = j["pattern"];
    if (j.contains("condition")) c.condition = j["condition"].get<std::string>();
    if (j.contains("value")) c.value = j["value"];
    c.expect = j["expect"].get<bool>();
    if (j.contains("note")) c.note = j["note"].get<std::string>();
    cases.push_back(std::move(c));
  }
  return cases;
}

// A Squall quoted string literal holding `text` exactly.
std::string StringLiteral(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '{':
        out += "\\{";
        break;
      case '}':
        out += "\\}";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\0':
        out += "\\0";
        break;
      default:
        if (c < 0x20) {
          char buffer[16];
          std::snprintf(buffer, sizeof buffer, "\\u{%X}", c);
          out += buffer;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

// A JSON value (a StackStorm pattern) as a Squall expression.
std::string Expression(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return j.get<bool>() ? "true" : "false";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return j.dump();
    case json::value_t::number_float: {
      std::string text = j.dump();
      if (text.find_first_of(".eE") == std::string::npos) text += ".0";
      return text;
    }
    case json::value_t::string:
      return StringLiteral(j.get<std::string>());
    case json::value_t::array: {
      // A list literal needs elements of one type; anything else is written as JSON.
      std::set<json::value_t> kinds;
      for (const json& e : j) {
        json::value_t t = e.type();
        if (t == json::value_t::number_unsigned) t = json::value_t::number_integer;
        kinds.insert(t);
      }
      bool scalar = kinds.size() <= 1 && !kinds.contains(json::value_t::null) &&
                    !kinds.contains(json::value_t::array) && !kinds.contains(json::value_t::object);
      if (!scalar) return "from_json(" + StringLiteral(j.dump()) + ")";
      std::string out = "[";
      for (size_t i = 0; i < j.size(); ++i) out += (i > 0 ? ", " : "") + Expression(j[i]);
      return out + "]";
    }
    case json::value_t::object: {
      std::string out = "{";
      bool first = true;
      for (const auto& [key, value] : j.items()) {
        out += (first ? "" : ", ") + StringLiteral(key) + ": " + Expression(value);
        first = false;
      }
      return out + "}";
    }
    default:
      return "null";
  }
}

std::string Condition(const Case& c) {
  if (c.op == "exists" || c.op == "nexists") return "st2_" + c.op + "(event.v)";
  if (c.op == "search") {
    return "st2_search(event.v, " + StringLiteral(c.condition) + ", " + Expression(c.pattern) + ")";
  }
  return "st2_" + c.op + "(event.v, " + Expression(c.pattern) + ")";
}

std::string Describe(const Case& c) {
  std::ostringstream out;
  out << "cases.jsonl:" << c.line << ": " << c.op << "("
      << (c.value ? c.value->dump() : "<missing>") << ", " << c.pattern.dump()
      << (c.condition.empty() ? "" : ", " + c.condition) << ") should be "
      << (c.expect ? "true" : "false");
  if (!c.note.empty()) out << " (" << c.note << ")";
  out << "\n  condition: " << Condition(c);
  return out.str();
}

// The operators every StackStorm release has (st2common/operators.py, canonical names).
const std::vector<std::string> kOperators = {
    "equals",      "nequals",       "iequals",     "contains", "icontains", "ncontains",
    "incontains",  "startswith",    "istartswith", "endswith", "iendswith", "lessthan",
    "greaterthan", "matchwildcard", "matchregex",  "regex",    "iregex",    "timediff_lt",
    "timediff_gt", "exists",        "nexists",     "inside",   "ninside",   "search"};

class St2Criteria : public ::testing::Test {
 protected:
  struct Suite {
    std::vector<Case> cases;
    std::string error;
    std::string source;
    source::SourceManager sources;
    diag::DiagnosticEngine diags{sources};
    types::TypeContext types;
    std::unique_ptr<schema::PackLoader> packs;
    std::unique_ptr<const ast::File> file;
    std::optional<check::CheckedProgram> checked;
    ir::Program program;
    std::map<std::string, size_t> case_of_rule;  // rule name -> index into cases
  };

  static void SetUpTestSuite() {
    suite_ = new Suite();
    Suite& s = *suite_;
    s.cases = LoadCases(&s.error);
    if (!s.error.empty()) return;
    s.source = "import core\n\n";
    for (size_t i = 0; i < s.cases.size(); ++i) {
      std::string n = std::to_string(i);
      s.source += "trigger c" + n + " { v: json }\n";
      s.source += "rule case_" + n + " { if c" + n + " where " + Condition(s.cases[i]) +
                  " then core.noop() }\n";
      s.case_of_rule["case_" + n] = i;
    }
    source::FileId id = s.sources.AddFile("st2_criteria.rule", s.source);
    s.file = parse::ParseFile(s.sources, id, s.diags);
    s.packs =
        std::make_unique<schema::PackLoader>(schema::LoaderOptions{}, s.sources, s.diags, s.types);
    const ast::File* files[] = {s.file.get()};
    s.checked.emplace(check::Check(files, *s.packs, s.types, s.sources, s.diags));
    bool errors = false;
    for (const diag::Diagnostic& d : s.diags.Finish()) {
      if (d.severity != diag::Severity::Error) continue;
      errors = true;
      s.error += diag::RenderText(d, s.sources, {});
    }
    if (!errors) s.program = ir::Lower(*s.checked);
  }
  static void TearDownTestSuite() {
    delete suite_;
    suite_ = nullptr;
  }

  // Runs every case through `engine`; returns the failures.
  static std::vector<std::string> Run(match::Engine& engine) {
    const Suite& s = *suite_;
    std::vector<std::string> failures;
    events::Decoder decoder(events::DecoderOptions{}, engine.DecoderPlans());
    for (size_t i = 0; i < s.cases.size(); ++i) {
      const Case& c = s.cases[i];
      json payload = json::object();
      if (c.value) payload["v"] = *c.value;
      payload["other"] = 1;
      json envelope = {{"trigger", "c" + std::to_string(i)}, {"payload", payload}};
      std::string line = envelope.dump();
      events::DecodedEvent event;
      if (!decoder.Decode(line, event).ok()) {
        failures.push_back(Describe(c) + "\n  the event does not decode: " + line);
        continue;
      }
      std::vector<match::RuleRef> fired;
      engine.Match(event, fired);
      bool matched = false;
      for (const match::RuleRef& ref : fired) {
        const std::string& name = s.program.matchers[ref.matcher].rules[ref.rule].name;
        auto it = s.case_of_rule.find(name);
        if (it != s.case_of_rule.end() && it->second == i) {
          matched = true;
        } else {
          failures.push_back(Describe(c) + "\n  a rule of another case fired: " + name);
        }
      }
      if (matched != c.expect) {
        failures.push_back(Describe(c) + "\n  got " + (matched ? "true" : "false"));
      }
    }
    return failures;
  }

  static Suite* suite_;
};

St2Criteria::Suite* St2Criteria::suite_ = nullptr;

TEST_F(St2Criteria, TableCoversEveryOperator) {
  ASSERT_EQ(suite_->error, "");
  EXPECT_GE(suite_->cases.size(), 200u);
  std::map<std::string, int> per_op;
  for (const Case& c : suite_->cases) {
    EXPECT_NE(std::find(kOperators.begin(), kOperators.end(), c.op), kOperators.end())
        << "cases.jsonl:" << c.line << ": unknown operator " << c.op;
    ++per_op[c.op];
  }
  for (const std::string& op : kOperators) {
    EXPECT_GE(per_op[op], 4) << "operator " << op << " needs at least 4 cases";
  }
  // Both outcomes are exercised for every operator.
  for (const std::string& op : kOperators) {
    bool t = false, f = false;
    for (const Case& c : suite_->cases) {
      if (c.op != op) continue;
      (c.expect ? t : f) = true;
    }
    EXPECT_TRUE(t && f) << "operator " << op << " needs a true and a false case";
  }
}

TEST_F(St2Criteria, Interpreter) {
  ASSERT_EQ(suite_->error, "");
  interp::Interpreter engine(suite_->program);
  std::vector<std::string> failures = Run(engine);
  for (const std::string& f : failures) ADD_FAILURE() << f;
  std::printf("interpreter: %zu cases, %zu failures\n", suite_->cases.size(), failures.size());
}

TEST_F(St2Criteria, Jit) {
  ASSERT_EQ(suite_->error, "");
  std::string error;
  std::unique_ptr<match::Engine> engine =
      jit::CreateJitEngine(suite_->program, jit::JitOptions{}, &error);
  ASSERT_NE(engine, nullptr) << error;
  std::vector<std::string> failures = Run(*engine);
  for (const std::string& f : failures) ADD_FAILURE() << f;
  std::printf("jit: %zu cases, %zu failures\n", suite_->cases.size(), failures.size());
}

}  // namespace
}  // namespace squall
