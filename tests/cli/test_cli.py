"""The `kiennghi` command line end to end, as a subprocess on real files."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook


def run(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KIENNGHI_HOME": str(home), "COLUMNS": "200"}
    proc = subprocess.run(
        [sys.executable, "-m", "kiennghi", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def home(tmp_path_factory, tiny_corpus, tiny_config) -> Path:
    home = tmp_path_factory.mktemp("clihome")
    run(home, "train", "--data", str(tiny_corpus), "--config", str(tiny_config))
    return home


ROWS = [
    {
        "id": "a1",
        "text": "Đề nghị sửa chữa tuyến đường liên xã bị xuống cấp",
        "association": "Hội Nông dân",
    },
    {"id": "a2", "text": "tram y te xa thieu bac si", "association": "cử tri"},
    {"id": "a3", "text": "   "},
    {"id": "a4", "text": 12345},
    {"id": "a5", "text": "x" * 20_001},
    {"id": "a6"},
    {"text": "Đề nghị cấp GCNQSDĐ cho người dân"},
]

FIELDS = [
    "id",
    "sector",
    "sector_label",
    "confidence",
    "lead_department",
    "coordinating_departments",
    "candidates",
    "needs_review",
    "model_version",
]


def _check_rows(rows: list[dict]) -> None:
    by_id = {str(r["id"]): r for r in rows}
    assert len(rows) == len(ROWS)
    assert by_id["a1"]["lead_department"] == "so-xay-dung"
    assert by_id["a2"]["lead_department"] == "so-y-te"
    assert by_id["7"]["lead_department"] == "so-nong-nghiep-moi-truong"
    for good in ("a1", "a2", "7"):
        for field in FIELDS:
            assert by_id[good].get(field) not in (None, ""), field
        assert not by_id[good].get("error")
    assert "rỗng" in by_id["a3"]["error"]
    assert "chuỗi" in by_id["a4"]["error"]
    assert "20,000" in by_id["a5"]["error"] or "20.000" in by_id["a5"]["error"]
    assert "thiếu" in by_id["a6"]["error"]
    assert by_id["a1"]["association"] == "Hội Nông dân"  # other fields are kept


def test_classify_jsonl_with_bad_rows(home, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS) + "\nnot json\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    proc = run(home, "classify", str(source), "-o", str(out))
    assert "dòng lỗi" in proc.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert "không phải JSON" in rows[-1]["error"]
    _check_rows(rows[:-1])
    first = rows[0]
    assert isinstance(first["coordinating_departments"], list)
    assert len(first["candidates"]) == 3
    assert set(first["candidates"][0]) == {"sector", "lead_department", "probability"}
    assert isinstance(first["needs_review"], bool)


def test_classify_csv_to_xlsx(home, tmp_path):
    source = tmp_path / "in.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "text", "association"])
        writer.writeheader()
        for row in ROWS:
            writer.writerow({k: v for k, v in row.items() if k in ("id", "text", "association")})
    out = tmp_path / "out.xlsx"
    run(home, "classify", str(source), "-o", str(out))
    sheet = load_workbook(out, read_only=True).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    header = list(values[0])
    rows = [dict(zip(header, v, strict=True)) for v in values[1:]]
    assert set(FIELDS) <= set(header)
    rows[3]["error"] = rows[3]["error"] or ""
    by_id = {str(r["id"]): r for r in rows}
    assert by_id["a1"]["lead_department"] == "so-xay-dung"
    assert by_id["a4"]["lead_department"]  # in CSV, 12345 is the text "12345": classified
    assert "rỗng" in by_id["a3"]["error"]


def test_classify_xlsx_to_csv(home, tmp_path):
    source = tmp_path / "in.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(["id", "text", "association"])
    for row in ROWS:
        sheet.append([row.get("id"), row.get("text"), row.get("association")])
    book.save(source)
    out = tmp_path / "out.csv"
    run(home, "classify", str(source), "-o", str(out))
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    by_id = {r["id"]: r for r in rows}
    assert by_id["a1"]["lead_department"] == "so-xay-dung"
    assert "chuỗi" in by_id["a4"]["error"]  # a number cell is not text
    assert by_id["a3"]["error"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.jsonl", None, "Không tìm thấy"),
        ("in.txt", "abc", "không được hỗ trợ"),
        ("in.xlsx", "this is not a zip", "Không mở được"),
        ("in.csv", "", "tiêu đề"),
    ],
)
def test_unusable_input_exits_non_zero_and_writes_nothing(home, tmp_path, name, content, message):
    source = tmp_path / name
    if content is not None:
        source.write_text(content, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    proc = run(home, "classify", str(source), "-o", str(out), check=False)
    assert proc.returncode != 0
    assert message in proc.stderr
    assert not out.exists()
    assert not list(tmp_path.glob("*.partial"))


def test_evaluate_and_models_commands(home, tmp_path, tiny_corpus):
    proc = run(home, "evaluate", str(tiny_corpus), "--json")
    result = json.loads(proc.stdout)
    assert result["lead_accuracy"] == 1.0 and result["n"] == 18
    stripped = json.loads(run(home, "evaluate", str(tiny_corpus), "--strip-diacritics", "--json").stdout)
    assert stripped["lead_accuracy"] >= 0.9
    assert "v0001" in run(home, "models", "list").stdout
    meta = json.loads(run(home, "models", "show", "--json").stdout)
    assert meta["version"] == "v0001" and meta["data"]["n_items"] == 18
    summary = run(home, "models", "show").stdout
    assert "v0001 (đang dùng)" in summary and "18 kiến nghị" in summary and "serving.npz" in summary
    missing = run(home, "models", "activate", "v0042", check=False)
    assert missing.returncode != 0 and "v0042" in missing.stderr
    rollback = run(home, "models", "rollback", check=False)
    assert rollback.returncode != 0 and "trước đó" in rollback.stderr


def test_evaluate_rejects_unknown_body(home, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"text": "abc", "department": "so-khong-co"}) + "\n", encoding="utf-8")
    proc = run(home, "evaluate", str(path), check=False)
    assert proc.returncode != 0 and "so-khong-co" in proc.stderr


@pytest.mark.parametrize(
    ("section", "key"),
    [("features", "wrods"), ("classifier", "c"), (None, "cv_fold")],
)
def test_train_refuses_a_misspelled_config_key(tmp_path: Path, section: str | None, key: str) -> None:
    config = tmp_path / "cau-hinh.yaml"
    body = f"{section}:\n  {key}: 100\n" if section else f"{key}: 3\n"
    config.write_text(body, encoding="utf-8")
    proc = run(tmp_path / "home", "train", "--config", str(config), check=False)
    assert proc.returncode != 0
    message = " ".join((proc.stdout + proc.stderr).split())
    assert "khóa không hợp lệ" in message and key in message and "cau-hinh.yaml" in message
    assert "các khóa hợp lệ" in message
    assert not (tmp_path / "home" / "models").exists()  # nothing trained or registered


def test_import_takes_association_names(home, tmp_path):
    source = tmp_path / "bao-cao.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["STT", "Nội dung", "Hội"])
        writer.writerow(["1", "Đề nghị sửa chữa tuyến đường liên xã bị xuống cấp", "Hội ND"])
        writer.writerow(["2", "Trạm y tế xã thiếu bác sĩ", "Hội Nông dâm"])
    report = tmp_path / "report.csv"
    env = {
        **os.environ,
        "KIENNGHI_HOME": str(home),
        "KIENNGHI_DATABASE_URL": f"sqlite:///{tmp_path / 'import.db'}",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "kiennghi", "import", str(source), "--report", str(report)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "1 kiến nghị mới" in proc.stderr and "1 dòng lỗi" in proc.stderr
    assert "Hội Nông dâm" in proc.stderr and "hoi-nong-dan" in proc.stderr
    with report.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["status"] for r in rows] == ["created", "error"]
    assert "Có phải: Hội Nông dân (hoi-nong-dan)" in rows[1]["error"]
