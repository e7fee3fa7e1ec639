"""Sign-in, sign-out, the session cookie, CSRF and the error pages (no browser: TestClient)."""

from __future__ import annotations

from tests.web.conftest import WebApp


def test_pages_need_sign_in_and_come_back_after_it(web: WebApp) -> None:
    anonymous = web.browser()
    response = anonymous.get("/ui/petitions?q=duong", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/ui/login?next=/ui/petitions")
    page = anonymous.get(response.headers["location"])
    assert 'name="next" value="/ui/petitions?q=duong"' in page.text
    signed = anonymous.post("/ui/login", {"key": web.keys["secretariat"], "next": "/ui/petitions?q=duong"})
    assert signed.status_code == 303 and signed.headers["location"] == "/ui/petitions?q=duong"


def test_the_cookie_is_httponly_samesite_and_holds_no_key(web: WebApp) -> None:
    browser = web.browser()
    response = browser.post("/ui/login", {"key": web.keys["secretariat"], "next": "/ui/"})
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/ui" in cookie
    assert "Secure" not in cookie  # plain HTTP here; over HTTPS the cookie is Secure
    assert web.keys["secretariat"] not in cookie


def test_a_wrong_key_is_refused_in_vietnamese(web: WebApp) -> None:
    browser = web.browser()
    response = browser.post("/ui/login", {"key": "kn_khong-dung", "next": "/ui/"})
    assert response.status_code == 303 and response.headers["location"].startswith("/ui/login")
    page = browser.get(response.headers["location"])
    assert "Khóa truy cập không đúng hoặc đã bị thu hồi" in page.text


def test_forms_without_the_token_or_from_another_site_are_refused(web: WebApp) -> None:
    browser = web.browser("secretariat")
    no_token = browser.client.post("/ui/logout", data={}, follow_redirects=False)
    assert no_token.status_code == 403 and "mã chống giả mạo" in no_token.text
    wrong = browser.client.post("/ui/logout", data={"csrf": "x" * 32}, follow_redirects=False)
    assert wrong.status_code == 403
    other_site = browser.client.post(
        "/ui/logout",
        data={"csrf": browser.csrf},
        headers={"Origin": "http://evil.example"},
        follow_redirects=False,
    )
    assert other_site.status_code == 403
    # still signed in: none of the refused forms did anything
    assert browser.get("/ui/", follow_redirects=False).status_code == 200


def test_a_token_from_before_sign_in_is_not_valid_after_it(web: WebApp) -> None:
    browser = web.browser()
    before = browser.csrf
    browser.post("/ui/login", {"key": web.keys["secretariat"], "next": "/ui/"})
    refused = browser.client.post("/ui/logout", data={"csrf": before}, follow_redirects=False)
    assert refused.status_code == 403


def test_sign_out_ends_the_session(web: WebApp) -> None:
    browser = web.browser("secretariat")
    browser.get("/ui/")
    out = browser.post("/ui/logout")
    assert out.status_code == 303 and out.headers["location"] == "/ui/login"
    assert browser.get("/ui/", follow_redirects=False).status_code == 303


def test_a_forged_cookie_is_a_new_anonymous_session(web: WebApp) -> None:
    browser = web.browser("secretariat")
    value = browser.client.cookies.get("kn_session")
    payload, _signature = value.rsplit(".", 1)
    browser.client.cookies.clear()
    browser.client.cookies.set("kn_session", payload + ".AAAA", path="/ui")
    assert browser.get("/ui/", follow_redirects=False).status_code == 303


def test_revoking_the_key_signs_the_browser_out(web: WebApp) -> None:
    from kiennghi.service.auth.keys import revoke_key

    browser = web.browser("secretariat")
    assert browser.get("/ui/", follow_redirects=False).status_code == 200
    admin = web.services.auth.authenticate(web.keys["admin"])
    services = web.services
    revoke_key(services.unit, services.revocations, admin, web.keys["secretariat"])
    response = browser.get("/ui/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/ui/login")


def test_unknown_page_and_the_api_keep_their_own_errors(web: WebApp) -> None:
    browser = web.browser("secretariat")
    page = browser.get("/ui/khong-co")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert "Traceback" not in page.text and "Không có trang /ui/khong-co" in page.text
    api = web.api.get("/api/v1/khong-co")
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"


def test_api_docs_load_nothing_from_the_internet(web: WebApp) -> None:
    for url in ("/docs", "/redoc"):
        html = web.api.get(url).text
        assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    assert web.api.get("/docs-static/swagger-ui-bundle.js").status_code == 200
    assert web.api.get("/ui/static/app.js").status_code == 200
