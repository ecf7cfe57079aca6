"""``python -m pipeline.compiled [--check]``: say whether the compiled core runs, and why not.

With ``--check`` the exit status is 3 when a build for this Python exists but no longer fits its
sources (the Makefile rebuilds it then), else 0.
"""

from __future__ import annotations

import sys

from pipeline.compiled import REBUILD, status


def main(argv: list[str]) -> int:
    """Print the compiled core's status in one line; the exit status as described above."""
    found = status()
    print(f"compiled core: {found.reason}")
    return REBUILD if "--check" in argv and found.rebuild else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
