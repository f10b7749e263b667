"""Signatures that image generators leave in the file's metadata.

Each reader recognises one documented convention and returns a
``GeneratorHit`` with the generator's name, where the evidence was found and
the parameters it could read (prompt excerpt, model, seed, ...):

* AUTOMATIC1111 / Forge / SD.Next / Civitai: PNG text ``parameters`` (or JPEG/WebP
  EXIF ``UserComment``) holding ``prompt\\nNegative prompt: ...\\nSteps: N, Sampler: ...``.
* A1111 "stealth pnginfo" (also NovelAI): the same text hidden in the least
  significant bits of the alpha channel (or of R, G, B), read column by column,
  after the 15-byte signature ``stealth_pnginfo`` / ``stealth_pngcomp`` (gzip)
  / ``stealth_rgbinfo`` / ``stealth_rgbcomp`` and a 32-bit bit count.
* ComfyUI: ``prompt`` (API graph: ``{"id": {"class_type": ..., "inputs": ...}}``)
  and ``workflow`` (UI graph: ``{"nodes": [...], "links": [...]}``) JSON chunks.
* NovelAI: ``Software`` = "NovelAI", ``Source`` "... 1D44365E" and ``Comment`` JSON.
* InvokeAI: ``invokeai_metadata`` / ``invokeai_graph`` / ``sd-metadata`` / ``Dream``.
* Fooocus: ``fooocus_scheme`` + JSON ``parameters``.
* SwarmUI (``sui_image_params``), Easy Diffusion (``use_stable_diffusion_model``),
  Draw Things and Midjourney conventions where documented (Midjourney writes
  ``Job ID`` into the PNG ``Description`` and an XMP DigitalSourceType).
* Any EXIF Software / XMP CreatorTool naming a known generator.

Metadata is trivially removed or forged: a hit proves the file passed through
that tool (or someone wrote these words), its absence proves nothing.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

STEALTH_SIGS = {
    b"stealth_pnginfo": ("alpha", False), b"stealth_pngcomp": ("alpha", True),
    b"stealth_rgbinfo": ("rgb", False), b"stealth_rgbcomp": ("rgb", True),
}
#: Longest stealth payload read (bits); the signature + length header is 152 bits.
MAX_STEALTH_BITS = 8 * (4 << 20)

GENERATOR_SOFTWARE = re.compile(
    r"(stable.?diffusion|novelai|midjourney|dall[·.\- ]?e|firefly|comfyui|invokeai|automatic1111|"
    r"imagen|gemini|ideogram|leonardo|dreamstudio|nightcafe|craiyon|bing image creator|"
    r"image creator from designer|flux|sdxl|draw things|fooocus|swarmui|easy diffusion|"
    r"titan image generator|grok|aurora|runway|krea|playground ?ai)", re.I)
A1111_RE = re.compile(r"(^|\n)Steps: \d+, (Sampler|Seed|CFG scale)")
_A1111_PARAM_RE = re.compile(r'([A-Za-z][\w /-]{0,40}?): ("(?:[^"\\]|\\.)*+"|[^,]*+)(?:,|$)')
#: Longest stretch of one text value that the generator patterns scan (characters).
MAX_SCAN_CHARS = 65536


@dataclass
class GeneratorHit:
    generator: str
    where: str
    params: dict[str, Any] = field(default_factory=dict)
    conclusive: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"generator": self.generator, "where": self.where, "params": self.params,
                "conclusive": self.conclusive}


def parse_a1111(text: str) -> dict[str, Any]:
    """Split A1111 ``parameters`` text into prompt, negative prompt and the key: value list."""
    out: dict[str, Any] = {}
    lines = text.strip().split("\n")
    last = lines[-1] if lines else ""
    body = lines[:-1] if A1111_RE.search("\n" + last) else lines
    prompt, neg, in_neg = [], [], False
    for ln in body:
        if ln.startswith("Negative prompt:"):
            in_neg = True
            ln = ln[len("Negative prompt:"):].strip()
        (neg if in_neg else prompt).append(ln)
    out["prompt"] = "\n".join(prompt).strip()[:300]
    if neg:
        out["negative_prompt"] = "\n".join(neg).strip()[:300]
    # keys are short names: bounded, so no start position rescans the (cut) line
    for m in _A1111_PARAM_RE.finditer(last[:MAX_SCAN_CHARS]):
        k, v = m.group(1).strip(), m.group(2).strip()
        if k in ("Steps", "Sampler", "CFG scale", "Seed", "Size", "Model", "Model hash", "Version",
                 "Denoising strength", "Clip skip", "Schedule type", "VAE", "Lora hashes"):
            out[k.lower().replace(" ", "_")] = v.strip('"')[:200]
    return out


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _comfy_models(graph: Any) -> list[str]:
    models: list[str] = []
    if isinstance(graph, dict):
        for node in list(graph.values())[:5000]:
            if isinstance(node, dict) and isinstance(node.get("inputs"), dict):
                for k in ("ckpt_name", "unet_name", "model_name", "lora_name"):
                    v = node["inputs"].get(k)
                    if isinstance(v, str) and v not in models:
                        models.append(v)
    return models[:20]


def from_text_chunks(text: dict[str, str]) -> list[GeneratorHit]:
    """Generator conventions in PNG text chunks (key -> value)."""
    hits: list[GeneratorHit] = []
    keys = set(text)
    params = text.get("parameters")
    if "fooocus_scheme" in keys or (params and params.lstrip().startswith("{") and "fooocus" in params.lower()):
        j = _json(params or "") or {}
        p = {"scheme": text.get("fooocus_scheme", "")[:40]}
        if isinstance(j, dict):
            p.update({k: str(j[k])[:200] for k in ("prompt", "base_model", "seed", "version") if k in j})
        hits.append(GeneratorHit("Fooocus", "PNG text 'parameters' (JSON) + 'fooocus_scheme'", p))
    elif params and A1111_RE.search("\n" + params):
        hits.append(GeneratorHit("AUTOMATIC1111/Forge-style (parameters)", "PNG text 'parameters'",
                                 parse_a1111(params)))
    elif params and params.strip():
        hits.append(GeneratorHit("Stable Diffusion UI (unrecognised 'parameters' text)", "PNG text 'parameters'",
                                 {"excerpt": params.strip()[:200]}, conclusive=False))
    if "prompt" in keys or "workflow" in keys:
        g = _json(text.get("prompt", "")) if "prompt" in keys else None
        w = _json(text.get("workflow", "")) if "workflow" in keys else None
        api_ok = isinstance(g, dict) and any(isinstance(v, dict) and "class_type" in v for v in g.values())
        ui_ok = isinstance(w, dict) and "nodes" in w
        if api_ok or ui_ok:
            hits.append(GeneratorHit("ComfyUI", "PNG text " + "+".join(
                k for k, ok in (("'prompt'", api_ok), ("'workflow'", ui_ok)) if ok),
                {"models": _comfy_models(g), "n_nodes": len(g) if isinstance(g, dict) else len(w.get("nodes", []))}))
        elif "use_stable_diffusion_model" in keys or "negative_prompt" in keys:
            pass  # Easy Diffusion, below
        elif "prompt" in keys and len(keys & {"prompt", "seed", "steps"}) >= 2:
            hits.append(GeneratorHit("unidentified SD front-end (prompt/seed chunks)", "PNG text 'prompt'",
                                     {"prompt": text["prompt"][:200]}, conclusive=False))
    if "use_stable_diffusion_model" in keys:
        hits.append(GeneratorHit("Easy Diffusion", "PNG text 'use_stable_diffusion_model'",
                                 {"model": text["use_stable_diffusion_model"][:200],
                                  "prompt": text.get("prompt", "")[:200]}))
    sw = text.get("Software", "")
    if "NovelAI" in sw or ("Comment" in keys and "Source" in keys and "Stable Diffusion" in text.get("Source", "")):
        c = _json(text.get("Comment", "")) or {}
        p = {"source": text.get("Source", "")[:100], "prompt": text.get("Description", "")[:200]}
        if isinstance(c, dict):
            p.update({k: str(c[k])[:100] for k in ("steps", "sampler", "seed", "scale") if k in c})
        hits.append(GeneratorHit("NovelAI", "PNG text 'Software'/'Comment'", p))
    inv = [k for k in ("invokeai_metadata", "invokeai_graph", "sd-metadata", "Dream") if k in keys]
    if inv:
        p: dict[str, Any] = {"keys": inv}
        j = _json(text.get("invokeai_metadata") or text.get("sd-metadata") or "")
        if isinstance(j, dict):
            p.update({k: str(j[k])[:200] for k in ("positive_prompt", "model_weights", "app_version") if k in j})
        elif "Dream" in keys:
            p["dream"] = text["Dream"][:200]
        hits.append(GeneratorHit("InvokeAI", "PNG text " + "/".join(inv), p))
    if "sui_image_params" in keys:
        hits.append(GeneratorHit("SwarmUI", "PNG text 'sui_image_params'",
                                 {"excerpt": text["sui_image_params"][:200]}))
    desc = text.get("Description", "")
    if "Job ID:" in desc or "--v " in desc and "Author" in keys:
        hits.append(GeneratorHit("Midjourney", "PNG text 'Description' (Job ID)", {"excerpt": desc[:200]}))
    for k in ("Software", "Source", "Comment", "Title"):
        v = text.get(k, "")
        m = GENERATOR_SOFTWARE.search(v[:MAX_SCAN_CHARS]) if v else None
        if m and not any(h.generator.lower().startswith(m.group(1).lower()[:5]) for h in hits):
            hits.append(GeneratorHit(m.group(1), f"PNG text '{k}'", {"value": v[:200]}, conclusive=False))
    return hits


def from_exif(user_comment: str | None, software: str | None, description: str | None,
              make: str | None) -> list[GeneratorHit]:
    hits: list[GeneratorHit] = []
    if user_comment and A1111_RE.search("\n" + user_comment.strip().split("\n")[-1]):
        hits.append(GeneratorHit("AUTOMATIC1111/Forge-style (parameters)", "EXIF UserComment",
                                 parse_a1111(user_comment)))
    elif user_comment and user_comment.lstrip().startswith("{") and '"prompt"' in user_comment:
        j = _json(user_comment)
        if isinstance(j, dict):
            gen = "ComfyUI" if any(isinstance(v, dict) and "class_type" in v for v in j.values()) else \
                "SD front-end (JSON in UserComment)"
            hits.append(GeneratorHit(gen, "EXIF UserComment (JSON)", {"keys": list(j)[:10]}))
    if description and A1111_RE.search("\n" + description.strip().split("\n")[-1]):
        hits.append(GeneratorHit("AUTOMATIC1111/Forge-style (parameters)", "EXIF ImageDescription",
                                 parse_a1111(description)))
    for where, v in (("EXIF Software", software), ("EXIF Make", make)):
        m = GENERATOR_SOFTWARE.search(v[:MAX_SCAN_CHARS]) if v else None
        if m:
            hits.append(GeneratorHit(m.group(1), where, {"value": v[:200]}, conclusive=False))
    return hits


def read_stealth(alpha: np.ndarray | None, rgb: np.ndarray | None = None) -> tuple[GeneratorHit | None, str | None]:
    """Decode A1111/NovelAI stealth pnginfo from the LSBs (alpha first, then RGB).

    Returns (hit or None, problem or None). Bits are read column-major
    (x outer, y inner), as the writer stores them.
    """
    for mode, plane in (("alpha", alpha), ("rgb", rgb)):
        if plane is None:
            continue
        a = np.asarray(plane)
        if mode == "alpha" and a.ndim != 2 or mode == "rgb" and a.ndim != 3:
            continue
        if a.shape[0] * a.shape[1] * (3 if mode == "rgb" else 1) < 152:
            continue
        head = _colmajor_lsb(a, 152)
        sig = np.packbits(head[:120]).tobytes()
        if sig not in STEALTH_SIGS or STEALTH_SIGS[sig][0] != mode:
            continue
        n_bits = int("".join(map(str, head[120:152].tolist())), 2)
        if n_bits <= 0 or n_bits > MAX_STEALTH_BITS or 152 + n_bits > a.size:
            return None, f"stealth pnginfo signature {sig.decode()} found but its length ({n_bits} bits) is impossible"
        bits = _colmajor_lsb(a, 152 + n_bits)[152:]
        payload = np.packbits(bits).tobytes()
        compressed = STEALTH_SIGS[sig][1]
        try:
            if compressed:
                with gzip.GzipFile(fileobj=__import__("io").BytesIO(payload)) as gz:
                    payload = gz.read(4 << 20)
            text = payload.decode("utf-8", errors="replace")
        except (OSError, EOFError) as exc:
            return None, f"stealth pnginfo ({sig.decode()}) payload unreadable: {exc}"
        j = _json(text)
        if isinstance(j, dict) and ("Comment" in j or "Software" in j):  # NovelAI stores its text chunks as JSON
            sub = from_text_chunks({str(k): str(v) for k, v in j.items()})
            params = sub[0].params if sub else {"keys": list(j)[:10]}
            gen = "NovelAI (stealth pnginfo)" if "NovelAI" in str(j.get("Software", "")) else "stealth pnginfo (JSON)"
        else:
            params = parse_a1111(text) if A1111_RE.search("\n" + text.strip().split("\n")[-1]) else {"excerpt": text[:200]}
            gen = "AUTOMATIC1111/Forge-style (stealth pnginfo)"
        params["signature"] = sig.decode()
        return GeneratorHit(gen, f"least significant bits of the {mode} channel{'s' if mode == 'rgb' else ''}",
                            params), None
    return None, None


def _colmajor_lsb(a: np.ndarray, k: int) -> np.ndarray:
    """First ``k`` least significant bits in column-major order (x outer, y inner, then channel)."""
    h = a.shape[0]
    per_col = h * (a.shape[2] if a.ndim == 3 else 1)
    cols = min(a.shape[1], -(-k // per_col))
    sub = a[:, :cols]
    flat = np.transpose(sub, (1, 0, 2)).reshape(-1) if a.ndim == 3 else sub.T.reshape(-1)
    return np.bitwise_and(flat[:k], 1).astype(np.uint8)
