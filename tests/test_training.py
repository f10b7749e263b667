"""Training side (torch): forensic filters, torch weights, the training and export commands,
and ONNX-vs-torch parity of both shipped models. Skipped where torch is absent
(``pip install 'forgelens[train]'``)."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch absent: pip install 'forgelens[train]'")
pytest.importorskip("efficientnet_lite_pytorch", reason="efficientnet-lite-pytorch absent: pip install 'forgelens[train]'")

from forgelens.detectors import registry  # noqa: E402
from forgelens.errors import ForgeLensError  # noqa: E402
from forgelens.evidence import load  # noqa: E402
from forgelens.learned import gen_model, localizer  # noqa: E402
from forgelens.learned.onnx_models import SHIPPED  # noqa: E402
from forgelens.training.filters import SRM_KERNELS, BayarConv2d, NoiseResidual, SRMFilter  # noqa: E402
from forgelens.training.localizer_weights import (  # noqa: E402
    SHIPPED_WEIGHTS,
    WeightsError,
    load_localizer,
    save_weights,
)
from tests._learned_helpers import jpeg_bytes, textured_photo  # noqa: E402

torch.set_num_threads(1)


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


# --------------------------------------------------------------------------- torch weights


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


def _save_random_checkpoint(path):
    from forgelens.training.localizer_net import FilterFusionNet, ModelSpec

    torch.manual_seed(0)
    m = FilterFusionNet(ModelSpec())
    torch.save({"spec": ModelSpec().to_dict(), "model": m.state_dict(), "step": 0}, path)


def test_user_checkpoint_exports_and_loads(tmp_path):
    pytest.importorskip("onnx", reason="export needs onnx: pip install 'forgelens[train]'")
    from forgelens.training.export import export

    ck = tmp_path / "mine.pt"
    _save_random_checkpoint(ck)
    written = export([ck], tmp_path / "out", log=lambda s: None)
    onnx_path = tmp_path / "out" / "localizer_lite0.onnx"
    assert onnx_path in written and (tmp_path / "out" / "localizer_lite0.safetensors") in written
    ev = load(jpeg_bytes(textured_photo(96, 128)))
    cfg = registry.get("learned_localizer").make_config({"weights_path": str(onnx_path)})
    t = registry.run("learned_localizer", ev, cfg, catch=False)
    assert t.applicable and t.heatmap.shape == (96, 128)
    assert "localizer_lite0.onnx" in t.note


def test_exported_safetensors_from_a_user_path_loads_and_matches(tmp_path):
    from forgelens.training.localizer_net import FilterFusionNet, ModelSpec

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




# --------------------------------------------------------------------------- training


def test_train_command_end_to_end_on_tiny_set(tmp_path):
    from typer.testing import CliRunner

    from forgelens.cli import app

    data = tmp_path / "synth"
    (data / "images").mkdir(parents=True)
    (data / "masks").mkdir()
    rows = ["image,mask,label"]
    for i in range(3):
        rgb = textured_photo(96, 96, seed=10 + i)
        mask = np.zeros((96, 96), np.uint8)
        mask[30:60, 20:70] = 255
        rgb[mask > 0] = textured_photo(96, 96, seed=99)[mask > 0]
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
    pytest.importorskip("onnx", reason="export needs onnx: pip install 'forgelens[train]'")
    r = CliRunner().invoke(app, ["train", "export", str(out / "last.pt"), "-o", str(tmp_path / "w")])
    assert r.exit_code == 0, r.output
    assert load_localizer(tmp_path / "w" / "localizer_lite0.safetensors") is not None
    assert localizer.load(tmp_path / "w" / "localizer_lite0.onnx") is not None
    r = CliRunner().invoke(app, ["train", "localizer", "-d", str(data), "-o", str(tmp_path / "ft"), "--steps", "1",
                                 "--batch", "2", "--crop", "64", "--init", str(tmp_path / "w" / "localizer_lite0.safetensors"),
                                 "--paste-p", "1"])
    assert r.exit_code == 0, r.output
    assert "initialised from" in r.output


# --------------------------------------------------------------------------- ONNX vs torch

#: Stated tolerances (|ONNX − torch| over every pixel / cell; docs/notes/issue-16.md). Both ONNX
#: files store float32 weights (the export folds BatchNorm into the convolutions): measured
#: max 1e-6 on the localizer's probability maps and 1.3e-5 on gen_trace's logits.
MAP_TOL = 1e-4
MAP_MEAN_TOL = 1e-5
SCORE_TOL = 1e-4
LOGIT_TOL = 1e-3


@pytest.mark.parametrize("shape", [(200, 328), (96, 96)])
def test_localizer_onnx_matches_torch(shape):
    from forgelens.training.localizer_net import TorchLocalizer

    rgb = textured_photo(*shape, seed=shape[0])
    onnx_net, torch_net = localizer.load(None), TorchLocalizer(load_localizer(None))
    a = localizer.localize(onnx_net, rgb, tile=128, overlap=32)
    b = localizer.localize(torch_net, rgb, tile=128, overlap=32)
    for m_onnx, m_torch in ((a[0], b[0]), (a[1], b[1])):
        d = np.abs(m_onnx - m_torch)
        assert d.max() < MAP_TOL and d.mean() < MAP_MEAN_TOL, (d.max(), d.mean())
    assert abs(a[2] - b[2]) < SCORE_TOL
    assert abs(onnx_net.detect(a[0], a[1]) - torch_net.detect(a[0], a[1])) < 1e-4  # the head alone


def test_gen_trace_onnx_matches_torch():
    from forgelens.training.gen_trace_net import load_torch, runner

    rgb = textured_photo(200, 328, seed=5)
    onnx_net, meta = gen_model.load()
    torch_net = runner(load_torch()[0])
    za, zb = gen_model.cell_logits(onnx_net, rgb, tile=128), gen_model.cell_logits(torch_net, rgb, tile=128)
    assert za.shape == (25, 41) and np.abs(za - zb).max() < LOGIT_TOL
    pa, _ = gen_model.patch_logits(onnx_net, rgb)
    pb, _ = gen_model.patch_logits(torch_net, rgb)
    ok = np.isfinite(pa)
    assert ok.any() and np.array_equal(ok, np.isfinite(pb)) and np.abs(pa[ok] - pb[ok]).max() < LOGIT_TOL


def test_shipped_onnx_files_were_exported_from_the_shipped_torch_weights():
    import hashlib

    for kind, onnx_path in SHIPPED.items():
        src = onnx_path.with_suffix(".safetensors")
        meta = (localizer.load(None).model.meta if kind == "localizer" else gen_model.load()[1])
        assert meta["source_sha256"] == hashlib.sha256(src.read_bytes()).hexdigest(), (
            f"{onnx_path.name} is stale: run `forgelens train export`")
