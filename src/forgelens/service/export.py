"""One zip for the record: reports, maps, originals where kept, the audit log and a manifest.

The manifest (``manifest.json``, and ``SHA256SUMS`` for ``sha256sum -c``) gives the SHA-256 and
size of every other file in the zip, and the SHA-256 of every analysed original, kept or not. It
says what made the zip and its reports: ``tool`` is :func:`forgelens.pipeline.tool_identity` of the
forgelens that wrote the zip (version, source commit, SHA-256 of every model file), and each
original's ``report_tool`` is the ``tool`` its own report.json recorded when it was analysed (None
where the item has no report), since a case can hold reports of an older version.
Used by ``GET /v1/cases/{id}/export`` and by ``forgelens case export`` over a folder of reports.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import re
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from forgelens import __version__

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class ExportItem:
    """One analysed picture: its report files (relative path → bytes) and, where kept, the original."""

    key: str  # unique folder name inside the zip
    filename: str
    input_sha256: str
    files: dict[str, bytes] = field(default_factory=dict)
    original: bytes | None = None
    note: str = ""
    verdict: str | None = None


def safe_name(name: str, fallback: str = "item") -> str:
    """A file name that stays one path component: no separators, no '.'/'..'."""
    s = _UNSAFE.sub("_", name).strip("._") or fallback
    return s[:100]


def write_case_zip(dest: BinaryIO, case: dict[str, Any], items: list[ExportItem], audit: list[dict[str, Any]]) -> dict:
    """Write the zip to ``dest``; return the manifest."""
    entries: dict[str, bytes] = {}
    originals = []
    for it in items:
        base = f"items/{safe_name(it.key)}"
        for rel, data in sorted(it.files.items()):
            parts = [safe_name(p) for p in rel.split("/")]
            entries[f"{base}/{'/'.join(parts)}"] = data
        kept = it.original is not None
        if kept:
            entries[f"{base}/original/{safe_name(it.filename, 'original')}"] = it.original
            if hashlib.sha256(it.original).hexdigest() != it.input_sha256:
                raise ValueError(f"{it.filename}: the kept original does not match its recorded hash")
        originals.append({"item": it.key, "filename": it.filename, "sha256": it.input_sha256, "kept": kept,
                          "verdict": it.verdict, "note": it.note, "report_tool": _report_tool(it.files)})
    entries["case.json"] = json.dumps(case, indent=2, sort_keys=True).encode()
    entries["audit.jsonl"] = "".join(json.dumps(e, sort_keys=True) + "\n" for e in audit).encode()
    from forgelens.pipeline import tool_identity

    manifest = {
        "tool": tool_identity(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "hash": "sha256",
        "files": {name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                  for name, data in sorted(entries.items())},
        "originals": originals,
    }
    sums = "".join(f"{v['sha256']}  {k}\n" for k, v in manifest["files"].items())
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in sorted(entries.items()):
            z.writestr(name, data)
        z.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
        z.writestr("SHA256SUMS", sums)
    return manifest


def _report_tool(files: dict[str, bytes]) -> dict[str, Any] | None:
    """report.json's ``tool`` (what produced the report), or None where it is missing or unreadable."""
    try:
        tool = json.loads(files["report.json"]).get("tool")
    except (KeyError, ValueError, UnicodeDecodeError, AttributeError):
        return None
    return tool if isinstance(tool, dict) else None


def verify_zip(path_or_file) -> list[str]:
    """Problems found when checking a case zip against its manifest (empty list: all hashes match)."""
    problems = []
    with zipfile.ZipFile(path_or_file) as z:
        manifest = json.loads(z.read("manifest.json"))
        names = set(z.namelist()) - {"manifest.json", "SHA256SUMS"}
        for name, meta in manifest["files"].items():
            if name not in names:
                problems.append(f"{name}: listed but missing")
            elif hashlib.sha256(z.read(name)).hexdigest() != meta["sha256"]:
                problems.append(f"{name}: SHA-256 differs from the manifest")
        problems += [f"{n}: not in the manifest" for n in sorted(names - set(manifest["files"]))]
    return problems


def items_from_folder(folder: Path) -> list[ExportItem]:
    """Every report folder (holding report.json) under ``folder``, as export items."""
    items = []
    for rj in sorted(Path(folder).rglob("report.json")):
        d = rj.parent
        try:
            report = json.loads(rj.read_text(encoding="utf-8"))
            sha = report["input"]["sha256"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            from forgelens.errors import ForgeLensError

            raise ForgeLensError(str(rj), f"not a forgelens report: {exc}") from None
        key = d.relative_to(folder).as_posix().replace("/", "_") or d.name
        files = {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}
        items.append(ExportItem(key=key, filename=str(report["input"].get("source") or d.name), input_sha256=sha,
                                files=files, verdict=(report.get("verdict") or {}).get("label")))
    return items


def export_folder(folder: Path, dest: Path, name: str | None = None) -> dict:
    """``forgelens case export``: a case zip from a folder of reports, with an audit log of this export."""
    from forgelens.service.audit import audit_hash, iso

    items = items_from_folder(folder)
    if not items:
        from forgelens.errors import ForgeLensError

        raise ForgeLensError(str(folder), "holds no report.json")
    actor = _user()
    case = {"id": None, "name": name or Path(folder).resolve().name, "created_by": actor,
            "source": "forgelens case export", "items": [{"key": i.key, "filename": i.filename} for i in items]}
    audit, prev = [], "0" * 64
    for it, action in [(i, "report included") for i in items] + [(None, "exported")]:
        fields = {"case_id": None, "at": round(time.time(), 3), "actor": actor, "action": action,
                  "job_id": it.key if it else None, "input_sha256": it.input_sha256 if it else None,
                  "tool_version": __version__, "verdict": it.verdict if it else None, "detail": ""}
        h = audit_hash(prev, fields)
        audit.append({**fields, "at": iso(fields["at"]), "at_unix": fields["at"], "prev_hash": prev, "entry_hash": h,
                      "id": len(audit) + 1})
        prev = h
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest, "wb") as f:
        return write_case_zip(f, case, items, audit)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
