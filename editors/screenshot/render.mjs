#!/usr/bin/env node
// Renders a Squall file as a standalone HTML page highlighted the way VS Code highlights it:
// tokenized by vscode-textmate + vscode-oniguruma (VS Code's own TextMate engine) with our
// grammar, coloured by vscode-textmate's theme matcher with the rules of a VS Code theme.
//
//   node render.mjs [--theme THEME.json] [--title TEXT] [--out PAGE.html] [--print-size] [FILE]
//
//   FILE          the .rule file (default: showcase.rule beside this script)
//   --theme       a VS Code theme JSON with tokenColors and colors (default: dark-modern.json)
//   --title       the name on the editor tab (default: FILE's base name)
//   --out         where to write the page (default: stdout)
//   --print-size  print "WIDTH,HEIGHT" (CSS pixels that fit the page) on stdout; needs --out
//
// Exits 2 on a usage error, 1 if the file cannot be read or any token is scoped invalid.* (a
// screenshot must not show an error the grammar flags), 0 otherwise.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import vsctm from 'vscode-textmate';
import oniguruma from 'vscode-oniguruma';

const here = path.dirname(fileURLToPath(import.meta.url));
const grammarPath = path.resolve(here, '..', 'vscode', 'syntaxes', 'squall.tmLanguage.json');

// Page metrics. The size estimate uses the advance width of DejaVu Sans Mono (1233/2048 em), the
// font VS Code's Linux default ('Droid Sans Mono', 'monospace') resolves to on Debian.
const kFontSize = 14;
const kLineHeight = 20;
const kCharWidth = kFontSize * (1233 / 2048);
const kTabHeight = 35;
const kPadY = 12;
const kPadRight = 24;
const kTabWidth = 4;

// Bits of a token's metadata word (vscode-textmate's MetadataConsts; a const enum, so not
// exported at run time).
const kFontStyleMask = 0x7800;
const kFontStyleOffset = 11;
const kForegroundMask = 0xff8000;
const kForegroundOffset = 15;

const kUsage = 'usage: node render.mjs [--theme THEME.json] [--title TEXT] [--out PAGE.html] ' +
  '[--print-size] [FILE]\n';

function usage(message) {
  process.stderr.write(`render.mjs: ${message}\n${kUsage}`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { theme: path.join(here, 'dark-modern.json'), title: null, out: null,
    printSize: false, file: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    if (a === '--theme') opts.theme = value();
    else if (a === '--title') opts.title = value();
    else if (a === '--out') opts.out = value();
    else if (a === '--print-size') opts.printSize = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write(kUsage);
      process.exit(0);
    }
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else if (opts.file) usage('only one FILE');
    else opts.file = a;
  }
  if (opts.printSize && !opts.out) usage('--print-size needs --out');
  opts.file ??= path.join(here, 'showcase.rule');
  opts.title ??= path.basename(opts.file);
  return opts;
}

function readOrDie(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    process.stderr.write(`render.mjs: cannot read ${file}: ${e.message}\n`);
    process.exit(1);
  }
}

async function loadGrammar(theme) {
  const require = createRequire(import.meta.url);
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () =>
      vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath),
    // The first, scope-less setting gives the default colours, as VS Code derives them from
    // editor.foreground / editor.background.
    theme: {
      name: theme.name,
      settings: [
        { settings: { foreground: theme.colors['editor.foreground'],
          background: theme.colors['editor.background'] } },
        ...theme.tokenColors,
      ],
    },
  });
  return { registry, grammar: await registry.loadGrammar('source.squall') };
}

const escapeHtml = (s) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function spanStyle(colorMap, metadata) {
  const fg = colorMap[(metadata & kForegroundMask) >>> kForegroundOffset];
  const fontStyle = (metadata & kFontStyleMask) >>> kFontStyleOffset;
  let style = `color:${fg}`;
  if (fontStyle & 1) style += ';font-style:italic';
  if (fontStyle & 2) style += ';font-weight:bold';
  if (fontStyle & 4) style += ';text-decoration:underline';
  return style;
}

// Tokenizes every line twice: tokenizeLine for the scopes (to refuse invalid.*), tokenizeLine2
// for the theme-resolved colours. Returns { html: [line html], problems: [text] }.
function highlight(grammar, colorMap, lines, file) {
  const html = [];
  const problems = [];
  let scoped = vsctm.INITIAL;
  let coloured = vsctm.INITIAL;
  lines.forEach((line, i) => {
    const r1 = grammar.tokenizeLine(line, scoped);
    for (const t of r1.tokens) {
      const bad = t.scopes.find((s) => s.startsWith('invalid.'));
      if (bad) problems.push(`${file}:${i + 1}:${t.startIndex + 1}: ${bad} on ` +
        JSON.stringify(line.slice(t.startIndex, t.endIndex)));
    }
    scoped = r1.ruleStack;
    const r2 = grammar.tokenizeLine2(line, coloured);
    coloured = r2.ruleStack;
    // Adjacent tokens with the same style become one span.
    const parts = [];
    for (let k = 0; k < r2.tokens.length; k += 2) {
      const start = r2.tokens[k];
      const end = k + 2 < r2.tokens.length ? r2.tokens[k + 2] : line.length;
      const text = line.slice(start, end);
      if (!text) continue;
      const style = spanStyle(colorMap, r2.tokens[k + 1]);
      const last = parts[parts.length - 1];
      if (last && last.style === style) last.text += text;
      else parts.push({ style, text });
    }
    html.push(parts.map((p) => `<span style="${p.style}">${escapeHtml(p.text)}</span>`).join(''));
  });
  return { html, problems };
}

function page(title, theme, lineHtml) {
  const c = theme.colors;
  const digits = String(lineHtml.length).length;
  const body = lineHtml.map((h, i) =>
    `<div class="l"><span class="n">${i + 1}</span>${h}</div>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<!-- Generated by editors/screenshot/render.mjs (vscode-textmate, theme "${escapeHtml(theme.name)}"). -->
<style>
  html, body { margin: 0; background: ${c['editor.background']}; }
  .tabs { height: ${kTabHeight}px; background: ${c['editorGroupHeader.tabsBackground']};
    border-bottom: 1px solid ${c['tab.border']}; box-sizing: border-box; display: flex; }
  .tab { background: ${c['tab.activeBackground']}; color: ${c['tab.activeForeground']};
    border-top: 1px solid ${c['tab.activeBorderTop']}; border-right: 1px solid ${c['tab.border']};
    margin-bottom: -1px; padding: 0 20px; display: flex; align-items: center;
    font: 13px 'DejaVu Sans', sans-serif; }
  .code { padding: ${kPadY}px ${kPadRight}px ${kPadY}px 0; color: ${c['editor.foreground']};
    font-family: 'DejaVu Sans Mono', 'Droid Sans Mono', monospace; font-size: ${kFontSize}px;
    line-height: ${kLineHeight}px; tab-size: ${kTabWidth}; }
  .l { white-space: pre; }
  .n { display: inline-block; width: ${digits + 2}ch; margin-right: 3ch; text-align: right;
    color: ${c['editorLineNumber.foreground']}; user-select: none; }
</style>
</head>
<body>
<div class="tabs"><div class="tab">${escapeHtml(title)}</div></div>
<div class="code">
${body}
</div>
</body>
</html>
`;
}

// CSS pixels that hold the page: gutter + the longest line, all lines, the tab bar and padding.
function pageSize(lines) {
  const digits = String(lines.length).length;
  const cols = Math.max(0, ...lines.map((l) => l.replace(/\t/g, ' '.repeat(kTabWidth)).length));
  const width = Math.ceil((digits + 2 + 3 + cols) * kCharWidth) + kPadRight;
  const height = kTabHeight + 2 * kPadY + lines.length * kLineHeight;
  return { width, height };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const theme = JSON.parse(readOrDie(opts.theme));
  const lines = readOrDie(opts.file).replace(/\r?\n$/, '').split(/\r?\n/);
  const { registry, grammar } = await loadGrammar(theme);
  const { html, problems } = highlight(grammar, registry.getColorMap(), lines, opts.file);
  if (problems.length) {
    process.stderr.write(`render.mjs: the grammar marks errors:\n  ${problems.join('\n  ')}\n`);
    process.exit(1);
  }
  const out = page(opts.title, theme, html);
  if (opts.out) fs.writeFileSync(opts.out, out);
  else process.stdout.write(out);
  if (opts.printSize) {
    const { width, height } = pageSize(lines);
    process.stdout.write(`${width},${height}\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`render.mjs: ${e.stack || e}\n`);
  process.exit(1);
});
