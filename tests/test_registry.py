"""The detector registry's miss messages point at the closest name."""

from __future__ import annotations

import pytest

from forgelens.detectors import registry
from forgelens.errors import ConfigError


def test_a_misspelt_detector_name_suggests_the_closest_one():
    with pytest.raises(ConfigError, match=r"did you mean 'splicebuster'\?"):
        registry.get("splice_buster")
    with pytest.raises(ConfigError, match=r"did you mean 'copymove_sift'\?"):
        registry.resolve("ela,copymove-sift")


def test_a_name_like_none_gets_no_suggestion_but_the_list():
    with pytest.raises(ConfigError) as err:
        registry.get("zzzz")
    assert "did you mean" not in str(err.value) and "ela" in str(err.value)


def test_a_misspelt_option_suggests_the_closest_one():
    with pytest.raises(ConfigError, match=r"\['qualty'\] \(did you mean 'quality'\?\)"):
        registry.get("ela").make_config({"qualty": 90})
