"""Time of the provenance pass (metadata, quant_tables, c2pa_manifest, generator_signature, watermark)
per image, excluding the decode (Evidence is loaded once beforehand), and peak extra memory.

Inputs: the largest camera JPEGs in ../shared/datasets/cameras (12 MP class) and a synthetic 12 MP JPEG
(4000x3000) with EXIF + thumbnail + XMP built here; the C2PA fixtures for the manifest-reading cost.
Usage: python benchmarks/speed/speed_provenance.py
"""

from __future__ import annotations

import dataclasses
import io
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
from PIL import Image

from forgelens.detectors import registry
from forgelens.evidence import load

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
SHARED = Path(__file__).resolve().parents[3] / "shared"
PROV = ("metadata", "quant_tables", "c2pa_manifest", "generator_signature", "watermark")


def synthetic_12mp() -> bytes:
    from _provenance_helpers import app1_exif, app1_xmp, jpeg_insert, tiff, xmp_packet

    rng = np.random.default_rng(0)
    small = rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)
    big = np.asarray(Image.fromarray(small).resize((4000, 3000), Image.BILINEAR))
    buf = io.BytesIO()
    Image.fromarray(big).save(buf, "JPEG", quality=92)
    tb = io.BytesIO()
    Image.fromarray(big).resize((160, 120)).save(tb, "JPEG", quality=90)
    exif = tiff([(0x010F, "A", "Canon"), (0x0110, "A", "Canon EOS 5D"), (0x0131, "A", "Adobe Photoshop 25.0"),
                 (0x0132, "A", "2024:01:02 10:00:00")], [(0x9003, "A", "2024:01:01 10:00:00")], thumbnail=tb.getvalue())
    xmp = xmp_packet('xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="Adobe Photoshop 25.0"')
    return jpeg_insert(buf.getvalue(), app1_exif(exif), app1_xmp(xmp))


def time_pass(ev, repeats: int = 5) -> tuple[float, dict[str, float], float]:
    best, per = float("inf"), {}
    tracemalloc.start()
    for _ in range(repeats):
        fresh = dataclasses.replace(ev)  # a new Evidence: its provenance record is read again each time
        t0 = time.perf_counter()
        traces = [registry.run(n, fresh) for n in PROV]
        dt = time.perf_counter() - t0
        if dt < best:
            best, per = dt, {t.name: t.seconds for t in traces}
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, per, peak / 2**20


def main() -> None:
    cases: list[tuple[str, object]] = [("synthetic 4000x3000 JPEG + EXIF/thumbnail/XMP", synthetic_12mp())]
    cams = sorted((SHARED / "datasets/cameras/exif-samples").glob("*.jpg"), key=lambda p: p.stat().st_size)
    cases += [(p.name, p) for p in cams[-2:]]
    cases += [(p.name, p) for p in sorted((SHARED / "fixtures/c2pa").glob("*"))
              if p.name in ("rs__sdk_ocsp.jpg", "ts__amazon-titan-g1.png")]
    import os

    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (timings scale with it)")
    print("| image | MP | provenance pass ms (best of 5) | slowest detector | peak traced MiB |")
    print("|---|---|---|---|---|")
    for label, src in cases:
        ev = load(src)
        best, per, peak = time_pass(ev)
        slow = max(per, key=per.get)
        print(f"| {label} | {ev.megapixels:.1f} | {1000 * best:.1f} | {slow} {1000 * per[slow]:.1f} ms | {peak:.1f} |")


if __name__ == "__main__":
    main()
