"""The n-gram analysers give exactly the terms of scikit-learn's own analysers."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from kiennghi.nlp.ngrams import make_analyzer
from kiennghi.nlp.normalize import accentless_lower

TEXTS = [
    "Đề nghị nâng cấp tuyến đường ĐT-746 đoạn qua xã Tân Lập",
    "de nghi ho tro kinh phi  hoat dong\tcho chi hoi",
    "1. BHYT\n2. GCNQSDĐ (giấy chứng nhận quyền sử dụng đất)",
    "a",
    "",
    "   ",
    "đ",
    "Hội CCB xã Hòa Bình: chế độ theo QĐ 62/2011/QĐ-TTg",
]
TOKEN = r"(?u)\b\w+\b"


def _pairs():
    yield (
        "word",
        (1, 2),
        "identity",
        TfidfVectorizer(ngram_range=(1, 2), token_pattern=TOKEN, lowercase=False),
    )
    yield (
        "word",
        (1, 3),
        "accentless_lower",
        TfidfVectorizer(ngram_range=(1, 3), token_pattern=TOKEN, preprocessor=accentless_lower),
    )
    yield "word", (2, 3), "lower", TfidfVectorizer(ngram_range=(2, 3), token_pattern=TOKEN)
    yield (
        "char_wb",
        (3, 5),
        "accentless_lower",
        TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), preprocessor=accentless_lower),
    )
    yield "char_wb", (2, 4), "lower", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4))


@pytest.mark.parametrize("kind, ngram_range, prep, vectorizer", list(_pairs()))
def test_same_terms_as_scikit_learn(kind, ngram_range, prep, vectorizer):
    ours = make_analyzer(kind, ngram_range, prep, TOKEN if kind == "word" else None)
    theirs = vectorizer.build_analyzer()
    for text in TEXTS:
        assert ours(text) == theirs(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aăâđêôơư áàảãạ ÐĐ\t\n1.-ỗệ")), max_size=60))
def test_same_terms_on_arbitrary_text(text):
    for kind, ngram_range, prep, vectorizer in _pairs():
        ours = make_analyzer(kind, ngram_range, prep, TOKEN if kind == "word" else None)
        assert ours(text) == vectorizer.build_analyzer()(text)


def test_unknown_analyzer_is_refused():
    with pytest.raises(ValueError, match="unsupported"):
        make_analyzer("char", (1, 2), "identity")
