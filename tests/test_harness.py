"""The test harness's own parts: work that the test processes of one run share."""

import subprocess
import sys
from pathlib import Path

from .shared import ROOT

# One process asking: it waits until all the others have started, so that they ask at once.
ASK = """
import sys, time
from pathlib import Path

from tests.shared import once_per_run

folder, run, processes, outcome = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
(folder / f"started-{run}-{time.monotonic_ns()}").touch()
while len(list(folder.glob(f"started-{run}-*"))) < processes:
    time.sleep(0.01)


def action():
    with (folder / "calls").open("a") as calls:
        calls.write(run + "\\n")
    time.sleep(0.5)  # the others are waiting on the lock meanwhile
    if outcome == "raise":
        raise ValueError("no luck")
    return "result of " + run


print(once_per_run("thing", run, action, folder=folder))
"""


def _ask_at_once(folder: Path, run: str, processes: int, outcome: str = "return") -> list[tuple[int, str, str]]:
    arguments = [sys.executable, "-c", ASK, str(folder), run, str(processes), outcome]
    asking = [
        subprocess.Popen(arguments, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    answers = []
    for process in asking:
        out, error = process.communicate(timeout=120)
        answers.append((process.returncode, out.strip(), error.strip()))
    return answers


def test_once_per_run_calls_its_action_once_per_run_across_processes(tmp_path):
    assert _ask_at_once(tmp_path, "run-1", 3) == [(0, "result of run-1", "")] * 3
    assert (tmp_path / "calls").read_text().split() == ["run-1"]
    # The next run does the work again, once.
    assert _ask_at_once(tmp_path, "run-2", 2) == [(0, "result of run-2", "")] * 2
    assert (tmp_path / "calls").read_text().split() == ["run-1", "run-2"]


def test_a_record_that_is_not_one_counts_as_none(tmp_path):
    # A file of another format, as an older version of the harness wrote, is not read as a result.
    (tmp_path / "thing.run").write_text("run-1\nstale")
    assert _ask_at_once(tmp_path, "run-1", 1) == [(0, "result of run-1", "")]
    assert (tmp_path / "calls").read_text().split() == ["run-1"]


def test_a_failure_is_shared_too_and_not_tried_again(tmp_path):
    answers = _ask_at_once(tmp_path, "run-1", 3, outcome="raise")
    assert (tmp_path / "calls").read_text().split() == ["run-1"]
    assert all(code != 0 and out == "" for code, out, _ in answers)
    errors = sorted(error.splitlines()[-1] for _, _, error in answers)
    assert errors[0] == "ValueError: no luck"
    assert (
        errors[1:]
        == ["tests.shared.SharedWorkError: thing failed in another test process of this run: ValueError: no luck"] * 2
    )
