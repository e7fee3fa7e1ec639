"""The secretariat in a real browser: sign-in and out, the review queue (confirm by click, by key,
the selected at once, another body from the searchable list), CSRF, the upload, the API docs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.conftest import PHONE, LiveServer, Requests, sign_in
from tests.browser.helpers import UNSURE, item, marker, submit


def test_sign_in_wrong_key_then_sign_out(open_page: Any, live: LiveServer, screenshots: Path) -> None:
    page = open_page()
    page.goto(live.url("/ui/"))
    assert "/ui/login" in page.url
    page.screenshot(path=screenshots / "dang-nhap.png")
    page.fill("#key", "kn_sai")
    page.click("button[type=submit]")
    assert "Khóa truy cập không đúng" in page.inner_text(".flash.error")
    sign_in(page, live, "secretariat")
    assert page.inner_text("h1") == "Việc cần làm"
    page.click("text=Đăng xuất")
    assert "/ui/login" in page.url and "Đã đăng xuất" in page.inner_text(".flash")
    page.goto(live.url("/ui/review"))
    assert "/ui/login" in page.url


def test_confirm_by_click_and_by_key(open_page: Any, live: LiveServer, screenshots: Path) -> None:
    tag = marker()
    codes = [submit(live, f"{UNSURE} {tag} thứ {i}")["id"] for i in range(2)]
    page = open_page()
    sign_in(page, live, "secretariat")
    page.goto(live.url(f"/ui/review?q={tag}&order=oldest"))
    page.screenshot(path=screenshots / "hang-cho-duyet.png", full_page=False)
    first = page.locator(f"#item-{codes[0]}")
    first.locator("[data-confirm-one]").click()
    assert f"Đã xác nhận {codes[0]}" in page.inner_text(".flash.ok")
    assert item(live, codes[0])["status"] == "assigned"
    # the remaining item is the current one: the key c confirms it
    page.keyboard.press("c")
    page.wait_for_selector(".flash.ok")
    assert f"Đã xác nhận {codes[1]}" in page.inner_text(".flash.ok")
    assert item(live, codes[1])["lead_department"] == "so-tai-chinh"


def test_confirm_the_selected(open_page: Any, live: LiveServer) -> None:
    tag = marker()
    codes = [submit(live, f"{UNSURE} {tag} lô {i}")["id"] for i in range(3)]
    page = open_page()
    sign_in(page, live, "secretariat")
    page.goto(live.url(f"/ui/review?q={tag}"))
    bulk = page.locator("#bulk button[type=submit]")
    assert bulk.is_disabled()
    page.check("[data-select-all]")
    assert page.inner_text("[data-selected-count]") == "3"
    bulk.click()
    assert "Đã xác nhận 3 kiến nghị" in page.inner_text(".flash.ok")
    assert {item(live, c)["status"] for c in codes} == {"assigned"}


def test_override_from_the_searchable_list(open_page: Any, live: LiveServer) -> None:
    tag = marker()
    code = submit(live, f"{UNSURE} {tag}")["id"]
    page = open_page()
    sign_in(page, live, "secretariat")
    page.goto(live.url(f"/ui/review?q={tag}"))
    card = page.locator(f"#item-{code}")
    card.locator("summary").click()
    card.locator(f"#find-{code}").fill("so y te")  # without diacritics
    assert card.locator(f"#lead-{code}").input_value() == "so-y-te"
    card.locator(f"#reason-{code}").fill("Trạm y tế xã do Sở Y tế quản lý")
    card.locator("text=Giao cơ quan đã chọn").click()
    assert f"Đã giao {code} cho Sở Y tế" in page.inner_text(".flash.ok")
    assert item(live, code)["lead_department"] == "so-y-te"


def test_a_form_with_a_forged_token_is_refused(open_page: Any, live: LiveServer) -> None:
    tag = marker()
    code = submit(live, f"{UNSURE} {tag}")["id"]
    page = open_page()
    sign_in(page, live, "secretariat")
    page.goto(live.url(f"/ui/review?q={tag}"))
    page.evaluate("document.querySelectorAll('input[name=csrf]').forEach(i => i.value = 'gia-mao')")
    page.locator(f"#item-{code} [data-confirm-one]").click()
    assert page.inner_text("h1") == "Không có quyền"
    assert "mã chống giả mạo" in page.inner_text("main")
    assert item(live, code)["status"] == "needs_review"


def test_upload_with_a_bad_row(open_page: Any, live: LiveServer, tmp_path: Path, screenshots: Path) -> None:
    tag = marker()
    sheet = tmp_path / "kien-nghi.csv"
    sheet.write_text(
        "Nội dung,Hội,Ngày nhận\n"
        f"Đề nghị sửa đường liên thôn {tag},hnd,01/12/2026\n"
        ",hnd,01/12/2026\n"
        f"Đề nghị hỗ trợ phân bón {tag},Hội Không Có,02/12/2026\n",
        encoding="utf-8",
    )
    page = open_page()
    sign_in(page, live, "secretariat")
    page.goto(live.url("/ui/upload"))
    page.set_input_files("#file", str(sheet))
    page.click("text=Tải lên và phân loại")
    page.wait_for_selector("#upload-rows")
    rows = page.locator("#upload-rows tbody tr")
    assert rows.count() == 3
    assert "Đã tạo" in rows.nth(0).inner_text()
    assert "Lỗi" in rows.nth(1).inner_text() and "Lỗi" in rows.nth(2).inner_text()
    assert "Hội Không Có" in rows.nth(2).inner_text()
    page.screenshot(path=screenshots / "ket-qua-tai-len.png", full_page=True)


def test_the_review_queue_fits_a_phone(open_page: Any, live: LiveServer, screenshots: Path) -> None:
    submit(live, f"{UNSURE} {marker()}")
    page = open_page(PHONE)
    sign_in(page, live, "secretariat")
    page.goto(live.url("/ui/review"))
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > "
        f"{PHONE['width'] + 1}).slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)"
    )
    assert width <= PHONE["width"] + 1, f"the page is {width}px wide on a {PHONE['width']}px screen: {wide}"
    page.screenshot(path=screenshots / "hang-cho-duyet-dien-thoai.png")


def test_the_item_page_shows_its_history(open_page: Any, live: LiveServer, screenshots: Path) -> None:
    code = submit(live, f"{UNSURE} {marker()}", association="hnd")["id"]
    page = open_page()
    sign_in(page, live, "secretariat")
    page.goto(live.url(f"/ui/petitions/{code}"))
    history = page.inner_text(".history")
    assert "Tiếp nhận" in history and "Chuyển hàng chờ duyệt" in history
    assert "Hội Nông dân" in page.inner_text("dl.facts")
    page.screenshot(path=screenshots / "chi-tiet-kien-nghi.png", full_page=True)


def test_the_api_docs_work_offline(open_page: Any, live: LiveServer, requests_log: Requests) -> None:
    page = open_page()
    page.goto(live.url("/docs"))
    page.wait_for_selector(".swagger-ui .info")
    assert "kiennghi" in page.inner_text(".swagger-ui .info")
    assert any("/docs-static/swagger-ui-bundle.js" in u for u in requests_log.seen)


def test_the_reports_page_draws_its_charts(open_page: Any, live: LiveServer, screenshots: Path) -> None:
    submit(live, f"Đề nghị nâng cấp đường trục xã {marker()}")
    page = open_page()
    sign_in(page, live, "secretariat")
    page.goto(live.url("/ui/reports"))
    charts = page.locator("svg[role=img]")
    assert charts.count() >= 1
    assert "Sở Xây dựng" in page.inner_text("main")
    page.screenshot(path=screenshots / "bao-cao.png", full_page=True)
