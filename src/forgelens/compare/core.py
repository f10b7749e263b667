"""compare(): is the reference the same scene as the suspect, how does it map onto it, and what changed.

Steps: load both (read-only) → align (``align``) → warp the reference onto the suspect's
grid → difference map, mask and changed regions (``difference``) → the parts of the suspect
with no counterpart in the reference → metadata differences.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from forgelens.compare import align as al
from forgelens.compare import difference as df
from forgelens.errors import ForgeLensError
from forgelens.evidence import Evidence, load

#: More than this fraction of the overlap changed means the alignment matched something else.
MAX_CHANGED_FOR_SAME_SCENE = 0.5
#: Less than this fraction of the suspect covered by the reference is not a usable comparison.
MIN_OVERLAP = 0.02


class ComparisonError(ForgeLensError):
    """The reference cannot be compared with the suspect (same file, unusable request)."""

    reason = "cannot compare"


@dataclass
class CompareResult:
    """Everything a comparison found. Maps are held at a working resolution (``work_shape``);
    ``heatmap`` and ``mask`` give them at the suspect's full resolution."""

    suspect: dict
    reference: dict
    same_scene: bool
    reason: str
    alignment: dict
    work_shape: tuple[int, int]
    suspect_shape: tuple[int, int]
    score_work: np.ndarray | None = field(default=None, repr=False)
    mask_work: np.ndarray | None = field(default=None, repr=False)
    valid_work: np.ndarray | None = field(default=None, repr=False)
    suspect_work: np.ndarray | None = field(default=None, repr=False)
    reference_work: np.ndarray | None = field(default=None, repr=False)
    regions: list[dict] = field(default_factory=list)
    no_counterpart_regions: list[dict] = field(default_factory=list)
    changed_fraction: float = 0.0
    overlap_fraction: float = 0.0
    noise: float | None = None
    threshold: float | None = None
    metadata_differences: list[dict] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    archive: dict | None = None  # when found by an archive search: the database and the candidates

    @property
    def heatmap(self) -> np.ndarray | None:
        """Difference score in [0, 1] at the suspect's resolution (float32)."""
        if self.score_work is None:
            return None
        h, w = self.suspect_shape
        return cv2.resize(self.score_work, (w, h), interpolation=cv2.INTER_LINEAR)

    @property
    def mask(self) -> np.ndarray | None:
        """Changed pixels (bool) at the suspect's resolution; empty when nothing changed."""
        if self.mask_work is None:
            return None
        h, w = self.suspect_shape
        return cv2.resize(self.mask_work.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0

    @property
    def no_counterpart(self) -> np.ndarray | None:
        """Suspect pixels (bool, full resolution) that the reference does not show."""
        if self.valid_work is None:
            return None
        h, w = self.suspect_shape
        return cv2.resize((~self.valid_work).astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0

    @property
    def edited(self) -> bool:
        return bool(self.same_scene and self.regions)

    def summary(self) -> str:
        """One sentence for a verdict."""
        name = Path(self.reference.get("source", "reference")).name
        if not self.same_scene:
            return f"not the same scene as {name} ({self.reason})"
        mirrored = ", mirrored," if self.alignment.get("flip", "none") != "none" else ""
        if not self.regions:
            return f"matches {name}{mirrored} with no change beyond processing (scale {self.alignment.get('scale')})"
        kinds = sorted({r["kind"] for r in self.regions})
        return (f"differs from {name}{mirrored} in {len(self.regions)} region(s) covering "
                f"{100 * self.changed_fraction:.1f}% of the picture ({', '.join(kinds)})")

    def to_dict(self) -> dict[str, Any]:
        return {
            "suspect": self.suspect, "reference": self.reference, "same_scene": self.same_scene,
            "reason": self.reason, "summary": self.summary(), "edited": self.edited,
            "alignment": self.alignment, "changed_fraction": round(self.changed_fraction, 5),
            "overlap_fraction": round(self.overlap_fraction, 5),
            "no_counterpart_fraction": round(1 - self.overlap_fraction, 5) if self.same_scene else None,
            "regions": self.regions, "no_counterpart_regions": self.no_counterpart_regions,
            "noise": None if self.noise is None else round(self.noise, 3),
            "threshold": None if self.threshold is None else round(self.threshold, 3),
            "metadata_differences": self.metadata_differences,
            "seconds": {k: round(v, 4) for k, v in self.seconds.items()},
            **({"archive": self.archive} if self.archive else {}),
        }


def _load(src: Any, role: str) -> Evidence:
    if isinstance(src, Evidence):
        return src
    try:
        return load(src)
    except ForgeLensError:
        raise
    except Exception as exc:  # pragma: no cover - load already names every decoder failure
        raise ComparisonError(str(src), f"{role} unreadable: {exc}") from None


def _same_file(a: Any, b: Any) -> bool:
    try:
        return isinstance(a, str | os.PathLike) and isinstance(b, str | os.PathLike) and \
            Path(a).exists() and Path(b).exists() and os.path.samefile(a, b)
    except OSError:
        return False


def compare(suspect: Any, reference: Any, *, refine: bool = True) -> CompareResult:
    """Compare ``suspect`` with a candidate original ``reference`` (paths, bytes or Evidence).

    Raises
    ------
    ForgeLensError
        Either file unreadable (the loader's error, naming the file), or the reference is the
        suspect itself (same file or identical bytes): ``ComparisonError``.
    """
    t0 = time.perf_counter()
    if _same_file(suspect, reference):
        raise ComparisonError(str(reference), "the reference is the same file as the suspect")
    ev_s = _load(suspect, "suspect")
    ev_r = _load(reference, "reference")
    if ev_s.sha256 == ev_r.sha256:
        raise ComparisonError(ev_r.source, "the reference has the same bytes as the suspect; nothing to compare")
    return compare_evidence(ev_s, ev_r, refine=refine, t0=t0)


def compare_evidence(ev_s: Evidence, ev_r: Evidence, *, refine: bool = True, t0: float | None = None) -> CompareResult:
    t0 = time.perf_counter() if t0 is None else t0
    sus, ref = ev_s.pixels, ev_r.pixels
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    a = al.estimate(sus, ref)
    if a.found and refine:
        a.H, a.refined = al.refine_ecc(al.to_gray(sus), al.to_gray(ref), a.H)
    seconds["align"] = time.perf_counter() - t
    sus_work, fs = al.resize_to_side(sus, df.WORK_SIDE)
    hw, ww = sus_work.shape[:2]
    base = dict(suspect=_side(ev_s), reference=_side(ev_r), work_shape=(hw, ww), suspect_shape=ev_s.shape,
                alignment=a.describe(ref.shape[:2]), metadata_differences=metadata_differences(ev_s, ev_r))
    if not a.found:
        seconds["total"] = time.perf_counter() - t0
        return CompareResult(same_scene=False, reason=f"too few consistent feature matches ({a.inliers} inliers "
                             f"of {a.matches} matches)", seconds=seconds, **base)
    t = time.perf_counter()
    ref_warp, valid, scale = warp_reference(ref, np.diag([fs, fs, 1.0]) @ a.H, (hw, ww))
    overlap = float(valid.mean())
    if overlap < MIN_OVERLAP:
        seconds["total"] = time.perf_counter() - t0
        return CompareResult(same_scene=False, reason=f"the reference covers only {100 * overlap:.1f}% of the suspect",
                             overlap_fraction=overlap, seconds=seconds, **base)
    d = df.difference(sus_work.astype(np.float32), ref_warp, valid, scale)
    changed = float(d["mask"].sum() / max(d["valid"].sum(), 1))
    seconds["difference"] = time.perf_counter() - t
    same = changed <= MAX_CHANGED_FOR_SAME_SCENE
    to_full = 1.0 / fs
    regions = df.changed_regions(d["mask"], d["sus_blur"], d["ref_blur"], d["distance"], to_full) if same else []
    seconds["total"] = time.perf_counter() - t0
    return CompareResult(
        same_scene=same,
        reason=f"{a.inliers} consistent feature matches" if same else
        f"{100 * changed:.0f}% of the overlap differs: aligned, but the content is another picture",
        score_work=d["score"], mask_work=d["mask"] if same else np.zeros_like(d["mask"]), valid_work=valid,
        suspect_work=sus_work, reference_work=np.clip(ref_warp, 0, 255).astype(np.uint8),
        regions=regions, no_counterpart_regions=_no_counterpart_regions(valid, to_full),
        changed_fraction=float(d["mask"].mean()) if same else 0.0, overlap_fraction=overlap,
        noise=d["noise"], threshold=d["threshold"], seconds=seconds, **base)


def warp_reference(ref: np.ndarray, H: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, float]:
    """Warp the reference onto a grid of ``shape`` with H (reference → grid), anti-aliased.

    When the warp shrinks the reference, it is first shrunk with area averaging to about the
    right size, so that the warp does not alias. Returns float32 RGB, valid mask and the
    remaining linear scale (one reference pixel in grid pixels).
    """
    h, w = shape
    scale = float(np.sqrt(abs(np.linalg.det(al._jacobian(H, np.array([ref.shape[1] / 2, ref.shape[0] / 2, 1.0]))))))
    if scale < 0.7:
        f = max(scale, 1.0 / max(ref.shape[:2]))
        small = cv2.resize(ref, (max(1, round(ref.shape[1] * f)), max(1, round(ref.shape[0] * f))),
                           interpolation=cv2.INTER_AREA)
        fx, fy = small.shape[1] / ref.shape[1], small.shape[0] / ref.shape[0]
        H = H @ np.diag([1 / fx, 1 / fy, 1.0])
        ref, scale = small, scale / f
    warped = cv2.warpPerspective(ref.astype(np.float32), H, (w, h), flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    valid = cv2.warpPerspective(np.ones(ref.shape[:2], np.uint8), H, (w, h), flags=cv2.INTER_NEAREST,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=0) > 0
    return warped, valid, scale


def _no_counterpart_regions(valid: np.ndarray, to_full: float, min_fraction: float = 0.005) -> list[dict]:
    n, _, stats, _ = cv2.connectedComponentsWithStats((~valid).astype(np.uint8), connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i, :5])
        if area >= min_fraction * valid.size:
            out.append({"box": [round(x * to_full), round(y * to_full), round(w * to_full), round(h * to_full)],
                        "area_fraction": round(area / valid.size, 5)})
    return sorted(out, key=lambda r: -r["area_fraction"])


def _side(ev: Evidence) -> dict:
    d = ev.describe()
    return {k: d[k] for k in ("source", "sha256", "size_bytes", "format", "width", "height")}


def _flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(d, dict):
        for k, v in d.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(d, list | tuple) and len(d) > 8:
        out[prefix] = f"<{len(d)} items>"
    else:
        out[prefix] = d
    return out


def metadata_differences(ev_s: Evidence, ev_r: Evidence, max_items: int = 100) -> list[dict]:
    """Fields that differ between the two files: format, size, JPEG quantisation, metadata (flattened)."""
    def fields(ev: Evidence) -> dict[str, Any]:
        f = {"file.format": ev.format, "file.width": ev.width, "file.height": ev.height,
             "jpeg.luma_qtable_sum": None if ev.jpeg is None else int(np.asarray(ev.jpeg.qtables[0]).sum())}
        f.update(_flatten(ev.metadata.to_dict(), "metadata"))
        return f

    a, b = fields(ev_s), fields(ev_r)
    out = []
    for k in sorted(set(a) | set(b)):
        va, vb = a.get(k), b.get(k)
        if va == vb:
            continue
        change = "only_in_suspect" if vb in (None, "", [], {}) else "only_in_reference" if va in (None, "", [], {}) \
            else "changed"
        out.append({"field": k, "suspect": _short(va), "reference": _short(vb), "change": change})
    return out[:max_items]


def _short(v: Any) -> Any:
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    if isinstance(v, str) and len(v) > 200:
        return v[:200] + "…"
    if isinstance(v, int | float | bool) or v is None:
        return v
    return _short(str(v)) if not isinstance(v, str) else v


def compare_for_report(src: Any, evidence: Evidence, reference: Any = None, archive: Any = None):
    """The comparison ``analyze(..., reference=, archive=)`` attaches to its report.

    With a reference: ``compare`` with it. With an archive: search it, then compare with the
    best candidate that shows the same scene; when none does (or its file is gone), a dict
    saying so and listing the candidates. Both: the reference is used and the archive ignored.
    """
    if reference is not None:
        if _same_file(src, reference):
            raise ComparisonError(str(reference), "the reference is the same file as the suspect")
        ev_r = _load(reference, "reference")
        if ev_r.sha256 == evidence.sha256:
            raise ComparisonError(ev_r.source, "the reference has the same bytes as the suspect; nothing to compare")
        return compare_evidence(evidence, ev_r)
    from forgelens.compare.archive import Archive

    with Archive(archive) as a:
        hits = a.search(evidence.pixels)
    found = [h for h in hits if h["same_scene"]]
    for h in found:
        p = Path(h["path"])
        if not p.is_file():
            continue
        try:
            ev_r = load(p)
        except ForgeLensError:
            continue
        if ev_r.sha256 == evidence.sha256:  # the suspect itself is archived: that is no earlier copy
            continue
        r = compare_evidence(evidence, ev_r)
        r.archive = {"db": str(archive), "candidates": hits}
        return r
    return {"same_scene": False, "archive": {"db": str(archive), "candidates": hits},
            "summary": "no copy of this picture found in the archive" if not found else
            "the archived copies found are the same file or no longer readable"}
