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

Prints "keywords: N passed, M failed" (one check per editor list).
"""
import json
import os
import re
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
