"""The engines that run benchmark tasks, chosen in one place (``run``): a local process pool or Ray.

Both run the same ``task.run_task``, so they give the same records; ``run``
shows one progress bar whatever the engine and returns the records in task
order.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed

from forgelens.bench.records import ImageRecord
from forgelens.bench.task import Task, run_task
from forgelens.isolation import end_with_parent
from forgelens.progress import progress_bar

#: The engine names ``run`` (and ``forgelens bench --engine``) accept.
ENGINES = ("local", "ray")


def run_local(tasks: list[Task], workers: int = 0,
              on_result: Callable[[ImageRecord], None] | None = None) -> list[ImageRecord]:
    """Run tasks on a process pool (``workers`` 0 = one per core; 1 = in this process); completion order.

    On KeyboardInterrupt the images not yet started are cancelled (those running finish, and their cache
    entries stay) and the interrupt is raised again.
    """
    workers = workers or min(len(tasks), os.cpu_count() or 1)
    results: list[ImageRecord] = []
    if workers <= 1 or len(tasks) <= 1:
        for t in tasks:
            r = run_task(t)
            results.append(r)
            if on_result:
                on_result(r)
        return results
    # a worker ends with this process, even one killed with SIGKILL (no clean-up of ours runs then)
    pool = ProcessPoolExecutor(max_workers=workers, initializer=end_with_parent)
    futs = []
    try:
        for t in tasks:
            futs.append(pool.submit(run_task, t))
        for fut in as_completed(futs):
            r = fut.result()
            results.append(r)
            if on_result:
                on_result(r)
    except BaseException:
        # Ctrl-C (or an error): drop the queued images; a plain shutdown would run them all first. Each future is
        # cancelled here: shutdown's cancel_futures reaches the pool's manager thread through a weak reference to
        # the pool, which the caller frees while it handles the interrupt, and was then lost (1 Ctrl-C in 4).
        for fut in futs:
            fut.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return results


def order_results(tasks: list[Task], results: list[ImageRecord]) -> list[ImageRecord]:
    """Records in task order (engines complete out of order)."""
    pos = {(t.dataset, t.image, t.perturbation): i for i, t in enumerate(tasks)}
    return sorted(results, key=lambda r: pos.get((r.dataset, r.image, r.perturbation), 0))


def run(
    tasks: list[Task],
    *,
    engine: str = "local",
    workers: int = 0,
    address: str | None = None,
    progress: bool = True,
) -> tuple[list[ImageRecord], float]:
    """Run every task on ``engine`` with a progress bar; returns (records in task order, wall seconds)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: one of {', '.join(ENGINES)}")
    from rich.console import Console

    console = Console(stderr=True)
    t0 = time.perf_counter()
    with progress_bar(console, disable=not (progress and console.is_terminal)) as bar:
        job = bar.add_task("bench", total=len(tasks))

        def on_result(_r: ImageRecord) -> None:
            bar.advance(job)

        if engine == "ray":
            from forgelens.bench.ray_engine import run_ray

            results = run_ray(tasks, address=address, on_result=on_result)
        else:
            results = run_local(tasks, workers, on_result)
    return order_results(tasks, results), time.perf_counter() - t0
