"""``forgelens synth``: make a forgery dataset with exact masks from camera originals."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``synth`` command to the forgelens Typer app."""

    @app.command()
    def synth(
        pristine: list[Path] = typer.Option(..., "--pristine", "-p",
                                            help="Folder (or file) of camera originals; repeatable."),
        n: int = typer.Option(600, "-n", "--number", help="Number of images to make."),
        seed: int = typer.Option(0, "--seed", help="Global seed (same inputs + seed = same bytes)."),
        out: Path = typer.Option(..., "-o", "--out", help="Output dataset folder."),
        kinds: str = typer.Option("all", "--kinds",
                                  help="Comma-separated: authentic,splice,copymove,removal-inpaint,"
                                       "removal-exemplar,local (default all)."),
        post: str = typer.Option("all", "--post",
                                 help="Comma-separated chains: none,jpeg,resize,social,webp,blur,noise "
                                      "(default all)."),
        exclude: list[str] = typer.Option([], "--exclude", help="Glob of files to leave out; repeatable."),
        max_pixels: int = typer.Option(1_048_576, "--max-pixels", help="Crop larger photos to about this size."),
        min_side: int = typer.Option(256, "--min-side", help="Skip photos smaller than this on a side."),
        workers: int = typer.Option(0, "--workers", "-j", min=0, help="Processes (0 = one per core)."),
        force: bool = typer.Option(False, "--force", help="Replace a synth dataset already in OUT."),
    ) -> None:
        """Make N forgeries (splice, copy-move, removal, local edits) and authentic images with exact masks."""
        from forgelens.errors import ForgeLensError
        from forgelens.synth import CHAINS, KINDS, Options, synthesize

        err = Console(stderr=True, markup=False)
        kind_list = KINDS if kinds == "all" else tuple(k.strip() for k in kinds.split(",") if k.strip())
        chain_list = CHAINS if post == "all" else tuple(c.strip() for c in post.split(",") if c.strip())
        opts = Options(max_pixels=max_pixels, min_side=min_side)
        try:
            s = synthesize(pristine, n, out, seed=seed, kinds=kind_list, chains=chain_list, options=opts,
                           exclude=exclude, workers=workers, force=force, console=err)
        except ForgeLensError as exc:
            err.print(f"forgelens: {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err.print(f"forgelens: interrupted; {out} holds a partial set (no index.csv): run the command again "
                      "with --force to replace it.", highlight=False, soft_wrap=True)
            raise typer.Exit(130) from None
        err.print(
            f"{s.written} images ({s.megapixels:.1f} MP) in {s.seconds:.1f} s = {s.images_per_minute:.0f} images/min; "
            f"pool {s.pool} photos from {s.cameras} cameras, {len(s.skipped)} files skipped, "
            f"{len(s.failed)} failed (reasons in {Path(s.out) / 'synth.log'})",
            highlight=False, soft_wrap=True,
        )
        if s.written == 0:
            raise typer.Exit(1)
