"""The test harness's own parts: work that the test processes of one run share."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASK = """
import sys, time
from pathlib import Path

from tests.conftest import once_per_run

folder, run = Path(sys.argv[1]), sys.argv[2]


def action():
    with (folder / "calls").open("a") as calls:
        calls.write(run + "\\n")
    time.sleep(1)  # long enough for the other processes to be waiting on the lock
    return "result of " + run


print(once_per_run("thing", run, action, folder=folder))
"""


def _ask_at_once(folder: Path, run: str, processes: int) -> list[str]:
    asking = [
        subprocess.Popen([sys.executable, "-c", ASK, str(folder), run], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    return [process.communicate(timeout=120)[0].strip() for process in asking]


def test_once_per_run_calls_its_action_once_per_run_across_processes(tmp_path):
    assert _ask_at_once(tmp_path, "run-1", 3) == ["result of run-1"] * 3
    assert (tmp_path / "calls").read_text().split() == ["run-1"]
    # The next run does the work again, once.
    assert _ask_at_once(tmp_path, "run-2", 2) == ["result of run-2"] * 2
    assert (tmp_path / "calls").read_text().split() == ["run-1", "run-2"]
