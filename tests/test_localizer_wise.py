"""WiSE-FT weight interpolation of the localizer (``training.localizer_wise``, ``forgelens train interpolate``).
Skipped where torch is absent (``pip install 'forgelens[train]'``)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="torch absent: pip install 'forgelens[train]'")
pytest.importorskip("efficientnet_lite_pytorch", reason="efficientnet-lite-pytorch absent: pip install 'forgelens[train]'")

from forgelens.training.localizer_weights import WeightsError, load_localizer, save_weights  # noqa: E402
from forgelens.training.localizer_wise import interpolate_state, wise_ft  # noqa: E402

torch.set_num_threads(1)


def _sd(seed: int) -> dict:
    g = torch.Generator().manual_seed(seed)
    return {"w": torch.randn(3, 4, generator=g), "bn.running_var": torch.rand(4, generator=g) + 0.5,
            "bn.num_batches_tracked": torch.tensor(seed * 10, dtype=torch.int64)}


def test_interpolation_is_the_elementwise_mix_with_integer_entries_from_theta1():
    a, b = _sd(1), _sd(2)
    for alpha in (0.0, 0.25, 0.5, 1.0):
        m = interpolate_state(a, b, alpha)
        for k in ("w", "bn.running_var"):  # BatchNorm statistics are mixed like every float entry
            assert torch.allclose(m[k], (1 - alpha) * a[k] + alpha * b[k], atol=1e-6)
            assert m[k].dtype == torch.float32
        assert m["bn.num_batches_tracked"].item() == 20 and m["bn.num_batches_tracked"].dtype == torch.int64
    assert torch.equal(interpolate_state(a, b, 0.0)["w"], a["w"]) and torch.equal(interpolate_state(a, b, 1.0)["w"], b["w"])
    half = {k: (v.half() if v.is_floating_point() else v) for k, v in a.items()}  # an fp16 θ0 is read as fp32
    assert interpolate_state(half, b, 0.5)["w"].dtype == torch.float32


def test_mismatched_state_dicts_and_bad_alpha_are_refused():
    a, b = _sd(1), _sd(2)
    with pytest.raises(WeightsError, match="ft.pt.*differ in 1 keys"):
        interpolate_state(a, {**b, "extra": torch.zeros(1)}, src="ft.pt")
    with pytest.raises(WeightsError, match="w: shape"):
        interpolate_state(a, {**b, "w": torch.zeros(4, 3)})
    with pytest.raises(WeightsError, match="floating-point"):
        interpolate_state(a, {**b, "w": torch.zeros(3, 4, dtype=torch.int64)})
    with pytest.raises(WeightsError, match="alpha"):
        interpolate_state(a, b, 1.5)


def test_wise_ft_writes_a_checkpoint_that_loads_strictly_and_exports(tmp_path):
    from typer.testing import CliRunner

    from forgelens.cli import app
    from forgelens.training.localizer_net import FilterFusionNet, ModelSpec

    torch.manual_seed(0)
    m0 = FilterFusionNet(ModelSpec())
    theta0 = save_weights(m0.state_dict(), ModelSpec().to_dict(), tmp_path / "shipped.safetensors")  # fp16, as shipped
    torch.manual_seed(1)
    m1 = FilterFusionNet(ModelSpec())
    with torch.no_grad():  # BatchNorm statistics that differ between the two
        for mod in m1.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_var.mul_(2.0)
                mod.num_batches_tracked.fill_(1000)
    theta1 = tmp_path / "last.pt"
    torch.save({"spec": ModelSpec().to_dict(), "model": m1.state_dict(), "step": 1000}, theta1)

    r = CliRunner().invoke(app, ["train", "interpolate", str(theta0), str(theta1), "-o", str(tmp_path / "w.pt")])
    assert r.exit_code == 0, r.output
    mixed = load_localizer(tmp_path / "w.pt").state_dict()  # load_state_dict(strict=True) inside
    s0 = {k: v.half().float() if v.is_floating_point() else v for k, v in m0.state_dict().items()}
    s1 = m1.state_dict()
    n_bn = 0
    for k, v in mixed.items():
        if v.is_floating_point():
            assert torch.allclose(v, 0.5 * s0[k] + 0.5 * s1[k], atol=1e-6), k
            n_bn += k.endswith("running_var")
        else:
            assert torch.equal(v, s1[k]), k
    assert n_bn > 0
    payload = torch.load(tmp_path / "w.pt", map_location="cpu", weights_only=False)
    assert payload["config"]["wise_ft"]["alpha"] == 0.5

    assert wise_ft(theta0, theta1, tmp_path / "w0.pt", alpha=0.0).is_file()
    same = load_localizer(tmp_path / "w0.pt").state_dict()
    assert all(torch.equal(same[k], s0[k]) for k in s0 if s0[k].is_floating_point())

    r = CliRunner().invoke(app, ["train", "interpolate", str(theta0), str(theta1), "-o", str(tmp_path / "x.pt"),
                                 "--alpha", "1.5"])
    assert r.exit_code != 0 and not (tmp_path / "x.pt").exists()
    r = CliRunner().invoke(app, ["train", "interpolate", str(theta0), str(tmp_path / "nope.pt"), "-o", str(tmp_path / "x.pt")])
    assert r.exit_code == 1 and "nope.pt" in r.output and "no such file" in r.output

    pytest.importorskip("onnx", reason="export needs onnx: pip install 'forgelens[train]'")
    r = CliRunner().invoke(app, ["train", "export", str(tmp_path / "w.pt"), "-o", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "out" / "localizer_lite0.onnx").is_file()
