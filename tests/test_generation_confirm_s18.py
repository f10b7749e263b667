"""Session 18's GD study (``benchmarks/studies/generation_confirm_s18.py``): each model read with its own gen_trace scores,
clause C's thresholds on sets 10 + 11 + 12 and the seal refusal before any scoring. No ``../shared`` is read."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from tests._study_helpers import assert_clause_c, assert_refuses_unsealed, import_study


def test_clause_c_five_more_calls_false_alarms_not_more_than_n11_and_at_most_eight_of_298():
    assert_clause_c(import_study("generation_confirm_s18"), 5, (101, 298), [10, 11, 12], "GD")


def test_clause_c_refuses_an_unsealed_set_before_scoring(tmp_path):
    assert_refuses_unsealed(import_study("generation_confirm_s18"), [10, 11, 12], tmp_path)


def test_a_model_reads_the_gen_trace_column_of_its_own_copy_only():
    s = import_study("generation_confirm_s18")
    t = SimpleNamespace(files=["a.jpg", "b.jpg"], ids=["a", "b"], gen_trace=np.array([0.1, 0.2]))
    own = SimpleNamespace(files=["a.jpg", "b.jpg"], ids=["a", "b"], gen_trace=np.array([0.7, 0.9]))

    class Inner:
        threshold = 0.5

        def scores(self, tt):
            return {"combined": (tt.gen_trace, 0.5)}

    sc = s.TraceFrom(Inner(), s.own_trace(t, own))
    assert np.array_equal(sc.scores(t)["combined"][0], [0.7, 0.9])
    assert np.array_equal(t.gen_trace, [0.1, 0.2])  # the shared table is not changed
    assert sc.threshold == 0.5
    other = SimpleNamespace(files=["a.jpg", "c.jpg"], ids=["a", "c"], gen_trace=np.array([0.7, 0.9]))
    with pytest.raises(SystemExit, match="same rows"):
        s.own_trace(t, other)


def test_trace_data_option_is_taken_out_of_the_arguments():
    s = import_study("generation_confirm_s18")
    rest, trace = s._pop_trace_data(["--data", "D", "--trace-data", "/m/GD=/v", "--models", "/m/GD"])
    assert rest == ["--data", "D", "--models", "/m/GD"] and {k: str(v) for k, v in trace.items()} == {"/m/GD": "/v"}
    with pytest.raises(SystemExit):
        s._pop_trace_data(["--trace-data", "nodata"])
