"""Packs what OCR training reads into one small folder laid out like the data folder, for a
machine that has no copy of it (a rented GPU machine; `training/gpu_round.sh`):

    python training/pack_data.py --out training/out/datapack        # about 43 MiB; 55 with the engine-cut val plates, 64 with the held-out train plates' too
    ALPR_DATA_DIR=training/out/datapack ALPR_FONT_DIR=training/out/datapack/fonts python training/...

It holds
  - the real US OCR crops (`openalpr_segocr_us`, `reported_ocr_us`, both splits) as grey JPEGs
    at the size `train_ocr.py` keeps them (`STORE`; quality 90, 2 grey levels off on average),
    under their own paths, and `ocr_crops.csv` with their rows;
  - the `negatives` images as they are and a share of the `uc3m_det` scenes (backgrounds for
    the synthetic and framed crops), with their `detection.jsonl` rows;
  - the Minnesota designs the plate renderer builds its templates from, and the fonts;
  - `ocr_engine_val.npz`, the val plates as the engine cuts them (`engine_crops.py --split
    val`, about 11 MiB), when it has been made: `gpu_round.sh` then picks its checkpoint by it;
    and likewise `ocr_engine_select.npz`, the held-out train plates as the engine cuts them
    (`--split select --copies 2`, about 10 MiB), by which `SELECT=1 gpu_round.sh` picks
    instead. Such a round does not read the val file: `--no-engine-val` leaves it out (about
    53 MiB with the select file).

Synthetic crops are not packed: `synth/ocr_set.py` renders them there with every core.
The pack is only for OCR training: detector and refiner training need the full scenes.
"""
from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA_DIR, FONT_DIR, OUT_DIR, fonts  # noqa: E402
from data_real import US_OCR_SOURCES, load_grey  # noqa: E402
from train_ocr import STORE  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--scenes", type=int, default=100,
                    help="uc3m_det scenes per split to keep as backgrounds (train; a quarter as many from val)")
    ap.add_argument("--quality", type=int, default=90)
    ap.add_argument("--no-engine-val", action="store_true",
                    help="leave ocr_engine_val.npz out (rounds that pick on the held-out train plates, SELECT=1, do not read it)")
    args = ap.parse_args()
    out: Path = args.out
    if out.resolve() == DATA_DIR.resolve():
        sys.exit("--out must not be the data folder itself")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)

    with open(DATA_DIR / "ocr_crops.csv") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames
        rows = [r for r in reader if r["source"] in US_OCR_SOURCES]
    kept = []
    for row in rows:
        grey = load_grey(DATA_DIR / row["path"], STORE)
        if grey is None:
            print(f"unreadable, left out: {row['path']}", file=sys.stderr)
            continue
        path = Path(row["path"]).with_suffix(".jpg")
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(out / path), grey, [cv2.IMWRITE_JPEG_QUALITY, args.quality])
        kept.append({**row, "path": str(path)})
    with open(out / "ocr_crops.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(kept)

    detection = [json.loads(line) for line in open(DATA_DIR / "detection.jsonl")]
    rng = np.random.default_rng(0)
    chosen = [r for r in detection if r["source"] == "negatives"]
    for split, count in (("train", args.scenes), ("val", args.scenes // 4)):
        scenes = [r for r in detection if r["source"] == "uc3m_det" and r["split"] == split]
        chosen += [scenes[i] for i in sorted(rng.choice(len(scenes), min(count, len(scenes)), replace=False))]
    for row in chosen:
        (out / row["path"]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DATA_DIR / row["path"], out / row["path"])
    with open(out / "detection.jsonl", "w") as f:
        for row in chosen:
            f.write(json.dumps(row) + "\n")

    shutil.copytree(DATA_DIR / "us_plate_designs" / "plates" / "MN", out / "us_plate_designs" / "plates" / "MN")
    (out / "fonts").mkdir()
    for font in fonts():
        shutil.copy(font, out / "fonts" / font.name)

    engine_val = OUT_DIR / "ocr_engine_val.npz"
    if args.no_engine_val:
        pass
    elif engine_val.exists():
        shutil.copy(engine_val, out / engine_val.name)
    else:
        print(f"no {engine_val} (engine_crops.py --split val): rounds from this pack pick by the crop checks", file=sys.stderr)
    engine_select = OUT_DIR / "ocr_engine_select.npz"
    if engine_select.exists():  # for rounds that pick on held-out train plates (train_ocr.py --select)
        shutil.copy(engine_select, out / engine_select.name)

    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"packed {len(kept)} OCR crops, {len(chosen)} backgrounds, MN designs and fonts from {FONT_DIR} "
          f"into {out}: {size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
