"""axe-core in the browser tests: the engine file from the PyPI package `axe-playwright-python` (a recent axe-core,
installed with --no-deps: only its JavaScript is used, not Playwright), run through Selenium.

    from axe_check import assert_accessible
    assert_accessible(driver, "page-name")   # screenshot in ./screenshots, then no axe violation allowed
"""
import importlib.util
import pathlib

SHOTS = pathlib.Path(__file__).resolve().parents[2] / "screenshots"


def axe_source():
    spec = importlib.util.find_spec("axe_playwright_python")
    assert spec and spec.submodule_search_locations, "pip install --no-deps axe-playwright-python (CI does)"
    return (pathlib.Path(list(spec.submodule_search_locations)[0]) / "axe.min.js").read_text(encoding="utf-8")


def violations(driver):
    """axe-core's violations on the page as it stands (all rules axe runs by default: WCAG 2.0/2.1/2.2 A and AA, and
    its best practices)."""
    driver.set_script_timeout(60)
    driver.execute_script(axe_source())
    results = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document).then(function (r) { done(r.violations); })"
        ".catch(function (e) { done([{id: 'axe-error', impact: String(e), help: '', nodes: []}]); });")
    return [f'{v["id"]} ({v["impact"]}): {v["help"]} — {[(n["target"], n.get("html", "")[:120]) for n in v["nodes"]][:3]}'
            for v in results]


def assert_accessible(driver, name):
    SHOTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))
    problems = violations(driver)
    assert not problems, f"{name}: " + "; ".join(problems)
