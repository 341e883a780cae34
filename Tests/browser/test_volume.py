"""The staff pages with real volumes (issue 23): about 230 posts and 1,000 residents' comments, as a city office has
them after a few months. The same data is walked as the chief, as a staff member and as a viewer, and the public
pages once: axe-core on every page each role reaches, a screenshot of each (screenshots/volume-<role>-<page>.png), each
page's height at 1366×900 (the dashboard and 承認待ち under 3,000 px), and the issue's visible points on the way: the
sandbox banner on every staff page, at most one primary button, dates in 和暦 with full-width brackets and no ISO
timestamp, no code words outside <details>, hashes cut to 12 characters, menus by role, and no form that changes
anything for a viewer.

Run after `swift build`: `python3 -m pytest Tests/browser/test_volume.py`.
"""
import json
import re
import subprocess
import time
import urllib.request

import pytest
from selenium.webdriver.common.by import By

from axe_check import assert_accessible, violations
from conftest import KOHO, SHOTS
from test_browser import login, logout, press, server  # noqa: F401 (fixture)

CHIEF = ("kacho", "kacho-password-2026")
STAFF = ("tanaka", "tanto-password-2026")
FB_STAFF = ("sato", "sato-password-2026")
VIEWER = ("kansa", "kansa-password-2026")
SOURCE = "https://www.city.kodaira.tokyo.jp/bousai/hinan.html"
MAX_HEIGHT = 3000
SANDBOX = "サンドボックス（実際には発信されません）"

# Words of Koho's code that a person should never read outside the technical details.
CODE_WORDS = [re.compile(r"\bdraft\b"), re.compile(r"mail\.sent"), re.compile(r"\bsystem\b"), re.compile(r"intake:")]
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
HALF_WIDTH_DATE = re.compile(r"\d+月\d+日\([月火水木金土日]\)")
ERA_DATE = re.compile(r"令和\d+年\d+月\d+日（[月火水木金土日]）")
# A hex run with a letter in it (a platform's numeric id is not a hash).
LONG_HASH = re.compile(r"(?<![0-9a-f])(?=[0-9]*[a-f])[0-9a-f]{13,}(?![0-9a-f])")
# The visible text as laid out (cells apart), without what sits behind <details> (where technical detail may be).
VISIBLE_TEXT = """
var ds = Array.prototype.slice.call(document.querySelectorAll('details'));
var was = ds.map(function (d) { return d.style.display; });
ds.forEach(function (d) { d.style.display = 'none'; });
var text = document.body.innerText;
ds.forEach(function (d, i) { d.style.display = was[i]; });
return text;
"""


def cli(server, *args, stdin=None):
    done = subprocess.run([KOHO, *args, "--data-dir", server["data"]], input=stdin, text=True, capture_output=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def api(server, token, method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(server["base"] + "/api/v1" + path, data=data, method=method,
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req, timeout=30) as res:
        return json.loads(res.read() or b"null")


def sandbox_json(url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"} if data else {})
    with urllib.request.urlopen(req, timeout=10) as res:
        return json.loads(res.read())


def height(driver):
    return driver.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")


@pytest.fixture(scope="module")
def volume(server):  # noqa: F811
    """Four people, 230 posts (80 waiting for the chief, an emergency that went out on Facebook), 1,000 comments on it
    fetched into Koho, a published notice; what the walks open."""
    for (name, password), role, accounts in [(CHIEF, "chief", None), (STAFF, "staff", "kodaira_tokyo"),
                                             (FB_STAFF, "staff", "koho.kodairacity"), (VIEWER, "viewer", None)]:
        cli(server, "users", "add", name, "--role", role, *(["--accounts", accounts] if accounts else []), stdin=password + "\n")
    staff = cli(server, "tokens", "create", STAFF[0], "--label", "volume").strip().splitlines()[-1]
    fb = cli(server, "tokens", "create", FB_STAFF[0], "--label", "volume").strip().splitlines()[-1]
    chief = cli(server, "tokens", "create", CHIEF[0], "--label", "volume").strip().splitlines()[-1]

    posts = []
    for i in range(230):
        post = api(server, staff, "POST", "/posts", {"account": "kodaira_tokyo", "category": "ウ",
                                                      "text": f"市民まつりのお知らせ（第{i}回）。会場は小平中央公園です。"})
        posts.append(post["id"])
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
    notice = api(server, chief, "POST", "/notices", {"kind": "impersonation", "account": "kodaira_tokyo",
                                                     "title": "小平市を名乗る偽のXアカウントにご注意ください",
                                                     "body": "「@kodaira__tokyo」は市のアカウントではありません。"})
    notice = api(server, chief, "POST", f"/notices/{notice['id']}/publish", headers={"If-Match": f'"{notice["version"]}"'})
    return {"waiting": posts[0], "emergency": emergency["id"], "notice": notice["id"]}


def check_page(browser, role, page):
    """The issue's visible points and axe-core on the page as it stands: its height and text, and what is wrong."""
    name = f"volume-{role}-{page}"
    problems = []
    text = browser.execute_script(VISIBLE_TEXT)
    if "操作できません" in browser.title or "見つかりません" in browser.title:
        problems.append(f"an error page: {browser.title}")
    if SANDBOX not in browser.find_element(By.TAG_NAME, "header").text:
        problems.append("no sandbox banner")
    primaries = browser.find_elements(By.CSS_SELECTOR, "button.primary")
    if len(primaries) > 1:
        problems.append(f"{len(primaries)} primary buttons: {[b.text for b in primaries]}")
    for pattern, what in [(w, "code word") for w in CODE_WORDS] + [(ISO_TIME, "machine time"),
                                                                   (HALF_WIDTH_DATE, "date with half-width brackets"),
                                                                   (LONG_HASH, "hash longer than 12 characters")]:
        m = pattern.search(text)
        if m:
            problems.append(f"{what} «{m.group(0)}» in «{text[max(0, m.start() - 40):m.end() + 40]}»")
    nav = browser.find_element(By.CSS_SELECTOR, "nav[aria-label=メインメニュー]").text.split("\n")
    if role != "chief":
        problems += [f"{item} in the menu" for item in ["承認待ち", "利用者", "災害モード"] if item in nav]
        problems += [f"a link to {href}" for href in ["/approvals", "/users", "/disaster"]
                     if browser.find_elements(By.CSS_SELECTOR, f'main a[href="{href}"]')]
    if role == "viewer":
        changing = [f.get_attribute("action") for f in browser.find_elements(By.CSS_SELECTOR, "form[method=post]")
                    if not f.get_attribute("action").endswith("/logout")]
        if changing:
            problems.append(f"forms that change something: {changing}")
    h = height(browser)
    browser.save_screenshot(str(SHOTS / f"{name}.png"))
    problems += [f"axe: {v}" for v in violations(browser)]
    return h, text, [f"{name}: {p}" for p in problems]


def walk(browser, server, volume, role, who, pages):
    login(browser, server["base"], *who)
    browser.set_window_size(1366, 900)
    heights, problems = {}, []
    for page, path in pages:
        browser.get(server["base"] + path)
        heights[page], text, found = check_page(browser, role, page)
        problems += found
        if page in ("dashboard", "posts", "post", "audit") and not ERA_DATE.search(text):
            problems.append(f"volume-{role}-{page}: no date in 和暦 with full-width brackets")
    for page in ("dashboard", "approvals"):
        if page in heights and heights[page] >= MAX_HEIGHT:
            problems.append(f"{role}'s {page} is {heights[page]} px tall at 1366×900 (at most {MAX_HEIGHT})")
    print(f"{role}: " + ", ".join(f"{p} {h} px" for p, h in heights.items()))
    logout(browser)
    assert not problems, "\n".join(problems)
    return heights


def first_comment(browser, base):
    browser.get(base + "/comments")
    link = browser.find_element(By.CSS_SELECTOR, "main a[href^='/comments/']:not([href*='?'])")
    return link.get_attribute("href").removeprefix(base)


def common_pages(volume):
    return [("dashboard", "/"), ("posts", "/posts"), ("post", f"/posts/{volume['waiting']}"),
            ("emergency", f"/posts/{volume['emergency']}"), ("calendar", "/calendar"),
            ("audit", "/audit?action=post.submit"), ("notices", "/notices"), ("notice", f"/notices/{volume['notice']}"),
            ("accounts", "/accounts"), ("impersonation", "/impersonation"), ("reports", "/reports/comments")]


def test_the_chief_walks_every_page(server, browser, volume):  # noqa: F811
    login(browser, server["base"], *CHIEF)
    browser.get(server["base"] + "/comments")
    press(browser, "コメントを今すぐ受信する")
    comment = first_comment(browser, server["base"])
    logout(browser)
    walk(browser, server, volume, "chief", CHIEF, common_pages(volume) + [
        ("compose", "/posts/new?account=kodaira_tokyo"), ("approvals", "/approvals"), ("approvals-2", "/approvals?page=2"),
        ("comments", "/comments"), ("comment", comment), ("users", "/users"), ("disaster", "/disaster"),
        ("policy", "/policy")])
    login(browser, server["base"], *CHIEF)
    browser.get(server["base"] + "/approvals")
    main = browser.find_element(By.TAG_NAME, "main").text
    assert "80件" in main, main[:300]
    logout(browser)


def test_a_staff_member_walks_what_they_may_do(server, browser, volume):  # noqa: F811
    login(browser, server["base"], *STAFF)
    comment = first_comment(browser, server["base"])
    logout(browser)
    walk(browser, server, volume, "staff", STAFF, common_pages(volume) + [
        ("compose", "/posts/new?account=kodaira_tokyo"), ("comments", "/comments"), ("comment", comment)])


def test_a_viewer_reads_and_changes_nothing(server, browser, volume):  # noqa: F811
    login(browser, server["base"], *VIEWER)
    comment = first_comment(browser, server["base"])
    logout(browser)
    walk(browser, server, volume, "viewer", VIEWER, common_pages(volume) + [("comments", "/comments"), ("comment", comment)])


def test_the_public_pages(server, browser, volume):  # noqa: F811
    browser.set_window_size(1366, 900)
    browser.get(server["base"] + "/public/notices")
    notice = browser.find_element(By.CSS_SELECTOR, "main a[href^='/public/notices/']").get_attribute("href")
    assert re.search(r"/public/notices/\d{4}-\d{2}-\d{2}-impersonation-kodaira_tokyo$", notice), notice
    for page, path in [("index", "/public/"), ("policy", "/public/policy"), ("rules", "/public/policy/rules"),
                       ("accounts", "/public/accounts"), ("notices", "/public/notices"), ("notice", notice.removeprefix(server["base"])),
                       ("disclaimer", "/public/disclaimer")]:
        browser.get(server["base"] + path)
        text = browser.execute_script(VISIBLE_TEXT)
        assert SANDBOX not in text, f"public {page}: the staff's sandbox banner"
        assert not ISO_TIME.search(text), f"public {page}: machine time"
        assert_accessible(browser, f"volume-public-{page}")
    # The old address by id moves to the readable one.
    browser.get(server["base"] + f"/public/notices/{volume['notice']}")
    assert browser.current_url == notice, browser.current_url
