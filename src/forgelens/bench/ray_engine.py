"""Run benchmark tasks on Ray (chosen by ``engines.run``): the same ``task.run_task`` as the local pool, so results are identical.

Ray is the optional extra ``scale`` (``pip install 'forgelens[scale]'``).

Local
    Without an address, ``ray.init()`` starts a private single-machine Ray
    instance (as many workers as cores) and stops it afterwards.
A cluster
    Start a head node (``ray start --head`` on one machine, ``ray start
    --address HEAD:6379`` on the others), install forgelens on every node, make
    the dataset folder and the output folder visible at the **same path** on
    every node (a shared filesystem: tasks carry paths, not pixels), then run
    ``forgelens bench ... --engine ray --address HEAD:6379`` (or ``auto`` from a
    node of the cluster). Each image is one Ray task of one CPU.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from forgelens.bench.records import ImageRecord
from forgelens.bench.task import Task, run_task


def run_ray(
    tasks: list[Task],
    *,
    address: str | None = None,
    on_result: Callable[[ImageRecord], None] | None = None,
    num_cpus: int | None = None,
) -> list[ImageRecord]:
    """Run every task as a Ray task; returns the records (completion order).

    Raises
    ------
    ImportError
        When Ray is not installed (with the install hint).
    """
    try:
        import ray
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("--engine ray needs Ray: pip install 'forgelens[scale]' (or pip install ray)") from exc

    started = False
    if not ray.is_initialized():
        kw: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
        if address:
            kw["address"] = address
        elif num_cpus:
            kw["num_cpus"] = num_cpus
        ray.init(**kw)
        started = True
    try:
        remote = ray.remote(num_cpus=1)(run_task)
        pending = [remote.remote(t) for t in tasks]
        results: list[ImageRecord] = []
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                r = ray.get(ref)
                results.append(r)
                if on_result:
                    on_result(r)
        return results
    finally:
        if started:
            ray.shutdown()
