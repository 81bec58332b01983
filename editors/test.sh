#!/usr/bin/env bash
# Runs every editor-support test. Needs node + npm (scripts/install-deps.sh), a C/C++ compiler,
# python3 and vim; reaches only the npm registry (npm ci, npm pack of the tree-sitter 0.13
# sources on the first run). Registered in CTest as `editors/all`.
#
#   1. npm ci            only when node_modules is missing or package-lock.json changed
#   2. TextMate grammar  vscode-tmgrammar-test on vscode/test/*.test.rule, and every
#                        examples/*.rule tokenized without invalid.* scopes
#   3. VS Code package   esbuild bundle of extension.js + vsce package -> vscode/squall.vsix,
#                        and the bundle loads against a stub `vscode` module
#   4. Vim               syntax/ftdetect/ftplugin checks in headless vim
#   5. tree-sitter       tree-sitter-squall/tools/ts_test.py (generate, corpus, examples, queries)
#   6. keywords          check_keywords.py: the editors' keyword lists are the lexer's, and the
#                        TextMate grammar scopes every keyword on its own (vscode-textmate)
#   7. screenshot        screenshot/render_test.mjs (the README screenshot's HTML renderer)
# Prints one "N passed, M failed" line per suite and a total; exits 1 if anything failed.
set -uo pipefail
cd "$(dirname "$0")"
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

stamp=node_modules/.package-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -d node_modules || ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund --loglevel=error || { echo "editors: npm ci failed"; exit 1; }
  echo "$want" > "$stamp"
fi

passed=0
failed=0
suite() {  # suite NAME CMD...: runs a suite, counts it, keeps its output
  local name=$1
  shift
  echo "== $name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAILED: $name"
  fi
}

tmgrammar() {
  npx --no-install vscode-tmgrammar-test -g vscode/syntaxes/squall.tmLanguage.json \
    'vscode/test/*.test.rule' || return 1
  node vscode/test/examples-clean.js
}

vsix() {
  rm -f vscode/squall.vsix
  npx --no-install esbuild vscode/extension.js --bundle --minify --platform=node --target=node18 \
    --format=cjs --external:vscode --outfile=vscode/dist/extension.js --log-level=warning || return 1
  (cd vscode && npx --no-install vsce package --no-dependencies --allow-missing-repository \
    --skip-license --out squall.vsix) || return 1
  node vscode/test/extension-smoke.js
}

vim_tests() {
  local result
  result=$(mktemp)
  SQUALL_VIM_RESULT=$result timeout 120 vim -Nu NONE -es -S vim/test/syntax_test.vim
  cat "$result"
  grep -q ', 0 failed$' "$result"
  local rc=$?
  rm -f "$result"
  return $rc
}

suite "TextMate grammar" tmgrammar
suite "VS Code extension (.vsix)" vsix
suite "Vim" vim_tests
suite "tree-sitter" python3 tree-sitter-squall/tools/ts_test.py
suite "keywords" python3 check_keywords.py
suite "screenshot renderer" node screenshot/render_test.mjs

echo "editors: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
