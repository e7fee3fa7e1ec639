import pytest

from kiennghi.nlp.places import PLACE_TOKEN, mask_places

P = PLACE_TOKEN


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Cử tri xã Tân Lập, huyện Đồng Phú đề nghị", f"Cử tri xã {P}, huyện {P} đề nghị"),
        ("thôn 5 và ấp Bình Minh", f"thôn {P} và ấp {P}"),
        ("Xã Ea Tu, TP. Buôn Ma Thuột", f"Xã {P}, TP. {P}"),
        ("Tổ dân phố Quang Trung phường Hoà Bình", f"Tổ dân phố {P} phường {P}"),
        ("chính sách an sinh xã hội", "chính sách an sinh xã hội"),  # not a place
        ("tổ chức hội, khu dân cư", "tổ chức hội, khu dân cư"),
        ("xã Tân Lập ủng hộ", f"xã {P} ủng hộ"),  # lower-case word after the name is kept
        ("huyện ủy", "huyện ủy"),
        ("cu tri xa tan lap", "cu tri xa tan lap"),  # phone text: no capitals, nothing to mask
        ("", ""),
    ],
)
def test_mask_places(raw, expected):
    assert mask_places(raw) == expected
