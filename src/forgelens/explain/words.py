"""The words that carry a number: labels, the ENFSI verbal scale, probabilities, regions.

Every phrase here is a pure function of a fact in the Verdict, so the same fact reads the
same way in the summary, the analyst view, report.html, the web page and the CLI line.

The strength of evidence is expressed on the verbal scale of the ENFSI Guideline for
Evaluative Reporting in Forensic Science (2015): fusion turns its calibrated probability
into a likelihood ratio LR and a key of the scale (``fusion.calibration.enfsi_support``:
"weak" 2–10, "moderate" 10–100, … "extremely strong" > 10⁶; "none" between 1/2 and 2;
"against" below 1/2, worded here by the step of 1/LR for the opposite proposition).
Without a calibrated model (a declaration, an uncalibrated rule) there is no LR and no
verbal strength is claimed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from forgelens.fusion.calibration import ENFSI_STEPS, enfsi_support

#: The scale's keys in words ("moderately_strong" → "moderately strong").
ENFSI_WORDS = {k: k.replace("_", " ") for _, k in ENFSI_STEPS if k not in ("against", "none")}

#: The two propositions a verdict weighs, formal (analyst) and plain (journalist): (proposition, the
#: alternative its likelihood ratio is against). The generation model's LR is generated vs a real
#: photograph, not vs "not generated": a splice can read "weak support for AI, rather than a real
#: photograph" and still have a low P(generated) once the evidence of the edit is weighed too.
PROPOSITIONS = {
    "manipulated": ("the image was locally manipulated", "the image was not locally manipulated"),
    "generated": ("the image was made or re-rendered by an AI generator",
                  "the image is a real photograph"),
}
#: "rather than …" after a proposition, in the order (supported, alternative).
_RATHER = {"manipulated": ("rather than not", "rather than that it was"),
           "generated": ("rather than that it is a real photograph",
                         "rather than that it was made or re-rendered by an AI generator")}
PLAIN_PROPOSITIONS = {"manipulated": "part of the picture was edited",
                      "generated": "the picture was made by an AI tool"}
PLAIN_AGAINST = {"manipulated": "the picture was not edited",
                 "generated": "the picture was not made by an AI tool"}

PROB_ORDER = ("authentic", "manipulated", "generated")


def step_rank(step: str | None) -> int:
    """Order of a step: against < none < weak < … < extremely strong (-1 for None)."""
    order = [k for _, k in ENFSI_STEPS]
    return order.index(step) if step in order else -1


def support(verdict: Any, prop: str) -> tuple[str | None, float | None]:
    """(ENFSI key, LR) for "manipulated" or "generated", as fusion computed them from its
    calibrated model; (None, None) where no calibrated model decided (then no verbal
    strength is claimed at all)."""
    lr = (getattr(verdict, "likelihood_ratios", None) or {}).get(prop)
    step = (getattr(verdict, "support", None) or {}).get(prop)
    return step, lr


def against_step(lr: float | None) -> str | None:
    """The step of the opposite proposition (1 / LR) when the findings point against one."""
    if lr is None or lr <= 0:
        return None
    return enfsi_support(1.0 / lr)


def formal_support(step: str | None, lr: float | None, prop: str) -> str | None:
    """The ENFSI sentence: "The findings give moderate support to the proposition that …"."""
    yes, no = PROPOSITIONS[prop]
    if step is None:
        return None
    if step == "none":
        opposite = "its opposite" if prop == "manipulated" else f"that {no}"
        return f"The findings support neither the proposition that {yes} nor {opposite}."
    if step == "against":
        inv = against_step(lr)
        if inv in ENFSI_WORDS:
            return (f"The findings give {ENFSI_WORDS[inv]} support to the proposition that {no}, "
                    f"{_RATHER[prop][1]}.")
        return f"The findings point away from the proposition that {yes}."
    return f"The findings give {ENFSI_WORDS[step]} support to the proposition that {yes}, {_RATHER[prop][0]}."


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


def fmt_p_line(p: float) -> str:
    """A probability of the one probability line: two decimals, except that a value strictly between 0
    and 0.005 (or 0.995 and 1) reads "below 0.01" ("above 0.99"), as ``pct`` says "less than 1 %": a
    calibrated 0.999 printed "1.00", the same as a file's own declaration, which is not a chance."""
    if 0.0 < p < 0.005:
        return "below 0.01"
    if 0.995 <= p < 1.0:
        return "above 0.99"
    return f"{p:.2f}"


def probability_text(probabilities: dict[str, float | None] | None) -> str:
    """"P authentic 0.38 · manipulated 0.48 · generated 0.15": the one line used by the CLI,
    report.html and the web page."""
    p = probabilities or {}
    cells = [f"{k} {fmt_p_line(float(p[k]))}" for k in PROB_ORDER if p.get(k) is not None]
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


#: The place of a box that spans most of the picture both ways. A box says where a finding lies, not how
#: much of it it fills (a few scattered blocks have a box that spans the picture), so no place word
#: claims that a region *covers* anything: the area is said from the finding's or the mask's own fraction.
ACROSS_MOST = "across most of the picture"
#: A box counts as spanning the picture along one side when it is longer than this share of that side.
SPAN = 0.66


def where(box: tuple[float, float, float, float], width: int, height: int) -> str:
    """A plain place for a box (x0, y0, x1, y1): "the upper left", "the centre", "across the top",
    "down the right", "across most of the picture" (the box spans it; see ``ACROSS_MOST``)."""
    x0, y0, x1, y1 = box
    wide, tall = (x1 - x0) > SPAN * width, (y1 - y0) > SPAN * height
    if wide and tall:
        return ACROSS_MOST
    cx, cy = (x0 + x1) / 2 / max(width, 1), (y0 + y1) / 2 / max(height, 1)
    row = _ROWS[min(2, int(cy * 3))]
    col = _COLS[min(2, int(cx * 3))]
    if wide:  # a band from side to side: its centre column says nothing
        return "across the " + {"upper": "top", "middle": "middle", "lower": "bottom"}[row]
    if tall:
        return "down the " + col
    if row == "middle" and col == "centre":
        return "the centre"
    if row == "middle":
        return f"the middle {col}"
    if col == "centre":
        return f"the {'top' if row == 'upper' else 'bottom'} centre"
    return f"the {row} {col}"


def at(place: str) -> str:
    """A place from ``where`` after a verb: "in the upper left", but "across the top" as it is."""
    return place if place.startswith(("across ", "down ")) else f"in {place}"


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
