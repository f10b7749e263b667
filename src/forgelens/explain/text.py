"""Verdict → words: the headline (the label in words), the journalist summary and the analyst view.

Rules the words follow (issue 14):

- never more than the evidence: the strength of support is the ENFSI step of the verdict's
  likelihood ratio; "authentic" is said only with positive proof of origin (a PRNU camera
  match, a valid C2PA manifest declaring a capture), otherwise "no evidence of manipulation
  found — which does not prove the picture is authentic";
- every number cited is a probability, score, finding or mask fraction of the same report;
- one item per distinct fact, with the trace's caveat and the other causes of the same trace;
- a declared-AI C2PA manifest is weighed as strong evidence even when its signature does not
  validate here, and both facts are said; laundering only when P(generated) is not negligible.
"""

from __future__ import annotations

from typing import Any

from forgelens.explain import facts, words
from forgelens.fusion import NEGLIGIBLE_GENERATED  # below it: no laundering split, no "made by AI"

#: A single manipulation trace this high is named even when the verdict is not "manipulated".
STRONG_SINGLE = 0.9

#: What each family cannot rule out, for the journalist (short words on purpose).
PLAIN_LIMITS = {
    "copymove": "two real objects that look alike can match the same way",
    "jpeg": "a plain re-save or crop can leave the same kind of trace",
    "noise": "the smoothing done by phones can leave the same kind of trace",
    "camera": "resizing the whole picture can leave the same kind of trace",
    "learned": "the checker can be wrong on scenes unlike the ones it learned from",
    "provenance": "anyone can change the file's records",
    "generation": "screenshots, filters and re-shares can leave the same kind of trace",
}


def _v(report: Any, name: str, default: Any = None) -> Any:
    return getattr(report.verdict, name, default)


def _probs(report: Any) -> dict[str, float | None]:
    return _v(report, "probabilities") or {}


#: The decision rules whose ``decision["detectors"]`` are the detectors that weighed most towards
#: manipulation (``fusion``: ``ranked_manip[:2]``), not the ones that gave the label.
MANIPULATION_RULES = ("manipulation_model", "manipulation_rule")


#: Said whenever the content gate kept the AI-image detectors out of the verdict (issue 14/18).
GRAPHIC_GATE_SENTENCE = ("This looks like a designed graphic (flat colours, few distinct colours), not a "
                         "photograph; the AI-image detectors are trained on photographs and were not used "
                         "for the verdict.")


#: Said whenever the file carries Content Credentials this installation could not read.
C2PA_UNREAD_SENTENCE = ("The file carries Content Credentials (a C2PA manifest) that were not read, because "
                        "c2pa-python is not installed (pip install 'forgelens[provenance]'); they may declare "
                        "how the picture was made, and the verdict above does not weigh them.")


#: Where a declaration of AI set the probabilities (no calibrated model): what the numbers are.
DECLARED_NOTE = ("the probabilities stand for the file's own declaration, not for a measurement: they are "
                 "not a calibrated chance, and a declaration can be false")

#: The journalist summary's sentence where the file's own C2PA manifest fails validation because the file
#: changed after signing (``facts.c2pa_changed_after_signing``).
C2PA_CHANGED_SENTENCE = "The file's own C2PA record shows that the file was changed after the record was signed."

#: Where neither a calibrated model nor a declaration set the probabilities (a detector subset, a rule).
RANKING_NOTE = "not decided by a calibrated model: a ranking, not a probability"


def ranking_note(report: Any) -> str | None:
    """``RANKING_NOTE`` where report.html prints it beside the probabilities (they were not set by a
    calibrated model, nor by a declaration of AI, and there is at least one); else None. The CLI line
    (``forgelens.cli.cli_line``) prints it too."""
    v = report.verdict
    if v.calibrated or not any(x is not None for x in (v.probabilities or {}).values()):
        return None
    return None if facts.declared_ai(report) is not None else RANKING_NOTE


#: Before the manipulation model's ENFSI sentence where a declaration of AI set the probabilities: the box
#: shows "manipulated 0.00" (the declaration's), the sentence what the pixels say on their own.
DECLARED_ASIDE = "Leaving the declaration aside, "


def headline(report: Any) -> str:
    """The label in words, as the CLI, the verdict box and the web page show it."""
    v = report.verdict
    label = v.label
    if label == "not_applicable":
        reason = _v(report, "not_applicable_reason") or "nothing in it can be judged"
        return f"Cannot be judged: {reason}"
    if label == "authentic":
        proof = facts.proof_of_origin(report)
        if proof:
            return f"Authentic origin supported: {proof}"
        return "No evidence of manipulation found — which does not prove the picture is authentic"
    if label == "manipulated":
        dom = v.domain
        # the generic domain repeats the label ("Signs of local manipulation (local manipulation)")
        if not dom or dom == "local manipulation":
            return "Signs of local manipulation"
        return f"Signs of local manipulation ({dom.replace(' (declared)', ', declared')})"  # no nested brackets
    if label == "generated":
        decl = facts.declared_ai(report)
        if decl is not None:
            tail = " (its signature does not validate here)" if decl["valid"] is False else ""
            return f"Declared AI-generated by its {decl['where']}{tail}"
        if v.domain and "laundered" in v.domain:
            return "Signs of AI re-rendering: possibly a real scene, redrawn by an AI generator"
        return "Signs of AI generation"
    return "Inconclusive: the evidence does not settle it"


def support_sentences(report: Any) -> dict[str, str]:
    """The ENFSI sentences for both propositions (formal wording, analyst and verdict box)."""
    out: dict[str, str] = {}
    declared = (_v(report, "decision") or {}).get("rule") == "provenance_declared_ai"
    for prop in ("manipulated", "generated"):
        step, lr = words.support(report.verdict, prop)
        s = words.formal_support(step, lr, prop)
        if s and declared and prop == "manipulated":
            # the declaration sets P(manipulated) 0.00 beside it; the LR is the pixels' own reading
            s = DECLARED_ASIDE + s[0].lower() + s[1:]
        if s:
            out[prop] = s
    return out


def _region_sentence(report: Any, lead: str) -> str | None:
    region = words.mask_region(_v(report, "mask"))
    if region is None:
        return None
    area = words.area_text(region["fraction"])
    if region["where"] == words.ACROSS_MOST:  # the box spans the picture; the fraction says how much is marked
        if region["fraction"] >= 0.5:
            return f"{lead} covers most of the picture."
        return f"{lead} covers {area} of the picture, spread across most of it."
    if region["parts"] > 1:
        return f"{lead} covers {area} of the picture, mostly {words.at(region['where'])}."
    return f"{lead} is {words.at(region['where'])} and covers {area} of the picture."


def _top_manipulation_item(evidence: list[facts.Item]) -> facts.Item | None:
    for it in evidence:
        if it.family not in ("generation", "provenance"):
            return it
    return evidence[0] if evidence else None


def summary(report: Any) -> str:
    """3–5 short sentences for a journalist: what was found, where, how strong, what it cannot tell.

    A manipulated verdict whose marked area is the part of the picture in sharp focus (``facts.sharp_focus``,
    measured) says so, joined to the main-clue sentence it qualifies (so the clue is never dropped and the
    summary stays within five sentences) — only when that clue is of a family focus can light up
    (``facts.FOCUS_FAMILIES``: noise, learned), as in the analyst view: focus does not make copy-move matches
    or JPEG traces."""
    v = report.verdict
    p = _probs(report)
    pm, pg = p.get("manipulated"), p.get("generated")
    evidence, _ = facts.items(report)
    top = _top_manipulation_item(evidence)
    fam = top.family if top else None
    if v.label == "manipulated" and "copy-move" in (v.domain or ""):
        fam = "copymove"  # the verdict says copy-move: its alternative (identical objects) goes with it
    limit = PLAIN_LIMITS.get(fam or "", "small or careful edits can leave no trace")
    s: list[str] = []
    if v.label == "not_applicable":
        reason = _v(report, "not_applicable_reason") or "nothing in it can be judged"
        return _with_comparison(report, [
            "This picture could not be checked.",
            f"The reason: {reason}.",
            "This says nothing for or against the picture.",
            "Try to find a larger or first copy of it.",
        ])
    if v.label == "manipulated":
        decl = facts.declared_ai(report)
        if decl is not None and decl["scope"] == "partial":
            s.append("The file's own label says that parts of this picture were made with an AI tool.")
            s.append(_SIGNATURE[decl["valid"]])
        else:
            s.append("Part of this picture seems to have been edited"
                     + (f" ({_estimate(report, 'manipulated', pm)})." if pm is not None else "."))
        s.append(_region_sentence(report, "The marked area") or "No single area stands out on the map.")
        if fam and decl is None:
            clue = (f"The main clue is that {facts.FAMILY_CLUES[fam]}." if fam in facts.FAMILY_CLUES
                    else "Several checks agree.")
            if fam in facts.FOCUS_FAMILIES and facts.sharp_focus(report) is not None:  # measured on this picture
                clue = clue[:-1] + "; " + facts.FOCUS_PLAIN[0].lower() + facts.FOCUS_PLAIN[1:]
            s.append(clue)
        s.append(words.plain_support(*words.support(v, "manipulated"), "manipulated") or "")
        s.append("It shows what the file claims, not which parts were changed." if decl is not None and
                 decl["scope"] == "partial" else f"It cannot tell who made the change or why, and {limit}.")
    elif v.label == "generated":
        decl = facts.declared_ai(report)
        if decl is not None:
            s.append("The file's own label says an AI tool made this picture.")
            s.append(_SIGNATURE[decl["valid"]])
        else:
            s.append("This picture seems to have been made by an AI tool"
                     + (f" ({_estimate(report, 'generated', pg)})." if pg is not None else "."))
        step = words.plain_support(*words.support(v, "generated"), "generated")
        if step and decl is None:
            s.append(step)
        if _laundered(report):
            s.append("It may be a real photo that an AI tool redrew, not a scene that never was.")
        s.append("It shows what the file claims, not whether the scene is true." if decl is not None else
                 "It cannot tell which tool was used, and screenshots or filters can confuse it.")
    elif v.label == "authentic":
        proof = facts.proof_of_origin(report)
        if proof:
            s.append("We found no clear sign that this picture was edited.")
            s.append(f"Also, {proof}.")
        else:
            if facts.graphic_gate(report) is not None:
                s.append("We found no clear sign that this picture was edited.")
            else:
                s.append("We found no clear sign that this picture was edited or made by AI." if pg is not None
                         else "We found no clear sign that this picture was edited, and no check for AI "
                         "pictures was run.")
            s.append("That does not prove the picture is real.")
        s.append(_chances(report, pm, pg))
        strong = [it for it in evidence if it.family not in ("provenance", "generation")
                  and it.score is not None and it.score >= STRONG_SINGLE]
        if strong:
            s.append(f"One check did flag something ({facts.FAMILY_CLUES.get(strong[0].family, 'a trace')}), "
                     "but the other clues do not back it up.")
        s.append("Small or careful edits, and heavy re-saving, can hide the clues.")
    else:  # inconclusive
        what = "edited or made by AI" if (pg or 0) >= NEGLIGIBLE_GENERATED else "edited"
        s.append(f"The checks could not decide whether this picture was {what}.")
        s.append(_chances(report, pm, pg))
        r = _region_sentence(report, "The area the map marks")
        if r:
            s.append(r)
        s.append("Treat the picture as not checked, and look for its source.")
    # The graphic-gate and C2PA-change sentences go right after the opening: after a declaration's own two
    # sentences (its "Its signature…" refers to the label), and on an "authentic" picture after "That does not
    # prove the picture is real." ("That" is the first sentence). The C2PA sentence, inserted second, comes first.
    declared_first = v.label in ("manipulated", "generated") and facts.declared_ai(report) is not None
    after_opening = 2 if declared_first or v.label == "authentic" else 1
    if facts.graphic_gate(report) is not None:
        s.insert(after_opening, GRAPHIC_GATE_SENTENCE)
    if facts.c2pa_changed_after_signing(report):
        s.insert(after_opening, C2PA_CHANGED_SENTENCE)
    prnu = facts.prnu_result(report)
    if prnu is not None and not (v.label == "authentic" and facts.proof_of_origin(report)):
        s.insert(1, "It carries the sensor pattern of the reference camera." if prnu[0] == "camera_match"
                 else PRNU_NOT_FOUND_SENTENCE)
    return _with_comparison(report, s)


def _with_comparison(report: Any, s: list[str]) -> str:
    """The reference comparison, the strongest evidence there is, first; then the blind analysis;
    at most five sentences (keep what was found and what it cannot tell)."""
    s = [x for x in s if x]
    lead = _comparison_sentences(report)
    if lead:
        first = s[0] if lead[0].startswith("The picture ") else "Without the reference, " + s[0][0].lower() + s[0][1:]
        s = [*lead, first, *s[1:]]
    if len(s) > 5:
        s = s[:4] + s[-1:]
    return " ".join(s)


def _comparison_sentences(report: Any) -> list[str]:
    """The reference comparison in plain words, from its own numbers (none without one)."""
    comp = facts.comparison(report)
    if comp is None or comp["state"] == "not_found":
        return []
    name = comp["name"]
    mirrored = " as a mirror image" if comp.get("mirrored") else ""  # a flipped copy is worth saying
    if comp["state"] == "other_scene":
        return [f"The picture {name} does not show the same scene, so only our checks of this picture count."]
    if comp["state"] == "unchanged":
        return [f"This picture matches {name}{mirrored} with no change beyond processing.",
                "That does not rule out edits made before that copy."]
    n = comp["regions"]
    areas = "one area" if n == 1 else f"{n} areas"
    share = "less than 1 %" if comp["percent"] < 1 else f"{comp['percent']:.1f} %"
    kinds = " and ".join(comp["kinds"])
    return [f"This picture differs from {name}{mirrored} in {areas}, {share} of the picture ({kinds}).",
            "This shows what differs from that copy, not which one is the original."]


def _calibrated(report: Any, prop: str) -> bool:
    """Whether P(prop) comes from a calibrated model (fusion then gives its LR)."""
    return words.support(report.verdict, prop)[1] is not None


def _estimate(report: Any, prop: str, p: float) -> str:
    """"our estimate: 74 % chance", or the plain score where no calibrated model set it."""
    if _calibrated(report, prop):
        return f"our estimate: {words.pct(p)} chance"
    return f"our score: {p:.2f}, not a calibrated chance"


def _chances(report: Any, pm: float | None, pg: float | None) -> str:
    """The chance of an edit and of AI where a calibrated model set it; otherwise the score,
    said to be a ranking."""
    cal, raw = [], []
    for prop, what, p in (("manipulated", "an edit", pm), ("generated", "AI", pg)):
        if p is None:
            continue
        (cal if _calibrated(report, prop) else raw).append((what, p))
    out = []
    if cal:
        out.append("Our estimate of the chance of " + " and of ".join(f"{w} is {words.pct(p)}" for w, p in cal))
    if raw:
        out.append(("our" if cal else "Our") + " score for " + " and for ".join(f"{w} is {p:.2f}" for w, p in raw)
                   + ", a ranking and not a chance")
    return "; ".join(out) + "." if out else "No chance could be worked out."


_SIGNATURE = {True: "Its signature checks out, so the label was not changed after it was signed.",
              False: "Its signature does not check out here, but such a label is still strong evidence.",
              None: "Anyone can write such a label, but few add it by mistake."}


def _laundered(report: Any) -> bool:
    lw = _v(report, "laundering")
    pg = _probs(report).get("generated")
    return bool(lw and pg is not None and pg >= NEGLIGIBLE_GENERATED and lw.get("p_laundered", 0) >= 0.5)


#: The journalist's sentence when the PCE is below its threshold: the pattern was not found, which another
#: camera and processing both cause (a low PCE does not show that the reference camera did not take it).
PRNU_NOT_FOUND_SENTENCE = ("The sensor pattern of the reference camera was not found; another camera, or a resize "
                           "or heavy re-save, can cause that.")


def _prnu_statement(kind: str, finding: Any) -> str:
    """The PRNU result for the analyst. A match is the detector's own line (PCE at or above the threshold); a
    PCE below it says "not found" and names the other causes (the PCE alone cannot show that the picture does
    not carry the pattern), with the number of pictures the fingerprint was made from."""
    pce, threshold = (finding.values or {}).get("pce"), (finding.values or {}).get("threshold")
    if kind == "camera_match" or pce is None or threshold is None:
        return f"Camera sensor pattern (PRNU): {finding.message}."
    n = (finding.values or {}).get("n_images")
    made = f" (fingerprint from {n} picture{'s' if n != 1 else ''})" if n else ""
    return (f"Camera sensor pattern (PRNU): PCE {pce:.0f} < {threshold:.0f}: this camera's pattern was not found "
            f"in the picture{made}; another camera gives this reading, and so does processing that removes or "
            "misaligns the pattern (resizing, a crop or rotation, strong compression or denoising).")


def combined(report: Any) -> list[dict[str, Any]]:
    """The inferred items at the top of the analyst view: the combined probabilities, the
    verbal scale, the decision, the domain, declared AI, the PRNU result, laundering."""
    v = report.verdict
    out: list[dict[str, Any]] = []

    def add(statement: str, kind: str) -> None:
        out.append({"status": "inferred", "kind": kind, "statement": statement})

    # the three probabilities themselves are stated once, in the verdict box / report["verdict"]
    if v.label == "not_applicable":  # no probability at all: nothing to call calibrated or a ranking
        add("The detectors' readings below were not used for the verdict: on such a picture they mean "
            "little.", "calibration")
    elif not v.calibrated and facts.declared_ai(report) is not None:
        add(DECLARED_NOTE[0].upper() + DECLARED_NOTE[1:] + ".", "calibration")
    else:
        add("The probabilities are calibrated on held-out data." if v.calibrated else
            "The probabilities were not set by a calibrated model: read them as a ranking.", "calibration")
    for _prop, sentence in support_sentences(report).items():
        add(sentence, "support")
    dec = _v(report, "decision") or {}
    if dec.get("rule") in MANIPULATION_RULES:
        # fusion names the detectors that pushed P(manipulated) up most, whatever the label: on an
        # "authentic" or "inconclusive" picture they did not decide it, they weighed against it
        who = ", ".join(dec.get("detectors") or [])
        add(f"Label {v.label}: decided by the rule {dec['rule']}"
            + (f"; the detectors that weighed most towards manipulation: {who}." if who else "."), "decision")
    elif dec.get("rule"):
        who = ", ".join(dec.get("detectors") or []) or "no detector"
        add(f"Label {v.label}: decided by the rule {dec['rule']} from {who}.", "decision")
    for n in dec.get("no_local_evidence") or []:  # traces read as empty maps (fusion.local_evidence)
        add(f"No local evidence — {n['why']}", "no_local_evidence")
    if v.domain:
        alt = facts.ALTERNATIVES_BY_KIND["copy_move"] if "copy-move" in v.domain else ""
        add(f"Kind of change: {v.domain}." + (f" {alt}" if alt else ""), "domain")
    decl = facts.declared_ai(report)
    if decl is not None:
        sig = {True: "its signature validates", False: "its signature does NOT validate here, so who made "
               "the claim cannot be confirmed; a declaration of AI is still strong evidence, since it is "
               "rarely added falsely", None: "it is unsigned metadata"}[decl["valid"]]
        add(f"The {decl['where']} declares AI generation ({decl['scope']}): {sig}.", "declared_ai")
    if facts.c2pa_unread(report):
        add(C2PA_UNREAD_SENTENCE, "c2pa_unread")
    prnu = facts.prnu_result(report)
    if prnu is not None:
        add(_prnu_statement(*prnu), prnu[0])
    untested = facts.prnu_not_tested(report)
    if untested:  # asked for with --camera: the silence of the other items must not read as a test passed
        add(f"Camera sensor pattern (PRNU): not tested — {untested}; the picture was neither matched to the "
            "camera nor excluded.", "camera_not_tested")
    if _laundered(report):
        lw = _v(report, "laundering")
        add(f"p_laundered {lw['p_laundered']:.2f}: the content looks like a real photo re-rendered by an AI "
            "autoencoder, not a scene that never existed.", "laundering")
    gate = facts.graphic_gate(report)
    if gate is not None:
        add(f"{GRAPHIC_GATE_SENTENCE} The content check ({gate['detector']}) gives P(designed graphic) "
            f"{words.fmt_p(gate.get('p_graphic'))}, at or above its threshold {words.fmt_p(gate.get('threshold'))}; "
            "P(generated) from those detectors is therefore not part of the probabilities.", "graphic_gate")
    if v.label == "not_applicable":
        add(f"Not applicable: {_v(report, 'not_applicable_reason') or 'nothing can be judged'}.", "not_applicable")
    return out


def groups(report: Any, evidence: list[facts.Item]) -> list[dict[str, Any]]:
    """Evidence by family; the reference comparison, when there is one, first, in a family of its own."""
    item = facts.comparison_item(report)
    head = [{"family": item.family, "title": "Reference comparison", "items": [item]}] if item else []
    return head + facts.groups(evidence)


def analyst(report: Any) -> dict[str, Any]:
    """The analyst view: combined (inferred) items, then evidence grouped by independent
    family (each item observed or inferred, with number, region, caveat and alternatives),
    then neutral context facts."""
    evidence, context = facts.items(report)
    return {
        "combined": combined(report),
        "groups": [{"family": g["family"], "title": g["title"], "items": [i.to_dict() for i in g["items"]]}
                   for g in groups(report, evidence)],
        "context": [i.to_dict() for i in context],
    }


def explanation(report: Any) -> dict[str, Any]:
    """Everything in words, as report.json carries it under "explanation"."""
    return {"headline": headline(report), "summary": summary(report),
            "support": support_sentences(report), "analyst": analyst(report)}
