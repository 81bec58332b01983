#!/usr/bin/env node
// Runs render.mjs (a real node process) on small inputs in a temp dir and checks the page: the
// Dark Modern colour of a comment, a declaration keyword, a control keyword, a string, an
// interpolated expression and a duration, HTML escaping, line numbers, the --print-size figure,
// the refusal of a file the grammar marks as erroneous, and that showcase.rule renders. Prints
// "N passed, M failed".
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'squall-render-'));

function render(source, ...args) {
  const file = path.join(tmp, 'in.rule');
  fs.writeFileSync(file, source);
  const r = spawnSync(process.execPath, [path.join(here, 'render.mjs'), ...args, file],
    { encoding: 'utf8', timeout: 30000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, file };
}

const span = (color, text) => `<span style="color:${color}">${text}</span>`;

const sample = [
  '# a comment',
  'rule r {',
  '  if disk.low where event.mount == "/var/log"',
  '  then core.remote(cmd: "x {{event.host}}", tags: list<string>)',
  '    retry 3 times every 10s',
  '}',
  '',
].join('\n');

const cases = [
  ['colours of the token classes', () => {
    const r = render(sample);
    assert.equal(r.status, 0, r.stderr);
    const html = r.stdout;
    assert.ok(html.includes(span('#6A9955', '# a comment')), 'comment');
    assert.ok(html.includes(span('#569CD6', 'rule')), 'declaration keyword (storage.type)');
    assert.ok(html.includes(span('#C586C0', 'if')), 'control keyword (keyword.control, Dark+)');
    assert.ok(html.includes(span('#CE9178', '&quot;/var/log&quot;')), 'string');
    assert.ok(html.includes(span('#CE9178', '&quot;x {{') + span('#569CD6', 'event')),
      'interpolated expression inside a string');
    assert.ok(html.includes(span('#B5CEA8', '10s')), 'duration');
    assert.ok(html.includes(span('#4EC9B0', 'list') + span('#D4D4D4', '&lt;')), 'escaped <');
  }],
  ['line numbers and default colours', () => {
    const r = render(sample, '--title', 'a<b');
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes('<span class="n">6</span>'));
    assert.ok(!r.stdout.includes('<span class="n">7</span>'), 'trailing newline is no line');
    assert.ok(r.stdout.includes('background: #1F1F1F'));
    assert.ok(r.stdout.includes('<div class="tab">a&lt;b</div>'));
  }],
  ['--print-size fits the lines', () => {
    const out = path.join(tmp, 'page.html');
    const r = render(sample, '--out', out, '--print-size');
    assert.equal(r.status, 0, r.stderr);
    const m = /^(\d+),(\d+)\n$/.exec(r.stdout);
    assert.ok(m, `size line: ${JSON.stringify(r.stdout)}`);
    assert.equal(Number(m[2]), 35 + 2 * 12 + 6 * 20);  // tab bar, padding, 6 lines
    const longest = '  then core.remote(cmd: "x {{event.host}}", tags: list<string>)'.length;
    assert.ok(Number(m[1]) > longest * 8 && Number(m[1]) < (longest + 12) * 9, m[1]);
    assert.ok(fs.readFileSync(out, 'utf8').startsWith('<!DOCTYPE html>'));
  }],
  ['a token the grammar marks invalid is refused', () => {
    const r = render('rule r {\n  if disk.low then core.noop();\n}\n');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /in\.rule:2:31: invalid\.illegal\.semicolon\.squall on ";"/);
    assert.equal(r.stdout, '');
  }],
  ['showcase.rule (the README picture) renders clean', () => {
    const r = spawnSync(process.execPath, [path.join(here, 'render.mjs')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes('<div class="tab">showcase.rule</div>'));
  }],
  ['usage and read errors', () => {
    assert.equal(render(sample, '--bogus').status, 2);
    assert.equal(render(sample, '--print-size').status, 2);
    const r = spawnSync(process.execPath, [path.join(here, 'render.mjs'),
      path.join(tmp, 'missing.rule')], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot read .*missing\.rule/);
  }],
];

let passed = 0;
let failed = 0;
for (const [name, fn] of cases) {
  try {
    fn();
    passed++;
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.message}`);
  }
}
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`screenshot renderer: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
