"""A small labelled corpus written by the tests, so a real model trains in seconds."""

from __future__ import annotations

import json
from pathlib import Path

PLACES = ["xã Tân Lập", "xã Hòa Bình", "thôn Đông", "xã Phú Mỹ", "phường An Lạc",
          "xã Vĩnh Hưng", "thôn Bắc Sơn", "xã Quang Trung", "xã Tiến Thành"]

TOPICS: dict[str, list[str]] = {
    "giao-thong": ["Đề nghị nâng cấp tuyến đường liên xã qua {p} bị xuống cấp, ổ gà",
                   "Cử tri {p} đề nghị sửa chữa cầu dân sinh và làm đường giao thông nông thôn"],
    "y-te": ["Trạm y tế {p} thiếu bác sĩ và thuốc, đề nghị bổ sung nhân lực y tế",
             "Bệnh viện huyện quá tải, người dân {p} đề nghị nâng cấp khám chữa bệnh"],
    "giao-duc": ["Trường học {p} thiếu phòng học và giáo viên, đề nghị đầu tư trường lớp",
                 "Phụ huynh {p} phản ánh sách giáo khoa và học phí của học sinh tăng cao"],
    "dat-dai": ["Người dân {p} đề nghị cấp giấy chứng nhận quyền sử dụng đất còn tồn đọng",
                "Đề nghị giải quyết bồi thường thu hồi đất, giải phóng mặt bằng tại {p}"],
    "nong-nghiep": ["Nông dân {p} đề nghị hỗ trợ giống cây trồng và phòng trừ sâu bệnh lúa",
                    "Dịch tả lợn châu Phi ở {p}, đề nghị hỗ trợ tiêm phòng vắc xin cho chăn nuôi"],
    "tai-chinh-ngan-sach": ["Đề nghị bố trí ngân sách hỗ trợ kinh phí hoạt động cho {p}",
                            "Đề nghị cấp kinh phí, vốn đầu tư công cho công trình tại {p}"],
}


def write_corpus(folder: Path, rotate: bool = False) -> Path:
    """One JSONL file of 18 items per sector; ``rotate`` gives every text the next sector's
    label (a deliberately bad model)."""
    folder.mkdir(parents=True, exist_ok=True)
    sectors = list(TOPICS)
    with (folder / "tiny.jsonl").open("w", encoding="utf-8") as out:
        for s_index, (sector, templates) in enumerate(TOPICS.items()):
            label = sectors[(s_index + 1) % len(sectors)] if rotate else sector
            for t_index, template in enumerate(templates):
                for p_index, place in enumerate(PLACES):
                    out.write(json.dumps({
                        "id": f"{sector}-{t_index}-{p_index}",
                        "text": template.format(p=place), "sector": label,
                    }, ensure_ascii=False) + "\n")
    return folder
