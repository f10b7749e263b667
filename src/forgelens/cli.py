"""The `forgelens` command: analyze, detectors, and the commands other modules register."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from forgelens import __version__
from forgelens.cli_groups import command_group  # noqa: F401  (re-exported: modules add commands through it)
from forgelens.errors import ForgeLensError
from forgelens.progress import progress_bar

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Image forensics: was it manipulated or generated, where, and why.")
err = Console(stderr=True, markup=False)  # paths and messages hold [brackets] (extras, file names)

#: Modules that add their own commands through ``register(app)``.
COMMAND_MODULES: list[str] = ["forgelens.synth.cli", "forgelens.bench.cli", "forgelens.camera.cli",
                                 "forgelens.training.localizer", "forgelens.training.probes",
                                 "forgelens.training.export", "forgelens.compare.cli",
                                 "forgelens.service.cli", "forgelens.training.detection",
                                 "forgelens.training.graphic_content"]


def _parse_sets(sets: list[str]) -> dict[str, dict[str, str]]:
    """`--set detector.option=value` → {detector: {option: value}}."""
    configs: dict[str, dict[str, str]] = {}
    for s in sets:
        key, sep, value = s.partition("=")
        det, dot, opt = key.partition(".")
        if not sep or not dot or not det or not opt:
            raise typer.BadParameter(f"expected detector.option=value, got {s!r}", param_hint="--set")
        configs.setdefault(det, {})[opt] = value
    return configs


@app.command()
def analyze(
    paths: list[str] = typer.Argument(..., help="Image files, folders (walked recursively) or glob patterns."),
    out: Path = typer.Option(None, "-o", "--out", help="Output folder (default: ./forgelens-out; none with --format json)."),
    fmt: str = typer.Option("files", "--format", help="'files' writes reports; 'json' prints report JSON to stdout."),
    detectors: str = typer.Option("default", "--detectors", "-d",
                                  help="Comma-separated detector names; 'default' and 'all' expand (e.g. default,copymove_dense)."),
    set_: list[str] = typer.Option([], "--set", help="Override an option: detector.option=value (repeatable)."),
    camera: Path = typer.Option(None, "--camera", exists=True, dir_okay=False, readable=True,
                                help="Camera PRNU fingerprint (.npz) to test the image against."),
    reference: Path = typer.Option(None, "--reference", help="A candidate original: adds the comparison to the report."),
    archive: Path = typer.Option(None, "--archive", help="An archive (forgelens index) to search for the original."),
    force: bool = typer.Option(False, "--force", help="Re-analyse images whose report already exists."),
    workers: int = typer.Option(0, "--workers", "-j", min=0,
                                help="Processes for folders (0 = one per core); one image at a time runs its detectors in threads."),
    time_limit: float = typer.Option(120.0, "--time-limit", min=0,
                                     help="Seconds one file may take before it is stopped (0 = no limit)."),
    memory_limit: float = typer.Option(4.0, "--memory-limit", min=0,
                                       help="GB of memory one file's analysis may use (0 = no limit); larger "
                                            "images are refused before decoding."),
) -> None:
    """Analyse images and write a report per image: OUT/<stem>/report.{json,html}, heatmap.png, maps/."""
    from forgelens.batch import expand, run_batch
    from forgelens.detectors import registry
    from forgelens.isolation import Limits

    if fmt not in ("files", "json"):
        raise typer.BadParameter("must be 'files' or 'json'", param_hint="--format")
    configs = _parse_sets(set_)
    if camera is not None:
        configs.setdefault("prnu", {})["fingerprint_path"] = str(camera)
    try:  # validate names and options once, before any work
        names = registry.resolve(detectors)
        for n in names:
            registry.get(n).make_config(configs.get(n))
        for n in configs:
            registry.get(n)
    except ForgeLensError as exc:
        err.print(f"forgelens: {exc}", highlight=False, soft_wrap=True)  # one line, however long
        raise typer.Exit(2) from None
    if camera is not None and "prnu" not in names:
        names.append("prnu")

    outdir = None if (fmt == "json" and out is None) else (out or Path("forgelens-out"))
    expansion = expand(paths, exclude=outdir)
    files, problems = expansion.files, expansion.problems  # no file at all: still recorded in OUT/errors.txt
    limits = None
    if time_limit or memory_limit:  # each file in an isolated worker process
        limits = Limits(seconds=time_limit or float("inf"),
                        memory_bytes=int(memory_limit * 2**30) if memory_limit else 1 << 62)
    options = {"detectors": names, "configs": configs, "want_json": fmt == "json",
               "reference": str(reference) if reference else None, "archive": str(archive) if archive else None}

    failures = 0
    with progress_bar(err, remaining=False, disable=len(files) <= 1 or not err.is_terminal) as progress:
        task = progress.add_task("analysing", total=len(files))

        def on_result(r):
            nonlocal failures
            progress.advance(task)
            if r.error:
                failures += 1
                err.print(f"forgelens: {r.error}", highlight=False, soft_wrap=True)
            elif r.skipped:
                err.print(f"skipped {r.path} ({r.skip_reason or 'report exists; --force to redo'})",
                          highlight=False, soft_wrap=True)
            elif fmt == "json":
                sys.stdout.write(json.dumps(r.report) + "\n")
            else:
                err.print(cli_line(r), highlight=False, soft_wrap=True)

        try:
            run_batch(files, outdir, options, workers=workers, force=force, on_result=on_result, limits=limits,
                      skipped=expansion.skipped, problems=problems)  # recorded and printed as errors
        except KeyboardInterrupt:
            where = f"; results so far in {outdir / 'batch.json'}" if outdir is not None else ""
            err.print(f"forgelens: interrupted{where}", highlight=False, soft_wrap=True)
            raise typer.Exit(130) from None
    if failures or problems:
        raise typer.Exit(1)



def cli_line(r) -> str:
    """One line per file: the label in words and the three probabilities, once (the same
    numbers and wording as report.json and report.html), with report.html's note where they are a
    ranking rather than a calibrated probability (a detector subset)."""
    from forgelens.explain.words import probability_text

    note = f" ({r.probability_note})" if getattr(r, "probability_note", None) else ""
    return f"{r.path}: {r.headline or r.label} — {probability_text(r.probabilities)}{note} → {r.outdir}"


@app.command("detectors")
def list_detectors() -> None:
    """List the registered detectors: name, family, default, licence, description."""
    from forgelens.detectors import available

    table = Table("name", "family", "default", "licence", "description")
    for name, info in available().items():
        table.add_row(name, info.family, "yes" if info.default else "no", info.licence, info.description)
    Console().print(table)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


for _mod in COMMAND_MODULES:
    importlib.import_module(_mod).register(app)


def main() -> None:  # pragma: no cover
    app()
