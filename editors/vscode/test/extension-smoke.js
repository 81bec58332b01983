#!/usr/bin/env node
// Loads the bundled extension (dist/extension.js) outside VS Code with a small stub of the
// `vscode` API and checks the parts that do not need an editor: it exports activate and
// deactivate, resolves executables on PATH, and with `squall.path` pointing nowhere it
// activates without throwing, shows one warning and starts no server.
// Prints "extension smoke: N passed, M failed".
'use strict';
const Module = require('module');
const path = require('path');

const warnings = [];
const settings = {'path': '/nonexistent/bin/squall', 'lsp.enabled': true, 'lsp.extraArgs': []};
const disposable = {dispose() {}};
// Any API the bundle touches at load time but this test does not care about is a no-op.
const noop = new Proxy(function () {}, {
  get: (_t, key) => (key === 'then' ? undefined : noop),
  apply: () => disposable,
  construct: () => noop,
});
const vscode = new Proxy({
  window: {
    createOutputChannel: () => ({appendLine() {}, show() {}, dispose() {}}),
    showWarningMessage: async (msg) => {
      warnings.push(msg);
      return undefined;
    },
  },
  workspace: {
    getConfiguration: () => ({get: (key, dflt) => (key in settings ? settings[key] : dflt)}),
    onDidChangeConfiguration: () => disposable,
    createFileSystemWatcher: () => disposable,
  },
  commands: {registerCommand: () => disposable, executeCommand: async () => undefined},
}, {get: (t, key) => (key in t ? t[key] : noop)});

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
};
require.cache.vscode = {id: 'vscode', filename: 'vscode', loaded: true, exports: vscode};

let passed = 0;
let failed = 0;
function check(name, ok) {
  if (ok) passed++;
  else {
    failed++;
    console.log('FAIL ' + name);
  }
}

(async () => {
  const ext = require(path.resolve(__dirname, '..', 'dist', 'extension.js'));
  check('exports activate/deactivate', typeof ext.activate === 'function' &&
    typeof ext.deactivate === 'function');
  check('resolves sh on PATH', /\/sh$/.test(ext.resolveExecutable('sh') || ''));
  check('missing executable resolves to null', ext.resolveExecutable('/nonexistent/squall') === null);
  const context = {subscriptions: []};
  let threw = null;
  try {
    await ext.activate(context);
  } catch (e) {
    threw = e;
  }
  check('activate with a missing squall does not throw: ' + threw, threw === null);
  check('one warning naming squall.path', warnings.length === 1 && /squall\.path/.test(warnings[0]));
  check('subscriptions registered', context.subscriptions.length >= 3);
  await ext.deactivate();
  console.log(`extension smoke: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})().catch((e) => {
  console.error(e);
  process.exit(2);
});
