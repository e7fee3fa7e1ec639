"""Explicit addressees of a petition ("Đề nghị Sở Y tế …") versus bodies mentioned in passing."""

from __future__ import annotations

import unicodedata

import pytest

from kiennghi.catalog import Catalog
from kiennghi.catalog.addressee import find_addressee, find_addressees
from kiennghi.nlp.normalize import strip_diacritics

EXPLICIT = [
    ("Đề nghị Sở Y tế bố trí thêm bác sĩ cho trạm y tế xã", "so-y-te", "Sở Y tế"),
    ("Cử tri xã Tân Lập đề nghị Sở Xây dựng sửa chữa cầu treo", "so-xay-dung", "Sở Xây dựng"),
    ("Cử tri thôn 3 kiến nghị Sở GTVT lắp biển báo tại ngã ba", "so-xay-dung", "Sở GTVT"),
    ("Đề nghị UBND tỉnh chỉ đạo Sở Tài chính bố trí kinh phí", "so-tai-chinh", "Sở Tài chính"),
    ("Đề nghị tỉnh chỉ đạo Công an huyện truy quét tụ điểm ma túy", "cong-an-tinh", "Công an huyện"),
    (
        "Đề nghị các ngành chức năng như Sở TN&MT kiểm tra việc khai thác cát",
        "so-nong-nghiep-moi-truong",
        "Sở TN&MT",
    ),
    ("Đề nghị ngành điện sớm kéo lưới điện về bản", "dien-luc-tinh", "ngành điện"),
    ("Kiến nghị với Điện lực huyện thay công tơ hỏng", "dien-luc-tinh", "Điện lực huyện"),
    ("Đề xuất Sở NN&PTNT hỗ trợ giống lúa sau lũ", "so-nong-nghiep-moi-truong", "Sở NN&PTNT"),
    ("Yêu cầu Công an xã xử lý xe chở quá tải", "cong-an-tinh", "Công an xã"),
    ("Mong Ngân hàng CSXH nâng mức cho vay hộ cận nghèo", "nhcsxh-tinh", "Ngân hàng CSXH"),
    ("Đề nghị Bộ Y tế sửa đổi danh mục thuốc BHYT", "so-y-te", "Bộ Y tế"),
    ("Đề nghị Sở LĐ-TB&XH giải quyết chế độ cho người có công", "so-noi-vu", "Sở LĐ-TB&XH"),
    ("Đề nghị Sở Thông tin và Truyền thông phủ sóng di động", "so-khoa-hoc-cong-nghe", None),
    ("Đề nghị BHXH tỉnh cấp lại thẻ BHYT bị sai thông tin", "bhxh-tinh", "BHXH tỉnh"),
    ("Đề nghị UBND huyện làm đường bê tông nội thôn", "ubnd-cap-xa", "UBND huyện"),
    ("Kính gửi Sở GD&ĐT: trường tiểu học thiếu giáo viên", "so-giao-duc-dao-tao", "Sở GD&ĐT"),
    ("Công an huyện sớm điều tra vụ trộm trâu ở thôn Đồng Tâm", "cong-an-tinh", "Công an huyện"),
    ("Công an huyện Sơn Dương sớm điều tra vụ trộm trâu", "cong-an-tinh", "Công an huyện"),
    ("Ngành điện cần thay dây điện cũ ở xóm 5", "dien-luc-tinh", "Ngành điện"),
    ("1. Sở Y tế quan tâm đầu tư trạm y tế xã", "so-y-te", "Sở Y tế"),
    ("Trường học xuống cấp. Sở GDĐT xem xét đầu tư sửa chữa", "so-giao-duc-dao-tao", "Sở GDĐT"),
    ("Đề nghị: BCHQS tỉnh giải quyết chế độ theo Quyết định 62", "bo-chi-huy-quan-su", "BCHQS tỉnh"),
    ("Đề nghị Sở KHCN hỗ trợ chuyển giao công nghệ", "so-khoa-hoc-cong-nghe", "Sở KHCN"),
    ("Cử tri đề nghị Sở VHTTDL trùng tu di tích đình làng", "so-van-hoa-the-thao-du-lich", "Sở VHTTDL"),
    ("Đề nghị Văn phòng UBND tỉnh trả lời dứt điểm", "van-phong-ubnd", None),
    ("Hội viên mong muốn Sở Nông nghiệp hỗ trợ vắc xin", "so-nong-nghiep-moi-truong", None),
    ("Đề nghị Ban Dân tộc tỉnh hỗ trợ đồng bào", "so-dan-toc-ton-giao", None),
    ("Đề nghị Uỷ ban nhân dân xã sửa nhà văn hoá thôn", "ubnd-cap-xa", None),  # old tone placement
    ("Ðề nghị Sở Y tế tăng cường kiểm tra ATTP", "so-y-te", None),  # U+00D0
]

PASSING = [
    "Thực hiện theo Quyết định của Bộ Y tế về danh mục thuốc, đề nghị bổ sung thuốc",
    "Căn cứ Nghị định 20/2021/NĐ-CP của Chính phủ, đề nghị tăng trợ cấp",
    "Dự án đã được Sở Tài chính phê duyệt nhưng chưa triển khai",
    "Kiến nghị này đã được Sở Xây dựng trả lời năm 2023 nhưng chưa giải quyết",
    "Theo hướng dẫn của Sở GD&ĐT, đề nghị bổ sung giáo viên",
    "Đề nghị thực hiện đúng Thông tư của Bộ Tài chính về mức chi",
    "Sở Y tế đã có văn bản trả lời cử tri",
    "Đề nghị UBND tỉnh quan tâm đầu tư tuyến đường ĐT-746",
    "Đề nghị UBND tỉnh sớm xem xét",
    "Đề nghị nâng cấp đường, Sở Xây dựng đã khảo sát từ năm ngoái",
    "Cử tri phản ánh đoàn kiểm tra của Công an tỉnh làm việc chưa dứt điểm",
    "Sở Tài chính cho biết chưa có nguồn kinh phí",
    "Kiến nghị của cử tri được Sở TN&MT tiếp thu",
    "Đề nghị giải quyết theo ý kiến của Sở Nội vụ tại văn bản số 12",
    "Người dân mất điện nhiều ngày, Điện lực huyện chưa khắc phục",
    "Đề nghị hỗ trợ kinh phí cho chi hội nông dân",
    "",
]


def _variants(text: str) -> list[str]:
    return [text, unicodedata.normalize("NFD", text), strip_diacritics(text)]


@pytest.mark.parametrize(("text", "code", "phrase"), EXPLICIT)
def test_explicit_addressee(catalog: Catalog, text: str, code: str, phrase: str | None) -> None:
    for variant in _variants(text):
        found = find_addressee(variant, catalog.names)
        assert found is not None, variant
        assert found.code == code, variant
        assert variant[found.span[0] : found.span[1]] == found.phrase
    found = find_addressee(text, catalog.names)
    assert found is not None
    if phrase is not None:
        assert found.phrase == phrase


@pytest.mark.parametrize("text", PASSING)
def test_passing_mention_is_no_addressee(catalog: Catalog, text: str) -> None:
    for variant in _variants(text):
        assert find_addressee(variant, catalog.names) is None, variant


def test_several_addressees_in_order(catalog: Catalog) -> None:
    text = "Đề nghị Sở Y tế và Sở Tài chính phối hợp bố trí kinh phí; căn cứ hướng dẫn của Sở Nội vụ"
    found = find_addressees(text, catalog.names)
    assert [a.code for a in found] == ["so-y-te", "so-tai-chinh"]
    assert find_addressee(text, catalog.names) == found[0]
    assert found[1].phrase == "Sở Tài chính"


def test_lists_of_bodies_after_one_verb(catalog: Catalog) -> None:
    text = "Đề nghị các cấp, các ngành, nhất là Sở Xây dựng, Công an tỉnh xử lý xe quá tải"
    assert [a.code for a in find_addressees(text, catalog.names)] == ["so-xay-dung", "cong-an-tinh"]


def test_huge_text_is_scanned(catalog: Catalog) -> None:
    text = "Đường liên thôn xuống cấp. " * 2000 + "Đề nghị Sở Xây dựng sửa chữa."
    found = find_addressee(text, catalog.names)
    assert found is not None and found.code == "so-xay-dung"
