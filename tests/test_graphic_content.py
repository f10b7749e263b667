"""The designed-graphic gate: graphics are gated, photographs and natural textures are not, and a
gated picture is never called "generated" by detectors trained on photographs (declarations still count)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from forgelens.detectors import registry
from forgelens.evidence import load
from forgelens.explain import text
from forgelens.fusion import FusionConfig, fuse
from forgelens.pipeline import analyze
from forgelens.trace import Finding, Trace


def _jpeg(im: Image.Image, quality: int = 85) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _graphic() -> bytes:
    """A flat banner: coloured shapes and text on a flat ground, saved as JPEG q85."""
    im = Image.new("RGB", (640, 240), (250, 250, 250))
    d = ImageDraw.Draw(im)
    d.rectangle((0, 0, 220, 240), fill=(226, 0, 116))
    d.ellipse((260, 40, 380, 160), fill=(0, 90, 200))
    d.polygon([(420, 200), (500, 40), (580, 200)], fill=(255, 200, 0))
    font = ImageFont.load_default(size=28)
    d.text((20, 90), "Quality pays", font=font, fill=(255, 255, 255))
    d.text((260, 190), "Offer now, for you", font=font, fill=(30, 30, 30))
    return _jpeg(im)


def _natural_texture(seed: int = 0) -> bytes:
    """1/f ("pink") noise in three correlated channels plus grain: a natural-looking texture."""
    rng = np.random.default_rng(seed)
    h, w = 384, 512
    fy, fx = np.meshgrid(np.fft.fftfreq(h), np.fft.fftfreq(w), indexing="ij")
    amp = 1.0 / np.maximum(np.hypot(fy, fx), 1.0 / max(h, w))
    base = np.real(np.fft.ifft2(np.fft.fft2(rng.normal(size=(h, w))) * amp))
    base = (base - base.mean()) / base.std()
    rgb = np.stack([120 + 40 * base + rng.normal(0, 3, (h, w)) + off for off in (10, 0, -20)], axis=2)
    return _jpeg(Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)), 90)


def _gate(data: bytes) -> Trace:
    return registry.run("graphic_content", load(data, name="test.jpg"), catch=False)


def test_flat_graphic_is_gated():
    t = _gate(_graphic())
    f = t.findings[0]
    assert t.family == "content" and f.kind == "graphic_content"
    assert f.values["is_graphic"] and t.score >= f.values["threshold"]


def test_natural_texture_is_not_gated():
    t = _gate(_natural_texture())
    assert not t.findings[0].values["is_graphic"] and t.score < t.findings[0].values["threshold"]


def test_camera_crop_is_not_gated(shared_datasets):
    path = sorted((shared_datasets / "cameras" / "prnu").glob("nat-*"))[0]
    with Image.open(path) as im:
        crop = im.convert("RGB").crop((1000, 800, 2024, 1568))
    t = _gate(_jpeg(crop, 90))
    assert not t.findings[0].values["is_graphic"]


def _generation_says_generated() -> list[Trace]:
    """A calibrated generation detector sure the picture is generated (as on the exif-samples banner)."""
    return [registry.stamp(Trace("clip_probe", score=0.97))]


NO_COMBINER = FusionConfig(use_generation_combiner=False, use_detection=False, use_stacking=False)


def test_gated_graphic_is_not_called_generated_by_photo_trained_detectors():
    gate = _gate(_graphic())
    quiet = registry.stamp(Trace("ela", score=0.05))
    shape = (240, 640)
    before = fuse([quiet, *_generation_says_generated()], shape, NO_COMBINER)
    assert before.label == "generated"  # what the detectors alone would say
    v = fuse([gate, quiet, *_generation_says_generated()], shape, NO_COMBINER)
    assert v.label != "generated"
    assert v.decision["graphic_gate"]["detector"] == "graphic_content"
    assert v.probabilities["generated"] is None and v.generation_score is None
    assert v.generation["used"] is False and "designed graphic" in v.generation["not_used_because"]
    assert v.laundering is None


def test_declared_ai_on_a_graphic_is_still_generated():
    gate = _gate(_graphic())
    declared = registry.stamp(Trace("c2pa_manifest", score=1.0, findings=[
        Finding("ai_declared", "C2PA manifest declares trainedAlgorithmicMedia", 1.0)]))
    v = fuse([gate, declared, *_generation_says_generated()], (240, 640), NO_COMBINER)
    assert v.label == "generated" and v.decision["rule"] == "provenance_declared_ai"
    assert v.probabilities["generated"] == pytest.approx(1.0)


def test_a_photograph_keeps_the_generation_detectors():
    gate = _gate(_natural_texture())
    v = fuse([gate, *_generation_says_generated()], (384, 512), NO_COMBINER)
    assert v.label == "generated" and "graphic_gate" not in v.decision


def test_the_explanation_says_the_detectors_were_not_used():
    report = analyze(_graphic(), detectors=["graphic_content", "ela"], name="banner.jpg")
    assert report.verdict.label != "generated" and "graphic_gate" in report.verdict.decision
    summary = text.summary(report)
    assert text.GRAPHIC_GATE_SENTENCE in summary
    assert "were not used for the verdict" in summary
    kinds = {item["kind"]: item["statement"] for item in text.combined(report)}
    assert "graphic_gate" in kinds and "not part of the probabilities" in kinds["graphic_gate"]


def test_gate_is_not_evidence_of_an_edit():
    """What the picture is does not count towards manipulation (strength 0, family outside the score)."""
    gate = _gate(_graphic())
    assert gate.findings[0].strength == 0.0
    v = fuse([gate], (240, 640), FusionConfig(use_detection=False, use_stacking=False))
    assert v.manipulation_score is None and v.label == "inconclusive"


def test_renderers_draw_every_kind(tmp_path):
    from forgelens.training import graphic_content as tg

    photo = tmp_path / "p.jpg"
    photo.write_bytes(_natural_texture(1))
    assert tg.render(tmp_path / "g", [photo], n_per_kind=1, seed=3) == len(tg.KINDS)
    rows = tg.read_index(tmp_path / "g")
    assert {r["kind"] for r in rows} == set(tg.KINDS)
    assert all((tmp_path / "g" / r["image"]).stat().st_size > 0 for r in rows)


def test_report_page_shows_the_generation_reading_as_not_used():
    from forgelens.explain.html import render_report_html
    from forgelens.pipeline import Report

    ev = load(_graphic(), name="banner.jpg")
    traces = [registry.run("graphic_content", ev), registry.stamp(Trace("ela", score=0.05)),
              *_generation_says_generated()]
    report = Report(ev, traces, fuse(traces, ev.shape, NO_COMBINER))
    page = render_report_html(report)
    assert text.GRAPHIC_GATE_SENTENCE in page and "not used" in page
    assert "P(generated) 0.97" in page  # shown, and said to be unused


def test_fit_drops_the_pictures_the_evaluation_guard_flags(tmp_path, guard):
    """``guard_drop`` names exactly the files the held-out guard reports (a reserved hash made here)."""
    from forgelens.training.graphic_content import guard_drop

    script, mod = guard
    folder = tmp_path / "graphics"
    folder.mkdir()
    for i, data in enumerate((_graphic(), _natural_texture(1))):
        (folder / f"g{i}.jpg").write_bytes(data)
    assert guard_drop(folder, script) == set()
    (script.parent / "reserved_phashes.txt").write_text(f"{mod.phash(Image.open(folder / 'g1.jpg').convert('RGB')):016x}\n")
    assert guard_drop(folder, script) == {"g1.jpg"}
    assert guard_drop(folder, None) == set()  # no guard given: nothing dropped (the fit records it)


def test_a_damaged_gate_model_gives_one_error_naming_the_file(tmp_path, monkeypatch):
    from forgelens import model_file
    from forgelens.detectors import graphic_content as gc
    from forgelens.errors import ForgeLensError

    assert model_file.read(gc.MODEL_PATH).kind == "probe"  # the shipped file is in the common format
    bad = tmp_path / "graphic_content.json"
    bad.write_text("{not json")
    monkeypatch.setattr(gc, "MODEL_PATH", bad)
    gc._model.cache_clear()
    try:
        with pytest.raises(ForgeLensError, match="graphic_content.json"):
            registry.run("graphic_content", load(_graphic()), catch=False)
        trace = registry.run("graphic_content", load(_graphic()))  # in an analysis: one error, the rest runs
        assert not trace.applicable and "graphic_content.json" in trace.error
    finally:
        gc._model.cache_clear()  # the next test loads the shipped file again
