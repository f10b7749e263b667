"""benchmarks/studies/verdict_n11.py on synthetic caches and rows (no ../shared, no CLIP encoder)."""

import json

import numpy as np

from benchmarks.studies import verdict_n11 as v


def _meta(image, score, threshold):
    clip = {"name": "clip_probe", "family": "generation", "calibrated": True, "applicable": True, "error": None,
            "score": score, "findings": [{"kind": "authentic-looking", "message": "m", "strength": 0.0,
                                          "region": None, "values": {"p_generated": score, "threshold": threshold}}]}
    other = {"name": "gen_trace", "family": "generation", "calibrated": True, "applicable": True, "error": None,
             "score": 0.3, "findings": []}
    return {"image": image, "label": "authentic", "traces": [other, clip],
            "scores": {"clip_probe": score, "gen_trace": 0.3}}


def _cache(tmp_path, metas):
    cache = tmp_path / "cache" / "s"
    cache.mkdir(parents=True)
    images = tmp_path / "images"
    images.mkdir()
    for i, m in enumerate(metas):
        np.savez_compressed(cache / f"{i:03d}.npz", meta=np.array(json.dumps(m)))
        if not m["image"].startswith("missing"):
            (images / m["image"]).write_bytes(b"x")
    return cache, images


def _probe(tmp_path, name, threshold):
    p = tmp_path / f"{name}.json"
    p.write_text(json.dumps({"thresholds": {"decision": threshold}}))
    return p


def test_refresh_writes_each_probe_is_resumable_and_checks_itself(tmp_path):
    cache, images = _cache(tmp_path, [_meta("a.jpg", 0.40, 0.8787), _meta("b.jpg", 0.20, 0.8048),
                                      _meta("missing.jpg", 0.5, 0.8787)])
    probes = {"old": _probe(tmp_path, "old", 0.87868), "new": _probe(tmp_path, "new", 0.8834)}
    calls = []

    def run(image, paths):
        calls.append(image.name)
        # the old probe gives back the cached 0.40 for a.jpg (its own cache) and something else for b.jpg
        return {"old": {"score": 0.40 if image.name == "a.jpg" else 0.33, "findings": []},
                "new": {"score": 0.10, "findings": []}}

    out = tmp_path / "out"
    c = v.refresh_set(cache, images, probes, out, "s", run)
    assert calls == ["a.jpg", "b.jpg"]
    assert c["old"]["refreshed"] == 2 and c["old"]["left out (analysis error or picture missing)"] == 1
    # only a.jpg's cached trace came from the old probe (same threshold): its score is the same
    assert c["old"]["cached by this probe: same score"] == 1 and "cached by this probe: DIFFERENT score" not in c["old"]
    assert "cached by this probe: same score" not in c["new"]
    tr = v.read_traces(out / "new" / "s.jsonl")
    assert set(tr) == {"000.npz", "001.npz"} and tr["000.npz"]["score"] == 0.10
    # a second run re-runs nothing
    c2 = v.refresh_set(cache, images, probes, out, "s", run)
    assert calls == ["a.jpg", "b.jpg"] and c2["new"]["already done"] == 2


def test_refresh_flags_a_different_score_from_the_same_probe(tmp_path):
    cache, images = _cache(tmp_path, [_meta("a.jpg", 0.40, 0.8787)])
    probes = {"old": _probe(tmp_path, "old", 0.8787)}
    c = v.refresh_set(cache, images, probes, tmp_path / "out", "s",
                      lambda image, paths: {"old": {"score": 0.41, "findings": []}})
    assert c["old"]["cached by this probe: DIFFERENT score"] == 1


def test_patch_meta_replaces_only_the_clip_probe_trace_and_keeps_the_input():
    m = _meta("a.jpg", 0.4, 0.8787)
    p = v.patch_meta(m, {"score": 0.9, "findings": [], "applicable": True})
    assert [t["score"] for t in p["traces"]] == [0.3, 0.9] and p["scores"]["clip_probe"] == 0.9
    assert m["traces"][1]["score"] == 0.4 and m["scores"]["clip_probe"] == 0.4
    assert v.patch_meta(m, None) is m


def _row(file, verdict, cause, p_g=0.3):
    return {"file": file, "verdict": verdict, "cause": cause, "p_g": p_g}


def test_label_row_counts_false_alarms_and_groups_the_causes():
    rows = [_row("1", "authentic", "authentic"), _row("2", "inconclusive", "detection band"),
            _row("3", "inconclusive", "generation leans", 0.6), _row("4", "inconclusive", "generation band", 0.8),
            _row("5", "inconclusive", "detection band + generation leans", 0.55),
            _row("6", "inconclusive", "no score", None), _row("7", "manipulated", "manipulated"),
            _row("8", "generated", "generated", 0.95)]
    line = v.label_row("set", "M", rows)
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[:8] == ["set", "M", "8", "1", "5", "1", "1", "0"]
    assert cells[8] == "2 (25 %)" and cells[9] == "5 (62 %)"
    # detection band, generation band, P(generated) > 0.5, both, other
    assert cells[10:15] == ["1", "1", "1", "1", "1"]
    assert cells[15] == "4/7"
    assert [v.group_of(r) for r in rows[:2]] == ["authentic", "detection band"]


def test_changes_pair_the_same_pictures():
    a = [_row("1", "inconclusive", ""), _row("2", "authentic", ""), _row("3", "generated", "")]
    b = [_row("1", "authentic", ""), _row("2", "authentic", ""), _row("3", "inconclusive", "")]
    assert v.changes(a, b) == {("inconclusive", "authentic"): 1, ("authentic", "authentic"): 1,
                               ("generated", "inconclusive"): 1}
    assert "inconclusive → authentic 1" in v.change_line("s", a, b, "A", "B")
    assert v.change_line("s", a, a, "A", "A") == "- s: no label changed"
    # two sets may hold files of the same name: they are paired within their own set only
    x = [{**_row("1", "authentic", ""), "set": "p"}, {**_row("1", "inconclusive", ""), "set": "q"}]
    y = [{**_row("1", "authentic", ""), "set": "p"}, {**_row("1", "inconclusive", ""), "set": "q"}]
    assert v.changes(x, y) == {("authentic", "authentic"): 1, ("inconclusive", "inconclusive"): 1}


def test_parse_sets_reads_another_folder_under_a_label(tmp_path):
    s = v.parse_sets([f"x={tmp_path}:{tmp_path / 'img'}", f"y-auth@y={tmp_path}"])
    assert s["x"] == ("x", tmp_path, tmp_path / "img") and s["y-auth"] == ("y", tmp_path, None)


def test_use_combiner_makes_the_fusion_read_that_file(tmp_path, monkeypatch):
    from forgelens.fusion import generation

    monkeypatch.setattr(generation, "_COMBINER", [])
    comb = generation.GenerationCombiner(
        (generation._Model(("clip_probe",), (1.0,), 0.0, 0.9, 0.6),), None, None)
    comb.save(tmp_path / "g.json")
    got = v.use_combiner(tmp_path / "g.json")
    assert generation.shipped_combiner() is got and got.models[0].generated_at == 0.9
