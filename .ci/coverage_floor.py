"""Fail when a module of demos/ or ui/ has less than FLOOR % of its statements run by the tests.

Reads the ``.coverage`` file the test run left (``--cov`` in pyproject.toml);
a module no test imports counts as 0 %.
"""
from __future__ import annotations

import sys
from pathlib import Path

import coverage

FLOOR = 85.0
ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    cov = coverage.Coverage(data_file=str(ROOT / ".coverage"))
    cov.load()
    below = []
    for path in sorted([*ROOT.glob("demos/**/*.py"), *ROOT.glob("ui/**/*.py")]):
        _, statements, _, missing, _ = cov.analysis2(str(path))
        if statements:
            percent = 100.0 * (len(statements) - len(missing)) / len(statements)
            if percent < FLOOR:
                below.append(f"{path.relative_to(ROOT)}: {percent:.0f} % of {len(statements)} statements")
    if below:
        print(f"Modules below {FLOOR:.0f} % coverage:\n  " + "\n  ".join(below))
        return 1
    print(f"Every module of demos/ and ui/ has at least {FLOOR:.0f} % of its statements covered.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
