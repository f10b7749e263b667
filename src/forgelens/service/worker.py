"""The body of one analysis job, run inside an isolated worker process.

Kept apart from the job machinery so that a worker imports only what analysing needs
(not the database or web libraries).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any


def run_analysis(filename: str, data: bytes, detectors: list[str], workdir: str) -> dict[str, Any]:
    """Worker body: analyse ``data``, write the report files under ``workdir/out``; return a summary.

    ``workdir`` is private to this job and becomes the temporary folder of anything the
    loaders write, so nothing of the upload outlives the job.
    """
    _lower_priority()
    tempfile.tempdir = str(Path(workdir) / "tmp")
    os.environ["TMPDIR"] = tempfile.tempdir
    from forgelens.explain import write_report
    from forgelens.explain.images import overlay, preview
    from forgelens.pipeline import analyze

    started = time.time()
    report = analyze(data, detectors=detectors, name=filename)
    out = Path(workdir) / "out"
    write_report(report, out)
    v = report.verdict
    if v.heatmap is not None:
        import numpy as np

        preview(overlay(np.asarray(report.evidence.pixels), v.heatmap)).save(out / "overlay.png")
    return {"label": v.label, "score": v.score, "probabilities": v.probabilities,
            "format": report.evidence.format, "seconds": report.seconds, "started_at": started}


#: Workers run this much nicer than the server, so that health checks, uploads and polling
#: keep the CPU they need however busy the analyses are.
WORKER_NICENESS = 10
_niced = False


def _lower_priority() -> None:
    global _niced
    if not _niced:
        try:
            os.nice(WORKER_NICENESS)
        except OSError:
            pass
        _niced = True
