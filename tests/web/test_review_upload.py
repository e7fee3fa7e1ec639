"""The secretariat's pages: the review queue (confirm one, confirm the selected, override),
returned items, the upload with its per-row report, the start page (TestClient, no browser)."""

from __future__ import annotations

import re

from tests.web.conftest import WebApp

UNSURE = "Đề nghị bổ sung kinh phí sửa chữa trường học xã Tân Lập"  # the fake model is unsure: review


def queued(web: WebApp, n: int) -> list[str]:
    return [web.submit(f"{UNSURE} số {i}")["id"] for i in range(n)]


def status_of(web: WebApp, code: str) -> dict:
    return web.call("secretariat", "GET", f"/api/v1/petitions/{code}").json()


def test_the_queue_shows_three_suggestions_with_words_and_why(web: WebApp) -> None:
    (code,) = queued(web, 1)
    page = web.browser("secretariat").get("/ui/review")
    assert page.status_code == 200 and code in page.text
    assert len(re.findall(r'class="suggestion(?: first)?"', page.text)) == 3
    assert "Sở Tài chính" in page.text and "kinh phi" in page.text  # body, and the words that drove it
    assert "Xác nhận đề xuất (Sở Tài chính)" in page.text


def test_confirm_one_assigns_the_first_suggestion(web: WebApp) -> None:
    (code,) = queued(web, 1)
    browser = web.browser("secretariat")
    browser.get("/ui/review")
    response = browser.post(f"/ui/review/{code}/confirm", {"back": "/ui/review"})
    assert response.status_code == 303 and response.headers["location"] == "/ui/review"
    assert "Đã xác nhận" in browser.get("/ui/review").text
    item = status_of(web, code)
    assert item["status"] == "assigned" and item["lead_department"] == "so-tai-chinh"


def test_confirm_the_selected_reports_each_outcome(web: WebApp) -> None:
    codes = queued(web, 3)
    browser = web.browser("secretariat")
    browser.get("/ui/review")
    browser.post(f"/ui/review/{codes[0]}/confirm")  # decided before the bulk confirm
    response = browser.post("/ui/review/confirm", {"codes": codes, "back": "/ui/review"})
    assert response.status_code == 303
    page = browser.get("/ui/review").text
    assert f"Đã xác nhận 2 kiến nghị: {codes[1]}, {codes[2]}" in page
    assert f"{codes[0]}: Không thể xác nhận" in page
    assert all(status_of(web, c)["status"] == "assigned" for c in codes)


def test_confirm_nothing_selected_says_so(web: WebApp) -> None:
    queued(web, 1)
    browser = web.browser("secretariat")
    browser.get("/ui/review")
    browser.post("/ui/review/confirm", {"back": "/ui/review"})
    assert "Chưa chọn kiến nghị nào" in browser.get("/ui/review").text


def test_override_with_a_body_only_takes_the_sector_from_its_suggestion(web: WebApp) -> None:
    (code,) = queued(web, 1)
    browser = web.browser("secretariat")
    browser.get("/ui/review")
    response = browser.post(f"/ui/review/{code}/override", {"lead_department": "so-giao-duc-dao-tao"})
    assert response.status_code == 303
    item = status_of(web, code)
    assert item["lead_department"] == "so-giao-duc-dao-tao" and item["sector"] == "giao-duc"


def test_override_by_name_and_an_unknown_body_is_a_message(web: WebApp) -> None:
    (code,) = queued(web, 1)
    browser = web.browser("secretariat")
    browser.get(f"/ui/petitions/{code}")
    browser.post(f"/ui/review/{code}/override", {"lead_department": "Sở Khoa học Vũ trụ"})
    page = browser.get("/ui/review").text
    assert "Sở Khoa học Vũ trụ" in page and status_of(web, code)["status"] == "needs_review"
    browser.post(f"/ui/review/{code}/override", {"lead_department": "So Y te", "sector": "y-te"})
    assert status_of(web, code)["lead_department"] == "so-y-te"


def test_the_analyst_sees_the_queue_but_cannot_decide(web: WebApp) -> None:
    (code,) = queued(web, 1)
    browser = web.browser("analyst")
    page = browser.get("/ui/review")
    assert page.status_code == 200 and code in page.text
    response = browser.post(f"/ui/review/{code}/confirm")
    assert response.status_code == 403 and "không được phép" in response.text
    assert status_of(web, code)["status"] == "needs_review"


def test_a_department_cannot_open_the_queue(web: WebApp) -> None:
    page = web.browser("y-te").get("/ui/review")
    assert page.status_code == 403 and "Không có quyền" in page.text


def test_returned_items_show_why_on_the_start_page_and_in_the_queue(web: WebApp) -> None:
    code = web.submit("Đề nghị nâng cấp đường trục xã")["id"]  # auto-assigned to so-xay-dung
    returned = web.call(
        "xay-dung", "POST", f"/api/v1/petitions/{code}/return", json={"reason": "Đường do xã quản lý"}
    )
    assert returned.status_code == 200
    browser = web.browser("secretariat")
    start = browser.get("/ui/").text
    assert "Bị trả lại" in start and "Đường do xã quản lý" in start
    only = browser.get("/ui/review?returned=1").text
    assert code in only and "Sở Xây dựng trả lại" in only and "Đường do xã quản lý" in only


def test_search_without_diacritics_finds_the_item(web: WebApp) -> None:
    code = web.submit("Đề nghị sửa chữa cầu treo bản Nậm Ty")["id"]
    other = web.submit("Đề nghị hỗ trợ phân bón cho hộ nghèo")["id"]
    page = web.browser("secretariat").get("/ui/petitions?q=cau+treo+nam+ty").text
    assert f"/ui/petitions/{code}" in page and f"/ui/petitions/{other}" not in page


def test_upload_reports_each_row_and_is_idempotent(web: WebApp, tmp_path) -> None:
    csv = tmp_path / "ds.csv"
    csv.write_text(
        "Nội dung,Hội,Ngày nhận\n"
        "Đề nghị sửa đường liên thôn,hnd,01/12/2026\n"
        ",hnd,01/12/2026\n"
        "Đề nghị hỗ trợ phân bón,Hội Không Tồn Tại,01/12/2026\n",
        encoding="utf-8",
    )
    browser = web.browser("secretariat")
    page = browser.get("/ui/upload")
    assert page.status_code == 200 and "data-upload" in page.text
    first = browser.client.post(
        "/ui/upload",
        files={"file": ("ds.csv", csv.read_bytes(), "text/csv")},
        headers={"X-CSRF-Token": browser.csrf},
    )
    assert first.status_code == 200
    rows = re.findall(
        r"<tr[^>]*>\s*<td class=\"num\" data-label=\"Dòng\">(\d+)</td>\s*<td[^>]*>(.*?)</td>",
        first.text,
        re.S,
    )
    outcomes = {
        int(n): ("Đã tạo" if "Đã tạo" in cell else "Lỗi" if "Lỗi" in cell else "Đã có") for n, cell in rows
    }
    assert outcomes == {1: "Đã tạo", 2: "Lỗi", 3: "Lỗi"}
    assert "Hội Không Tồn Tại" in first.text
    again = browser.client.post(
        "/ui/upload",
        files={"file": ("ds.csv", csv.read_bytes(), "text/csv")},
        headers={"X-CSRF-Token": browser.csrf},
    )
    assert "Đã tải lên trước đó" in again.text and ">0</div>kiến nghị mới" in again.text.replace("\n", "")


def test_upload_refuses_a_wrong_file_type_and_a_missing_token(web: WebApp) -> None:
    browser = web.browser("secretariat")
    browser.get("/ui/upload")
    wrong = browser.client.post(
        "/ui/upload",
        files={"file": ("a.pdf", b"%PDF", "application/pdf")},
        headers={"X-CSRF-Token": browser.csrf, "Referer": "http://testserver/ui/upload"},
        follow_redirects=False,
    )
    assert wrong.status_code == 303
    assert "không phải .csv hoặc .xlsx" in browser.get("/ui/upload").text
    no_token = browser.client.post("/ui/upload", files={"file": ("a.csv", b"text\nx\n", "text/csv")})
    assert no_token.status_code == 403


def test_a_file_over_the_limit_is_a_page_not_json(web: WebApp) -> None:
    browser = web.browser("secretariat")
    browser.get("/ui/upload")
    limit = web.services.config.max_upload_bytes
    big = b"text\n" + b"x" * (limit + 10)
    response = browser.client.post(
        "/ui/upload", files={"file": ("big.csv", big, "text/csv")}, headers={"X-CSRF-Token": browser.csrf}
    )
    assert response.status_code == 413 and "text/html" in response.headers["content-type"]
    assert "Tệp quá lớn" in response.text
