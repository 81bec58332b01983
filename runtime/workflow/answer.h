// The answer to an `ask`: its declared type as a small JSON Schema the answer is checked
// against, so that the engine (Machine::Answer), `squall inquiries respond` and the service's
// `POST /inquiries/<id>` accept exactly the same answers, and those without the workflow's
// program (the CLI reads the schema from the stored instance document).
//
// The schema subset (what compiler/types can say):
//   {}                                          json: anything
//   {"type": T}                                 T: "boolean", "integer", "number", "string",
//                                               "null", "array", "object"; an array of names
//                                               for alternatives (`string?` is
//                                               ["string", "null"])
//   {"type": ..., "format": "duration"}         `duration`: "90s", "1h30m" or milliseconds
//   {"type": ..., "format": "date-time"}        `time`: RFC 3339 text or ms since the epoch
//   "items": S                                  list<T>: every element
//   "properties": {name: S}, "required": [...]  records
//   "additionalProperties": false | S           closed record | map<T> (or an open record)
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "compiler/types/type.h"

namespace squall::workflow {

// The schema of answers of type `type` (null: any JSON, as an `ask` without a type).
nlohmann::json AnswerSchema(const types::Type* type);

// The schema as the Squall type it came from, for people: `{approved: bool, reason: string?}`,
// `list<string>`, `json` for {}. Keywords outside the subset are left out.
std::string SchemaSpelling(const nlohmann::json& schema);

// nullopt when `answer` fits `schema`; else the first mismatch, precise and short:
//   `approved`: expected a bool, found "yes"
//   missing `approved`
//   unknown field `aproved` (expected: approved, reason)
//   `hosts[2]`: expected a string, found 3
//   the answer: expected an object, found [1,2]
// Field paths are dotted (`a.b`); a value is shown as JSON cut to 40 characters. A schema
// keyword outside the subset above is ignored (an answer is not refused for it).
std::optional<std::string> CheckAnswer(const nlohmann::json& schema, const nlohmann::json& answer);

}  // namespace squall::workflow
