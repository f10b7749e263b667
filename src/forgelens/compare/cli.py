"""`forgelens compare`, `forgelens index` and `forgelens search`."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from forgelens.errors import ForgeLensError

err = Console(stderr=True, markup=False)  # paths and messages hold [brackets] (extras, file names)


def register(app: typer.Typer) -> None:
    @app.command("compare")
    def compare_cmd(
        suspect: Path = typer.Argument(..., help="The picture under question."),
        reference: Path = typer.Argument(..., help="A candidate original (an earlier or better copy)."),
        out: Path = typer.Option(Path("forgelens-compare"), "-o", "--out", help="Output folder."),
        fmt: str = typer.Option("files", "--format", help="'files' writes OUT/comparison.{json,html} and maps; "
                                                           "'json' prints the comparison JSON."),
    ) -> None:
        """Compare a suspect with a reference: same scene?, transform, difference map, changed regions."""
        from forgelens.compare.core import compare
        from forgelens.compare.html import write_comparison

        if fmt not in ("files", "json"):
            raise typer.BadParameter("must be 'files' or 'json'", param_hint="--format")
        try:
            r = compare(str(suspect), str(reference))
        except ForgeLensError as exc:
            err.print(f"forgelens: {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        if fmt == "json":
            typer.echo(json.dumps(r.to_dict()))
            return
        paths = write_comparison(r, out)
        err.print(f"{suspect}: {r.summary()} → {paths['html']}", highlight=False, soft_wrap=True)

    @app.command("index")
    def index_cmd(
        folder: list[Path] = typer.Argument(..., help="Folders (walked recursively) or files to add to the archive."),
        db: Path = typer.Option(..., "--db", help="Archive file (SQLite; created if absent, updated incrementally)."),
    ) -> None:
        """Index pictures into an archive for `forgelens search` (unchanged files are skipped)."""
        from forgelens.compare.archive import Archive, image_files

        files: list[Path] = []
        for f in folder:
            if f.is_dir():
                files += image_files(f)
            elif f.is_file():
                files.append(f)
            else:
                err.print(f"forgelens: {f}: no such file or folder", highlight=False, soft_wrap=True)
                raise typer.Exit(1)
        failures = []
        try:
            with Archive(db, create=True) as a:
                counts = a.index(files, on_item=lambda p, e: failures.append((p, e)) if e else None)
        except ForgeLensError as exc:
            err.print(f"forgelens: {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        for _path, e in failures:
            err.print(f"forgelens: {e}", highlight=False, soft_wrap=True)  # names the file and why, as analyze
        err.print(f"{db}: {counts['added']} added, {counts['unchanged']} unchanged, {counts['failed']} failed, "
                  f"{counts['total']} in the archive", highlight=False, soft_wrap=True)
        if failures:  # as `analyze`: a script building an archive must be able to tell (the others are indexed)
            raise typer.Exit(1)

    @app.command("search")
    def search_cmd(
        suspect: Path = typer.Argument(..., help="The picture to find an earlier copy of."),
        db: Path = typer.Option(..., "--db", help="Archive file made by `forgelens index`."),
        top: int = typer.Option(5, "--top", help="Candidates to list."),
        fmt: str = typer.Option("table", "--format", help="'table' or 'json'."),
    ) -> None:
        """Search the archive for copies of a picture (crops, resized, recompressed, mirrored, edited)."""
        from forgelens.compare.archive import Archive

        if fmt not in ("table", "json"):
            raise typer.BadParameter("must be 'table' or 'json'", param_hint="--format")
        try:
            with Archive(db) as a:
                hits = a.search(str(suspect), top=top)
        except ForgeLensError as exc:
            err.print(f"forgelens: {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        if fmt == "json":
            typer.echo(json.dumps(hits))
            return
        from rich.table import Column

        t = Table("rank", "same scene", "similarity", "matches", "pHash dist", "scale", "flip", "shown",
                  Column("path", overflow="fold"))  # a path is folded over lines, never cut to "/work…"
        for i, h in enumerate(hits, 1):
            tr = h.get("transform", {})
            t.add_row(str(i), "yes" if h["same_scene"] else "no", f"{h['similarity']:.2f}", str(h["inliers"]),
                      str(h["phash_distance"]), str(tr.get("scale", "")), h["flip"],
                      f"{100 * tr['reference_area_shown']:.0f}%" if "reference_area_shown" in tr else "", h["path"])
        out = Console()
        if not out.is_terminal:  # a file or a pipe: one line per hit, however long its path
            out = Console(width=max(out.width, 100 + max((len(h["path"]) for h in hits), default=0)))
        out.print(t)
