"""What the browser tests share: where `koho` is, a free port, starting `koho serve`, and one headless Chromium per
test module (axe-core is in axe_check.py)."""
import os
import pathlib
import socket
import subprocess
import time

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

ROOT = pathlib.Path(__file__).resolve().parents[2]
KOHO = os.environ.get("KOHO_BIN", str(ROOT / ".build" / "debug" / "koho"))
SHOTS = ROOT / "screenshots"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_koho(data, port, on_line=None):
    """`koho serve` on `port` with its data in `data`, in New York time (the pages must still speak Tokyo time);
    returns the process once it accepts connections. `on_line` sees each line printed until the server has started (the
    address, the platforms with the embedded sandbox's address, and the framed one-time setup link)."""
    env = dict(os.environ, TZ="America/New_York")
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen([KOHO, "serve", "--port", str(port), "--data-dir", data],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    deadline = time.time() + 120
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if on_line:
            on_line(line)
        # The setup link comes last, framed, after the lines that name the address and the platforms.
        if "Server started" in line:
            break
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return proc


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1400", "--lang=ja-JP"]:
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
    driver.set_page_load_timeout(60)
    SHOTS.mkdir(exist_ok=True)
    yield driver
    driver.quit()
