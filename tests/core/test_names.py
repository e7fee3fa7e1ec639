"""Names, old names and abbreviations of bodies and associations → codes; unknown names → the
closest names."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from kiennghi.catalog import Catalog
from kiennghi.catalog.associations import Association, load_associations
from kiennghi.catalog.directory import Body
from kiennghi.catalog.names import NameIndex, name_key
from kiennghi.errors import DataFileError, UnknownCodeError, UnknownNameError

BODIES = [
    ("Sở Y tế", "so-y-te"),
    ("so-y-te", "so-y-te"),
    ("SỞ Y TẾ", "so-y-te"),
    ("so y te", "so-y-te"),
    ("Sở Y tế tỉnh", "so-y-te"),
    ("Sở Y tế tỉnh Tuyên Quang", "so-y-te"),
    ("Bộ Y tế", "so-y-te"),
    ("Sở GTVT", "so-xay-dung"),
    ("Sở Giao thông vận tải", "so-xay-dung"),
    ("so giao thong van tai", "so-xay-dung"),
    ("Sở TN&MT", "so-nong-nghiep-moi-truong"),
    ("Sở TN & MT", "so-nong-nghiep-moi-truong"),
    ("Sở TNMT", "so-nong-nghiep-moi-truong"),
    ("so tnmt", "so-nong-nghiep-moi-truong"),
    ("Sở NN&PTNT", "so-nong-nghiep-moi-truong"),
    ("Sở NNPTNT", "so-nong-nghiep-moi-truong"),
    ("Sở Nông nghiệp và Phát triển nông thôn tỉnh Hà Giang", "so-nong-nghiep-moi-truong"),
    ("Sở LĐ-TB&XH", "so-noi-vu"),
    ("Sở LĐTBXH", "so-noi-vu"),
    ("so ld-tb&xh", "so-noi-vu"),
    ("Sở KH&CN", "so-khoa-hoc-cong-nghe"),
    ("Sở KHCN", "so-khoa-hoc-cong-nghe"),
    ("Sở Thông tin và Truyền thông", "so-khoa-hoc-cong-nghe"),
    ("Sở VHTTDL", "so-van-hoa-the-thao-du-lich"),
    ("Sở VH-TT&DL", "so-van-hoa-the-thao-du-lich"),
    ("Bộ Văn hóa, Thể thao và Du lịch", "so-van-hoa-the-thao-du-lich"),
    ("Sở GDĐT", "so-giao-duc-dao-tao"),
    ("Sở GD&ĐT", "so-giao-duc-dao-tao"),
    ("Sở Kế hoạch và Đầu tư", "so-tai-chinh"),
    ("CA tỉnh", "cong-an-tinh"),
    ("Công an", "cong-an-tinh"),
    ("Công an huyện", "cong-an-tinh"),
    ("Công an xã", "cong-an-tinh"),
    ("cong an xa", "cong-an-tinh"),
    ("BCHQS tỉnh", "bo-chi-huy-quan-su"),
    ("Bộ Chỉ huy Quân sự tỉnh", "bo-chi-huy-quan-su"),
    ("ngành điện", "dien-luc-tinh"),
    ("Điện lực", "dien-luc-tinh"),
    ("Ðiện lực", "dien-luc-tinh"),  # U+00D0 typed for Đ
    ("dien luc", "dien-luc-tinh"),
    ("EVN", "dien-luc-tinh"),
    ("UBND huyện", "ubnd-cap-xa"),
    ("UBND xã", "ubnd-cap-xa"),
    ("UBND phường", "ubnd-cap-xa"),
    ("Ngân hàng CSXH", "nhcsxh-tinh"),
    ("NHCSXH", "nhcsxh-tinh"),
    ("Ngân hàng Chính sách xã hội", "nhcsxh-tinh"),
    ("BHXH tỉnh", "bhxh-tinh"),
    ("BHXH", "bhxh-tinh"),
    ("Văn phòng Uỷ ban nhân dân tỉnh", "van-phong-ubnd"),  # old tone placement
    ("Ban Dân tộc tỉnh", "so-dan-toc-ton-giao"),
    ("  Sở Tư pháp  ", "so-tu-phap"),
]

ASSOCIATIONS = [
    ("hoi-nong-dan", "hoi-nong-dan"),
    ("Hội Nông dân", "hoi-nong-dan"),
    ("Hội ND", "hoi-nong-dan"),
    ("hoi nd", "hoi-nong-dan"),
    ("HND", "hoi-nong-dan"),
    ("Hội Nông dân tỉnh", "hoi-nong-dan"),
    ("hoi nong dan tinh Tuyen Quang", "hoi-nong-dan"),
    ("Hội Phụ nữ", "hoi-phu-nu"),
    ("Hội LHPN", "hoi-phu-nu"),
    ("Hội Liên hiệp Phụ nữ", "hoi-phu-nu"),
    ("Hội Cựu chiến binh", "hoi-cuu-chien-binh"),
    ("Hội CCB", "hoi-cuu-chien-binh"),
    ("hoi cuu chien binh", "hoi-cuu-chien-binh"),
    ("Hội Người cao tuổi", "hoi-nguoi-cao-tuoi"),
    ("Hội NCT", "hoi-nguoi-cao-tuoi"),
    ("Đoàn Thanh niên", "doan-thanh-nien"),
    ("Tỉnh đoàn", "doan-thanh-nien"),
    ("Mặt trận", "mttq"),
    ("MTTQ", "mttq"),
    ("Ủy ban MTTQ Việt Nam tỉnh", "mttq"),
    ("Uỷ ban MTTQ Việt Nam", "mttq"),
    ("Hội Nạn nhân chất độc da cam/dioxin", "hoi-nan-nhan-da-cam"),
    ("Công đoàn", "lien-doan-lao-dong"),
    ("Cử tri", "cu-tri"),
]


def _forms(name: str) -> list[str]:
    """The name as typed, in NFD, and without diacritics."""
    return [name, unicodedata.normalize("NFD", name), name_key(name)]


@pytest.mark.parametrize(("name", "code"), BODIES)
def test_body_names_resolve(catalog: Catalog, name: str, code: str) -> None:
    for form in _forms(name):
        assert catalog.names.resolve_body(form) == code, form


@pytest.mark.parametrize(("name", "code"), ASSOCIATIONS)
def test_association_names_resolve(catalog: Catalog, name: str, code: str) -> None:
    for form in _forms(name):
        assert catalog.names.resolve_association(form) == code, form


def test_every_code_name_and_alias_resolves_to_itself(catalog: Catalog) -> None:
    for body in catalog.directory.bodies.values():
        for name in (body.code, body.name, *body.aliases):
            assert catalog.names.resolve_body(name) == body.code, name
    for association in catalog.associations.items:
        for name in (association.code, association.name, *association.aliases):
            assert catalog.names.resolve_association(name) == association.code, name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Hội Nông dâm", "hoi-nong-dan"),
        ("Hoi Nong zan", "hoi-nong-dan"),
        ("Hội Cựu chiến binhh", "hoi-cuu-chien-binh"),
        ("Hội Người cao tuổ", "hoi-nguoi-cao-tuoi"),
        ("Hội Phu nư Viet Nam tỉnh", "hoi-phu-nu"),
    ],
)
def test_unknown_association_suggests_close_names(catalog: Catalog, name: str, expected: str) -> None:
    with pytest.raises(UnknownNameError) as err:
        catalog.names.resolve_association(name)
    error = err.value
    assert isinstance(error, UnknownCodeError)  # the API answers 422 for both
    assert error.code == name and error.kind == "hội"
    assert 1 <= len(error.suggestions) <= 3
    assert error.suggestions[0][0] == expected
    message = str(error)
    assert f"'{name}'" in message and expected in message and "Có phải" in message


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Sở Giao thông vân tãi xx", "so-xay-dung"),
        ("Sở Y tết tỉnh", "so-y-te"),
        ("So Tai chinhh", "so-tai-chinh"),
        ("Cong an tinhh", "cong-an-tinh"),
    ],
)
def test_unknown_body_suggests_close_names(catalog: Catalog, name: str, expected: str) -> None:
    with pytest.raises(UnknownNameError) as err:
        catalog.names.resolve_body(name)
    assert expected in [code for code, _name in err.value.suggestions]
    assert err.value.kind == "cơ quan"


@pytest.mark.parametrize("name", ["", "   ", "xyz", "Sở Không Có Thật Nào Cả Đâu", "UBND tỉnh"])
def test_names_that_are_no_body(catalog: Catalog, name: str) -> None:
    # "UBND tỉnh" is the general addressee, not one body: a clerk must pick one.
    with pytest.raises(UnknownNameError) as err:
        catalog.names.resolve_body(name)
    assert len(err.value.suggestions) <= 3
    assert "không có tên nào gần giống" in str(err.value) or "Có phải" in str(err.value)


def test_a_name_of_two_entries_is_a_data_error() -> None:
    bodies = [Body("so-a", "Sở A", ("Sở chung",)), Body("so-b", "Sở B", ("so chung",))]
    with pytest.raises(DataFileError, match=r"so-a.*so-b"):
        NameIndex(bodies)


def test_a_short_form_two_entries_share_is_not_used() -> None:
    index = NameIndex([Body("a-tinh", "Ban A tỉnh"), Body("a-xa", "Ban A tỉnh mới"), Body("b", "Ban B")])
    assert index.resolve_body("Ban A tỉnh") == "a-tinh"
    with pytest.raises(UnknownNameError):
        index.resolve_body("Ban A")


def test_association_aliases_are_validated(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("associations:\n  - {code: hoi-a, name: Hội A, aliases: [Hội X, 3]}\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="hoi-a"):
        load_associations(path)


def test_associations_of_a_custom_list() -> None:
    index = NameIndex([], [Association("hoi-a", "Hội Làm Gốm", ("Hội LG",))])
    assert index.resolve_association("hoi lg") == "hoi-a"
    assert index.resolve_association("Hội Làm Gốm tỉnh Phú Thọ") == "hoi-a"
