"""Which Chrome or Chromium the browser tests drive, and the flags they launch it with.

``find_browser()`` looks, in this order, at:

1. ``$GPNN_BROWSER``, then ``$CHROME_BIN`` (GitHub's ubuntu runners set ``CHROME_BIN`` to their
   preinstalled Google Chrome); a variable naming a file that does not exist is an error;
2. ``chromium``, ``chromium-browser``, ``google-chrome``, ``google-chrome-stable`` and ``chrome``
   on the ``PATH``;
3. the Chromium that ``python -m playwright install chromium`` downloads, if it is on disk;
4. Debian's ``/usr/bin/chromium``, which ``tools/install-browser.sh`` installs.

Run as a script (``python tests/browsers.py``) it prints the browser's path, or explains what to
install and exits with status 3 (nothing found) or 2 (a variable names a missing file).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

ENV_VARS = ("GPNN_BROWSER", "CHROME_BIN")
PATH_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
DEBIAN_CHROMIUM = "/usr/bin/chromium"
MACOS_CHROME = "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"

INSTALL_ADVICE = "\n".join(
    [
        "Install one of these, or point GPNN_BROWSER at a Chrome or Chromium you already have:",
        "  - Debian: sudo apt-get install chromium   (what tools/install-browser.sh does)",
        "    On Ubuntu that installs a snap, which Playwright may fail to launch: prefer Google Chrome",
        "    (google-chrome-stable) or Playwright's Chromium there.",
        "  - any system, with Playwright: python -m playwright install chromium",
        "    (in this project's virtualenv: .venv/bin/python -m playwright install chromium)",
        "  - an existing browser: export GPNN_BROWSER=/path/to/chrome, for example on macOS",
        f'    export GPNN_BROWSER="{MACOS_CHROME}"',
    ]
)


class BrowserNotFound(RuntimeError):  # noqa: N818 (the name says what happened)
    """No Chrome or Chromium browser was found; the message says what to install."""


class BrowserSettingInvalid(BrowserNotFound):
    """``GPNN_BROWSER`` or ``CHROME_BIN`` names a browser that does not exist."""


def _playwright_browsers_dir(env: Mapping[str, str]) -> Path | None:
    """Where ``playwright install`` puts browsers, or None if it is inside the package."""
    configured = env.get("PLAYWRIGHT_BROWSERS_PATH", "")
    if configured == "0":
        return None
    if configured:
        return Path(configured).expanduser()
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "ms-playwright"
    if sys.platform == "win32":
        return Path(env.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "ms-playwright"
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ms-playwright"


def playwright_chromium(env: Mapping[str, str] = os.environ) -> str | None:
    """The path of Playwright's own Chromium (it may not be downloaded), or None.

    Asking Playwright starts its driver process (about a second), never a browser; that is
    skipped when Playwright is not installed or its browser folder does not exist.
    """
    browsers_dir = _playwright_browsers_dir(env)
    if browsers_dir is not None and not browsers_dir.is_dir():
        return None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    try:
        with sync_playwright() as playwright:
            path: str = playwright.chromium.executable_path
    except Exception:  # no driver, or called inside a running event loop: no Playwright browser
        return None
    return path


def find_browser(
    env: Mapping[str, str] = os.environ,
    which: Callable[[str], str | None] = shutil.which,
    playwright_path: Callable[[], str | None] = playwright_chromium,
    exists: Callable[[str], bool] = os.path.exists,
) -> str:
    """The path of the Chrome or Chromium to test with; see the module docstring for the order.

    Raises
    ------
    BrowserSettingInvalid
        If ``GPNN_BROWSER`` (or, without it, ``CHROME_BIN``) names a file that does not exist.
    BrowserNotFound
        If no browser is found anywhere; the message says what to install.
    """
    for var in ENV_VARS:
        value = env.get(var, "").strip()
        if not value:
            continue
        path = os.path.expanduser(value)
        if os.sep not in path and not (os.altsep and os.altsep in path):
            path = which(path) or path  # a command name such as CHROME_BIN=google-chrome
        if path.rstrip("/").endswith(".app"):  # a macOS application bundle: its executable
            bundle = path.rstrip("/")
            path = f"{bundle}/Contents/MacOS/{os.path.basename(bundle)[: -len('.app')]}"
        if exists(path):
            return path
        raise BrowserSettingInvalid(
            f"{var} is set to {value!r}, but {path} does not exist. "
            f"Set {var} to the full path of a Chrome or Chromium executable, or unset it.\n{INSTALL_ADVICE}"
        )
    for name in PATH_NAMES:
        found = which(name)
        if found:
            return found
    managed = playwright_path()
    if managed and exists(managed):
        return managed
    if exists(DEBIAN_CHROMIUM):
        return DEBIAN_CHROMIUM
    raise BrowserNotFound(
        "No Chrome or Chromium found for the browser tests. Looked at: $GPNN_BROWSER, $CHROME_BIN, "
        f"{', '.join(PATH_NAMES)} on the PATH, Playwright's own Chromium, {DEBIAN_CHROMIUM}.\n{INSTALL_ADVICE}"
    )


_GETEUID: Callable[[], int] | None = getattr(os, "geteuid", None)  # absent on Windows


def launch_args(geteuid: Callable[[], int] | None = _GETEUID) -> list[str]:
    """Chromium's command-line flags for the tests.

    ``--no-sandbox`` only as root, where Chromium refuses to start with its sandbox. The
    background-networking, component-update and sync flags keep it from reaching for the
    network at start, which fails or hangs on machines without internet access.
    """
    as_root = geteuid is not None and geteuid() == 0
    return [
        *(["--no-sandbox"] if as_root else []),
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]


LAUNCH_ARGS = launch_args()


def main() -> int:
    """Print the browser's path (status 0), or why there is none (status 2 or 3)."""
    try:
        print(find_browser())
    except BrowserSettingInvalid as error:
        print(error, file=sys.stderr)
        return 2
    except BrowserNotFound as error:
        print(error, file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
