#!/usr/bin/python3
"""Keeps docs/dla-rules.md true: every rule of its table must be raised somewhere in sw/compiler/
(`rule NAME)` in a message) and named by at least one test under tests/; every `(rule NAME)` the
compiler raises must be in the table or in docs/compiler.md (the QDQ and horizontal-fusion rules). Exit 1 listing what
drifted. usage: rule_coverage_check.py REPO_ROOT"""
import os
import re
import sys

# Rules whose mapping other session-4 branches are turning from a refusal into real DLA work (Softmax,
# Slice/Split, LRN, PReLU/Abs): their branches bring their own tests. A rule here that has a test is
# reported so the entry is removed; the lead empties this list at the merge.
PENDING_OTHER_BRANCHES = set()
RULE = r"[a-z0-9_]+\.[a-z0-9_]+"


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def files_under(root, exts):
    for d, _, names in os.walk(root):
        for n in sorted(names):
            if n.endswith(exts):
                yield os.path.join(d, n)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    table = []
    for line in read(os.path.join(root, "docs/dla-rules.md")).splitlines():
        m = re.match(r"\| `(%s)` \|" % RULE, line)
        if m:
            table.append(m.group(1))
    if len(table) < 10:
        sys.exit("docs/dla-rules.md: found %d rules in the table, expected the rules table" % len(table))
    # Rules of compiler passes rather than of DLA layers live in docs/compiler.md: the QDQ import rules
    # and the reasons horizontal fusion leaves siblings apart (an optimisation, never a GPU fallback).
    qdq = set(re.findall(r"`((?:qdq|hfuse)\.[a-z0-9_]+)`", read(os.path.join(root, "docs/compiler.md"))))
    # Compiler sources with adjacent C string literals joined ("...(rule " "conv.pad)").
    code = ""
    for p in files_under(os.path.join(root, "sw/compiler"), (".c", ".h")):
        code += re.sub(r'"\s*\n\s*"', "", read(p))
    raised = set(re.findall(r"\brule (%s)\)" % RULE, code))
    tests = ""
    for p in files_under(os.path.join(root, "tests"), (".cpp", ".c", ".h", ".py", ".cmake", ".sh", ".txt")):
        if os.path.basename(p) != os.path.basename(__file__):
            tests += read(p)
    problems = []
    for r in table:
        if r not in raised:
            problems.append("%s: in the table but no compiler message raises 'rule %s)'" % (r, r))
        named = re.search(r"(?<![a-z0-9_.])%s(?![a-z0-9_])" % re.escape(r), tests) is not None
        if r in PENDING_OTHER_BRANCHES:
            if named:
                print("note: %s now has a test: remove it from PENDING_OTHER_BRANCHES" % r)
        elif not named:
            problems.append("%s: in the table but no test under tests/ names it" % r)
    for r in sorted(raised - set(table) - qdq):
        problems.append("%s: raised by the compiler but missing from docs/dla-rules.md" % r)
    for p in problems:
        print("DRIFT: " + p)
    print("%d rules in the table, %d raised by the compiler, %d pending on other branches, %d problems"
          % (len(table), len(raised), len(PENDING_OTHER_BRANCHES & set(table)), len(problems)))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
