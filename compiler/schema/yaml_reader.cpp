#include "compiler/schema/yaml_reader.h"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>

#include "compiler/diag/suggest.h"

namespace squall::schema {
namespace {

constexpr std::string_view kCoreTagPrefix = "tag:yaml.org,2002:";
// Nodes a document may expand to through aliases before it is rejected: far above any real
// pack file (slack's largest has a few hundred), far below what would stall the loader.
constexpr uint64_t kNodeBudget = 250'000;

// Tags PyYAML's safe_load constructs; anything else is an error there.
bool IsKnownTag(std::string_view tag) {
  if (tag.empty() || tag == "?" || tag == "!") return true;
  if (!tag.starts_with(kCoreTagPrefix)) return false;
  std::string_view name = tag.substr(kCoreTagPrefix.size());
  return name == "str" || name == "int" || name == "float" || name == "bool" || name == "null" ||
         name == "map" || name == "seq" || name == "timestamp" || name == "binary";
}

std::string ShowTag(std::string_view tag) {
  if (tag.starts_with(kCoreTagPrefix)) return "!!" + std::string(tag.substr(kCoreTagPrefix.size()));
  return std::string(tag);
}

std::string KeyText(const YAML::Node& key) { return key.IsScalar() ? key.Scalar() : ToJson(key); }

bool IsNullWord(std::string_view text) {
  return text.starts_with("~") || text.starts_with("null") || text.starts_with("Null") ||
         text.starts_with("NULL");
}

}  // namespace

YamlFile::YamlFile(const source::SourceManager& sources, source::FileId file_id, DiagBuffer& diags)
    : file_id_(file_id), text_(sources.Text(file_id)), diags_(diags) {
  if (text_.starts_with("\xEF\xBB\xBF")) bom_ = 3;
  try {
    root_ = YAML::Load(std::string(text_));
    ok_ = true;
  } catch (const YAML::Exception& e) {
    source::SourceRange at = Start();
    if (e.mark.pos >= 0) {
      uint32_t offset = Offset(e.mark);
      bool has_char = offset < text_.size() && text_[offset] != '\n' && text_[offset] != '\r';
      at = source::SourceRange{
          .file = file_id_, .begin = offset, .end = offset + (has_char ? 1u : 0u)};
    }
    diags_.Report(diag::Kind::YamlSyntax, at, {e.msg});
  } catch (const std::exception& e) {
    diags_.Report(diag::Kind::YamlSyntax, Start(), {e.what()});
  }
  if (!ok_) {
    root_ = YAML::Node();
    return;
  }
  uint64_t budget = kNodeBudget;
  Validate(root_, budget);
  if (budget == 0) {
    diags_.Report(diag::Kind::YamlSyntax, Start(),
                  {"the document expands to more than 250000 nodes through aliases"});
    root_ = YAML::Node();
    ok_ = false;
  }
}

void YamlFile::Validate(const YAML::Node& node, uint64_t& budget) {
  if (budget == 0) return;
  --budget;
  if (!IsKnownTag(node.Tag())) {
    diags_.Report(
        diag::Kind::YamlSyntax, Range(node),
        {"unknown tag `" + ShowTag(node.Tag()) + "`; StackStorm's YAML loader rejects it"});
  } else if (std::optional<std::string> tag = BadTaggedScalar(node)) {
    diags_.Report(diag::Kind::YamlSyntax, Range(node),
                  {"`" + node.Scalar() + "` is not a valid `" + *tag + "` value"});
  }
  if (node.IsSequence()) {
    for (const YAML::Node& element : node) Validate(element, budget);
  } else if (node.IsMap()) {
    std::vector<std::string> keys;
    for (auto it = node.begin(); it != node.end() && budget > 0; ++it) {
      std::string key = KeyText(it->first);
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) {
        diags_.Report(diag::Kind::DuplicateYamlKey, Range(it->first), {key});
      } else {
        keys.push_back(std::move(key));
      }
      Validate(it->first, budget);
      Validate(it->second, budget);
    }
  }
}

uint32_t YamlFile::Offset(const YAML::Mark& mark) const {
  uint64_t offset = static_cast<uint64_t>(mark.pos < 0 ? 0 : mark.pos) + bom_;
  return static_cast<uint32_t>(std::min<uint64_t>(offset, text_.size()));
}

source::SourceRange YamlFile::Start() const {
  return source::SourceRange{.file = file_id_, .begin = 0, .end = 0};
}

source::SourceRange YamlFile::Range(const YAML::Node& node) const {
  if (!node.IsDefined() || node.Mark().is_null() || node.Mark().pos < 0) return Start();
  uint32_t begin = Offset(node.Mark());
  uint32_t end = begin;
  if (node.IsScalar()) {
    end = ScalarEnd(begin, node);
  } else if (node.IsNull()) {
    // `~` or `null` written out; an empty value has no text (its mark is the next token's).
    std::string_view rest = text_.substr(begin);
    if (IsNullWord(rest)) end = begin + (rest[0] == '~' ? 1 : 4);
  } else if (begin < text_.size() && (text_[begin] == '[' || text_[begin] == '{')) {
    // A flow collection: up to its matching bracket (quotes skipped), else the line.
    int depth = 0;
    char quote = 0;
    for (uint32_t i = begin; i < text_.size(); ++i) {
      char c = text_[i];
      if (quote != 0) {
        if (c == '\\' && quote == '"') {
          ++i;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '[' || c == '{') {
        ++depth;
      } else if ((c == ']' || c == '}') && --depth == 0) {
        end = i + 1;
        break;
      }
    }
    if (end == begin) end = LineEnd(begin);
  } else {
    end = LineEnd(begin);
  }
  return source::SourceRange{.file = file_id_, .begin = begin, .end = std::max(begin, end)};
}

uint32_t YamlFile::LineEnd(uint32_t begin) const {
  size_t end = text_.find('\n', begin);
  if (end == std::string_view::npos) end = text_.size();
  std::string_view line = text_.substr(begin, end - begin);
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
      line = line.substr(0, i);
      break;
    }
  }
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  return begin + static_cast<uint32_t>(line.size());
}

uint32_t YamlFile::ScalarEnd(uint32_t begin, const YAML::Node& node) const {
  uint32_t i = begin;
  // Properties (`!!str`, `&anchor`) come first; the range keeps them.
  while (i < text_.size() && (text_[i] == '!' || text_[i] == '&')) {
    while (i < text_.size() && text_[i] != ' ' && text_[i] != '\t' && text_[i] != '\n') ++i;
    while (i < text_.size() && (text_[i] == ' ' || text_[i] == '\t')) ++i;
  }
  if (i >= text_.size()) return static_cast<uint32_t>(text_.size());
  char first = text_[i];
  if (first == '"' || first == '\'') {
    for (uint32_t j = i + 1; j < text_.size(); ++j) {
      if (first == '"' && text_[j] == '\\') {
        ++j;
      } else if (text_[j] == first) {
        if (first == '\'' && j + 1 < text_.size() && text_[j + 1] == '\'') {
          ++j;  // '' is an escaped quote
        } else {
          return j + 1;
        }
      }
    }
    return LineEnd(i);
  }
  if (first == '|' || first == '>') {
    while (i < text_.size() && text_[i] != ' ' && text_[i] != '\t' && text_[i] != '\n' &&
           text_[i] != '\r') {
      ++i;
    }
    return i;
  }
  // A one-line plain scalar is its text verbatim; a folded multi-line one ends its first line.
  std::string_view scalar = node.Scalar();
  if (text_.substr(i, scalar.size()) == scalar) return i + static_cast<uint32_t>(scalar.size());
  return LineEnd(i);
}

MapView::MapView(const YamlFile& file, const YAML::Node& node) : file_(file) {
  if (!node.IsDefined() || !node.IsMap()) return;
  for (auto it = node.begin(); it != node.end(); ++it) {
    std::string key = KeyText(it->first);
    if (Find(key) != nullptr) continue;
    source::SourceRange key_range = file.Range(it->first);
    source::SourceRange value_range = file.Range(it->second);
    if (it->second.IsNull() && value_range.Length() == 0) value_range = key_range;
    entries_.push_back(MapEntry{.key = std::move(key),
                                .key_node = it->first,
                                .value = it->second,
                                .key_range = key_range,
                                .value_range = value_range});
  }
}

const MapEntry* MapView::Find(std::string_view key) const {
  for (const MapEntry& entry : entries_) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

const MapEntry* MapView::FindSet(std::string_view key) const {
  const MapEntry* entry = Find(key);
  if (entry == nullptr || KindOf(entry->value) == ValueKind::kNull) return nullptr;
  return entry;
}

void MapView::CheckKnownFields(std::span<const std::string_view> known,
                               std::string_view owner) const {
  std::vector<std::string> candidates(known.begin(), known.end());
  for (const MapEntry& entry : entries_) {
    if (std::find(known.begin(), known.end(), entry.key) != known.end()) continue;
    std::string hint = diag::DidYouMean(entry.key, candidates);
    if (hint.empty()) hint = "; StackStorm does not accept it";
    file_.diags().Report(diag::Kind::UnknownPackField, entry.key_range,
                         {entry.key, std::string(owner), hint});
  }
}

void ReportFieldType(const YamlFile& file, const MapEntry& entry, std::string_view expected,
                     std::string_view found) {
  if (found.empty()) found = Describe(KindOf(entry.value));
  file.diags().Report(diag::Kind::PackFieldType, entry.value_range,
                      {entry.key, std::string(expected), std::string(found)});
}

std::optional<std::string> ReadString(const YamlFile& file, const MapEntry& entry) {
  if (KindOf(entry.value) != ValueKind::kString) {
    ReportFieldType(file, entry, "a string");
    return std::nullopt;
  }
  return entry.value.Scalar();
}

std::optional<std::string> ReadText(const YamlFile& file, const MapEntry& entry) {
  if (!entry.value.IsScalar()) {
    ReportFieldType(file, entry, "text");
    return std::nullopt;
  }
  return entry.value.Scalar();
}

std::optional<bool> ReadBool(const YamlFile& file, const MapEntry& entry) {
  std::optional<bool> value = BoolValue(entry.value);
  if (!value) ReportFieldType(file, entry, "a boolean");
  return value;
}

std::optional<int64_t> ReadIndex(const YamlFile& file, const MapEntry& entry) {
  std::optional<int64_t> value = IntValue(entry.value);
  if (!value || *value < 0) {
    std::string found = value ? "`" + entry.value.Scalar() + "`" : std::string();
    ReportFieldType(file, entry, "an integer >= 0", found);
    return std::nullopt;
  }
  return value;
}

bool ExpectMap(const YamlFile& file, const MapEntry& entry) {
  if (entry.value.IsMap()) return true;
  ReportFieldType(file, entry, "a map");
  return false;
}

bool ExpectList(const YamlFile& file, const MapEntry& entry) {
  if (entry.value.IsSequence()) return true;
  ReportFieldType(file, entry, "a list");
  return false;
}

}  // namespace squall::schema
