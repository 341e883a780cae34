"""The staff pages with real volumes (issue 23): about 230 posts and 1,000 residents' comments, as a city office has
them after a few months. At 1366×900 the chief's dashboard and 承認待ち stay under 3,000 px, and axe-core finds no
violation on any page the chief opens (some findings only appear with several posts per platform).

Run after `swift build`: `python3 -m pytest Tests/browser`.
"""
import json
import subprocess
import time
import urllib.request

from selenium.webdriver.common.by import By

from axe_check import assert_accessible
from conftest import KOHO
from test_browser import login, press, server  # noqa: F401 (fixture)

CHIEF = ("kacho", "kacho-password-2026")
STAFF = ("tanaka", "tanto-password-2026")
FB_STAFF = ("sato", "sato-password-2026")
SOURCE = "https://www.city.kodaira.tokyo.jp/bousai/hinan.html"
MAX_HEIGHT = 3000


def cli(server, *args, stdin=None):
    done = subprocess.run([KOHO, *args, "--data-dir", server["data"]], input=stdin, text=True, capture_output=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def api(server, token, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(server["base"] + "/api/v1" + path, data=data, method=method,
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as res:
        return json.loads(res.read() or b"null")


def sandbox_json(url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"} if data else {})
    with urllib.request.urlopen(req, timeout=10) as res:
        return json.loads(res.read())


def height(driver):
    return driver.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")


def test_pages_stay_short_and_accessible_with_real_volumes(server, browser):  # noqa: F811
    for (name, password), role, accounts in [(CHIEF, "chief", None), (STAFF, "staff", "kodaira_tokyo"),
                                             (FB_STAFF, "staff", "koho.kodairacity")]:
        cli(server, "users", "add", name, "--role", role, *(["--accounts", accounts] if accounts else []), stdin=password + "\n")
    staff = cli(server, "tokens", "create", STAFF[0], "--label", "volume").strip().splitlines()[-1]
    fb = cli(server, "tokens", "create", FB_STAFF[0], "--label", "volume").strip().splitlines()[-1]
    chief = cli(server, "tokens", "create", CHIEF[0], "--label", "volume").strip().splitlines()[-1]

    # 230 posts: 80 waiting for the chief, 50 drafts, the rest saved and left; then an emergency on Facebook that goes
    # out at once, for residents to answer.
    for i in range(230):
        post = api(server, staff, "POST", "/posts", {"account": "kodaira_tokyo", "category": "ウ",
                                                      "text": f"市民まつりのお知らせ（第{i}回）。会場は小平中央公園です。"})
        if i < 80:
            api(server, staff, "POST", f"/posts/{post['id']}/submit")
    emergency = api(server, fb, "POST", "/posts", {
        "account": "koho.kodairacity", "category": "①", "text": "【緊急】市内に避難指示を発令しました。", "sourceURL": SOURCE,
        "emergency": True, "emergencyReason": "大雨による避難指示", "articleOrigin": "website"})
    if api(server, fb, "POST", f"/posts/{emergency['id']}/submit")["state"] == "submitted":
        api(server, chief, "POST", f"/posts/{emergency['id']}/approve")
    deadline = time.time() + 60
    published = None
    while time.time() < deadline and not published:
        published = next((p for p in sandbox_json(server["sandbox"] + "/_sandbox/posts")
                          if p["platform"] == "facebook" and "避難指示" in p["text"]), None)
        time.sleep(0.5)
    assert published, "the emergency was not published to the sandbox"
    for i in range(1000):
        text = "避難所はどこですか" if i % 3 == 0 else ("市の対応が遅すぎる" if i % 3 == 1 else f"情報ありがとうございます {i}")
        sandbox_json(server["sandbox"] + "/_sandbox/comments", {"postId": published["id"], "text": text, "author": f"市民{i}"})

    login(browser, server["base"], *CHIEF)
    browser.set_window_size(1366, 900)
    browser.get(server["base"] + "/comments")
    press(browser, "コメントを今すぐ受信する")
    for path, name in [("/", "dashboard"), ("/approvals", "approvals"), ("/posts", "posts"), ("/comments", "comments"),
                       ("/calendar", "calendar"), ("/audit", "audit"), ("/accounts", "accounts"), ("/users", "users"),
                       ("/disaster", "disaster"), ("/notices", "notices"), ("/impersonation", "impersonation")]:
        browser.get(server["base"] + path)
        assert_accessible(browser, f"volume-{name}")
        if name in ("dashboard", "approvals"):
            h = height(browser)
            assert h < MAX_HEIGHT, f"{path} is {h} px tall at 1366×900 (at most {MAX_HEIGHT})"
    browser.get(server["base"] + "/approvals")
    main = browser.find_element(By.TAG_NAME, "main").text
    assert "80件" in main, main[:300]
