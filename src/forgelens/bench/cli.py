"""``forgelens bench`` and ``forgelens datasets``: registered on the main app by ``register(app)``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

err = Console(stderr=True, markup=False)  # paths and messages hold [brackets] (extras, file names)


def _pairings(items: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for s in items:
        pos, sep, neg = s.partition("=")
        if not sep or not pos or not neg:
            raise typer.BadParameter(f"expected POSITIVE=AUTHENTIC_SOURCE, got {s!r}", param_hint="--pair")
        out.setdefault(pos, []).append(neg)
    return out


def register(app: typer.Typer) -> None:
    @app.command("datasets")
    def datasets_cmd(
        root: Path = typer.Option(None, "--root", help="Folder holding datasets (default: ../shared/datasets "
                                  "when present, else $FORGELENS_DATASETS)."),
    ) -> None:
        """List the benchmark datasets found under the root, with their counts."""
        from forgelens.bench.datasets import default_root, find_datasets

        r = root or default_root()
        found = find_datasets(r)
        if not found:
            err.print(f"forgelens: no datasets under {r} (folders with index.csv, Tp/+Gt/, or .json lists)",
                      highlight=False, soft_wrap=True)
            raise typer.Exit(1)
        table = Table("name", "layout", "manipulated", "authentic", "generated", "masks", title=f"datasets in {r}")
        for d in found:
            c = d.counts()
            table.add_row(d.name, d.layout, str(c["manipulated"]), str(c["authentic"]), str(c["generated"]),
                          str(c["masks"]))
        Console().print(table)

    @app.command("bench")
    def bench_cmd(
        dataset: list[str] = typer.Option(..., "--dataset", help="Dataset name (under --root) or path; repeatable."),
        detectors: str = typer.Option("default", "--detectors", "-d",
                                      help="Comma-separated: detector names, 'default' (fused default analysis), "
                                           "'baseline' / 'constant' (trivial references), 'all'."),
        perturb: str = typer.Option("none", "--perturb", help="Comma-separated, e.g. none,jpeg:75,resize:0.5,"
                                    "blur:1,noise:3,webp:80,social; 'sweep' = the standard sweep."),
        out: Path = typer.Option(Path("bench-out"), "-o", "--out", help="Output folder (tables, plots, cache)."),
        root: Path = typer.Option(None, "--root", help="Folder holding datasets (see `forgelens datasets`)."),
        limit: int = typer.Option(0, "--limit", help="Use only the first N images of each label per dataset."),
        workers: int = typer.Option(0, "--workers", "-j", min=0, help="Processes (0 = one per core; 1 = no pool)."),
        engine: str = typer.Option("local", "--engine", help="'local' (process pool) or 'ray'."),
        address: str = typer.Option(None, "--address", help="Ray cluster address (default: a local Ray)."),
        save_maps: Path = typer.Option(None, "--save-maps", help="Write every map as 16-bit PNG + scores.csv here."),
        boundary: bool = typer.Option(False, "--boundary-excluded", help="Score pixels against the TruFor "
                                      "boundary-excluded ground truth (erode 15 / dilate 11)."),
        pair: list[str] = typer.Option([], "--pair", help="POS=NEG: image-level rows for POS's images with "
                                       "NEG's authentic images, both given with --dataset (e.g. nist16=pristine-extra); "
                                       "repeatable."),
        force: bool = typer.Option(False, "--force", help="Ignore the cache and recompute every image."),
        no_plots: bool = typer.Option(False, "--no-plots", help="Skip the PNG plots."),
    ) -> None:
        """Benchmark detectors on datasets at native resolution: JSON, CSV, Markdown tables and plots."""
        from forgelens.bench import run_bench
        from forgelens.bench.engines import ENGINES
        from forgelens.bench.tables import markdown_skipped
        from forgelens.errors import ForgeLensError

        if engine not in ENGINES:
            raise typer.BadParameter(f"must be one of {', '.join(ENGINES)}", param_hint="--engine")
        try:
            result = run_bench(dataset, detectors, perturb, out, root=root, limit=limit or None, workers=workers,
                               engine=engine, address=address, save_maps=save_maps, boundary=boundary,
                               force=force, pairings=_pairings(pair), plots=not no_plots)
        except (ForgeLensError, FileNotFoundError, ValueError, ImportError) as exc:
            err.print(f"forgelens: {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err.print(f"forgelens: interrupted; no tables written. The images finished so far are cached in "
                      f"{out / 'cache'}: the same command again reuses them.", highlight=False, soft_wrap=True)
            raise typer.Exit(130) from None
        t = result.timing
        err.print(f"{len(result.records)} image runs ({t['images_cached']} from cache) in {t['wall_seconds']:.1f} s; "
                  f"tables: {result.paths['md']}", highlight=False, soft_wrap=True)
        if t.get("harness_overhead") is not None:
            err.print(f"per image: {t['total']:.3f} s in the worker, of which detectors {t['detectors']:.3f} s, "
                      f"harness {t['harness_overhead']:.3f} s", highlight=False, soft_wrap=True)
        skipped = markdown_skipped(result.summary)
        if skipped.strip() != "- none":
            err.print("skipped or partly scored:\n" + skipped, highlight=False, soft_wrap=True)
