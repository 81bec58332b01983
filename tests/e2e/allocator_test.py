#!/usr/bin/env python3
"""The squall binary runs on tcmalloc (SQUALL_TCMALLOC, cmake/SquallAllocator.cmake): every
library's `malloc` and `free` bind to libtcmalloc_minimal, none to glibc's. A link that dropped
the library (a linker's --as-needed, a reordered link line) would pass every other test and
quietly cost a fifth of the durable-steps throughput.

Usage: allocator_test.py --squall BIN
"""
import argparse
import os
import re
import subprocess
import sys
import unittest

SQUALL = None
# ld.so's trace of one binding: "binding file A [0] to B [0]: normal symbol `malloc' [...]".
BINDING = re.compile(r"binding file (\S+) \[\d+\] to (\S+) \[\d+\]: normal symbol `(\w+)'")


class Allocator(unittest.TestCase):
    def bindings(self):
        env = dict(os.environ, LD_DEBUG="bindings")
        run = subprocess.run([SQUALL, "--version"], env=env, capture_output=True, text=True,
                             timeout=60)
        self.assertEqual(run.returncode, 0, run.stderr[-2000:])
        return [m.groups() for m in BINDING.finditer(run.stderr)]

    def test_malloc_and_free_bind_to_tcmalloc(self):
        seen = {}
        for _, provider, symbol in self.bindings():
            if symbol in ("malloc", "free", "calloc", "realloc"):
                seen.setdefault(symbol, set()).add(os.path.basename(provider))
        for symbol in ("malloc", "free"):
            self.assertIn(symbol, seen, "no binding of " + symbol + " traced")
            providers = seen[symbol]
            self.assertTrue(all(p.startswith("libtcmalloc_minimal") for p in providers),
                            f"{symbol} binds to {sorted(providers)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--squall", required=True)
    args, rest = parser.parse_known_args()
    SQUALL = args.squall
    unittest.main(argv=[sys.argv[0]] + rest)
