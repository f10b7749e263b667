"""Learned localizer: forensic filters, weight loading, tiled full-resolution inference, training CLI."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch absent: pip install 'forgelens[learned]'")
pytest.importorskip("efficientnet_lite_pytorch", reason="efficientnet-lite-pytorch absent: pip install 'forgelens[learned]'")

from forgelens.detectors import registry  # noqa: E402
from forgelens.errors import ForgeLensError  # noqa: E402
from forgelens.evidence import load  # noqa: E402
from forgelens.learned.filters import SRM_KERNELS, BayarConv2d, NoiseResidual, SRMFilter  # noqa: E402
from forgelens.learned.weights import SHIPPED_WEIGHTS, WeightsError, load_localizer, save_weights  # noqa: E402
from tests._learned_helpers import CAMERAS, DONORS, HOSTS, camera_splice, jpeg_bytes  # noqa: E402

torch.set_num_threads(1)


def _photo(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A textured, noisy RGB 'photo' (smooth gradients + shapes + sensor-like noise)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 110 + 50 * np.sin(xx / 37.0) * np.cos(yy / 23.0)
    img = np.stack([base, base * 0.9 + 20, base * 0.8 + 30], axis=2)
    for _ in range(12):
        cy, cx, r = rng.integers(0, h), rng.integers(0, w), rng.integers(10, 60)
        cv2.circle(img, (int(cx), int(cy)), int(r), rng.uniform(40, 220, 3).tolist(), -1)
    img += rng.normal(0, 3, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------- filters


def test_srm_kernels_sum_to_zero_and_kill_flat_content():
    k = np.array(SRM_KERNELS)
    assert k.shape == (3, 5, 5)
    assert np.allclose(k.sum(axis=(1, 2)), 0.0)
    flat = torch.full((1, 3, 40, 40), 123.0)
    assert torch.allclose(SRMFilter()(flat), torch.zeros(1, 3, 40, 40), atol=1e-5)
    noisy = torch.rand(1, 3, 40, 40) * 255
    r = SRMFilter()(noisy)
    assert r.shape == (1, 3, 40, 40) and r.abs().max() <= 1.0 and r.abs().mean() > 0.1


def test_bayar_constraint_holds_after_forward_and_training_step():
    conv = BayarConv2d(3, 3, 5)
    opt = torch.optim.SGD(conv.parameters(), lr=0.5)
    x = torch.rand(2, 3, 32, 32) * 255
    for _ in range(2):  # an optimiser step breaks the constraint; the next forward restores it
        conv.train()
        y = conv(x)
        w = conv.weight.detach()
        assert torch.allclose(w[:, :, 2, 2], torch.full((3, 3), -1.0))
        off = w.sum(dim=(2, 3)) - w[:, :, 2, 2]
        assert torch.allclose(off, torch.ones(3, 3), atol=1e-5)
        assert torch.allclose(conv.constrained_weight().sum(dim=(2, 3)), torch.zeros(3, 3), atol=1e-5)
        opt.zero_grad()
        y.pow(2).mean().backward()
        opt.step()
    assert conv(torch.full((1, 3, 16, 16), 77.0)).abs().max() < 1e-3  # flat in, ~0 out


def test_noise_residual_shape():
    assert NoiseResidual()(torch.rand(1, 3, 24, 24) * 255).shape == (1, 3, 24, 24)


# --------------------------------------------------------------------------- weights and inference


def test_shipped_weights_are_fp16_safetensors_small_and_load_strictly():
    from safetensors import safe_open

    assert SHIPPED_WEIGHTS.is_file() and SHIPPED_WEIGHTS.suffix == ".safetensors", "shipped weights missing"
    assert SHIPPED_WEIGHTS.stat().st_size < 30 * 2**20
    assert not list(SHIPPED_WEIGHTS.parent.glob("localizer*.pt")), "old torch weights still shipped"
    with safe_open(str(SHIPPED_WEIGHTS), framework="pt") as fh:
        assert fh.metadata()["format"] == "forgelens-localizer-1"
        assert all(fh.get_tensor(k).dtype == torch.float16 for k in fh.keys() if fh.get_tensor(k).is_floating_point())  # noqa: SIM118
    model = load_localizer(None)  # load_state_dict(strict=True) inside
    assert not model.training


def test_full_resolution_trace_deterministic_and_tiled():
    rgb = _photo(300, 520, seed=1)  # not a multiple of 32; two tiles across at tile=384
    ev = load(jpeg_bytes(rgb))
    info = registry.get("learned_localizer")
    # Tiles of 384 px with 128 px overlap (the shipped default is 512 / 64). Measured mean |diff| vs
    # whole-image: 0.025 at 384/128, 0.051 at 256/64 (the model sees less context in smaller tiles).
    cfg = info.make_config({"tile": "384", "overlap": "128"})
    t1 = registry.run("learned_localizer", ev, cfg, catch=False)
    t2 = registry.run("learned_localizer", ev, cfg, catch=False)
    assert t1.applicable and t1.heatmap.shape == (300, 520) and t1.reliability.shape == (300, 520)
    assert t1.heatmap.dtype == np.float32 and 0 <= t1.heatmap.min() and t1.heatmap.max() <= 1
    assert 0.0 <= t1.score <= 1.0
    assert np.array_equal(t1.heatmap, t2.heatmap) and t1.score == t2.score
    # Tiled vs whole-image inference on an image small enough for both: stated tolerance.
    whole = registry.run("learned_localizer", ev, info.make_config({"tile": "544"}), catch=False)
    diff = np.abs(whole.heatmap - t1.heatmap)
    assert diff.mean() < 0.05, f"tiled vs whole mean |diff| {diff.mean():.3f}"


def _save_random_checkpoint(path):
    from forgelens.learned.model import FilterFusionNet, ModelSpec

    torch.manual_seed(0)
    m = FilterFusionNet(ModelSpec())
    torch.save({"spec": ModelSpec().to_dict(), "model": m.state_dict(), "step": 0}, path)


def test_user_checkpoint_path_loads(tmp_path):
    ck = tmp_path / "mine.pt"
    _save_random_checkpoint(ck)
    ev = load(jpeg_bytes(_photo(96, 128)))
    cfg = registry.get("learned_localizer").make_config({"weights_path": str(ck)})
    t = registry.run("learned_localizer", ev, cfg, catch=False)
    assert t.applicable and t.heatmap.shape == (96, 128)
    assert "mine.pt" in t.note


def test_exported_safetensors_from_a_user_path_loads_and_matches(tmp_path):
    from forgelens.learned.model import FilterFusionNet, ModelSpec

    torch.manual_seed(1)
    m = FilterFusionNet(ModelSpec())
    dest = save_weights(m.state_dict(), ModelSpec().to_dict(), tmp_path / "any-name.bin", {"step": 7})
    loaded = load_localizer(dest)  # sniffed as safetensors whatever the suffix
    sd = loaded.state_dict()
    assert all(torch.allclose(sd[k], v.half().float()) for k, v in m.state_dict().items() if v.is_floating_point())


def test_bad_checkpoint_paths_give_clear_errors(tmp_path):
    missing = tmp_path / "nope.pt"
    with pytest.raises(ForgeLensError, match="nope.pt.*no such file"):
        load_localizer(missing)
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a torch file at all")
    with pytest.raises(WeightsError, match="garbage.pt.*not a readable torch"):
        load_localizer(garbage)
    bad_st = tmp_path / "broken.safetensors"
    bad_st.write_bytes(SHIPPED_WEIGHTS.read_bytes()[:4000])  # truncated
    with pytest.raises(WeightsError, match="broken.safetensors.*not a readable safetensors"):
        load_localizer(bad_st)
    from safetensors.torch import save_file

    foreign = tmp_path / "foreign.safetensors"
    save_file({"w": torch.zeros(2)}, str(foreign))  # a safetensors file of something else
    with pytest.raises(WeightsError, match="foreign.safetensors.*not a forgelens localizer"):
        load_localizer(foreign)
    wrong_st = tmp_path / "wrong_shape.safetensors"
    save_weights({"foo": torch.zeros(3)}, {}, wrong_st)
    with pytest.raises(WeightsError, match="wrong_shape.safetensors.*do not fit"):
        load_localizer(wrong_st)
    wrong = tmp_path / "wrong.pt"
    buf = io.BytesIO()
    torch.save({"spec": {}, "state_dict": {"foo": torch.zeros(3)}}, buf)
    wrong.write_bytes(buf.getvalue())
    with pytest.raises(WeightsError, match="wrong.pt.*do not fit"):
        load_localizer(wrong)
    ev = load(jpeg_bytes(_photo(64, 64)))
    cfg = registry.get("learned_localizer").make_config({"weights_path": str(missing)})
    with pytest.raises(ForgeLensError):
        registry.run("learned_localizer", ev, cfg, catch=False)
    t = registry.run("learned_localizer", ev, cfg)  # in a batch: recorded, not raised
    assert not t.applicable and "no such file" in t.error


# --------------------------------------------------------------------------- accuracy on splices made here


def _need_cameras():
    if not all((CAMERAS / n).is_file() for n in HOSTS + DONORS):
        pytest.skip("../shared/datasets/cameras/exif-samples absent")


SPLICE_SEEDS = (0, 1, 2, 3, 4, 5)


def test_camera_splice_is_found():
    """Another camera's noise and JPEG history pasted in a camera photo: pixel AUC >= 0.8 (mean of 6)."""
    from sklearn.metrics import roc_auc_score

    _need_cameras()
    aucs = []
    for seed in SPLICE_SEEDS:
        data, mask, _ = camera_splice(seed)
        t = registry.run("learned_localizer", load(data), catch=False)
        aucs.append(roc_auc_score(mask.ravel(), t.heatmap.ravel()))
    aucs = np.array(aucs)
    assert aucs.mean() >= 0.8 and aucs.min() >= 0.6, f"pixel AUCs {np.round(aucs, 3)}"


def test_authentic_camera_photo_stays_low():
    _need_cameras()
    for seed in SPLICE_SEEDS[:4]:
        _, _, clean = camera_splice(seed)
        t = registry.run("learned_localizer", load(clean), catch=False)
        assert (t.heatmap >= 0.5).mean() < 0.05 and t.heatmap.mean() < 0.3, (
            f"seed {seed}: {(t.heatmap >= 0.5).mean():.3f} of pixels >= 0.5, mean {t.heatmap.mean():.2f}")
        assert not [f for f in t.findings if f.values["area_fraction"] >= 0.05]


# --------------------------------------------------------------------------- training


def test_train_command_end_to_end_on_tiny_set(tmp_path):
    from typer.testing import CliRunner

    from forgelens.cli import app

    data = tmp_path / "synth"
    (data / "images").mkdir(parents=True)
    (data / "masks").mkdir()
    rows = ["image,mask,label"]
    for i in range(3):
        rgb = _photo(96, 96, seed=10 + i)
        mask = np.zeros((96, 96), np.uint8)
        mask[30:60, 20:70] = 255
        rgb[mask > 0] = _photo(96, 96, seed=99)[mask > 0]
        cv2.imwrite(str(data / "images" / f"{i}.png"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        cv2.imwrite(str(data / "masks" / f"{i}.png"), mask)
        rows.append(f"images/{i}.png,masks/{i}.png,manipulated")
    rows.append("images/0.png,,authentic")
    (data / "index.csv").write_text("\n".join(rows) + "\n")
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["train", "localizer", "-d", str(data), "-o", str(out), "--steps", "2",
                                 "--batch", "2", "--crop", "64"])
    assert r.exit_code == 0, r.output
    assert (out / "last.pt").is_file() and (out / "loss.png").is_file()
    assert len((out / "loss.csv").read_text().strip().splitlines()) == 3
    r = CliRunner().invoke(app, ["train", "localizer", "-d", str(data), "-o", str(out), "--steps", "3",
                                 "--batch", "2", "--crop", "64", "--resume"])
    assert r.exit_code == 0, r.output
    assert len((out / "loss.csv").read_text().strip().splitlines()) == 4
    for name in ("w.safetensors", "w.pt"):  # shipped format and the older torch payload
        exported = tmp_path / name
        r = CliRunner().invoke(app, ["train", "export", str(out / "last.pt"), str(exported)])
        assert r.exit_code == 0, r.output
        assert load_localizer(exported) is not None
    r = CliRunner().invoke(app, ["train", "localizer", "-d", str(data), "-o", str(tmp_path / "ft"), "--steps", "1",
                                 "--batch", "2", "--crop", "64", "--init", str(tmp_path / "w.safetensors"),
                                 "--paste-p", "1"])
    assert r.exit_code == 0, r.output
    assert "initialised from" in r.output
