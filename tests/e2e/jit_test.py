#!/usr/bin/env python3
"""End-to-end tests of the native matchers (runtime/jit) with the real binary.

- the JIT (the default engine) and the interpreter (--no-jit) print the same firings for every
  example and for the benchmark workload;
- the object cache: a second start loads the object instead of compiling, a damaged cache
  entry is replaced rather than trusted, --no-jit-cache writes nothing;
- the compiled object references no symbol outside codegen::kHostFunctions (the allow-list),
  checked on the real object with `nm`;
- --dump=index / llvm / llvm-opt print the plan and the module.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

SQUALL = None
ROOT = None


def squall(*args, cache=None, stdin=None):
    env = dict(os.environ, NO_COLOR="1")
    if cache is not None:
        env["SQUALL_JIT_CACHE"] = cache
    return subprocess.run([SQUALL, *args], input=stdin, capture_output=True, text=True,
                          timeout=300, env=env)


def workload(tmp, kind, n):
    rule = os.path.join(tmp, f"{kind}-{n}.rule")
    with open(rule, "w", encoding="utf-8") as f:
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "workload.py"), kind, str(n)],
                       stdout=f, check=True)
    return rule


class SameAsInterpreter(unittest.TestCase):
    def test_examples(self):
        shared = os.path.join(ROOT, "..", "shared", "packs")
        with tempfile.TemporaryDirectory() as cache:
            for path in sorted(glob.glob(os.path.join(ROOT, "examples", "events", "*.jsonl"))):
                name = os.path.splitext(os.path.basename(path))[0]
                with self.subTest(example=name):
                    rule = os.path.join(ROOT, "examples", name + ".rule")
                    args = ["run", "--packs", shared, rule, "--events", path, "--dry-run"]
                    jit = squall(*args, cache=cache)
                    interp = squall(*args, "--no-jit", cache=cache)
                    self.assertEqual(jit.returncode, 0, jit.stderr)
                    self.assertEqual(interp.returncode, 0, interp.stderr)
                    self.assertEqual(jit.stdout, interp.stdout)
                    self.assertEqual(jit.stderr, interp.stderr)

    def test_workload_firings(self):
        events = os.path.join(ROOT, "..", "shared", "bench", "events-100k.jsonl")
        with open(events, encoding="utf-8") as f:
            head = "".join(f.readlines()[:5000])
        with tempfile.TemporaryDirectory() as tmp:
            for kind, n in [("mixed", 100), ("selective", 1000)]:
                with self.subTest(kind=kind, rules=n):
                    rule = workload(tmp, kind, n)
                    args = ["run", rule, "--trigger", "monitoring.alert", "--events", "-",
                            "--dry-run"]
                    jit = squall(*args, cache=tmp, stdin=head)
                    interp = squall(*args, "--no-jit", stdin=head)
                    self.assertEqual(jit.returncode, 0, jit.stderr[-2000:])
                    self.assertGreater(len(jit.stdout.splitlines()), 10)
                    self.assertEqual(jit.stdout, interp.stdout)


class ObjectCache(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.cache = os.path.join(self.tmp, "cache")
        self.rule = workload(self.tmp, "mixed", 10)
        self.events = os.path.join(self.tmp, "events.jsonl")
        with open(os.path.join(ROOT, "..", "shared", "bench", "events-100k.jsonl"),
                  encoding="utf-8") as src, open(self.events, "w", encoding="utf-8") as dst:
            dst.writelines(src.readlines()[:2000])

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def run_rules(self, *extra):
        r = squall("run", self.rule, "--trigger", "monitoring.alert", "--events", self.events,
                   "--dry-run", *extra, cache=self.cache)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def objects(self):
        return sorted(glob.glob(os.path.join(self.cache, "*.o")))

    def test_second_start_uses_the_cache(self):
        first = self.run_rules()
        objects = self.objects()
        self.assertEqual(len(objects), 1)
        mtime = os.stat(objects[0]).st_mtime_ns
        self.assertEqual(self.run_rules(), first)
        self.assertEqual(self.objects(), objects)
        self.assertEqual(os.stat(objects[0]).st_mtime_ns, mtime)  # read, not rewritten

    def test_damaged_entry_is_replaced(self):
        first = self.run_rules()
        [entry] = self.objects()
        with open(entry, "wb") as f:
            f.write(b"\x7fELF this is not an object file")
        self.assertEqual(self.run_rules(), first)
        with open(entry, "rb") as f:
            self.assertGreater(len(f.read()), 100)

    def test_no_jit_cache_writes_nothing(self):
        self.run_rules("--no-jit-cache")
        self.assertEqual(self.objects(), [])

    def test_explicit_cache_dir(self):
        other = os.path.join(self.tmp, "other")
        self.run_rules("--jit-cache", other)
        self.assertEqual(len(glob.glob(os.path.join(other, "*.o"))), 1)
        self.assertEqual(self.objects(), [])

    def test_object_calls_only_allowed_host_functions(self):
        # Regexes, globs, substrings, string dispatch tables and interpreter fallbacks: every
        # kind of host call the code generator emits.
        rule = os.path.join(self.tmp, "calls.rule")
        keys = ", ".join(f'"k{i}"' for i in range(40))
        with open(rule, "w", encoding="utf-8") as f:
            f.write("import core\ntrigger t { s: string\n n: float\n tags: list<string> }\n")
            for name in ["a", "b"]:  # two rules: a hash dispatch over 40 keys
                f.write(f'rule {name} {{ if t where event.s in [{keys}] and event.n % 2.5 > 1 '
                        f'then core.noop() }}\n')
            for i in range(12):
                f.write(f'rule p{i} {{ if t where event.s contains "w{i}" and event.s like "*x{i}?" '
                        f'then core.noop() }}\n')
            f.write('rule r { if t where event.s matches "^[a-z]+$" and "x" in event.tags '
                    'then core.noop() }\n')
            f.write('rule g { if t where lower(event.s) startswith "ab" then core.noop() }\n')
        r = squall("run", rule, "--events", "-", "--dry-run", cache=self.cache,
                   stdin='{"trigger": "t", "payload": {"s": "k1", "n": 4, "tags": ["x"]}}\n')
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(ROOT, "compiler", "codegen", "abi.h"), encoding="utf-8") as f:
            abi = f.read()
        array = re.search(r"kHostFunctions\[\] = \{(.*?)\};", abi, re.S).group(1)
        allowed = set(re.findall(r'"([^"]+)"', array))
        self.assertIn("squall_rt_eval", allowed)
        [entry] = self.objects()
        nm = subprocess.run(["nm", "--undefined-only", entry], capture_output=True, text=True,
                            check=True)
        undefined = {line.split()[-1] for line in nm.stdout.splitlines() if line.strip()}
        self.assertTrue(undefined, "the object calls no host function at all?")
        self.assertLessEqual(undefined, allowed)
        for expected in ["squall_rt_eval", "squall_rt_pattern_scan", "XXH3_64bits", "fmod"]:
            self.assertIn(expected, undefined)


PACK_YAML = "---\nref: ops\nname: ops\nversion: 1.0.0\ndescription: test\nauthor: t\n"
ACTION_YAML = """---
name: notify
runner_type: local-shell-cmd
description: Posts a message.
parameters:
  cmd:
    type: string
    default: echo
  {param}:
    type: string
    required: true
"""


class ProgramCache(unittest.TestCase):
    """The lowered program is cached too: a start with unchanged rules and packs skips the
    front end, and any change to a file the compile read, or to what an import resolves to,
    compiles again."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.cache = os.path.join(self.tmp, "cache")
        self.packs = os.path.join(self.tmp, "packs")
        self.write_pack(self.packs, "channel")
        self.rule = os.path.join(self.tmp, "r.rule")
        self.write_rule("channel")
        self.events = '{"trigger": "t", "payload": {"s": "x"}}\n'

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def write_pack(self, root, param):
        os.makedirs(os.path.join(root, "ops", "actions"), exist_ok=True)
        with open(os.path.join(root, "ops", "pack.yaml"), "w", encoding="utf-8") as f:
            f.write(PACK_YAML)
        with open(os.path.join(root, "ops", "actions", "notify.yaml"), "w",
                  encoding="utf-8") as f:
            f.write(ACTION_YAML.format(param=param))

    def write_rule(self, param, text="hello"):
        with open(self.rule, "w", encoding="utf-8") as f:
            f.write("import ops\ntrigger t { s: string }\n"
                    f'rule r {{ if t where event.s == "x" then ops.notify({param}: "{text}") }}\n')

    def run_rules(self, *extra):
        return squall("run", *extra, self.rule, "--events", "-", "--dry-run", cache=self.cache,
                      stdin=self.events)

    def programs(self):
        return glob.glob(os.path.join(self.cache, "*.program"))

    def test_hit_gives_the_same_firings(self):
        first = self.run_rules("--packs", self.packs)
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertIn('"channel":"hello"', first.stdout)
        [entry] = self.programs()
        mtime = os.stat(entry).st_mtime_ns
        second = self.run_rules("--packs", self.packs)
        self.assertEqual((second.returncode, second.stdout), (0, first.stdout))
        self.assertEqual(os.stat(entry).st_mtime_ns, mtime)
        interp = self.run_rules("--packs", self.packs, "--no-jit")
        self.assertEqual(interp.stdout, first.stdout)

    def test_changed_rule_file_recompiles(self):
        self.run_rules("--packs", self.packs)
        self.write_rule("channel", text="changed")
        r = self.run_rules("--packs", self.packs)
        self.assertIn('"channel":"changed"', r.stdout)

    def test_changed_pack_file_recompiles(self):
        self.assertEqual(self.run_rules("--packs", self.packs).returncode, 0)
        # The action now requires another parameter: the cached program must not be used.
        self.write_pack(self.packs, "room")
        r = self.run_rules("--packs", self.packs)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("room", r.stderr)

    def test_pack_appearing_earlier_on_the_path_recompiles(self):
        earlier = os.path.join(self.tmp, "earlier")
        os.makedirs(earlier)
        self.assertEqual(self.run_rules("--packs", earlier, "--packs", self.packs).returncode, 0)
        self.write_pack(earlier, "room")  # now `import ops` finds this one first
        r = self.run_rules("--packs", earlier, "--packs", self.packs)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("room", r.stderr)

    def test_same_relative_paths_in_another_directory_compile_again(self):
        # The program holds absolute paths (pack directories, action scripts): the copy of a
        # rule set in another directory, named by the same relative paths, is its own entry.
        for name in ("a", "b"):
            here = os.path.join(self.tmp, name)
            self.write_pack(os.path.join(here, "packs"), "channel")
            shutil.copy(self.rule, os.path.join(here, "r.rule"))
            env = dict(os.environ, NO_COLOR="1", SQUALL_JIT_CACHE=self.cache)
            r = subprocess.run([SQUALL, "run", "--packs", "packs", "r.rule", "--events", "-",
                                "--dry-run"], input=self.events, capture_output=True, text=True,
                               timeout=300, env=env, cwd=here)
            self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.programs()), 2)

    def test_damaged_entry_is_ignored_and_replaced(self):
        first = self.run_rules("--packs", self.packs)
        [entry] = self.programs()
        with open(entry, "r+b") as f:
            f.truncate(40)
        second = self.run_rules("--packs", self.packs)
        self.assertEqual((second.returncode, second.stdout), (0, first.stdout))
        self.assertGreater(os.path.getsize(entry), 40)

    def test_warnings_are_not_cached_away(self):
        # A compile with diagnostics is not stored: every start reports them.
        with open(self.rule, "a", encoding="utf-8") as f:
            f.write('rule w { if t as unused then ops.notify(channel: "w") }\n')
        for _ in range(2):
            r = self.run_rules("--packs", self.packs)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("warning", r.stderr)
        self.assertEqual(self.programs(), [])


class Dumps(unittest.TestCase):
    def test_dumps(self):
        with tempfile.TemporaryDirectory() as tmp:
            rule = workload(tmp, "mixed", 10)
            index = squall("check", "--dump=index", rule)
            self.assertEqual(index.returncode, 0, index.stderr)
            self.assertIn("dispatch $", index.stdout)
            for stage in ["llvm", "llvm-opt"]:
                r = squall("check", f"--dump={stage}", rule)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("define void @squall_m0_std(ptr", r.stdout)
            bad = squall("check", "--dump=nope", rule)
            self.assertEqual(bad.returncode, 2)
            self.assertIn("index, llvm, llvm-opt", bad.stderr)


def main():
    global SQUALL, ROOT
    parser = argparse.ArgumentParser()
    parser.add_argument("--squall", required=True)
    parser.add_argument("--root", required=True)
    args, rest = parser.parse_known_args()
    SQUALL = os.path.abspath(args.squall)
    ROOT = os.path.abspath(args.root)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
