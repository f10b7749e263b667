"""Checks that the words say no more than the report: the faithfulness test and benchmark use these.

``cited_numbers``: every number in the summary, the headline, the ENFSI sentences and the
analyst view's statements must be a number of the same report (a probability, a score, a
finding's value or message, a region, the mask fraction, the not-applicable reason, the
reference comparison's numbers) at the precision it is shown. ``overclaims``: no sentence may
claim a stronger verbal step than the verdict's likelihood ratio, an edit or AI generation the
label does not carry, or authenticity without positive proof of origin.

Caveats and alternative explanations are fixed method documentation (the same for every
image), not statements about this one, so they are not checked for numbers; an observed
alternative (``observed_alternatives``: e.g. "The marked area is 3.4 times sharper than the rest
of the picture; …", the focus fact of ``Report.focus``) is measured on this image and is checked.
"""

from __future__ import annotations

import re
from typing import Any

from forgelens.explain import facts, text, words

_NUMBER = re.compile(r"(?<![A-Za-z_])\d+(?:\.\d+)?(?:e[-+]?\d+)?")
#: Bounds, not values: "less than 1 %" / "more than 99 %" of the picture or of a chance.
_BOUNDS = re.compile(r"(less than 1 %|more than 99 %)")


def cited_texts(report: Any) -> list[str]:
    """Every sentence the explanation says about this image (not the fixed caveats)."""
    e = text.explanation(report)
    out = [e["headline"], e["summary"], *e["support"].values()]
    a = e["analyst"]
    out += [c["statement"] for c in a["combined"]]
    for g in a["groups"]:
        out += [i["statement"] for i in g["items"]]
        out += [alt for i in g["items"] for alt in i.get("observed_alternatives") or []]  # measured here
    out += [i["statement"] for i in a["context"]]
    return out


def _report_numbers(d: Any, acc: set[str]) -> None:
    if isinstance(d, dict):
        for k, v in d.items():
            if k != "explanation":
                _report_numbers(v, acc)
    elif isinstance(d, list):
        for v in d:
            _report_numbers(v, acc)
    elif isinstance(d, bool) or d is None:
        return
    elif isinstance(d, int | float):
        x = float(d)
        acc.update({str(d), f"{x:g}", f"{x:.0f}", f"{x:.1f}", f"{x:.2f}", f"{x:.3f}", f"{x:.4f}",
                    f"{100 * x:.0f}", f"{100 * x:.1f}", f"{100 * x:.2f}"})
    elif isinstance(d, str):
        acc.update(_NUMBER.findall(d))


def allowed_numbers(report: Any) -> set[str]:
    acc: set[str] = set()
    _report_numbers(report.to_dict(), acc)
    _report_numbers(comparison_numbers(report), acc)
    return acc


def comparison_numbers(report: Any) -> dict[str, Any]:
    """The numbers of ``report.comparison`` (the reference comparison), as the words may cite them:
    its own dict plus the counts the words state (changed regions, archive candidates)."""
    c = getattr(report, "comparison", None)
    if c is None:
        return {}
    d = c if isinstance(c, dict) else c.to_dict()
    return {**d, "n_regions": len(d.get("regions") or []),
            "n_candidates": len((d.get("archive") or {}).get("candidates") or [])}


def cited_numbers(report: Any) -> tuple[int, list[tuple[str, str]]]:
    """(how many numbers the text cites, [(number, sentence)] of those not in the report)."""
    allowed = allowed_numbers(report)
    checked, missing = 0, []
    for sentence in cited_texts(report):
        for n in _NUMBER.findall(_BOUNDS.sub("", sentence)):
            checked += 1
            if n not in allowed:
                missing.append((n, sentence))
    return checked, missing


_STEP_WORDS = sorted(words.ENFSI_WORDS.values(), key=len, reverse=True)


def overclaims(report: Any) -> list[str]:
    """Sentences that claim more than the verdict supports (empty when none)."""
    v = report.verdict
    e = text.explanation(report)
    bad: list[str] = []
    for prop in ("manipulated", "generated"):
        step, lr = words.support(v, prop)
        s = e["support"].get(prop)
        if step is None:
            if s is not None:
                bad.append(f"verbal strength without a calibrated LR: {s}")
            continue
        allowed = words.ENFSI_WORDS.get(step) if step not in ("against", "none") else words.ENFSI_WORDS.get(
            words.against_step(lr) or "", None)
        for sent in (s or "", ):
            said = next((w for w in _STEP_WORDS if f" {w} support" in sent), None)
            if said is not None and said != allowed:
                bad.append(f"{prop}: says '{said}', the LR gives '{allowed}': {sent}")
    summary = e["summary"]
    low = summary.lower()
    if "seems to have been edited" in low and v.label != "manipulated":
        bad.append(f"claims an edit with label {v.label}: {summary}")
    if "seems to have been made by an ai tool" in low and v.label != "generated":
        bad.append(f"claims AI generation with label {v.label}: {summary}")
    proof = facts.proof_of_origin(report)
    for sent in re.split(r"(?<=[.!?])\s+", summary + " " + e["headline"]):
        s = sent.lower()
        claims_real = re.search(r"\bauthentic\b", s) or re.search(r"\b(is|was|looks|seems) (real|genuine)\b", s)
        if claims_real and "not prove" not in s and "whether" not in s and "authentic origin supported" not in s and not proof:
            bad.append(f"says authentic without proof of origin: {sent}")
        if re.search(r"\bprov(es|en)\b", s) and "not prove" not in s:
            bad.append(f"claims proof: {sent}")
    # the step the plain summary states must be the verdict's
    for prop in ("manipulated", "generated"):
        step, lr = words.support(v, prop)
        plain = words.plain_support(step, lr, prop)
        for w in _STEP_WORDS:
            if f" {w} support to the idea that {words.PLAIN_PROPOSITIONS[prop]}" in summary and (
                    plain is None or f" {w} support" not in plain):
                bad.append(f"summary step '{w}' is not the verdict's for {prop}: {summary}")
    return bad
