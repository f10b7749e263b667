"""C2PA Content Credentials read with ``c2pa-python`` (optional extra ``provenance``).

Reads the manifest store embedded in the file, and reports the validation
state that the C2PA SDK computes (Valid / Trusted / Invalid, or no manifest),
the validation failure codes, the active manifest's claim generator, signer,
actions with their ``digitalSourceType``, ingredients, and whether any manifest
declares AI generation (IPTC digital source types ``trainedAlgorithmicMedia``,
``compositeWithTrainedAlgorithmicMedia``, ``algorithmicMedia``).

``signingCredential.untrusted`` only means the signing certificate is not in
the trust list configured here (none by default); it is reported, not treated
as a failure. A file with no embedded manifest is never sent to the SDK (the
container walk already says whether JUMBF is present), which keeps the common
case fast.

References
----------
.. [1] C2PA Technical Specification 2.1 (2024), sections 15 (validation) and
       18.14 (actions, digitalSourceType).
.. [2] IPTC NewsCodes, Digital Source Type vocabulary (2023).
"""

from __future__ import annotations

import io
import json
import threading
from dataclasses import dataclass, field
from typing import Any

#: IPTC digital source types that declare generation by a (trained) algorithm.
AI_FULL = ("trainedAlgorithmicMedia", "algorithmicMedia")
AI_PARTIAL = ("compositeWithTrainedAlgorithmicMedia",)
_MIME = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp",
         "TIFF": "image/tiff", "HEIF": "image/heif", "AVIF": "image/avif", "GIF": "image/gif"}
#: Codes that say nothing against the content (trust-list configuration, OCSP reachability).
BENIGN_CODES = ("signingCredential.untrusted", "signingCredential.ocsp.skipped",
                "signingCredential.ocsp.inaccessible", "timeStamp.untrusted")

#: Largest C2PA/JUMBF manifest store handed to the SDK (bytes); larger ones are not parsed.
MAX_C2PA_BYTES = 32 << 20
#: Longest the SDK may take to read and validate one manifest store (seconds).
C2PA_SECONDS = 20.0

_SUCCESS_SUFFIXES = (".validated", ".match", ".trusted", ".insideValidity", ".success", ".notRevoked")


@dataclass
class C2paResult:
    status: str  # "no_manifest" | "valid" | "trusted" | "invalid" | "unreadable" | "unavailable"
    message: str = ""
    failure_codes: list[str] = field(default_factory=list)
    informational_codes: list[str] = field(default_factory=list)
    ingredient_failure_codes: list[str] = field(default_factory=list)
    claim_generator: str | None = None
    signer_issuer: str | None = None
    signer_name: str | None = None
    signed_at: str | None = None
    title: str | None = None
    actions: list[dict[str, Any]] = field(default_factory=list)
    ingredients: list[dict[str, Any]] = field(default_factory=list)
    digital_source_types: list[str] = field(default_factory=list)
    digital_source_types_active: list[str] = field(default_factory=list)
    software_agents: list[str] = field(default_factory=list)
    ai_scope: str | None = None  # "full" | "partial" | None
    n_manifests: int = 0
    remote_url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


def _dst_name(v: Any) -> str | None:
    if not isinstance(v, str) or not v:
        return None
    return v.rstrip("/").rsplit("/", 1)[-1]


def _agent(a: Any) -> str | None:
    if isinstance(a, str):
        return a
    if isinstance(a, dict):
        return a.get("name") or a.get("label")
    return None


def _manifest_actions(m: dict) -> list[dict[str, Any]]:
    out = []
    for a in m.get("assertions") or []:
        if not isinstance(a, dict) or not str(a.get("label", "")).startswith("c2pa.actions"):
            continue
        for act in (a.get("data") or {}).get("actions") or []:
            if isinstance(act, dict):
                out.append({
                    "action": act.get("action"),
                    "digital_source_type": _dst_name(act.get("digitalSourceType")),
                    "software_agent": _agent(act.get("softwareAgent")),
                    "description": act.get("description"),
                })
    return out


def _manifest_scope(manifests: dict, label: str | None, depth: int = 0) -> str | None:
    """"full" when the manifest (or the parent it opened) was created by AI; "partial" for composites."""
    m = manifests.get(label) if label else None
    if not isinstance(m, dict) or depth > 8:
        return None
    acts = _manifest_actions(m)
    dsts = [a["digital_source_type"] for a in acts if a["digital_source_type"]]
    created_ai = any(a["action"] == "c2pa.created" and a["digital_source_type"] in AI_FULL for a in acts)
    if created_ai:
        return "full"
    partial = any(d in AI_PARTIAL for d in dsts) or any(
        a["digital_source_type"] in AI_FULL and a["action"] != "c2pa.created" for a in acts)
    parent_scope = None
    for ing in m.get("ingredients") or []:
        if not isinstance(ing, dict):
            continue
        s = _manifest_scope(manifests, ing.get("active_manifest"), depth + 1)
        if ing.get("relationship") == "parentOf" and s == "full" and not partial:
            parent_scope = "full"
        elif s in ("full", "partial"):
            partial = True
    if parent_scope:
        return "full"
    return "partial" if partial else None


def read_c2pa(data: bytes, fmt: str, has_jumbf: bool | None = None, jumbf_bytes: int | None = None,
              *, max_bytes: int = MAX_C2PA_BYTES, seconds: float = C2PA_SECONDS) -> C2paResult:
    """Read and validate the C2PA manifest store of an image held in memory.

    Parameters
    ----------
    data : bytes
        The original file bytes.
    fmt : str
        Container format as in ``Evidence.format`` ("JPEG", "PNG", "WEBP", ...).
    has_jumbf : bool, optional
        Whether the container walk found a C2PA/JUMBF block; ``False`` skips the SDK.

    Returns
    -------
    C2paResult
        ``status`` is "no_manifest", "valid", "trusted", "invalid", "unreadable"
        (the SDK failed on a present manifest, the store is over ``max_bytes`` or
        the SDK took longer than ``seconds``) or "unavailable" (c2pa-python not installed).
    """
    if has_jumbf is False:
        return C2paResult("no_manifest", "no C2PA manifest (no JUMBF block in the file)")
    try:
        import c2pa  # noqa: PLC0415
    except ImportError:
        return C2paResult("unavailable", "c2pa-python not installed: Content Credentials not checked "
                          "(pip install 'forgelens[provenance]')")
    mime = _MIME.get(fmt)
    if mime is None:
        return C2paResult("no_manifest", f"C2PA not checked for format {fmt}")
    if jumbf_bytes is not None and jumbf_bytes > max_bytes:
        return C2paResult("unreadable", f"C2PA manifest store of {jumbf_bytes} bytes is over the {max_bytes}-byte "
                          "limit; not parsed")
    outcome: dict[str, Any] = {}

    def sdk_read() -> None:
        try:
            with c2pa.Reader(mime, io.BytesIO(data)) as reader:
                outcome["store"] = json.loads(reader.json())
                outcome["state"] = reader.get_validation_state()
                try:
                    outcome["remote"] = reader.get_remote_url()
                except Exception:
                    outcome["remote"] = None
        except Exception as exc:
            outcome["error"] = exc

    # the SDK is native code that cannot be interrupted: it runs in a daemon thread, and one that
    # overruns is abandoned (its worker process is replaced after this file)
    t = threading.Thread(target=sdk_read, name="c2pa-read", daemon=True)
    t.start()
    t.join(seconds)
    if t.is_alive():
        from forgelens.isolation import recycle_worker_after_job  # noqa: PLC0415

        recycle_worker_after_job()
        return C2paResult("unreadable", f"C2PA manifest present but not validated: the SDK took longer than "
                          f"the {seconds:g} s limit")
    store, state, remote = outcome.get("store"), outcome.get("state"), outcome.get("remote")
    exc = outcome.get("error")
    if exc is not None or not isinstance(store, dict):
        text = f"{type(exc).__name__}: {exc}" if exc is not None else "the SDK returned no manifest store"
        if "ManifestNotFound" in text or "JumbfNotFound" in text or "no JUMBF" in text:
            return C2paResult("no_manifest", "no C2PA manifest in the file")
        return C2paResult("unreadable", f"C2PA manifest present but unreadable: {text[:300]}")
    return _interpret(store, str(state or ""), remote)


def _interpret(store: dict, state: str, remote: str | None) -> C2paResult:
    manifests = store.get("manifests") or {}
    active_label = store.get("active_manifest")
    active = manifests.get(active_label) or {}
    status_list = store.get("validation_status") or []
    codes = [s.get("code", "") for s in status_list if isinstance(s, dict)]
    failing = [c for c in codes if c not in BENIGN_CODES]
    benign = [c for c in codes if c in BENIGN_CODES]
    ingredient_fail: list[str] = []
    vr = store.get("validation_results") or {}
    for ing in vr.get("ingredientDeltas") or []:
        for f in ((ing or {}).get("validationDeltas") or {}).get("failure") or []:
            if isinstance(f, dict) and f.get("code") not in BENIGN_CODES:
                ingredient_fail.append(str(f.get("code")))
    state_l = state.lower()
    if state_l == "invalid" or (not state_l and failing):
        status = "invalid"
    elif state_l == "trusted":
        status = "trusted"
    else:
        status = "valid"
    sig = active.get("signature_info") or {}
    actions = _manifest_actions(active)
    all_dst: list[str] = []
    agents: list[str] = []
    # the active manifest first, then the others by label: the SDK's JSON lists them in no fixed order
    for label in sorted(manifests, key=lambda k: (k != active_label, str(k))):
        m = manifests[label]
        if not isinstance(m, dict):
            continue
        for a in _manifest_actions(m):
            if a["digital_source_type"] and a["digital_source_type"] not in all_dst:
                all_dst.append(a["digital_source_type"])
            if a["software_agent"] and a["software_agent"] not in agents:
                agents.append(a["software_agent"])
    ingredients = []
    for ing in active.get("ingredients") or []:
        if isinstance(ing, dict):
            ingredients.append({
                "title": ing.get("title"), "relationship": ing.get("relationship"),
                "has_manifest": bool(ing.get("active_manifest")),
                "validation_status": [s.get("code") for s in ing.get("validation_status") or [] if isinstance(s, dict)],
            })
            for s in ing.get("validation_status") or []:
                code = str(s.get("code", "")) if isinstance(s, dict) else ""
                if code and code not in BENIGN_CODES and not code.endswith(_SUCCESS_SUFFIXES):
                    ingredient_fail.append(code)
    res = C2paResult(
        status=status,
        message=f"C2PA manifest: validation state {state or 'unknown'}",
        failure_codes=failing,
        informational_codes=sorted(set(benign)),
        ingredient_failure_codes=sorted(set(ingredient_fail)),
        claim_generator=active.get("claim_generator") or _gen_info(active),
        signer_issuer=sig.get("issuer"),
        signer_name=sig.get("common_name"),
        signed_at=sig.get("time"),
        title=active.get("title"),
        actions=actions,
        ingredients=ingredients,
        digital_source_types=all_dst,
        digital_source_types_active=[a["digital_source_type"] for a in actions if a["digital_source_type"]],
        software_agents=agents,
        ai_scope=_manifest_scope(manifests, active_label),
        n_manifests=len(manifests),
        remote_url=remote,
    )
    if res.ai_scope is None and any(d in AI_FULL + AI_PARTIAL for d in all_dst):
        res.ai_scope = "partial"
    return res


def _gen_info(m: dict) -> str | None:
    info = m.get("claim_generator_info")
    if isinstance(info, list) and info and isinstance(info[0], dict):
        return " ".join(str(info[0].get(k, "")) for k in ("name", "version")).strip() or None
    return None
