"""Headless Chromium for the page tests: offline, with request and console logs, downloads to a folder."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run")
SIZES = {"phone": (390, 844), "tablet": (820, 1180), "laptop": (1440, 900)}


def chromium(size=(1500, 950), downloads: Path | None = None, offline: bool = True):
    """A Chromium with the project's flags, logging requests and console, the network emulated off
    unless `offline` is False (a page served from this machine); returns (driver, profile dir to remove)."""
    from selenium import webdriver
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    profile = tempfile.mkdtemp(prefix="pcmh-chrome-")
    for arg in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=webdriver.ChromeService(shutil.which("chromedriver")), options=opts)
    driver.execute_cdp_cmd("Network.enable", {})
    if offline:
        driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                               {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0})
    if downloads is not None:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    return driver, profile


def set_size(driver, width: int, height: int) -> None:
    """The page's viewport exactly width x height (the window has chrome around it)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500})


def open_page(driver, url: str, timeout: float = 30):
    driver.get_log("performance")  # drop earlier entries
    driver.get(url)
    deadline = time.monotonic() + timeout
    while not driver.execute_script("return document.body && document.body.dataset.ready === '1'"):
        assert time.monotonic() < deadline, "the explorer never became ready"
        time.sleep(0.05)
    return driver


def requested_urls(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    return urls


def severe_console(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
