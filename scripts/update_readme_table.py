"""Rewrites README.md's backend table from `dattn backends --markdown`.

Usage: python3 scripts/update_readme_table.py [path/to/dattn]   (default: build/dattn)
tests/cli/readme_test.cpp fails while the two differ; this makes them agree.
"""
import pathlib
import subprocess
import sys

BEGIN = "<!-- dattn backends --markdown: begin -->\n"
END = "<!-- dattn backends --markdown: end -->"


def main():
    root = pathlib.Path(__file__).resolve().parent.parent
    exe = sys.argv[1] if len(sys.argv) > 1 else str(root / "build" / "dattn")
    table = subprocess.run([exe, "backends", "--markdown"], check=True, capture_output=True,
                           text=True).stdout
    readme = root / "README.md"
    text = readme.read_text()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    readme.write_text(text[:start] + table + text[end:])


if __name__ == "__main__":
    main()
