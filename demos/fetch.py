"""Download every file the demos need, ahead of a talk: ``python -m demos.fetch``.

    python -m demos.fetch                # everything, with a progress bar per file
    python -m demos.fetch --only mnist   # one demo's files, those it shares included (repeatable)
    python -m demos.fetch --list         # what is on this machine, nothing downloaded

Files go to the cache (``$DLDEMOS_CACHE_DIR``, default ``~/.cache/dldemos``).
``DLDEMOS_OFFLINE`` is respected: then only what is already here is checked.
The exit code is 0 when every requested file is available, 1 otherwise.
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence, TextIO

from tqdm import tqdm

from demos import weights
from demos.errors import WeightsUnavailable
from demos.i18n import LANGUAGES, translate


def _select(demos: Sequence[str] | None) -> list[weights.Artifact]:
    """The catalogue entries of ``demos`` (all of them when None)."""
    return [a for a in weights.CATALOGUE.values() if not demos or any(a.used_by(d) for d in demos)]


def format_table(rows: list[dict]) -> str:
    """A plain-text table of :func:`weights.readiness` rows, with where each file goes under the weights folder.

    The path column answers, before a talk, "what name must the file on my USB stick have?":
    ``$DLDEMOS_WEIGHTS_DIR/<path>``.
    """
    header = ("id", "demo", "status", "size", "path under $DLDEMOS_WEIGHTS_DIR", "license")
    lines = [header] + [(r["id"], r["demo"], r["status"], weights.human_size(r["size"]),
                         weights.get(r["id"]).filename, r["license"]) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths)) + "  " + line[-1]
                     for line in lines)


def format_demo_table(summary: list[dict], lang: str = "en") -> str:
    """Per demo: files here, what is left to download, and whether it works with no network now."""
    lines = [("demo", "files", "to download", "offline")]
    for d in summary:
        left = weights.human_size(d["missing_bytes"]) + ("+" if d["missing_unknown"] else "") if d["total"] > d["ready"] else "-"
        offline = translate("fetch.offline_yes", lang) if d["offline"] else translate(
            "fetch.offline_no", lang, size=weights.human_size(d["offline_bytes"]))
        lines.append((d["demo"], f"{d['ready']}/{d['total']}", left, offline))
    widths = [max(len(line[i]) for line in lines) for i in range(3)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths)) + "  " + line[-1] for line in lines)


def _progress_bar(artifact: weights.Artifact, out: TextIO):
    """A ``progress(done, total)`` callback driving one tqdm bar; returns (callback, bar)."""
    bar = tqdm(total=artifact.size, desc=artifact.id, unit="B", unit_scale=True, unit_divisor=1000,
               file=out, leave=True)

    def update(done: int, total: int | None) -> None:
        if total is not None and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)  # resumed downloads start above zero

    return update, bar


def fetch(artifact: weights.Artifact, lang: str = "en", out: TextIO = sys.stderr) -> str | None:
    """Make ``artifact`` available; None on success, else the readable reason it is not."""
    if weights.locate(artifact.id) is not None:
        return None
    update, bar = _progress_bar(artifact, out) if artifact.urls and not weights.offline() else (None, None)
    try:
        weights.resolve(artifact.id, progress=update)
    except WeightsUnavailable as exc:
        return translate(exc.key, lang, **exc.params)
    finally:
        if bar is not None:
            bar.close()
    return None


def import_command(paths: Sequence[str]) -> int:
    """``--import``: say for each file what it was recognised as and where it went; 1 if any was not."""
    from demos.importer import import_files

    missed = 0
    for found, target in import_files(paths):
        if target is not None:
            print(f"{found.path}: {found.artifact} (recognised by its {found.how}) → {target}")
        else:
            missed += 1
            print(f"{found.path}: not recognised: {found.how}", file=sys.stderr)
    return 1 if missed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m demos.fetch", description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="show what is on this machine and exit")
    parser.add_argument("--import", dest="imports", nargs="+", metavar="FILE_OR_FOLDER",
                        help="recognise weights files brought by hand (by checksum, else by their tensors) and put "
                             "them where the catalogue expects them, under $DLDEMOS_WEIGHTS_DIR (or the cache)")
    parser.add_argument("--only", action="append", metavar="DEMO", help="only this demo (repeatable)")
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the messages")
    args = parser.parse_args(argv)

    known = sorted(weights.DEMOS)
    unknown = [d for d in args.only or () if d not in known]
    if unknown:
        print(translate("fetch.unknown_demo", args.lang, demo=", ".join(unknown), known=", ".join(known)),
              file=sys.stderr)
        return 2

    for demo in args.only or ():
        if not weights.readiness(demo):
            print(translate("fetch.no_files", args.lang, demo=demo))
    if args.imports:
        return import_command(args.imports)
    if args.list:
        rows = {row["id"]: row for demo in (args.only or [None]) for row in weights.readiness(demo)}
        print(format_table(list(rows.values())))
        print()
        print(format_demo_table(weights.readiness_by_demo(weights.readiness(), tuple(args.only or weights.DEMOS)),
                                args.lang))
        return 0

    if weights.offline():
        print(translate("fetch.offline", args.lang), file=sys.stderr)
    artifacts = _select(args.only)
    failures = {}
    for artifact in artifacts:
        problem = fetch(artifact, args.lang)
        if problem is not None:
            failures[artifact.id] = problem
        else:
            print(f"{artifact.id}: {weights.status(artifact.id)} ({weights.locate(artifact.id)})")
    for artifact_id, problem in failures.items():
        print(f"\n{artifact_id}: {problem}", file=sys.stderr)
    if failures:
        print("\n" + translate("fetch.failed", args.lang, failed=len(failures), count=len(artifacts)),
              file=sys.stderr)
        return 1
    print(translate("fetch.ready", args.lang, count=len(artifacts), cache=weights.cache_dir()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
