"""The staff interface's main paths, walked as the chief and as designated staff in headless Chromium at 1366×900.

Every page the walk opens is checked with axe-core (no violation of WCAG 2.1 A/AA rules) and kept as a screenshot in
./screenshots/paths-*.png. Also: the two-factor QR code decodes (zbarimg) to the URI the page shows.

Run after `swift build`: `python3 -m pytest Tests/browser`.
"""
import json
import re
import shutil
import subprocess
import time
import urllib.request

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from axe_check import assert_accessible
from test_browser import KOHO, SHOTS, browser, fill, login, logout, press, server  # noqa: F401 (fixtures)

CHIEF = ("kacho", "kacho-password-2026")
X_STAFF = ("tanaka", "tanto-password-2026")
FB_STAFF = ("sato", "sato-password-2026")
SOURCE = "https://www.city.kodaira.tokyo.jp/bousai/hinan.html"

checked = []


def page_checked(driver, name):
    """axe-core on the page as it stands, and a screenshot of it."""
    driver.set_window_size(1366, 900)
    assert_accessible(driver, f"paths-{name}")
    checked.append(name)


def body(driver):
    return driver.find_element(By.TAG_NAME, "body").text


def add_user(server, name, password, role, accounts=None):
    args = [KOHO, "users", "add", name, "--role", role, "--data-dir", server["data"]]
    if accounts:
        args += ["--accounts", accounts]
    added = subprocess.run(args, input=password + "\n", text=True, capture_output=True)
    assert added.returncode == 0, added.stderr


def compose(driver, base, account, category, text, source=None, emergency_reason=None, origin=None):
    driver.get(base + "/posts/new")
    Select(driver.find_element(By.NAME, "account")).select_by_value(account)
    press(driver, "次へ")
    Select(driver.find_element(By.NAME, "category")).select_by_value(category)
    fill(driver, "text", text)
    if source:
        fill(driver, "sourceURL", source)
    if origin:
        Select(driver.find_element(By.NAME, "articleOrigin")).select_by_value(origin)
    if emergency_reason:
        driver.find_element(By.NAME, "emergency").click()
        fill(driver, "emergencyReason", emergency_reason)


def sandbox_json(url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"} if data else {})
    with urllib.request.urlopen(req, timeout=10) as res:
        return json.loads(res.read())


def comment_inbox(driver, base, sandbox):
    """A resident answers the published Facebook post with a phone number; the chief reads it in the inbox, sees the
    evidence marked with its ground in words, and hides it; the sandbox shows it hidden."""
    assert sandbox, "koho serve printed no sandbox address"
    post = next(p for p in sandbox_json(sandbox + "/_sandbox/posts") if p["platform"] == "facebook" and "避難指示" in p["text"])
    written = sandbox_json(sandbox + "/_sandbox/comments",
                           {"postId": post["id"], "text": "山田さんの携帯は090-1234-5678です <script>x</script>", "author": "市民A"})
    driver.get(base + "/comments")
    press(driver, "コメントを今すぐ受信する")
    assert "新しいコメントは" in body(driver), body(driver)  # the poller may have read it already
    mark = driver.find_element(By.CSS_SELECTOR, "article.comment mark")
    assert mark.text == "090-1234-5678"
    assert "根拠③" in driver.find_element(By.CSS_SELECTOR, "article.comment .ground").text
    assert "<script>x</script>" in driver.find_element(By.CSS_SELECTOR, "article.comment .post-body").text  # shown as text
    page_checked(driver, "comments")
    driver.find_element(By.PARTIAL_LINK_TEXT, "コメント1").click()
    page_checked(driver, "comment")
    Select(driver.find_element(By.NAME, "action")).select_by_value("hide")
    Select(driver.find_element(By.NAME, "ground")).select_by_value("③")
    fill(driver, "reason", "個人の携帯電話の番号")
    press(driver, "決定する")
    assert "「非表示」に決定しました" in body(driver), body(driver)
    deadline = time.time() + 30
    while time.time() < deadline:
        mine = [c for c in sandbox_json(sandbox + "/_sandbox/comments") if c["id"] == written["id"]]
        if mine and mine[0].get("isHidden"):
            break
        time.sleep(0.5)
    else:
        pytest.fail("the comment was not hidden on the sandbox")
    driver.refresh()
    assert "実行済み" in body(driver)
    assert "山田さんの携帯は" in body(driver), "the text stays readable in Koho"


def test_chief_and_staff_walk_the_main_paths(server, browser):  # noqa: F811
    base = server["base"]
    browser.get(base + "/login")
    page_checked(browser, "login")

    # The first chief, through the one-time setup link.
    browser.get(base + server["setup"])
    page_checked(browser, "setup")
    fill(browser, "name", CHIEF[0])
    fill(browser, "password", CHIEF[1])
    fill(browser, "passwordConfirm", CHIEF[1])
    press(browser, "登録する")
    page_checked(browser, "dashboard-chief-empty")

    # Two-factor setup: the QR code drawn on the server reads as the URI printed beside it.
    browser.get(base + "/totp")
    page_checked(browser, "totp")
    uri = browser.find_element(By.XPATH, "//dt[normalize-space()='URI']/following-sibling::dd[1]").text.strip()
    assert uri.startswith("otpauth://totp/"), uri
    if shutil.which("zbarimg"):
        shot = SHOTS / "paths-totp-qr.png"
        browser.find_element(By.CSS_SELECTOR, "figure.qr").screenshot(str(shot))
        decoded = subprocess.run(["zbarimg", "--raw", "-q", str(shot)], capture_output=True, text=True)
        assert decoded.returncode == 0, decoded.stderr
        assert decoded.stdout.strip() == uri
    elif __import__("os").environ.get("CI"):
        pytest.fail("zbarimg is missing (CI installs zbar-tools)")
    logout(browser)

    add_user(server, X_STAFF[0], X_STAFF[1], "staff", "kodaira_tokyo")
    add_user(server, FB_STAFF[0], FB_STAFF[1], "staff", "koho.kodairacity")

    # Staff compose and submit an ordinary X post; the chief sends it back with a reason.
    login(browser, base, *X_STAFF)
    page_checked(browser, "dashboard-staff")
    compose(browser, base, "kodaira_tokyo", "ウ", "市民まつりを11月29日に開催します。")
    page_checked(browser, "compose-x")
    press(browser, "保存して提出")
    assert "保存して提出しました" in body(browser)
    page_checked(browser, "post-submitted")
    post_url = browser.current_url
    browser.get(base + "/posts")
    page_checked(browser, "posts")
    logout(browser)

    login(browser, base, *CHIEF)
    browser.get(base + "/approvals")
    page_checked(browser, "approvals")
    browser.get(post_url)
    fill(browser, "reason", "日付の曜日を書き添えてください")
    press(browser, "差し戻す")
    assert "差し戻しました" in body(browser) or "差戻し" in body(browser)
    page_checked(browser, "post-returned-chief")
    logout(browser)

    # The reason is where staff look first: the dashboard, the post and the edit page.
    login(browser, base, *X_STAFF)
    assert "日付の曜日を書き添えてください" in body(browser)
    browser.get(post_url)
    assert "日付の曜日を書き添えてください" in browser.find_element(By.CSS_SELECTOR, "section[aria-label='差戻しの理由']").text
    page_checked(browser, "post-returned-staff")
    browser.get(post_url + "/edit")
    assert "日付の曜日を書き添えてください" in body(browser)
    page_checked(browser, "edit")
    fill(browser, "text", "市民まつりを11月29日（日）に開催します。")
    press(browser, "変更を保存")
    press(browser, "提出する")
    assert "承認待ち" in body(browser)
    logout(browser)

    # An emergency for the Facebook Page: marked for the chief in the menu and the queue, and the approval says
    # that it goes out at once.
    login(browser, base, *FB_STAFF)
    compose(browser, base, "koho.kodairacity", "①", "【緊急】市内に避難指示を発令しました。最寄りの避難所へ避難してください。",
            source=SOURCE, emergency_reason="大雨による避難指示", origin="website")
    assert "直ちに発信されます" in body(browser)
    page_checked(browser, "compose-emergency")
    press(browser, "保存して提出")
    emergency_url = browser.current_url
    logout(browser)

    login(browser, base, *CHIEF)
    menu = browser.find_element(By.CSS_SELECTOR, "nav[aria-label='メインメニュー']").text
    assert "緊急 1" in menu, menu
    page_checked(browser, "dashboard-chief")
    browser.get(emergency_url)
    warning = body(browser)
    assert "承認すると" in warning and "直ちに発信されます" in warning
    page_checked(browser, "post-emergency-approve")
    press(browser, "承認する")
    WebDriverWait(browser, 20).until(lambda d: "発信済み" in d.find_element(By.TAG_NAME, "main").text or d.refresh())
    page_checked(browser, "post-published")
    comment_inbox(browser, base, server["sandbox"])

    # The returned-then-edited X post, approved: it goes out now or in the next operating window.
    browser.get(post_url)
    press(browser, "承認する")
    assert any(s in body(browser) for s in ["予約済み", "発信中", "発信済み"])

    browser.get(base + "/calendar")
    page_checked(browser, "calendar")
    browser.get(base + "/accounts")
    page_checked(browser, "accounts")
    browser.get(base + "/users")
    page_checked(browser, "users")
    browser.get(base + "/policy")
    page_checked(browser, "policy")
    browser.get(base + "/password")
    page_checked(browser, "password")
    browser.get(base + "/disaster")
    page_checked(browser, "disaster")
    browser.get(base + "/impersonation")
    page_checked(browser, "impersonation")

    # The audit log, filtered to the returns: one entry, in words, with its CSV.
    browser.get(base + "/audit?action=post.reject")
    text = body(browser)
    assert "1件" in text, text
    assert "日付の曜日を書き添えてください" in text
    assert browser.find_element(By.PARTIAL_LINK_TEXT, "この絞り込みの1件")
    page_checked(browser, "audit-filtered")
    browser.get(base + "/audit")
    page_checked(browser, "audit")
    logout(browser)
    page_checked(browser, "logged-out")

    assert len(checked) >= 20, checked
