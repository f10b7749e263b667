"""Pristine / laundered / fully synthetic: combining the two generated-image traces.

Following "When Synthetic Traces Hide Real Content: Analysis of Stable Diffusion Image
Laundering", a real photo passed through a latent autoencoder ("laundered") carries the
decoder's low-level trace but keeps real content. forgelens separates the cases with two
detectors that look at different things:

- ``gen_trace`` (the low-level trace detector named in ``fusion/generation.json``): P(generator
  / autoencoder up-sampling trace) — fires on both laundered and fully generated images (at
  native resolution);
- ``clip_probe``: P(generated) from the frozen CLIP embedding — judges the scene and its
  rendering, which laundering barely changes.

``three_way`` turns them into three probabilities that sum to 1, and ``p_laundered`` =
P(real content re-synthesised by an autoencoder | generated traces) = 1 − P_clip. A laundered
image must be reported as "real content, AI-re-rendered", never as "this scene never existed".
The combination is a transparent rule, not a fitted model: its separating power is what
``benchmarks/accuracy/accuracy_generation.py`` measures (laundering section).
"""

from __future__ import annotations

__all__ = ["three_way"]


def three_way(p_trace: float | None, p_clip: float | None) -> dict[str, float | None]:
    """{'p_pristine', 'p_laundered', 'p_synthetic', 'p_laundered_given_traces'} from the two scores.

    ``p_synthetic`` = P_clip (a scene judged generated is synthetic whether or not its
    low-level trace survived re-compression); the rest splits by the up-sampling trace.
    Missing inputs give None where they are needed.
    """
    if p_clip is None:
        return {"p_pristine": None, "p_laundered": None, "p_synthetic": None,
                "p_laundered_given_traces": None}
    pc = min(max(float(p_clip), 0.0), 1.0)
    if p_trace is None:
        return {"p_pristine": None, "p_laundered": None, "p_synthetic": pc,
                "p_laundered_given_traces": 1.0 - pc}
    pt = min(max(float(p_trace), 0.0), 1.0)
    return {"p_pristine": (1 - pc) * (1 - pt), "p_laundered": (1 - pc) * pt, "p_synthetic": pc,
            "p_laundered_given_traces": 1.0 - pc}
