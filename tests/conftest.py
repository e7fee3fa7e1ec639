"""Shared fixtures: the bundled catalog, settings in a temporary home, a tiny trained model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiennghi.catalog import Catalog, load_catalog
from kiennghi.settings import Settings

TINY = {
    "giao-thong": [
        "Đề nghị nâng cấp tuyến đường liên xã bị xuống cấp nghiêm trọng",
        "Sửa chữa cầu treo qua suối đã hư hỏng, đi lại nguy hiểm",
        "de nghi lam duong be tong vao thon",
        "Tuyến QL1A đoạn qua thị trấn nhiều ổ gà, đề nghị sửa chữa",
        "Đường tỉnh ĐT-746 sạt lở lề đường, đề nghị khắc phục",
        "Lắp đặt biển báo và đèn tín hiệu tại ngã tư nguy hiểm",
    ],
    "y-te": [
        "Trạm y tế xã thiếu thuốc và bác sĩ, đề nghị bổ sung",
        "Bệnh viện huyện quá tải, đề nghị đầu tư thêm giường bệnh",
        "tram y te xa thieu bac si kham benh",
        "Tăng cường kiểm tra an toàn thực phẩm tại bếp ăn tập thể",
        "Đề nghị tiêm chủng đầy đủ vắc xin cho trẻ em vùng sâu",
        "Phòng chống dịch sốt xuất huyết đang lan rộng ở khu dân cư",
    ],
    "dat-dai": [
        "Đề nghị cấp GCNQSDĐ cho các hộ đã sử dụng đất ổn định",
        "Bồi thường GPMB dự án chưa thỏa đáng, người dân chưa nhận tiền",
        "cap so do cho dan qua cham",
        "Tranh chấp đất đai giữa hai hộ kéo dài nhiều năm chưa giải quyết",
        "Thu hồi đất làm khu công nghiệp nhưng chưa bố trí tái định cư",
        "Chuyển mục đích sử dụng đất vườn sang đất ở thủ tục phức tạp",
    ],
}


@pytest.fixture(scope="session")
def settings_factory(tmp_path_factory):
    def make(**overrides: str) -> Settings:
        home = tmp_path_factory.mktemp("home")
        base = Settings.from_env({"KIENNGHI_HOME": str(home), **overrides})
        return base

    return make


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(Settings.from_env({"KIENNGHI_HOME": "/nonexistent"}))


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "tiny.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for sector, texts in TINY.items():
            for n, text in enumerate(texts):
                row = {"id": f"{sector}-{n}", "text": text, "sector": sector}
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


# min_df, max_features and mask_places spelled out: the values these tests have always trained with
# (the TrainConfig defaults are the bundled default.yaml's, made for the full corpus).
TINY_CONFIG = """
name: tiny
features: {words: [1, 2], accentless_words: [1, 2], accentless_chars: [2, 4],
           min_df: 1, max_features: 300000, mask_places: false}
classifier: {type: svm, C: 1.0, calibration_folds: 2}
accentless_augment: 1.0
cv_folds: 2
seed: 1
"""


@pytest.fixture(scope="session")
def tiny_config(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("config") / "tiny.yaml"
    path.write_text(TINY_CONFIG, encoding="utf-8")
    return path
