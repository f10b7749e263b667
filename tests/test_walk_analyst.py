"""A forensic analyst's walk (session 19): the words a challenged report would be read by.

Each test holds one fix of ``docs/notes/walk-analyst.md``: the place and area words must not say more
than the mask or the finding measured.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from forgelens.explain import text, words


def _report_with_mask(mask: np.ndarray) -> SimpleNamespace:
    return SimpleNamespace(verdict=SimpleNamespace(mask=mask))


def test_a_thin_region_spanning_the_picture_is_not_said_to_cover_most_of_it():
    # a one-piece frame 4 px wide round a 300 × 200 picture: its box spans the picture, it covers about 7 %
    mask = np.zeros((200, 300), bool)
    mask[:4], mask[-4:], mask[:, :4], mask[:, -4:] = True, True, True, True
    region = words.mask_region(mask)
    assert region["parts"] == 1 and region["fraction"] < 0.1
    sentence = text._region_sentence(_report_with_mask(mask), "The marked area")
    assert "covers most of the picture" not in sentence
    assert words.area_text(region["fraction"]) in sentence and "across most" in sentence
    # a region that does fill most of the picture still says so
    full = np.ones((200, 300), bool)
    full[:20, :20] = False
    assert text._region_sentence(_report_with_mask(full), "The marked area") == \
        "The marked area covers most of the picture."


def test_a_band_from_side_to_side_is_placed_as_a_band():
    # a strip across the top (the whole width, 20 % of the height): not "the top centre"
    assert words.where((0, 0, 300, 40), 300, 200) == "across the top"
    assert words.where((0, 80, 300, 120), 300, 200) == "across the middle"
    assert words.where((250, 0, 300, 200), 300, 200) == "down the right"
    # a box that spans both ways only says where the finding lies, not that it fills the picture
    assert words.where((10, 0, 290, 200), 300, 200) == "across most of the picture"
    assert words.where((10, 10, 60, 50), 300, 200) == "the upper left"
    assert words.at("across the top") == "across the top" and words.at("the centre") == "in the centre"


def test_a_mirrored_copy_reads_as_a_mirror_without_a_half_turn():
    # a horizontal mirror, found and folded into H: not "rotation 180°" (mirror + half turn = a vertical flip)
    from _compare_helpers import original
    from conftest import jpeg_bytes, png_bytes

    import forgelens

    img = original(seed=5)
    r = forgelens.compare(jpeg_bytes(img[:, ::-1].copy(), 92), png_bytes(img))
    assert r.same_scene and r.alignment["flip"] == "horizontal"
    assert abs(r.alignment["rotation_deg"]) < 1.0, r.alignment
    assert "mirrored" in r.summary()
    # a mirror turned a quarter turn keeps its quarter turn (either way round, as the map gives it)
    turned = np.rot90(img[:, ::-1]).copy()
    r = forgelens.compare(jpeg_bytes(turned, 92), png_bytes(img))
    assert r.same_scene and r.alignment["flip"] == "horizontal"
    assert abs(abs(r.alignment["rotation_deg"]) - 90) < 1.0, r.alignment
    # an unmirrored copy has no mirror in its words
    r = forgelens.compare(jpeg_bytes(img, 92), png_bytes(img))
    assert r.alignment["flip"] == "none" and "mirrored" not in r.summary()


def _prnu_report(kind: str, pce: float):
    from conftest import jpeg_bytes, natural_image

    from forgelens.detectors import available
    from forgelens.evidence import load
    from forgelens.fusion import fuse
    from forgelens.pipeline import Report
    from forgelens.trace import Finding, Trace

    ev = load(jpeg_bytes(natural_image(192, 256, seed=5), 90))
    said = "carries this camera's sensor pattern" if kind == "camera_match" else \
        "does not carry this camera's sensor pattern"
    t = Trace("prnu", None, None, None, [Finding(kind, f"PCE {pce:.0f} {'≥' if pce >= 60 else '<'} 60: the image {said}",
                                                 0.5, values={"pce": pce, "threshold": 60.0, "peak_shift": [0, 0]})],
              family=available()["prnu"].family)
    return Report(ev, [t], fuse([t], ev.shape))


def test_a_pce_below_the_threshold_reads_not_found_with_its_other_causes():
    from forgelens.explain import facts, faithfulness

    r = _prnu_report("camera_mismatch", 2.3)
    said = [c["statement"] for c in text.combined(r) if c["kind"] == "camera_mismatch"]
    assert said and "not found" in said[0] and "another camera" in said[0]
    assert "does not carry" not in said[0] and "does not carry" not in text.summary(r)
    assert "not found" in text.summary(r)
    assert not faithfulness.cited_numbers(r)[1]
    item = next(i for i in facts.items(r)[0] if i.kind == "camera_mismatch")
    assert "Another camera" in item.alternatives


def test_a_camera_match_carries_the_alternatives_of_a_match_not_of_a_missing_pattern():
    from forgelens.explain import facts

    r = _prnu_report("camera_match", 812.0)
    item = next(i for i in facts.items(r)[0] if i.kind == "camera_match")
    # the camera family's "resizing … disturb this pattern" explains a pattern that is absent, not one found
    assert "disturb" not in item.alternatives
    assert "fingerprint" in item.alternatives and "not that the picture was not edited" in item.alternatives


def test_report_html_names_what_produced_it():
    # an analyst holding only report.html must be able to say which version, model and detectors made it
    import platform

    from conftest import jpeg_bytes, natural_image

    from forgelens import __version__
    from forgelens.explain import render_report_html
    from forgelens.pipeline import analyze

    r = analyze(jpeg_bytes(natural_image(192, 256, seed=3), 90), detectors=["ela", "noise_wavelet"])
    html = render_report_html(r)
    assert f"forgelens {__version__}, Python {platform.python_version()}" in html
    assert "ela, noise_wavelet" in html and "traces[].config" in html
    rule = (r.verdict.decision or {}).get("rule")
    assert rule and f"rule {rule}" in html


def test_a_camera_test_that_could_not_run_is_said_in_the_words(tmp_path):
    # analyze --camera with a fingerprint of another size: the detector is not applicable, and the words
    # used to say nothing at all about the camera, as if no test had been asked for
    from conftest import jpeg_bytes, natural_image

    from forgelens.camera.prnu import save_fingerprint
    from forgelens.explain import faithfulness, verdict_box_html
    from forgelens.pipeline import analyze

    fp = tmp_path / "cam.npz"
    save_fingerprint(fp, np.zeros((120, 160), np.float32), n_images=10)
    r = analyze(jpeg_bytes(natural_image(192, 256, seed=4), 90), detectors=["prnu", "ela"],
                configs={"prnu": {"fingerprint_path": str(fp)}})
    said = [c["statement"] for c in text.combined(r) if c["kind"] == "camera_not_tested"]
    assert said and "not tested" in said[0] and "160x120" in said[0] and "neither matched" in said[0]
    assert said[0] in verdict_box_html(r, with_style=False)
    assert not faithfulness.cited_numbers(r)[1]
    # no fingerprint given, no camera sentence
    r = analyze(jpeg_bytes(natural_image(192, 256, seed=4), 90), detectors=["prnu", "ela"])
    assert not [c for c in text.combined(r) if c["kind"].startswith("camera")]


def test_a_fingerprint_from_few_references_is_written_with_a_warning(tmp_path):
    # one picture makes a fingerprint (the file is still written), but the CLI says it is weak
    from conftest import natural_image
    from PIL import Image
    from typer.testing import CliRunner

    from forgelens.cli import app

    MIN_REFERENCES = 10  # forgelens.camera.cli.MIN_REFERENCES

    Image.fromarray(natural_image(96, 128, seed=1)).save(tmp_path / "one.png")
    res = CliRunner().invoke(app, ["camera", "fingerprint", str(tmp_path / "one.png"), "-o", str(tmp_path / "k.npz")])
    assert res.exit_code == 0 and (tmp_path / "k.npz").exists()
    out = " ".join(res.output.split())
    assert "from 1 image →" in out and f"1 reference image, fewer than {MIN_REFERENCES}" in out
    for i in range(MIN_REFERENCES):
        Image.fromarray(natural_image(96, 128, seed=10 + i)).save(tmp_path / f"r{i}.png")
    res = CliRunner().invoke(app, ["camera", "fingerprint", *(str(tmp_path / f"r{i}.png") for i in range(MIN_REFERENCES)),
                                   "-o", str(tmp_path / "k10.npz")])
    assert res.exit_code == 0 and "warning" not in res.output


def test_the_comparison_page_says_what_a_difference_cannot_tell():
    # the page travels alone: it must say that "added"/"removed" are relative to the reference, which is
    # not shown to be the original, and that a match does not clear edits made before the reference
    from _compare_helpers import original, paste
    from conftest import jpeg_bytes, png_bytes

    import forgelens
    from forgelens.compare import compare_report_html

    img = original(seed=6)
    edited, _ = paste(img)
    page = compare_report_html(forgelens.compare(jpeg_bytes(edited, 92), png_bytes(img)))
    assert "not which of the two is the original" in page
    assert "present in the suspect and not in the reference" in page
    assert "does not rule out edits made before the reference was saved" in page


def test_analyze_with_a_mirrored_reference_says_mirror_image_in_the_summary(tmp_path):
    # analyze --reference with a flipped copy: the journalist summary named no mirror ("matches X with no
    # change beyond processing"), though the flip is the one change there is
    from _compare_helpers import original
    from conftest import jpeg_bytes, png_bytes

    import forgelens
    from forgelens.explain import faithfulness, summary

    img = original(seed=5)
    sus, ref = tmp_path / "suspect.jpg", tmp_path / "original.png"
    sus.write_bytes(jpeg_bytes(img[:, ::-1].copy(), 92))
    ref.write_bytes(png_bytes(img))
    r = forgelens.analyze(str(sus), detectors=["ela"], reference=str(ref))
    s = summary(r)
    assert "matches original.png as a mirror image with no change beyond processing" in s
    assert not faithfulness.cited_numbers(r)[1] and faithfulness.overclaims(r) == []
    sus.write_bytes(jpeg_bytes(img, 92))
    assert "mirror" not in summary(forgelens.analyze(str(sus), detectors=["ela"], reference=str(ref)))


def test_the_prnu_finding_says_not_found_and_how_many_pictures_made_the_fingerprint(tmp_path):
    # session 19, s19words: a PCE below 60 said "the image does not carry this camera's sensor pattern",
    # which the PCE cannot show; and no report said how many pictures the fingerprint was made from
    from conftest import natural_image, png_bytes

    from forgelens.camera.prnu import save_fingerprint
    from forgelens.detectors import get, run
    from forgelens.evidence import load

    rng = np.random.default_rng(7)
    K, other = rng.normal(0, 0.03, (192, 256)), rng.normal(0, 0.03, (192, 256))
    shot = np.clip(natural_image(192, 256, seed=6).astype(float) * (1 + K[..., None]), 0, 255).astype(np.uint8)
    ev = load(png_bytes(shot))
    for fingerprint, n, kind in ((K, 12, "camera_match"), (other, 1, "camera_mismatch")):
        fp = tmp_path / f"{kind}.npz"
        save_fingerprint(fp, fingerprint, n_images=n)
        t = run("prnu", ev, get("prnu").make_config({"fingerprint_path": str(fp), "window": 64}), catch=False)
        f = next(f for f in t.findings if f.kind in ("camera_match", "camera_mismatch"))
        assert f.kind == kind and f.values["n_images"] == n
        assert f"fingerprint from {n} picture" in f.message and "does not carry" not in f.message
        if kind == "camera_mismatch":
            assert f.message.startswith("this camera's sensor pattern was not found (PCE ")
            assert f"< {f.values['threshold']:.0f}" in f.message
    # a fingerprint file that does not record its count says so instead of inventing one
    fp = tmp_path / "old.npz"
    np.savez_compressed(fp, K=other.astype(np.float32))
    f = run("prnu", ev, get("prnu").make_config({"fingerprint_path": str(fp), "window": 64}), catch=False).findings[0]
    assert f.values["n_images"] is None and "does not say how many pictures" in f.message


def test_a_table_match_names_encoders_not_this_files_origin():
    # session 19, s19words: a Pillow q75 re-save read "tables match: … Canon PowerShot S40 camera original;
    # FUJIFILM FinePix40i camera original", which a reader takes as a claim about this file
    import io

    from conftest import natural_image
    from PIL import Image

    from forgelens.detectors import run
    from forgelens.evidence import load
    from forgelens.explain.provenance import provenance_rows

    buf = io.BytesIO()
    Image.fromarray(natural_image(192, 256, seed=1)).save(buf, "JPEG", quality=75)
    ev = load(buf.getvalue())
    t = run("quant_tables", ev, catch=False)
    f = next(f for f in t.findings if f.kind == "qtable_match")
    assert "camera original" not in f.message and "tables match" not in f.message
    assert "the same tables as IJG libjpeg at quality 75" in f.message and "(camera)" in f.message
    shown = f.message.count("(camera)") + f.message.count("(editor)") + 1  # the IJG entry is the first
    n_writers = len({m for m in f.values["matches"]})
    if n_writers > shown:
        assert f"(and {n_writers - shown} other" in f.message
    assert not any(x.kind == "editing_software" for x in t.findings)  # IJG tables name no editor (session 18)
    rows = " ".join(str(r) for r in provenance_rows(ev, [t]))
    assert "camera original" not in rows and "the same tables as" in rows


def test_report_html_shows_an_exif_rotated_picture_as_stored_and_says_so():
    # session 19, s19words: the maps follow the stored pixel grid; every image of the page must too
    # (image-orientation: none), and the page must say it shows the picture as stored
    import io
    import re

    from conftest import natural_image
    from PIL import Image

    from forgelens.explain import render_report_html, verdict_box_html
    from forgelens.pipeline import analyze

    def jpeg(orientation: int) -> bytes:
        exif = Image.Exif()
        exif[0x0112] = orientation
        buf = io.BytesIO()
        Image.fromarray(natural_image(160, 224, seed=2)).save(buf, "JPEG", quality=90, exif=exif.tobytes())
        return buf.getvalue()

    turned = analyze(jpeg(6), detectors=["ela"])
    assert turned.evidence.metadata.orientation == 6
    html = render_report_html(turned)
    css = " ".join(re.findall(r"<style>(.*?)</style>", html, re.S))
    assert re.search(r"(^|[}\s])img\s*\{[^}]*image-orientation:\s*none", css)
    assert "this page shows the picture as stored" in html.lower()
    assert "image-orientation:none" in verdict_box_html(turned).replace(" ", "")
    upright = render_report_html(analyze(jpeg(1), detectors=["ela"]))
    assert "shows the picture as stored" not in upright


def _spectrum_report(with_gen_trace: bool):
    from conftest import jpeg_bytes, natural_image

    from forgelens.detectors import available
    from forgelens.evidence import load
    from forgelens.fusion import fuse
    from forgelens.pipeline import Report
    from forgelens.trace import Finding, Trace

    ev = load(jpeg_bytes(natural_image(256, 320, seed=8), 90))
    fam = available()["spectrum"].family
    traces = [Trace("spectrum", None, None, 0.98,
                    [Finding("spectral_peaks", "residual spectrum: top-16 peaks stand 11.9 dB above their "
                             "surroundings", 0.98, values={"peak_db": 11.9})], family=fam)]
    if with_gen_trace:
        traces.append(Trace("gen_trace", None, None, 0.02,
                            [Finding("authentic-looking", "generator-trace network: P(generated) 0.02", 0.0,
                                     values={"p": 0.02})], family=available()["gen_trace"].family))
    return Report(ev, traces, fuse(traces, ev.shape))


def test_spectral_peaks_not_used_for_the_verdict_are_context_not_strong_evidence():
    # session 19, s19words: spectrum (AUC 0.565 generated vs authentic on ../shared, below the brightness
    # baseline; 0.95-1.00 on camera originals) was listed first as "AI-generation traces, strength 0.98"
    # while the generation combiner, which does not read it, gave P(generated) 0.02
    from forgelens.explain import facts, render_report_html

    r = _spectrum_report(with_gen_trace=True)
    assert r.verdict.generation and "spectrum" not in r.verdict.generation["detectors"]
    evidence, context = facts.items(r)
    assert not any(i.kind == "spectral_peaks" for i in evidence)
    item = next(i for i in context if i.kind == "spectral_peaks")
    assert "not used for the verdict" in item.statement
    assert "AI-generation traces" not in " ".join(g["title"] for g in facts.groups(evidence))
    assert "not used for the verdict" in render_report_html(r)
    # where no generation model weighed the evidence, the strongest generation score stands in for one:
    # then the reading did count and stays evidence
    r = _spectrum_report(with_gen_trace=False)
    assert r.verdict.generation is None
    assert any(i.kind == "spectral_peaks" for i in facts.items(r)[0])
