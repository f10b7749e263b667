"""IsolatedPool: a job past its time or memory limit, or one that kills its worker, fails alone
with one clear error; the next job in the same pool succeeds."""

from __future__ import annotations

import concurrent.futures
import os
import time

import pytest

from forgelens.errors import TruncatedImageError
from forgelens.isolation import (
    IsolatedPool,
    LimitExceeded,
    Limits,
    WorkerDied,
    check_fits,
    current_limits,
)


def add(a, b):
    return a + b


def sleep_for(seconds):
    time.sleep(seconds)
    return "slept"


def allocate(n_bytes):
    block = bytearray(n_bytes)  # touched: counts against RSS and the address space
    return len(block)


def touch_pages(n_bytes):
    import numpy as np

    a = np.ones(n_bytes, dtype=np.uint8)  # written page by page: RSS grows past the limit
    return int(a[-1])


def exit_hard():
    os._exit(3)


def raise_forgelens():
    raise TruncatedImageError("x.jpg", "ends early")


def raise_bug():
    raise KeyError("oops")


def worker_limits():
    return current_limits()


def busy_regex():
    import re

    re.match(r"(a+)+$", "a" * 40 + "b")  # catastrophic backtracking, holds the GIL
    return "done"


LIMITS = Limits(seconds=2.0, memory_bytes=512 * 2**20, address_space_slack_bytes=1 * 2**30)


@pytest.fixture(scope="module")
def pool():
    with IsolatedPool(1, LIMITS) as p:
        yield p


def test_result_and_worker_limits(pool):
    assert pool.submit(add, 2, 3).result(timeout=60) == 5
    assert pool.submit(worker_limits).result(timeout=60) == LIMITS


def test_time_limit_then_next_job_succeeds(pool):
    t0 = time.monotonic()
    with pytest.raises(LimitExceeded, match="exceeded the 2 s limit"):
        pool.submit(sleep_for, 30).result(timeout=60)
    assert time.monotonic() - t0 < 20
    assert pool.submit(add, 1, 1).result(timeout=60) == 2


def test_gil_holding_job_is_killed(pool):
    with pytest.raises(LimitExceeded, match="busy_regex: resource limit: exceeded the 2 s limit"):
        pool.submit(busy_regex).result(timeout=60)
    assert pool.submit(add, 1, 2).result(timeout=60) == 3


@pytest.fixture(scope="module")
def roomy_pool():
    """Memory tests get time to fill pages on a busy machine."""
    with IsolatedPool(1, Limits(seconds=60, memory_bytes=512 * 2**20, address_space_slack_bytes=2**30)) as p:
        yield p


def test_memory_limit_address_space_then_next_job_succeeds(roomy_pool):
    pool = roomy_pool
    with pytest.raises(LimitExceeded, match="exceeded the 512 MB memory limit"):
        pool.submit(allocate, 4 * 2**30).result(timeout=60)  # over RLIMIT_AS: MemoryError in the worker
    assert pool.submit(add, 2, 2).result(timeout=60) == 4


def test_memory_limit_resident_then_next_job_succeeds(roomy_pool):
    pool = roomy_pool
    with pytest.raises(LimitExceeded, match="exceeded the 512 MB memory limit"):
        pool.submit(touch_pages, 1200 * 2**20).result(timeout=60)  # under RLIMIT_AS, over RSS
    assert pool.submit(add, 3, 3).result(timeout=60) == 6


def test_dead_worker_then_next_job_succeeds(pool):
    with pytest.raises(WorkerDied, match="exited with status 3"):
        pool.submit(exit_hard).result(timeout=60)
    assert pool.submit(add, 4, 4).result(timeout=60) == 8


def test_errors_of_the_job_come_back_whole(pool):
    with pytest.raises(TruncatedImageError) as info:
        pool.submit(raise_forgelens).result(timeout=60)
    assert info.value.source == "x.jpg" and str(info.value) == "x.jpg: truncated image: ends early"
    with pytest.raises(KeyError):
        pool.submit(raise_bug).result(timeout=60)
    assert pool.submit(add, 5, 5).result(timeout=60) == 10


def test_label_names_the_file(pool):
    with pytest.raises(LimitExceeded, match=r"^photo\.jpg: resource limit: exceeded the 2 s limit"):
        pool.submit_as("photo.jpg", sleep_for, 30).result(timeout=60)


def test_cancel_running_and_queued():
    with IsolatedPool(1, LIMITS) as pool:
        running = pool.submit(sleep_for, 30)
        queued = pool.submit(sleep_for, 30)
        time.sleep(0.5)
        assert pool.cancel(queued) and queued.cancelled()
        assert pool.cancel(running)
        with pytest.raises(concurrent.futures.CancelledError):
            running.result(timeout=60)
        assert pool.submit(add, 6, 6).result(timeout=60) == 12


def test_many_jobs_with_failures_all_resolve():
    with IsolatedPool(2, LIMITS) as pool:
        futs = [pool.submit(exit_hard if i % 3 == 0 else add, *(() if i % 3 == 0 else (i, 1))) for i in range(9)]
        outcomes = []
        for f in futs:
            try:
                outcomes.append(f.result(timeout=120))
            except WorkerDied:
                outcomes.append("died")
    assert outcomes == ["died" if i % 3 == 0 else i + 1 for i in range(9)]


def test_shutdown_without_wait_is_prompt():
    pool = IsolatedPool(1, Limits(seconds=60))
    fut = pool.submit(sleep_for, 60)
    time.sleep(0.3)
    t0 = time.monotonic()
    pool.shutdown(wait=False)
    assert time.monotonic() - t0 < 10
    with pytest.raises(concurrent.futures.CancelledError):
        fut.result(timeout=10)


def test_pixel_estimate_refuses_before_decoding():
    limits = Limits(memory_bytes=4 * 2**30)
    check_fits("small.png", 4000, 3000, limits)  # 12 MP fits in 4 GB
    with pytest.raises(LimitExceeded, match=r"12000x12000 = 144 MP would need about .* over the 4 GB memory limit"):
        check_fits("flat.png", 12000, 12000, limits)
    check_fits("anything.png", 12000, 12000, None)  # outside a worker and without limits: no opinion


def test_done_callback_may_submit_more_work(pool):
    """Futures are resolved outside the pool's lock: a callback can submit or cancel."""
    chained: list[concurrent.futures.Future] = []
    first = pool.submit(add, 1, 2)
    first.add_done_callback(lambda f: chained.append(pool.submit(add, f.result(), 10)))
    assert first.result(timeout=60) == 3
    deadline = time.monotonic() + 60
    while not chained and time.monotonic() < deadline:
        time.sleep(0.05)
    assert chained[0].result(timeout=60) == 13
