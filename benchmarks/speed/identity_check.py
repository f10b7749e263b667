"""Do two source trees give the same detector outputs on the issue-16 identity set? (session-10 ship rule)

Runs the named detectors (or the full default analysis) on every picture of the identity set under
a base source tree and under this one, and prints the numbers of the ship rule: per detector the
pictures whose Trace is byte-identical (score, heatmap, reliability, extra maps, note, findings,
config, error) and, where not, max |delta score|, max |delta map| and the share of pixels whose map
value moves by more than 0.01; with ``--full`` also the fused verdict (same label, same kind — the
verdict's ``domain`` tag — and max |delta P(manipulated)|, |delta P(generated)|).

    # detectors, base = another tree's src/ (e.g. the main worktree) and new = this tree's src/
    python benchmarks/speed/identity_check.py --detectors jpeg_grid,noise_local --base-src /work/main/src
    # base = a git revision of this repository (extracted once into the cache); new = a commit, likewise
    python benchmarks/speed/identity_check.py --detectors splicebuster --base-rev main --new-rev HEAD
    # the full default analysis (every default detector, fused verdict)
    python benchmarks/speed/identity_check.py --full --base-src /work/main/src
    python benchmarks/speed/identity_check.py --detectors ela --base-rev main --limit 10   # a quick look

Identity set (fixed by the lead, session 10): examples/splice.jpg; every picture of
../shared/datasets/cameras and of toolkit-samples (their index.csv); the first 20 pictures (sorted
by path) of casia1-samples; the first 10 (sorted) of aigen-sd12, pristine-extra and nist16; one
synthetic 24 MP picture from speed.py's generator (``photo_like(24)``).

Each tree runs in its own process (PYTHONPATH = that tree's src) and ``pipeline.analyze`` is called
per picture as the CLI does (``workers=1`` unless ``--workers``). Outputs are stored under
``--cache`` (default /work/caches/s10/identity) keyed by a hash of the tree's files, so a tree that
did not change (the base, usually) is not run again. Pictures are compared one by one; nothing is
held for the whole set. The rule's "share of pixels" weights each map cell by the picture pixels it
covers (block maps) and is given pooled over the set and for the worst picture.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "datasets"
DEFAULT_CACHE = Path("/work/caches/s10/identity")
PICTURE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp")
MOVE = 0.01  # a map value "moves" when it changes by more than this (rule B)
RULE_SCORE, RULE_SHARE, RULE_P = 0.005, 0.001, 0.005


# --- the identity set ---------------------------------------------------------------------------


def _index(name: str) -> list[Path]:
    folder = SHARED / name
    idx = folder / "index.csv"
    if not idx.exists():
        return []
    with idx.open(newline="") as f:
        rows = [r["image"] for r in csv.DictReader(f) if r.get("image")]
    return sorted(folder / r for r in rows)


def identity_set(cache: Path) -> list[tuple[str, Path]]:
    """(key, path) of every picture of the identity set, in a fixed order."""
    out = [("examples/splice.jpg", ROOT / "examples" / "splice.jpg")]
    for name, first in (("cameras", None), ("toolkit-samples", None), ("casia1-samples", 20),
                        ("aigen-sd12", 10), ("pristine-extra", 10), ("nist16", 10)):
        files = _index(name)
        out += [(f"{name}/{p.relative_to(SHARED / name)}", p) for p in files[:first]]
    synth = cache / "synthetic_24MP_q90.jpg"
    if not synth.exists():
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from speed import photo_like  # the generator of speed.py (seed 0)

        synth.parent.mkdir(parents=True, exist_ok=True)
        tmp = synth.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(photo_like(24))
        tmp.rename(synth)
    out.append(("synthetic/24MP_q90.jpg", synth))
    return out


# --- one tree's outputs (runs in a child process whose PYTHONPATH is that tree) ------------------


def _digest(m) -> np.ndarray:
    """32 bytes (uint8) that equal another map's only when shape, dtype and every byte are equal."""
    a = np.ascontiguousarray(m)
    return np.frombuffer(hashlib.sha256(f"{a.shape}{a.dtype.str}".encode() + a.tobytes()).digest(), np.uint8)


def _trace_record(t, src: str, digest: bool = False) -> dict:
    keep = _digest if digest else np.asarray
    maps = {}
    if t.heatmap is not None:
        maps["heatmap"] = keep(t.heatmap)
    if t.reliability is not None:
        maps["reliability"] = keep(t.reliability)
    for k, m in t.extra_maps.items():
        maps[f"extra:{k}"] = keep(m)
    return {
        "name": t.name, "score": t.score, "applicable": t.applicable, "note": t.note,
        "error": None if t.error is None else t.error.replace(src, "<SRC>"),
        "block": int(t.block), "shape": None if t.shape is None else tuple(t.shape),
        "family": t.family, "calibrated": t.calibrated,
        "config": json.dumps(t.config, sort_keys=True, default=str),
        "findings": json.dumps([f.to_dict() for f in t.findings], sort_keys=True, default=str),
        "maps": maps,
    }


def worker(out: Path, detectors: list[str] | None, full: bool, workers: int, keys: list[str], paths: list[str],
           digest: bool = False) -> None:
    from forgelens import pipeline
    from forgelens.errors import ForgeLensError

    src = str(Path(pipeline.__file__).resolve().parents[1])
    for key, path in zip(keys, paths, strict=True):
        dest = out / (hashlib.sha1(key.encode()).hexdigest()[:16] + ".pkl")
        if dest.exists():
            continue
        try:
            rep = pipeline.analyze(path, detectors=None if full else detectors, workers=workers)
        except ForgeLensError as exc:
            rec = {"key": key, "load_error": str(exc).replace(src, "<SRC>")}
        else:
            v = rep.verdict
            rec = {"key": key, "shape": tuple(rep.evidence.shape),
                   "traces": {t.name: _trace_record(t, src, digest) for t in rep.traces},
                   "verdict": {"label": v.label, "kind": v.domain, "probabilities": v.probabilities,
                               "json": json.dumps(v.to_dict(), sort_keys=True, default=str),
                               # the fused map and mask the report shows (not in the verdict's JSON)
                               "fused_maps": [None if m is None else _digest(m).tobytes()
                                              for m in (v.heatmap, v.mask)]}}
        tmp = dest.with_suffix(f".{os.getpid()}.tmp")  # the cache may be shared: no clash between runs
        with tmp.open("wb") as f:
            pickle.dump(rec, f, protocol=5)
        tmp.rename(dest)
        print(f"  {key}", file=sys.stderr, flush=True)


# --- orchestration --------------------------------------------------------------------------------


def tree_hash(src: Path) -> str:
    h = hashlib.sha1()
    for p in sorted(src.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc" and not any(
                q.endswith(".egg-info") for q in p.parts):
            h.update(str(p.relative_to(src)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def src_of_rev(rev: str, cache: Path) -> Path:
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", rev], capture_output=True, text=True,
                         check=True).stdout.strip()
    dest = cache / "revs" / sha[:16]
    if not (dest / "src").exists():
        dest.mkdir(parents=True, exist_ok=True)
        tar = subprocess.run(["git", "-C", str(ROOT), "archive", sha, "src"], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=tar, check=True)
    return dest / "src"


def run_tree(src: Path, mode: str, detectors: list[str] | None, full: bool, workers: int,
             pics: list[tuple[str, Path]], cache: Path, digest: bool = False) -> tuple[Path, subprocess.Popen | None]:
    out = cache / tree_hash(src) / mode
    out.mkdir(parents=True, exist_ok=True)
    todo = [(k, p) for k, p in pics if not (out / (hashlib.sha1(k.encode()).hexdigest()[:16] + ".pkl")).exists()]
    if not todo:
        return out, None
    lst = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, dir=out)
    json.dump({"keys": [k for k, _ in todo], "paths": [str(p) for _, p in todo]}, lst)
    lst.close()
    env = dict(os.environ, PYTHONPATH=f"{src}:{ROOT}")
    env.setdefault("OMP_NUM_THREADS", "1")
    cmd = [sys.executable, __file__, "--worker", str(out), "--list", lst.name, "--workers", str(workers)]
    cmd += ["--full"] if full else ["--detectors", ",".join(detectors or [])]
    cmd += ["--digest"] if digest else []
    print(f"running {len(todo)} pictures under {src} -> {out}", file=sys.stderr, flush=True)
    return out, subprocess.Popen(cmd, env=env)


def _load(out: Path, key: str) -> dict:
    with (out / (hashlib.sha1(key.encode()).hexdigest()[:16] + ".pkl")).open("rb") as f:
        return pickle.load(f)


def _cell_weights(m: np.ndarray, block: int, shape: tuple[int, int] | None) -> np.ndarray | None:
    """Picture pixels each cell covers (None: every cell weighs 1)."""
    if shape is None or block == 1 or m.ndim != 2:
        return None
    k, (h, w) = block, shape
    rows = np.minimum(k, h - k * np.arange(m.shape[0])).clip(0)
    cols = np.minimum(k, w - k * np.arange(m.shape[1])).clip(0)
    return rows[:, None].astype(np.float64) * cols[None, :]


class Tally:
    """Per detector: identical pictures, what differs, and the rule-B numbers."""

    def __init__(self) -> None:
        self.n = self.same = 0
        self.fields: dict[str, int] = {}
        self.max_dscore = 0.0
        self.maps: dict[str, list[float]] = {}  # kind -> [moved px, total px, max |delta|, worst share]
        self.worst: dict[str, str] = {}
        self.examples: list[str] = []

    def add(self, key: str, a: dict | None, b: dict | None) -> None:
        self.n += 1
        if a is None or b is None:
            self.fields["missing"] = self.fields.get("missing", 0) + 1
            self.examples.append(f"{key}: trace missing in {'base' if a is None else 'new'}")
            return
        diff = [f for f in ("applicable", "note", "error", "block", "shape", "family", "calibrated", "config",
                            "findings") if a[f] != b[f]]
        if not _same_score(a["score"], b["score"]):
            diff.append("score")
            if a["score"] is None or b["score"] is None:
                self.max_dscore = float("inf")
            else:
                self.max_dscore = max(self.max_dscore, abs(a["score"] - b["score"]))
        for name in sorted(set(a["maps"]) | set(b["maps"])):
            ma, mb = a["maps"].get(name), b["maps"].get(name)
            kind = name.split(":")[0]
            if ma is None or mb is None or ma.shape != mb.shape or ma.dtype != mb.dtype:
                diff.append(f"{name} (shape/dtype)")
                self.maps.setdefault(kind, [0.0, 0.0, 0.0, 0.0])[2] = float("inf")
                continue
            if ma.ndim == 1 and ma.dtype == np.uint8 and ma.size == 32:  # --digest: equal or not, no delta
                if ma.tobytes() != mb.tobytes():
                    diff.append(f"{name} (digest)")
                    self.maps.setdefault(kind, [0.0, 0.0, 0.0, 0.0])[2] = float("inf")
                continue
            if ma.tobytes() == mb.tobytes():
                wts = _cell_weights(ma, b["block"], b["shape"])
                self.maps.setdefault(kind, [0.0, 0.0, 0.0, 0.0])[1] += ma.size if wts is None else wts.sum()
                continue
            diff.append(name)
            da = ma.astype(np.float64)
            db = mb.astype(np.float64)
            both_nan = np.isnan(da) & np.isnan(db)
            d = np.where(both_nan, 0.0, np.abs(da - db))
            d[np.isnan(d)] = np.inf
            wts = _cell_weights(ma, b["block"], b["shape"])
            moved = d > MOVE
            mv = float(moved.sum() if wts is None else wts[moved].sum())
            tot = float(ma.size if wts is None else wts.sum())
            t = self.maps.setdefault(kind, [0.0, 0.0, 0.0, 0.0])
            t[0] += mv
            t[1] += tot
            t[2] = max(t[2], float(d.max()))
            if tot and mv / tot > t[3]:
                t[3] = mv / tot
                self.worst[kind] = key
        if diff:
            for f in diff:
                f = f.split(" ")[0] if not f.startswith("extra:") else "extra maps"
                self.fields[f] = self.fields.get(f, 0) + 1
            if len(self.examples) < 5:
                self.examples.append(f"{key}: {', '.join(diff)}")
        else:
            self.same += 1

    def rule_b(self) -> bool:
        shares_ok = all((t[0] / t[1] if t[1] else 0.0) <= RULE_SHARE for t in self.maps.values())
        other = set(self.fields) - {"score", "heatmap", "reliability", "extra maps", "findings"}
        return self.max_dscore <= RULE_SCORE and shares_ok and not other


def _same_score(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return np.float64(a).tobytes() == np.float64(b).tobytes()


def _p(v: dict, k: str) -> float | None:
    p = v.get("probabilities") or {}
    return p.get(k)


def compare(pics: list[tuple[str, Path]], base: Path, new: Path, full: bool) -> int:
    tallies: dict[str, Tally] = {}
    verdict = {"n": 0, "label": 0, "kind": 0, "json": 0, "fused": 0, "fused_n": 0, "dpm": 0.0, "dpg": 0.0, "load": 0,
               "diff": []}
    for key, _ in pics:
        a, b = _load(base, key), _load(new, key)
        if "load_error" in a or "load_error" in b:
            verdict["load"] += 1
            if a.get("load_error") != b.get("load_error"):
                print(f"LOAD DIFFERS {key}: {a.get('load_error')!r} vs {b.get('load_error')!r}")
            continue
        for name in sorted(set(a["traces"]) | set(b["traces"])):
            tallies.setdefault(name, Tally()).add(key, a["traces"].get(name), b["traces"].get(name))
        if full:
            va, vb = a["verdict"], b["verdict"]
            verdict["n"] += 1
            verdict["label"] += va["label"] == vb["label"]
            verdict["kind"] += va["kind"] == vb["kind"]
            verdict["json"] += va["json"] == vb["json"]
            if "fused_maps" in va and "fused_maps" in vb:
                verdict["fused_n"] += 1
                verdict["fused"] += va["fused_maps"] == vb["fused_maps"]
            for k, slot in (("manipulated", "dpm"), ("generated", "dpg")):
                pa, pb = _p(va, k), _p(vb, k)
                if (pa is None) != (pb is None):
                    verdict[slot] = float("inf")
                elif pa is not None:
                    verdict[slot] = max(verdict[slot], abs(pa - pb))
            if va["label"] != vb["label"] or va["kind"] != vb["kind"]:
                verdict["diff"].append(f"{key}: {va['label']}/{va['kind']} -> {vb['label']}/{vb['kind']}")
    print(f"identity set: {len(pics)} pictures ({verdict['load']} not loadable in both trees, skipped)")
    print(f"base {base}\nnew  {new}\n")
    print("| detector | pictures | byte-identical | fields that differ (pictures) | max abs d score | "
          "maps: max abs d / share of px moved > 0.01 (pooled; worst picture) | rule A | rule B |")
    print("|---|---|---|---|---|---|---|---|")
    all_a = all_b = True
    for name, t in sorted(tallies.items()):
        fields = ", ".join(f"{f} {c}" for f, c in sorted(t.fields.items())) or "-"
        maps = "; ".join(f"{k} {v[2]:.2g} / {100 * v[0] / v[1] if v[1] else 0:.3f} % ({100 * v[3]:.3f} %)"
                         for k, v in sorted(t.maps.items()) if v[2] > 0) or "-"
        a_ok = t.same == t.n
        b_ok = a_ok or t.rule_b()
        all_a &= a_ok
        all_b &= b_ok
        print(f"| {name} | {t.n} | {t.same} | {fields} | {t.max_dscore:.2g} | {maps} | "
              f"{'yes' if a_ok else 'no'} | {'yes' if b_ok else 'NO'} |")
    for name, t in sorted(tallies.items()):
        for e in t.examples:
            print(f"  {name}: {e}")
        for k, key in t.worst.items():
            print(f"  {name}: worst picture for {k}: {key}")
    if full:
        v = verdict
        print(f"\nfused verdict: {v['n']} pictures; same label {v['label']}, same kind {v['kind']}, "
              f"verdict JSON identical {v['json']}; fused map and mask byte-identical {v['fused']} of "
              f"{v['fused_n']} recorded; max |d P(manipulated)| {v['dpm']:.4g}, "
              f"max |d P(generated)| {v['dpg']:.4g}")
        for d in v["diff"]:
            print(f"  CHANGED {d}")
        ok = v["label"] == v["kind"] == v["n"] and v["dpm"] <= RULE_P and v["dpg"] <= RULE_P
        all_b &= ok
        print(f"verdict part of rule B: {'holds' if ok else 'FAILS'}")
    print(f"\nrule A (every Trace byte-identical): {'holds' if all_a else 'does not hold'}; "
          f"rule B (float rounding only): {'holds' if all_b else 'FAILS'}")
    return 0 if all_b else 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--detectors", default="", help="comma-separated detector names")
    ap.add_argument("--full", action="store_true", help="the full default analysis and fused verdict")
    ap.add_argument("--base-src", type=Path, help="the base tree's src/ folder")
    ap.add_argument("--base-rev", help="or a git revision of this repository (its src/ is extracted into the cache)")
    ap.add_argument("--new-src", type=Path, default=ROOT / "src", help="the new tree's src/ (default: this tree's)")
    ap.add_argument("--new-rev", help="or a git revision of this repository (a snapshot: safe to edit the tree meanwhile)")
    ap.add_argument("--workers", type=int, default=1, help="pipeline.analyze workers")
    ap.add_argument("--parallel", action="store_true", help="run the two trees at once (two processes)")
    ap.add_argument("--limit", type=int, help="only the first N pictures (a quick look; not the rule's set)")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--digest", action="store_true",
                    help="keep a SHA-256 of each map instead of the map (rule A only: a differing map shows as "
                         "changed with an unknown delta; rerun without --digest for rule B's numbers)")
    ap.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--list", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    dets = [d for d in args.detectors.split(",") if d]
    if args.worker:
        job = json.loads(args.list.read_text())
        args.list.unlink()
        worker(args.worker, dets or None, args.full, args.workers, job["keys"], job["paths"], args.digest)
        return
    if not args.full and not dets:
        ap.error("name --detectors a,b or --full")
    if (args.base_src is None) == (args.base_rev is None):
        ap.error("give one of --base-src DIR or --base-rev REV")
    base_src = (args.base_src or src_of_rev(args.base_rev, args.cache)).resolve()
    new_src = (src_of_rev(args.new_rev, args.cache) if args.new_rev else args.new_src).resolve()
    for s in (base_src, new_src):
        if not (s / "forgelens" / "__init__.py").exists():
            ap.error(f"{s}: not a source tree (no forgelens/__init__.py)")
    pics = identity_set(args.cache)
    if args.limit:
        pics = pics[: args.limit]
    mode = "full" if args.full else "det-" + "-".join(sorted(dets))
    if args.digest:
        mode += "-digest"
    if args.workers != 1:
        mode += f"-w{args.workers}"
    base_out, p1 = run_tree(base_src, mode, dets, args.full, args.workers, pics, args.cache, args.digest)
    if p1 is not None and not args.parallel:
        p1.wait()
    new_out, p2 = run_tree(new_src, mode, dets, args.full, args.workers, pics, args.cache, args.digest)
    for p in (p1, p2):
        if p is not None and p.wait() != 0:
            sys.exit(f"a tree's run failed (exit {p.returncode})")
    sys.exit(compare(pics, base_out, new_out, args.full))


if __name__ == "__main__":
    main()
