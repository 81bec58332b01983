#include "compiler/schema/pack_metadata.h"

#include <algorithm>
#include <optional>

namespace squall::schema {

bool IsValidPackRef(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

PackMetadata ReadPackMetadata(const YamlFile& file) {
  PackMetadata metadata;
  metadata.decl = file.Start();
  if (!file.ok()) return metadata;
  const YAML::Node& root = file.root();
  if (!root.IsMap()) {
    file.diags().Report(diag::Kind::InvalidMetadataFile, file.Range(root),
                        {"pack.yaml", "a map of fields", std::string(Describe(KindOf(root)))});
    return metadata;
  }
  MapView view(file, root);
  const MapEntry* name = view.Find("name");
  std::optional<std::string> name_text;
  if (name == nullptr) {
    file.diags().Report(diag::Kind::MissingPackField, file.Range(root), {"name", "pack.yaml"});
  } else {
    name_text = ReadString(file, *name);
  }
  const MapEntry* ref = view.FindSet("ref");
  std::optional<std::string> ref_text;
  if (ref != nullptr) ref_text = ReadString(file, *ref);

  const MapEntry* chosen = ref_text ? ref : name;
  std::optional<std::string> chosen_text = ref_text ? ref_text : name_text;
  if (chosen_text) {
    if (IsValidPackRef(*chosen_text)) {
      metadata.name = *chosen_text;
      metadata.decl = chosen->value_range;
    } else {
      file.diags().Report(diag::Kind::InvalidPackRef, chosen->value_range, {*chosen_text});
    }
  }
  if (const MapEntry* version = view.FindSet("version")) {
    metadata.version = ReadText(file, *version).value_or("");
  }
  if (const MapEntry* description = view.FindSet("description")) {
    metadata.description = ReadText(file, *description).value_or("");
  }
  return metadata;
}

}  // namespace squall::schema
