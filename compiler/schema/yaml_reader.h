// Reading one pack YAML file: parsing with yaml-cpp (whose exceptions stop here and become
// diagnostics), source ranges for nodes, map access without yaml-cpp's throwing accessors, and
// typed field readers that report what they reject.
//
// Ranges: yaml-cpp marks where a node starts (byte offset, line, column); where it ends is
// recovered from the text: a scalar's range covers its text (quotes included), a collection's
// the rest of its first line. An empty value (`key:`) has no position of its own, so
// MapEntry::value_range falls back to the key.
//
// Thread safety: none; a YamlFile reports into one DiagBuffer.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/schema/diag_buffer.h"
#include "compiler/schema/yaml_value.h"
#include "compiler/source/source_manager.h"

namespace squall::schema {

class YamlFile {
 public:
  // Parses the text of `file_id` (which must be in `sources`). Never throws: a syntax error is
  // reported as YamlSyntax at yaml-cpp's mark and leaves ok() false and root() null. A
  // well-formed document is also checked for what PyYAML's safe_load rejects (duplicate keys:
  // DuplicateYamlKey; unknown or mismatched tags: YamlSyntax) and for aliases that expand to
  // an absurd number of nodes (YamlSyntax), so later walks over it stay cheap.
  // `sources` and `diags` must outlive the YamlFile.
  YamlFile(const source::SourceManager& sources, source::FileId file_id, DiagBuffer& diags);
  YamlFile(const YamlFile&) = delete;
  YamlFile& operator=(const YamlFile&) = delete;

  bool ok() const { return ok_; }
  // The first document; null for an empty file or after a syntax error.
  const YAML::Node& root() const { return root_; }
  source::FileId file_id() const { return file_id_; }
  DiagBuffer& diags() const { return diags_; }

  // Where `node` is: see the file comment. A node without a mark (an empty document) gets
  // Start().
  source::SourceRange Range(const YAML::Node& node) const;
  // The empty range at the start of the file: for problems of the whole file.
  source::SourceRange Start() const;

 private:
  // The byte offset of `node`'s mark; yaml-cpp does not count a UTF-8 byte order mark.
  uint32_t Offset(const YAML::Mark& mark) const;
  uint32_t ScalarEnd(uint32_t begin, const YAML::Node& node) const;
  uint32_t LineEnd(uint32_t begin) const;
  void Validate(const YAML::Node& node, uint64_t& budget);

  source::FileId file_id_;
  std::string_view text_;
  uint32_t bom_ = 0;
  DiagBuffer& diags_;
  YAML::Node root_;
  bool ok_ = false;
};

// One `key: value` pair of a YAML map.
struct MapEntry {
  std::string key;  // the key's text
  YAML::Node key_node;
  YAML::Node value;
  source::SourceRange key_range;
  source::SourceRange value_range;  // the value's range, or the key's for an empty value
};

// The entries of a map in document order; of duplicate keys (already reported by YamlFile)
// only the first is kept. A node that is not a map has no entries.
class MapView {
 public:
  MapView(const YamlFile& file, const YAML::Node& node);

  // The entry for `key`, or null.
  const MapEntry* Find(std::string_view key) const;
  // Same, but also null when the value is null (`key:` or `key: ~`): StackStorm treats an
  // optional field set to null like an absent one.
  const MapEntry* FindSet(std::string_view key) const;
  std::span<const MapEntry> entries() const { return entries_; }

  // Reports UnknownPackField (a warning, with did-you-mean) for every key not in `known`.
  // `owner` completes "unknown field `x` in {owner}", e.g. "action metadata".
  void CheckKnownFields(std::span<const std::string_view> known, std::string_view owner) const;

 private:
  const YamlFile& file_;
  std::vector<MapEntry> entries_;
};

// Typed field readers: each returns nullopt and reports PackFieldType (at the value) when the
// value has another kind, null included.

// A value PyYAML loads as a string (`name: x`, `name: "60"`; not `name: 60`).
std::optional<std::string> ReadString(const YamlFile& file, const MapEntry& entry);
// Any scalar as its text (`version: 1.0`, `description: 42`): for free text fields.
std::optional<std::string> ReadText(const YamlFile& file, const MapEntry& entry);
std::optional<bool> ReadBool(const YamlFile& file, const MapEntry& entry);
// An integer >= 0 (`position`).
std::optional<int64_t> ReadIndex(const YamlFile& file, const MapEntry& entry);
// Reports PackFieldType unless the value is a map (or a list for ExpectList).
bool ExpectMap(const YamlFile& file, const MapEntry& entry);
bool ExpectList(const YamlFile& file, const MapEntry& entry);

// Reports PackFieldType for `entry`: "field `{key}` must be {expected}, found {found}", where
// `found` defaults to the kind of the value ("a string").
void ReportFieldType(const YamlFile& file, const MapEntry& entry, std::string_view expected,
                     std::string_view found = {});

}  // namespace squall::schema
