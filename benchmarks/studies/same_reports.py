"""Do two source trees give the same reports? A check for refactors that must not change results.

``dump`` writes analyze() reports (timings dropped) of the shared fixtures and the example, with
the provenance detectors on every file and the full default analysis on a few; ``compare``
lists every value that differs between two dumps. Run ``dump`` once per tree (PYTHONPATH picks
the tree), then ``compare``:

    PYTHONPATH=/path/to/old/src python benchmarks/studies/same_reports.py dump old.json
    PYTHONPATH=src python benchmarks/studies/same_reports.py dump new.json
    python benchmarks/studies/same_reports.py compare old.json new.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT.parent / "shared" / "fixtures"
PROVENANCE = ["metadata", "quant_tables", "c2pa_manifest", "generator_signature", "watermark"]
FULL = 5  # files given the full default analysis (the example, then the first readable fixtures)


def _timeless(o):
    if isinstance(o, dict):
        return {k: _timeless(v) for k, v in o.items() if k != "seconds"}
    if isinstance(o, list):
        return [_timeless(v) for v in o]
    return o


def dump(out: str) -> None:
    import forgelens
    from forgelens.errors import ForgeLensError

    files = [ROOT / "examples" / "splice.jpg"]
    files += sorted(p for p in FIXTURES.glob("*/*") if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp"))
    reports, readable = {}, []
    for p in files:
        key = str(p.relative_to(ROOT.parent))
        try:
            reports["provenance " + key] = _timeless(forgelens.analyze(p, detectors=PROVENANCE).to_dict())
            readable.append(p)
        except ForgeLensError as exc:
            reports["provenance " + key] = f"error: {exc}"
    for p in readable[:FULL]:
        reports["default " + str(p.relative_to(ROOT.parent))] = _timeless(forgelens.analyze(p).to_dict())
    Path(out).write_text(json.dumps(reports, indent=1, sort_keys=True, default=str))
    print(f"{len(reports)} reports ({len(files)} files, {len(readable)} readable) -> {out}")


def _diff(a, b, path: str, out: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            _diff(a.get(k), b.get(k), f"{path}/{k}", out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _diff(x, y, f"{path}[{i}]", out)
    elif a != b:
        out.append(f"{path}: {str(a)[:160]!r} -> {str(b)[:160]!r}")


def compare(old: str, new: str) -> None:
    a, b = json.loads(Path(old).read_text()), json.loads(Path(new).read_text())
    lines: list[str] = []
    _diff(a, b, "", lines)
    print(f"{len(a)} / {len(b)} reports; {len(lines)} differing values")
    print("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "dump":
        dump(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
