"""The engine's OCR decoding in Python: prefix beam search, look-alike variants, format
re-ranking, the written round glyph and the second look's merge of views.

    python training/ctc_decode.py --golden   # writes Tests/ALPRVisionTests/Fixtures/ctc_decoding.golden.json

Mirrors, step for step and in the same floating-point arithmetic, `CTCDecoder.beamSearch` and
`CTCDecoder.probability` (Sources/ALPRVision/Recognition/CTCDecoder.swift), `USPlateFormats`
and `PlateOCR.hypotheses` / `rank` / `combine` (PlateOCR.swift), so that the Python pipeline
and the trainer's scores read a plate's probabilities as the engine does. The Swift test
"the Python decoding mirror gives the engine's readings" decodes the golden cases written by
`--golden` and compares; numpy only (no torch).

Probabilities are a [T, K] float32 array per view: row t the classes of time step t, class 0
the CTC blank and class i >= 1 the character ALPHABET[i - 1].
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ALPHABET, ENGINE_FORMATS, FIXTURES_DIR, fits_engine_format, written  # noqa: E402

# The engine's defaults: PlateRecognizer.Options.beamWidth / candidateCount,
# CTCDecoder.pruneBelow, USPlateFormats' boost.
BEAM_WIDTH = 10
CANDIDATES = 5
PRUNE_BELOW = np.float32(1e-3)
FORMAT_BOOST = np.float32(2)

# USPlateFormats.letterForDigit / digitForLetter.
LETTER_FOR_DIGIT = {"0": "O", "1": "I", "2": "Z", "5": "S", "8": "B", "6": "G"}
DIGIT_FOR_LETTER = {"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8", "G": "6"}


@dataclass
class Hypothesis:
    text: str
    confidence: np.float32
    characters: list = field(default_factory=list)  # per character, np.float32


@dataclass
class Reading:
    text: str
    confidence: np.float32
    characters: list
    candidates: list  # [(text, confidence)], best first, including text


def as_probabilities(probabilities) -> np.ndarray:
    p = np.ascontiguousarray(probabilities, dtype=np.float32)
    if p.ndim != 2 or p.shape[1] != len(ALPHABET) + 1:
        raise ValueError(f"probabilities must be [steps, {len(ALPHABET) + 1}], are {list(p.shape)}")
    return p


def beam_search(probabilities, width: int = BEAM_WIDTH, count: int = CANDIDATES,
                prune_below: np.float32 = PRUNE_BELOW) -> list[Hypothesis]:
    """Prefix beam search (CTCDecoder.beamSearch): up to `count` texts, most probable first,
    ties broken by the label sequence. Masses are doubles, as in the engine, accumulated in the
    same order (the beams' own prefixes first, then each beam's extensions by class)."""
    p = as_probabilities(probabilities)
    width = max(width, 1)
    # (labels, mass ending in blank, mass ending in the last label, per-character confidences)
    beams = [((), 1.0, 0.0, [])]
    for row in p:
        blank = float(row[0])
        candidates: dict[tuple, list] = {}
        for labels, b, nb, confidences in beams:
            entry = [(b + nb) * blank, 0.0, []]
            if labels:
                q = row[labels[-1]]
                entry[1] = nb * float(q)
                entry[2] = confidences[:-1] + [max(confidences[-1], q)]
            candidates[labels] = entry
        for labels, b, nb, confidences in beams:
            total, last = b + nb, (labels[-1] if labels else -1)
            for c in range(1, p.shape[1]):
                q = row[c]
                if q < prune_below:
                    continue
                mass = b if c == last else total
                if mass == 0:
                    continue
                key = labels + (c,)
                grown = confidences + [q]
                entry = candidates.get(key)
                if entry is None:
                    candidates[key] = [0.0, mass * float(q), grown]
                else:
                    entry[1] += mass * float(q)
                    entry[2] = [max(x, y) for x, y in zip(entry[2], grown)]
        ranked = sorted(candidates.items(), key=lambda item: (-(item[1][0] + item[1][1]), item[0]))[:width]
        beams = [(labels, b, nb, confidences) for labels, (b, nb, confidences) in ranked]
    return [Hypothesis("".join(ALPHABET[c - 1] for c in labels), np.float32(b + nb), list(confidences))
            for labels, b, nb, confidences in beams[:count]]


def probability(text: str, probabilities) -> np.float32:
    """CTCDecoder.probability(of:): the text's probability over all alignments (forward
    algorithm in doubles); 0 for a character outside the alphabet."""
    p = as_probabilities(probabilities)
    if any(c not in ALPHABET for c in text):
        return np.float32(0)
    extended = [0]
    for c in text:
        extended += [ALPHABET.index(c) + 1, 0]
    s = len(extended)
    alpha = [0.0] * s
    alpha[0] = float(p[0, 0])
    if s > 1:
        alpha[1] = float(p[0, extended[1]])
    for t in range(1, max(len(p), 1)):
        following = [0.0] * s
        for i in range(s):
            total = alpha[i]
            if i >= 1:
                total += alpha[i - 1]
            if i >= 2 and extended[i] != 0 and extended[i] != extended[i - 2]:
                total += alpha[i - 2]
            following[i] = total * float(p[t, extended[i]])
        alpha = following
    return np.float32(alpha[s - 1] + (alpha[s - 2] if s > 1 else 0.0))


def look_alike_variants(text: str) -> list[str]:
    """USPlateFormats.lookAlikeVariants: `text` with look-alikes swapped where a format of its
    length wants the other kind of character."""
    variants = []
    for pattern in ENGINE_FORMATS:
        if len(pattern) != len(text):
            continue
        variant = []
        for kind, c in zip(pattern, text):
            if kind == "L" and c.isdigit():
                if c not in LETTER_FOR_DIGIT:
                    break
                variant.append(LETTER_FOR_DIGIT[c])
            elif kind == "N" and c.isalpha():
                if c not in DIGIT_FOR_LETTER:
                    break
                variant.append(DIGIT_FOR_LETTER[c])
            else:
                variant.append(c)
        else:
            v = "".join(variant)
            if v != text and fits_engine_format(v) and v not in variants:
                variants.append(v)
    return variants


def rerank(candidates: list[tuple[str, np.float32]]) -> list[tuple[str, np.float32]]:
    """USPlateFormats.rerank: by confidence times FORMAT_BOOST where the text fits a format
    (float32, as the engine multiplies), stable for ties."""
    def score(item):
        text, confidence = item
        return np.float32(confidence) * (FORMAT_BOOST if fits_engine_format(text) else np.float32(1))
    return sorted(candidates, key=lambda item: -score(item))


def hypotheses(probabilities, count: int = CANDIDATES, formats: bool = True,
               width: int = BEAM_WIDTH) -> list[Hypothesis]:
    """PlateOCR.hypotheses: the beam search's texts, then look-alike variants of the best that
    fit a format, each scored by its own probability."""
    p = as_probabilities(probabilities)
    found = beam_search(p, max(width, count), max(count, 1))
    if not found or not formats:
        return found
    best = found[0]
    for variant in look_alike_variants(best.text):
        if any(h.text == variant for h in found):
            continue
        q = probability(variant, p)
        if q > 0:
            found.append(Hypothesis(variant, q, variant_confidences(variant, best, p)))
    return found


def variant_confidences(variant: str, original: Hypothesis, p: np.ndarray) -> list:
    """The original's confidence where the character is unchanged, the substitute's best frame
    probability where it was swapped."""
    return [confidence if c == o else p[:, ALPHABET.index(c) + 1].max()
            for c, o, confidence in zip(variant, original.text, original.characters)]


def rank(found: list[Hypothesis], count: int = CANDIDATES, formats: bool = True) -> Reading:
    """PlateOCR.rank: format re-ranking, then the top `count` non-empty texts, each written as
    the engine writes a reading followed by the text as read where that differs."""
    if not found:
        return Reading("", np.float32(0), [], [])
    candidates = [(h.text, h.confidence) for h in found]
    if formats:
        candidates = rerank(candidates)
    candidates = [c for c in candidates if c[0]]
    if not candidates:
        return Reading("", found[0].confidence, [], [])
    chosen = next(h for h in found if h.text == candidates[0][0])
    out: list[tuple[str, np.float32]] = []
    for text, confidence in candidates:
        for t in ([written(text), text] if formats else [text]):
            if len(out) < count and all(t != o[0] for o in out):
                out.append((t, confidence))
    return Reading(written(chosen.text) if formats else chosen.text, chosen.confidence, chosen.characters, out)


def combine(proposals: list[Hypothesis], views: list, count: int = CANDIDATES, formats: bool = True) -> Reading:
    """The second look's merge (PlateOCR.combine): every non-empty text the views proposed,
    once (with the character confidences of the view surest of it), scored by its
    probability averaged over all the views (float32 sum), best first, then ranked."""
    merged: list[Hypothesis] = []
    for proposal in proposals:
        if not proposal.text:
            continue
        at = next((i for i, m in enumerate(merged) if m.text == proposal.text), None)
        if at is None:
            merged.append(Hypothesis(proposal.text, proposal.confidence, proposal.characters))
        elif proposal.confidence > merged[at].confidence:
            merged[at] = Hypothesis(proposal.text, proposal.confidence, proposal.characters)
    for m in merged:
        total = np.float32(0)
        for view in views:
            total = np.float32(total + probability(m.text, view))
        m.confidence = np.float32(total / np.float32(len(views)))
    merged.sort(key=lambda m: -m.confidence)
    return rank(merged, count, formats)


def softmax_steps(logits) -> np.ndarray:
    """[K, T] logits (the network's output) -> [T, K] float32 probabilities."""
    z = np.asarray(logits, np.float64).T
    e = np.exp(z - z.max(1, keepdims=True))
    return (e / e.sum(1, keepdims=True)).astype(np.float32)


# --- golden cases for the Swift test -------------------------------------------------------

def golden_text(rng: np.random.Generator) -> str:
    """Mostly a serial in one of the engine's formats (round glyphs often), else 4-8 random
    characters."""
    if rng.random() < 0.6:
        pattern = ENGINE_FORMATS[int(rng.integers(len(ENGINE_FORMATS)))]
        letters, digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"
        return "".join(("O" if rng.random() < 0.2 else letters[int(rng.integers(26))]) if kind == "L" else
                       ("0" if rng.random() < 0.2 else digits[int(rng.integers(10))]) if kind == "N" else kind
                       for kind in pattern)
    return "".join(ALPHABET[int(c)] for c in rng.integers(0, len(ALPHABET), int(rng.integers(4, 9))))


def golden_matrix(rng: np.random.Generator, steps: int) -> np.ndarray:
    """Per-mille integer weights shaped like an unsure plate reading: a text laid out over the
    steps with blanks between, each character's step sharing its mass with a look-alike or a
    random rival, and a sprinkling of small weights near the prune threshold. Integers keep
    the fixture exact: both sides divide by 1000 in float32."""
    k = len(ALPHABET) + 1
    text = golden_text(rng)
    w = np.zeros((steps, k), np.int64)
    w[:, 0] = 1000
    slots = np.sort(rng.choice(np.arange(1, steps - 1), len(text), replace=False))
    look_alikes = {**LETTER_FOR_DIGIT, **DIGIT_FOR_LETTER, "D": "0", "8": "B", "V": "Y", "7": "T"}
    for slot, character in zip(slots, text):
        c = ALPHABET.index(character) + 1
        rival = ALPHABET.index(look_alikes[character]) + 1 if character in look_alikes and rng.random() < 0.7 \
            else int(rng.integers(1, k))
        main = int(rng.integers(350, 1000))
        second = int(rng.integers(0, 1000 - main + 1))
        w[slot] = 0
        w[slot, c] += main
        w[slot, rival] += second
        w[slot, 0] += 1000 - main - second
        if rng.random() < 0.3 and slot + 1 < steps:  # the character over two steps
            w[slot + 1] = w[slot]
    small = rng.random((steps, k)) < 0.02
    w[small] += rng.integers(0, 4, small.sum())
    return w


def golden_view(rng: np.random.Generator, w: np.ndarray) -> np.ndarray:
    """Another view of the same plate: at some character steps the two strongest characters
    trade places, and the weights are nudged."""
    view = w.copy()
    for t in range(len(view)):
        order = np.argsort(-view[t, 1:]) + 1
        if view[t, order[1]] > 0 and rng.random() < 0.4:
            view[t, order[0]], view[t, order[1]] = view[t, order[1]], view[t, order[0]]
    return np.maximum(view + rng.integers(-40, 41, view.shape) * (view > 0), 0)


def golden_cases(seed: int = 2026, count: int = 40) -> list[dict]:
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(count):
        first = golden_matrix(rng, 32)
        views = [first] + ([golden_view(rng, first) for _ in range(3)] if i % 3 == 0 else [])
        probabilities = [w.astype(np.float32) / np.float32(1000) for w in views]
        found = hypotheses(probabilities[0])
        case = {"weights": [sparse(w) for w in views],
                "beams": [hypothesis_json(h) for h in beam_search(probabilities[0], BEAM_WIDTH, BEAM_WIDTH)],
                "hypotheses": [hypothesis_json(h) for h in found],
                "reading": reading_json(rank(found)),
                "unformatted": reading_json(rank(hypotheses(probabilities[0], formats=False), formats=False))}
        if len(views) > 1:
            proposals = found + [h for view in probabilities[1:] for h in hypotheses(view)]
            case["combined"] = reading_json(combine(proposals, probabilities))
        cases.append(case)
    return cases


def sparse(w: np.ndarray) -> list[int]:
    """Non-zero weights as flattened (step, class, weight) triples."""
    return [int(v) for t, c in zip(*np.nonzero(w)) for v in (t, c, w[t, c])]


def hypothesis_json(h: Hypothesis) -> dict:
    return {"text": h.text, "confidence": float(h.confidence), "characters": [float(c) for c in h.characters]}


def reading_json(r: Reading) -> dict:
    return {"text": r.text, "confidence": float(r.confidence), "characters": [float(c) for c in r.characters],
            "candidates": [[t, float(c)] for t, c in r.candidates]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--golden", action="store_true", help="write the golden cases for the Swift test")
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    if not args.golden:
        ap.error("nothing to do: pass --golden")
    path = FIXTURES_DIR / "ctc_decoding.golden.json"
    cases = golden_cases(args.seed)
    doc = {"about": "written by python training/ctc_decode.py --golden: per case, each view's "
                    "probabilities as (step, class, weight) triples, probability = weight / scale in float32 "
                    "(classes: 0 blank, i the alphabet's i-th character), and what the Python decoding made of them",
           "alphabet": ALPHABET, "beam_width": BEAM_WIDTH, "candidates": CANDIDATES, "steps": 32,
           "scale": 1000, "cases": cases}
    path.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    texts = sum(1 for c in cases if c["reading"]["text"])
    print(f"{path}: {len(cases)} cases, {texts} with a reading, "
          f"{sum(1 for c in cases if 'combined' in c)} with views, {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
