"""Per-plate view of the close-up stress folders: what each condition costs.

    python training/stress_report.py [--alpr .build/release/alpr] [--stress training/out/stress]
                                     [--models DIR] [--json OUT]

The stress folders (make_stress_sets.py) hold the same 70 close-up val plates under one
condition each, and a few plates are misread in nearly every folder (a label convention or a
hard plate, not the condition). A folder's top-1 total mixes the two; this report runs
`alpr evaluate --json --mistakes` on every folder and compares each with `base` (the plates
as they are) plate by plate: how many plates `base` reads that the condition loses, how many
it gains, and, per plate, in how many folders it is misread or missed.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT_DIR, REPO_DIR  # noqa: E402


def plate_labels(folder: Path) -> list[tuple[str, str]]:
    """(image file, plate text) for every annotated plate of a folder."""
    out = []
    for txt in sorted(folder.glob("*.txt")):
        for line in txt.read_text().splitlines():
            fields = line.split("\t") if "\t" in line else line.split()
            if len(fields) >= 6:
                out.append((fields[0], fields[5]))
    return out


def evaluate(alpr: Path, folder: Path, models: Path | None) -> dict:
    command = [str(alpr), "evaluate", str(folder), "--json", "--mistakes"]
    if models is not None:
        command += ["--models", str(models)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"alpr evaluate {folder} failed ({done.returncode}): {done.stderr.strip()}")
    return json.loads(done.stdout)


def wrong_plates(report: dict) -> set[tuple[str, str]]:
    """(image file, expected text) of every plate misread or missed."""
    return {(m["file"], m["expected"]) for m in report.get("mistakes", []) if m["kind"] in ("misread", "missed")}


def by_plate(folder: Path, wrong: set[tuple[str, str]]) -> dict[str, bool]:
    """Plate -> read exactly. A plate is its text and its image's number, which every folder
    shares (`base_0007.jpg`, `blur_0007.jpg`): two close-ups may show the same text."""
    return {f"{text}#{Path(file).stem.rsplit('_', 1)[-1]}": (file, text) not in wrong for file, text in plate_labels(folder)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--alpr", type=Path, default=REPO_DIR / ".build" / "release" / "alpr")
    ap.add_argument("--stress", type=Path, default=OUT_DIR / "stress")
    ap.add_argument("--models", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None, help="also write the report here")
    args = ap.parse_args()
    if not args.alpr.exists():
        raise SystemExit(f"{args.alpr} not found: swift build -c release --product alpr")
    folders = sorted(p for p in args.stress.iterdir() if p.is_dir() and any(p.glob("*.txt")))
    if not any(f.name == "base" for f in folders):
        raise SystemExit(f"no base folder in {args.stress}: python training/make_stress_sets.py")
    results = {}
    for folder in folders:
        report = evaluate(args.alpr, folder, args.models)
        results[folder.name] = by_plate(folder, wrong_plates(report))
    base = results["base"]
    rows, misses = [], Counter()
    for folder in folders:
        reads = results[folder.name]
        lost = sorted(t for t, ok in reads.items() if base.get(t) and not ok)
        gained = sorted(t for t, ok in reads.items() if base.get(t) is False and ok)
        misses.update(t for t, ok in reads.items() if not ok)
        rows.append({"folder": folder.name, "plates": len(reads), "read": sum(reads.values()),
                     "lost_from_base": lost, "gained_over_base": gained})
    print(f"{'folder':16} {'read':>9}  lost vs base  gained  (plates base reads: {sum(base.values())} of {len(base)})")
    for r in rows:
        print(f"{r['folder']:16} {r['read']:>4} / {r['plates']:<3} {len(r['lost_from_base']):>6}  {len(r['gained_over_base']):>10}"
              f"   {' '.join(t.split('#')[0] for t in r['lost_from_base'][:8])}")
    print(f"\nplates misread or missed in the most of the {len(folders)} folders:")
    for plate, count in misses.most_common(12):
        print(f"  {plate.split('#')[0]:10} {count}")
    if args.json:
        args.json.write_text(json.dumps({"folders": rows, "misses_by_plate": dict(misses.most_common())}, indent=1) + "\n")


if __name__ == "__main__":
    main()
