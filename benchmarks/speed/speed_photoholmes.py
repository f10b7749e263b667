"""Side by side on one camera JPEG: forgelens' full default analysis vs PhotoHolmes' Splicebuster.

PhotoHolmes (Apache-2.0 library; its Splicebuster port carries the GRIP licence of the
original code) is not a dependency and is not on PyPI. It is run from its own virtual
environment, in a subprocess, only to time it here:

    # once: the snapshot of github.com/photoholmes/photoholmes unpacked in /work/photoholmes-src
    python3 -m venv /work/phvenv
    /work/phvenv/bin/pip install torch==2.13.0 numpy scipy scikit-image scikit-learn \\
        opencv-python-headless pyyaml pydantic typing_extensions pillow mpmath tqdm jpegio matplotlib
    /work/phvenv/bin/pip install --no-deps /work/photoholmes-src

    python benchmarks/speed/speed_photoholmes.py                       # a 6 MP Nikon D70s shot from ../shared
    python benchmarks/speed/speed_photoholmes.py --image X.jpg --repeat 3 --workers 1

Each method runs in a fresh process of its own, one after the other, ``--repeat`` times; the
process imports its library and reads the file first, and only the analysis call is timed
(wall: ``perf_counter``; CPU: user + system of the process, all threads). forgelens runs
``pipeline.analyze`` with ``--workers`` detectors at once (default: one per CPU, as the CLI
runs one file); PhotoHolmes runs ``splicebuster_preprocessing`` + ``Splicebuster().predict``
with its defaults (torch may use several threads). The medians are printed, with the ratio
and the machine's load average: wall figures are honest only on a quiet machine.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CAMERAS = ROOT.parent / "shared" / "datasets" / "cameras"

_FORGELENS_CHILD = r"""
import json, resource, sys, time
from forgelens.evidence import load
from forgelens.pipeline import analyze
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime
path, workers = sys.argv[1], int(sys.argv[2])
data = open(path, "rb").read()
c0, t0 = cpu(), time.perf_counter()
report = analyze(data, name=path, workers=workers)
wall, c = time.perf_counter() - t0, cpu() - c0
print(json.dumps({"wall": wall, "cpu": c, "mp": report.evidence.megapixels, "label": report.verdict.label,
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_PHOTOHOLMES_CHILD = r"""
import json, resource, sys, time
import numpy as np
from photoholmes.methods.splicebuster import Splicebuster, splicebuster_preprocessing
from photoholmes.utils.image import read_image
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime
image = read_image(sys.argv[1])
c0, t0 = cpu(), time.perf_counter()
inp = splicebuster_preprocessing(image=image)
out = Splicebuster().predict(**inp)
wall, c = time.perf_counter() - t0, cpu() - c0
mp = image.shape[-1] * image.shape[-2] / 1e6
heat = out[0] if isinstance(out, tuple) else out
print(json.dumps({"wall": wall, "cpu": c, "mp": mp, "map_shape": list(np.asarray(heat).shape),
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def default_image() -> Path:
    """The first natural (not flat-field) camera shot of about 6 MP listed in cameras.csv."""
    with open(CAMERAS / "cameras.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            mp = int(row["width"]) * int(row["height"]) / 1e6
            if row["subset"] != "flatfield" and 5.5 <= mp <= 6.6:
                return CAMERAS / row["image"]
    raise SystemExit(f"no 6 MP natural shot listed in {CAMERAS / 'cameras.csv'}")


def _run(python: str, code: str, args: list[str], env: dict[str, str]) -> dict:
    res = subprocess.run([python, "-c", code, *args], capture_output=True, text=True, env=env)
    if res.returncode != 0:
        raise SystemExit(f"{python} failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--image", type=Path, help="default: a 6 MP camera JPEG from ../shared/datasets/cameras")
    ap.add_argument("--phvenv", type=Path, default=Path("/work/phvenv"), help="PhotoHolmes' virtual environment")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="forgelens detectors at once")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    if args.image is None and not CAMERAS.is_dir():
        raise SystemExit(f"{CAMERAS} absent: pass --image")
    image = (args.image or default_image()).resolve()
    ph_python = args.phvenv / "bin" / "python"
    if not ph_python.exists():
        raise SystemExit(f"{ph_python} absent: install PhotoHolmes as this script's docstring says")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    ph_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    runs: dict[str, list[dict]] = {"forgelens": [], "photoholmes": []}
    for _ in range(args.repeat):
        runs["forgelens"].append(_run(sys.executable, _FORGELENS_CHILD, [str(image), str(args.workers)], env))
        runs["photoholmes"].append(_run(str(ph_python), _PHOTOHOLMES_CHILD, [str(image)], ph_env))
    med = {k: {m: statistics.median(r[m] for r in v) for m in ("wall", "cpu", "mp", "rss")} for k, v in runs.items()}
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"image: {image.name} ({med['forgelens']['mp']:.2f} MP); {os.cpu_count()} CPUs; load average {load}; "
          f"median of {args.repeat} run(s); forgelens workers={args.workers}; "
          f"forgelens verdict: {runs['forgelens'][0]['label']}")
    print("| method | wall s | wall s/MP | CPU s | CPU s/MP | peak RSS MB (whole process) |")
    print("|---|---|---|---|---|---|")
    for name, label in (("forgelens", "forgelens, full default analysis"),
                        ("photoholmes", "PhotoHolmes Splicebuster (defaults)")):
        m = med[name]
        print(f"| {label} | {m['wall']:.1f} | {m['wall'] / m['mp']:.2f} | {m['cpu']:.1f} | {m['cpu'] / m['mp']:.2f} "
              f"| {m['rss']:.0f} |")
    fl, ph = med["forgelens"], med["photoholmes"]
    print(f"forgelens is {ph['wall'] / fl['wall']:.2f}x faster in wall time and "
          f"{ph['cpu'] / fl['cpu']:.2f}x in CPU time (goal: >= 10x)")


if __name__ == "__main__":
    main()
