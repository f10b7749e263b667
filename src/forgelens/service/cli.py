"""`forgelens serve` (with `token create` and `retention`) and `forgelens case export`.

Registered by forgelens.cli; the service's libraries are imported only when a command runs,
so `forgelens --help` works without the service extra.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console

from forgelens.errors import ForgeLensError
from forgelens.service.settings import describe, load_settings

err = Console(stderr=True, markup=False)  # paths and messages hold [brackets] (extras, file names)


def _fail(msg: str, code: int = 2) -> typer.Exit:
    err.print(f"forgelens: {msg}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@contextmanager
def _database(settings):
    """The settings' database, migrated, closed afterwards."""
    from forgelens.service.storage import ContentStore, Database

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.db_url)
    try:
        db.upgrade(ContentStore(settings.data_dir))
        yield db
    finally:
        db.dispose()


def register(app: typer.Typer) -> None:
    serve_app = typer.Typer(no_args_is_help=False, rich_markup_mode=None)
    app.add_typer(serve_app, name="serve")

    @serve_app.callback(invoke_without_command=True, epilog=describe())
    def serve(
        ctx: typer.Context,
        settings_file: Path = typer.Option(None, "--settings", help="TOML settings file (or $FORGELENS_SETTINGS)."),
        host: str = typer.Option(None, help="Address to listen on [FORGELENS_HOST; default 127.0.0.1]."),
        port: int = typer.Option(None, help="Port [FORGELENS_PORT; default 8000]."),
        data_dir: Path = typer.Option(None, help="Data folder [FORGELENS_DATA_DIR; default ./forgelens-data]."),
        database_url: str = typer.Option(None, help="Database URL [FORGELENS_DATABASE_URL; default SQLite in the data folder]."),
        workers: int = typer.Option(None, help="Worker processes [FORGELENS_WORKERS; default 2]."),
        queue_size: int = typer.Option(None, help="Queued jobs beyond the workers before 429 [FORGELENS_QUEUE_SIZE; default 16]."),
        max_upload_bytes: int = typer.Option(None, help="Upload limit [FORGELENS_MAX_UPLOAD_BYTES; default 64 MiB]."),
        job_seconds: float = typer.Option(None, help="Time limit per analysis [FORGELENS_JOB_SECONDS; default 120]."),
        job_memory_bytes: int = typer.Option(None, help="Memory limit per analysis [FORGELENS_JOB_MEMORY_BYTES; default 4 GiB]."),
        retention_days: float = typer.Option(None, help="Retention of originals and loose jobs [FORGELENS_RETENTION_DAYS; default 30]."),
        keep_originals: bool = typer.Option(None, "--keep-originals/--no-keep-originals",
                                            help="Keep every original [FORGELENS_KEEP_ORIGINALS; default no]."),
        no_auth: bool = typer.Option(False, "--no-auth", help="No API tokens (allowed on a loopback address only)."),
        cors_origins: str = typer.Option(None, help="Origins allowed by CORS [FORGELENS_CORS_ORIGINS; default none]."),
    ) -> None:
        """Run the HTTP API and web page (needs the `service` extra). Sub-commands manage tokens and retention."""
        try:
            settings = load_settings(settings_file, host=host, port=port, data_dir=data_dir, database_url=database_url,
                                     workers=workers, queue_size=queue_size, max_upload_bytes=max_upload_bytes,
                                     job_seconds=job_seconds, job_memory_bytes=job_memory_bytes,
                                     retention_days=retention_days, keep_originals=keep_originals,
                                     auth=False if no_auth else None, cors_origins=cors_origins).check()
        except ForgeLensError as exc:
            raise _fail(str(exc)) from None
        ctx.obj = settings
        if ctx.invoked_subcommand is not None:
            return
        try:
            import uvicorn

            from forgelens.service.app import create_app
        except ImportError as exc:
            raise _fail(f"serve needs the service extra (pip install 'forgelens[service]'): {exc}") from None
        app = create_app(settings)
        if settings.auth:
            from sqlalchemy import func, select

            from forgelens.service.storage import Token

            with app.state.db.session() as s:
                if not s.scalar(select(func.count()).select_from(Token)):
                    err.print("forgelens: no API token yet; create one with: forgelens serve token create --name NAME",
                              highlight=False, soft_wrap=True)
        uvicorn.run(app, host=settings.host, port=settings.port, timeout_graceful_shutdown=5)

    token_app = typer.Typer(no_args_is_help=True, help="API tokens (stored as argon2 hashes).")
    serve_app.add_typer(token_app, name="token")

    @token_app.command("create")
    def token_create(ctx: typer.Context, name: str = typer.Option(..., "--name", help="Who the token is for (shown in the audit log)."),
                     admin: bool = typer.Option(False, "--admin", help="An admin token: may delete any case, not only its own.")) -> None:
        """Create an API token and print it once; only its argon2 hash is stored."""
        from forgelens.service.auth import create_token

        with _database(ctx.parent.parent.obj) as db:  # the `serve` callback's settings
            try:
                token = create_token(db, name, admin=admin)
            except ForgeLensError as exc:
                raise _fail(str(exc)) from None
        typer.echo(token)
        err.print(f"token for {name!r} created; it is shown only now: keep it safe", highlight=False, soft_wrap=True)

    @token_app.command("revoke")
    def token_revoke(ctx: typer.Context, name: str = typer.Option(..., "--name", help="The token's name.")) -> None:
        """Revoke a token (a running server stops accepting it within 5 minutes)."""
        from forgelens.service.auth import revoke_token

        with _database(ctx.parent.parent.obj) as db:
            if not revoke_token(db, name):
                raise _fail(f"no token named {name!r}", 1)
        typer.echo(f"token {name!r} revoked")

    @token_app.command("list")
    def token_list(ctx: typer.Context) -> None:
        """The tokens' names, creation times and whether they are revoked."""
        from forgelens.service.auth import list_tokens
        from forgelens.service.storage import iso

        with _database(ctx.parent.parent.obj) as db:
            for name, created, revoked, admin in list_tokens(db):
                typer.echo(f"{name}\t{iso(created)}\t{'revoked' if revoked else 'active'}" + ("\tadmin" if admin else ""))

    @serve_app.command("retention")
    def retention(ctx: typer.Context, days: float = typer.Option(None, help="Override retention_days.")) -> None:
        """Apply the retention policy now: delete originals, and jobs outside cases, older than the limit."""
        from forgelens.service.jobs import apply_retention
        from forgelens.service.storage import ContentStore

        settings = ctx.parent.obj
        with _database(settings) as db:
            counts = apply_retention(db, ContentStore(settings.data_dir), days or settings.retention_days)
        typer.echo(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in counts.items()))

    case_app = typer.Typer(no_args_is_help=True, help="Cases: several pictures, their reports and audit log, as one file.")
    app.add_typer(case_app, name="case")

    @case_app.command("export")
    def case_export(
        folder: Path = typer.Argument(..., exists=True, file_okay=False, help="A folder of reports (forgelens analyze -o FOLDER)."),
        out: Path = typer.Option(Path("case.zip"), "-o", "--out", help="The zip to write."),
        name: str = typer.Option(None, help="Case name (default: the folder's name)."),
    ) -> None:
        """One zip of every report under FOLDER, with a SHA-256 manifest and an audit log of the export."""
        from forgelens.service.export import export_folder

        try:
            manifest = export_folder(folder, out, name)
        except ForgeLensError as exc:
            raise _fail(str(exc), 1) from None
        typer.echo(f"{out}: {len(manifest['originals'])} reports, {len(manifest['files'])} files, manifest.json + SHA256SUMS")
