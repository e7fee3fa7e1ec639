"""Hostile text: arbitrary Unicode never crashes normalisation or classification, and the
normaliser is idempotent (normalising twice changes nothing)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiennghi.catalog import load_abbreviations
from kiennghi.models.registry import LoadedModel
from kiennghi.models.serving import MAX_TEXT_CHARS, PetitionClassifier, TextError, check_text
from kiennghi.nlp.normalize import fix_tone_placement, normalize_text, remove_invisible, strip_diacritics
from kiennghi.training.corpus import load_corpus
from kiennghi.training.train import fit_model, load_config

# Every code point, lone surrogates included (category Cs), plus pieces that stress the
# normaliser on purpose: Vietnamese letters in NFC and NFD, stray and stacked combining marks,
# right-to-left script and bidi controls, look-alike Đ, zero-width and control characters.
PIECES = [
    "Đề nghị",
    "hoà",
    "thuỷ",
    "Uỷ ban",
    "quý",
    "khuya",
    "Ðường",
    "\u0110",
    "\u00d0",
    unicodedata.normalize("NFD", "Hội Nông dân đề nghị hỗ trợ"),
    "o\u0300a",
    "u\u0309y",
    "\u0301",
    "\u0300\u0301\u0323\u0309",
    "a\u0303\u0303\u0303",
    "\u0323",
    "مرحبا",
    "שלום",
    "\u202e",
    "\u202d",
    "\u2066",
    "\u200f",
    "\u061c",
    "\u200b",
    "\ufeff",
    "\u00ad",
    "\x00",
    "\x1b[31m",
    "\r\n",
    "\t",
    "\u2028",
    "\u3000",
    "\ud800",
    "\udfff",
    "\U0001f600",
    "ﷺ",
    "𝕳𝖊𝖑𝖑𝖔",
    "ǅ",
    "ﬃ",
    "İ",
    "ß",
    '=HYPERLINK("http://x")',
    "<script>alert(1)</script>",
    "'; DROP TABLE petitions; --",
]
ANY_CHAR = st.characters(exclude_categories=())  # all of Unicode, surrogates too
texts = st.lists(st.one_of(st.text(ANY_CHAR, max_size=30), st.sampled_from(PIECES)), max_size=25).map("".join)

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(texts)
def test_normalisation_never_crashes_and_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert isinstance(once, str)
    assert normalize_text(once) == once
    assert once == once.strip()
    assert not any("\ud800" <= c <= "\udfff" for c in once)  # always encodable as UTF-8
    once.encode("utf-8")


@FAST
@given(texts)
def test_normalised_text_has_no_invisible_characters_left(text: str) -> None:
    once = normalize_text(text)
    assert remove_invisible(once) == once


@FAST
@given(texts)
def test_tone_placement_and_accent_stripping_are_idempotent(text: str) -> None:
    placed = fix_tone_placement(text)
    assert fix_tone_placement(placed) == placed
    plain = strip_diacritics(text)
    assert strip_diacritics(plain) == plain


@pytest.mark.parametrize("size", [MAX_TEXT_CHARS, MAX_TEXT_CHARS + 1])
def test_huge_text_is_bounded(size: int) -> None:
    text = ("Đề nghị nâng cấp đường hoà bình ﷺ \u0301\u202e" * (size // 30 + 1))[:size]
    normalize_text(text)
    if size > MAX_TEXT_CHARS:
        with pytest.raises(TextError, match="vượt giới hạn"):
            check_text(text)
    else:
        assert check_text(text) == text


@pytest.fixture(scope="module")
def classifier(tiny_corpus, tiny_config, catalog) -> PetitionClassifier:
    items = load_corpus(tiny_corpus, catalog)
    pipeline = fit_model(items, load_config(tiny_config), load_abbreviations())
    return PetitionClassifier(LoadedModel("tiny", pipeline, {}), catalog)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(texts, min_size=1, max_size=5))
def test_classification_never_crashes(classifier: PetitionClassifier, batch: list[str]) -> None:
    checked = []
    for text in batch:
        try:
            checked.append(check_text(text))
        except TextError:
            continue  # empty or blank: refused with a message, never a crash
    results = classifier.classify(checked)
    assert len(results) == len(checked)
    for result in results:
        assert 0.0 <= result.confidence <= 1.0
        assert result.lead_department in classifier.catalog.directory.bodies


def test_classification_of_20k_hostile_characters(classifier: PetitionClassifier) -> None:
    hostile = "".join(PIECES) * (MAX_TEXT_CHARS // len("".join(PIECES)))
    hostile = check_text(hostile[:MAX_TEXT_CHARS])
    [result] = classifier.classify([hostile])
    assert result.lead_department
