// Test helpers for squall_schema_test only: parse YAML snippets, write pack trees to a temporary
// directory, and summarize types and diagnostics as short strings tables can compare.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "compiler/diag/diagnostic_engine.h"
#include "compiler/schema/diag_buffer.h"
#include "compiler/schema/yaml_reader.h"
#include "compiler/source/source_manager.h"
#include "compiler/types/type.h"

namespace squall::schema::testing {

// A type spelled out completely: records expanded at every level with their extra-field type
// (`{a: int, b: string?, ...: json}`); other types as types::ToString prints them.
inline std::string Spell(const types::Type* type) {
  if (type == nullptr) return "<null>";
  switch (type->kind()) {
    case types::TypeKind::kList:
      return "list<" + Spell(type->element()) + ">";
    case types::TypeKind::kMap:
      return "map<" + Spell(type->element()) + ">";
    case types::TypeKind::kOptional:
      return Spell(type->element()) + "?";
    case types::TypeKind::kRecord: {
      std::string out = "{";
      for (const types::Field& field : type->fields()) {
        if (out.size() > 1) out += ", ";
        out += field.name + ": " + Spell(field.type);
      }
      if (type->extra_fields() != nullptr) {
        out += std::string(out.size() > 1 ? ", " : "") + "...: " + Spell(type->extra_fields());
      }
      return out + "}";
    }
    default:
      return types::ToString(type);
  }
}

// "Kind path:line:col" for a diagnostic (notes as "  note Kind path:line:col").
inline std::vector<std::string> Summarize(const std::vector<diag::Diagnostic>& diagnostics,
                                          const source::SourceManager& sources) {
  auto where = [&](source::SourceRange range) {
    if (!range.IsValid()) return std::string("-");
    source::LineCol at = sources.GetLineCol(range.file, range.begin);
    return std::string(sources.Path(range.file)) + ":" + std::to_string(at.line) + ":" +
           std::to_string(at.column);
  };
  std::vector<std::string> out;
  for (const diag::Diagnostic& d : diagnostics) {
    out.push_back(std::string(diag::Info(d.kind).name) + " " + where(d.range));
    for (const diag::Note& note : d.notes) {
      out.push_back("  note " + std::string(diag::Info(note.kind).name) + " " + where(note.range));
    }
  }
  return out;
}

// One YAML snippet, parsed, with its diagnostics collected.
class Snippet {
 public:
  explicit Snippet(std::string text, std::string path = "test.yaml")
      : file_id_(sources_.AddFile(std::move(path), std::move(text))),
        file_(std::make_unique<YamlFile>(sources_, file_id_, buffer_)) {}

  const YamlFile& file() const { return *file_; }
  source::SourceManager& sources() { return sources_; }
  types::TypeContext& types() { return types_; }

  // The entry `key` of the root map (the test fails when there is none).
  MapEntry Entry(const std::string& key) const {
    MapView view(*file_, file_->root());
    const MapEntry* entry = view.Find(key);
    EXPECT_NE(entry, nullptr) << "no key " << key;
    return entry != nullptr ? *entry : MapEntry{};
  }

  // The diagnostics so far, summarized ("Kind test.yaml:line:col").
  std::vector<std::string> Diagnostics() {
    diag::DiagnosticEngine engine(
        sources_, diag::EngineOptions{.error_limit = 0, .warnings_as_errors = false});
    buffer_.FlushTo(engine);
    return Summarize(engine.Finish(), sources_);
  }
  // The kinds of the diagnostics so far, in order.
  std::vector<std::string> Kinds() {
    std::vector<std::string> kinds;
    for (const std::string& line : Diagnostics()) {
      if (!line.starts_with("  ")) kinds.push_back(line.substr(0, line.find(' ')));
    }
    return kinds;
  }
  // Every diagnostic's message, in order.
  std::vector<std::string> Messages() {
    diag::DiagnosticEngine engine(
        sources_, diag::EngineOptions{.error_limit = 0, .warnings_as_errors = false});
    buffer_.FlushTo(engine);
    std::vector<std::string> messages;
    for (const diag::Diagnostic& d : engine.Finish()) messages.push_back(d.message);
    return messages;
  }

 private:
  source::SourceManager sources_;
  DiagBuffer buffer_;
  types::TypeContext types_;
  source::FileId file_id_;
  std::unique_ptr<YamlFile> file_;
};

// A temporary directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "squall-schema-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) != nullptr ? std::filesystem::path(pattern)
                                                 : std::filesystem::path();
    EXPECT_FALSE(path_.empty());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes `text` to `relative` (directories created as needed).
  void Write(const std::string& relative, const std::string& text) const {
    std::filesystem::path file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out << text;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace squall::schema::testing
