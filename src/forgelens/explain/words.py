"""The words that carry a number: labels, the ENFSI verbal scale, probabilities, regions.

Every phrase here is a pure function of a fact in the Verdict, so the same fact reads the
same way in the summary, the analyst view, report.html, the web page and the CLI line.

The strength of evidence is expressed on the verbal scale of the ENFSI Guideline for
Evaluative Reporting in Forensic Science (2015): a likelihood ratio LR (how much more
probable the findings are if the proposition is true than if it is not) maps to
"weak" (1–10), "moderate" (10–100), "moderately strong" (100–10³), "strong" (10³–10⁴),
"very strong" (10⁴–10⁶) and "extremely strong" (> 10⁶) support.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

#: ENFSI (2015) steps, weakest first, with the LR at which each begins.
ENFSI_STEPS: tuple[tuple[str, float], ...] = (
    ("weak", 1.0), ("moderate", 10.0), ("moderately_strong", 100.0), ("strong", 1e3),
    ("very_strong", 1e4), ("extremely_strong", 1e6))
ENFSI_WORDS = {k: k.replace("_", " ") for k, _ in ENFSI_STEPS}
#: |log10 LR| below this reads "no support either way" (the guideline's LR ≈ 1).
_NEUTRAL_LOG10 = 0.05

#: The two propositions a verdict weighs, formal (analyst) and plain (journalist).
PROPOSITIONS = {
    "manipulated": ("the image was locally manipulated", "the image was not locally manipulated"),
    "generated": ("the image was made or re-rendered by an AI generator",
                  "the image was not made or re-rendered by an AI generator"),
}
PLAIN_PROPOSITIONS = {"manipulated": "part of the picture was edited",
                      "generated": "the picture was made by an AI tool"}
PLAIN_AGAINST = {"manipulated": "the picture was not edited",
                 "generated": "the picture was not made by an AI tool"}

PROB_ORDER = ("authentic", "manipulated", "generated")


def enfsi_step(lr: float | None) -> str | None:
    """The ENFSI step of a likelihood ratio ("against" below 1, "none" at about 1)."""
    if lr is None or not math.isfinite(lr) and lr != math.inf:
        return None
    if lr <= 0:
        return "against"
    if abs(math.log10(lr)) < _NEUTRAL_LOG10:
        return "none"
    if lr < 1:
        return "against"
    step = "weak"
    for name, lo in ENFSI_STEPS:
        if lr >= lo:
            step = name
    return step


def step_rank(step: str | None) -> int:
    """Order of a step: against < none < weak < … < extremely strong (for comparisons)."""
    order = ["against", "none"] + [k for k, _ in ENFSI_STEPS]
    return order.index(step) if step in order else -1


def likelihood_ratio(p: float | None, prior: float = 0.5) -> float | None:
    """Posterior odds / prior odds of a calibrated probability (∞ at p = 1)."""
    if p is None:
        return None
    p = min(max(float(p), 0.0), 1.0)
    prior_odds = prior / (1.0 - prior)
    if p >= 1.0:
        return math.inf
    return (p / (1.0 - p)) / prior_odds


def support(verdict: Any, prop: str) -> tuple[str | None, float | None]:
    """(step, LR) for "manipulated" or "generated": the verdict's own when it has them
    (fusion computes them from its calibrated model), else from its probability at the
    recorded prior (0.5 when none is recorded)."""
    lrs = getattr(verdict, "likelihood_ratios", None) or {}
    steps = getattr(verdict, "support", None) or {}
    lr = lrs.get(prop)
    step = steps.get(prop)
    if lr is None:
        p = (getattr(verdict, "probabilities", None) or {}).get(prop)
        prior = getattr(verdict, "prior", None)
        prior = prior.get(prop, 0.5) if isinstance(prior, dict) else (prior if isinstance(prior, float) else 0.5)
        lr = likelihood_ratio(p, prior)
    if step is None:
        step = enfsi_step(lr)
    return step, lr


def against_step(lr: float | None) -> str | None:
    """The step of the opposite proposition (1 / LR) when the findings point against one."""
    if lr is None:
        return None
    return enfsi_step(math.inf if lr == 0 else 1.0 / lr)


def formal_support(step: str | None, lr: float | None, prop: str) -> str | None:
    """The ENFSI sentence: "The findings give moderate support to the proposition that …"."""
    yes, no = PROPOSITIONS[prop]
    if step is None:
        return None
    if step == "none":
        return f"The findings support neither the proposition that {yes} nor its opposite."
    if step == "against":
        inv = against_step(lr)
        if inv in ENFSI_WORDS:
            return (f"The findings give {ENFSI_WORDS[inv]} support to the proposition that {no}, "
                    "rather than that it was.")
        return f"The findings point away from the proposition that {yes}."
    return f"The findings give {ENFSI_WORDS[step]} support to the proposition that {yes}, rather than not."


def plain_support(step: str | None, lr: float | None, prop: str) -> str | None:
    """The same strength in plain words for the journalist summary."""
    if step is None:
        return None
    if step == "none":
        return "The clues do not lean either way."
    if step == "against":
        inv = against_step(lr)
        if inv in ENFSI_WORDS:
            return f"The clues give {ENFSI_WORDS[inv]} support to the idea that {PLAIN_AGAINST[prop]}."
        return f"The clues lean toward the idea that {PLAIN_AGAINST[prop]}."
    return f"The clues give {ENFSI_WORDS[step]} support to the idea that {PLAIN_PROPOSITIONS[prop]}."


def fmt_p(p: float | None) -> str:
    """A probability as the report shows it everywhere: two decimals."""
    return "not measured" if p is None else f"{p:.2f}"


def probability_text(probabilities: dict[str, float | None] | None) -> str:
    """"P authentic 0.38 · manipulated 0.48 · generated 0.15": the one line used by the CLI,
    report.html and the web page."""
    p = probabilities or {}
    cells = [f"{k} {fmt_p(p.get(k))}" for k in PROB_ORDER if p.get(k) is not None]
    return "P " + " · ".join(cells) if cells else "no probability measured"


def pct(p: float | None) -> str:
    """A probability as a whole percentage for the journalist ("48 %")."""
    if p is None:
        return "not measured"
    v = 100.0 * p
    if 0 < v < 1:
        return "less than 1 %"
    if 99 < v < 100:
        return "more than 99 %"
    return f"{v:.0f} %"


def area_text(fraction: float) -> str:
    """"about 2 %" of the picture (from the mask's fraction)."""
    v = 100.0 * fraction
    if v < 1:
        return "less than 1 %"
    return f"about {v:.0f} %"


_ROWS = ("upper", "middle", "lower")
_COLS = ("left", "centre", "right")


def where(box: tuple[float, float, float, float], width: int, height: int) -> str:
    """A plain place for a box (x0, y0, x1, y1): "the upper left", "the centre", "most of the picture"."""
    x0, y0, x1, y1 = box
    if (x1 - x0) > 0.66 * width and (y1 - y0) > 0.66 * height:
        return "most of the picture"
    cx, cy = (x0 + x1) / 2 / max(width, 1), (y0 + y1) / 2 / max(height, 1)
    row = _ROWS[min(2, int(cy * 3))]
    col = _COLS[min(2, int(cx * 3))]
    if row == "middle" and col == "centre":
        return "the centre"
    if row == "middle":
        return f"the middle {col}"
    if col == "centre":
        return f"the {'top' if row == 'upper' else 'bottom'} centre"
    return f"the {row} {col}"


def mask_region(mask: np.ndarray | None) -> dict[str, Any] | None:
    """Where the fused mask lies: its bounding box (of the largest connected part), the
    fraction of the picture it covers, and a plain place. None when nothing is marked."""
    if mask is None:
        return None
    m = np.asarray(mask, dtype=bool)
    frac = float(m.mean()) if m.size else 0.0
    if frac <= 0:
        return None
    import cv2

    h, w = m.shape
    step = max(1, int(np.ceil(max(h, w) / 512)))
    small = m[::step, ::step].astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(small, connectivity=8)
    if n <= 1:
        return None
    lab = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, bw, bh = (int(v) * step for v in stats[lab, :4])
    box = (x, y, min(w, x + bw), min(h, y + bh))
    parts = int(np.sum(stats[1:, cv2.CC_STAT_AREA] >= 0.002 * small.size))
    return {"box": box, "fraction": frac, "where": where(box, w, h), "parts": max(parts, 1)}
