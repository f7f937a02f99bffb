"""Writes the real US val plates as images of the plate alone, for `alpr evaluate DIR`.

Each `split == val` crop of `openalpr_segocr_us` and `reported_ocr_us` (`ocr_crops.csv`) is
copied as it is, as a PNG, with its whole image as the plate's box: what another reader or an
investigator saves when a plate is cut out, and what `PlateRecognizer.TightCrops` is for.

    python training/make_tight_crops.py --out training/out/tight
    alpr evaluate training/out/tight
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA_DIR, OUT_DIR  # noqa: E402
from data_real import us_ocr_rows  # noqa: E402
from make_eval_set import write_label  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=OUT_DIR / "tight")
    args = ap.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    written = 0
    for n, row in enumerate(us_ocr_rows("val")):
        image = cv2.imread(str(DATA_DIR / row["path"]), cv2.IMREAD_COLOR)
        if image is None:
            continue
        name = f"{row['source']}_{n:04d}.png"
        cv2.imwrite(str(args.out / name), image)
        write_label(args.out, name, [(0, 0, image.shape[1], image.shape[0], row["text"])])
        written += 1
    print(f"{written} plates in {args.out}")


if __name__ == "__main__":
    main()
