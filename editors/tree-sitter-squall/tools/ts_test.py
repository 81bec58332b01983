#!/usr/bin/env python3
"""Builds the Squall tree-sitter parser and runs its tests without the modern tree-sitter CLI.

Why: every tree-sitter-cli release on npm since 0.14 is a stub whose install script downloads
the real binary from GitHub, and this machine (like CI's) reaches only the npm and Debian
registries; Debian 12 packages no tree-sitter CLI, and crates.io is out of reach. The last
npm release that ships the generator's *source*, tree-sitter-cli 0.13.16, is the C++
generator; tree-sitter 0.13.23 (the Node binding of that era) ships the matching C runtime.
Both are fetched with `npm pack` (integrity pinned below), compiled with the system C/C++
compiler, and driven by this script:

  1. grammar.js -> grammar.json (tools/grammar_json.js, the 0.13 DSL) -> parser.c (generator),
     which also fails on any unresolved conflict;
  2. parser.c + runtime + tools/parse.c -> a `parse` program printing S-expressions;
  3. test/corpus/*.txt, in `tree-sitter test`'s format, compared node for node (field names,
     if an expected tree has any, are ignored: the 0.13 runtime has no fields);
  4. every examples/*.rule parses without ERROR or MISSING nodes;
  5. queries/*.scm name only node types, fields and anonymous tokens the grammar defines.

The built tools are cached under --cache (default: editors/node_modules/.squall-tree-sitter,
git-ignored), so only the first run pays for compiling the generator (~1 minute on 2 cores).

Usage: ts_test.py [--cache DIR] [--update]   (--update rewrites corpus expectations)
"""
import argparse
import base64
import concurrent.futures
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GRAMMAR_DIR = os.path.dirname(HERE)
EDITORS = os.path.dirname(GRAMMAR_DIR)
ROOT = os.path.dirname(EDITORS)

PACKAGES = {
    "tree-sitter-cli@0.13.16": "sha512-nOYoNJTY1aHGaMHp5U+Yt62z+GkFldgV2if1HmsYwG5Kgm/zpQPwcrkzQujZkEpilXLn9L4b5UqIXrkrtaN9Zg==",
    "tree-sitter@0.13.23": "sha512-75AiPbMEstv+YK8h4FkAHnmAJ6nNIUj/NFzRvKCHovmwSEKMi8Wc/E/crB4lJnHBOfV/f/DMQjN+e1Y36kagug==",
}

GENERATOR_MAIN = r"""
#include <tree_sitter/compiler.h>
#include <cstdio>
#include <fstream>
#include <sstream>
int main(int argc, char **argv) {
  if (argc != 3) { std::fprintf(stderr, "usage: %s GRAMMAR_JSON PARSER_C\n", argv[0]); return 2; }
  std::ifstream in(argv[1]);
  if (!in) { std::fprintf(stderr, "cannot read %s\n", argv[1]); return 2; }
  std::stringstream text; text << in.rdbuf();
  TSCompileResult r = ts_compile_grammar(text.str().c_str(), nullptr);
  if (r.error_type != TSCompileErrorTypeNone) { std::fprintf(stderr, "%s\n", r.error_message); return 1; }
  std::ofstream out(argv[2]); out << r.code;
  return out ? 0 : 2;
}
"""


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def fetch(cache):
    """npm-packs the two 0.13 packages into cache/ and unpacks them (once)."""
    dirs = {}
    for spec, integrity in PACKAGES.items():
        name, version = spec.rsplit("@", 1)
        dest = os.path.join(cache, f"{name}-{version}")
        dirs[name] = os.path.join(dest, "package")
        if os.path.isdir(dirs[name]):
            continue
        os.makedirs(dest, exist_ok=True)
        run(["npm", "pack", "--silent", "--pack-destination", dest, spec], stdout=subprocess.DEVNULL)
        tgz = os.path.join(dest, f"{name}-{version}.tgz")
        algo, want = integrity.split("-", 1)
        got = base64.b64encode(hashlib.new(algo, open(tgz, "rb").read()).digest()).decode()
        if got != want:
            sys.exit(f"ts_test: integrity mismatch for {spec}")
        with tarfile.open(tgz) as tar:
            tar.extractall(dest, filter="data") if hasattr(tarfile, "data_filter") else tar.extractall(dest)
    return dirs["tree-sitter-cli"], dirs["tree-sitter"]


def build_generator(cache, cli_dir):
    exe = os.path.join(cache, "ts-generate")
    if os.path.exists(exe):
        return exe
    vendor = os.path.join(cli_dir, "vendor", "tree-sitter")
    gyp = open(os.path.join(vendor, "project.gyp")).read()
    compiler_target = gyp.split("'target_name': 'runtime'")[0]
    sources = re.findall(r"'((?:src|externals)/[^']+\.cc?)'", compiler_target)
    objdir = os.path.join(cache, "generator-obj")
    os.makedirs(objdir, exist_ok=True)
    inc = ["-I" + os.path.join(vendor, d)
           for d in ("include", "src", "externals/utf8proc", "externals/json-parser")]
    main_cc = os.path.join(objdir, "main.cc")
    with open(main_cc, "w") as f:
        f.write(GENERATOR_MAIN)
    jobs = []
    for src in sources + [main_cc]:
        path = src if os.path.isabs(src) else os.path.join(vendor, src)
        obj = os.path.join(objdir, src.replace("/", "_") + ".o")
        if path.endswith(".c"):
            jobs.append(["cc", "-O1", "-w"] + inc + ["-c", path, "-o", obj])
        else:
            jobs.append(["c++", "-std=c++14", "-O1", "-w"] + inc + ["-c", path, "-o", obj])
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for result in pool.map(lambda c: subprocess.run(c, capture_output=True, text=True), jobs):
            if result.returncode != 0:
                sys.exit("ts_test: compiling the generator failed:\n" + result.stderr[-3000:])
    objs = [j[-1] for j in jobs]
    run(["c++", "-o", exe + ".tmp"] + objs)
    os.replace(exe + ".tmp", exe)
    return exe


def generate(cache, cli_dir, generator):
    """grammar.js -> grammar.json -> parser.c; returns (grammar_json, field names)."""
    out = os.path.join(cache, "squall")
    os.makedirs(out, exist_ok=True)
    grammar_json = os.path.join(out, "grammar.json")
    fields_json = os.path.join(out, "fields.json")
    with open(grammar_json, "w") as f:
        run(["node", os.path.join(HERE, "grammar_json.js"),
             os.path.join(cli_dir, "lib", "api", "dsl.js"),
             os.path.join(GRAMMAR_DIR, "grammar.js"), fields_json], stdout=f)
    parser_c = os.path.join(out, "parser.c")
    result = subprocess.run([generator, grammar_json, parser_c], capture_output=True, text=True)
    if result.returncode != 0:
        print("FAIL generate: " + result.stderr.strip())
        return None
    print("ok   generate: grammar.js has no unresolved conflicts")
    return json.load(open(grammar_json)), json.load(open(fields_json))


def build_parser(cache, runtime_dir):
    out = os.path.join(cache, "squall")
    exe = os.path.join(out, "parse")
    vendor = os.path.join(runtime_dir, "vendor", "tree-sitter")
    run(["cc", "-O1", "-w", "-std=gnu99",
         "-I" + os.path.join(vendor, "include"), "-I" + os.path.join(vendor, "src"),
         "-I" + os.path.join(vendor, "externals", "utf8proc"),
         "-o", exe, os.path.join(HERE, "parse.c"), os.path.join(out, "parser.c"),
         os.path.join(vendor, "src", "runtime", "runtime.c")])
    return exe


def parse(exe, paths):
    """{path: sexp}; the parse program exits 1 when some tree has errors (that's data here)."""
    result = subprocess.run([exe] + paths, capture_output=True, text=True)
    if result.returncode not in (0, 1):
        sys.exit("ts_test: parse failed: " + result.stderr)
    trees = {}
    for line in result.stdout.splitlines():
        path, _, sexp = line.partition("\t")
        trees[path] = sexp
    return trees


CASE_RE = re.compile(r"^(={3,})\n(.*?)\n\1\n(.*?)\n-{3,}\n(.*?)(?=^={3,}\n|\Z)", re.S | re.M)


def normalize(sexp):
    sexp = re.sub(r"\b[a-z_]+: ", "", sexp)  # field names (0.13 has none)
    return " ".join(sexp.replace("(", " ( ").replace(")", " ) ").split())


def pretty(sexp):
    """Indents an S-expression one node per line, as tree-sitter does."""
    out, depth, tokens = [], 0, sexp.replace("(", " ( ").replace(")", " ) ").split()
    line = ""
    for tok in tokens:
        if tok == "(":
            if line:
                out.append(line)
            line = "  " * depth + "("
            depth += 1
        elif tok == ")":
            line += ")"
            depth -= 1
        else:
            line += tok if line.endswith("(") else " " + tok
    out.append(line)
    return "\n".join(out)


def corpus(exe, update):
    corpus_dir = os.path.join(GRAMMAR_DIR, "test", "corpus")
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        files = sorted(f for f in os.listdir(corpus_dir) if f.endswith(".txt"))
        cases = []
        for name in files:
            text = open(os.path.join(corpus_dir, name)).read()
            for i, m in enumerate(CASE_RE.finditer(text)):
                path = os.path.join(tmp, f"{name}.{i}.rule")
                with open(path, "w") as f:
                    f.write(m.group(3))
                cases.append((name, m, path))
        trees = parse(exe, [c[2] for c in cases])
        rewritten = {}
        for name, m, path in cases:
            got, want = trees[path], m.group(4).strip()
            title = m.group(2).strip()
            if update:
                rewritten.setdefault(name, []).append((m, got))
            if normalize(got) == normalize(want):
                passed += 1
            else:
                failed += 1
                print(f"FAIL corpus {name}: {title}\n  expected: {normalize(want)}\n"
                      f"  actual:   {normalize(got)}")
        for name, items in rewritten.items():
            text = open(os.path.join(corpus_dir, name)).read()
            for m, got in reversed(items):
                text = text[:m.start(4)] + pretty(got) + "\n\n" + text[m.end(4):]
            with open(os.path.join(corpus_dir, name), "w") as f:
                f.write(text.rstrip("\n") + "\n")
    print(f"{'ok  ' if failed == 0 else 'FAIL'} corpus: {passed} cases passed, {failed} failed"
          f" ({len(files)} files)")
    return passed, failed


def examples(exe):
    paths = sorted(os.path.join(ROOT, "examples", f)
                   for f in os.listdir(os.path.join(ROOT, "examples")) if f.endswith(".rule"))
    trees = parse(exe, paths)
    bad = [p for p in paths if re.search(r"\((ERROR|MISSING)\b", trees.get(p, "(ERROR"))]
    for p in bad:
        print(f"FAIL examples: {os.path.relpath(p, ROOT)} has ERROR/MISSING nodes")
    print(f"{'ok  ' if not bad else 'FAIL'} examples: {len(paths) - len(bad)} of {len(paths)}"
          " parse without ERROR or MISSING nodes")
    return len(paths) - len(bad), len(bad)


def grammar_vocabulary(grammar):
    named, anonymous = set(), set()

    def walk(rule):
        t = rule["type"]
        if t == "STRING":
            anonymous.add(rule["value"])
        elif t == "ALIAS":
            (named if rule["named"] else anonymous).add(rule["value"])
            walk(rule["content"])
        elif t in ("SEQ", "CHOICE"):
            for m in rule["members"]:
                walk(m)
        elif "content" in rule:
            walk(rule["content"])

    for name, rule in grammar["rules"].items():
        if not name.startswith("_"):
            named.add(name)
        walk(rule)
    return named, anonymous


def queries(grammar, fields):
    named, anonymous = grammar_vocabulary(grammar)
    named.add("ERROR")
    problems, checked = [], 0
    qdir = os.path.join(GRAMMAR_DIR, "queries")
    for qfile in sorted(os.listdir(qdir)):
        text = open(os.path.join(qdir, qfile)).read()
        text = re.sub(r";.*", "", text)
        # Predicate arguments (#any-of? @x "a" "b") are strings but not node types.
        preds = re.findall(r"\(#[^()]*\)", text)
        body = text
        for p in preds:
            body = body.replace(p, " ")
        for node in re.findall(r"\(\s*([a-z_][a-z0-9_]*)", body):
            checked += 1
            if node != "_" and node not in named:
                problems.append(f"{qfile}: unknown node type ({node})")
        for fld in re.findall(r"\b([a-z_]+):", body):
            checked += 1
            if fld not in fields:
                problems.append(f"{qfile}: unknown field {fld}:")
        for tok in re.findall(r'"((?:[^"\\]|\\.)*)"', body):
            checked += 1
            if tok.encode().decode("unicode_escape") not in anonymous:
                problems.append(f'{qfile}: unknown token "{tok}"')
    for p in problems:
        print("FAIL queries: " + p)
    print(f"{'ok  ' if not problems else 'FAIL'} queries: {checked} node, field and token"
          f" references checked, {len(problems)} unknown")
    bad_files = {p.split(":")[0] for p in problems}
    return len(os.listdir(qdir)) - len(bad_files), len(bad_files)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", default=os.path.join(EDITORS, "node_modules", ".squall-tree-sitter"))
    ap.add_argument("--update", action="store_true", help="rewrite corpus expectations")
    args = ap.parse_args()
    os.makedirs(args.cache, exist_ok=True)
    cli_dir, runtime_dir = fetch(args.cache)
    generator = build_generator(args.cache, cli_dir)
    generated = generate(args.cache, cli_dir, generator)
    if generated is None:
        print("tree-sitter: 0 passed, 1 failed")
        return 1
    grammar, fields = generated
    exe = build_parser(args.cache, runtime_dir)
    totals = [corpus(exe, args.update), examples(exe), queries(grammar, fields)]
    passed = sum(p for p, _ in totals) + 1
    failed = sum(f for _, f in totals)
    print(f"tree-sitter: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
