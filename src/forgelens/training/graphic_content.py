"""Training recipe for the ``graphic_content`` gate (designed graphic vs photograph).

Reproducible (seeded) in three steps::

    python -m forgelens.training.graphic_content render --out DIR/graphics-rendered [--n 60]
    python -m forgelens.training.graphic_content found --out DIR/graphics-found
    python -m forgelens.training.graphic_content fit --graphics DIR/graphics-rendered \\
        --gen-data /work/gen-data [--out src/forgelens/learned/weights/graphic_content.json]

1. ``render``: designed graphics drawn here with Pillow and Matplotlib (charts, slides, banners,
   posters, logos, UI screens, diagrams), several built around a photograph (a banner's photo
   panel, a poster's cut-out) taken from the *training* photographs of the generation data set,
   then brought through what users meet: a resize and JPEG quality 70–95 (some kept as PNG).
   Every file's recipe (kind, seed, photo used, JPEG quality) is written to ``index.csv``.
2. ``found``: graphics found on this machine under open licences (GNOME Adwaita icons,
   CC-BY-SA-3.0 / LGPL-3.0; the Rust and Node.js documentation images, MIT / Apache-2.0; plots
   from test suites of installed packages, BSD), composited on an opaque background and JPEG'd
   the same way; path and licence per file in ``index.csv``. Kept out of the fit: the held-out
   check of graphics nobody here drew.
3. ``fit``: features (``forgelens.detectors.graphic_content``) of the rendered graphics vs the
   photographs of the generation data's *train* split (never the exif-samples cameras, where
   camera false alarms are measured); standardise → class-balanced logistic regression →
   Platt scaling on out-of-fold scores; the threshold is the smallest P(graphic) that flags
   ≤ 0.5 % of the out-of-fold training photographs (the goal is ≤ 1 % on held-out ones).

Run ``python ../shared/tools/heldout_guard.py DIR`` on every folder fitted on (``fit`` does it
when the guard is found and drops what it flags).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

WEIGHTS = Path(__file__).resolve().parent.parent / "learned" / "weights" / "graphic_content.json"
KINDS = ("chart", "slide", "banner", "poster", "logo", "ui", "diagram")
WORDS = ("quality sale offer new summer launch data report growth market team design future city energy "
         "health travel music festival film night live open free best price today online service "
         "results annual review plan project science learn more join us now win click here premium "
         "der die das und mit für sie qualität neu angebot jetzt le la les pour avec nouveau").split()


# --------------------------------------------------------------------------- drawing helpers
def _fonts() -> list[Path]:
    import matplotlib

    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return sorted(p for p in ttf.glob("DejaVu*.ttf"))


def _font(rng: np.random.Generator, size: int) -> ImageFont.FreeTypeFont:
    fonts = _fonts()
    return ImageFont.truetype(str(fonts[int(rng.integers(len(fonts)))]), max(8, int(size)))


def _colour(rng: np.random.Generator, vivid: bool | None = None) -> tuple[int, int, int]:
    vivid = bool(rng.random() < 0.6) if vivid is None else vivid
    if vivid:
        c = rng.integers(0, 256, 3)
        c[rng.integers(3)] = int(rng.choice([0, 255]))
        return tuple(int(v) for v in c)
    g = int(rng.choice([255, 250, 245, 240, 30, 20, 0, 230]))
    return (g, g, g)


def _words(rng: np.random.Generator, n: int) -> str:
    return " ".join(str(rng.choice(WORDS)) for _ in range(n)).capitalize()


def _background(rng: np.random.Generator, size: tuple[int, int]) -> Image.Image:
    w, h = size
    if rng.random() < 0.7:
        return Image.new("RGB", size, _colour(rng))
    a, b = np.array(_colour(rng), np.float32), np.array(_colour(rng), np.float32)
    t = np.linspace(0, 1, w if rng.random() < 0.5 else h, dtype=np.float32)
    ramp = a[None, :] * (1 - t[:, None]) + b[None, :] * t[:, None]
    arr = np.broadcast_to(ramp[None, :, :], (h, w, 3)) if len(t) == w else np.broadcast_to(ramp[:, None, :], (h, w, 3))
    return Image.fromarray(np.round(arr).astype(np.uint8))


def _text(draw: ImageDraw.ImageDraw, rng: np.random.Generator, xy: tuple[int, int], size: int, n_words: int,
          fill: tuple[int, int, int] | None = None) -> None:
    draw.text(xy, _words(rng, n_words), font=_font(rng, size), fill=fill or _colour(rng))


def _photo(photos: list[Path], rng: np.random.Generator, size: tuple[int, int]) -> tuple[Image.Image, str]:
    """A training photograph cropped to fill ``size`` (used as a design's photo panel)."""
    p = photos[int(rng.integers(len(photos)))]
    with Image.open(p) as im:
        im = im.convert("RGB")
        w, h = size
        s = max(w / im.width, h / im.height)
        im = im.resize((max(w, int(im.width * s + 0.5)), max(h, int(im.height * s + 0.5))), Image.LANCZOS)
        x0, y0 = int(rng.integers(0, im.width - w + 1)), int(rng.integers(0, im.height - h + 1))
        return im.crop((x0, y0, x0 + w, y0 + h)), p.name


# --------------------------------------------------------------------------- the kinds
def render_chart(rng: np.random.Generator, photos: list[Path]) -> tuple[Image.Image, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    styles = ["default", "ggplot", "bmh", "fivethirtyeight", "dark_background", "seaborn-v0_8", "classic"]
    kind = str(rng.choice(["line", "bar", "scatter", "pie", "hist", "area", "heat"]))
    with plt.style.context(str(rng.choice(styles))):
        fig, ax = plt.subplots(figsize=(rng.uniform(4, 10), rng.uniform(3, 7)), dpi=int(rng.choice([72, 100, 120])))
        x = np.arange(int(rng.integers(5, 60)))
        for _ in range(int(rng.integers(1, 4))):
            y = np.cumsum(rng.normal(0, 1, len(x)))
            if kind == "line":
                ax.plot(x, y, lw=rng.uniform(1, 3))
            elif kind == "bar":
                ax.bar(x[:12] + rng.uniform(-0.3, 0.3), np.abs(y[:12]) + 1)
            elif kind == "scatter":
                ax.scatter(rng.normal(size=80), rng.normal(size=80), s=rng.uniform(10, 80))
            elif kind == "hist":
                ax.hist(rng.normal(size=300), bins=int(rng.integers(8, 30)), alpha=0.7)
            elif kind == "area":
                ax.fill_between(x, y, y.min(), alpha=0.5)
        if kind == "pie":
            ax.pie(rng.uniform(1, 5, int(rng.integers(3, 7))))
        if kind == "heat":
            ax.imshow(rng.random((int(rng.integers(4, 12)), int(rng.integers(4, 12)))), cmap=str(rng.choice(["viridis", "magma", "coolwarm", "Blues"])))
        ax.set_title(_words(rng, int(rng.integers(2, 6))))
        ax.set_xlabel(_words(rng, 1))
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
    buf.seek(0)
    return Image.open(buf).convert("RGB"), ""


def render_slide(rng: np.random.Generator, photos: list[Path]) -> tuple[Image.Image, str]:
    w, h = [(1280, 720), (1024, 768), (1920, 1080), (960, 540)][int(rng.integers(4))]
    im = _background(rng, (w, h))
    d = ImageDraw.Draw(im)
    used = ""
    _text(d, rng, (int(w * 0.06), int(h * 0.06)), h // 12, int(rng.integers(2, 6)))
    for i in range(int(rng.integers(2, 7))):
        _text(d, rng, (int(w * 0.08), int(h * (0.25 + 0.09 * i))), h // 26, int(rng.integers(3, 9)))
    if rng.random() < 0.5:
        pw, ph = int(w * rng.uniform(0.25, 0.4)), int(h * rng.uniform(0.3, 0.5))
        panel, used = _photo(photos, rng, (pw, ph))
        im.paste(panel, (w - pw - int(w * 0.05), int(h * 0.3)))
    else:
        for _ in range(int(rng.integers(1, 5))):
            x0, y0 = int(rng.integers(w // 2, w - 60)), int(rng.integers(h // 4, h - 60))
            d.rectangle((x0, y0, x0 + int(rng.integers(30, 200)), y0 + int(rng.integers(30, 200))), fill=_colour(rng))
    return im, used


def render_banner(rng: np.random.Generator, photos: list[Path]) -> tuple[Image.Image, str]:
    h = int(rng.integers(90, 320))
    w = int(h * rng.uniform(2.2, 7.0))
    im = _background(rng, (w, h))
    d = ImageDraw.Draw(im)
    used = ""
    if rng.random() < 0.65:  # a photo panel on one side, the text on the flat side
        pw = int(w * rng.uniform(0.3, 0.6))
        panel, used = _photo(photos, rng, (pw, h))
        left = rng.random() < 0.5
        im.paste(panel, (0 if left else w - pw, 0))
        tx = pw + 10 if left else 12
    else:
        tx = 12
    _text(d, rng, (tx, int(h * 0.15)), int(h * rng.uniform(0.15, 0.3)), int(rng.integers(2, 5)))
    _text(d, rng, (tx, int(h * 0.55)), int(h * 0.12), int(rng.integers(3, 7)))
    if rng.random() < 0.6:
        bx, by = tx, int(h * 0.75)
        d.rounded_rectangle((bx, by, bx + int(h * 0.9), by + int(h * 0.18)), radius=6, fill=_colour(rng, True))
    return im, used


def render_poster(rng: np.random.Generator, photos: list[Path]) -> tuple[Image.Image, str]:
    """A film or event poster: a large photograph (often desaturated, sometimes a cut-out) on a
    flat ground, a title in large bold letters, a block of small credits at the bottom."""
    w = int(rng.integers(300, 900))
    h = int(w * rng.uniform(1.3, 1.6))
    im = _background(rng, (w, h))
    d = ImageDraw.Draw(im)
    pw, ph = int(w * rng.uniform(0.5, 1.0)), int(h * rng.uniform(0.4, 0.85))
    panel, used = _photo(photos, rng, (pw, ph))
    if rng.random() < 0.4:
        panel = panel.convert("L").convert("RGB")
    x0, y0 = int(rng.integers(0, w - pw + 1)), int(rng.integers(0, h - ph + 1))
    if rng.random() < 0.5:  # a cut-out figure: an elliptic mask on the flat background
        mask = Image.new("L", (pw, ph), 0)
        ImageDraw.Draw(mask).ellipse((0, 0, pw, ph), fill=255)
        im.paste(panel, (x0, y0), mask.filter(ImageFilter.GaussianBlur(2)))
    else:
        im.paste(panel, (x0, y0))
    fill = _colour(rng)
    bold = [p for p in _fonts() if "Bold" in p.name]
    size = int(w * rng.uniform(0.08, 0.16))
    font = ImageFont.truetype(str(bold[int(rng.integers(len(bold)))]), size)
    top = int(rng.integers(0, max(1, h // 3)))
    for i in range(int(rng.integers(1, 5))):
        d.text((int(w * 0.05), top + int(i * size * 1.1)), str(rng.choice(WORDS)).upper(), font=font, fill=fill)
    for i in range(int(rng.integers(2, 6))):
        _text(d, rng, (int(w * 0.05), int(h * 0.9 + i * 10)), 9, int(rng.integers(6, 14)))
    return im, used


def render_logo(rng: np.random.Generator, photos: list[Path]) -> tuple[Image.Image, str]:
    s = int(rng.integers(128, 600))
    w = int(s * rng.uniform(1.0, 2.5))
    big = _background(rng, (w * 2, s * 2))  # drawn at twice the size, then halved: anti-aliased edges
    d = ImageDraw.Draw(big)
    for _ in range(int(rng.integers(1, 6))):
        c = _colour(rng, True)
        x0, y0 = int(rng.integers(0, w * 2 - 40)), int(rng.integers(0, s * 2 - 40))
        x1, y1 = x0 + int(rng.integers(30, s)), y0 + int(rng.integers(30, s))
        shape = int(rng.integers(3))
        if shape == 0:
            d.ellipse((x0, y0, x1, y1), fill=c)
        elif shape == 1:
            d.rectangle((x0, y0, x1, y1), fill=c)
        else:
            d.polygon([(x0, y1), ((x0 + x1) // 2, y0), (x1, y1)], fill=c)
    if rng.random() < 0.7:
        _text(d, rng, (int(w * 0.2), int(s * 1.2)), int(s * 0.3), int(rng.integers(1, 3)))
    return big.resize((w, s), Image.LANCZOS), ""


def render_ui(rng: np.random.Generator, photos: list[Path]) -> tuple[Image.Image, str]:
    w, h = [(1280, 800), (1440, 900), (800, 600), (390, 844), (1024, 640)][int(rng.integers(5))]
    dark = rng.random() < 0.3
    im = Image.new("RGB", (w, h), (32, 33, 36) if dark else (248, 249, 250))
    d = ImageDraw.Draw(im)
    fg = (230, 230, 230) if dark else (32, 33, 36)
    d.rectangle((0, 0, w, 48), fill=_colour(rng))
    _text(d, rng, (16, 12), 20, 2, (255, 255, 255))
    side = int(w * rng.uniform(0.0, 0.25))
    if side:
        d.rectangle((0, 48, side, h), fill=(45, 46, 50) if dark else (235, 237, 240))
        for i in range(int(rng.integers(4, 12))):
            _text(d, rng, (14, 70 + 32 * i), 14, 1, fg)
    used = ""
    y = 70
    while y < h - 40:
        r = rng.random()
        if r < 0.15 and photos:
            tw, th = int(rng.integers(80, 240)), int(rng.integers(60, 160))
            thumb, used = _photo(photos, rng, (tw, th))
            im.paste(thumb, (side + 20, y))
            y += th + 16
        elif r < 0.3:
            d.rounded_rectangle((side + 20, y, side + 20 + int(rng.integers(80, 180)), y + 34), radius=8, fill=_colour(rng, True))
            y += 50
        else:
            _text(d, rng, (side + 20, y), int(rng.integers(12, 20)), int(rng.integers(3, 12)), fg)
            y += int(rng.integers(22, 36))
    return im, used


def render_diagram(rng: np.random.Generator, photos: list[Path]) -> tuple[Image.Image, str]:
    w, h = int(rng.integers(500, 1400)), int(rng.integers(300, 900))
    im = Image.new("RGB", (w, h), _colour(rng, False) if rng.random() < 0.5 else (255, 255, 255))
    d = ImageDraw.Draw(im)
    boxes = []
    for _ in range(int(rng.integers(3, 9))):
        x0, y0 = int(rng.integers(10, w - 160)), int(rng.integers(10, h - 70))
        box = (x0, y0, x0 + int(rng.integers(90, 150)), y0 + int(rng.integers(40, 60)))
        d.rectangle(box, fill=_colour(rng), outline=(0, 0, 0), width=2)
        _text(d, rng, (box[0] + 6, box[1] + 8), 14, 2, (0, 0, 0))
        boxes.append(box)
    for a, b in zip(boxes, boxes[1:], strict=False):
        d.line(((a[2], (a[1] + a[3]) // 2), (b[0], (b[1] + b[3]) // 2)), fill=(0, 0, 0), width=2)
    return im, ""


RENDERERS: dict[str, Callable[[np.random.Generator, list[Path]], tuple[Image.Image, str]]] = {
    "chart": render_chart, "slide": render_slide, "banner": render_banner, "poster": render_poster,
    "logo": render_logo, "ui": render_ui, "diagram": render_diagram,
}


def as_users_meet_it(im: Image.Image, rng: np.random.Generator) -> tuple[bytes, str, dict]:
    """A resize (sometimes) and JPEG 70–95 (85 %; else PNG): the way graphics reach a checker."""
    steps: dict = {}
    if rng.random() < 0.4:
        f = float(rng.uniform(0.5, 0.95))
        im = im.resize((max(16, int(im.width * f)), max(16, int(im.height * f))), Image.LANCZOS)
        steps["resize"] = round(f, 3)
    buf = io.BytesIO()
    if rng.random() < 0.85:
        q = int(rng.integers(70, 96))
        sub = 2 if rng.random() < 0.7 else 0  # 4:2:0 mostly, else 4:4:4
        im.save(buf, "JPEG", quality=q, subsampling=sub)
        steps.update(jpeg_quality=q, subsampling="4:2:0" if sub == 2 else "4:4:4")
        return buf.getvalue(), ".jpg", steps
    im.save(buf, "PNG")
    return buf.getvalue(), ".png", steps


# --------------------------------------------------------------------------- data sets
def training_photos(gen_data: Path, split: str = "train") -> list[tuple[Path, str]]:
    """(view file, source family) of the generation data's authentic photographs of ``split``,
    without any picture from the exif-samples cameras (reserved for measuring false alarms)."""
    out = []
    for line in (gen_data / "manifest.jsonl").read_text().splitlines():
        rec = json.loads(line)
        if rec.get("label") != "authentic" or rec.get("split") != split or rec.get("dropped"):
            continue
        if "exif-samples" in str(rec.get("path", "")):
            continue
        for v in rec.get("views", []):
            if v.get("view") == "proc":
                out.append((gen_data / "views" / v["file"], str(rec["family"])))
    return out


def render(out: Path, photos: list[Path], n_per_kind: int = 60, seed: int = 0) -> int:
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for k, kind in enumerate(KINDS):
        for i in range(n_per_kind):
            rng = np.random.default_rng([seed, k, i])
            im, used = RENDERERS[kind](rng, photos)
            data, ext, steps = as_users_meet_it(im, rng)
            name = f"{kind}_{i:03d}{ext}"
            (out / name).write_bytes(data)
            rows.append({"image": name, "kind": kind, "seed": f"{seed},{k},{i}", "photo": used,
                         "steps": json.dumps(steps), "licence": "Apache-2.0 (drawn by this recipe)"})
    _write_index(out, rows)
    return len(rows)


#: Open-licensed graphics installed on this machine (folder glob, licence).
FOUND = (
    ("/usr/share/icons/Adwaita/512x512/*/*.png", "CC-BY-SA-3.0 or LGPL-3.0 (GNOME Adwaita icon theme)"),
    ("/usr/share/icons/hicolor/256x256/apps/*.png", "see the package's copyright file"),
    ("/root/.rustup/toolchains/stable-x86_64-unknown-linux-gnu/share/doc/rust/html/**/*.png",
     "MIT or Apache-2.0 (Rust documentation)"),
    ("/root/.rustup/toolchains/stable-x86_64-unknown-linux-gnu/share/doc/rust/html/**/*.jpg",
     "MIT or Apache-2.0 (Rust documentation)"),
    ("/usr/share/doc/nodejs/**/*.png", "MIT (Node.js documentation)"),
    ("/usr/share/doc/valgrind/html/images/*.png", "GPL-2.0 documentation image (measured only, never fitted)"),
    ("/usr/share/doc/libxslt1-dev/html/*.png", "MIT (libxslt documentation)"),
)


def found(out: Path, seed: int = 0, min_side: int = 64) -> int:
    import glob

    out.mkdir(parents=True, exist_ok=True)
    rows, seen = [], set()
    for pattern, licence in FOUND:
        for i, p in enumerate(sorted(glob.glob(pattern, recursive=True))):
            try:
                with Image.open(p) as im:
                    im.load()
                    if min(im.size) < min_side:
                        continue
                    rgba = im.convert("RGBA")
            except OSError:
                continue
            key = hashlib.sha256(rgba.tobytes()).hexdigest()
            if key in seen:
                continue
            seen.add(key)
            rng = np.random.default_rng([seed, len(rows), i])
            bg = Image.new("RGBA", rgba.size, (*_colour(rng, False), 255) if rng.random() < 0.3 else (255, 255, 255, 255))
            data, ext, steps = as_users_meet_it(Image.alpha_composite(bg, rgba).convert("RGB"), rng)
            name = f"found_{len(rows):03d}{ext}"
            (out / name).write_bytes(data)
            rows.append({"image": name, "kind": "found", "seed": f"{seed},{len(rows)},{i}", "photo": "",
                         "steps": json.dumps({"source": p, **steps}), "licence": licence})
    _write_index(out, rows)
    return len(rows)


def found_in_repo(repo_git: Path, out: Path, *, licence: str, limit: int = 200, seed: int = 0,
                  min_side: int = 64, exclude: frozenset[str] = frozenset(), kind: str = "found") -> int:
    """Raster graphics of a fetched repository snapshot (a bare git directory), read with ``git show``:
    up to ``limit`` PNG/JPEG files drawn at random (seeded), composited on white and brought through
    ``as_users_meet_it``; repository, commit, path and licence per file in ``index.csv``. Paths in
    ``exclude`` are skipped (e.g. those of a held-out folder drawn from the same repository)."""
    def git(*args: str) -> bytes:
        return subprocess.run(["git", "--git-dir", str(repo_git), *args], capture_output=True, check=True).stdout

    commit = git("rev-parse", "HEAD").decode().strip()
    names = [n for n in git("ls-tree", "-r", "--name-only", "HEAD").decode().splitlines()
             if n.lower().endswith((".png", ".jpg", ".jpeg"))]
    pick = np.random.default_rng(seed).permutation(len(names))
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in pick:
        if len(rows) >= limit:
            break
        if names[i] in exclude:
            continue
        try:
            with Image.open(io.BytesIO(git("show", f"HEAD:{names[i]}"))) as im:
                im.load()
                if min(im.size) < min_side:
                    continue
                rgba = im.convert("RGBA")
        except (OSError, subprocess.CalledProcessError):
            continue
        rng = np.random.default_rng([seed, int(i)])
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        data, ext, steps = as_users_meet_it(Image.alpha_composite(white, rgba).convert("RGB"), rng)
        name = f"repo_{len(rows):03d}{ext}"
        (out / name).write_bytes(data)
        rows.append({"image": name, "kind": kind, "seed": f"{seed},{int(i)}", "photo": "",
                     "steps": json.dumps({"source": f"{repo_git.parent.name}@{commit[:12]}:{names[i]}", **steps}),
                     "licence": licence})
    _write_index(out, rows)
    return len(rows)


def sources_of(folder: Path) -> frozenset[str]:
    """The repository paths a ``found_in_repo`` folder was drawn from."""
    return frozenset(json.loads(r["steps"])["source"].split(":", 1)[1] for r in read_index(folder))


def _write_index(out: Path, rows: list[dict]) -> None:
    with open(out / "index.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["image"])
        w.writeheader()
        w.writerows(rows)


def read_index(folder: Path) -> list[dict]:
    with open(folder / "index.csv", newline="") as fh:
        return list(csv.DictReader(fh))


# --------------------------------------------------------------------------- features and fit
def features_of(paths: list[Path]) -> tuple[np.ndarray, list[bool]]:
    """Feature rows (``FEATURES`` order) of the readable pictures; unreadable ones are skipped
    (``ok`` False) and their rows are NaN."""
    from forgelens.detectors.graphic_content import FEATURES, design_row, graphic_features
    from forgelens.errors import ForgeLensError
    from forgelens.evidence import load

    rows, ok = [], []
    for p in paths:
        try:
            rows.append(design_row(graphic_features(load(p))))
            ok.append(True)
        except (ForgeLensError, ValueError, OSError):
            rows.append([np.nan] * len(FEATURES))
            ok.append(False)
    return np.asarray(rows, np.float64), ok


def guard_drop(folder: Path, guard: Path | None) -> set[str]:
    """Names the evaluation guard flags in ``folder`` (empty when there is no guard)."""
    if guard is None or not guard.is_file():
        return set()
    from forgelens.training.generation_data import run_guard  # the one parser of the guard's report

    return {Path(p).name for p in run_guard(folder, guard)}


def fit(graphics: Path | list[Path], gen_data: Path, out: Path = WEIGHTS, *, guard: Path | None = None,
        photo_fpr: float = 0.005, seed: int = 0) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold

    from forgelens import model_file
    from forgelens.detectors.graphic_content import FEATURES
    from forgelens.fusion.calibration import threshold_at_fpr
    from forgelens.training.calibration import fit_platt

    t0 = time.time()
    folders = [graphics] if isinstance(graphics, Path) else list(graphics)
    g_rows, g_paths, flagged = [], [], []
    for folder in folders:
        drop = guard_drop(folder, guard)
        flagged += [f"{folder.name}/{n}" for n in sorted(drop)]
        kept = [r for r in read_index(folder) if r["image"] not in drop]
        g_rows += kept
        g_paths += [folder / r["image"] for r in kept]
    photos = training_photos(gen_data, "train")
    p_paths = [p for p, _ in photos]
    x_g, ok_g = features_of(g_paths)
    x_p, ok_p = features_of(p_paths)
    x = np.vstack([x_g[ok_g], x_p[ok_p]])
    y = np.r_[np.ones(sum(ok_g)), np.zeros(sum(ok_p))]
    # groups: a graphic kind, a photo source — folds never split one
    groups = np.r_[[r["kind"] for r, o in zip(g_rows, ok_g, strict=True) if o],
                   [f for (_, f), o in zip(photos, ok_p, strict=True) if o]]
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - mean) / scale

    def model() -> LogisticRegression:
        return LogisticRegression(C=10.0, class_weight="balanced", max_iter=5000)

    oof = np.zeros(len(y))
    for tr, te in StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=seed).split(z, y, groups):
        oof[te] = model().fit(z[tr], y[tr]).decision_function(z[te])
    a, b = fit_platt(oof, y)
    p_oof = 1.0 / (1.0 + np.exp(-(a * oof + b)))
    thr = max(threshold_at_fpr(p_oof[y == 0], photo_fpr), 0.5)
    final = model().fit(z, y)
    figures = {"oof_photos_flagged": int((p_oof[y == 0] >= thr).sum()), "photos": int((y == 0).sum()),
               "oof_graphics_flagged": int((p_oof[y == 1] >= thr).sum()), "graphics": int((y == 1).sum())}
    mf = model_file.ModelFile(
        "probe",
        {"mean": mean.tolist(), "scale": scale.tolist(), "coef": final.coef_[0].tolist(),
         "bias": float(final.intercept_[0])},
        features=list(FEATURES),
        calibration={"method": "platt", "a": float(a), "b": float(b)},
        thresholds={"decision": thr, "rule": f"smallest P(graphic) flagging <= {photo_fpr:.1%} of out-of-fold "
                                             "training photographs"},
        prior=0.5,
        provenance={"script": "python -m forgelens.training.graphic_content fit", "date": time.strftime("%Y-%m-%d"),
                    "graphics": [str(f) for f in folders], "photos": f"{gen_data}/manifest.jsonl split=train authentic "
                    "(no exif-samples)", "guard_dropped": sorted(flagged), "figures": figures,
                    "seconds": round(time.time() - t0, 1)},
        description=("Designed graphic vs photograph: standardised Athitsos et al. (1997) colour features and "
                     "JPEG-aware flatness (forgelens.detectors.graphic_content.FEATURES) -> logistic regression "
                     "(class-balanced) -> Platt scaling on out-of-fold scores = P(designed graphic)."),
    )
    model_file.write(out, mf)
    return {"out": str(out), "threshold": thr, **figures}


def register(app) -> None:
    """Add ``forgelens train graphics`` to the CLI (the shared ``train`` group)."""
    import typer

    from forgelens.cli_groups import command_group

    train_app = command_group(app, "train", "Train forgelens' learned components.")

    @train_app.command("graphics")
    def graphics_cmd(
        data: Path = typer.Argument(..., help="Folder for the rendered and found graphics (made when missing)."),
        gen_data: Path = typer.Option(Path("/work/gen-data"), "--gen-data", help="The generation data set (photos)."),
        out: Path = typer.Option(WEIGHTS, "--out", "-o", help="Where to write the gate's model file."),
    ) -> None:
        """Fit the designed-graphic gate (graphic_content.json): render graphics, then fit against photographs."""
        rendered = data / "graphics-rendered"
        if not (rendered / "index.csv").is_file():
            main(["render", "--out", str(rendered), "--gen-data", str(gen_data)])
        if not (data / "graphics-found" / "index.csv").is_file():
            main(["found", "--out", str(data / "graphics-found")])
        main(["fit", "--graphics", str(rendered), "--gen-data", str(gen_data), "--out", str(out)])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m forgelens.training.graphic_content", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("render", help="draw designed graphics (seeded)")
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--gen-data", type=Path, default=Path("/work/gen-data"))
    r.add_argument("--n", type=int, default=60, help="pictures per kind")
    r.add_argument("--seed", type=int, default=0)
    f = sub.add_parser("found", help="open-licensed graphics installed on this machine (or in --repo)")
    f.add_argument("--out", type=Path, required=True)
    f.add_argument("--repo", type=Path, default=None, help="a fetched repository's bare git directory instead")
    f.add_argument("--licence", default="", help="the repository's licence (recorded per file)")
    f.add_argument("--limit", type=int, default=200)
    f.add_argument("--exclude", type=Path, default=None, help="a folder drawn from the same repository: skip its files")
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--kind", default="found", help="recorded kind (the fit's cross-validation group)")
    t = sub.add_parser("fit", help="fit the gate and write its model file")
    t.add_argument("--graphics", type=Path, required=True, nargs="+", help="one or more graphics folders")
    t.add_argument("--gen-data", type=Path, default=Path("/work/gen-data"))
    t.add_argument("--out", type=Path, default=WEIGHTS)
    t.add_argument("--guard", type=Path, default=Path("../shared/tools/heldout_guard.py"))
    a = ap.parse_args(argv)
    if a.cmd == "render":
        photos = [p for p, _ in training_photos(a.gen_data, "train")]
        print(render(a.out, photos, a.n, a.seed), "graphics written to", a.out)
    elif a.cmd == "found" and a.repo is not None:
        skip = sources_of(a.exclude) if a.exclude else frozenset()
        print(found_in_repo(a.repo, a.out, licence=a.licence, limit=a.limit, seed=a.seed, exclude=skip, kind=a.kind),
              "graphics written to", a.out)
    elif a.cmd == "found":
        print(found(a.out), "graphics written to", a.out)
    else:
        print(json.dumps(fit(a.graphics, a.gen_data, a.out, guard=a.guard), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
