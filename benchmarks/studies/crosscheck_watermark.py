"""Cross-check our DWT-DCT decoder/encoder against the reference invisible-watermark package.

The package's top-level import needs torch/onnxruntime (for rivaGan); its dwtDct code
(``imwatermark/maxDct.py``) needs only numpy, OpenCV and PyWavelets, so it is loaded by path.
Setup: pip install --no-deps invisible-watermark   (or pass the path of an unpacked wheel's imwatermark/)
Usage: python benchmarks/studies/crosscheck_watermark.py [path/to/imwatermark]
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from forgelens.provenance import watermark as W

SHARED = Path(__file__).resolve().parents[3] / "shared"


def load_maxdct(arg: str | None):
    if arg:
        path = Path(arg) / "maxDct.py"
    else:
        spec = importlib.util.find_spec("imwatermark")
        if spec is None:
            sys.exit("invisible-watermark not installed; pip install --no-deps invisible-watermark")
        path = Path(list(spec.submodule_search_locations)[0]) / "maxDct.py"
    s = importlib.util.spec_from_file_location("_maxdct", path)
    m = importlib.util.module_from_spec(s)
    s.loader.exec_module(m)
    return m


def main() -> None:
    m = load_maxdct(sys.argv[1] if len(sys.argv) > 1 else None)
    imgs = []
    for f in sorted((SHARED / "datasets/cameras/exif-samples").glob("*.jpg")):
        try:
            im = Image.open(f).convert("RGB")
        except Exception:
            continue
        if min(im.size) >= 300:
            imgs.append(np.asarray(im.resize((512, 512))))
    print(f"{len(imgs)} natural images (camera samples resized to 512x512)")
    same_blocks = tot_blocks = 0
    for name, (bits, _txt, _who) in W.KNOWN_PAYLOADS.items():
        ok_sd = ok_diff = lib_self = ours_lib = 0
        for rgb in imgs:
            bgr = np.ascontiguousarray(rgb[..., ::-1])
            enc = m.EmbedMaxDct(watermarks=list(bits), wmLen=len(bits), scales=[0, 36, 36], block=4).encode(bgr.copy())
            ok_sd += W.decode(np.ascontiguousarray(enc[..., ::-1])).matched == name
            enc2 = m.EmbedMaxDct(watermarks=list(bits), wmLen=len(bits), scales=[0, 36, 36], block=4).encode(rgb.copy())
            ok_diff += W.decode(enc2).matched == name
            dec = m.EmbedMaxDct(watermarks=[], wmLen=len(bits), scales=[0, 36, 36], block=4).decode(enc)
            lib_self += int(np.array_equal(dec.astype(int), np.array(bits)))
            ours = W.majority(W.block_bits(np.ascontiguousarray(enc[..., ::-1]), "bgr", None), len(bits))[1]
            same_blocks += int(np.array_equal(ours, dec.astype(np.uint8)))
            tot_blocks += 1
            mine = W.embed(rgb, bits)
            dm = m.EmbedMaxDct(watermarks=[], wmLen=len(bits), scales=[0, 36, 36], block=4).decode(
                np.ascontiguousarray(mine[..., ::-1]))
            ours_lib += int(np.array_equal(dm.astype(int), np.array(bits)))
        n = len(imgs)
        print(f"{name}: library-embedded found by our decoder: SD-script order {ok_sd}/{n}, diffusers order "
              f"{ok_diff}/{n}; library decodes its own embedding exactly {lib_self}/{n}; library decodes OUR "
              f"embedding exactly {ours_lib}/{n}")
    print(f"our majority payload == library's decoded payload on {same_blocks}/{tot_blocks} images "
          "(differences only where the library's float64 wavelet round-off decides exact ties)")
    fps = [W.decode(rgb) for rgb in imgs]
    print(f"clean images: known payload declared on {sum(r.matched is not None for r in fps)}/{len(fps)}; "
          f"max balanced accuracy {max(max(r.per_payload.values()) for r in fps):.3f} (threshold 0.62)")


if __name__ == "__main__":
    main()
