"""Compares models folders end to end over several draws of the held-out frames.

    python training/compare_models.py Models /tmp/round/best /tmp/round/last
    python training/compare_models.py Models /tmp/round/best --draws 1 2 3 4 --sets us_crops_val us_closeup_val

A folder may hold only some of the networks (a round exports only `ocr.*`): the others are
taken from the first folder, so each candidate is read with the same detector and refiner.
For each set, the draws (training/out/eval, the shipped draw, and training/out/draws/sN,
written here with `make_eval_set.py --seed N` when missing) are scored as one set by
`alpr evaluate --json --mistakes`; the table gives top-1, recall and false plates per image for
each folder, and for each folder after the first, the plates it reads exactly that the first
does not (gained) and the reverse (lost), counted plate by plate, since a difference of a few
plates in the totals is within what another draw of frames would do (docs/accuracy.md).
A set that comes out byte for byte the same in several draws (negatives_val, the negatives val
photos as they are, in every draw) is scored once: its copies would repeat one measurement.
Needs the release build of `alpr` (swift build -c release --product alpr).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "training"))
from common import OUT_DIR  # noqa: E402

NETWORKS = ("detector", "refiner", "ocr")


def draw_folders(draws: list[int], sets: list[str]) -> list[Path]:
    """training/out/eval (draw 0, as make_eval_set.py writes it by default) and one folder per
    other seed, made again when one of `sets` is missing (a folder written before
    make_eval_set.py wrote that set; the sets it had come out the same)."""
    folders = []
    for seed in draws:
        folder = OUT_DIR / "eval" if seed == 0 else OUT_DIR / "draws" / f"s{seed}"
        if not all((folder / name).is_dir() for name in sets):
            command = [sys.executable, str(ROOT / "training" / "make_eval_set.py"), "--out", str(folder)]
            if seed != 0:
                command += ["--seed", str(seed)]
            print("making", folder, flush=True)
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            missing = [name for name in sets if not (folder / name).is_dir()]
            if missing:
                sys.exit(f"make_eval_set.py writes no set named {', '.join(missing)}")
        folders.append(folder)
    return folders


def digest(folder: Path) -> str:
    """sha256 over the folder's file names and contents, in name order."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def distinct(folders: list[Path]) -> list[Path]:
    """`folders` less those byte for byte the same as an earlier one, in their order."""
    seen: set[str] = set()
    kept = []
    for folder in folders:
        key = digest(folder)
        if key not in seen:
            seen.add(key)
            kept.append(folder)
    return kept


def complete(models: Path, base: Path, scratch: Path) -> Path:
    """`models` itself when it has every network the first folder has, else a scratch folder
    with its networks and the first folder's others."""
    wanted = [n for n in NETWORKS if (base / f"{n}.json").exists()]
    if all((models / f"{n}.json").exists() for n in wanted):
        return models
    out = scratch / f"{len(list(scratch.iterdir()))}-{models.name}"
    out.mkdir()
    for name in wanted:
        source = models if (models / f"{name}.json").exists() else base
        for suffix in (".json", ".safetensors"):
            shutil.copy(source / f"{name}{suffix}", out / f"{name}{suffix}")
    return out


def evaluate(alpr: Path, models: Path, folders: list[Path], jobs: int) -> dict:
    result = subprocess.run([str(alpr), "evaluate", "--json", "--mistakes", "--models", str(models), "--jobs", str(jobs),
                             *map(str, folders)], check=True, capture_output=True, text=True)
    return json.loads(result.stdout)


def not_read(report: dict) -> set[tuple[str, str]]:
    """(image, plate) of every annotated plate missed or misread. Every folder is scored on the
    same annotations, so the plates one folder reads exactly and another does not are the
    other's mistakes less its own."""
    return {(m["file"], m["expected"]) for m in report.get("mistakes", []) if m.get("expected")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("models", nargs="+", type=Path, help="models folders; the first is the reference")
    ap.add_argument("--draws", type=int, nargs="+", default=[0, 1, 2, 3, 4], help="0 is training/out/eval")
    ap.add_argument("--sets", nargs="+", default=["us_crops_val", "us_crops_reviewed_val", "us_closeup_val", "synth_us_val", "negatives_val"])
    ap.add_argument("--alpr", type=Path, default=ROOT / ".build" / "release" / "alpr")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    if not args.alpr.is_file():
        ap.error(f"no {args.alpr}: swift build -c release --product alpr")
    for models in args.models:
        if not (models / "ocr.json").exists() and not (models / "detector.json").exists():
            ap.error(f"{models} holds no ocr.json or detector.json")
    draws = draw_folders(args.draws, args.sets)
    with tempfile.TemporaryDirectory() as scratch:
        chosen = [complete(m, args.models[0], Path(scratch)) for m in args.models]
        for name in args.sets:
            folders = distinct([d / name for d in draws])
            if len(folders) == len(draws):
                print(f"\n{name} ({len(draws)} draws)")
            elif len(folders) == 1:
                print(f"\n{name} (the same in all {len(draws)} draws, scored once)")
            else:
                print(f"\n{name} ({len(folders)} distinct of {len(draws)} draws)")
            print(f"{'models':40s} {'plates':>6s} {'top-1':>12s} {'recall':>12s} {'false/img':>9s} {'gained':>6s} {'lost':>5s}")
            reference = None
            for label, models in zip(args.models, chosen):
                report = evaluate(args.alpr, models, folders, args.jobs)
                n = report["plates"]
                wrong = not_read(report)
                gained = lost = ""
                if reference is None:
                    reference = wrong
                else:
                    gained, lost = str(len(reference - wrong)), str(len(wrong - reference))
                top1 = f"{round(report['top1Accuracy'] * n)} ({report['top1Accuracy'] * 100:.1f}%)" if n else "-"
                recall = f"{round(report['detectionRecall'] * n)} ({report['detectionRecall'] * 100:.1f}%)" if n else "-"
                print(f"{str(label):40s} {n:6d} {top1:>12s} {recall:>12s} {report['falsePlatesPerImage']:9.3f} {gained:>6s} {lost:>5s}",
                      flush=True)


if __name__ == "__main__":
    main()
