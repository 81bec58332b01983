#!/usr/bin/env node
// Evaluates a grammar.js with the grammar DSL of the tree-sitter 0.13 generator (its
// lib/api/dsl.js) and prints the grammar as JSON, the generator's input.
//   usage: grammar_json.js DSL_JS GRAMMAR_JS [FIELDS_JSON] > grammar.json
// FIELDS_JSON, if given, receives the sorted list of field names the grammar uses (for the
// query check: 0.13 has no fields, so they are not in grammar.json).
// The DSL's `$` proxy (RuleBuilder) was a native addon in 0.13; it is re-implemented here in
// JavaScript. Like modern DSLs it returns a symbol for any name, so `alias(x, $.new_name)` works;
// a name that is neither a rule nor an alias is reported by the generator. `field(name, rule)`,
// added to the DSL later, is accepted and dropped.
'use strict';
const fs = require('fs');
const path = require('path');
const Module = require('module');

const [dslPath, grammarPath, fieldsPath] = process.argv.slice(2);
if (!dslPath || !grammarPath) {
  console.error('usage: grammar_json.js DSL_JS GRAMMAR_JS');
  process.exit(2);
}

class RuleBuilder {
  constructor() {
    return new Proxy({}, {
      get(_target, name) {
        if (typeof name !== 'string') return undefined;
        return {type: 'SYMBOL', name};
      },
    });
  }
}

const source = fs.readFileSync(dslPath, 'utf8')
  .replace(/const \{RuleBuilder\} = require\("\.\/binding"\);/, '');
const dslModule = new Module(path.resolve(dslPath));
dslModule.filename = path.resolve(dslPath);
dslModule.paths = [];
const wrapped = Module.wrap(source);
const fn = require('vm').runInThisContext(wrapped, {filename: dslModule.filename});
fn.call(dslModule.exports, dslModule.exports, require, dslModule, dslModule.filename,
  path.dirname(dslModule.filename));
// The DSL file refers to RuleBuilder as a free variable once the require is removed.
global.RuleBuilder = RuleBuilder;

for (const [name, value] of Object.entries(dslModule.exports)) global[name] = value;
const fieldNames = new Set();
global.field = (name, rule) => {
  fieldNames.add(name);
  return rule;
};
const result = require(path.resolve(grammarPath));
// Modern DSLs wrap the grammar as {grammar: {...}}; 0.13's returns it bare.
process.stdout.write(JSON.stringify(result.grammar || result, null, 2) + '\n');
if (fieldsPath) fs.writeFileSync(fieldsPath, JSON.stringify([...fieldNames].sort()) + '\n');
