"""The audit log's hash chain, shared by the database and the CLI's export (standard library only).

Each entry stores the SHA-256 of the previous entry of its case and of its own fields, so a
removed, reordered or edited entry breaks the chain (tamper-evident on top of the database's
append-only triggers).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

AUDIT_FIELDS = ("case_id", "actor", "action", "job_id", "input_sha256", "tool_version", "verdict", "detail")


def iso(t: float | None) -> str | None:
    if t is None:
        return None
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def audit_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """SHA-256 over the previous entry's hash and this entry's fields (canonical JSON)."""
    return hashlib.sha256((prev_hash + json.dumps(fields, sort_keys=True, separators=(",", ":"))).encode()).hexdigest()


def verify_audit_chain(entries: list[dict[str, Any]]) -> bool:
    """True when every entry's hash matches its fields and the entry before it (``to_dict()`` form,
    the whole log in order)."""
    prev = "0" * 64
    for d in entries:
        fields = {k: d[k] for k in AUDIT_FIELDS}
        fields["at"] = d["at_unix"]
        if d["prev_hash"] != prev or audit_hash(prev, fields) != d["entry_hash"]:
            return False
        prev = d["entry_hash"]
    return True


