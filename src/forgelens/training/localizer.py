"""Training recipe of the learned localizer (``forgelens train localizer``).

Reproducible: one seed drives the crop sampler, the augmentations and the
initialisation; the data are ``forgelens synth`` folders or any folder with
the same ``index.csv`` (image, mask, label; e.g. ``../shared/datasets/nist16``);
checkpoints every ``save_every`` steps make it resumable
(``--resume``); the loss log is a CSV and a PNG curve beside the checkpoint.

Recipe (what shipped; see ``forgelens/learned/weights/MODEL_CARD.md``):
random ``crop``² crops (70 % centred on a forged pixel when the image has a
mask), each augmented with p=``downscale_p`` downscale ×[0.5, 1] of the whole
image before cropping, p=``paste_p`` paste of a region cut from another
training picture with a history of its own (see :class:`CropSampler`),
p=0.1 Gaussian blur, p=0.1 Gaussian noise, p=0.6 JPEG recompression
q∈[55, 95] and a horizontal flip; AdamW, cosine learning rate (``--init``
fine-tunes from existing weights); losses: BCE + soft Dice on the
localization map, MSE of the confidence to 1 − |p − gt| (TruFor's confidence
target, on the detached map) and BCE of the detection logit on the detached
maps (label: > 0.5 % of the crop forged).
One torch thread by default: on a shared 2-core machine more threads *slow*
training down (spin-waiting), measured.
"""

from __future__ import annotations

import csv
import json
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

__all__ = ["TrainConfig", "CropSampler", "train", "export_weights"]


@dataclass(frozen=True)
class TrainConfig:
    data: tuple[str, ...] = ()
    out: str = "localizer-run"
    seed: int = 0
    steps: int = 1200
    batch: int = 8
    crop: int = 128
    lr: float = 5e-4
    weight_decay: float = 1e-4
    save_every: int = 100
    max_minutes: float = 0.0  # 0 = no wall-clock cap
    threads: int = 1
    init: str = ""  # start from these weights (exported file or checkpoint) instead of ImageNet
    downscale_p: float = 0.2  # chance a whole picture is downscaled before cropping
    paste_p: float = 0.3  # chance a crop gets a region pasted from another picture (see CropSampler)


def _read_rgb(path: Path) -> np.ndarray:
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f"unreadable image {path}")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def _read_index(folder: Path) -> list[tuple[Path, Path | None]]:
    rows = []
    with open(folder / "index.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r.get("label") not in ("authentic", "manipulated"):
                continue
            mask = folder / r["mask"] if r.get("mask") else None
            rows.append((folder / r["image"], mask))
    return rows


def _add_noise(img: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise of standard deviation ``sigma`` (drawn by the caller), rounded back to uint8."""
    noisy = img.astype(np.float32) + rng.normal(0, sigma, img.shape).astype(np.float32)
    return np.clip(noisy + 0.5, 0, 255).astype(np.uint8)


def _jpeg_roundtrip(img: np.ndarray, quality: int) -> np.ndarray:
    """The RGB picture after one JPEG save at ``quality`` (unchanged if encoding fails)."""
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB) if ok else img


def _region(rng: np.random.Generator, c: int) -> np.ndarray:
    """A random rectangle, ellipse or polygon covering about 4-40 % of a c x c crop (uint8 0/1)."""
    m = np.zeros((c, c), np.uint8)
    bh, bw = (int(v) for v in rng.integers(c // 5, int(c * 0.65), 2))
    y0, x0 = int(rng.integers(0, c - bh + 1)), int(rng.integers(0, c - bw + 1))
    kind = rng.random()
    if kind < 0.35:
        m[y0:y0 + bh, x0:x0 + bw] = 1
    elif kind < 0.7:
        cv2.ellipse(m, (x0 + bw // 2, y0 + bh // 2), (max(1, bw // 2), max(1, bh // 2)),
                    float(rng.uniform(0, 180)), 0, 360, 1, -1)
    else:
        n = int(rng.integers(5, 12))
        ang = np.sort(rng.uniform(0, 2 * np.pi, n))
        rad = rng.uniform(0.5, 1.0, n)
        pts = np.stack([x0 + bw / 2 * (1 + rad * np.cos(ang)), y0 + bh / 2 * (1 + rad * np.sin(ang))], 1)
        cv2.fillPoly(m, [np.round(pts).astype(np.int32)], 1)
    return m


class CropSampler:
    """Seeded sampler of augmented (crop, mask) pairs from synth folders.

    ``paste_p``: chance that a region (rectangle, ellipse or polygon, hard or
    slightly feathered edge) cut from *another* training picture, given its
    own history (extra sensor-like noise, a JPEG compression, a rescale), is
    pasted into the crop before the crop's own post-processing - on-the-fly
    splicing in the spirit of CAT-Net's and TruFor's synthetic training
    splices, so the network sees hard-edged splices of foreign camera noise
    and compression, not only the synth set's feathered objects.
    ``downscale_p``: chance the whole picture is downscaled x[0.5, 1] first
    (resizing erases camera noise and JPEG traces, so it is kept rare).
    """

    def __init__(self, folders: list[str | Path], crop: int, seed: int,
                 downscale_p: float = 0.2, paste_p: float = 0.3) -> None:
        self.items: list[tuple[Path, Path | None]] = []
        for f in folders:
            self.items.extend(_read_index(Path(f)))
        if not self.items:
            raise ValueError(f"no authentic/manipulated rows in {folders}")
        self.crop = crop
        self.rng = np.random.default_rng(seed)
        self.downscale_p = downscale_p
        self.paste_p = paste_p

    def _donor(self, c: int) -> np.ndarray:
        """A c x c patch of another picture with a history of its own (noise, rescale, JPEG)."""
        rng = self.rng
        img = _read_rgb(self.items[int(rng.integers(len(self.items)))][0])
        if rng.random() < 0.3:
            s = float(rng.uniform(0.6, 1.4))
            img = cv2.resize(img, (max(8, round(img.shape[1] * s)), max(8, round(img.shape[0] * s))),
                             interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
        h, w = img.shape[:2]
        if h < c or w < c:
            img = cv2.copyMakeBorder(img, 0, max(0, c - h), 0, max(0, c - w), cv2.BORDER_REFLECT_101)
            h, w = img.shape[:2]
        y0, x0 = int(rng.integers(h - c + 1)), int(rng.integers(w - c + 1))
        d = np.ascontiguousarray(img[y0:y0 + c, x0:x0 + c])
        if rng.random() < 0.5:
            d = _add_noise(d, rng.uniform(1, 6), rng)
        if rng.random() < 0.8:
            d = _jpeg_roundtrip(d, int(rng.integers(50, 96)))
        return d

    def sample(self) -> tuple[np.ndarray, np.ndarray]:
        rng, c = self.rng, self.crop
        img_path, mask_path = self.items[int(rng.integers(len(self.items)))]
        img = _read_rgb(img_path)
        h, w = img.shape[:2]
        mask = np.zeros((h, w), np.uint8)
        if mask_path is not None:
            m = cv2.imread(str(mask_path), cv2.IMREAD_GRAYSCALE)
            if m is not None and m.shape == (h, w):
                mask = (m >= 128).astype(np.uint8)
        if rng.random() < self.downscale_p:  # downscale the whole picture (social-network style)
            s = float(rng.uniform(0.5, 1.0))
            nw, nh = max(c, round(w * s)), max(c, round(h * s))
            img = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA)
            mask = (cv2.resize(mask.astype(np.float32), (nw, nh), interpolation=cv2.INTER_AREA) >= 0.5).astype(np.uint8)
            h, w = nh, nw
        if h < c or w < c:
            py, px = max(0, c - h), max(0, c - w)
            img = cv2.copyMakeBorder(img, 0, py, 0, px, cv2.BORDER_REFLECT_101)
            mask = cv2.copyMakeBorder(mask, 0, py, 0, px, cv2.BORDER_CONSTANT, value=0)
            h, w = img.shape[:2]
        ys, xs = np.nonzero(mask)
        if ys.size and rng.random() < 0.7:
            k = int(rng.integers(ys.size))
            y0 = int(np.clip(ys[k] - rng.integers(c // 8, c - c // 8), 0, h - c))
            x0 = int(np.clip(xs[k] - rng.integers(c // 8, c - c // 8), 0, w - c))
        else:
            y0, x0 = int(rng.integers(h - c + 1)), int(rng.integers(w - c + 1))
        img = np.ascontiguousarray(img[y0:y0 + c, x0:x0 + c])
        mask = np.ascontiguousarray(mask[y0:y0 + c, x0:x0 + c])
        if rng.random() < self.paste_p:
            region = _region(rng, c)
            alpha = region.astype(np.float32)
            if rng.random() < 0.3:
                alpha = cv2.GaussianBlur(alpha, (0, 0), float(rng.uniform(0.5, 2.0)))
            donor = self._donor(c).astype(np.float32)
            img = np.clip(img * (1 - alpha[..., None]) + donor * alpha[..., None] + 0.5, 0, 255).astype(np.uint8)
            mask = np.maximum(mask, (alpha >= 0.5).astype(np.uint8))
        if rng.random() < 0.1:
            img = cv2.GaussianBlur(img, (0, 0), float(rng.uniform(0.4, 1.2)))
        if rng.random() < 0.1:
            img = _add_noise(img, rng.uniform(1, 5), rng)
        if rng.random() < 0.6:
            img = _jpeg_roundtrip(img, int(rng.integers(55, 96)))
        if rng.random() < 0.5:
            img, mask = img[:, ::-1], mask[:, ::-1]
        return np.ascontiguousarray(img), np.ascontiguousarray(mask)

    def batch(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        pairs = [self.sample() for _ in range(n)]
        return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])


def _losses(model, x, y):
    import torch
    from torch.nn import functional as F

    loc, conf = model(x)
    p = torch.sigmoid(loc)
    bce = F.binary_cross_entropy_with_logits(loc, y)
    inter = (p * y).sum(dim=(1, 2, 3))
    dice = 1 - (2 * inter + 1) / (p.sum(dim=(1, 2, 3)) + y.sum(dim=(1, 2, 3)) + 1)
    has = (y.mean(dim=(1, 2, 3)) > 0.005).float()
    dice = (dice * has).sum() / has.sum().clamp_min(1)
    target_conf = 1 - (p.detach() - y).abs()
    conf_loss = F.mse_loss(torch.sigmoid(conf), target_conf)
    det = model.detect(p.detach(), torch.sigmoid(conf).detach())
    det_loss = F.binary_cross_entropy_with_logits(det, has)
    total = bce + dice + conf_loss + 0.5 * det_loss
    return total, {"bce": bce.item(), "dice": dice.item(), "conf": conf_loss.item(), "det": det_loss.item()}


def _plot(log_path: Path, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = list(csv.DictReader(open(log_path, encoding="utf-8")))
    if not rows:
        return
    steps = [int(r["step"]) for r in rows]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for key in ("total", "bce", "dice", "conf", "det"):
        v = np.array([float(r[key]) for r in rows])
        k = min(25, len(v))
        ax.plot(steps, np.convolve(v, np.ones(k) / k, mode="same"), label=key)
    ax.set_xlabel("step")
    ax.set_ylabel("loss (moving mean)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)


def train(cfg: TrainConfig, *, resume: bool = False, log=print) -> Path:
    """Train (or resume) and return the path of the last checkpoint (``OUT/last.pt``)."""
    import torch

    from forgelens.training.localizer_net import FilterFusionNet, ModelSpec, lite0_weights_path

    torch.set_num_threads(max(1, cfg.threads))
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    spec = ModelSpec()
    model = FilterFusionNet(spec, pretrained_path=lite0_weights_path())
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sampler = CropSampler(list(cfg.data), cfg.crop, cfg.seed, cfg.downscale_p, cfg.paste_p)
    start = 0
    ckpt = out / "last.pt"
    if cfg.init and not (resume and ckpt.is_file()):
        from forgelens.training.localizer_weights import read_weights

        init_spec, init_sd = read_weights(cfg.init)
        if init_spec != spec:
            raise ValueError(f"--init {cfg.init}: architecture {init_spec} differs from {spec}")
        model.load_state_dict(init_sd, strict=True)
        log(f"initialised from {cfg.init}")
    if resume and ckpt.is_file():
        state = torch.load(ckpt, map_location="cpu", weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        start = int(state["step"])
        sampler.rng = np.random.default_rng([cfg.seed, start])  # a fresh, still seeded stream
        log(f"resumed from {ckpt} at step {start}")
    (out / "config.json").write_text(json.dumps(asdict(cfg), indent=1))
    log_path = out / "loss.csv"
    if not (resume and log_path.is_file()):
        log_path.write_text("step,seconds,lr,total,bce,dice,conf,det\n")
    t0 = time.time()
    model.train()
    step = start
    for step in range(start, cfg.steps):
        lr = cfg.lr * 0.5 * (1 + math.cos(math.pi * step / cfg.steps))
        for g in opt.param_groups:
            g["lr"] = lr
        imgs, masks = sampler.batch(cfg.batch)
        x = torch.from_numpy(imgs).permute(0, 3, 1, 2).float()
        y = torch.from_numpy(masks).unsqueeze(1).float()
        loss, parts = _losses(model, x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write(f"{step + 1},{time.time() - t0:.1f},{lr:.2e},{loss.item():.4f},"
                     + ",".join(f"{parts[k]:.4f}" for k in ("bce", "dice", "conf", "det")) + "\n")
        done = step + 1
        stop = cfg.max_minutes > 0 and (time.time() - t0) > cfg.max_minutes * 60
        if done % cfg.save_every == 0 or done == cfg.steps or stop:
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": done,
                        "spec": spec.to_dict(), "config": asdict(cfg)}, ckpt)
            _plot(log_path, out / "loss.png")
            log(f"step {done}/{cfg.steps} loss {loss.item():.3f} {parts} {time.time() - t0:.0f} s")
        if stop:
            log(f"stopped at step {done}: wall-clock cap of {cfg.max_minutes} min")
            break
    return ckpt


def calibrate_detection(model, folders: list[str | Path], *, tile: int = 512, overlap: int = 64,
                        log=print) -> dict:
    """Platt-scale the detection head on whole images of held-out synth folders, in place.

    Crops seen in training are forged ~70 % of the time, so the raw head is
    biased towards "manipulated" on whole images; a 1-D logistic regression
    ``a * logit + b`` fitted (classes weighted equally, so 0.5 means even odds) on full images of a
    folder *not* used in training is folded into the head's last layer.
    """
    import torch
    from sklearn.linear_model import LogisticRegression

    from forgelens.learned.localizer import localize
    from forgelens.training.localizer_net import TorchLocalizer

    logits, labels = [], []
    net = TorchLocalizer(model)
    for f in folders:
        for img_path, mask_path in _read_index(Path(f)):
            prob, conf, _ = localize(net, _read_rgb(img_path), tile, overlap)
            logits.append(net.detect(prob, conf))
            labels.append(mask_path is not None)
    x, y = np.array(logits)[:, None], np.array(labels)
    lr = LogisticRegression(C=100.0, class_weight="balanced").fit(x, y)  # equal priors
    a, b = float(lr.coef_[0, 0]), float(lr.intercept_[0])
    last = model.det_head[-1]
    with torch.no_grad():
        last.weight.mul_(a)
        last.bias.mul_(a).add_(b)
    info = {"images": len(y), "manipulated": int(y.sum()), "a": a, "b": b}
    log(f"detection head calibrated on {info}")
    return info


def export_weights(checkpoint: str | Path, dest: str | Path, meta: dict | None = None,
                   calibrate: list[str | Path] | None = None) -> Path:
    """Write a checkpoint's model as fp16 weights (the format shipped in the package).

    ``dest`` ending in ``.pt`` / ``.pth`` gives the older torch payload;
    anything else a safetensors file (shipped format, see
    :func:`forgelens.training.localizer_weights.save_weights`). ``calibrate``: held-out
    synth folders on which the detection head is Platt-scaled first (see
    :func:`calibrate_detection`).
    """
    import torch

    from forgelens.training.localizer_weights import FORMAT, save_weights

    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    meta = dict(meta or {})
    if calibrate:
        from forgelens.training.localizer_net import FilterFusionNet, ModelSpec

        model = FilterFusionNet(ModelSpec.from_dict(state["spec"]))
        model.load_state_dict(state["model"])
        meta["calibration"] = calibrate_detection(model, list(calibrate))
        meta["calibration"]["folders"] = [str(c) for c in calibrate]
        state["model"] = model.state_dict()
    dest = Path(dest)
    if dest.suffix.lower() not in (".pt", ".pth"):
        return save_weights(state["model"], state["spec"], dest,
                            {"step": state.get("step"), "config": state.get("config"), "meta": meta})
    sd = {k: (v.half() if v.is_floating_point() else v) for k, v in state["model"].items()}
    payload = {"format": FORMAT, "spec": state["spec"], "state_dict": sd,
               "step": state.get("step"), "config": state.get("config"), "meta": meta or {}}
    dest.parent.mkdir(parents=True, exist_ok=True)
    torch.save(payload, dest)
    return dest


def register(app) -> None:
    """Add ``forgelens train localizer`` and ``train interpolate`` to the Typer app (``train export`` is in ``training.export``)."""
    import typer

    from forgelens.cli_groups import command_group

    train_app = command_group(app, "train", "Train forgelens' learned components.")

    @train_app.command("localizer")
    def localizer(
        data: list[Path] = typer.Option(..., "--data", "-d", help="forgelens synth folder(s) (index.csv); repeatable."),
        out: Path = typer.Option(Path("localizer-run"), "-o", "--out", help="Run folder: last.pt, loss.csv, loss.png."),
        seed: int = typer.Option(0, "--seed"),
        steps: int = typer.Option(1200, "--steps"),
        batch: int = typer.Option(8, "--batch"),
        crop: int = typer.Option(128, "--crop", help="Crop side (a multiple of 32)."),
        lr: float = typer.Option(5e-4, "--lr"),
        max_minutes: float = typer.Option(0.0, "--max-minutes", help="Stop (and checkpoint) after this wall time."),
        threads: int = typer.Option(1, "--threads"),
        resume: bool = typer.Option(False, "--resume", help="Continue from OUT/last.pt."),
        init: Path = typer.Option(None, "--init", help="Fine-tune from these weights (exported file or checkpoint)."),
        downscale_p: float = typer.Option(0.2, "--downscale-p", help="Chance of downscaling a whole picture."),
        paste_p: float = typer.Option(0.3, "--paste-p", help="Chance of pasting a foreign region into a crop."),
    ) -> None:
        """Train the filter-fusion localizer on synth data (seeded, resumable)."""
        if crop % 32:
            raise typer.BadParameter("must be a multiple of 32", param_hint="--crop")
        cfg = TrainConfig(data=tuple(str(d) for d in data), out=str(out), seed=seed, steps=steps, batch=batch,
                          crop=crop, lr=lr, max_minutes=max_minutes, threads=threads,
                          init=str(init) if init else "", downscale_p=downscale_p, paste_p=paste_p)
        ckpt = train(cfg, resume=resume, log=lambda s: typer.echo(s, err=True))
        typer.echo(str(ckpt))

    @train_app.command("interpolate")
    def interpolate(
        theta0: Path = typer.Argument(..., help="The original weights θ0 (e.g. the shipped safetensors)."),
        theta1: Path = typer.Argument(..., help="A fine-tune of θ0 (checkpoint last.pt or exported weights)."),
        out: Path = typer.Option(..., "-o", "--out", help="Checkpoint to write (.pt); export it with `train export`."),
        alpha: float = typer.Option(0.5, "--alpha", help="θ = (1 − α)·θ0 + α·θ1 (WiSE-FT; the paper's default 0.5)."),
    ) -> None:
        """WiSE-FT: the element-wise mix of a localizer and its fine-tune (Wortsman et al., CVPR 2022)."""
        from forgelens.errors import ForgeLensError
        from forgelens.training.localizer_wise import wise_ft

        if not 0.0 <= alpha <= 1.0:
            raise typer.BadParameter("must lie in [0, 1]", param_hint="--alpha")
        try:
            typer.echo(str(wise_ft(theta0, theta1, out, alpha)))
        except ForgeLensError as exc:
            typer.echo(f"forgelens: {exc}", err=True)
            raise typer.Exit(1) from None
