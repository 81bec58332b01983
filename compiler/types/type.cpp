#include "compiler/types/type.h"

#include <set>

#include "compiler/source/check.h"

namespace squall::types {

const Field* Type::FindField(std::string_view name) const {
  for (const Field& field : fields_) {
    if (field.name == name) {
      return &field;
    }
  }
  return nullptr;
}

TypeContext::TypeContext()
    : error_(Make(TypeKind::kError)),
      nothing_(Make(TypeKind::kNothing)),
      null_(Make(TypeKind::kNull)),
      bool_(Make(TypeKind::kBool)),
      int_(Make(TypeKind::kInt)),
      float_(Make(TypeKind::kFloat)),
      string_(Make(TypeKind::kString)),
      duration_(Make(TypeKind::kDuration)),
      time_(Make(TypeKind::kTime)),
      json_(Make(TypeKind::kJson)) {}

const Type* TypeContext::Make(TypeKind kind) {
  types_.push_back(std::unique_ptr<Type>(new Type(kind)));
  return types_.back().get();
}

const Type* TypeContext::List(const Type* element) {
  SQUALL_CHECK(element != nullptr, "list of no type");
  if (element->IsError()) {
    return error_;
  }
  auto key = std::make_pair(TypeKind::kList, element);
  if (auto it = interned_.find(key); it != interned_.end()) {
    return it->second;
  }
  types_.push_back(std::unique_ptr<Type>(new Type(TypeKind::kList)));
  types_.back()->element_ = element;
  interned_.emplace(key, types_.back().get());
  return types_.back().get();
}

const Type* TypeContext::Map(const Type* value) {
  SQUALL_CHECK(value != nullptr, "map of no type");
  if (value->IsError()) {
    return error_;
  }
  auto key = std::make_pair(TypeKind::kMap, value);
  if (auto it = interned_.find(key); it != interned_.end()) {
    return it->second;
  }
  types_.push_back(std::unique_ptr<Type>(new Type(TypeKind::kMap)));
  types_.back()->element_ = value;
  interned_.emplace(key, types_.back().get());
  return types_.back().get();
}

const Type* TypeContext::Optional(const Type* type) {
  SQUALL_CHECK(type != nullptr, "optional of no type");
  switch (type->kind()) {
    case TypeKind::kOptional:
    case TypeKind::kNull:
    case TypeKind::kJson:
    case TypeKind::kError:
      return type;
    default:
      break;
  }
  auto key = std::make_pair(TypeKind::kOptional, type);
  if (auto it = interned_.find(key); it != interned_.end()) {
    return it->second;
  }
  types_.push_back(std::unique_ptr<Type>(new Type(TypeKind::kOptional)));
  types_.back()->element_ = type;
  interned_.emplace(key, types_.back().get());
  return types_.back().get();
}

const Type* TypeContext::Record(std::vector<Field> fields, const Type* extra_fields,
                                std::string name) {
  std::set<std::string_view> names;
  for (const Field& field : fields) {
    SQUALL_CHECK(field.type != nullptr, "record field without a type");
    SQUALL_CHECK(names.insert(field.name).second, "duplicate record field " + field.name);
  }
  types_.push_back(std::unique_ptr<Type>(new Type(TypeKind::kRecord)));
  Type& record = *types_.back();
  record.fields_ = std::move(fields);
  record.extra_fields_ = extra_fields;
  record.name_ = std::move(name);
  return &record;
}

const Type* TypeContext::Join(const Type* a, const Type* b) {
  if (SameType(a, b)) {
    return a;
  }
  if (a->IsError() || b->IsError()) {
    return error_;
  }
  if (a->kind() == TypeKind::kNothing) {
    return b;
  }
  if (b->kind() == TypeKind::kNothing) {
    return a;
  }
  if (a->kind() == TypeKind::kNull) {
    return Optional(b);
  }
  if (b->kind() == TypeKind::kNull) {
    return Optional(a);
  }
  if (a->IsOptional() || b->IsOptional()) {
    return Optional(Join(a->NonOptional(), b->NonOptional()));
  }
  if (a->IsNumeric() && b->IsNumeric()) {
    return float_;
  }
  if (a->kind() == b->kind()) {
    if (a->kind() == TypeKind::kList) {
      return List(Join(a->element(), b->element()));
    }
    if (a->kind() == TypeKind::kMap) {
      return Map(Join(a->element(), b->element()));
    }
  }
  // Two different records, or unrelated types: the dynamic type holds both.
  if (CheckAssignable(a, b) == Assignability::kYes) {
    return b;
  }
  if (CheckAssignable(b, a) == Assignability::kYes) {
    return a;
  }
  return json_;
}

bool SameType(const Type* a, const Type* b) {
  if (a == b) {
    return true;
  }
  if (a == nullptr || b == nullptr || a->kind() != b->kind()) {
    return false;
  }
  switch (a->kind()) {
    case TypeKind::kList:
    case TypeKind::kMap:
    case TypeKind::kOptional:
      return SameType(a->element(), b->element());
    case TypeKind::kRecord: {
      if (a->fields().size() != b->fields().size()) {
        return false;
      }
      if ((a->extra_fields() == nullptr) != (b->extra_fields() == nullptr) ||
          (a->extra_fields() != nullptr && !SameType(a->extra_fields(), b->extra_fields()))) {
        return false;
      }
      for (size_t i = 0; i < a->fields().size(); ++i) {
        const Field& fa = a->fields()[i];
        const Field& fb = b->fields()[i];
        if (fa.name != fb.name || fa.required != fb.required || !SameType(fa.type, fb.type)) {
          return false;
        }
      }
      return true;
    }
    default:
      // Scalars are singletons in their context.
      return false;
  }
}

namespace {

Assignability Worst(Assignability a, Assignability b) {
  // kNo < kMayBeNull < kRuntimeChecked < kYes in how bad they are, reversed.
  auto rank = [](Assignability x) {
    switch (x) {
      case Assignability::kNo:
        return 0;
      case Assignability::kMayBeNull:
        return 1;
      case Assignability::kRuntimeChecked:
        return 2;
      case Assignability::kYes:
        return 3;
    }
    return 0;
  };
  return rank(a) <= rank(b) ? a : b;
}

Assignability RecordToRecord(const Type* from, const Type* to) {
  Assignability result = Assignability::kYes;
  for (const Field& target : to->fields()) {
    const Field* source = from->FindField(target.name);
    if (source == nullptr) {
      if (target.required && target.default_json.empty()) {
        if (from->extra_fields() != nullptr) {
          result = Worst(result, Assignability::kRuntimeChecked);
          continue;
        }
        return Assignability::kNo;
      }
      continue;
    }
    Assignability field = CheckAssignable(source->type, target.type);
    if (field == Assignability::kNo) {
      return Assignability::kNo;
    }
    // A field that may be absent in `from` but is required in `to`.
    if (field == Assignability::kMayBeNull && !target.default_json.empty()) {
      field = Assignability::kYes;
    }
    result = Worst(result, field);
  }
  for (const Field& source : from->fields()) {
    if (to->FindField(source.name) != nullptr) {
      continue;
    }
    if (to->extra_fields() == nullptr) {
      return Assignability::kNo;
    }
    Assignability field = CheckAssignable(source.type, to->extra_fields());
    if (field == Assignability::kNo) {
      return Assignability::kNo;
    }
    result = Worst(result, field);
  }
  return result;
}

}  // namespace

Assignability CheckAssignable(const Type* from, const Type* to) {
  SQUALL_CHECK(from != nullptr && to != nullptr, "assignability of no type");
  if (from == to || from->IsError() || to->IsError() || from->kind() == TypeKind::kNothing) {
    return Assignability::kYes;
  }
  if (to->kind() == TypeKind::kJson) {
    return Assignability::kYes;
  }
  if (from->kind() == TypeKind::kJson) {
    return Assignability::kRuntimeChecked;
  }
  if (to->IsOptional()) {
    if (from->kind() == TypeKind::kNull) {
      return Assignability::kYes;
    }
    return CheckAssignable(from->NonOptional(), to->element());
  }
  if (from->kind() == TypeKind::kNull) {
    return Assignability::kMayBeNull;
  }
  if (from->IsOptional()) {
    Assignability inner = CheckAssignable(from->element(), to);
    return inner == Assignability::kNo ? inner : Assignability::kMayBeNull;
  }
  switch (to->kind()) {
    case TypeKind::kFloat:
      return from->IsNumeric() ? Assignability::kYes : Assignability::kNo;
    case TypeKind::kList:
      return from->kind() == TypeKind::kList ? CheckAssignable(from->element(), to->element())
                                             : Assignability::kNo;
    case TypeKind::kMap:
      if (from->kind() == TypeKind::kMap) {
        return CheckAssignable(from->element(), to->element());
      }
      if (from->kind() == TypeKind::kRecord) {
        Assignability result = Assignability::kYes;
        for (const Field& field : from->fields()) {
          Assignability one = CheckAssignable(field.type, to->element());
          if (one == Assignability::kNo) {
            return one;
          }
          result = Worst(result, one);
        }
        if (from->extra_fields() != nullptr) {
          result = Worst(result, CheckAssignable(from->extra_fields(), to->element()));
        }
        return result;
      }
      return Assignability::kNo;
    case TypeKind::kRecord:
      if (from->kind() == TypeKind::kRecord) {
        return RecordToRecord(from, to);
      }
      return Assignability::kNo;
    default:
      return from->kind() == to->kind() ? Assignability::kYes : Assignability::kNo;
  }
}

namespace {

bool IsPlainFieldName(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    bool ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) {
      return false;
    }
  }
  return true;
}

void Print(const Type* type, bool expand, std::string& out) {
  switch (type->kind()) {
    case TypeKind::kError:
      out += "<error>";
      return;
    case TypeKind::kNothing:
      out += "nothing";
      return;
    case TypeKind::kNull:
      out += "null";
      return;
    case TypeKind::kBool:
      out += "bool";
      return;
    case TypeKind::kInt:
      out += "int";
      return;
    case TypeKind::kFloat:
      out += "float";
      return;
    case TypeKind::kString:
      out += "string";
      return;
    case TypeKind::kDuration:
      out += "duration";
      return;
    case TypeKind::kTime:
      out += "time";
      return;
    case TypeKind::kJson:
      out += "json";
      return;
    case TypeKind::kList:
      out += "list<";
      Print(type->element(), false, out);
      out += ">";
      return;
    case TypeKind::kMap:
      out += "map<";
      Print(type->element(), false, out);
      out += ">";
      return;
    case TypeKind::kOptional:
      Print(type->element(), false, out);
      out += "?";
      return;
    case TypeKind::kRecord: {
      if (!type->name().empty() && !expand) {
        out += type->name();
        return;
      }
      out += "{";
      bool first = true;
      for (const Field& field : type->fields()) {
        if (!first) {
          out += ", ";
        }
        first = false;
        if (IsPlainFieldName(field.name)) {
          out += field.name;
        } else {
          out += "`" + field.name + "`";
        }
        out += ": ";
        Print(field.type, false, out);
      }
      if (type->extra_fields() != nullptr) {
        out += first ? "..." : ", ...";
      }
      out += "}";
      return;
    }
  }
}

}  // namespace

std::string ToString(const Type* type, bool expand_named_record) {
  std::string out;
  Print(type, expand_named_record, out);
  return out;
}

}  // namespace squall::types
