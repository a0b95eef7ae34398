"""Finding a browser for the browser tests, and installing one, with fakes: no browser is started."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import sys
import types
from pathlib import Path

import pytest

from . import browsers
from .browsers import (
    DEBIAN_CHROMIUM,
    INSTALL_ADVICE,
    MACOS_CHROME,
    PATH_NAMES,
    BrowserNotFound,
    BrowserSettingInvalid,
    find_browser,
    launch_args,
)

ROOT = Path(__file__).resolve().parents[1]
PLAYWRIGHT_CHROME = "/home/user/.cache/ms-playwright/chromium-1255/chrome-linux64/chrome"


def no_playwright() -> str | None:
    return None


def playwright_not_asked() -> str | None:
    raise AssertionError("Playwright was asked although an earlier step found a browser")


def find(env=None, on_path=None, playwright=no_playwright, files=()):
    """``find_browser`` on a made-up machine: ``on_path`` maps command names to paths."""
    on_path = on_path or {}
    existing = set(files) | set(on_path.values())
    return find_browser(
        env=env or {},
        which=on_path.get,
        playwright_path=playwright,
        exists=existing.__contains__,
    )


# ----------------------------------------------------------------- environment variables


def test_gpnn_browser_comes_first():
    found = find(
        env={"GPNN_BROWSER": "/opt/mine/chrome", "CHROME_BIN": "/usr/bin/google-chrome"},
        on_path={"chromium": "/usr/bin/chromium"},
        playwright=playwright_not_asked,
        files={"/opt/mine/chrome", "/usr/bin/google-chrome", DEBIAN_CHROMIUM},
    )
    assert found == "/opt/mine/chrome"


def test_chrome_bin_is_used_without_gpnn_browser():
    found = find(
        env={"CHROME_BIN": "/usr/bin/google-chrome", "GPNN_BROWSER": "  "},
        on_path={"chromium": "/usr/bin/chromium"},
        playwright=playwright_not_asked,
        files={"/usr/bin/google-chrome"},
    )
    assert found == "/usr/bin/google-chrome"


@pytest.mark.parametrize("var", ["GPNN_BROWSER", "CHROME_BIN"])
def test_a_variable_naming_a_missing_file_is_an_error(var):
    with pytest.raises(BrowserSettingInvalid) as raised:
        find(env={var: "/no/such/chrome"}, on_path={"chromium": "/usr/bin/chromium"}, files={DEBIAN_CHROMIUM})
    message = str(raised.value)
    assert var in message and "/no/such/chrome" in message
    assert isinstance(raised.value, BrowserNotFound)  # one except clause catches both


def test_a_missing_gpnn_browser_is_not_replaced_by_chrome_bin():
    with pytest.raises(BrowserSettingInvalid, match="GPNN_BROWSER"):
        find(
            env={"GPNN_BROWSER": "/no/such/chrome", "CHROME_BIN": "/usr/bin/google-chrome"},
            files={"/usr/bin/google-chrome"},
        )


def test_a_variable_may_name_a_command_on_the_path():
    found = find(env={"CHROME_BIN": "google-chrome"}, on_path={"google-chrome": "/usr/bin/google-chrome"})
    assert found == "/usr/bin/google-chrome"


def test_a_variable_may_name_a_macos_application():
    found = find(env={"GPNN_BROWSER": "/Applications/Google Chrome.app/"}, files={MACOS_CHROME})
    assert found == MACOS_CHROME


def test_a_variable_with_a_tilde_is_expanded():
    home_chrome = os.path.expanduser("~/chrome/chrome")
    assert find(env={"GPNN_BROWSER": "~/chrome/chrome"}, files={home_chrome}) == home_chrome


# -------------------------------------------------------------------------------- the PATH


@pytest.mark.parametrize("name", PATH_NAMES)
def test_each_browser_name_on_the_path_is_found(name):
    path = f"/somewhere/bin/{name}"
    assert find(on_path={name: path}, playwright=playwright_not_asked, files={DEBIAN_CHROMIUM}) == path


def test_path_names_are_tried_in_order():
    on_path = {name: f"/bin/{name}" for name in PATH_NAMES}
    assert find(on_path=on_path) == "/bin/chromium"
    del on_path["chromium"], on_path["chromium-browser"]
    assert find(on_path=on_path) == "/bin/google-chrome"


def test_path_names_include_the_github_runners_chrome():
    assert {"google-chrome", "google-chrome-stable", "chromium", "chromium-browser", "chrome"} == set(PATH_NAMES)


# ------------------------------------------------------------- Playwright, then Debian's


def test_playwrights_browser_comes_before_debians():
    found = find(playwright=lambda: PLAYWRIGHT_CHROME, files={PLAYWRIGHT_CHROME, DEBIAN_CHROMIUM})
    assert found == PLAYWRIGHT_CHROME


def test_playwrights_browser_must_be_downloaded():
    assert find(playwright=lambda: PLAYWRIGHT_CHROME, files={DEBIAN_CHROMIUM}) == DEBIAN_CHROMIUM


def test_debians_chromium_is_the_last_resort():
    assert find(files={DEBIAN_CHROMIUM}) == DEBIAN_CHROMIUM


def test_nothing_found_says_what_to_install():
    with pytest.raises(BrowserNotFound) as raised:
        find(playwright=lambda: PLAYWRIGHT_CHROME)
    message = str(raised.value)
    assert not isinstance(raised.value, BrowserSettingInvalid)
    assert "sudo apt-get install chromium" in message
    assert "python -m playwright install chromium" in message
    assert "GPNN_BROWSER" in message
    assert "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome" in message
    assert all(name in message for name in PATH_NAMES)


# ------------------------------------------------------------ asking Playwright, cheaply


def fake_playwright(monkeypatch, executable_path=PLAYWRIGHT_CHROME, fails=False):
    """Replace ``playwright.sync_api`` by a fake; returns the list of times it was started."""
    started = []

    @contextlib.contextmanager
    def sync_playwright():
        started.append(True)
        if fails:
            raise RuntimeError("the driver did not start")
        yield types.SimpleNamespace(chromium=types.SimpleNamespace(executable_path=executable_path))

    monkeypatch.setitem(sys.modules, "playwright", types.ModuleType("playwright"))
    monkeypatch.setitem(sys.modules, "playwright.sync_api", types.SimpleNamespace(sync_playwright=sync_playwright))
    return started


def test_playwright_is_asked_for_its_chromium(monkeypatch, tmp_path):
    started = fake_playwright(monkeypatch)
    assert browsers.playwright_chromium({"PLAYWRIGHT_BROWSERS_PATH": str(tmp_path)}) == PLAYWRIGHT_CHROME
    assert started == [True]


def test_playwright_is_not_started_without_its_browser_folder(monkeypatch, tmp_path):
    started = fake_playwright(monkeypatch)
    assert browsers.playwright_chromium({"PLAYWRIGHT_BROWSERS_PATH": str(tmp_path / "none")}) is None
    assert started == []


def test_playwright_browsers_inside_the_package_are_asked_for(monkeypatch):
    started = fake_playwright(monkeypatch)
    assert browsers.playwright_chromium({"PLAYWRIGHT_BROWSERS_PATH": "0"}) == PLAYWRIGHT_CHROME
    assert started == [True]


def test_a_failing_playwright_driver_means_no_playwright_browser(monkeypatch, tmp_path):
    fake_playwright(monkeypatch, fails=True)
    assert browsers.playwright_chromium({"PLAYWRIGHT_BROWSERS_PATH": str(tmp_path)}) is None


def test_without_playwright_there_is_no_playwright_browser(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)  # makes the import fail
    assert browsers.playwright_chromium({"PLAYWRIGHT_BROWSERS_PATH": str(tmp_path)}) is None


@pytest.mark.skipif(sys.platform != "linux", reason="Linux's default folder")
def test_playwrights_default_folder_on_linux(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert browsers._playwright_browsers_dir({}) == tmp_path / ".cache" / "ms-playwright"
    assert browsers._playwright_browsers_dir({"XDG_CACHE_HOME": "/x"}) == Path("/x/ms-playwright")


# -------------------------------------------------------------------------- launch flags


def test_root_runs_chromium_without_its_sandbox():
    assert launch_args(lambda: 0)[0] == "--no-sandbox"


@pytest.mark.parametrize("geteuid", [lambda: 1000, None], ids=["user", "no-geteuid"])
def test_others_keep_the_sandbox(geteuid):
    assert "--no-sandbox" not in launch_args(geteuid)


@pytest.mark.parametrize("geteuid", [lambda: 0, lambda: 1000])
def test_chromium_stays_off_the_network_at_start(geteuid):
    args = launch_args(geteuid)
    for flag in (
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ):
        assert flag in args


def test_launch_args_follow_the_current_user():
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    assert ("--no-sandbox" in browsers.LAUNCH_ARGS) == as_root


# ------------------------------------------------------------------- as a script, for CI


@pytest.mark.parametrize(
    ("error", "status"),
    [(None, 0), (BrowserSettingInvalid("GPNN_BROWSER is wrong"), 2), (BrowserNotFound("none"), 3)],
)
def test_main_reports_by_exit_status(monkeypatch, capsys, error, status):
    def fake_find():
        if error:
            raise error
        return "/usr/bin/chromium"

    monkeypatch.setattr(browsers, "find_browser", fake_find)
    assert browsers.main() == status
    out, err = capsys.readouterr()
    assert (out.strip(), err.strip()) == (("/usr/bin/chromium", "") if error is None else ("", str(error)))


# ----------------------------------------------------------------- tools/install-browser.sh


def executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


class Machine:
    """A made-up machine for tools/install-browser.sh: fake python, id, sudo and apt-get.

    The real commands it needs (cat, env, ...) are linked into a folder that is the whole PATH,
    so nothing outside it is run, and the fakes write down how they were called.
    """

    def __init__(self, tmp_path: Path, *, finder_status: int, uid: int = 1000, sudo: str | None = None, apt=True):
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        self.log = tmp_path / "log"
        self.log.touch()
        for tool in ("cat", "dirname", "env", "mktemp", "rm", "touch", "true"):
            real = shutil.which(tool)
            assert real, tool
            (self.bin / tool).symlink_to(real)

        def log(name: str) -> str:
            return f'echo "{name} $* DEBIAN_FRONTEND=${{DEBIAN_FRONTEND:-}}" >> {self.log}'

        after_install = tmp_path / "installed"
        # The finder reports `finder_status` until apt-get has installed chromium.
        self.python = executable(
            tmp_path / "python",
            f"#!/bin/sh\n{log('python')}\nif [ -e {after_install} ]; then echo /usr/bin/chromium; exit 0; fi\n"
            f"[ {finder_status} -eq 0 ] && echo /opt/found/chrome\n"
            f"[ {finder_status} -eq 2 ] && echo 'GPNN_BROWSER is set to /x, which does not exist' >&2\n"
            f"exit {finder_status}\n",
        )
        executable(self.bin / "id", f"#!/bin/sh\necho {uid}\n")
        # Either sudo is written down; a call without -n (which could prompt) fails the tests.
        if sudo == "password":
            executable(self.bin / "sudo", f"#!/bin/sh\n{log('sudo')}\nexit 1\n")
        elif sudo == "passwordless":
            executable(self.bin / "sudo", f'#!/bin/sh\n{log("sudo")}\n[ "$1" = -n ] || exit 1\nshift\nexec "$@"\n')
        if apt:
            executable(
                self.bin / "apt-get",
                f'#!/bin/sh\n{log("apt-get")}\ncase "$*" in *install*) touch {after_install};; esac\n',
            )

    def run(self, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["/bin/bash", str(ROOT / "tools" / "install-browser.sh"), str(self.python)],
            env={"PATH": str(self.bin), "HOME": str(self.bin.parent), **env},
            capture_output=True,
            text=True,
            timeout=60,
        )

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines()


def apt_calls(machine: Machine) -> list[str]:
    return [call for call in machine.calls() if call.startswith("apt-get")]


def test_script_does_nothing_when_a_browser_is_found(tmp_path):
    machine = Machine(tmp_path, finder_status=0, uid=0)
    completed = machine.run()
    assert completed.returncode == 0, completed.stderr
    assert "/opt/found/chrome" in completed.stdout
    assert apt_calls(machine) == []


def test_script_installs_debians_chromium_as_root(tmp_path):
    machine = Machine(tmp_path, finder_status=3, uid=0)
    completed = machine.run()
    assert completed.returncode == 0, completed.stderr
    assert apt_calls(machine) == [
        "apt-get update -qq DEBIAN_FRONTEND=noninteractive",
        "apt-get install -y -qq chromium DEBIAN_FRONTEND=noninteractive",
    ]
    assert "Browser for the tests: /usr/bin/chromium" in completed.stdout


def test_script_uses_sudo_only_without_a_password(tmp_path):
    machine = Machine(tmp_path, finder_status=3, sudo="passwordless")
    completed = machine.run()
    assert completed.returncode == 0, completed.stderr
    sudo_calls = [call for call in machine.calls() if call.startswith("sudo")]
    assert sudo_calls and all(call.startswith("sudo -n ") for call in sudo_calls)
    assert [call.split(" DEBIAN")[0] for call in apt_calls(machine)] == [
        "apt-get update -qq",
        "apt-get install -y -qq chromium",
    ]


@pytest.mark.parametrize("sudo", ["password", None], ids=["sudo-asks-for-a-password", "no-sudo"])
def test_script_never_asks_for_a_password_and_says_what_to_install(tmp_path, sudo):
    machine = Machine(tmp_path, finder_status=3, sudo=sudo)
    completed = machine.run()
    assert completed.returncode == 0  # the test run goes on; the browser tests then explain
    assert apt_calls(machine) == []
    assert all(call.startswith("sudo -n") for call in machine.calls() if call.startswith("sudo"))
    assert INSTALL_ADVICE in completed.stderr


def test_script_without_apt_get_says_what_to_install(tmp_path):
    machine = Machine(tmp_path, finder_status=3, uid=0, apt=False)
    completed = machine.run()
    assert completed.returncode == 0
    assert INSTALL_ADVICE in completed.stderr


def test_script_installs_nothing_when_a_variable_is_wrong(tmp_path):
    machine = Machine(tmp_path, finder_status=2, uid=0)
    completed = machine.run()
    assert completed.returncode == 0
    assert apt_calls(machine) == []
    assert "GPNN_BROWSER is set to /x" in completed.stderr


def test_script_searches_in_shell_without_python(tmp_path):
    machine = Machine(tmp_path, finder_status=3, uid=0)
    machine.python.unlink()
    browser = executable(tmp_path / "my-chrome", "#!/bin/sh\n")
    completed = machine.run(CHROME_BIN=str(browser))
    assert completed.returncode == 0, completed.stderr
    assert f"Browser for the tests: {browser}" in completed.stdout
    assert apt_calls(machine) == []


def test_script_gives_the_same_advice_as_the_tests():
    script = (ROOT / "tools" / "install-browser.sh").read_text()
    heredoc = script.split("<<'EOF'\n", 1)[1].split("\nEOF\n", 1)[0]
    assert heredoc == INSTALL_ADVICE
