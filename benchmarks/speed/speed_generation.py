"""Seconds for the whole generated-image pass (every detector the combined P(generated) uses).

    python benchmarks/speed/speed_generation.py                 # 1 MP and 12 MP, 1 thread per detector
    python benchmarks/speed/speed_generation.py --threads 2 --repeat 5

Uses a camera photo of ../shared/datasets/cameras (resized to 1 MP / 12 MP) or, where it is
absent, a synthetic textured image. Prints per detector and total wall seconds (median of
``--repeat`` runs after one warm-up), for the detectors of the first model in
``src/forgelens/fusion/generation.json`` (falls back to gen_trace, clip_probe, spectrum).
"""

from __future__ import annotations

import argparse
import io
import json
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "datasets"


def source_image() -> tuple[np.ndarray, str]:
    for p in sorted((SHARED / "cameras" / "prnu").glob("*D70s_0*.JPG")):
        if "ff-" not in p.name:
            with Image.open(p) as im:
                return np.asarray(im.convert("RGB")), str(p.relative_to(SHARED))
    rng = np.random.default_rng(0)
    a = cv2.GaussianBlur(rng.normal(128, 60, (2000, 3000, 3)).astype(np.float32), (0, 0), 2)
    return np.clip(a, 0, 255).astype(np.uint8), "synthetic"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=1, help="onnxruntime threads per detector")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--mp", default="1,12")
    args = ap.parse_args()
    from forgelens.detectors import registry
    from forgelens.evidence import load

    gj = ROOT / "src" / "forgelens" / "fusion" / "generation.json"
    names = json.loads(gj.read_text())["models"][0]["detectors"] if gj.is_file() else ["gen_trace", "clip_probe", "spectrum"]
    def cfg_for(n):
        cfg = registry.get(n).config_cls
        return cfg(**({"threads": args.threads} if "threads" in getattr(cfg, "__dataclass_fields__", {}) else {}))

    src, what = source_image()
    print(f"source: {what}; threads {args.threads}; detectors {names}")
    for mp in (float(x) for x in args.mp.split(",")):
        f = (mp * 1e6 / (src.shape[0] * src.shape[1])) ** 0.5
        img = cv2.resize(src, (round(src.shape[1] * f), round(src.shape[0] * f)),
                         interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC)
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, format="JPEG", quality=92)
        data = buf.getvalue()
        per = {n: [] for n in names}
        tot, dec = [], []
        for r in range(args.repeat + 1):
            t0 = time.perf_counter()
            ev = load(data)
            t1 = time.perf_counter()
            for n in names:
                s = time.perf_counter()
                t = registry.run(n, ev, config=cfg_for(n))
                if r:
                    per[n].append(time.perf_counter() - s)
                assert t.error is None, t.error
            if r:
                tot.append(time.perf_counter() - t0)
                dec.append(t1 - t0)
        par = []
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max(2, len(names))) as ex:  # as the analysis runs them: in parallel
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                ev = load(data)
                list(ex.map(lambda n, ev=ev: registry.run(n, ev, config=cfg_for(n)), names))
                par.append(time.perf_counter() - t0)
        mpx = img.shape[0] * img.shape[1] / 1e6
        parts = ", ".join(f"{n} {np.median(v):.3f}" for n, v in per.items())
        print(f"{img.shape[1]}x{img.shape[0]} ({mpx:.1f} MP): one after another {np.median(tot):.3f} s "
              f"({np.median(tot) / mpx:.3f} s/MP; decode {np.median(dec):.3f}; {parts}); "
              f"in parallel threads {np.median(par):.3f} s ({np.median(par) / mpx:.3f} s/MP)")


if __name__ == "__main__":
    main()
