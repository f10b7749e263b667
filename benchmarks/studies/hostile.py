"""Hostile files (issue 19): the malformed corpus through a batch, and the crafted cases before/after.

Prints two tables:

1. The generated corpus (``tests/_hostile_corpus.py``, ~325 small files) analysed by
   ``forgelens analyze FOLDER`` in a subprocess: files, reports, clean refusals, internal
   errors (goal 0), skipped, slowest file, wall time, and the peak resident memory of the
   whole process tree (the CLI, the fork server and the workers; sampled every 50 ms).
2. Each crafted case of the issue, analysed by the CLI of a BEFORE tree (``--before SRC``,
   default ``/work/main/src``) and of this tree (AFTER): seconds, peak memory of the process
   tree, exit status and the line the user sees. A before-run is stopped after
   ``--before-timeout`` seconds (default 60) and under an address-space cap of
   ``--before-memory`` GB (default 3; the machine is shared), so a "before" that hangs or
   explodes shows as stopped at that bound, not as its full cost.

    python benchmarks/studies/hostile.py                       # cheap detectors on the corpus (-d ela,metadata)
    python benchmarks/studies/hostile.py --detectors default   # the full default analysis on the corpus (slow)
    python benchmarks/studies/hostile.py --skip-before         # after only
    python benchmarks/studies/hostile.py --walk                # only table 3 (below; ~30 min on 2 shared cores)
    python benchmarks/studies/hostile.py --walk-notes          # only table 4: load()'s notes, BEFORE and AFTER (5 s)

3. ``--walk`` (session 19): the files a real user meets (``_hostile_corpus.odd_files`` and
   ``special_paths``: EXIF orientations, CMYK/YCCK/arithmetic/12-bit JPEGs, trailing data,
   16-bit and float PNG/TIFF, multi-page and BigTIFF, animations, HEIC/AVIF, ICO/PSD/SVG/PDF,
   strips, a bomb header, hostile EXIF/ICC/XMP, empty, a link loop, a folder named x.jpg, no
   read permission, a non-UTF-8 name, a file rewritten while it is read), each through
   ``forgelens analyze FILE -o OUT``, ``--format json``, ``forgelens.analyze`` and a folder
   batch of 20 (the odd files with good pictures around them): outcome, seconds, peak RSS of
   the process tree, whether every good neighbour got its report, and whether the original's
   bytes, mtime and mode are unchanged.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from _hostile_corpus import (  # noqa: E402
    _jpeg_insert,
    _save,
    _segment,
    flat_png,
    make_corpus,
    odd_files,
    picture,
    png_chunk,
    special_paths,
)

XMP_SIG = b"http://ns.adobe.com/xap/1.0/\x00"


def tree_rss(root_pid: int) -> int:
    """Resident bytes of ``root_pid`` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat", "rb") as fh:
                parts = fh.read().rsplit(b")", 1)[1].split()
            ppid = int(parts[1])
            with open(f"/proc/{d}/statm", "rb") as fh:
                rss[int(d)] = int(fh.read().split()[1]) * page
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(d))
    total, todo = 0, [root_pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += children.get(p, [])
    return total


def run_measured(cmd: list[str], env: dict[str, str], timeout: float, as_cap: int | None = None):
    """Run ``cmd``; return (seconds, peak tree RSS bytes, return code or 'stopped', output)."""

    def limit():
        if as_cap:
            resource.setrlimit(resource.RLIMIT_AS, (as_cap, as_cap))

    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, preexec_fn=limit,
                            start_new_session=True)
    peak = 0
    stop = threading.Event()

    def sample():
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss(proc.pid))
            stop.wait(0.05)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    try:
        out, _ = proc.communicate(timeout=timeout)
        rc: int | str = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        out, _ = proc.communicate()
        rc = "stopped"
    stop.set()
    th.join()
    return time.monotonic() - t0, peak, rc, out.decode("utf-8", "replace")


def crafted_cases(folder: Path) -> dict[str, tuple[Path, list[str]]]:
    """The issue's crafted files: name -> (path, extra CLI arguments)."""
    import io
    import struct
    import zlib

    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    im = Image.fromarray(picture(512, 640, seed=4))
    jpeg = _save(im, "JPEG", quality=90)
    png = _save(im, "PNG")
    prov = ["-d", "metadata,generator_signature,c2pa_manifest"]
    cases: dict[str, tuple[Path, list[str]]] = {}

    p = folder / "xmp-64k-word-run.jpg"
    p.write_bytes(_jpeg_insert(jpeg, _segment(0xE1, XMP_SIG + b"<x:xmpmeta " + b"a" * 65000)))
    cases["XMP 64 KB run of word characters (JPEG)"] = (p, prov)

    bomb = zlib.compress(b"\x00" * (8 << 20), 9)
    chunks = b"".join(png_chunk(b"zTXt", b"Comment\x00\x00" + bomb) for _ in range(200))
    iend = png.rindex(b"IEND") - 4
    p = folder / "ztxt-flood.png"
    p.write_bytes(png[:iend] + chunks + png[iend:])
    cases[f"PNG of zTXt chunks ({p.stat().st_size / 1e6:.1f} MB)"] = (p, prov)

    p = folder / "flat-12000.png"
    p.write_bytes(flat_png(12000, 12000))
    cases[f"flat 12000x12000 PNG ({p.stat().st_size // 1000} KB)"] = (p, [])

    buf = io.BytesIO()
    im.save(buf, format="TIFF", save_all=True, append_images=[im])
    tif = bytearray(buf.getvalue())
    tag = struct.pack("<HHI", 256, 4, 1)
    i = tif.find(tag, tif.find(tag) + 1)
    tif[i : i + 2] = struct.pack("<H", 999)  # 2nd IFD without ImageWidth: TypeError "Missing dimensions"
    p = folder / "no-width.tif"
    p.write_bytes(bytes(tif))
    cases["2-page TIFF, 2nd page without ImageWidth (TypeError in Pillow)"] = (p, ["-d", "ela"])

    webp = _save(im, "WEBP", quality=80)
    p = folder / "truncated.webp"
    p.write_bytes(webp[: len(webp) // 2])
    cases["truncated WebP"] = (p, ["-d", "ela"])

    bad = png[:29] + b"\x00\x00\x00\x00" + png[33:]
    p = folder / "bad-crc.png"
    p.write_bytes(bad)
    cases["PNG with a bad IHDR CRC"] = (p, ["-d", "ela"])

    p = folder / "document.jpg"
    p.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n" * 3)
    cases["PDF named .jpg"] = (p, ["-d", "ela"])

    p = folder / "dots" / "...jpg"
    p.parent.mkdir(exist_ok=True)
    p.write_bytes(jpeg)
    cases["file named '...jpg' (output escape)"] = (p, ["-d", "ela"])
    return cases


def outcome_of(out_dir: Path, text: str) -> str:
    """The file's label or error from OUT/batch.json (both trees write it), else the last line."""
    try:
        row = json.loads((out_dir / "batch.json").read_text())[0]
        if row.get("error"):
            return row["error"].split(": ", 1)[1][:150]
        return f"report, label {row.get('label')}"
    except (OSError, ValueError, IndexError, KeyError):
        return last_line(text)


def last_line(out: str) -> str:
    lines = [ln for ln in out.splitlines() if ln.strip() and not ln.startswith(("Corrupt JPEG", "tempfile"))]
    return (lines[-1] if lines else "")[:150]


def fingerprint(path: Path):
    """(sha256 of the bytes, mtime_ns, mode) of a file, or None where it cannot be read."""
    import hashlib

    try:
        st = os.stat(path)
        data = path.read_bytes() if path.is_file() else b""
    except OSError:
        return None
    return hashlib.sha256(data).hexdigest(), st.st_mtime_ns, st.st_mode


def _row_outcome(row: dict | None) -> str:
    if row is None:
        return "absent from batch.json"
    if row.get("error"):
        return "error: " + row["error"].split(": ", 1)[-1]
    if row.get("skipped"):
        return f"skipped ({row.get('skip_reason')})"
    return f"report, {row.get('label')}"


class Rewriter(threading.Thread):
    """Rewrites ``path`` over and over (truncate, then write one of two JPEGs in pieces) until stopped:
    a file that changes while forgelens reads it."""

    def __init__(self, path: Path, contents: list[bytes]):
        super().__init__(daemon=True)
        self.path, self.contents, self.halt = path, contents, threading.Event()

    def run(self) -> None:
        k = 0
        while not self.halt.is_set():
            data = self.contents[k % 2]
            with open(self.path, "r+b") as fh:
                fh.truncate(0)
                for i in range(0, len(data), 4096):
                    fh.write(data[i : i + 4096])
                    fh.flush()
            k += 1
            self.halt.wait(0.002)


def walk(args) -> None:
    """Table 3: the odd files through CLI, --format json, the API and a batch of 20."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}
    py = sys.executable
    from PIL import Image

    good = {f"good-{i:02d}.{'jpg' if i % 2 else 'png'}": _save(Image.fromarray(picture(200, 240, seed=100 + i)),
                                                             "JPEG" if i % 2 else "PNG", **({"quality": 88} if i % 2 else {}))
            for i in range(15)}
    rows = []
    with tempfile.TemporaryDirectory(prefix="forgelens-walk-") as tmp:
        tmp = Path(tmp)
        odd = tmp / "odd"
        odd.mkdir()
        cases: dict[str, tuple[str, Path]] = {}
        for name, (what, data) in odd_files().items():
            (odd / name).write_bytes(data)
            cases[name] = (what, odd / name)
        first_good = next(iter(good.values()))
        cases.update(special_paths(tmp / "special", _save(Image.fromarray(picture(256, 320, seed=9)), "JPEG")))
        moving = tmp / "moving" / "rewritten.jpg"
        moving.parent.mkdir()
        moving_contents = [_save(Image.fromarray(picture(256, 320, seed=s)), "JPEG", quality=q)
                           for s, q in ((11, 90), (12, 60))]
        moving.write_bytes(moving_contents[0])
        cases["rewritten.jpg"] = ("a file rewritten (truncated, then written in 4 KB pieces) while it is read", moving)
        if args.walk_cases:
            keep = set(args.walk_cases.split(","))
            cases = {k: v for k, v in cases.items() if k in keep}

        def measured(cmd):
            return run_measured(cmd, env, timeout=300)

        api = ("import sys, forgelens\nfrom forgelens.errors import ForgeLensError\n"
               "try:\n    r = forgelens.analyze(sys.argv[1])\n    print('API-OK', r.verdict.label)\n"
               "except ForgeLensError as e:\n    print('API-ERR', e)\n")
        for name, (what, path) in cases.items():
            before = fingerprint(path)
            rewriter = Rewriter(path, moving_contents) if name == "rewritten.jpg" else None
            if rewriter:
                rewriter.start()
            out = tmp / "out-single" / safe(name)
            s1, m1, rc1, t1 = measured([py, "-m", "forgelens", "analyze", str(path), "-o", str(out)])
            row1 = _batch_row(out)
            s2, m2, rc2, t2 = measured([py, "-m", "forgelens", "analyze", str(path), "--format", "json"])
            s3, m3, rc3, t3 = measured([py, "-c", api, str(path)])
            if rewriter:
                rewriter.halt.set()
                rewriter.join()
            after = fingerprint(path)
            rows.append({"case": name, "what": what,
                         "cli": {"rc": rc1, "s": s1, "mb": m1 / 2**20, "outcome": _row_outcome(row1),
                                 "traceback": "Traceback" in t1},
                         "json": {"rc": rc2, "s": s2, "mb": m2 / 2**20, "outcome": _json_outcome(t2),
                                  "traceback": "Traceback" in t2},
                         "api": {"rc": rc3, "s": s3, "mb": m3 / 2**20, "outcome": _api_outcome(t3),
                                 "traceback": "Traceback" in t3},
                         "unchanged": "rewritten by the study" if rewriter else before == after})
            print(f"{name}: cli {rows[-1]['cli']['outcome'][:90]} | json {rows[-1]['json']['outcome'][:60]} | "
                  f"api {rows[-1]['api']['outcome'][:60]}", file=sys.stderr, flush=True)

        # batches of 20: five odd files (copied or re-made beside the good pictures) + 15 good pictures
        names = [n for n in cases if n != "rewritten.jpg"]
        by_row = {r["case"]: r for r in rows}
        for b in range(0, len(names), 5):
            folder = tmp / f"batch-{b // 5:02d}"
            special = special_paths(folder, first_good)  # the special paths, in every batch folder
            for gname, data in good.items():
                (folder / gname).write_bytes(data)
            members = {}
            for name in names[b : b + 5]:
                what, path = cases[name]
                if name in special:
                    members[name] = special[name][1]
                else:
                    members[name] = folder / path.name
                    members[name].write_bytes(path.read_bytes())
            for name, (_what, path) in special.items():  # special paths not in this chunk: removed
                if name not in members:
                    _remove_path(path)
            prints = {n: fingerprint(p) for n, p in members.items()}
            out = tmp / f"out-batch-{b // 5:02d}"
            s, m, rc, text = measured([py, "-m", "forgelens", "analyze", str(folder), "-o", str(out), "-j", "2"])
            batch = json.loads((out / "batch.json").read_text()) if (out / "batch.json").is_file() else []
            by_path = {r["path"]: r for r in batch}
            reports = sum(1 for g in good if (by_path.get(str(folder / g)) or {}).get("label"))
            for name, p in members.items():
                row = by_path.get(str(p))
                if row is None and p.is_dir():  # a folder is walked: its files are the rows
                    inside = [r for r in batch if r["path"].startswith(str(p) + os.sep)]
                    row = {"error": ": walked as a folder: " + ("; ".join(
                        f"{Path(r['path']).name} {_row_outcome(r)}" for r in inside) or "nothing inside")}
                by_row[name]["batch"] = {"outcome": _row_outcome(row), "neighbours": f"{reports}/{len(good)}",
                                         "s": s, "mb": m / 2**20, "rc": rc, "traceback": "Traceback" in text}
                by_row[name]["unchanged_in_batch"] = prints[name] == fingerprint(p)
    if args.walk_json:
        Path(args.walk_json).write_text(json.dumps(rows, indent=1, default=str))
    print("\n## Files a real user meets (`--walk`): CLI, --format json, API, batch of 20\n")
    print("| case | CLI `-o OUT`: outcome | s | peak MB | `--format json` | API `forgelens.analyze` | s | peak MB "
          "| batch of 20: outcome | good neighbours with a report | batch s | original unchanged |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        c, j, a, bt = r["cli"], r["json"], r["api"], r.get("batch", {})
        cells = [f"{r['case']} ({r['what']})", f"rc {c['rc']}: {c['outcome']}", f"{c['s']:.1f}", f"{c['mb']:.0f}",
                 f"rc {j['rc']}: {j['outcome']}", a["outcome"], f"{a['s']:.1f}", f"{a['mb']:.0f}",
                 bt.get("outcome", "-"), bt.get("neighbours", "-"), f"{bt['s']:.0f}" if bt else "-",
                 str(r["unchanged"]) + ("" if r.get("unchanged_in_batch", True) else "; CHANGED in the batch")]
        tb = [k for k in ("cli", "json", "api") if r[k]["traceback"]] + (["batch"] if bt.get("traceback") else [])
        if tb:
            cells[1] += f" (traceback in {', '.join(tb)})"
        print("| " + " | ".join(x.replace("|", "/").replace("\n", " ")[:160] for x in cells) + " |")


_NOTES_SCRIPT = """
import json, sys
from forgelens.errors import ForgeLensError
from forgelens.evidence import load
out = {}
for p in sys.argv[1:]:
    try:
        ev = load(p)
        out[p] = list(ev.notes) + ([f"jpeg_error: {ev.jpeg_error}"] if ev.jpeg_error else [])
    except ForgeLensError as e:
        out[p] = [f"error: {e.reason}: {e.detail}"]
print(json.dumps(out))
"""


def walk_notes(args) -> None:
    """Table 4: what ``load`` says about each odd file (notes, coefficient error), BEFORE and AFTER."""
    with tempfile.TemporaryDirectory(prefix="forgelens-walk-notes-") as tmp:
        tmp = Path(tmp)
        files = {}
        for name, (what, data) in odd_files().items():
            (tmp / name).write_bytes(data)
            files[name] = (what, tmp / name)
        answers = {}
        for which, src in (("before", args.before), ("after", str(ROOT / "src"))):
            env = {**os.environ, "PYTHONPATH": src, "OMP_NUM_THREADS": "1"}
            run = subprocess.run([sys.executable, "-c", _NOTES_SCRIPT, *(str(p) for _w, p in files.values())],
                                 env=env, capture_output=True, text=True, timeout=600)
            answers[which] = json.loads(run.stdout.strip().splitlines()[-1])
    print("\n## What the report says about each odd file (`--walk-notes`): load()'s notes, before and after\n")
    print("| case | before | after |")
    print("|---|---|---|")
    for name, (what, path) in files.items():
        b, a = answers["before"][str(path)], answers["after"][str(path)]
        if a == b:
            continue
        cells = ["; ".join(x).replace("|", "/") or "(nothing)" for x in (b, a)]
        print(f"| {name} ({what}) | {cells[0][:300]} | {cells[1][:300]} |")
    same = sum(answers["before"][str(p)] == answers["after"][str(p)] for _w, p in files.values())
    print(f"\n{same} of {len(files)} files: the same words before and after (not listed).")


def safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-._" else "_" for ch in name)


def _remove_path(p: Path) -> None:
    import shutil

    if p.is_symlink() or p.is_file():
        p.unlink()
    elif p.is_dir():
        shutil.rmtree(p)


def _batch_row(out: Path) -> dict | None:
    try:
        return json.loads((out / "batch.json").read_text())[0]
    except (OSError, ValueError, IndexError):
        return None


def _json_outcome(text: str) -> str:
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                return "report, " + str(json.loads(line)["verdict"]["label"])
            except (ValueError, KeyError, TypeError):
                return "stdout line is not a report"
    return last_line(text)


def _api_outcome(text: str) -> str:
    for line in text.splitlines():
        if line.startswith("API-OK"):
            return "report, " + line.split(" ", 1)[1]
        if line.startswith("API-ERR"):
            return "error: " + line.split(": ", 1)[-1]
    return "no answer: " + last_line(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--detectors", default="ela,metadata", help="detectors for the corpus batch")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--before", default="/work/main/src", help="src folder of the tree to compare with")
    ap.add_argument("--before-timeout", type=float, default=60.0)
    ap.add_argument("--before-memory", type=float, default=3.0, help="GB address-space cap of a before-run")
    ap.add_argument("--skip-before", action="store_true")
    ap.add_argument("--walk", action="store_true", help="only the real-user odd files (table 3)")
    ap.add_argument("--walk-cases", default="", help="comma-separated case names (default: all)")
    ap.add_argument("--walk-json", default="", help="also write the walk's rows to this JSON file")
    ap.add_argument("--walk-notes", action="store_true",
                    help="the notes and JPEG-coefficient error that load() gives each odd file, BEFORE and AFTER")
    args = ap.parse_args()
    if args.walk:
        walk(args)
        return
    if args.walk_notes:
        walk_notes(args)
        return

    env_after = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}
    env_before = {**os.environ, "PYTHONPATH": args.before, "OMP_NUM_THREADS": "1"}
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="forgelens-hostile-") as tmp:
        tmp = Path(tmp)
        corpus = tmp / "corpus"
        files = make_corpus(corpus)
        out = tmp / "out"
        cmd = [py, "-m", "forgelens", "analyze", str(corpus), "-o", str(out), "-d", args.detectors,
               "-j", str(args.workers)]
        secs, peak, rc, text = run_measured(cmd, env_after, timeout=3600)
        rows = json.loads((out / "batch.json").read_text())
        reports = [r for r in rows if r["label"] is not None]
        internal = [r for r in rows if r["error"] and "internal error" in r["error"]]
        refusals = [r for r in rows if r["error"] and r not in internal]
        skipped = [r for r in rows if r["skipped"]]
        slow = max((r for r in reports if r["seconds"]), key=lambda r: r["seconds"], default=None)
        print(f"## Malformed corpus: {len(files)} files, -d {args.detectors}, -j {args.workers}\n")
        print("| files | reports | clean refusals | internal errors | skipped | slowest report (s) "
              "| batch wall (s) | peak RSS of the batch (MB) | exit |")
        print("|---|---|---|---|---|---|---|---|---|")
        print(f"| {len(rows)} | {len(reports)} | {len(refusals)} | {len(internal)} | {len(skipped)} | "
              f"{slow['seconds']:.2f} ({Path(slow['path']).name}) | {secs:.1f} | {peak / 2**20:.0f} | {rc} |"
              if slow else f"| {len(rows)} | 0 | {len(refusals)} | {len(internal)} | {len(skipped)} | - | "
              f"{secs:.1f} | {peak / 2**20:.0f} | {rc} |")
        for r in internal[:10]:
            print(f"internal error: {r['error']}")

        print("\n## Crafted cases (one file each, `forgelens analyze FILE -o OUT`)\n")
        print("| case | before s | before peak MB | before outcome | after s | after peak MB | after outcome |")
        print("|---|---|---|---|---|---|---|")
        for name, (path, extra) in crafted_cases(tmp / "crafted").items():
            cells = []
            for which, env in (("before", env_before), ("after", env_after)):
                if which == "before" and args.skip_before:
                    cells += ["-", "-", "not run"]
                    continue
                o = tmp / f"out-{which}-{path.stem}" / "reports"
                c = [py, "-m", "forgelens", "analyze", str(path), "-o", str(o), *extra]
                cap = int(args.before_memory * 2**30) if which == "before" else None
                s, pk, code, text = run_measured(c, env, args.before_timeout if which == "before" else 600, cap)
                outcome = f"exit {code}: {outcome_of(o, text)}" if code != "stopped" else \
                    f"stopped at {args.before_timeout:.0f} s"
                if "output escape" in name:
                    escaped = sorted(q.name for q in o.parent.iterdir() if q.name != "reports")
                    outcome = (f"exit {code}; report folder outside OUT: {escaped}" if escaped
                               else f"exit {code}; report inside OUT: {sorted(q.name for q in o.iterdir())}")
                cells += [f"{s:.1f}", f"{pk / 2**20:.0f}", outcome.replace("|", "/")]
            print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
