// Squall for VS Code: starts the language server (`squall lsp`, stdio) for .rule files.
// Plain JavaScript (no TypeScript build); `npm run bundle` in editors/ bundles it with
// vscode-languageclient into dist/extension.js, which the .vsix ships.
//
// Failing gracefully matters: highlighting, snippets and brackets work without a server, so a
// missing or too old `squall` binary gives one warning (with a button to the setting) and
// an output-channel log, never an error loop.
'use strict';
const fs = require('fs');
const path = require('path');
const vscode = require('vscode');
const {LanguageClient, TransportKind, State} = require('vscode-languageclient/node');

let client = null;
let output = null;

/** The configured executable resolved against PATH, or null if it is not there. */
function resolveExecutable(command) {
  const isFile = (p) => {
    try {
      return fs.statSync(p).isFile();
    } catch (_) {
      return false;
    }
  };
  if (command.includes('/') || command.includes('\\')) {
    const resolved = path.resolve(command.replace(/^~(?=$|[\\/])/, process.env.HOME || '~'));
    return isFile(resolved) ? resolved : null;
  }
  const exts = process.platform === 'win32' ? ['', '.exe', '.cmd'] : [''];
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    for (const ext of exts) {
      const candidate = path.join(dir, command + ext);
      if (dir && isFile(candidate)) return candidate;
    }
  }
  return null;
}

async function warn(message) {
  output.appendLine(message);
  const choice = await vscode.window.showWarningMessage(message, 'Open Settings', 'Show Log');
  if (choice === 'Open Settings') {
    vscode.commands.executeCommand('workbench.action.openSettings', 'squall.path');
  } else if (choice === 'Show Log') {
    output.show(true);
  }
}

async function startClient() {
  const config = vscode.workspace.getConfiguration('squall');
  if (!config.get('lsp.enabled', true)) {
    output.appendLine('squall.lsp.enabled is false: the language server is not started.');
    return;
  }
  const configured = config.get('path', 'squall') || 'squall';
  const command = resolveExecutable(configured);
  if (!command) {
    await warn(`Squall: cannot find "${configured}" (setting squall.path). Highlighting works; ` +
      'diagnostics, hover and completion need the squall binary.');
    return;
  }
  const args = ['lsp', ...config.get('lsp.extraArgs', [])];
  const serverOptions = {
    run: {command, args, transport: TransportKind.stdio},
    debug: {command, args, transport: TransportKind.stdio},
  };
  const clientOptions = {
    documentSelector: [{scheme: 'file', language: 'squall'}, {scheme: 'untitled', language: 'squall'}],
    synchronize: {fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{rule,yaml,yml}')},
    outputChannel: output,
    // Do not restart a server that keeps dying (e.g. a squall without the `lsp` command).
    connectionOptions: {maxRestartCount: 2},
  };
  client = new LanguageClient('squall', 'Squall Language Server', serverOptions, clientOptions);
  client.onDidChangeState((e) => {
    if (e.newState === State.Stopped) output.appendLine('Squall language server stopped.');
  });
  try {
    await client.start();
    output.appendLine(`Squall language server started: ${command} ${args.join(' ')}`);
  } catch (err) {
    const failed = client;
    client = null;
    try {
      await failed.dispose();
    } catch (_) {
      // Already stopped.
    }
    await warn(`Squall: "${command} lsp" did not start (${err && err.message ? err.message : err}). ` +
      'A squall build without the language server? Highlighting still works.');
  }
}

async function stopClient() {
  if (!client) return;
  const running = client;
  client = null;
  try {
    await running.stop();
  } catch (_) {
    // Stopping a server that already exited is fine.
  }
}

async function activate(context) {
  output = vscode.window.createOutputChannel('Squall');
  context.subscriptions.push(output);
  context.subscriptions.push(vscode.commands.registerCommand('squall.restartServer', async () => {
    await stopClient();
    await startClient();
  }));
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration(async (e) => {
    if (e.affectsConfiguration('squall.path') || e.affectsConfiguration('squall.lsp')) {
      await stopClient();
      await startClient();
    }
  }));
  await startClient();
}

function deactivate() {
  return stopClient();
}

module.exports = {activate, deactivate, resolveExecutable};
