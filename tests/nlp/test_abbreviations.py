import pickle

from kiennghi.nlp.abbreviations import AbbreviationExpander
from kiennghi.nlp.transformers import TextNormalizer

TABLE = {
    "GCNQSDĐ": "giấy chứng nhận quyền sử dụng đất",
    "TT": "thông tư",
    "UBND": "ủy ban nhân dân",
}


def test_expansion_keeps_the_abbreviation():
    assert AbbreviationExpander(TABLE)("UBND xã") == "UBND (ủy ban nhân dân) xã"


def test_long_abbreviation_matches_lowercase_without_diacritics():
    assert "giấy chứng nhận" in AbbreviationExpander(TABLE)("chua cap gcnqsdd")


def test_short_abbreviation_is_case_sensitive():
    # "tt" is also an ordinary shortening in phone text; only "TT" is the circular.
    assert AbbreviationExpander(TABLE)("tt xã") == "tt xã"


def test_normalizer_is_picklable_and_carries_its_table():
    norm = TextNormalizer(TABLE).fit(["x"])
    clone = pickle.loads(pickle.dumps(norm))
    assert clone.transform(["Ðề nghị UBND hoà giải"]) == ["đề nghị ubnd (ủy ban nhân dân) hòa giải"]


def test_unfitted_normalizer_raises():
    import pytest
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        TextNormalizer(TABLE).transform(["x"])
