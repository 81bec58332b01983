#!/usr/bin/env python3
"""Fails if an editor's keyword list and the lexer's disagree.

The lexer (grammar/SquallLexer.g4) is the source of truth: every token rule whose literal is
a lower-case word (`AFTER: 'after';`) is a keyword. Soft keywords come from the parser's
`softKeyword` rule. For each editor this script extracts the words it highlights as keywords
and reports a keyword it misses and a word it lists that the lexer does not have:

- VS Code (vscode/syntaxes/squall.tmLanguage.json): the words of every `\\b(a|b|...)\\b`
  group (and single-word groups such as `\\b(times)\\b`) in patterns scoped keyword.*,
  storage.type.* or constant.language.*;
- Vim (vim/syntax/squall.vim): the words of `syn keyword` lines and `"\\<word\\>"` matches of
  the keyword groups (not types, builtins, TODO markers or language variables);
- tree-sitter (tree-sitter-squall/grammar.js): the RESERVED_KEYWORDS and SOFT_KEYWORDS arrays
  and every word-shaped string literal of the rules, and the keyword strings of
  queries/highlights.scm.

Reading the VS Code patterns would count a keyword that only occurs inside a two-word pattern
(`\\b(parallel)\\s+(first)\\b`) as covered, though `parallel {` alone is not highlighted. So
the TextMate grammar is also run (vscode-textmate, as VS Code runs it, from node_modules) on
one sample line per keyword: `x KEYWORD y` must scope KEYWORD as a keyword. Only a keyword the
parser (grammar/SquallParser.g4) never accepts alone — one always right after or before a
fixed keyword, like `success` in `on success` — is tried in that pair instead
(`on success y`).

Prints "keywords: N passed, M failed" (one check per editor list, plus the tokenization).
"""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def lexer_keywords():
    text = open(os.path.join(ROOT, "grammar", "SquallLexer.g4")).read()
    words = set(re.findall(r"^[A-Z_]+\s*:\s*'([a-z]+)'\s*;", text, re.M))
    parser = open(os.path.join(ROOT, "grammar", "SquallParser.g4")).read()
    soft_rule = re.search(r"^softKeyword\s*:(.*?);", parser, re.M | re.S).group(1)
    lexer_names = dict(re.findall(r"^([A-Z_]+)\s*:\s*'([a-z]+)'\s*;", text, re.M))
    soft = {lexer_names[n] for n in re.findall(r"[A-Z_]+", soft_rule)}
    return words, soft


def regex_words(regex):
    words = set()
    for group in re.findall(r"\\b\(([a-z_|]+)\)", regex):
        words.update(w for w in group.split("|") if w)
    return words


def vscode_keywords():
    grammar = json.load(open(os.path.join(HERE, "vscode", "syntaxes", "squall.tmLanguage.json")))
    keyword_scope = re.compile(r"^(keyword\.|storage\.type|constant\.language)")
    words = set()

    def walk(node):
        if isinstance(node, dict):
            regex = node.get("match") or node.get("begin") or ""
            scopes = [node.get("name", "")]
            for key in ("captures", "beginCaptures"):
                for num, cap in node.get(key, {}).items():
                    if keyword_scope.match(cap.get("name", "")):
                        # The capture group's own text: \b(word)\b or \b(a|b)\b
                        groups = re.findall(r"(?<!\\)\(([a-z|]+)\)", regex)
                        for g in groups:
                            words.update(g.split("|"))
            if any(keyword_scope.match(s) for s in scopes) and regex:
                words.update(regex_words(regex))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(grammar)
    return words


VIM_NON_KEYWORD_GROUPS = {"squallTodo", "squallType", "squallBuiltin", "squallLanguageVar"}


def vim_keywords():
    words = set()
    for line in open(os.path.join(HERE, "vim", "syntax", "squall.vim")):
        m = re.match(r"\s*syn\s+keyword\s+(\w+)\s+(.*)", line)
        if m and m.group(1) not in VIM_NON_KEYWORD_GROUPS:
            words.update(w for w in m.group(2).split() if w != "contained")
        m = re.match(r'\s*syn\s+match\s+(\w+)\s+"\\<([a-z]+)\\>"\s*$', line)
        if m and m.group(1) not in VIM_NON_KEYWORD_GROUPS:
            words.add(m.group(2))
    return words


def tree_sitter_keywords():
    text = open(os.path.join(HERE, "tree-sitter-squall", "grammar.js")).read()
    code = re.sub(r"//.*", "", text)
    code = re.sub(r"/\*.*?\*/", "", code, flags=re.S)
    rules_part = code[code.index("rules:"):]
    arrays = set()
    for name in ("SOFT_KEYWORDS", "RESERVED_KEYWORDS"):
        body = re.search(name + r"\s*=\s*\[(.*?)\]", code, re.S).group(1)
        arrays.update(re.findall(r"'([a-z]+)'", body))
    rules_part = re.sub(r"fld\('[a-z_]+'", "", rules_part)  # field names are not keywords
    literals = set(re.findall(r"'([a-z]+)'", rules_part))
    queries = open(os.path.join(HERE, "tree-sitter-squall", "queries", "highlights.scm")).read()
    query_words = set()
    for block, capture in re.findall(r"\[([^\]]*)\]\s*(@[\w.]+)", queries):
        if capture.startswith("@keyword"):
            query_words.update(re.findall(r'"([a-z]+)"', block))
    return {"tree-sitter grammar.js keyword arrays": arrays,
            "tree-sitter grammar.js rule literals": literals,
            "tree-sitter queries/highlights.scm": query_words}


def keyword_pairs(keywords):
    """Keyword -> (partner, partner_first) for the keywords the parser accepts only next to a
    fixed keyword (`ON (SUCCESS | FAILURE)`, `FOLLOWED BY`, `PARALLEL (FIRST expr)?`)."""
    lexer = open(os.path.join(ROOT, "grammar", "SquallLexer.g4")).read()
    token_word = {n: w for n, w in re.findall(r"^([A-Z_]+)\s*:\s*'([a-z]+)'\s*;", lexer, re.M)
                  if w in keywords}
    parser = open(os.path.join(ROOT, "grammar", "SquallParser.g4")).read()
    parser = re.sub(r"//[^\n]*", "", parser)
    parser = re.sub(r"#\s*\w+", "", parser)  # alternative labels
    occurrences = {}  # token -> [(partner token or None, partner_first)]
    for body in re.findall(r"^[a-z]\w*\s*:(.*?);", parser, re.M | re.S):
        if re.fullmatch(r"[\s|\w]+", body):
            continue  # a list of names (softKeyword, keyword, name): no syntax
        for m in re.finditer(r"\b[A-Z_]+\b", body):
            token = m.group(0)
            if token not in token_word:
                continue
            partner = None
            before = body[:m.start()].rstrip()
            if before.endswith("|"):
                # `(A | B)`: an alternation of single keywords takes the place of one keyword.
                open_at = before.rfind("(")
                close_at = body.find(")", m.end())
                group = body[open_at:close_at + 1] if open_at >= 0 and close_at >= 0 else ""
                if re.fullmatch(r"\(\s*[A-Z_]+(\s*\|\s*[A-Z_]+)*\s*\)", group):
                    before = body[:open_at].rstrip()
                    after_group = body[close_at + 1:]
                    if after_group[:1] in ("?", "*", "+"):
                        before = ""
                else:
                    before = ""
            elif before.endswith("("):
                before = before[:-1].rstrip()  # first in a group: what precedes the group
            previous = re.search(r"\b([A-Za-z_]+)$", before)
            if previous and previous.group(1) in token_word:
                partner = (token_word[previous.group(1)], True)
            else:
                following = re.match(r"\s+([A-Z_]+)\b(?![?*+])", body[m.end():])
                if following and following.group(1) in token_word:
                    partner = (token_word[following.group(1)], False)
            occurrences.setdefault(token, []).append(partner)
    return {token_word[t]: found[0] for t, found in occurrences.items()
            if all(p is not None for p in found)}


# Tokenizes the lines (a JSON list on stdin) with the TextMate grammar; prints, per line, the
# tokens as [start, end, scopes].
TOKENIZE_JS = r"""
const fs = require('fs');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');
const grammarPath = process.argv[1];
(async () => {
  await oniguruma.loadWASM(
      fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () =>
      vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath),
  });
  const grammar = await registry.loadGrammar('source.squall');
  const lines = JSON.parse(fs.readFileSync(0, 'utf8'));
  const out = lines.map((line) => grammar.tokenizeLine(line, vsctm.INITIAL).tokens.map(
      (t) => [t.startIndex, t.endIndex, t.scopes]));
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(2); });
"""


def vscode_standalone(keywords):
    """The keywords the TextMate grammar does not highlight in a sample line of their own (or,
    for a keyword the parser only accepts in a pair, in that pair); None when it cannot run."""
    pairs = keyword_pairs(keywords)
    samples = []
    for word in sorted(keywords):
        if word in pairs:
            partner, partner_first = pairs[word]
            line = f"{partner} {word} y" if partner_first else f"{word} {partner} y"
        else:
            line = f"x {word} y"
        samples.append((word, line))
    grammar = os.path.join(HERE, "vscode", "syntaxes", "squall.tmLanguage.json")
    try:
        run = subprocess.run(["node", "-e", TOKENIZE_JS, grammar], cwd=HERE, capture_output=True,
                             text=True, timeout=120,
                             input=json.dumps([line for _, line in samples]))
    except OSError as e:
        print(f"cannot run node: {e}")
        return None
    if run.returncode != 0:
        print(f"vscode-textmate failed (npm ci in editors/?): {run.stderr.strip()}")
        return None
    keyword_scope = re.compile(r"^(keyword\.|storage\.type|constant\.language)")
    missing = []
    for (word, line), tokens in zip(samples, json.loads(run.stdout)):
        at = re.search(r"\b" + word + r"\b", line).start()
        scoped = any(start == at and end == at + len(word) and
                     any(keyword_scope.match(s) for s in scopes)
                     for start, end, scopes in tokens)
        if not scoped:
            missing.append(f"{word} (in `{line}`)")
    return missing, len(pairs)


def main():
    keywords, soft = lexer_keywords()
    print(f"lexer: {len(keywords)} keywords ({len(soft)} soft)")
    lists = {"VS Code tmLanguage": vscode_keywords(), "Vim syntax": vim_keywords()}
    lists.update(tree_sitter_keywords())
    passed = failed = 0
    for name, words in lists.items():
        missing = sorted(keywords - words)
        extra = sorted(words - keywords)
        if missing or extra:
            failed += 1
            print(f"FAIL {name}: missing {missing or 'none'}; not lexer keywords {extra or 'none'}")
        else:
            passed += 1
            print(f"ok   {name}: {len(words)} keywords")
    standalone = vscode_standalone(keywords)
    if standalone is None:
        failed += 1
        print("FAIL VS Code tokenization: could not tokenize")
    elif standalone[0]:
        failed += 1
        print(f"FAIL VS Code tokenization: not scoped as keywords: {', '.join(standalone[0])}")
    else:
        passed += 1
        print(f"ok   VS Code tokenization: {len(keywords)} keywords "
              f"({standalone[1]} only in their pair)")
    # The tree-sitter grammar must also agree on which keywords are soft.
    ts_text = open(os.path.join(HERE, "tree-sitter-squall", "grammar.js")).read()
    ts_soft = set(re.findall(r"'([a-z]+)'",
                             re.search(r"SOFT_KEYWORDS\s*=\s*\[(.*?)\]", ts_text, re.S).group(1)))
    if ts_soft == soft:
        passed += 1
        print(f"ok   tree-sitter soft keywords: {len(ts_soft)}")
    else:
        failed += 1
        print(f"FAIL tree-sitter soft keywords differ from softKeyword: "
              f"missing {sorted(soft - ts_soft)}, extra {sorted(ts_soft - soft)}")
    print(f"keywords: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
