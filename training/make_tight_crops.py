"""Writes the real US val plates as images of the plate alone, for `alpr evaluate DIR`.

Each `split == val` crop of `openalpr_segocr_us` and `reported_ocr_us` (`ocr_crops.csv`) is
copied as it is, as a PNG, with its whole image as the plate's box: what another reader or an
investigator saves when a plate is cut out, and what `PlateRecognizer.TightCrops` is for.

    python training/make_tight_crops.py --out training/out/tight
    alpr evaluate training/out/tight

`--widths MIN MAX` enlarges each crop (bicubic) to a width drawn between MIN and MAX px and
writes it as a JPEG of quality 90: a plate cut out of a phone photo or a 4K frame, the larger
images `TightCrops` shrinks before reading them again.

    python training/make_tight_crops.py --widths 1100 2600 --out training/out/tight_large

`--plate-free` writes instead the `negatives` val photos (no plates) enlarged to 1280, 1920 and
2560 px on their longer side, JPEG quality 90, each with an empty label file: what reading
larger plate-free images a second time costs, in false plates and time.

    python training/make_tight_crops.py --plate-free --out training/out/plate_free_large
"""
from __future__ import annotations

import argparse
import random
import shutil
import sys
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA_DIR, OUT_DIR  # noqa: E402
from data_real import detection_rows, us_ocr_rows  # noqa: E402
from make_eval_set import write_label  # noqa: E402

PLATE_FREE_SIDES = (1280, 1920, 2560)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=OUT_DIR / "tight")
    ap.add_argument("--widths", type=int, nargs=2, metavar=("MIN", "MAX"),
                    help="enlarge each crop to a random width in [MIN, MAX] px and write it as a JPEG")
    ap.add_argument("--seed", type=int, default=3, help="the draw of widths")
    ap.add_argument("--plate-free", action="store_true", help="write the negatives val photos enlarged instead")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    if args.plate_free:
        shutil.rmtree(args.out, ignore_errors=True)
        args.out.mkdir(parents=True)
        written = 0
        for row in detection_rows("val", ("negatives",)):
            image = cv2.imread(str(DATA_DIR / row["path"]), cv2.IMREAD_COLOR)
            if image is None:
                continue
            for longer in PLATE_FREE_SIDES:
                scale = longer / max(image.shape[:2])
                size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
                name = f"{Path(row['path']).stem}_{longer}.jpg"
                cv2.imwrite(str(args.out / name), cv2.resize(image, size, interpolation=cv2.INTER_LINEAR),
                            [cv2.IMWRITE_JPEG_QUALITY, 90])
                (args.out / f"{Path(name).stem}.txt").write_text("")
                written += 1
        print(f"{written} plate-free images in {args.out}")
        return
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    written = 0
    for n, row in enumerate(us_ocr_rows("val")):
        image = cv2.imread(str(DATA_DIR / row["path"]), cv2.IMREAD_COLOR)
        if image is None:
            continue
        if args.widths:
            width = rng.randint(*args.widths)
            height = round(image.shape[0] * width / image.shape[1])
            image = cv2.resize(image, (width, height), interpolation=cv2.INTER_CUBIC)
            name = f"{row['source']}_{n:04d}.jpg"
            cv2.imwrite(str(args.out / name), image, [cv2.IMWRITE_JPEG_QUALITY, 90])
        else:
            name = f"{row['source']}_{n:04d}.png"
            cv2.imwrite(str(args.out / name), image)
        write_label(args.out, name, [(0, 0, image.shape[1], image.shape[0], row["text"])])
        written += 1
    print(f"{written} plates in {args.out}")


if __name__ == "__main__":
    main()
