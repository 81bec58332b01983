#!/usr/bin/env node
// Tokenizes every examples/*.rule with the TextMate grammar (vscode-textmate, as VS Code does)
// and fails if any token is scoped invalid.illegal.* or if a string/interpolation scope leaks
// past the end of a file (an unbalanced begin/end rule). Prints "N passed, M failed".
'use strict';
const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const root = path.resolve(__dirname, '..', '..', '..');
const grammarPath = path.resolve(__dirname, '..', 'syntaxes', 'squall.tmLanguage.json');
const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer;

async function main() {
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () =>
      vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath),
  });
  const grammar = await registry.loadGrammar('source.squall');
  const dir = path.join(root, 'examples');
  let passed = 0;
  let failed = 0;
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.rule')).sort()) {
    const lines = fs.readFileSync(path.join(dir, file), 'utf8').split(/\r?\n/);
    let state = vsctm.INITIAL;
    const problems = [];
    lines.forEach((line, i) => {
      const r = grammar.tokenizeLine(line, state);
      for (const t of r.tokens) {
        const bad = t.scopes.find((s) => s.startsWith('invalid.'));
        if (bad) problems.push(`${file}:${i + 1}:${t.startIndex + 1}: ${bad} on ` +
          JSON.stringify(line.slice(t.startIndex, t.endIndex)));
      }
      state = r.ruleStack;
    });
    if (state.depth > 1) problems.push(`${file}: a scope is still open at the end of the file`);
    if (problems.length) {
      failed++;
      for (const p of problems) console.log('FAIL ' + p);
    } else {
      passed++;
    }
  }
  console.log(`textmate examples: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
