"""PCE matrix on the Dresden Nikon D70s pair in ../shared/datasets/cameras/prnu.

Each unit's fingerprint (Nikon_D70s_0, Nikon_D70s_1) is estimated from its 10 flat-field
shots (ff-jpg__*), then every natural shot (nat-jpg__*) is tested against both: the PCE
with its own unit must exceed 60 and beat the other unit's by a clear margin. Also times
the PRNU detector (residual + PCE + localisation map) per megapixel on these 6 MP photos,
and reports how much of each natural shot the localisation map flags (all are authentic).

    python benchmarks/studies/prnu_matrix.py
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "cameras" / "prnu"
UNITS = ("Nikon_D70s_0", "Nikon_D70s_1")


def unit_of(p: Path) -> str:
    m = re.search(r"(Nikon_D70s_\d)", p.name)
    return m.group(1) if m else "?"


def main() -> None:
    from forgelens.camera import estimate_fingerprint, save_fingerprint
    from forgelens.detectors import get, run
    from forgelens.evidence import load

    if not ROOT.is_dir():
        raise SystemExit(f"dataset absent: {ROOT}")
    flats = {u: sorted(p for p in ROOT.glob(f"ff-jpg__{u}_*")) for u in UNITS}
    nats = sorted(ROOT.glob("nat-jpg__Nikon_D70s_*"))
    with tempfile.TemporaryDirectory() as d:
        fps = {}
        for u in UNITS:
            t0 = time.perf_counter()
            K = estimate_fingerprint(flats[u])
            fps[u] = Path(d) / f"{u}.npz"
            save_fingerprint(fps[u], K, n_images=len(flats[u]))
            print(f"fingerprint {u}: {len(flats[u])} flat fields, {K.shape[1]}x{K.shape[0]}, "
                  f"{time.perf_counter() - t0:.1f} s")
        print(f"\n{'natural shot':<34}{'true unit':>14}" + "".join(f"{'PCE vs ' + u[-1]:>12}" for u in UNITS)
              + f"{'correct':>9}{'margin':>9}{'flagged %':>11}{'s/MP':>7}")
        correct = 0
        margins = []
        for p in nats:
            ev = load(p)
            pces, flagged, spmp = {}, 0.0, 0.0
            for u in UNITS:
                cfg = get("prnu").make_config({"fingerprint_path": str(fps[u])})
                t0 = time.perf_counter()
                tr = run("prnu", ev, cfg, catch=False)
                dt = time.perf_counter() - t0
                f = next(f for f in tr.findings if f.kind in ("camera_match", "camera_mismatch"))
                pces[u] = f.values["pce"]
                if u == unit_of(p):
                    spmp = dt / ev.megapixels
                    flagged = 100 * float((tr.pixels(tr.heatmap) > 0.5).mean()) if tr.heatmap is not None else float("nan")
            true = unit_of(p)
            other = [u for u in UNITS if u != true][0]
            ok = pces[true] > 60 and pces[true] > pces[other]
            correct += ok
            margin = pces[true] / max(pces[other], 1.0)
            margins.append(margin)
            print(f"{p.name:<34}{true:>14}" + "".join(f"{pces[u]:>12.0f}" for u in UNITS)
                  + f"{'yes' if ok else 'NO':>9}{margin:>9.0f}{flagged:>11.2f}{spmp:>7.2f}", flush=True)
        print(f"\n{correct}/{len(nats)} natural shots matched to the right unit (PCE > 60 and higher than "
              f"the other unit's); smallest ratio own/other PCE {min(margins):.0f}")


if __name__ == "__main__":
    main()
