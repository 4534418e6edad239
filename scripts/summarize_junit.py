"""Prints test.sh's closing line from the JUnit reports of ctest and pytest.

Usage: summarize_junit.py FAILED_STAGES UNREPORTED_FAILURES REPORT.xml...
A stage that failed without running tests (a build error) counts as one failure, and a run
with a failed stage never reads "0 failed". Exits non-zero when anything failed.
"""
import sys
import xml.etree.ElementTree as ET


def counts(path):
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.iter("testsuite")
    total = failed = skipped = 0
    for suite in suites:
        total += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0)) + int(suite.get("disabled", 0))
    return total, failed, skipped


def main():
    failed_stages, unreported = int(sys.argv[1]), int(sys.argv[2])
    total = failed = skipped = 0
    for path in sys.argv[3:]:
        try:
            t, f, s = counts(path)
        except (OSError, ET.ParseError):
            continue  # the glob matched nothing: no stage reported
        total, failed, skipped = total + t, failed + f, skipped + s
    passed = total - failed - skipped
    shown = failed + unreported
    if failed_stages and not shown:
        shown = 1  # a test runner that failed without reporting a failing test (it crashed)
    print(f"test.sh: {passed} passed, {shown} failed, {skipped} skipped")
    return 1 if failed or failed_stages else 0


if __name__ == "__main__":
    sys.exit(main())
