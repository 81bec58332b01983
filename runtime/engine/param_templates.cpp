// Templates in action parameter defaults; see param_templates.h.
#include "runtime/engine/param_templates.h"

#include <cctype>
#include <map>
#include <set>
#include <string_view>

#include "compiler/shell/shell_quote.h"
#include "runtime/engine/call.h"

namespace squall::engine {
namespace {

using Json = nlohmann::json;

// A `{{ name }}` in a text: the bytes [begin, end) and the name.
struct Reference {
  size_t begin = 0;
  size_t end = 0;
  std::string name;
};

bool IsIdentifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The references of `text` to parameters the call has (`values`' keys).
std::vector<Reference> References(std::string_view text, const Json& values) {
  std::vector<Reference> out;
  for (size_t pos = text.find("{{"); pos != std::string_view::npos; pos = text.find("{{", pos)) {
    size_t close = text.find("}}", pos + 2);
    if (close == std::string_view::npos) break;
    std::string_view inner = Trim(text.substr(pos + 2, close - pos - 2));
    if (IsIdentifier(inner) && values.contains(std::string(inner))) {
      out.push_back(Reference{pos, close + 2, std::string(inner)});
    }
    pos = close + 2;
  }
  return out;
}

void CollectNames(const Json& value, const Json& values, std::set<std::string>& names) {
  if (value.is_string()) {
    for (const Reference& r : References(value.get_ref<const std::string&>(), values)) {
      names.insert(r.name);
    }
  } else if (value.is_structured()) {
    for (const Json& element : value) CollectNames(element, values, names);
  }
}

// How Jinja prints a value into text (Python's str()).
std::string JinjaText(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "True" : "False";
  if (value.is_null()) return "None";
  return DumpJson(value);
}

// Text a shell reads as plain words: no quoting, expansion, globbing or separators in it.
bool ShellInert(std::string_view text) {
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::string_view(" _./:=@%+,-").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

Json RenderString(const std::string& text, const Json& values, bool shell_command) {
  std::vector<Reference> refs = References(text, values);
  if (refs.empty()) return text;
  if (!shell_command && refs.size() == 1 && refs[0].begin == 0 && refs[0].end == text.size()) {
    return values.at(refs[0].name);  // `"{{ timeout }}"` keeps the value's type
  }
  std::string out;
  shell::QuoteContext context = shell::QuoteContext::kBare;
  size_t at = 0;
  for (const Reference& ref : refs) {
    std::string_view literal = std::string_view(text).substr(at, ref.begin - at);
    out += literal;
    std::string value = JinjaText(values.at(ref.name));
    if (shell_command) {
      context = shell::ContextAfter(literal, context);
      if (context != shell::QuoteContext::kBare || !ShellInert(value)) {
        value = shell::Quote(value, context);
      }
    }
    out += value;
    at = ref.end;
  }
  out.append(text, at);
  return out;
}

Json Render(const Json& value, const Json& values, bool shell_command) {
  if (value.is_string()) {
    return RenderString(value.get_ref<const std::string&>(), values, shell_command);
  }
  if (value.is_array()) {
    Json out = Json::array();
    for (const Json& element : value) out.push_back(Render(element, values, shell_command));
    return out;
  }
  if (value.is_object()) {
    Json out = Json::object();
    for (const auto& [key, element] : value.items()) {
      out[key] = Render(element, values, shell_command);
    }
    return out;
  }
  return value;
}

}  // namespace

void RenderDefaultTemplates(const ir::ActionSpec& spec, const std::vector<std::string>& defaulted,
                            Json& values) {
  // Defaulted parameters with references, and the parameters each references.
  std::map<std::string, std::set<std::string>> pending;
  for (const std::string& name : defaulted) {
    std::set<std::string> names;
    if (values.contains(name)) CollectNames(values[name], values, names);
    if (!names.empty()) pending.emplace(name, std::move(names));
  }
  // In dependency order: a parameter is rendered once nothing it references is still pending
  // (a cycle never is, and stays as written).
  for (bool progress = true; progress && !pending.empty();) {
    progress = false;
    for (auto it = pending.begin(); it != pending.end();) {
      bool ready = std::none_of(it->second.begin(), it->second.end(),
                                [&](const std::string& n) { return pending.count(n) != 0; });
      if (!ready) {
        ++it;
        continue;
      }
      auto p = std::find_if(spec.parameters.begin(), spec.parameters.end(),
                            [&](const ir::ActionParameter& a) { return a.name == it->first; });
      bool shell_command = p != spec.parameters.end() && p->shell_command;
      values[it->first] = Render(values[it->first], values, shell_command);
      it = pending.erase(it);
      progress = true;
    }
  }
}

}  // namespace squall::engine
