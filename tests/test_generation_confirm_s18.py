"""Session 18's GD study (``benchmarks/studies/generation_confirm_s18.py``): each model read with its own gen_trace scores,
clause C's thresholds on sets 10 + 11 + 12 and the seal refusal before any scoring. No ``../shared`` is read."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from tests._study_helpers import import_study


def test_clause_c_five_more_calls_false_alarms_not_more_than_n11_and_at_most_eight_of_298():
    s = import_study("generation_confirm_s18")
    assert (s.MORE, s.MAX_FA_RATE, s.EXPECTED, s.REF, s.CAND) == (5, 0.03, (101, 298), "N11", "GD")
    assert sorted(s.SEALED) == [10, 11, 12]
    ok = s.clause_c(101, 298, {"N11": 60, "GD": 65}, {"N11": 8, "GD": 8})
    assert [p for _, p in ok] == [True, True, True]
    assert not s.clause_c(101, 298, {"N11": 60, "GD": 64}, {"N11": 0, "GD": 0})[0][1]
    assert not s.clause_c(101, 298, {"N11": 60, "GD": 65}, {"N11": 1, "GD": 2})[1][1]
    nine = s.clause_c(101, 298, {"N11": 60, "GD": 65}, {"N11": 9, "GD": 9})
    assert nine[1][1] and not nine[2][1]  # 9/298 > 3 % even when N11 has 9


def test_clause_c_refuses_an_unsealed_set_before_scoring(tmp_path):
    s = import_study("generation_confirm_s18")
    for k in (10, 11, 12):
        (tmp_path / f"set{k}-final.tsv").write_text("id\tlabel\na\tgenerated\n")
    with pytest.raises(SystemExit, match="no sha256 recorded"):
        s.main(["--data", str(tmp_path)], folders={10: tmp_path, 11: tmp_path, 12: tmp_path})


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
