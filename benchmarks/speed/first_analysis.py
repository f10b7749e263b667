"""The first analysis in a fresh process, before and after a change, alternating (issue 16, session 10).

What ``speed_photoholmes.py`` times on the forgelens side — ``pipeline.analyze(data, workers=2)`` of the
6 MP Nikon D70s JPEG, the first call in a new Python process, model sessions made inside — without
PhotoHolmes: each run is a new process whose ``PYTHONPATH`` is one source tree, and the trees take
turns (base, new, base, new, ...) so that the load of a shared machine falls on both alike. Each run
reports wall and CPU seconds (all threads, ``time.process_time``) of the ``analyze`` call alone and of
the whole process (imports included), system time and minor page faults (``getrusage``).

    python benchmarks/speed/first_analysis.py --base-src /path/to/main/src --pairs 5
    python benchmarks/speed/first_analysis.py --base-src A/src --new-src B/src --image X.jpg --workers 1

Compare CPU seconds on a shared machine; wall seconds are honest only on a quiet one (the load
average is printed with each pair).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CAMERAS = ROOT.parent / "shared" / "datasets" / "cameras"

CHILD = r"""
import json, resource, sys, time
w0, c0 = time.perf_counter(), time.process_time()
from forgelens.pipeline import analyze
path, workers = sys.argv[1], int(sys.argv[2])
data = open(path, "rb").read()
r0 = resource.getrusage(resource.RUSAGE_SELF)
w1, c1 = time.perf_counter(), time.process_time()
rep = analyze(data, name=path, workers=workers)
w2, c2 = time.perf_counter(), time.process_time()
r1 = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"wall": w2 - w1, "cpu": c2 - c1, "sys": r1.ru_stime - r0.ru_stime,
                  "minflt": r1.ru_minflt - r0.ru_minflt, "process_wall": w2 - w0, "process_cpu": c2 - c0,
                  "label": rep.verdict.label, "p_manip": rep.verdict.probabilities.get("manipulated"),
                  "load": rep.seconds.get("load")}))
"""


def default_image() -> Path:
    hits = sorted(CAMERAS.rglob("nat-jpg__Nikon_D70s_0_21853.JPG"))
    if not hits:
        sys.exit(f"the D70s picture is not under {CAMERAS}: pass --image")
    return hits[0]


def one(src: Path, image: Path, workers: int) -> dict:
    env = dict(os.environ, PYTHONPATH=f"{src}:{ROOT}")
    env.setdefault("OMP_NUM_THREADS", "1")
    out = subprocess.run([sys.executable, "-c", CHILD, str(image), str(workers)], env=env, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base-src", type=Path, required=True, help="the base tree's src/ folder")
    ap.add_argument("--new-src", type=Path, default=ROOT / "src", help="the new tree's src/ (default: this tree's)")
    ap.add_argument("--image", type=Path)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--pairs", type=int, default=3)
    args = ap.parse_args()
    image = args.image or default_image()
    print(f"image: {image.name}; workers={args.workers}; base {args.base_src}; new {args.new_src}")
    print("| pair | load avg | base wall s / CPU s / sys s / faults | new wall s / CPU s / sys s / faults |")
    print("|---|---|---|---|")
    rows = {"base": [], "new": []}
    for i in range(args.pairs):
        la = os.getloadavg()[0]
        b = one(args.base_src, image, args.workers)
        n = one(args.new_src, image, args.workers)
        rows["base"].append(b)
        rows["new"].append(n)
        fmt = "{wall:.2f} / {cpu:.2f} / {sys:.2f} / {minflt}"
        print(f"| {i + 1} | {la:.1f} | {fmt.format(**b)} | {fmt.format(**n)} |", flush=True)
        if (b["label"], round(b["p_manip"], 6)) != (n["label"], round(n["p_manip"], 6)):
            print(f"  verdicts differ: base {b['label']} {b['p_manip']}, new {n['label']} {n['p_manip']}")
    for key in ("wall", "cpu", "sys", "minflt", "load", "process_cpu"):
        mb = statistics.median(r[key] for r in rows["base"])
        mn = statistics.median(r[key] for r in rows["new"])
        print(f"median {key}: base {mb:.3f} -> new {mn:.3f} ({mn - mb:+.3f})")


if __name__ == "__main__":
    main()
