"""Export trained torch weights to the ONNX files forgelens ships (``forgelens train export``).

One command after each training run::

    forgelens train export                               # re-export both shipped models
    forgelens train export run/gen_trace.safetensors     # a retrained gen_trace → shipped files
    forgelens train export run/last.pt --calibrate DIR   # a localizer checkpoint → shipped files
    forgelens train export run/last.pt -o mine/          # ... or into a folder of your own

The kind of each source is read from its contents (localizer checkpoint or safetensors,
gen_trace safetensors). For every source the command writes ``NAME.safetensors`` (the fp16
torch weights, the source of later exports and of the parity test) and ``NAME.onnx`` (what
inference runs, on ONNX Runtime), then runs both on a random image and prints the largest
difference. Exporting is the only way shipped model files are written.

The ONNX graph is traced with ``torch.onnx.export`` (TorchScript exporter, opset 17, dynamic
batch and size). Where ``FP16`` says so its weights are stored as float16 with a Cast to
float32 in front of the graph: the file is half the size and ONNX Runtime folds the casts
once at load, so the arithmetic stays float32 (the trained weights are fp16 already; only the
BatchNorm folding of the export rounds again).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from forgelens.errors import ForgeLensError
from forgelens.learned import onnx_models

__all__ = ["export", "export_localizer", "export_gen_trace", "source_kind", "store_fp16"]

NAMES = {"localizer": "localizer_lite0", "gen_trace": "gen_trace"}
#: Float16 weight storage per model, where it holds (measured, docs/notes/issue-16.md). Neither
#: ships it: the localizer's probability maps would move by up to 1.1e-2 (mean 1e-3) to save
#: 6 MB, gen_trace's logits by 1.7e-2 to save 160 KB; float32 files match torch to 1e-5.
FP16 = {"localizer": False, "gen_trace": False}
OPSET = 17


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _safetensors_meta(path: Path) -> dict | None:
    """The string metadata of a safetensors file, or None when it is not one."""
    with open(path, "rb") as fh:
        head = fh.read(8)
        if len(head) < 8:
            return None
        (n,) = struct.unpack("<Q", head)
        if not 2 <= n < 2**27:
            return None
        try:
            return json.loads(fh.read(n)).get("__metadata__", {}) or {}
        except ValueError:
            return None


def source_kind(path: str | Path) -> str:
    """"localizer" or "gen_trace", from the file's contents; ForgeLensError when neither."""
    p = Path(path)
    if not p.is_file():
        raise ForgeLensError(str(p), "no such file")
    meta = _safetensors_meta(p)
    if meta is None:
        return "localizer"  # a torch checkpoint / export: read (and checked) by localizer_weights
    if meta.get("format") == "forgelens-localizer-1":
        return "localizer"
    try:
        if json.loads(meta.get("forgelens", "{}")).get("format") == "forgelens-gen-trace-1":
            return "gen_trace"
    except ValueError:
        pass
    raise ForgeLensError(str(p), "not a forgelens localizer or gen_trace weights file")


def store_fp16(model_proto):
    """Store float32 initializers as float16, each behind a Cast back to float32 (in place)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    casts = []
    for init in model_proto.graph.initializer:
        if init.data_type != TensorProto.FLOAT or int(np.prod(init.dims)) < 16:
            continue
        arr = numpy_helper.to_array(init)
        name = init.name
        init.CopyFrom(numpy_helper.from_array(arr.astype(np.float16), name + "__fp16"))
        casts.append(helper.make_node("Cast", [name + "__fp16"], [name], to=TensorProto.FLOAT,
                                      name=name + "__cast"))
    nodes = list(model_proto.graph.node)
    del model_proto.graph.node[:]
    model_proto.graph.node.extend(casts + nodes)
    onnx.checker.check_model(model_proto)
    return model_proto


def _write_onnx(module, example, dest: Path, names: tuple[list[str], list[str]], dyn: dict,
                meta: dict, kind: str, fp16: bool) -> Path:
    """Trace ``module`` to ONNX, add the forgelens metadata, optionally store fp16, write atomically."""
    import onnx
    import torch

    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TracerWarnings about shape checks and the exporter's deprecation note
        torch.onnx.export(module.eval(), (example,), str(tmp), dynamo=False, opset_version=OPSET,
                          input_names=names[0], output_names=names[1], dynamic_axes=dyn,
                          do_constant_folding=True)
    proto = onnx.load(str(tmp))
    if fp16:
        store_fp16(proto)
    proto.producer_name = "forgelens train export"
    onnx.helper.set_model_props(proto, {"format": onnx_models.FORMATS[kind], "forgelens": json.dumps(meta)})
    onnx.save(proto, str(tmp))
    tmp.replace(dest)
    return dest


def export_localizer(src: str | Path, dest: str | Path, *, fp16: bool = True) -> Path:
    """The localizer's torch weights (``src``) → ONNX (``dest``): sigmoid maps + the detection head in metadata."""
    import torch

    from forgelens.training.localizer_weights import load_localizer, read_weights

    src = Path(src)
    model = load_localizer(src)
    spec, _ = read_weights(src)
    head = model.det_head
    det = {"w1": head[0].weight.detach().tolist(), "b1": head[0].bias.detach().tolist(),
           "w2": head[2].weight.detach().tolist(), "b2": head[2].bias.detach().tolist()}
    src_meta = _safetensors_meta(src) or {}
    meta = {"spec": spec.to_dict(), "det_head": det, "source": src.name, "source_sha256": _sha256(src),
            "source_meta": {k: v for k, v in src_meta.items() if k not in ("format", "spec")},
            "input": "rgb: float32 (N, 3, H, W) in [0, 255], H and W multiples of 32",
            "outputs": "prob, conf: float32 (N, 1, H, W) in [0, 1]"}

    class Maps(torch.nn.Module):
        def __init__(self, m) -> None:
            super().__init__()
            self.m = m

        def forward(self, x):
            loc, conf = self.m(x)
            return torch.sigmoid(loc), torch.sigmoid(conf)

    dyn = {"rgb": {0: "n", 2: "h", 3: "w"}, "prob": {0: "n", 2: "h", 3: "w"}, "conf": {0: "n", 2: "h", 3: "w"}}
    example = torch.rand(1, 3, 256, 256, generator=torch.Generator().manual_seed(0)) * 255
    return _write_onnx(Maps(model), example, Path(dest), (["rgb"], ["prob", "conf"]), dyn, meta, "localizer", fp16)


def export_gen_trace(src: str | Path, dest: str | Path, *, fp16: bool = True) -> Path:
    """gen_trace's torch weights (``src``) → ONNX (``dest``); the training metadata travels along."""
    import torch

    from forgelens.training.gen_trace_net import load_torch

    src = Path(src)
    model, meta = load_torch(src)
    meta = {**meta, "source": src.name, "source_sha256": _sha256(src),
            "input": "rgb: float32 (N, 3, H, W) in [0, 1], H and W multiples of 8",
            "outputs": "cell_logit: float32 (N, H/8, W/8)"}
    dyn = {"rgb": {0: "n", 2: "h", 3: "w"}, "cell_logit": {0: "n", 1: "h8", 2: "w8"}}
    example = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    return _write_onnx(model, example, Path(dest), (["rgb"], ["cell_logit"]), dyn, meta, "gen_trace", fp16)


def parity(kind: str, src: Path, onnx_path: Path, size: tuple[int, int] = (200, 328), seed: int = 0) -> float:
    """Largest |ONNX − torch| difference of the model's outputs on a random image of ``size``."""
    rng = np.random.default_rng(seed)
    rgb = rng.integers(0, 256, (*size, 3), dtype=np.uint8)
    if kind == "localizer":
        from forgelens.learned import localizer
        from forgelens.training.localizer_net import TorchLocalizer
        from forgelens.training.localizer_weights import load_localizer

        a = localizer.localize(localizer.load(onnx_path), rgb, tile=128, overlap=32)
        b = localizer.localize(TorchLocalizer(load_localizer(src)), rgb, tile=128, overlap=32)
        return float(max(np.abs(a[0] - b[0]).max(), np.abs(a[1] - b[1]).max(), abs(a[2] - b[2])))
    from forgelens.learned import gen_model
    from forgelens.training.gen_trace_net import load_torch, runner

    a = gen_model.cell_logits(gen_model.load(onnx_path)[0], rgb, tile=128)
    b = gen_model.cell_logits(runner(load_torch(src)[0]), rgb, tile=128)
    return float(np.abs(a - b).max())


def export(sources: list[str | Path] | None = None, out_dir: str | Path | None = None, *,
           calibrate: list[str | Path] | None = None, fp16: bool | None = None,
           log: Callable[[str], None] = print) -> list[Path]:
    """Write ``NAME.safetensors`` + ``NAME.onnx`` into ``out_dir`` for every source; see the module docstring.

    ``sources`` default to the shipped torch weights, ``out_dir`` to the package's weights folder.
    ``calibrate``: held-out synth folders on which a localizer *checkpoint*'s detection head is
    Platt-scaled first (see ``training.localizer.calibrate_detection``). ``fp16``: float16
    weight storage for every model (None = per model, ``FP16``).
    """
    import torch

    from forgelens.training.localizer import export_weights

    torch.set_num_threads(1)
    out = Path(out_dir) if out_dir else onnx_models.WEIGHTS_DIR
    shipped = onnx_models.WEIGHTS_DIR
    srcs = [Path(s) for s in sources] if sources else [shipped / f"{n}.safetensors" for n in NAMES.values()]
    written = []
    for src in srcs:
        kind = source_kind(src)
        torch_dest = out / f"{NAMES[kind]}.safetensors"
        if kind == "localizer" and _safetensors_meta(src) is None:  # a checkpoint: fp16 safetensors first
            export_weights(src, torch_dest, calibrate=list(calibrate) if calibrate else None)
        elif src.resolve() != torch_dest.resolve():
            torch_dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, torch_dest)
        onnx_dest = out / f"{NAMES[kind]}.onnx"
        half = FP16[kind] if fp16 is None else fp16
        (export_localizer if kind == "localizer" else export_gen_trace)(torch_dest, onnx_dest, fp16=half)
        diff = parity(kind, torch_dest, onnx_dest)
        log(f"{kind}: {torch_dest} → {onnx_dest} ({onnx_dest.stat().st_size / 1e6:.2f} MB), "
            f"max |ONNX − torch| on a random 328×200 image: {diff:.2e}")
        written += [torch_dest, onnx_dest]
    return written


def register(app) -> None:
    """Add ``forgelens train export`` to the CLI's ``train`` group."""
    import typer

    from forgelens.cli_groups import command_group

    train_app = command_group(app, "train", "Train forgelens' learned components.")

    @train_app.command("export")
    def export_cmd(
        sources: list[Path] = typer.Argument(None, help="Torch weights: a localizer checkpoint (last.pt) or "
                                             "safetensors, a gen_trace safetensors. None: the shipped ones."),
        out: Path = typer.Option(None, "-o", "--out-dir", help="Folder for NAME.safetensors and NAME.onnx "
                                 "(default: the package's learned/weights, i.e. the shipped files)."),
        calibrate: list[Path] = typer.Option([], "--calibrate",
                                             help="Held-out synth folder to Platt-scale a localizer checkpoint's head on."),
        weights: str = typer.Option("auto", "--weights", help="ONNX weight storage: auto (per model, as "
                                    "shipped: fp32), fp16 or fp32."),
    ) -> None:
        """Export trained torch weights to the ONNX files inference runs (run after each training)."""
        if weights not in ("auto", "fp16", "fp32"):
            raise typer.BadParameter("auto, fp16 or fp32", param_hint="--weights")
        fp16 = None if weights == "auto" else weights == "fp16"
        try:
            for p in export(list(sources or []), out, calibrate=list(calibrate) or None, fp16=fp16,
                            log=lambda s: typer.echo(s, err=True)):
                typer.echo(str(p))
        except ForgeLensError as exc:
            typer.echo(f"forgelens: {exc}", err=True)
            raise typer.Exit(1) from None
