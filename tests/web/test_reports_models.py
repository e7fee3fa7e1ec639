"""The reports page (tiles, SVG charts and tables over the list filters, a department's own
numbers) and the model pages (versions with metrics, the risk–coverage curve, retraining with its
progress, comparison, activation with its refusal and force, rollback, and who sees which button)."""

from __future__ import annotations

import re

from kiennghi.service.web.charts import (
    Bar,
    Point,
    Segment,
    StackedBar,
    bar_chart,
    line_chart,
    stacked_bar_chart,
)
from tests.web.conftest import WebApp


def titles(svg: str) -> list[str]:
    return re.findall(r"<title>([^<]*)</title>", svg)


def tile(html: str, name: str) -> str:
    found = re.search(rf'data-tile="{name}">([^<]*)<', html)
    assert found, name
    return found.group(1)


def charts(html: str) -> list[str]:
    return re.findall(r"<svg .*?</svg>", html, re.S)


# -- charts --------------------------------------------------------------------------------------


def test_charts_are_accessible_svg_with_escaped_text() -> None:
    svg = stacked_bar_chart(
        [StackedBar("Sở <A> & B", [Segment("assigned", 2), Segment("answered", 1)])],
        [("assigned", "Đã giao", "#111"), ("answered", "Đã trả lời", "#222")],
        "Theo cơ quan",
    )
    assert svg.startswith("<svg ") and 'role="img"' in svg and 'aria-label="Theo cơ quan"' in svg
    assert "viewBox=" in svg and "<A>" not in svg and "Sở &lt;A&gt; &amp; B" in svg
    assert "Sở &lt;A&gt; &amp; B · Đã giao: 2" in titles(svg)
    assert "Sở &lt;A&gt; &amp; B · Đã trả lời: 1" in titles(svg)
    assert "Sở &lt;A&gt; &amp; B: tổng 3" in titles(svg)
    bars = bar_chart([Bar("Y tế", 4), Bar("Giáo dục", 0)], "Theo lĩnh vực")
    assert "Y tế: 4" in titles(bars) and "Giáo dục: 0" in titles(bars)
    empty = bar_chart([], "Trống")
    assert "Không có số liệu" in empty
    line = line_chart(
        [Point(0.5, 0.9, "50% · 90%"), Point(1.0, 0.8)], "Đường", "x", "y", Point(0.5, 0.9), "Cổng"
    )
    assert 'role="img"' in line and "<polyline" in line and "50% · 90%" in titles(line)


# -- reports -------------------------------------------------------------------------------------


def test_reports_page_counts_charts_filters_and_department_scope(web: WebApp) -> None:
    for place in ("xã Tân Lập", "xã Hòa Bình", "thôn Đông"):
        web.submit(f"Đề nghị sửa chữa đường liên xã qua {place}")
    web.submit("Bệnh viện huyện quá tải, đề nghị nâng cấp", association="hoi-nong-dan")
    web.submit("Đề nghị bố trí kinh phí cho trường")  # uncertain: waits for review

    admin = web.browser("admin")
    page = admin.get("/ui/reports")
    assert page.status_code == 200, page.text
    html = page.text
    assert tile(html, "total") == "5" and tile(html, "overdue") == "0"
    assert tile(html, "median") == "–"
    body, sector, association = charts(html)
    assert 'role="img"' in body and "aria-label=" in body
    assert "Sở Xây dựng: tổng 3" in titles(body)
    assert "Sở Xây dựng · Đã giao: 3" in titles(body)
    assert "Sở Y tế: tổng 1" in titles(body)
    assert any(t.startswith("Giao thông") and ": 3 kiến nghị" in t for t in titles(sector))
    assert any(": 1 kiến nghị" in t for t in titles(association))
    assert "/ui/petitions/export?format=xlsx" in html and "/ui/petitions/export?format=csv" in html

    only_health = admin.get("/ui/reports?sector=y-te").text
    assert tile(only_health, "total") == "1"
    assert "Sở Xây dựng" not in charts(only_health)[0]
    assert "/ui/petitions/export?sector=y-te&amp;format=xlsx" in only_health
    assert "Không có kiến nghị nào" in charts(admin.get("/ui/reports?q=khongcogi").text)[0]

    health = web.browser("y-te").get("/ui/reports").text
    assert tile(health, "total") == "1"
    assert "Sở Xây dựng" not in health.split("<h2", 1)[1]
    assert "Sở Y tế: tổng 1" in titles(charts(health)[0])

    # An answer: the median time and the answered tile.
    code = web.call("admin", "GET", "/api/v1/petitions?sector=y-te").json()["items"][0]["id"]
    r = web.call(
        "y-te", "POST", f"/api/v1/petitions/{code}/answer", json={"answer_text": "Đã bố trí thêm giường bệnh"}
    )
    assert r.status_code == 200, r.text
    answered = admin.get("/ui/reports").text
    assert tile(answered, "answered") == "1" and tile(answered, "median") == "0,0 ngày"


def test_reports_rejects_a_bad_date(web: WebApp) -> None:
    page = web.browser("secretariat").get("/ui/reports?received_from=hôm-qua")
    assert page.status_code == 422 and "Từ ngày" in page.text
