#!/usr/bin/python3
"""Count every test of a run: Meson's JSON test logs and pytest's JUnit XML.

Meson counts a test program as one test; ours hold many.  TAP programs (the
core tests) are counted per "ok"/"not ok" line, GstCheck programs per the
"Checks: N, Failures: F, Errors: E" line they print, pytest (run by Meson)
per its closing "N passed, N failed, ... in T s" line, anything else as one.
Each log is one run (normal, sanitizers, valgrind), so a program run in two
setups counts in both.
Prints one line "N passed, N failed, N skipped" and exits non-zero when any
test failed or a log is missing.
"""
import json
import re
import sys
import xml.etree.ElementTree as ET

CHECK_RE = re.compile(r"Checks: (\d+), Failures: (\d+), Errors: (\d+)")
TAP_RE = re.compile(r"^(not ok|ok)\b(.*)$", re.M)
# pytest's last line, with or without -q: "3 failed, 520 passed, 1 skipped,
# 2 warnings in 88.65s (0:01:28)", possibly framed by "=".
PYTEST_RE = re.compile(
    r"^=*\s*((?:\d+ [a-z]+(?:, )?)+) in [\d.]+s\b.*$", re.M)


def pytest_counts(out):
    """(passed, failed, skipped) from pytest's last line, or None."""
    lines = PYTEST_RE.findall(out)
    if not lines:
        return None
    n = {word: int(k) for k, word in
         (part.split() for part in lines[-1].split(", "))}
    passed = n.get("passed", 0) + n.get("xfailed", 0) + n.get("xpassed", 0)
    failed = n.get("failed", 0) + n.get("error", 0) + n.get("errors", 0)
    return passed, failed, n.get("skipped", 0)


def count_meson(path):
    passed = failed = skipped = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            entry = json.loads(line)
            result, out = entry["result"], entry.get("stdout") or ""
            ok = result in ("OK", "EXPECTEDFAIL")
            check = CHECK_RE.findall(out)
            tap = TAP_RE.findall(out)
            pytest = pytest_counts(out) if not check and not tap else None
            if result == "SKIP":
                p, fl, s = 0, 0, 1
            elif pytest:
                p, fl, s = pytest
            elif check:
                n, fails, errors = (sum(int(c[i]) for c in check) for i in range(3))
                p, fl, s = n - fails - errors, fails + errors, 0
            elif tap:
                s = sum(1 for k, rest in tap if k == "ok" and "# SKIP" in rest)
                fl = sum(1 for k, _ in tap if k == "not ok")
                p = len(tap) - fl - s
            else:
                p, fl, s = (1, 0, 0) if ok else (0, 1, 0)
            if not ok and result != "SKIP" and fl == 0:
                fl = 1  # crashed or timed out after its last report
                print(f"{path}: {entry['name']} {result}", file=sys.stderr)
            passed, failed, skipped = passed + p, failed + fl, skipped + s
    return passed, failed, skipped


def count_junit(path):
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    total = fails = skips = 0
    for s in suites:
        total += int(s.get("tests", 0))
        fails += int(s.get("failures", 0)) + int(s.get("errors", 0))
        skips += int(s.get("skipped", 0))
    return total - fails - skips, fails, skips


def main(paths):
    passed = failed = skipped = 0
    for path in paths:
        try:
            counter = count_junit if path.endswith(".xml") else count_meson
            p, f, s = counter(path)
        except (OSError, ValueError, ET.ParseError) as e:
            print(f"missing or unreadable test log {path}: {e}", file=sys.stderr)
            p, f, s = 0, 1, 0
        passed, failed, skipped = passed + p, failed + f, skipped + s
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
