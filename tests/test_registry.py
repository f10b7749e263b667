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


#: Modules that register several detectors of one kind, named after what those share.
SHARED_MODULES = {
    "baseline": "the four trivial baselines (baseline_brightness, _saturation, _size, _format)",
    "noise": "noise_wavelet and noise_median: one block noise-level map with two residuals",
}
#: Public modules of the package that register no detector, with why.
HELPER_MODULES = {"generation_attribution": "the generator-family model, read by clip_probe and by fusion"}


def test_each_detector_module_is_named_after_what_it_registers():
    import pkgutil

    import forgelens.detectors as pkg

    registering: dict[str, list[str]] = {}
    for name, info in registry.available().items():
        package, _, module = info.fn.__module__.rpartition(".")
        if package == pkg.__name__:  # not detectors a test registered for itself
            registering.setdefault(module, []).append(name)
    misnamed = {m: names for m, names in registering.items() if m not in names and m not in SHARED_MODULES}
    assert not misnamed, f"modules not named after the detector they register: {misnamed}"
    assert all(len(registering[m]) > 1 for m in SHARED_MODULES), "a shared module now registers one detector"
    public = {m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_")} - {"registry"}
    assert public - set(registering) == set(HELPER_MODULES)


def test_an_old_module_name_points_at_its_detector():
    with pytest.raises(ConfigError, match=r"did you mean 'jpeg_adq'\?"):
        registry.get("jpeg_dq")
