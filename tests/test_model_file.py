"""One JSON model-file format (forgelens.model_file): round trips, legacy layouts, upgrade, errors."""

import json
import shutil
from pathlib import Path

import pytest

from forgelens import model_file
from forgelens.errors import ForgeLensError
from forgelens.fusion.detection import DETECTION_PATH, DetectionModel
from forgelens.fusion.generation import GENERATION_PATH, GenerationCombiner
from forgelens.fusion.stacking import STACKING_PATH, StackingModel
from forgelens.learned.probe import LinearProbe

SRC = Path(__file__).resolve().parents[1] / "src" / "forgelens"
SHIPPED = {"detection": DETECTION_PATH, "stacking": STACKING_PATH, "generation": GENERATION_PATH,
           "probe": SRC / "learned" / "weights" / "clip_probe.json"}
LOADERS = {"detection": DetectionModel.load, "stacking": StackingModel.load,
           "generation": GenerationCombiner.load, "probe": LinearProbe.load}


def _same(a, b):
    if isinstance(a, LinearProbe):
        return json.dumps(a.to_json(), sort_keys=True) == json.dumps(b.to_json(), sort_keys=True)
    return a == b


@pytest.mark.parametrize("kind", sorted(SHIPPED))
def test_every_shipped_model_reads_as_its_kind_and_survives_upgrade(tmp_path, kind):
    mf = model_file.read(SHIPPED[kind])
    assert mf.kind == kind and mf.parameters
    before = LOADERS[kind](SHIPPED[kind])
    copy = tmp_path / "m.json"
    shutil.copy(SHIPPED[kind], copy)
    model_file.upgrade(copy)
    raw = json.loads(copy.read_text())
    assert raw["format"] == model_file.FORMAT and raw["kind"] == kind
    assert set(raw) == {"format", "version", "kind", "description", "features", "parameters", "calibration",
                        "thresholds", "prior", "provenance"}
    assert _same(LOADERS[kind](copy), before)  # same numbers, new layout
    assert model_file.upgrade(copy) is False  # already current


@pytest.mark.parametrize("kind", sorted(SHIPPED))
def test_save_writes_the_common_format_and_reads_back_equal(tmp_path, kind):
    model = LOADERS[kind](SHIPPED[kind])
    out = tmp_path / "saved.json"
    model.save(out)
    assert json.loads(out.read_text())["kind"] == kind
    assert _same(LOADERS[kind](out), model)


def test_a_file_of_another_kind_or_not_a_model_is_refused_naming_the_file(tmp_path):
    with pytest.raises(ForgeLensError, match="stacking model where a detection model"):
        DetectionModel.load(STACKING_PATH)
    bad = tmp_path / "broken.json"
    bad.write_text("{not json")
    with pytest.raises(ForgeLensError, match="broken.json"):
        model_file.read(bad)
    bad.write_text('{"hello": 1}')
    with pytest.raises(ForgeLensError, match="not a forgelens model file"):
        StackingModel.load(bad)
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({**model_file.read(STACKING_PATH).to_dict(), "version": 99}))
    with pytest.raises(ForgeLensError, match="newer"):
        model_file.read(newer)


def test_upgrade_command_converts_in_place_and_reports_failures(tmp_path, capsys):
    good = tmp_path / "gen.json"
    shutil.copy(GENERATION_PATH, good)
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    assert model_file.main(["upgrade", str(good), str(bad)]) == 1
    out = capsys.readouterr()
    assert "gen.json: upgraded" in out.out or "gen.json: already current" in out.out
    assert "bad.json" in out.err
    assert model_file.read(good).kind == "generation"
