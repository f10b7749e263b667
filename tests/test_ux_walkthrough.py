"""What a new user met on a walk through forgelens (docs/notes/ux-walkthrough.md), pinned:
no tautological headline, no laundering split or bold "not generated" when generation evidence
is negligible, the generation model's own P beside the verdict's, no "strength 1.00" evidence row
under a detector score of 0.00, no "read the probabilities as a ranking" where there is none,
error messages that keep [brackets], and the web page's words instead of the bare label."""

from __future__ import annotations

import html as html_lib
from types import SimpleNamespace

import numpy as np
import pytest
from typer.testing import CliRunner

from forgelens.cli import app
from forgelens.evidence import load
from forgelens.explain import facts, headline, render_report_html, text
from forgelens.fusion import fuse
from forgelens.pipeline import Report, analyze
from forgelens.trace import Finding, Trace
from tests.conftest import jpeg_bytes, natural_image
from tests.test_explain import synthetic_report


@pytest.fixture(scope="module")
def reports():
    ev = load(jpeg_bytes(natural_image(192, 256, seed=5), 90))
    return [synthetic_report(s, ev) for s in range(80)]


def test_headline_does_not_repeat_the_generic_domain():
    def verdict(domain):
        return SimpleNamespace(verdict=SimpleNamespace(label="manipulated", domain=domain))

    assert headline(verdict("local manipulation")) == "Signs of local manipulation"
    assert headline(verdict("classic edit: copy-move")) == "Signs of local manipulation (classic edit: copy-move)"
    assert headline(verdict(None)) == "Signs of local manipulation"
    assert headline(verdict("AI edit or inpainting (declared)")) == \
        "Signs of local manipulation (AI edit or inpainting, declared)"


def test_laundering_split_only_when_p_generated_is_not_negligible(reports):
    hidden = shown = 0
    split = next(r.verdict.laundering for r in reports if r.verdict.laundering)
    for r in reports:
        pg = (r.verdict.probabilities or {}).get("generated")
        if pg is not None and pg >= text.NEGLIGIBLE_GENERATED:
            if r.verdict.laundering and r.verdict.laundering.get("classes"):
                assert "p_laundered =" in render_report_html(r)
                shown += 1
            continue
        # fusion leaves the split out of the JSON (issue 18 point 4), and the page would not show one
        assert r.verdict.laundering is None
        assert (r.verdict.generation or {}).get("attribution") is None
        if pg is not None:
            r.verdict.laundering = split
            html = render_report_html(r)
            r.verdict.laundering = None
            assert "p_laundered =" not in html and "fully synthetic" not in html
            assert "Generator hint" not in html
            hidden += 1
    assert hidden and shown  # both sides were exercised


def test_generation_band_never_reads_not_generated_in_bold_and_names_both_p(reports):
    below = differ = 0
    for r in reports:
        g = r.verdict.generation
        if not g or g.get("generated_at") is None:
            continue
        html = render_report_html(r)
        assert "<b>not generated</b>" not in html
        if g["band"] == "not generated":
            assert "does not show that no AI tool made the picture" in html
            below += 1
        pg = (r.verdict.probabilities or {}).get("generated")
        assert f"P(generated) {g['p_generated']:.2f}" in html  # the model's own reading, stated
        if pg is not None and f"{pg:.2f}" != f"{g['p_generated']:.2f}":
            assert f"The P(generated) of the verdict box, {pg:.2f}, is worked out together" in html
            differ += 1
    assert below and differ


def _tiny_or_flat_report(pixels):
    from forgelens.explain import explanation

    rep = analyze(jpeg_bytes(pixels, 90), detectors=["ela", "noise_wavelet"])
    return rep, explanation(rep)


def test_not_applicable_does_not_call_missing_probabilities_a_ranking():
    rep, ex = _tiny_or_flat_report(natural_image(68, 100, seed=2))
    assert rep.verdict.label == "not_applicable"
    said = " ".join(c["statement"] for c in ex["analyst"]["combined"])
    assert "ranking" not in said and "calibrated" not in said
    assert "not used for the verdict" in said
    from forgelens.explain import verdict_box_html

    box = verdict_box_html(rep)
    assert "no probability measured" in box and "a ranking, not a probability" not in box


def test_a_finding_its_detector_does_not_score_is_context_not_evidence():
    ev = load(jpeg_bytes(natural_image(192, 256, seed=3), 90))
    whole = Finding("global_resampling", "the whole image's prediction residual is periodic (peak 52.5x)", 1.0,
                    values={"peak": 52.5})
    local = Finding("noise_region", "noise σ 2.9 inside vs 0.9 outside (1.8% of the area)", 0.8,
                    (10, 10, 60, 60), {"inside": 2.9, "outside": 0.9})
    traces = [Trace("resampling", family="camera", score=0.0, findings=[whole]),
              Trace("noise_median", family="noise", score=0.8, findings=[local])]
    rep = Report(ev, traces, fuse(traces, ev.shape))
    evidence, context = facts.items(rep)
    assert [i.kind for i in evidence] == ["noise_region"]
    assert [i.kind for i in context] == ["global_resampling"]
    html = render_report_html(rep)
    assert "finding strength 1.00" not in html  # was "(strength 1.00, detector score 0.00)"
    assert "(finding strength 0.80; the detector's score for the whole picture 0.80" in html
    assert "periodic (peak 52.5x)" in html  # still stated, as a fact that points neither way


def test_cli_error_keeps_bracketed_text(tmp_path):
    res = CliRunner().invoke(app, ["analyze", str(tmp_path / "missing [x].jpg"), "-o", str(tmp_path / "out")])
    assert res.exit_code == 1
    assert "missing [x].jpg" in res.output  # Rich markup must not eat "[x]" (nor "[service]" in hints)


def test_web_page_job_carries_the_headline(tmp_path):
    pytest.importorskip("fastapi")
    pytest.importorskip("httpx")
    pytest.importorskip("sqlalchemy")
    from tests.test_service import make_client, submit, wait

    with make_client(tmp_path) as c:
        job_id = submit(c, data=jpeg_bytes(natural_image(144, 160, seed=4), 85)).json()["id"]
        j = wait(c, job_id)
        assert j["status"] == "done", j
        brief = c.get(f"/v1/analyses/{job_id}", params={"report": "false"}).json()
        assert brief["report"] is None
        assert brief["headline"] == j["report"]["explanation"]["headline"]
        assert brief["headline"] != brief["label"]  # words, not the bare label
        case = c.post("/v1/cases", json={"name": "walk"}).json()["id"]
        assert c.post(f"/v1/cases/{case}/items", json={"job_id": job_id}).status_code == 201
        (item,) = c.get(f"/v1/cases/{case}").json()["items"]
        assert item["headline"] == brief["headline"]  # the case table shows the same words


def test_flat_picture_made_here_is_not_applicable_with_its_reason():
    rep, ex = _tiny_or_flat_report(np.full((200, 300, 3), 128, np.uint8))
    assert rep.verdict.label == "not_applicable"
    assert ex["headline"].startswith("Cannot be judged: image is flat")


def test_generator_hint_only_when_p_generated_is_not_negligible(reports):
    hint = {"family": "sd-1.x", "probability": 0.6, "method": "test", "known_families": ["sd-1.x"]}
    seen = set()
    for r in reports:
        g = r.verdict.generation
        if not g or g.get("band") in (None, "not generated") or facts.graphic_gate(r) is not None:
            continue
        r.verdict.generation = {**g, "attribution": hint}
        pg = (r.verdict.probabilities or {}).get("generated")
        shown = pg is not None and pg >= text.NEGLIGIBLE_GENERATED
        assert ("Generator hint" in render_report_html(r)) == shown
        seen.add(shown)
        r.verdict.generation = g
    assert seen == {True, False}


def test_generation_support_names_its_alternative_a_real_photograph():
    """The generation LR is generated vs a real photograph: "rather than not" read as support for AI
    beside P(generated) 0.11 on a splice (the edit's evidence lowers the three-way P, not that LR)."""
    from forgelens.explain import words

    pos = words.formal_support("weak", 2.15, "generated")
    assert pos.endswith("made or re-rendered by an AI generator, rather than that it is a real photograph.")
    neg = words.formal_support("against", 1 / 5.0, "generated")
    assert "proposition that the image is a real photograph, rather than that it was made" in neg
    assert "rather than not" in words.formal_support("moderate", 16.4, "manipulated")


def test_unread_content_credentials_are_said_in_the_verdict_box():
    """Without the provenance extra a file's C2PA manifest is not read: the DALL-E picture whose valid
    manifest declares AI read "Signs of AI generation" from pixels alone, the manifest unmentioned
    outside a collapsed card. The verdict box must say that Credentials are there, unread."""
    from forgelens.explain import verdict_box_html

    ev = load(jpeg_bytes(natural_image(192, 256, seed=6), 90))
    msg = "c2pa-python not installed: Content Credentials not checked (pip install 'forgelens[provenance]')"
    unread = Trace("c2pa_manifest", family="provenance", applicable=False, note=msg,
                   findings=[Finding("c2pa_unavailable", msg, 0.0)])
    noise = Trace("noise_wavelet", family="noise", score=0.2, findings=[])
    rep = Report(ev, [unread, noise], fuse([unread, noise], ev.shape))
    box = verdict_box_html(rep)
    assert "Content Credentials (a C2PA manifest) that were not read" in box
    assert "forgelens[provenance]" in box
    plain = Report(ev, [noise], fuse([noise], ev.shape))
    assert "Content Credentials" not in verdict_box_html(plain)


def test_declared_ai_probabilities_are_called_a_declaration_not_a_ranking():
    """A generator's metadata sets P(generated) 1.00 with no calibrated model: the box said "a ranking,
    not a probability" beside it; it is the strength given to the file's own declaration."""
    from forgelens.explain import verdict_box_html

    ev = load(jpeg_bytes(natural_image(192, 256, seed=7), 90))
    sig = Trace("generator_signature", family="provenance", score=1.0, findings=[Finding(
        "generator_signature", "ComfyUI metadata in PNG text 'prompt'+'workflow'", 1.0, values={"n_nodes": 12})])
    rep = Report(ev, [sig], fuse([sig], ev.shape))
    assert rep.verdict.label == "generated" and not rep.verdict.calibrated
    box = html_lib.unescape(verdict_box_html(rep))
    assert text.DECLARED_NOTE in box and "a ranking" not in box
    said = " ".join(c["statement"] for c in text.combined(rep))
    assert "read them as a ranking" not in said and "a declaration can be false" in said


def test_graphic_gate_sentence_does_not_split_a_declaration_from_its_signature():
    """rs__sdk_ocsp.jpg (a designed graphic, valid C2PA manifest declaring AI parts) read "…made with an AI
    tool. This looks like a designed graphic … Its signature checks out", "Its" then meaning the graphic."""
    from forgelens.explain import summary

    ev = load(jpeg_bytes(natural_image(192, 256, seed=8), 90))
    dst = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
    c2pa = Trace("c2pa_manifest", family="provenance", score=0.8, findings=[Finding(
        "ai_declared", "valid C2PA manifest declares AI-generated parts", 0.8,
        values={"scope": "partial", "digital_source_types": [dst]})])
    rep = Report(ev, [c2pa], fuse([c2pa], ev.shape))
    rep.verdict.decision = {**(rep.verdict.decision or {}),
                            "graphic_gate": {"detector": "graphic_content", "p_graphic": 1.0, "threshold": 0.96}}
    said = summary(rep)
    assert said.index("Its signature checks out") < said.index("This looks like a designed graphic")


def test_a_picture_under_64_px_a_side_cannot_be_judged_like_one_under_128(tmp_path):
    tiny = tmp_path / "thumb 59x100.jpg"
    tiny.write_bytes(jpeg_bytes(natural_image(100, 59, seed=4), 90))
    res = CliRunner().invoke(app, ["analyze", str(tiny), "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert "Cannot be judged: image is 59×100 px, below the 128 px a side the detectors need" in res.output
    rep = analyze(str(tiny))
    assert rep.verdict.label == "not_applicable"
    by_name = {t.name: t for t in rep.traces}
    assert not by_name["ela"].applicable and "59×100 px" in by_name["ela"].note  # not run, and says why
    assert by_name["metadata"].error is None  # the provenance readers still read the file
    # 64-127 px: the pixel detectors still run (unchanged), the verdict is the same "cannot be judged"
    mid = analyze(jpeg_bytes(natural_image(68, 100, seed=2), 90), detectors=["ela", "metadata"])
    assert mid.traces[0].applicable and mid.verdict.label == "not_applicable"
    for side in (1, 8):  # no detector error, however small
        r = analyze(jpeg_bytes(natural_image(side, 300, seed=1), 90))
        assert r.verdict.label == "not_applicable" and not any(t.error for t in r.traces)


def test_the_example_splice_json_has_no_laundering_split_at_negligible_p_generated():
    from pathlib import Path

    rep = analyze(str(Path(__file__).parent.parent / "examples" / "splice.jpg"))
    d = rep.to_dict()["verdict"]
    pg = d["probabilities"]["generated"]
    negligible = pg < text.NEGLIGIBLE_GENERATED  # 0.11 on the walk
    assert (d["laundering"] is None) or not negligible
    assert (d["generation"]["attribution"] is None) or not negligible
    assert d["label"] == "manipulated"


# ---- session 18 walk (docs/notes/ux-walkthrough.md, "Session 18")

def test_a_bad_upload_to_the_synchronous_endpoint_logs_no_unretrieved_future(tmp_path, caplog):
    """`POST /api/analyze` with a text file named .jpg answered 422 with the reason, but the server log then
    showed "Future exception was never retrieved" and the error's traceback, as if the service had failed."""
    import gc
    import logging

    pytest.importorskip("fastapi")
    pytest.importorskip("httpx")
    pytest.importorskip("sqlalchemy")
    from fastapi.testclient import TestClient

    from forgelens.service.app import create_app
    from forgelens.service.settings import Settings

    settings = Settings(data_dir=tmp_path / "data", auth=False, workers=1, detectors="ela,metadata")
    with caplog.at_level(logging.ERROR, logger="asyncio"), TestClient(create_app(settings)) as c:
        r = c.post("/api/analyze", files={"file": ("notes.jpg", b"plain text, not a picture", "image/jpeg")})
        assert r.status_code == 422 and "notes.jpg: unreadable image" in r.json()["detail"]
        gc.collect()  # the asyncio copy of the job's future is collected here; unread, it logs its exception
    logged = " ".join(rec.getMessage() for rec in caplog.records)
    assert "never retrieved" not in logged, logged


def test_graphic_gate_sentence_does_not_take_the_place_of_what_that_does_not_prove(reports):
    """The screenshot of the walk read "We found no clear sign that this picture was edited. This looks like a
    designed graphic …, not a photograph; …. That does not prove the picture is real.": "That" then meant the
    graphic sentence. The gate sentence now follows "That does not prove …"."""
    from forgelens.explain import summary

    checked = 0
    for r in reports:
        if r.verdict.label != "authentic" or facts.proof_of_origin(r):  # with a proof: "Also, …" instead
            continue
        before = r.verdict.decision
        r.verdict.decision = {**(before or {}),
                              "graphic_gate": {"detector": "graphic_content", "p_graphic": 1.0, "threshold": 0.96}}
        try:
            said = summary(r)
        finally:
            r.verdict.decision = before
        first = said.index("We found no clear sign")
        assert first < said.index("That does not prove the picture is real.") < said.index(
            "This looks like a designed graphic"), said
        checked += 1
    assert checked


def test_decision_line_does_not_say_the_manipulation_detectors_decided_an_authentic_label(reports):
    """The walk's iPhone original read "Label authentic: decided by the rule manipulation_model from jpeg_ghost,
    noise_median.": fusion lists the detectors that pushed P(manipulated) up most, which on an authentic or
    inconclusive picture weighed against its label."""
    seen = set()
    for r in reports:
        dec = r.verdict.decision or {}
        line = next(c["statement"] for c in text.combined(r) if c["kind"] == "decision")
        if dec.get("rule") in ("manipulation_model", "manipulation_rule") and dec.get("detectors"):
            assert " from " not in line, line
            assert line.endswith("; the detectors that weighed most towards manipulation: "
                                 + ", ".join(dec["detectors"]) + "."), line
            seen.add(r.verdict.label)
        elif dec.get("rule"):
            assert line == f"Label {r.verdict.label}: decided by the rule {dec['rule']} from " \
                           f"{', '.join(dec.get('detectors') or []) or 'no detector'}."
    assert {"authentic", "inconclusive", "manipulated"} <= seen


def test_declared_ai_box_does_not_read_manipulated_0_00_beside_support_for_manipulation(reports):
    """fixtures/generator-metadata/sdturbo__sdxlturbo_example.png (ComfyUI metadata): the box read "P authentic 0.00
    · manipulated 0.00 · generated 1.00" and then "The findings give weak support to the proposition that the image
    was locally manipulated, rather than not." The 0.00 is the declaration's; the sentence is the pixels' reading."""
    from forgelens.explain import verdict_box_html

    seen = 0
    for r in reports:
        if (r.verdict.decision or {}).get("rule") != "provenance_declared_ai":
            continue
        said = text.support_sentences(r).get("manipulated")
        if said is None:
            continue
        assert said.startswith("Leaving the declaration aside, the findings "), said
        assert html_lib.unescape(verdict_box_html(r)).count(said) == 1
        seen += 1
    assert seen
    # a calibrated verdict keeps its sentence as it was
    plain = next(r for r in reports if (r.verdict.decision or {}).get("rule") == "manipulation_model")
    assert text.support_sentences(plain)["manipulated"].startswith("The findings ")


def test_a_bad_detector_name_is_one_error_line_however_long(tmp_path):
    """`forgelens analyze photo.jpg -d ela,jpeg_gost` printed its one error hard-wrapped at 80 columns into four
    lines (the list of known detectors cut mid-name), unlike the per-file error lines, which are one line each."""
    res = CliRunner().invoke(app, ["analyze", str(tmp_path / "photo.jpg"), "-d", "ela,jpeg_gost"])
    assert res.exit_code == 2
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1, res.output
    assert lines[0].startswith("forgelens: jpeg_gost: bad configuration: no detector of that name (did you mean "
                               "'jpeg_ghost'?)") and lines[0].rstrip().endswith("watermark")


# --- session 18, s18fix: the walk's list, items 2, 3, 4, 5, 7, 9, 10 --------------------------------------------


def _quant_tables_of(tables) -> Trace:
    import io

    from PIL import Image

    from forgelens.detectors import registry

    b = io.BytesIO()
    Image.fromarray(natural_image(128, 128, seed=3)).save(b, "JPEG", qtables=[list(t) for t in tables])
    return registry.run("quant_tables", load(b.getvalue()), catch=False)


def test_ijg_standard_tables_are_not_called_an_editors_re_save():
    """cameras/exif-samples/mobile_HMD_Nokia_8.3_5G.jpg (a phone original) read "quantisation tables are those of
    Nikon Transfer 1.1 W (re-save; …)" at strength 0.40: its tables are the IJG tables at quality 95, which that
    editor, the phone and libjpeg all write. An editor is named only for tables no library or camera entry shares."""
    from forgelens.evidence import qtables

    editors = [r for r in qtables.database() if r["kind"] == "editor" and r.get("chroma")]
    shared = unique = 0
    for r in editors:
        t = _quant_tables_of([r["luma"], r["chroma"]])
        kinds_ = {m.get("kind") for m in qtables.match([np.asarray(r["luma"]).reshape(8, 8),
                                                        np.asarray(r["chroma"]).reshape(8, 8)]).matches}
        rows = [f for f in t.findings if f.kind == "editing_software"]
        if kinds_ & {"library", "camera"}:
            assert not rows, (r["label"], [f.message for f in rows])
            assert t.score is None  # no finding, no score (the lead, at merge: no model reads this score)
            shared += 1
        else:  # a real editor's own tables (Photoshop, Fireworks, Lightroom, …) still get the row
            assert len(rows) == 1 and rows[0].message == f"quantisation tables are those of {r['label']}"
            assert rows[0].strength == 0.4 and t.score == 0.4
            unique += 1
    assert shared >= 10 and unique >= 5


def test_cli_line_of_a_detector_subset_says_its_numbers_are_a_ranking(tmp_path):
    """`forgelens analyze photo.jpg -d ela,jpeg_ghost` printed `… — P authentic 0.97 · manipulated 0.03` where
    report.html adds "(not decided by a calibrated model: a ranking, not a probability)": the CLI could not tell
    (ItemResult carried no such field). The default analysis's line stays byte for byte what it was."""
    from forgelens.batch import analyze_one
    from forgelens.cli import cli_line
    from forgelens.explain.words import probability_text

    p = tmp_path / "photo.jpg"
    p.write_bytes(jpeg_bytes(natural_image(192, 256, seed=7), 90))
    sub = analyze_one(str(p), str(tmp_path / "sub"), {"detectors": ["ela", "jpeg_ghost"]})
    assert sub.error is None and sub.probabilities
    html = (tmp_path / "sub" / "report.html").read_text(encoding="utf-8")
    note = "not decided by a calibrated model: a ranking, not a probability"
    assert f"({note})" in html
    assert sub.probability_note == note
    assert cli_line(sub) == (f"{p}: {sub.headline} — {probability_text(sub.probabilities)} ({note}) → "
                             f"{tmp_path / 'sub'}")
    default = analyze_one(str(p), str(tmp_path / "default"), {})
    assert default.error is None and default.probability_note is None
    assert cli_line(default) == (f"{p}: {default.headline} — {probability_text(default.probabilities)} → "
                                 f"{tmp_path / 'default'}")
    assert note not in (tmp_path / "default" / "report.html").read_text(encoding="utf-8")


def test_libjpeg_warnings_of_a_truncated_jpeg_do_not_reach_stderr(tmp_path):
    """A folder of a good JPEG and a truncated one printed, after the truncated file's proper error line, a stray
    `Premature end of JPEG file` (libjpeg's warning, from jpeglib's read of the DCT coefficients, which runs beside
    Pillow's decode and finishes after the error). The file's own error is still raised, with its reason."""
    import os
    import subprocess
    import sys

    good = tmp_path / "good.jpg"
    good.write_bytes(jpeg_bytes(natural_image(256, 256, seed=2), 90))
    data = jpeg_bytes(natural_image(512, 512, seed=4), 95)
    (tmp_path / "truncated.jpg").write_bytes(data[: len(data) // 2])
    script = (
        "import sys, time\n"
        "from forgelens.evidence import load\n"
        "from forgelens.errors import TruncatedImageError\n"
        "for name in ('good.jpg', 'truncated.jpg', 'good.jpg'):\n"
        "    try:\n"
        "        load(name)\n"
        "    except TruncatedImageError as exc:\n"
        "        print('ERROR', exc, file=sys.stderr, flush=True)\n"
        "time.sleep(1.0)\n"  # the reader thread of the truncated file finishes in the meantime
        "import ctypes\n"  # C's stderr is given back afterwards
        "from forgelens.evidence.jpeg_internals import libjpeg_quiet\n"
        "assert libjpeg_quiet._ptr is None or libjpeg_quiet._ptr.value == libjpeg_quiet._saved != libjpeg_quiet._null\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    res = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("ERROR truncated.jpg: truncated image:")
    assert "Premature end" not in res.stderr and "Corrupt JPEG data" not in res.stderr


def test_report_json_says_what_score_manipulation_score_and_generation_score_are(reports):
    """report.json's verdict held four numbers in [0, 1] for one picture (the example splice: score 0.945,
    manipulation_score 0.943, generation_score 0.427, probabilities 0.055 / 0.904 / 0.041) and only the last is
    the P that the CLI, the HTML and the page show; the README's snippet printed `verdict.score`. Each of the
    other three now carries a short `reading`, as `laundering` does (schema 1.4, additive)."""
    from pathlib import Path

    from forgelens.pipeline import SCHEMA_VERSION

    assert tuple(map(int, SCHEMA_VERSION.split("."))) >= (1, 4)  # added in 1.4; later versions only add fields
    d = reports[0].to_dict()
    assert d["schema_version"] == SCHEMA_VERSION
    readings = d["verdict"]["readings"]
    assert set(readings) == {"score", "manipulation_score", "generation_score"}
    assert "1 − P(authentic)" in readings["score"] and "probabilities" in readings["score"]
    assert "P(manipulated | not generated)" in readings["manipulation_score"]
    assert "P(generated)" in readings["generation_score"]
    for r in reports[:20]:  # additive: every field of schema 1.3's verdict is still there, with its value
        v = r.to_dict()["verdict"]
        assert v["score"] == round(r.verdict.score, 4) and v["probabilities"] == r.verdict.probabilities
        assert v["manipulation_score"] == r.verdict.manipulation_score
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    snippet = readme.split("```python", 1)[1].split("```", 1)[0]
    assert "report.verdict.probabilities" in snippet and "report.verdict.score" not in snippet


C2PA_CHANGED = "The file's own C2PA record shows that the file was changed after the record was signed."


def _with_c2pa(r, finding):
    import dataclasses

    c2pa = Trace("c2pa_manifest", score=finding.strength, findings=[finding], family="provenance")
    return dataclasses.replace(r, traces=[t for t in r.traces if t.name != "c2pa_manifest"] + [c2pa])


def test_summary_says_when_the_files_own_c2pa_record_shows_a_change_after_signing(reports):
    """fixtures/c2pa/pubtest__adobe-20220124-E-dat-CA.jpg (provenance extra): the analyst row said "C2PA manifest
    INVALID (assertion.dataHash.mismatch): the image bytes changed after the manifest was signed" (strength 0.70),
    the journalist summary only "The checks could not decide whether this picture was edited. … Treat the picture as
    not checked". The file's own record of a change now has one short sentence there; other failures do not."""
    from forgelens.explain import faithfulness
    from forgelens.explain.readability import fk_grade

    hash_bad = Finding("c2pa_invalid", "C2PA manifest INVALID (assertion.dataHash.mismatch): the image bytes changed "
                       "after the manifest was signed; its claims (generator 'x') cannot be trusted", 0.7,
                       values={"status": "invalid", "failure_codes": ["assertion.dataHash.mismatch"],
                               "digital_source_types": []})
    sig_bad = Finding("c2pa_invalid", "C2PA manifest INVALID (claimSignature.mismatch): the manifest or its signature "
                      "does not verify; its claims (generator 'x') cannot be trusted", 0.4,
                      values={"status": "invalid", "failure_codes": ["claimSignature.mismatch"],
                              "digital_source_types": []})
    from forgelens.detectors import c2pa_manifest

    for code in c2pa_manifest.HASH_CODES:  # every code the detector reads as a hash mismatch, and only those
        f = Finding("c2pa_invalid", f"C2PA manifest INVALID ({code})", 0.7,
                    values={"status": "invalid", "failure_codes": [code], "digital_source_types": []})
        assert facts.c2pa_changed_after_signing(_with_c2pa(reports[0], f))
    assert not facts.c2pa_changed_after_signing(_with_c2pa(reports[0], sig_bad))
    labels = set()
    for r in reports:
        assert C2PA_CHANGED not in text.summary(_with_c2pa(r, sig_bad))
        changed = _with_c2pa(r, hash_bad)
        s = text.summary(changed)
        if r.verdict.label == "not_applicable":
            continue
        assert s.count(C2PA_CHANGED) == 1, s
        assert 3 <= s.count(". ") + 1 <= 5 and fk_grade(s) <= 9.0, s
        assert faithfulness.cited_numbers(changed)[1] == [] and faithfulness.overclaims(changed) == []
        labels.add(r.verdict.label)
    assert {"authentic", "manipulated", "inconclusive", "generated"} <= labels


def test_summary_of_the_walks_c2pa_fixture_with_a_data_hash_mismatch():
    """The walk's file itself (skips where the shared fixtures or the provenance extra are absent)."""
    from pathlib import Path

    from forgelens.explain import faithfulness
    from forgelens.explain.readability import fk_grade

    p = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "c2pa" / "pubtest__adobe-20220124-E-dat-CA.jpg"
    if not p.exists():
        pytest.skip("../shared/fixtures absent (the walk's C2PA fixture)")
    pytest.importorskip("c2pa", reason="c2pa-python (the provenance extra) is not installed")
    r = analyze(p)
    codes = [c for t in r.traces for f in t.findings if f.kind == "c2pa_invalid"
             for c in f.values.get("failure_codes", [])]
    assert "assertion.dataHash.mismatch" in codes
    s = text.summary(r)
    assert s.count(C2PA_CHANGED) == 1 and fk_grade(s) <= 9.0, s
    assert faithfulness.cited_numbers(r)[1] == [] and faithfulness.overclaims(r) == []


def test_clip_probe_caveat_states_only_what_its_model_file_records(tmp_path):
    """report.html's clip_probe caveat read "Trained on ~940 pictures of 14 generator families; on 4 families it never
    saw it ranks at AUC 0.92 …" while the shipped clip_probe.json records n_train 2889 (and no family count): the
    sentence was written for an older probe. Its numbers now come from the file's provenance, and only those."""
    import json
    import re

    from forgelens.detectors import available, clip_probe

    shipped = clip_probe._WEIGHTS
    prov = json.loads(shipped.read_text())["provenance"]
    caveat = available()["clip_probe"].caveat
    assert caveat == clip_probe.caveat_for(shipped)
    assert f"Trained on {prov['n_train']} pictures" in caveat and f"AUC {prov['oof_auc']:.2f}" in caveat
    recorded = {str(prov["n_train"]), f"{prov['oof_auc']:.2f}"}
    assert set(re.findall(r"\d+(?:\.\d+)?", caveat)) <= recorded, caveat
    assert "940" not in caveat and "14 generator families" not in caveat
    # a file without those records: no number at all, the rest of the caveat stays
    bare = tmp_path / "probe.json"
    bare.write_text(json.dumps({"provenance": {"date": "2026-12-07"}}))
    said = clip_probe.caveat_for(bare)
    assert not re.search(r"\d", said) and "laundered" in said
    assert "laundered" in clip_probe.caveat_for(tmp_path / "absent.json")
    for broken in ("{not json", "[1, 2]", '{"provenance": [1]}', '{"provenance": {"n_train": "many", "oof_auc": 7}}'):
        bare.write_text(broken)  # an unreadable or odd probe file: the caveat without numbers, no error
        said = clip_probe.caveat_for(bare)
        assert not re.search(r"\d", said) and "laundered" in said, broken


def _long_paths(tmp_path):
    long = tmp_path / ("a-folder-with-a-rather-long-name-" * 3)
    long.mkdir()
    bad = long / "notes-not-an-image-with-a-long-name.jpg"
    bad.write_text("hello, this is text")
    return long, bad, long / "missing-picture-with-a-long-name.jpg"


@pytest.mark.parametrize("group", ["compare", "index", "search", "camera", "synth", "datasets", "bench"])
def test_the_other_command_groups_print_one_error_line_however_long(tmp_path, group):
    """`analyze`'s error lines are one line each (soft_wrap); compare, index, search, camera fingerprint, synth,
    datasets and bench hard-wrapped theirs at 80 columns when stderr is not a terminal (a log), a long path
    cut over three or four lines."""
    long, bad, missing = _long_paths(tmp_path)
    args = {
        "compare": ["compare", str(missing), str(bad), "-o", str(tmp_path / "c")],
        "index": ["index", str(missing), "--db", str(tmp_path / "a.db")],
        "search": ["search", str(bad), "--db", str(long / "missing-archive.db")],
        "camera": ["camera", "fingerprint", str(bad), str(bad), "-o", str(tmp_path / "k.npz")],
        "synth": ["synth", "--pristine", str(long), "-n", "2", "-o", str(tmp_path / "s")],
        "datasets": ["datasets", "--root", str(missing)],
        "bench": ["bench", "--dataset", str(missing), "-o", str(tmp_path / "b"), "--no-plots"],
    }[group]
    res = CliRunner().invoke(app, args)
    assert res.exit_code in (1, 2), res.output
    lines = [line for line in res.output.splitlines() if line.strip() and not line.startswith("scanning pristine")]
    assert len(lines) == 1, res.output
    assert lines[0].startswith("forgelens: ") and len(lines[0]) > 80


def test_probability_line_bounds_a_calibrated_extreme_but_keeps_a_declarations_values():
    """The walk's item 6 (the lead, session 18): sd12_001.png's calibrated P(generated) 0.999 printed "generated
    1.00", the same line a file's own declaration prints, while its summary said "more than 99 %"."""
    from forgelens.explain.words import probability_text

    assert probability_text({"authentic": 0.0004, "manipulated": 0.0006, "generated": 0.999}) == (
        "P authentic below 0.01 · manipulated below 0.01 · generated above 0.99")
    assert probability_text({"authentic": 0.0, "manipulated": 0.0, "generated": 1.0}) == (
        "P authentic 0.00 · manipulated 0.00 · generated 1.00")
    assert probability_text({"authentic": 0.055, "manipulated": 0.904, "generated": 0.041}) == (
        "P authentic 0.06 · manipulated 0.90 · generated 0.04")
    assert probability_text({"authentic": 0.004999, "manipulated": 0.995, "generated": 0.000001}) == (
        "P authentic below 0.01 · manipulated above 0.99 · generated below 0.01")


@pytest.mark.parametrize("group", ["bench", "synth"])
def test_ctrl_c_in_bench_and_synth_says_what_is_left(tmp_path, monkeypatch, group):
    """Session 18, s18bench walk: Ctrl-C in `forgelens bench` / `synth` printed nothing (or click's bare "Aborted!",
    exit status 1) and left a cache or a half-written dataset that nobody mentioned. Now: one line, status 130."""
    import forgelens.bench
    import forgelens.synth

    def interrupted(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(forgelens.bench, "run_bench", interrupted)
    monkeypatch.setattr(forgelens.synth, "synthesize", interrupted)
    out = tmp_path / "out"
    args = {"bench": ["bench", "--dataset", str(tmp_path), "-o", str(out), "--no-plots"],
            "synth": ["synth", "--pristine", str(tmp_path), "-n", "2", "-o", str(out)]}[group]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 130, res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("forgelens: interrupted"), res.output
    assert str(out) in lines[0]
    assert ("cache" in lines[0]) if group == "bench" else ("--force" in lines[0])


def _tiny_dataset(root):
    """A dataset folder in the shared layout: one manipulated PNG with its mask, one authentic PNG."""
    from PIL import Image

    root.mkdir(parents=True)
    rng = np.random.default_rng(1)
    for name in ("m.png", "a.png"):
        Image.fromarray((rng.random((80, 96, 3)) * 255).astype(np.uint8)).save(root / name)
    mask = np.zeros((80, 96), np.uint8)
    mask[8:40, 16:56] = 255
    Image.fromarray(mask).save(root / "m_gt.png")
    (root / "index.csv").write_text("image,mask,label,source\nm.png,m_gt.png,manipulated,t\na.png,,authentic,t\n")
    return root


@pytest.mark.parametrize("case", ["limit", "pair-negative", "pair-positive"])
def test_bench_refuses_a_negative_limit_and_a_pair_outside_the_run(tmp_path, case):
    """Session 18, s18bench walk: `--limit -1` ran nothing and wrote empty tables (exit status 0); `--pair
    tiny=pristine-extra` without `--dataset pristine-extra` wrote a paired row "no authentic images" (pristine-extra
    has 104), and a misspelt pair was dropped without a word. Each is now one error line, status 2."""
    ds = _tiny_dataset(tmp_path / "tiny")
    out = tmp_path / "b"
    extra = {"limit": ["--limit", "-1"], "pair-negative": ["--pair", "tiny=pristine-extra"],
             "pair-positive": ["--pair", "tinny=tiny"]}[case]
    res = CliRunner().invoke(app, ["bench", "--dataset", str(ds), "-d", "constant", "-j", "1", "-o", str(out),
                                   "--no-plots", *extra])
    assert res.exit_code == 2, res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("forgelens: "), res.output
    assert {"limit": "--limit", "pair-negative": "pristine-extra", "pair-positive": "tinny"}[case] in lines[0]
    assert not (out / "results.md").exists()
    ok = CliRunner().invoke(app, ["bench", "--dataset", str(ds), "-d", "constant", "-j", "1", "-o", str(out),
                                  "--no-plots", "--pair", "tiny=tiny", "--limit", "0"])
    assert ok.exit_code == 0, ok.output


@pytest.mark.parametrize(("bad", "named"), [(["--datasets", "casia1-sample"], "'casia1-sample'"),
                                           (["--limits", "casia1-samples=x"], "'casia1-samples=x'"),
                                           (["--limits", "nist61=3"], "'nist61'")])
def test_make_results_refuses_an_unknown_dataset_before_writing_results_md(tmp_path, bad, named):
    """Session 18, s18bench walk: `make_results.py --datasets casia1-sample` (a typo) benchmarked nothing and
    overwrote RESULTS.md with empty tables, exit status 0; `--limits casia1-samples=x` ended in a traceback."""
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    if not (repo.parent / "shared" / "datasets").is_dir():
        pytest.skip("../shared/datasets absent (make_results.py benchmarks the shared datasets)")
    results = tmp_path / "RESULTS.md"
    res = subprocess.run([sys.executable, str(repo / "benchmarks" / "accuracy" / "make_results.py"), *bad,
                          "--limit", "1", "--no-sweep", "-j", "1",  # should a name slip through: a small run
                          "--results", str(results), "--out", str(tmp_path / "out")],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2, res.stderr
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("make_results.py: "), res.stderr
    assert named in lines[0] and bad[0] in lines[0]
    assert not results.exists()


def test_bench_tables_say_which_images_and_which_detector_versions(tmp_path):
    """Session 18, s18bench walk: results.md of a `--limit 1` run read like a table of the whole set (only the n beside
    each figure hinted at a subset), and no output named the detectors' versions (the cache key: name, configuration,
    source hash, forgelens version) although per_image.jsonl records one per image."""
    import json
    import shutil

    ds = _tiny_dataset(tmp_path / "tiny")
    shutil.copy(ds / "a.png", ds / "a2.png")
    with open(ds / "index.csv", "a") as fh:
        fh.write("a2.png,,authentic,t\n")
    out = tmp_path / "b"
    res = CliRunner().invoke(app, ["bench", "--dataset", str(ds), "-d", "constant", "-j", "1", "-o", str(out),
                                   "--no-plots", "--limit", "1"])
    assert res.exit_code == 0, res.output
    md = (out / "results.md").read_text()
    key = json.loads((out / "per_image.jsonl").read_text().splitlines()[0])["detectors"]["constant"]["key"]
    head = md.split("## ", 1)[0]
    assert "Images, tiny: the first 1 image of each label: 1 manipulated, 1 authentic, 0 generated (of 1, 2, 0)" in head
    assert f"constant {key}" in head
    data = json.loads((out / "results.json").read_text())
    assert data["detector_keys"] == {"constant": key}
    assert data["datasets"][0]["counts_whole"]["authentic"] == 2 and data["datasets"][0]["counts"]["authentic"] == 1


@pytest.mark.parametrize("group", ["compare", "search"])
def test_compare_and_search_refuse_an_unknown_format(tmp_path, group):
    """Session 18, s18bench walk: `forgelens compare a b --format xml` wrote the files as if --format were 'files', and
    `forgelens search --format xml` printed the table; `analyze --format xml` already said "must be 'files' or 'json'"."""
    from PIL import Image

    pic = tmp_path / "p.png"
    Image.fromarray(natural_image(96, 128, seed=2)).save(pic)
    out = tmp_path / "cmp"
    args = {"compare": ["compare", str(pic), str(pic), "-o", str(out), "--format", "xml"],
            "search": ["search", str(pic), "--db", str(tmp_path / "a.db"), "--format", "xml"]}[group]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2, res.output
    assert "--format" in res.output and ("'files' or 'json'" if group == "compare" else "'table' or 'json'") in \
        res.output
    assert not out.exists()


def test_search_table_keeps_the_whole_path_when_not_a_terminal(tmp_path):
    """Session 18, s18bench walk: `forgelens search ... > hits.txt` (Rich's 80 columns off a terminal) cut every
    path to "/work…" and the similarity header to "simil…": the one thing the table is for was lost."""
    from PIL import Image

    folder = tmp_path / "an-archive-folder-with-a-long-name" / "and-a-second-level-below-it"
    folder.mkdir(parents=True)
    pic = folder / "picture-with-a-rather-long-file-name-0001.png"
    Image.fromarray(natural_image(160, 224, seed=4)).save(pic)
    db = tmp_path / "a.db"
    assert CliRunner().invoke(app, ["index", str(folder), "--db", str(db)]).exit_code == 0
    res = CliRunner().invoke(app, ["search", str(pic), "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert "…" not in res.output, res.output
    cells = [line.split("│")[-2].strip() for line in res.output.splitlines() if line.startswith("│")]
    assert str(pic.resolve()) in "".join(cells) or str(pic) in "".join(cells), res.output


def test_bench_markdown_keeps_the_perturbations_in_the_order_asked(tmp_path):
    """Session 18, s18bench walk: `--perturb none,jpeg:75,resize:0.5` gave results.md's sections in alphabetical
    order (jpeg:75, none, resize:0.5): the unperturbed reference sat second; the plots kept the order asked."""
    ds = _tiny_dataset(tmp_path / "tiny")
    out = tmp_path / "b"
    res = CliRunner().invoke(app, ["bench", "--dataset", str(ds), "-d", "constant", "-j", "1", "-o", str(out),
                                   "--no-plots", "--perturb", "none,jpeg:75,resize:0.5"])
    assert res.exit_code == 0, res.output
    md = (out / "results.md").read_text()
    at = [md.index(f"## tiny — {p}\n") for p in ("none", "jpeg:75", "resize:0.5")]
    assert at == sorted(at), at


def test_index_exits_1_when_a_file_fails_and_still_indexes_the_others(tmp_path):
    """s18bench's item 2 (the lead, session 18): `forgelens index` printed "… 3 failed" and exited 0, while `analyze`
    exits 1 on any failure: a script building an archive could not tell."""
    from PIL import Image

    folder = tmp_path / "pics"
    folder.mkdir()
    Image.fromarray(natural_image(160, 224, seed=5)).save(folder / "good.png")
    (folder / "bad.jpg").write_bytes(b"\xff\xd8garbage")
    db = tmp_path / "a.db"
    res = CliRunner().invoke(app, ["index", str(folder), "--db", str(db)])
    assert res.exit_code == 1, res.output
    assert "1 added" in res.output and "1 failed" in res.output and "bad.jpg" in res.output


@pytest.mark.parametrize("cmd", [["analyze", "x.jpg"], ["bench", "--dataset", "casia1-samples"],
                                 ["synth", "--pristine", "{tmp}", "-n", "1"]])
def test_a_negative_worker_count_is_refused(cmd, tmp_path):
    """s18bench's item 3 (the lead, session 18): `-j -3` ran in one process without a word. Every path is under
    tmp_path and outputs go there, so a regression writes nothing into the working folder."""
    args = [a.replace("{tmp}", str(tmp_path)) for a in cmd] + ["-o", str(tmp_path / "out")]
    res = CliRunner().invoke(app, [*args, "-j", "-3"], env={"COLUMNS": "200"})
    assert res.exit_code == 2 and "'--workers' / '-j'" in res.output, res.output
