"""The service's settings, in one place: defaults < settings file (TOML) < environment < command line.

Every field is listed by ``forgelens serve --help`` with its environment variable
(``FORGELENS_<NAME>``) and its default. The defaults are the safe ones: loopback only,
authentication on, no CORS, originals not kept.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from forgelens.errors import ConfigError

ENV_PREFIX = "FORGELENS_"
SETTINGS_FILE_ENV = "FORGELENS_SETTINGS"


@dataclass(frozen=True)
class Settings:
    host: str = field(default="127.0.0.1", metadata={"help": "address to listen on"})
    port: int = field(default=8000, metadata={"help": "port to listen on"})
    data_dir: Path = field(default=Path("forgelens-data"),
                           metadata={"help": "folder for the database, reports and kept originals (created on first start)"})
    database_url: str = field(default="", metadata={"help": "SQLAlchemy URL, e.g. postgresql+psycopg://u:p@host/db (default: SQLite in data_dir)"})
    workers: int = field(default=2, metadata={"help": "worker processes analysing at once"})
    queue_size: int = field(default=16, metadata={"help": "jobs waiting beyond the workers before 429"})
    max_upload_bytes: int = field(default=64 * 2**20, metadata={"help": "largest upload accepted (413 above, before storing more)"})
    upload_idle_seconds: float = field(default=30.0, metadata={"help": "an upload that sends no byte for this long is refused (408) and its queue slot freed"})
    upload_min_bytes_per_second: float = field(default=1024.0, metadata={"help": "an upload still arriving upload_idle_seconds + (bytes received) / this rate after it began is refused (408) and its queue slot freed: a client trickling a byte per pause cannot hold a slot for ever (1024 lets a 64 MiB upload take 18 h)"})
    job_seconds: float = field(default=120.0, metadata={"help": "wall-time limit per analysis"})
    job_memory_bytes: int = field(default=4 * 2**30, metadata={"help": "memory limit per analysis"})
    detectors: str = field(default="default", metadata={"help": "detectors a job runs unless it names others"})
    keep_originals: bool = field(default=False, metadata={"help": "keep every uploaded original (else only when a request asks)"})
    retention_days: float = field(default=30.0, metadata={"help": "originals, and jobs outside cases, older than this are deleted"})
    retention_interval_s: float = field(default=3600.0, metadata={"help": "how often the server applies the retention policy"})
    auth: bool = field(default=True, metadata={"help": "require an API token (off only with --no-auth on loopback)"})
    jobs_per_hour: int = field(default=120, metadata={"help": "per-token quota of analyses per hour (0 = none)"})
    bytes_per_day: int = field(default=2 * 2**30, metadata={"help": "per-token quota of uploaded bytes per day (0 = none)"})
    cors_origins: str = field(default="", metadata={"help": "comma-separated origins allowed by CORS (default: none, CORS off)"})

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'forgelens.sqlite').resolve()}"

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    def check(self) -> Settings:
        """Refuse unsafe or impossible combinations, with the reason."""
        if not self.auth and not self.loopback:
            raise ConfigError("settings", f"--no-auth is allowed only on a loopback address, not {self.host}")
        for name in ("workers", "max_upload_bytes", "job_memory_bytes"):
            if getattr(self, name) < 1:
                raise ConfigError("settings", f"{name} must be at least 1")
        if (self.queue_size < 0 or self.job_seconds <= 0 or self.retention_days <= 0 or self.upload_idle_seconds <= 0
                or self.upload_min_bytes_per_second <= 0):
            raise ConfigError("settings", "queue_size must be ≥ 0, job_seconds, retention_days, upload_idle_seconds "
                                          "and upload_min_bytes_per_second > 0")
        return self


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _coerce(name: str, value: Any, kind: type) -> Any:
    try:
        if kind is bool and isinstance(value, str):
            if value.lower() in ("1", "true", "yes", "on"):
                return True
            if value.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigError("settings", f"{name}={value!r} is not a valid {kind.__name__}") from None


def _types() -> dict[str, type]:
    return {f.name: {"bool": bool, "int": int, "float": float, "str": str, "Path": Path}[str(f.type)]
            for f in fields(Settings)}


def load_settings(path: str | os.PathLike | None = None, env: dict[str, str] | None = None,
                  **overrides: Any) -> Settings:
    """Defaults, then the TOML file (``path`` or $FORGELENS_SETTINGS), then FORGELENS_* variables,
    then ``overrides`` (command-line options; None means "not given")."""
    env = dict(os.environ) if env is None else env
    types = _types()
    values: dict[str, Any] = {}
    path = path or env.get(SETTINGS_FILE_ENV)
    if path:
        try:
            doc = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(str(path), f"cannot read the settings file: {exc}") from None
        for k, v in doc.get("service", doc).items():
            if k not in types:
                raise ConfigError(str(path), f"unknown setting {k!r}")
            values[k] = _coerce(k, v, types[k])
    for k, kind in types.items():
        if ENV_PREFIX + k.upper() in env:
            values[k] = _coerce(k, env[ENV_PREFIX + k.upper()], kind)
    for k, v in overrides.items():
        if v is not None:
            values[k] = _coerce(k, v, types[k])
    return replace(Settings(), **values)


def describe() -> str:
    """Help text: every setting, its variable and default."""
    lines = ["Settings (defaults < settings file < environment < options). Settings file: TOML with these keys,",
             f"at --settings or ${SETTINGS_FILE_ENV}. Environment variables:", ""]
    for f in fields(Settings):
        lines.append(f"{ENV_PREFIX}{f.name.upper()} ({f.name}, default {f.default!s}): {f.metadata['help']}")
    return "\n\n".join([lines[0] + " " + lines[1], *lines[3:]])
