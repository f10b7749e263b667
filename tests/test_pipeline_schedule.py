"""pipeline.run_side_by_side: detectors side by side within a memory budget, every result kept."""

from __future__ import annotations

import threading
import time

import pytest

from forgelens.pipeline import run_side_by_side


def test_budget_holds_and_small_ones_fill_the_other_thread():
    sizes = {"big1": 600.0, "big2": 700.0, "s1": 50.0, "s2": 50.0, "s3": 50.0}
    lock, running, worst, starts = threading.Lock(), {}, [0.0], []

    def run(name):
        with lock:
            running[name] = sizes[name]
            worst[0] = max(worst[0], sum(running.values()))
            starts.append(name)
        time.sleep(0.02)
        with lock:
            del running[name]
        return name.upper()

    done = run_side_by_side(list(sizes), run, 2, sizes, 1000.0)
    assert done == {n: n.upper() for n in sizes}
    assert worst[0] <= 1000.0  # big1 + big2 never together
    assert starts[:2] == ["big1", "s1"]  # the second thread skips big2 and takes a small one


def test_a_detector_over_the_budget_runs_alone_and_errors_reach_the_caller():
    assert run_side_by_side(["a", "b"], str.upper, 2, {"a": 5000.0, "b": 10.0}, 100.0) == {"a": "A", "b": "B"}

    def boom(name):
        raise RuntimeError(f"{name} failed")

    with pytest.raises(RuntimeError, match="failed"):
        run_side_by_side(["a", "b", "c"], boom, 2, {"a": 1.0, "b": 1.0, "c": 1.0}, 100.0)
