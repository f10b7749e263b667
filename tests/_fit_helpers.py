"""The generation-fit tests' shared pieces: importing a ``benchmarks/fit`` script as a module, and the opt-in check
that N11's fit command reproduces the shipped N11 files byte for byte (the fit date aside)."""

from __future__ import annotations

import hashlib
import importlib
import os
import re
import sys
from pathlib import Path

import pytest

FIT_DIR = Path(__file__).resolve().parents[1] / "benchmarks" / "fit"
SHIPPED = Path(__file__).resolve().parents[1] / "src" / "forgelens"

#: sha256 of N11's three files as shipped in session 16
N11_SHA256 = {"clip_probe.json": "6c7f55f61a896434bd8647c7a644f04ed3cec856aa9e79657d72c7d67b37ff7c",
              "generation.json": "15c38e78e3fc05109c0532e7270f1aa8555481c3d2420f5f5ef128fde8c54557",
              "generation_families.json": "e9a2b096bea963f2fd00fcd95782e70365333f015e4d3a03fc16fc34f231dfa6"}


def fit_module(name: str):
    if str(FIT_DIR) not in sys.path:
        sys.path.insert(0, str(FIT_DIR))
    return importlib.import_module(name)


def assert_n11_fit_reproduced(data: Path, tmp_path: Path, what: str) -> None:
    """Run N11's fit command on ``data`` (``what`` names the data in the skip reason) and compare the three files
    with the shipped ones. Opt-in (``FORGELENS_FIT_REPRO=1``: a 1-2 min fit); skips when the data are absent or the
    shipped files are no longer N11's."""
    if os.environ.get("FORGELENS_FIT_REPRO") != "1":
        pytest.skip("set FORGELENS_FIT_REPRO=1 to run N11's fit (1-2 min)")
    if not (data / "manifest.jsonl").is_file():
        pytest.skip(f"{what} is absent ({data})")
    shipped = {"clip_probe.json": SHIPPED / "learned" / "weights" / "clip_probe.json",
               "generation.json": SHIPPED / "fusion" / "generation.json",
               "generation_families.json": SHIPPED / "learned" / "weights" / "generation_families.json"}
    if any(hashlib.sha256(p.read_bytes()).hexdigest() != N11_SHA256[n] for n, p in shipped.items()):
        pytest.skip("the shipped files are no longer N11's")
    fit = fit_module("fit_generation")
    assert fit.main(["--data", str(data), "--aligned-only", "--group-real-by-repo", "stock-web", "--ps-threshold",
                     "--ps-cap", "0.03", "--out", str(tmp_path)]) == 0
    day = re.compile(rb'"date": "\d{4}-\d{2}-\d{2}"')
    for name, ref in shipped.items():
        assert day.sub(b'"date": ""', (tmp_path / name).read_bytes()) == day.sub(b'"date": ""', ref.read_bytes()), name
