#!/usr/bin/env bash
# Renders the README screenshot: a Squall file highlighted by VS Code's TextMate engine
# (vscode-textmate + vscode-oniguruma with editors/vscode/syntaxes/squall.tmLanguage.json, colours
# of VS Code's "Dark Modern" theme; editors/screenshot/render.mjs writes the HTML page), then
# photographed by headless Chromium at device scale factor 2.
#
# Usage: scripts/screenshot.sh [FILE.rule [OUT.png]]
#   FILE.rule  default editors/screenshot/showcase.rule
#   OUT.png    default docs/images/highlighted-rule.png
#
# Needs node with editors/node_modules installed (editors/test.sh, or `cd editors && npm ci`) and
# Chromium (`chromium` or `chromium-browser` on PATH, or CHROMIUM=/path/to/chrome). Chromium is
# not in scripts/install-deps.sh: the screenshot is a documentation artefact, not a build or test
# step (on Debian: apt-get install chromium). Network: none.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
input=$(realpath "${1:-$root/editors/screenshot/showcase.rule}")
output=$(realpath -m "${2:-$root/docs/images/highlighted-rule.png}")

die() { echo "screenshot.sh: $*" >&2; exit 1; }
command -v node >/dev/null || die "node is missing (scripts/install-deps.sh installs it)"
[[ -d $root/editors/node_modules/vscode-textmate ]] ||
  die "editors/node_modules is missing: run editors/test.sh or (cd editors && npm ci)"
chromium=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[[ -n $chromium && -x $chromium ]] ||
  die "chromium is missing: apt-get install chromium, or set CHROMIUM=/path/to/chrome"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
size=$(node "$root/editors/screenshot/render.mjs" --out "$tmp/page.html" --print-size "$input")
# A private profile keeps Chromium out of ~/.config; --no-sandbox lets it start as root.
if ! "$chromium" --headless --disable-gpu --no-sandbox --hide-scrollbars --no-first-run \
  --user-data-dir="$tmp/profile" --force-device-scale-factor=2 --window-size="$size" \
  --screenshot="$tmp/shot.png" "file://$tmp/page.html" >"$tmp/chromium.log" 2>&1 ||
  [[ ! -s $tmp/shot.png ]]; then
  cat "$tmp/chromium.log" >&2
  die "chromium wrote no screenshot (log above)"
fi
mkdir -p "$(dirname "$output")"
mv "$tmp/shot.png" "$output"
echo "screenshot.sh: wrote $output (${size/,/x} CSS px, scale 2) from $input"
