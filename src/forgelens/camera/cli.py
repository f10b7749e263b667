"""``forgelens camera``: camera PRNU fingerprints (``forgelens camera fingerprint REFS... -o cam.npz``)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

__all__ = ["register"]

_IMAGE_EXT = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp"}

#: Fewer references than this give a fingerprint whose noise hides the pattern (``estimate_fingerprint``:
#: "10–50 suffice"): on the Dresden Nikon D70s a one-picture fingerprint gave PCE 16 and 74 for two other
#: pictures of the same camera, where ten flat fields gave 259 and 1354 (docs/notes/walk-analyst.md).
MIN_REFERENCES = 10


def _expand(refs: list[Path]) -> list[Path]:
    files: list[Path] = []
    for r in refs:
        if r.is_dir():
            files.extend(sorted(p for p in r.rglob("*") if p.suffix.lower() in _IMAGE_EXT))
        else:
            files.append(r)
    return files


def register(app: typer.Typer) -> None:
    """Add the ``camera`` command group to the forgelens Typer app."""
    camera_app = typer.Typer(no_args_is_help=True, help="Camera sensor (PRNU) fingerprints.")

    @camera_app.command("fingerprint")
    def fingerprint(
        refs: list[Path] = typer.Argument(..., help="Reference images of one camera (files or folders), "
                                                   "same size and orientation; flat fields are best."),
        out: Path = typer.Option(..., "-o", "--out", help="Fingerprint file to write (.npz)."),
        sigma: float = typer.Option(5.0, "--sigma", help="Noise level of the wavelet denoiser."),
    ) -> None:
        """Estimate a camera's PRNU fingerprint (Chen et al. 2008) and save it for `analyze --camera`."""
        from forgelens.camera.prnu import estimate_fingerprint, save_fingerprint
        from forgelens.errors import ForgeLensError

        err = Console(stderr=True, markup=False)
        files = _expand(refs)
        if not files:
            err.print("forgelens: no reference images found", highlight=False, soft_wrap=True)
            raise typer.Exit(2)
        try:
            K = estimate_fingerprint(files, sigma=sigma)
            save_fingerprint(out, K, n_images=len(files), sources=[str(f) for f in files])
        except ForgeLensError as exc:
            err.print(f"forgelens: {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        n = len(files)
        err.print(f"fingerprint {K.shape[1]}x{K.shape[0]} from {n} image{'s' if n != 1 else ''} → {out}",
                  highlight=False, soft_wrap=True)
        if n < MIN_REFERENCES:
            err.print(f"forgelens: warning: {n} reference image{'s' if n != 1 else ''}, fewer than "
                      f"{MIN_REFERENCES}: a weak fingerprint, so pictures of this camera may read 'not found' "
                      "(PCE below 60); flat fields (sky, a white wall) give the best estimate",
                      highlight=False, soft_wrap=True)

    app.add_typer(camera_app, name="camera")
