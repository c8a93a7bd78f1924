#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Keeps docs/tutorial.md's code blocks equal to the files they show.

A block is marked by a line `<!-- include: PATH -->` right before it; the block holds PATH's
whole text, but for a first line that is only the file's SPDX licence tag. `tools/tutorial_sync.py` rewrites every marked block from its file; with `--check` it
changes nothing and exits 1 (naming the blocks) when one differs. The tests run the check.
"""
import re
import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
doc = root / "docs" / "tutorial.md"
marker = re.compile(r"<!-- include: (\S+) -->\n```(\w*)\n(.*?)```\n", re.S)


def main() -> int:
    args = sys.argv[1:]
    if "-h" in args or "--help" in args:
        print(__doc__.strip())
        return 0
    if any(a != "--check" for a in args):
        print("usage: tools/tutorial_sync.py [--check]", file=sys.stderr)
        return 2
    check = bool(args)
    text = doc.read_text()
    stale = []
    missing = []

    def refresh(m: re.Match) -> str:
        path, lang, body = m.group(1), m.group(2), m.group(3)
        src = root / path
        if not src.is_file():
            missing.append(path)
            return m.group(0)
        want = src.read_text()
        if want.startswith(("// SPDX-License-Identifier:", "# SPDX-License-Identifier:")):
            want = want.split("\n", 1)[1]
        if body != want:
            stale.append(path)
        return f"<!-- include: {path} -->\n```{lang}\n{want}```\n"

    new = marker.sub(refresh, text)
    if missing:
        print("docs/tutorial.md includes files that do not exist: " + ", ".join(missing), file=sys.stderr)
        return 1
    if check:
        if stale:
            print("docs/tutorial.md differs from: " + ", ".join(stale)
                  + " (run tools/tutorial_sync.py)", file=sys.stderr)
            return 1
        print(f"docs/tutorial.md shows {len(marker.findall(text))} files as they are")
        return 0
    doc.write_text(new)
    print(f"docs/tutorial.md: {len(stale)} block(s) refreshed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
