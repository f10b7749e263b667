"""Unusual and broken inputs through the Python API, the CLI and one batch (robustness sweep).

Makes, in a temporary folder, valid-but-unusual pictures (1×1 to 20 000 × 20 px, flat, noise,
16-bit, alpha, palette, animated, CMYK, progressive, grey, EXIF orientations, odd EXIF and ICC,
BMP, multi-page TIFF, WebP lossless, HEIC, AVIF) and broken inputs (empty, text named .jpg,
truncated JPEGs, a bad PNG CRC, a declared 30 000 × 30 000 bomb, a directory, a missing path,
an unreadable file, a symlink loop), then for each input:

- API: ``forgelens.analyze(path)`` with the default detectors, in its own process under a
  timeout: the verdict label, or the ``ForgeLensError`` line (and whether it names the file),
  and the names of detectors whose trace carries an error (a bug on a valid picture);
- CLI: ``forgelens analyze PATH --format json`` under a timeout: exit status and last line;
- then one batch, ``forgelens analyze ALL... -o OUT``: reports written + errors listed must
  cover every input, and the batch must end;
- the original's bytes and mtime must be unchanged after all of that.

Prints one Markdown table. Bounded: every picture is at most 0.4 MP, ~50 inputs, each run
under ``--timeout`` seconds (default 120); about 4 minutes on 2 cores.

    python benchmarks/studies/input_sweep.py            # the table
    python benchmarks/studies/input_sweep.py --only api # API column only (faster)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
sys.path.insert(0, str(ROOT / "tests"))
from _hostile_corpus import _jpeg_insert, _save, _segment, png_chunk  # noqa: E402


def _rgb(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A smooth scene with texture: gradients plus mild noise (not flat, not pure noise)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([128 + 80 * np.sin(x / 23.0), 128 + 80 * np.cos(y / 31.0), 128 + 60 * np.sin((x + y) / 41.0)], -1)
    return np.clip(base + rng.normal(0, 6, (h, w, 3)), 0, 255).astype(np.uint8)


def _tiff_exif(entries: list[tuple[int, int, int, bytes]], ifd1: list[tuple[int, int, int, bytes]] | None = None,
               tail: bytes = b"") -> bytes:
    """A little-endian TIFF/EXIF block: IFD0 entries (tag, type, count, 4-byte value) and an optional IFD1."""
    out = bytearray(b"II*\x00" + struct.pack("<I", 8))
    n0 = len(entries)
    ifd1_off = 8 + 2 + 12 * n0 + 4 if ifd1 else 0
    out += struct.pack("<H", n0)
    for tag, typ, cnt, val in entries:
        out += struct.pack("<HHI", tag, typ, cnt) + val.ljust(4, b"\x00")[:4]
    out += struct.pack("<I", ifd1_off)
    if ifd1:
        out += struct.pack("<H", len(ifd1))
        for tag, typ, cnt, val in ifd1:
            out += struct.pack("<HHI", tag, typ, cnt) + val.ljust(4, b"\x00")[:4]
        out += struct.pack("<I", 0)
    return bytes(out) + tail


def valid_inputs() -> dict[str, bytes]:
    """Valid but unusual pictures (name → bytes)."""
    pic = _rgb(300, 400)
    im = Image.fromarray(pic)
    jpg = _save(im, "JPEG", quality=90)
    files: dict[str, bytes] = {
        "1x1.png": _save(Image.fromarray(_rgb(1, 1)), "PNG"),
        "8x8.png": _save(Image.fromarray(_rgb(8, 8)), "PNG"),
        "strip_127x4000.png": _save(Image.fromarray(_rgb(4000, 127)), "PNG"),
        "strip_4000x127.png": _save(Image.fromarray(_rgb(127, 4000)), "PNG"),
        "strip_20000x20.png": _save(Image.fromarray(_rgb(20, 20000)), "PNG"),
        "strip_20x20000.jpg": _save(Image.fromarray(_rgb(20000, 20)), "JPEG", quality=90),
        "flat_black.png": _save(Image.new("RGB", (400, 300), 0), "PNG"),
        "flat_white.jpg": _save(Image.new("RGB", (400, 300), (255, 255, 255)), "JPEG", quality=90),
        "flat_grey.png": _save(Image.new("RGB", (400, 300), (128, 128, 128)), "PNG"),
        "two_levels.png": _save(Image.fromarray(np.where(np.arange(400)[None, :, None] < 200, 0, 255)
                                                .repeat(300, 0).repeat(3, 2).astype(np.uint8)), "PNG"),
        "noise.png": _save(Image.fromarray(np.random.default_rng(1).integers(0, 256, (300, 400, 3), np.uint8)), "PNG"),
        "grey16.png": _save(Image.fromarray(pic[..., 0].astype(np.uint16) * 257), "PNG"),
        "grey16.tif": _save(Image.fromarray(pic[..., 1].astype(np.uint16) * 257), "TIFF"),
        "rgba_transparent.png": _save(Image.fromarray(np.dstack([pic, np.where(np.arange(400) < 200, 0, 255)[None, :]
                                                                  .repeat(300, 0).astype(np.uint8)])), "PNG"),
        "palette.png": _save(im.convert("P", palette=Image.ADAPTIVE, colors=64), "PNG"),
        "palette.gif": _save(im.convert("P", palette=Image.ADAPTIVE, colors=64), "GIF"),
        "animated.gif": _save(im.convert("P"), "GIF", save_all=True,
                              append_images=[Image.fromarray(_rgb(300, 400, 2)).convert("P")], duration=100, loop=0),
        "animated.webp": _save(im, "WEBP", save_all=True, append_images=[Image.fromarray(_rgb(300, 400, 2))],
                               duration=100, quality=85),
        "cmyk.jpg": _save(im.convert("CMYK"), "JPEG", quality=90),
        "progressive.jpg": _save(im, "JPEG", quality=90, progressive=True),
        "grey.jpg": _save(im.convert("L"), "JPEG", quality=90),
        "bmp.bmp": _save(im, "BMP"),
        "multipage.tif": _save(im, "TIFF", save_all=True, append_images=[Image.fromarray(_rgb(300, 400, 3))]),
        "lossless.webp": _save(im, "WEBP", lossless=True),
        "64x64.png": _save(Image.fromarray(_rgb(64, 64)), "PNG"),
        "odd_129x131.jpg": _save(Image.fromarray(_rgb(131, 129)), "JPEG", quality=90),
        "strip_64x20000.png": _save(Image.fromarray(_rgb(20000, 64)), "PNG"),
        "strip_20000x64.jpg": _save(Image.fromarray(_rgb(64, 20000)), "JPEG", quality=90),
        "nearly_flat.png": _save(Image.fromarray(np.clip(128 + np.random.default_rng(3).normal(0, 3, (300, 400, 3)),
                                                         0, 255).astype(np.uint8)), "PNG"),
        "half_clipped.jpg": _save(Image.fromarray(np.where(np.arange(400)[None, :, None] < 200, pic, 255)
                                                  .astype(np.uint8)), "JPEG", quality=90),
        "bilevel_mode1.png": _save(im.convert("1"), "PNG"),
        "grey_alpha_LA.png": _save(im.convert("LA"), "PNG"),
        "int32_mode_I.tif": _save(Image.fromarray(pic[..., 0].astype(np.int32) * 1000), "TIFF"),
        "float32_mode_F.tif": _save(Image.fromarray(pic[..., 0].astype(np.float32) / 255), "TIFF"),
        "jpeg_q100_444.jpg": _save(im, "JPEG", quality=100, subsampling=0),
        "jpeg_q5.jpg": _save(im, "JPEG", quality=5),
        "heic.heic": b"",
        "avif.avif": b"",
    }
    for o in range(2, 9):
        ex = Image.Exif()
        ex[0x0112] = o
        files[f"orientation_{o}.jpg"] = _save(im, "JPEG", quality=90, exif=ex.tobytes())
    # malformed EXIF: the header, then a TIFF header whose IFD offset points far outside
    files["exif_malformed.jpg"] = _jpeg_insert(jpg, _segment(0xE1, b"Exif\x00\x00II*\x00\xff\xff\xff\x7f" + b"\x00" * 16))
    # huge EXIF: one IFD0 entry with a 60 000-byte UNDEFINED value (maker-note-like)
    big = 60000
    files["exif_huge.jpg"] = _jpeg_insert(jpg, _segment(0xE1, b"Exif\x00\x00" + _tiff_exif(
        [(0x927C, 7, big, struct.pack("<I", 26))], tail=os.urandom(big))))
    # bogus thumbnail: IFD1 says a 5 000-byte JPEG thumbnail lies at an offset past the end
    files["exif_bogus_thumbnail.jpg"] = _jpeg_insert(jpg, _segment(0xE1, b"Exif\x00\x00" + _tiff_exif(
        [(0x0112, 3, 1, struct.pack("<H", 1))],
        ifd1=[(0x0201, 4, 1, struct.pack("<I", 40000)), (0x0202, 4, 1, struct.pack("<I", 5000))])))
    # a 1 MB ICC profile of junk (Pillow splits it over many APP2 segments)
    files["icc_huge_junk.jpg"] = _save(im, "JPEG", quality=90, icc_profile=b"\x00\x10\x00\x00" + os.urandom(1 << 20))
    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
        files["heic.heic"] = _save(im, "HEIF", quality=90)
    except Exception:  # noqa: BLE001 - no writer here: the row says so
        files.pop("heic.heic")
    try:
        files["avif.avif"] = _save(im, "AVIF", quality=80)
    except Exception:  # noqa: BLE001
        files.pop("avif.avif")
    return files


def broken_inputs() -> dict[str, bytes]:
    """Broken files (name → bytes)."""
    jpg = _save(Image.fromarray(_rgb(300, 400)), "JPEG", quality=90)
    png = _save(Image.fromarray(_rgb(300, 400)), "PNG")
    ihdr_at = 8
    bad_crc = bytearray(png)
    bad_crc[ihdr_at + 8 + 13 + 3] ^= 0xFF  # last CRC byte of IHDR
    bomb = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0))
            + png_chunk(b"IDAT", zlib.compress(b"\x00" * 90001)) + png_chunk(b"IEND", b""))
    return {
        "empty.jpg": b"",
        "text.jpg": b"This is not a picture, only some text.\n" * 20,
        "truncated_10.jpg": jpg[: len(jpg) // 10],
        "truncated_50.jpg": jpg[: len(jpg) // 2],
        "truncated_90.jpg": jpg[: len(jpg) * 9 // 10],
        "bad_crc.png": bytes(bad_crc),
        "bomb_30000.png": bomb,
    }


def make_inputs(folder: Path) -> list[tuple[str, Path]]:
    """Write every input; returns (kind, path), including a directory, a missing path,
    an unreadable file and a symlink loop."""
    out: list[tuple[str, Path]] = []
    for kind, files in (("valid", valid_inputs()), ("broken", broken_inputs())):
        for name, data in files.items():
            p = folder / name
            p.write_bytes(data)
            out.append((kind, p))
    odd_names = [os.fsdecode(b"name_not_utf8_\xff\xfe.png"), "name_with\nnewline.png", "-leading_dash.png"]
    for name in odd_names:  # a valid picture under a name that is awkward to print, store or pass
        p = folder / name
        p.write_bytes(_save(Image.fromarray(_rgb(300, 400, 4)), "PNG"))
        out.append(("valid", p))
    d = folder / "a_directory"
    d.mkdir()
    out.append(("broken", d))
    out.append(("broken", folder / "missing.jpg"))
    unreadable = folder / "unreadable.png"
    unreadable.write_bytes(_save(Image.fromarray(_rgb(300, 400)), "PNG"))
    unreadable.chmod(0)
    out.append(("broken", unreadable))
    loop = folder / "loop.jpg"
    os.symlink(loop, loop)
    out.append(("broken", loop))
    dangling = folder / "dangling.jpg"
    os.symlink(folder / "gone.jpg", dangling)
    out.append(("broken", dangling))
    fifo = folder / "named_pipe.jpg"
    os.mkfifo(fifo)
    out.append(("broken", fifo))
    if os.path.exists("/dev/zero"):
        zero = folder / "dev_zero.jpg"
        os.symlink("/dev/zero", zero)
        out.append(("broken", zero))
    return out


SERVICE_CODE = r"""
import json, sys, tempfile
from pathlib import Path
from fastapi.testclient import TestClient
from forgelens.service.app import create_app
from forgelens.service.settings import Settings
paths = [Path(p) for p in sys.argv[1:]]
with tempfile.TemporaryDirectory() as tmp:
    app = create_app(Settings(data_dir=Path(tmp) / "data", auth=False, workers=1, detectors="default"))
    with TestClient(app) as c:
        for p in paths:
            try:
                data = p.read_bytes()
            except OSError as exc:
                print(json.dumps({"name": p.name, "out": f"(not uploadable: {exc.strerror})"}), flush=True)
                continue
            upload_name = p.name.encode("utf-8", "backslashreplace").decode()
            r = c.post("/api/analyze", files={"file": (upload_name, data, "application/octet-stream")},
                       params={"maps": "false"})
            if r.status_code == 200:
                out = f"200, {r.json()['report']['verdict']['label']}"
            else:
                out = f"{r.status_code}: {str(r.json().get('detail'))[:110]}"
            print(json.dumps({"name": p.name, "out": out}), flush=True)
"""


def run_service(paths: list[Path], timeout: float) -> dict[str, str]:
    """Every regular file uploaded to POST /api/analyze (FastAPI TestClient, one app, default detectors)."""
    regular = [p for p in paths if p.is_file() and not p.is_symlink()]
    try:
        p = subprocess.run([PY, "-c", SERVICE_CODE, *map(str, regular)], capture_output=True, text=True,
                           timeout=timeout, env=_env(), preexec_fn=_cap_memory)
        lines = p.stdout
    except subprocess.TimeoutExpired as exc:
        lines = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
    got = {}
    for ln in lines.splitlines():
        try:
            d = json.loads(ln)
            got[d["name"]] = d["out"]
        except (ValueError, KeyError):
            continue
    return {q.name: got.get(q.name, "HANG or CRASH") if q in regular else "(not a regular file: nothing to upload)"
            for q in paths}


API_CODE = r"""
import json, sys
import forgelens
from forgelens.detectors.registry import resolve
from forgelens.errors import ForgeLensError
path, dets = sys.argv[1], sys.argv[2]
try:
    r = forgelens.analyze(path, detectors=resolve(dets))
except ForgeLensError as e:
    print(json.dumps({"error": str(e).splitlines()[0]}))
else:
    bad = [t.name for t in r.traces if t.error]
    print(json.dumps({"label": r.verdict.label, "failed": bad,
                      "first_error": next((t.error.splitlines()[0] for t in r.traces if t.error), "")}))
"""


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=f"{ROOT / 'src'}", OMP_NUM_THREADS="1",
                PYTHONIOENCODING="utf-8:backslashreplace")


def shown(name: str) -> str:
    """A file name as printable text: bytes that are not UTF-8 as \\xff, a newline as \\n."""
    return os.fsencode(name).decode("utf-8", "backslashreplace").replace("\n", "\\n")


def _cap_memory() -> None:
    """A 4 GB address-space cap on each child (as the batch workers): an endless read cannot take the machine."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def run_api(path: Path, timeout: float, detectors: str) -> str:
    try:
        p = subprocess.run([PY, "-c", API_CODE, str(path), detectors], capture_output=True, text=True, timeout=timeout, env=_env(),
                           preexec_fn=_cap_memory)
    except subprocess.TimeoutExpired:
        return f"HANG (> {timeout:.0f} s)"
    if p.returncode != 0 or not p.stdout.strip():
        last = (p.stderr.strip().splitlines() or ["?"])[-1]
        return f"CRASH rc={p.returncode}: {last[:120]}"
    res = json.loads(p.stdout.strip().splitlines()[-1])
    if "error" in res:
        names = path.name in res["error"]
        return f"error{'' if names else ' (NOT naming the file)'}: {res['error'][:140]}"
    if res["failed"]:
        return f"{res['label']}; DETECTOR FAILED: {','.join(res['failed'])}: {res['first_error'][:100]}"
    return res["label"]


def run_cli(path: Path, timeout: float) -> str:
    try:
        p = subprocess.run([PY, "-m", "forgelens", "analyze", str(path), "--format", "json"], capture_output=True,
                           text=True, timeout=timeout, env=_env(), preexec_fn=_cap_memory)
    except subprocess.TimeoutExpired:
        return f"HANG (> {timeout:.0f} s)"
    if p.returncode == 0:
        try:
            rep = json.loads(p.stdout)
            return f"rc 0, {rep['verdict']['label']}"
        except (ValueError, KeyError):
            return "rc 0 (no JSON)"
    lines = [ln for ln in p.stderr.strip().splitlines() if ln.strip()]
    tb = any("Traceback" in ln for ln in lines)
    return f"rc {p.returncode}{' TRACEBACK' if tb else ''}: {(lines or ['?'])[-1][:120]}"


def fingerprint(path: Path) -> tuple | None:
    try:
        st = os.lstat(path)
        if path.is_file() and os.access(path, os.R_OK):
            return st.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest()
        return (st.st_mtime_ns,)
    except OSError:
        return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--detectors", default="default", help="API column: 'default', 'all' or names")
    ap.add_argument("--only", choices=["api", "cli", "batch", "service"], action="append")
    args = ap.parse_args()
    only = set(args.only or ["api", "cli", "batch", "service"])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "inputs"
        folder.mkdir()
        inputs = make_inputs(folder)
        before = {p: fingerprint(p) for _, p in inputs}
        rows = []
        for kind, p in inputs:
            api = run_api(p, args.timeout, args.detectors) if "api" in only else ""
            cli = run_cli(p, args.timeout) if "cli" in only else ""
            rows.append([kind, p.name, api, cli])
            print(f"  {shown(p.name)}: {api} | {cli}", file=sys.stderr, flush=True)
        if "service" in only:
            svc = run_service([p for _, p in inputs], args.timeout * 4)
            for row in rows:
                row.append(svc[row[1]])
        else:
            for row in rows:
                row.append("")
        batch_line = ""
        if "batch" in only:
            out = Path(tmp) / "out"
            try:
                b = subprocess.run([PY, "-m", "forgelens", "analyze", *[str(p) for _, p in inputs], "-o", str(out),
                                    "-j", "2"], capture_output=True, text=True, timeout=args.timeout * 4, env=_env())
                done = sum(1 for _ in out.glob("*/report.json"))
                errs = (out / "errors.txt").read_text().splitlines() if (out / "errors.txt").exists() else []
                batch_line = (f"batch of {len(inputs)} inputs: exit {b.returncode}, {done} reports, "
                              f"{len(errs)} error lines, traceback in output: {'Traceback' in b.stderr}")
            except subprocess.TimeoutExpired:
                batch_line = f"batch HANG (> {args.timeout * 4:.0f} s)"
        changed = [shown(p.name) for _, p in inputs if fingerprint(p) != before[p]]
    print(f"| kind | input | API (-d {args.detectors}) | CLI `analyze --format json` | service POST /api/analyze |")
    print("|---|---|---|---|---|")
    for kind, name, api, cli, svc in rows:
        print(f"| {kind} | {shown(name)} | {shown(api).replace('|', '/')} | {shown(cli).replace('|', '/')} "
              f"| {shown(svc).replace('|', '/')} |")
    print()
    if batch_line:
        print(batch_line)
    print(f"originals changed (bytes or mtime): {changed or 'none'}")
    if os.geteuid() == 0:
        print("note: run as root, so the unreadable file is readable here")


if __name__ == "__main__":
    main()
