"""Koho as a person uses it: headless Chromium logs in, composes, submits; the chief approves.

Run after `swift build`: `python3 -m pytest Tests/browser`. Screenshots land in ./screenshots.
"""
import re
import shutil
import subprocess
import tempfile

import pytest
from selenium.webdriver.common.by import By
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import KOHO, SHOTS, free_port, start_koho

CHIEF_PASSWORD = "kacho-password-2026"
STAFF_PASSWORD = "tanto-password-2026"
NENMATSU = "https://www.city.kodaira.tokyo.jp/shisei/nenmatsu.html"


@pytest.fixture(scope="module")
def server():
    data = tempfile.mkdtemp(prefix="koho-browser-")
    port = free_port()
    setup, sandbox = [], []

    def seen(line):
        m = re.search(r"(/setup/[A-Za-z0-9_\-]+)", line)
        if m:
            setup.append(m.group(1))
        # The line after the one that says it listens names the embedded sandbox, where the tests write residents' comments.
        m = re.search(r"(http://\S+)/_sandbox", line)
        if m:
            sandbox.append(m.group(1))

    proc = start_koho(data, port, seen)
    assert setup, "koho serve printed no setup link on an empty database"
    yield {"base": f"http://127.0.0.1:{port}", "setup": setup[0], "data": data, "sandbox": sandbox[0] if sandbox else None}
    proc.terminate()
    proc.wait(timeout=20)


def fill(driver, name, value):
    field = driver.find_element(By.NAME, name)
    field.clear()
    field.send_keys(value)


def after_new_page(driver, action):
    """Runs `action` and waits until a new document has replaced the current one and finished loading.

    A mark is left on the old page's window; the new page has none. Staleness of an element is not used,
    because newer chromedriver reports the replaced node as an "unhandled inspector error" instead.
    """
    driver.execute_script("window.__kohoOldPage = true")
    action()

    def replaced(d):
        try:
            return d.execute_script("return document.readyState === 'complete' && !window.__kohoOldPage")
        except WebDriverException:
            return False  # the page is between documents

    WebDriverWait(driver, 20).until(replaced)


def press(driver, label):
    """Clicks a button and waits until the page it submits to has replaced the current one."""
    button = driver.find_element(By.XPATH, f"//button[normalize-space()='{label}']")
    after_new_page(driver, button.click)


def login(driver, base, name, password):
    driver.get(base + "/login")
    fill(driver, "name", name)
    fill(driver, "password", password)
    press(driver, "ログイン")
    assert "/login" not in driver.current_url, driver.find_element(By.TAG_NAME, "body").text


def logout(driver):
    press(driver, "ログアウト")


def test_compose_submit_and_approve(server, browser):
    base = server["base"]
    # The one-time setup link creates the first chief, and works once.
    browser.get(base + server["setup"])
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja"
    fill(browser, "name", "kacho")
    fill(browser, "password", CHIEF_PASSWORD)
    fill(browser, "passwordConfirm", CHIEF_PASSWORD)
    after_new_page(browser, browser.find_element(By.CSS_SELECTOR, "form button[type=submit], form button").click)
    logout(browser)
    browser.get(base + server["setup"])
    assert "passwordConfirm" not in browser.page_source

    # A staff member designated for the city's X account.
    added = subprocess.run([KOHO, "users", "add", "tanaka", "--role", "staff", "--accounts", "kodaira_tokyo",
                            "--data-dir", server["data"]], input=STAFF_PASSWORD + "\n", text=True, capture_output=True)
    assert added.returncode == 0, added.stderr

    login(browser, base, "tanaka", STAFF_PASSWORD)
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "運用" in body
    browser.save_screenshot(str(SHOTS / "dashboard.png"))

    browser.get(base + "/posts/new")
    Select(browser.find_element(By.NAME, "account")).select_by_value("kodaira_tokyo")
    press(browser, "次へ")
    Select(browser.find_element(By.NAME, "category")).select_by_value("ウ")
    fill(browser, "text", "市民まつりを11月29日に開催します。<script>alert(1)</script>")
    fill(browser, "links", NENMATSU)
    # The check is shown as one writes (the page's script asks the server), before any button is pressed:
    # 59 for the text, 1 for the line break and 23 for the link, as X counts what it will receive.
    WebDriverWait(browser, 10).until(
        lambda d: "文字数（Xの数え方）: 83 / 280" in d.find_element(By.ID, "live-check").text)
    assert browser.find_elements(By.XPATH, "//div[@id='live-check']/p[contains(., 'ポリシーに合っています')]")
    # The preview: an X card with the account's name, handle and the platform, and the link in the text.
    card = browser.find_element(By.CSS_SELECTOR, "#live-check .preview.pv-x")
    assert "@kodaira_tokyo" in card.text and "X" in card.text, card.text
    assert NENMATSU in card.find_element(By.CSS_SELECTOR, ".pv-text").text
    browser.save_screenshot(str(SHOTS / "compose-preview.png"))
    press(browser, "確認")
    assert "確認の結果" in browser.page_source
    assert browser.find_elements(By.CSS_SELECTOR, "section[aria-label='確認の結果'] .preview.pv-x")
    browser.save_screenshot(str(SHOTS / "compose.png"))
    press(browser, "保存して提出")
    assert "承認待ち" in browser.find_element(By.TAG_NAME, "body").text
    # Text from a user is shown, never run.
    assert "<script>alert(1)</script>" in browser.find_element(By.TAG_NAME, "body").text
    post_url = browser.current_url
    # Staff cannot approve: there is no approve button for them.
    assert not browser.find_elements(By.XPATH, "//button[normalize-space()='承認する']")
    logout(browser)

    login(browser, base, "kacho", CHIEF_PASSWORD)
    browser.get(base + "/approvals")
    assert "市民まつり" in browser.find_element(By.TAG_NAME, "body").text
    # The approval queue shows each post as X will show it, the link included.
    queued = browser.find_element(By.CSS_SELECTOR, "article.queued .preview.pv-x")
    assert NENMATSU in queued.text and "@kodaira_tokyo" in queued.text, queued.text
    assert "83 / 280" in queued.text
    browser.save_screenshot(str(SHOTS / "approval-preview.png"))
    browser.get(post_url)
    assert NENMATSU in browser.find_element(By.CSS_SELECTOR, ".preview.pv-x .pv-text").text
    press(browser, "承認する")
    # Approved for now, inside the operating hours, the publisher may already have sent it to the sandbox.
    WebDriverWait(browser, 15).until(lambda d: d.current_url == post_url and any(
        state in d.find_element(By.TAG_NAME, "body").text for state in ["予約済み", "発信中", "発信済み"]))
    history = browser.find_element(By.TAG_NAME, "body").text
    assert "tanaka" in history and "kacho" in history
    # The approval answered with a redirect and a one-time notice; going back shows a page, not
    # 「フォームの再送信の確認」.
    assert "承認しました" in browser.find_element(By.CSS_SELECTOR, "main [role=status]").text
    browser.save_screenshot(str(SHOTS / "approved.png"))
    browser.back()
    WebDriverWait(browser, 10).until(lambda d: d.execute_script("return document.readyState") == "complete")
    assert "ERR_CACHE_MISS" not in browser.page_source
    assert browser.find_element(By.TAG_NAME, "h1").text
    browser.refresh()
    assert "承認しました" not in browser.find_element(By.TAG_NAME, "main").text

    browser.get(base + "/calendar")
    body = browser.find_element(By.TAG_NAME, "body").text
    # Every month has closed days with their reason (a holiday, 年末年始, or a weekend), whatever today is.
    assert "休み（" in body, body
    browser.save_screenshot(str(SHOTS / "calendar.png"))


def test_youtube_video_is_attached_through_the_browser(server, browser, tmp_path):
    base = server["base"]
    added = subprocess.run([KOHO, "users", "add", "yamada", "--role", "staff", "--accounts", "UCp9YZtjCNcG0q3fQ1ln31Xg",
                            "--data-dir", server["data"]], input=STAFF_PASSWORD + "\n", text=True, capture_output=True)
    assert added.returncode == 0, added.stderr
    login(browser, base, "yamada", STAFF_PASSWORD)
    browser.get(base + "/posts/new")
    Select(browser.find_element(By.NAME, "account")).select_by_value("UCp9YZtjCNcG0q3fQ1ln31Xg")
    press(browser, "次へ")
    Select(browser.find_element(By.NAME, "category")).select_by_value("①")
    fill(browser, "title", "小平の紅葉")
    fill(browser, "text", "市内の紅葉を紹介します。")
    press(browser, "下書きとして保存")
    assert "動画ファイルが添付されていません" in browser.find_element(By.TAG_NAME, "body").text

    video = tmp_path / "小平の紅葉 2026.mp4"
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg:
        # A real two-second video: the server's ffprobe reads it and its ffmpeg draws a frame of it.
        made = subprocess.run([ffmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=2:size=320x240:rate=10",
                               "-pix_fmt", "yuv420p", "-y", str(video)], capture_output=True, text=True)
        assert made.returncode == 0, made.stderr
    else:
        def box(kind, body):
            return (8 + len(body)).to_bytes(4, "big") + kind + body
        video.write_bytes(box(b"ftyp", b"mp42" + bytes(4) + b"mp42isom") + box(b"moov", box(b"mvhd", bytes(100)))
                          + box(b"mdat", bytes(range(256)) * 64))
    browser.find_element(By.NAME, "media").send_keys(str(video))
    press(browser, "動画を添付する")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "添付済み: 小平の紅葉 2026.mp4" in body, body
    assert f"{video.stat().st_size:,} バイト" in body, body
    if ffmpeg:
        frame = browser.find_element(By.CSS_SELECTOR, "img.poster")
        WebDriverWait(browser, 10).until(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", frame))
        browser.save_screenshot(str(SHOTS / "video-frame.png"))
    else:
        assert "ffmpeg がないため" in body
    press(browser, "提出する")
    assert "承認待ち" in browser.find_element(By.TAG_NAME, "body").text
    logout(browser)
