import io
import json
import re
import subprocess
import sys

import pytest

import gpnn
from gpnn.cli import main


def test_writes_figures_and_results_matching_the_library(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    status = main(["--n-epochs", "40", "--hidden-sizes", "8,8", "--out", str(tmp_path)], stdout=out, stderr=err)
    assert status == 0
    expected = gpnn.run_experiment(gpnn.ExperimentConfig(n_epochs=40, hidden_sizes=(8, 8)))
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["final_rmse"] == expected.final_rmse
    assert data["loss_history"] == expected.loss_history.tolist()
    assert data["config"]["hidden_sizes"] == [8, 8]
    for name in ("data.png", "loss.png", "fit.png", "network.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = out.getvalue()
    assert f"final RMSE vs data  {expected.final_rmse:.6f}" in table
    assert "1 -> 8 -> 8 -> 1" in table
    assert "40/40" in err.getvalue()


def test_no_progress_prints_no_bar():
    err = io.StringIO()
    main(["--n-epochs", "3", "--hidden-sizes", "2", "--no-progress"], stdout=io.StringIO(), stderr=err)
    assert err.getvalue() == ""


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["--eta", "-1"], r"eta = -1\.0"),
        (["--hidden-sizes", "16,x"], r"--hidden-sizes.*comma-separated"),
        (["--n-epochs", "-4"], r"n_epochs = -4"),
        (["--learning-rate", "nan"], r"'learning_rate'.*nan"),
    ],
)
def test_bad_options_exit_with_message(argv, match, capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(argv)
    assert excinfo.value.code == 2
    assert re.search(match, capsys.readouterr().err)


def test_module_entry_point_runs():
    completed = subprocess.run(
        [sys.executable, "-m", "gpnn", "--n-epochs", "5", "--hidden-sizes", "4", "--no-progress"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "final RMSE vs data" in completed.stdout
