"""Re-run the learned localizer with other weights over cached analyses, maps included (issue 14, session 13).

``refresh_traces.py`` refreshes detectors whose maps the detection model does not read. The learned
localizer's map IS read (its own map statistics, the ``agree.learned-*`` features and the fused map), so a
candidate localizer needs its map, reliability (confidence) map, score and findings replaced, and the fused
map moved accordingly. This writes copies of the cache files (``fit_detection.py extract`` /
``MapSummary.to_npz``) where:

* ``map__learned_localizer`` / ``rel__learned_localizer`` are the fresh trace's maps pooled onto the cache's
  grid by ``fusion.detection.summarise`` (the same code the pipeline pools with);
* the trace's score, applicability, findings and ``scores`` entry are the fresh trace's (as ``refresh_traces``);
* ``fused`` (the fused map on the pooling grid) is the cached one plus the change that the new localizer map
  makes to ``fuse_maps``' weighted mean (Σ w·r·h / Σ w·r, the weights of ``fusion.fuse``: ``FusionConfig``
  weights, the stacking model's, evidence weight = score floored at ``score_floor``, 1 for ``map_only``)
  computed on the pooling grid (``fusion.local_evidence.pooled_fused``):
  ``fused_new = fused_cached + F_grid(new) − F_grid(old)``, clipped to [0, 1].
  The full-resolution maps are not cached, so this is exact only where the weighted mean commutes with the
  area pooling; ``--check`` prints how far ``F_grid(old)`` is from the cached fused map (the size of the
  approximation), and running with the cache's own weights must give back the cached map and verdicts.

    PYTHONPATH=src:. python benchmarks/studies/localizer_refresh.py --weights L.onnx --cache CACHE/set --images IMAGES --out OUT/set

Every other field is copied unchanged; a cache entry that recorded an analysis error, or whose picture is
missing, is copied unchanged and counted; a picture the analysis rejects is named and left out.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

NAME = "learned_localizer"


def refresh_one(src: Path, image: Path, weights_path: str | None, dest: Path) -> tuple[str, float | None]:
    """Write ``dest``: ``src`` with the learned localizer re-run with ``weights_path`` (None: the shipped
    model). Returns (what happened, max |F_grid(old) − cached fused|)."""
    from forgelens.fusion import FusionConfig, fusion_weights
    from forgelens.fusion.detection import shape_of, summarise
    from forgelens.fusion.local_evidence import pooled_fused
    from forgelens.pipeline import analyze

    z = np.load(src, allow_pickle=False)
    arrays = {k: z[k] for k in z.files if k != "meta"}
    meta = json.loads(str(z["meta"]))
    if "traces" not in meta or not image.is_file():
        np.savez_compressed(dest, meta=np.array(json.dumps(meta)), **arrays)
        return "copied (analysis error or picture missing)", None
    configs = {NAME: {"weights_path": weights_path}} if weights_path else None
    fresh = {t.name: t for t in analyze(str(image), detectors=[NAME], configs=configs).traces}.get(NAME)
    if fresh is None:
        raise ValueError(f"{image}: {NAME} produced no trace")
    shape = shape_of(meta)
    ran = {t["name"] for t in meta["traces"]}
    cfg = FusionConfig()
    weights, _ = fusion_weights(cfg, ran)

    def pooled(arr: dict, prefix: str) -> dict[str, np.ndarray]:
        return {k[len(prefix):]: v for k, v in arr.items() if k.startswith(prefix)}

    scores = dict(meta.get("scores", {}))
    old = pooled_fused(pooled(arrays, "map__"), pooled(arrays, "rel__"), scores, weights, cfg)
    gap = None if old is None or "fused" not in arrays else float(np.abs(old - arrays["fused"].astype(np.float32)).max())
    arrays.pop(f"map__{NAME}", None)
    arrays.pop(f"rel__{NAME}", None)
    live = fresh.applicable and fresh.error is None
    if live:
        s = summarise([fresh], shape=shape)
        if NAME in s.maps:
            arrays[f"map__{NAME}"] = s.maps[NAME]
        if NAME in s.reliability:
            arrays[f"rel__{NAME}"] = s.reliability[NAME]
        scores[NAME] = None if fresh.score is None else float(fresh.score)
    else:
        scores.pop(NAME, None)
    new = pooled_fused(pooled(arrays, "map__"), pooled(arrays, "rel__"), scores, weights, cfg)
    if "fused" in arrays and old is not None and new is not None:
        moved = arrays["fused"].astype(np.float32) + (new - old)
        arrays["fused"] = np.clip(moved, 0.0, 1.0).astype(np.float16)
    for t in meta["traces"]:
        if t["name"] == NAME:
            t.update(score=fresh.score, applicable=fresh.applicable, calibrated=fresh.calibrated,
                     error=None if fresh.error is None else fresh.error.splitlines()[0],
                     findings=[f.to_dict() for f in fresh.findings])
    if "scores" in meta:
        meta["scores"] = scores
    np.savez_compressed(dest, meta=np.array(json.dumps(meta)), **arrays)
    return "refreshed", gap


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", default=None, help="localizer .onnx (default: the shipped one)")
    ap.add_argument("--cache", type=Path, required=True, help="folder of cached analyses (*.npz)")
    ap.add_argument("--images", type=Path, required=True, help="folder the cached 'image' paths are relative to")
    ap.add_argument("--out", type=Path, required=True, help="new folder for the refreshed copies")
    ap.add_argument("--limit", type=int, default=0, help="only the first N files (a check)")
    ap.add_argument("--check", action="store_true", help="print the map change per file")
    a = ap.parse_args(argv)
    from benchmarks.studies.refresh_traces import refresh_cache

    gaps: list[float] = []

    def refresh(src: Path, image: Path, dest: Path) -> str:
        what, gap = refresh_one(src, image, a.weights, dest)
        if gap is not None:
            gaps.append(gap)
        if a.check and what == "refreshed":
            z0, z1 = np.load(src), np.load(dest)
            k = f"map__{NAME}"
            dm = float(np.abs(z0[k].astype(np.float32) - z1[k].astype(np.float32)).max()) if k in z0 and k in z1 else None
            df = float(np.abs(z0["fused"].astype(np.float32) - z1["fused"].astype(np.float32)).max())
            print(f"{src.name}: max |Δ localizer map| {dm}, max |Δ fused| {df:.4f}, grid-fusion gap {gap}")
        return what

    t0 = time.perf_counter()
    counts = refresh_cache(a.cache, a.images, a.out, refresh, a.limit)
    g = f"; grid-fusion gap (|F_grid(old) − cached fused|) median {np.median(gaps):.4f}, max {max(gaps):.4f}" if gaps else ""
    print(f"{a.cache} → {a.out}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
          + f" in {time.perf_counter() - t0:.0f} s{g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
