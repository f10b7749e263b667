"""The focus fact (issue 14, session 15, candidate F): the variance of the Laplacian in 32 × 32 px blocks,
median inside the verdict's mask / median outside; worded as an observed alternative only when the marked
area is at least twice as sharp as the rest; the verdict never changes."""

from __future__ import annotations

import dataclasses
import json
import re

import cv2
import numpy as np
import pytest
from conftest import REPO, jpeg_bytes, natural_image, png_bytes
from scipy import ndimage

from forgelens import focus, pipeline
from forgelens.detectors import available
from forgelens.evidence import load
from forgelens.explain import facts, faithfulness, render_report_html, summary, text, write_report
from forgelens.explain.readability import fk_grade
from forgelens.fusion import fuse
from forgelens.pipeline import Report, analyze
from forgelens.trace import Finding, Trace

#: The focus words of the summary, whether they stand alone or are joined to the main clue.
FOCUS_WORDS = facts.FOCUS_PLAIN[1:]

SQUARE = (slice(128, 256), slice(192, 320))  # rows, columns of the pasted square (4 × 4 blocks)
BOX = (192, 128, 320, 256)
MANIPULATION = ["cfa", "copymove_sift", "ela", "jpeg_adq", "jpeg_ghost", "jpeg_grid", "median_filter", "noise_local",
                "noise_median", "noise_wavelet", "resampling", "splicebuster", "learned_localizer"]
FLAGGING = ("noise_local", "splicebuster", "noise_wavelet", "learned_localizer")


def picture(kind: str = "sharp", h: int = 384, w: int = 512) -> np.ndarray:
    """A photo-like picture with fine grain (a textured pattern) and a square in the middle:

    - "sharp": the background blurred (defocus), the square pasted with the grain sharp — a subject in focus;
    - "same": the grain sharp everywhere, the square as sharp as the rest;
    - "soft": the grain everywhere and the whole picture blurred alike, square included.
    """
    rng = np.random.default_rng(7)
    grain = np.clip(ndimage.gaussian_filter(rng.normal(0, 1, (h, w)), 0.7) * 60, -90, 90).astype(np.float32)
    rgb = natural_image(h, w, seed=3, noise=2.0).astype(np.float32) + grain[..., None]
    if kind == "sharp":
        sharp = rgb[SQUARE].copy()
        rgb = cv2.GaussianBlur(rgb, (0, 0), 3.0) + np.random.default_rng(1).normal(0, 0.5, rgb.shape)
        rgb[SQUARE] = sharp
    elif kind == "soft":
        rgb = cv2.GaussianBlur(rgb, (0, 0), 3.0) + np.random.default_rng(1).normal(0, 0.5, rgb.shape)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def _trace(name: str, **kw) -> Trace:
    info = available()[name]
    return Trace(name, family=info.family, calibrated=info.calibrated, **kw)


def flagged_report(rgb: np.ndarray, box_map: np.ndarray | None = None) -> Report:
    """The picture with the noise and learned traces marking the square (others empty), fused by the real
    fusion: a manipulated verdict whose mask is the square."""
    ev = load(png_bytes(rgb))
    h, w = ev.shape
    m = np.zeros((h, w), np.float32)
    m[SQUARE] = 0.95
    m = m if box_map is None else box_map
    traces = []
    for n in MANIPULATION:
        sc = 0.9 if n in FLAGGING else 0.05
        fs = [Finding(f"{n}_region", f"measured {sc:.2f} in the region", sc, BOX, {"mean": sc})] if sc > 0.5 else []
        traces.append(_trace(n, heatmap=m if sc > 0.5 else np.zeros((h, w), np.float32), score=sc, findings=fs))
    return Report(ev, traces, fuse(traces, ev.shape))


def observed_alternatives(report: Report) -> dict[str, list[str]]:
    return {i["detector"]: i["observed_alternatives"] for g in text.analyst(report)["groups"] for i in g["items"]}


# --- the measure ---------------------------------------------------------------------------------------------

def test_block_focus_is_the_variance_of_the_laplacian_of_the_whole_picture_band_by_band():
    rng = np.random.default_rng(1)
    y = (rng.random((300, 333)) * 255).astype(np.float32)
    foc, std = focus.block_focus(y, band_blocks=2)  # 5 bands of 2 block rows
    lap = ndimage.convolve(y.astype(np.float64), np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], float), mode="mirror")
    assert foc.shape == (9, 10)  # partial blocks at the right and bottom edges left out
    np.testing.assert_allclose(foc, lap[:288, :320].reshape(9, 32, 10, 32).var(axis=(1, 3)), rtol=1e-5)
    np.testing.assert_allclose(std, y[:288, :320].astype(np.float64).reshape(9, 32, 10, 32).std(axis=(1, 3)),
                               rtol=1e-5)
    np.testing.assert_array_equal(focus.block_focus(y)[0], focus.block_focus(y, band_blocks=1)[0])


def test_sharp_square_on_a_blurred_background_is_at_least_twice_as_sharp():
    lum = load(png_bytes(picture("sharp"))).luminance
    mask = np.zeros(lum.shape, bool)
    mask[SQUARE] = True
    r = focus.focus_ratio(lum, mask)
    assert r["blocks_inside"] == 16 and r["blocks_outside"] >= 4 and r["reason"] is None
    assert r["ratio"] >= 2 and r["ratio"] == pytest.approx(r["median_inside"] / r["median_outside"])
    # the same measure at half the resolution, when the mask is given there: the luminance follows the mask
    small = cv2.resize(mask.astype(np.uint8), (mask.shape[1] // 2, mask.shape[0] // 2),
                       interpolation=cv2.INTER_NEAREST).astype(bool)
    r2 = focus.focus_ratio(lum, small)
    assert r2["shape"] == list(small.shape) and r2["blocks_inside"] == 4 and r2["ratio"] >= 2


def test_a_region_as_sharp_as_the_rest_is_not_twice_as_sharp():
    for kind in ("same", "soft"):
        lum = load(png_bytes(picture(kind))).luminance
        mask = np.zeros(lum.shape, bool)
        mask[SQUARE] = True
        r = focus.focus_ratio(lum, mask)
        assert r["ratio"] is not None and r["ratio"] < 2, (kind, r)


def test_flat_pictures_and_tiny_masks_are_not_stated():
    flat = np.full((256, 256), 120.0, np.float32)
    mask = np.zeros(flat.shape, bool)
    mask[64:192, 64:192] = True
    r = focus.focus_ratio(flat, mask)
    assert r["ratio"] is None and r["blocks_flat"] == 64 and "fewer than 4" in r["reason"]
    lum = load(png_bytes(picture("sharp"))).luminance
    tiny = np.zeros(lum.shape, bool)
    tiny[140:190, 200:250] = True  # fewer than 4 blocks at least half marked
    r = focus.focus_ratio(lum, tiny)
    assert r["ratio"] is None and r["blocks_inside"] < 4 and "inside" in r["reason"]
    everything = np.ones(lum.shape, bool)
    r = focus.focus_ratio(lum, everything)
    assert r["ratio"] is None and "outside" in r["reason"]
    assert focus.focus_ratio(lum, np.zeros((10, 10), bool))["ratio"] is None  # smaller than a block


def test_focus_fact_only_for_manipulated_or_inconclusive_with_a_mask():
    lum = np.zeros((64, 64), np.float32)
    mask = np.ones((64, 64), bool)
    assert focus.focus_fact(lum, None, "manipulated") is None
    for label in ("authentic", "generated", "not_applicable"):
        assert focus.focus_fact(lum, mask, label) is None
    f = focus.focus_fact(lum, mask, "inconclusive")
    assert f["kind"] == "focus_ratio" and f["status"] == "observed" and "Laplacian" in f["method"]


# --- the words -----------------------------------------------------------------------------------------------

def test_sharp_subject_adds_both_sentences_with_the_number_in_report_json(tmp_path):
    r = flagged_report(picture("sharp"))
    assert r.verdict.label == "manipulated"
    d = r.to_dict()
    # 1.3 added "focus" (later versions only add fields: 1.4 verdict.readings, 1.5 tool's model-file hashes)
    assert tuple(map(int, d["schema_version"].split("."))) >= (1, 3)
    ratio = d["focus"]["ratio"]
    assert ratio >= 2 and d["focus"]["status"] == "observed"
    sentence = facts.FOCUS_ALTERNATIVE.format(ratio=ratio)
    assert f"{ratio:.1f} times sharper" in sentence
    alts = {k: v for k, v in observed_alternatives(r).items()}
    for name in FLAGGING:  # noise and learned families
        assert alts[name] == [sentence], (name, alts)
    assert FOCUS_WORDS in d["explanation"]["summary"]
    written = json.loads(write_report(r, tmp_path / "o")["json"].read_text())
    assert written["focus"] == d["focus"] and FOCUS_WORDS in written["explanation"]["summary"]
    assert any(sentence in i["observed_alternatives"] for g in written["explanation"]["analyst"]["groups"]
               for i in g["items"])
    html = (tmp_path / "o" / "report.html").read_text()
    assert sentence in html and FOCUS_WORDS in html  # the web page shows report.html
    # summary still short and readable
    s = summary(r)
    assert 3 <= len(re.findall(r"[.!?](?:\s|$)", s)) <= 5 and fk_grade(s) <= 9.0, s
    assert "The main clue is that" in s and f"; t{FOCUS_WORDS}" in s  # the clue is kept, the focus joined to it


def test_faithfulness_checks_the_focus_number(monkeypatch):
    r = flagged_report(picture("sharp"))
    n_with, missing = faithfulness.cited_numbers(r)
    assert missing == [] and faithfulness.overclaims(r) == []
    ratio = f"{r.focus['ratio']:.1f}"
    assert any(ratio in t for t in faithfulness.cited_texts(r))
    # a sentence citing a number the report does not hold is caught
    monkeypatch.setattr(facts, "FOCUS_ALTERNATIVE", "The marked area is {ratio:.1f}7 times sharper than the rest.")
    _, missing = faithfulness.cited_numbers(r)
    assert missing and all(m[0] == ratio + "7" for m in missing)


def test_no_sentence_when_the_region_is_as_sharp_as_the_rest():
    for rgb in (picture("same"), picture("soft")):
        r = flagged_report(rgb)
        assert r.verdict.label == "manipulated"
        assert r.focus["ratio"] is not None and r.focus["ratio"] < 2
        assert all(v == [] for v in observed_alternatives(r).values())
        assert FOCUS_WORDS not in summary(r) and "times sharper" not in render_report_html(r)


def test_flat_picture_and_tiny_mask_state_nothing_and_do_not_crash():
    flat = np.full((384, 512, 3), 120, np.uint8)
    flat[SQUARE] = picture("sharp")[SQUARE]
    r = flagged_report(flat)  # nothing textured outside the square
    assert r.focus["ratio"] is None and "outside" in r.focus["reason"]
    tiny = np.zeros((384, 512), np.float32)
    tiny[130:170, 200:240] = 0.95
    r2 = flagged_report(picture("sharp"), box_map=tiny)
    assert r2.focus is None or r2.focus["ratio"] is None
    for rep in (r, r2):
        assert all(v == [] for v in observed_alternatives(rep).values())
        assert FOCUS_WORDS not in summary(rep)
        json.dumps(rep.to_dict(), allow_nan=False)
        assert faithfulness.cited_numbers(rep)[1] == []


def test_inconclusive_gets_the_analyst_alternative_but_no_summary_sentence():
    r = flagged_report(picture("sharp"))
    r.verdict = dataclasses.replace(r.verdict, label="inconclusive")
    assert r.focus["ratio"] >= 2  # measured again for the new verdict
    assert observed_alternatives(r)["noise_local"]
    assert FOCUS_WORDS not in summary(r)
    r.verdict = dataclasses.replace(r.verdict, label="authentic")
    assert r.focus is None and all(v == [] for v in observed_alternatives(r).values())
    assert r.to_dict()["focus"] is None


def test_summary_with_the_focus_sentence_stays_short_and_readable_on_many_reports():
    """The existing readability rule (3–5 sentences, Flesch–Kincaid grade ≤ 9) on the synthetic reports of
    test_explain, each given a focus fact of ratio 3.4 on its own verdict."""
    from test_explain import synthetic_report

    ev = load(jpeg_bytes(natural_image(192, 256, seed=5), 90))
    said = 0
    for seed in range(60):
        r = synthetic_report(seed, ev)
        r._focus = (r.verdict, {"kind": "focus_ratio", "status": "observed", "ratio": 3.4})
        s = summary(r)
        assert 3 <= len(re.findall(r"[.!?](?:\s|$)", s)) <= 5, s
        assert fk_grade(s) <= 9.0, (fk_grade(s), s)
        assert faithfulness.cited_numbers(r)[1] == [] and faithfulness.overclaims(r) == []
        top = text._top_manipulation_item(facts.items(r)[0])
        clue_focus_can_cause = (r.verdict.label == "manipulated" and "copy-move" not in (r.verdict.domain or "")
                                and top is not None and top.family in facts.FOCUS_FAMILIES
                                and facts.declared_ai(r) is None)
        assert (FOCUS_WORDS in s) == clue_focus_can_cause, s  # said exactly beside a noise or learned clue
        said += FOCUS_WORDS in s
    assert said >= 1


# --- the verdict never changes --------------------------------------------------------------------------------

CHEAP = ["ela", "noise_wavelet", "noise_median", "jpeg_grid", "splicebuster"]


@pytest.mark.parametrize("src", ["example", "sharp", "same", "flat"])
def test_verdict_block_is_byte_identical_with_and_without_the_focus_fact(src, monkeypatch):
    data = (REPO / "examples" / "splice.jpg").read_bytes() if src == "example" else png_bytes(
        picture(src) if src != "flat" else np.full((256, 256, 3), 90, np.uint8))
    with_f = analyze(data, detectors=CHEAP)
    block = json.dumps(with_f.verdict.to_dict(), sort_keys=True)
    d = with_f.to_dict()  # the focus fact and the words are made from the verdict, after it
    assert json.dumps(d["verdict"], sort_keys=True) == block
    assert ("focus" in with_f.seconds) == (with_f.verdict.label in focus.LABELS and with_f.verdict.mask is not None)
    monkeypatch.setattr(pipeline, "focus_fact", lambda *a, **k: None)  # F switched off
    without = analyze(data, detectors=CHEAP)
    assert without.to_dict()["focus"] is None
    assert json.dumps(without.to_dict()["verdict"], sort_keys=True) == block
    assert with_f.verdict.probabilities == without.verdict.probabilities


def test_summary_focus_words_only_beside_a_clue_focus_can_cause(monkeypatch):
    """The journalist's focus words qualify a noise or learned clue only (as the analyst view does): focus does not
    make copy-move matches or JPEG traces, so with any other main clue they are not said."""
    r = flagged_report(picture("sharp"))
    assert r.verdict.label == "manipulated" and FOCUS_WORDS in summary(r)
    monkeypatch.setattr(facts, "FOCUS_FAMILIES", ())  # as if the clue were of a family focus cannot cause
    s = summary(r)
    assert FOCUS_WORDS not in s and "The main clue is that" in s
