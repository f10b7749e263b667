"""HTTP service: a typed JSON API over analyze() and a one-page web UI.

    forgelens serve --port 8000      # then open http://127.0.0.1:8000/

Endpoints (OpenAPI at /docs): ``POST /api/analyze`` (multipart file upload →
report JSON, with display PNGs of the fused map and overlay when ``maps=true``),
``GET /api/detectors``, ``GET /api/health``. Uploads are held in memory only,
never written to disk; bad images get HTTP 422 with the one-line reason,
uploads over the size limit HTTP 413.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np
from fastapi import FastAPI, File, HTTPException, Query, UploadFile
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from forgelens import __version__
from forgelens.errors import ConfigError, DecompressionBombError, ForgeLensError

MAX_UPLOAD_BYTES = 64 * 1024 * 1024


class DetectorOut(BaseModel):
    name: str
    family: str
    default: bool
    licence: str
    description: str


class AnalyzeOut(BaseModel):
    report: dict[str, Any]
    overlay_png: str | None = None
    heatmap_png: str | None = None


def create_app(max_upload_bytes: int = MAX_UPLOAD_BYTES) -> FastAPI:
    app = FastAPI(title="forgelens", version=__version__,
                  description="Image forensics: was it manipulated or generated, where, and why.")

    @app.get("/", response_class=HTMLResponse)
    def page() -> str:
        return resources.files("forgelens.service").joinpath("index.html").read_text(encoding="utf-8")

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/api/detectors", response_model=list[DetectorOut])
    def detectors() -> list[DetectorOut]:
        from forgelens.detectors import available

        return [DetectorOut(name=n, family=i.family, default=i.default, licence=i.licence,
                            description=i.description) for n, i in available().items()]

    @app.post("/api/analyze", response_model=AnalyzeOut)
    def analyze_upload(
        file: UploadFile = File(..., description="The image to analyse."),
        detectors: str = Query("default", description="Comma-separated detector names; 'default' and 'all' expand."),
        maps: bool = Query(True, description="Include display PNGs of the fused map and overlay."),
    ) -> AnalyzeOut:
        from forgelens.explain.images import data_uri, overlay
        from forgelens.pipeline import analyze

        data = file.file.read(max_upload_bytes + 1)
        name = file.filename or "upload"
        if len(data) > max_upload_bytes:
            raise HTTPException(413, f"{name}: upload larger than {max_upload_bytes} bytes")
        from forgelens.detectors.registry import resolve

        try:
            report = analyze(data, detectors=resolve(detectors), name=name)
        except ConfigError as exc:
            raise HTTPException(400, str(exc)) from exc
        except DecompressionBombError as exc:
            raise HTTPException(413, str(exc)) from exc
        except ForgeLensError as exc:
            raise HTTPException(422, str(exc)) from exc
        out = AnalyzeOut(report=report.to_dict())
        if maps and report.verdict.heatmap is not None:
            px = np.asarray(report.evidence.pixels)
            out.overlay_png = data_uri(overlay(px, report.verdict.heatmap), 1024)
            out.heatmap_png = data_uri(report.verdict.heatmap, 1024)
        return out

    return app


app = create_app()
