"""Headless Chromium for the browser tests: Debian's ``chromium`` package driven by Playwright.

Playwright's own browser download (``playwright install``) is never used: it cannot run on a
fresh CI machine without network access to its CDN, and the distribution's Chromium can.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

CHROMIUM = os.environ.get("DW_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOW_TO_GET_ONE = (
    "browser tests need Chromium: `apt-get install chromium` (Debian/Ubuntu, as root) and the "
    "`playwright` package (installed by `make test`); `.ci/run` installs both"
)


def missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return f"playwright is not installed: {HOW_TO_GET_ONE}"
    if not os.path.exists(CHROMIUM):
        return f"no Chromium at {CHROMIUM}: {HOW_TO_GET_ONE}"
    return None


@contextmanager
def chromium() -> Iterator[BrowserContext]:
    """A fresh browser profile in a temporary directory, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix="dw-chromium-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=ARGS
        )
        try:
            yield context
        finally:
            context.close()
