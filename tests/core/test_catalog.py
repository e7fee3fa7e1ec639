from datetime import date
from pathlib import Path

import pytest

from kiennghi.catalog import load_abbreviations, load_catalog
from kiennghi.catalog.directory import load_directory
from kiennghi.catalog.taxonomy import load_taxonomy
from kiennghi.errors import DataFileError, DirectoryError, TaxonomyError, UnknownCodeError
from kiennghi.resources import bundled_data_path
from kiennghi.settings import Settings

DOMAIN_CODES = {
    "so-noi-vu",
    "so-tu-phap",
    "so-tai-chinh",
    "so-cong-thuong",
    "so-nong-nghiep-moi-truong",
    "so-xay-dung",
    "so-khoa-hoc-cong-nghe",
    "so-van-hoa-the-thao-du-lich",
    "so-giao-duc-dao-tao",
    "so-y-te",
    "thanh-tra-tinh",
    "van-phong-ubnd",
    "so-dan-toc-ton-giao",
    "so-ngoai-vu",
    "cong-an-tinh",
    "bo-chi-huy-quan-su",
    "bhxh-tinh",
    "thue-tinh",
    "nhcsxh-tinh",
    "dien-luc-tinh",
    "ubnd-cap-xa",
}


def test_bundled_catalog_is_valid(catalog):
    assert 20 <= len(catalog.taxonomy.sectors) <= 31  # 30 subject sectors + cap-xa (commune level)
    assert set(catalog.directory.body_codes) == DOMAIN_CODES
    for sector in catalog.taxonomy.codes:
        assignment = catalog.directory.assignment(sector)
        assert assignment.lead in DOMAIN_CODES


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Sở Giao thông vận tải", "so-xay-dung"),
        ("Sở Kế hoạch và Đầu tư", "so-tai-chinh"),
        ("Sở Tài nguyên và Môi trường", "so-nong-nghiep-moi-truong"),
        ("Sở Thông tin và Truyền thông", "so-khoa-hoc-cong-nghe"),
        ("Ban Dân tộc", "so-dan-toc-ton-giao"),
        ("Bộ Y tế", "so-y-te"),
        ("SỞ XÂY DỰNG", "so-xay-dung"),
        ("so-y-te", "so-y-te"),
    ],
)
def test_old_names_map_to_successors(catalog, name, code):
    assert catalog.directory.resolve_name(name) == code


def test_unknown_sector_lists_valid_codes(catalog):
    with pytest.raises(UnknownCodeError) as err:
        catalog.directory.assignment("giao-thong-van-tai")
    assert "giao-thong-van-tai" in str(err.value) and "giao-thong" in str(err.value)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _table(tmp_path: Path, rows: list[str]) -> Path:
    original = bundled_data_path("directory.csv").read_text(encoding="utf-8").splitlines()
    return _write(tmp_path, "directory.csv", "\n".join(original + rows) + "\n")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2026-01-01,giao-thong,so-giao-thong-van-tai,", "so-giao-thong-van-tai"),
        ("2026-01-01,duong-sa,so-xay-dung,", "duong-sa"),
        ("01/01/2026,giao-thong,so-xay-dung,", "01/01/2026"),
        ("2026-01-01,giao-thong,so-xay-dung,so-xay-dung", "vừa chủ trì vừa phối hợp"),
        ("2025-07-01,giao-thong,so-xay-dung,", "đã có dòng cùng ngày"),
        ("2026-01-01,giao-thong,so-xay-dung,so-tai-chinh;so-khong-co", "so-khong-co"),
    ],
)
def test_bad_directory_row_is_named(tmp_path, catalog, row, message):
    path = _table(tmp_path, [row])
    with pytest.raises(DirectoryError) as err:
        load_directory(bundled_data_path("bodies.yaml"), path, catalog.taxonomy)
    assert message in str(err.value)
    appended = len(bundled_data_path("directory.csv").read_text(encoding="utf-8").splitlines()) + 1
    assert f"dòng {appended}" in str(err.value)


def test_directory_missing_a_sector(tmp_path, catalog):
    lines = bundled_data_path("directory.csv").read_text(encoding="utf-8").splitlines()
    path = _write(tmp_path, "d.csv", "\n".join(x for x in lines if ",thue," not in x) + "\n")
    with pytest.raises(DirectoryError, match="thue"):
        load_directory(bundled_data_path("bodies.yaml"), path, catalog.taxonomy)


def test_dated_rows_follow_a_reorganisation(tmp_path, catalog):
    path = _table(tmp_path, ["2027-01-01,dan-toc-ton-giao,so-noi-vu,"])
    directory = load_directory(bundled_data_path("bodies.yaml"), path, catalog.taxonomy)
    assert directory.assignment("dan-toc-ton-giao", date(2026, 6, 1)).lead == "so-dan-toc-ton-giao"
    assert directory.assignment("dan-toc-ton-giao", date(2027, 6, 1)).lead == "so-noi-vu"
    with pytest.raises(DirectoryError, match="hiệu lực"):
        directory.assignment("giao-thong", date(2020, 1, 1))


def test_province_without_ethnic_department_is_a_data_switch(tmp_path):
    text = bundled_data_path("directory.csv").read_text(encoding="utf-8")
    path = _write(
        tmp_path,
        "d.csv",
        text.replace("dan-toc-ton-giao,so-dan-toc-ton-giao,", "dan-toc-ton-giao,so-noi-vu,"),
    )
    settings = Settings.from_env({"KIENNGHI_HOME": str(tmp_path), "KIENNGHI_DIRECTORY": str(path)})
    assert load_catalog(settings).directory.assignment("dan-toc-ton-giao").lead == "so-noi-vu"


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("sectors: []", "ít nhất 2"),
        ("nothing: 1", "sectors"),
        (
            "sectors:\n - {code: A B, label: x, description: y}\n - {code: b, label: x, description: y}",
            "A B",
        ),
        (
            "sectors:\n - {code: a, label: x, description: y}\n - {code: a, label: x, description: y}",
            "trùng",
        ),
        ("sectors:\n - {code: a, description: y}\n - {code: b, label: x, description: y}", "label"),
        ("sectors: [", "Không đọc được"),
    ],
)
def test_bad_taxonomy_is_named(tmp_path, yaml_text, message):
    with pytest.raises(TaxonomyError, match=message):
        load_taxonomy(_write(tmp_path, "t.yaml", yaml_text))


def test_bad_policy_is_named(tmp_path):
    path = _write(tmp_path, "p.yaml", "review_threshold: 1.5\n")
    settings = Settings.from_env({"KIENNGHI_HOME": str(tmp_path), "KIENNGHI_POLICY": str(path)})
    with pytest.raises(DataFileError, match="review_threshold"):
        load_catalog(settings)
    path.write_text("deadline_days: {duong-sa: 10}\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="duong-sa"):
        load_catalog(settings)


def test_abbreviation_table_loads():
    table = load_abbreviations()
    assert table["GCNQSDĐ"].startswith("giấy chứng nhận")
    assert table["GPMB"] == "giải phóng mặt bằng"
