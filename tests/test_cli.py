import argparse
import dataclasses
import datetime
import io
import json
import os
import re
import subprocess
import sys
import typing
from typing import Literal

import pytest

import gpnn
from gpnn import cli
from gpnn.cli import Progress, build_parser, field_docs, main, options, output

TINY = ["--hidden-sizes", "2", "--n-epochs", "3"]


class FakeClock:
    """A clock that advances by ``step`` seconds each time it is read."""

    def __init__(self, step):
        self.now, self.step = 0.0, step

    def __call__(self):
        now = self.now
        self.now += self.step
        return now


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


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
    # Temporary files were all renamed or removed.
    assert sorted(os.listdir(tmp_path)) == ["data.png", "fit.png", "loss.png", "network.png", "results.json"]
    table = out.getvalue()
    assert f"final RMSE vs data  {expected.final_rmse:.6f}" in table
    assert "1 -> 8 -> 8 -> 1" in table
    assert f"wrote {tmp_path / 'results.json'}" in table
    assert "40/40" in err.getvalue()


def test_results_record_provenance(tmp_path):
    before = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    assert main([*TINY, "--no-progress", "--out", str(tmp_path)], stdout=io.StringIO()) == 0
    provenance = json.loads((tmp_path / "results.json").read_text())["provenance"]
    expected_keys = {"date", "gpnn", "python", "torch", "numpy", "scipy", "machine", "cpu", "blas_threads"}
    assert expected_keys <= set(provenance)
    assert provenance["gpnn"] == gpnn.__version__
    assert provenance["python"] == ".".join(map(str, sys.version_info[:3]))
    assert re.fullmatch(r"[0-9a-f]{16}", provenance["cpu"])
    date = datetime.datetime.fromisoformat(provenance["date"])
    assert date.utcoffset() == datetime.timedelta(0)
    assert before <= date <= datetime.datetime.now(datetime.UTC)


def test_no_epochs_writes_strict_json_and_only_the_figures_there_are(tmp_path):
    status = main(
        ["--n-epochs", "0", "--hidden-sizes", "2", "--no-standardize-inputs", "--out", str(tmp_path)],
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert status == 0
    assert sorted(os.listdir(tmp_path)) == ["data.png", "network.png", "results.json"]

    def reject(constant):
        raise ValueError(f"not JSON: {constant}")

    data = json.loads((tmp_path / "results.json").read_text(), parse_constant=reject)
    assert data["final_rmse"] is None and data["loss_history"] == []
    assert data["config"]["standardize_inputs"] is False


def test_no_progress_prints_no_bar():
    err = io.StringIO()
    main(["--n-epochs", "3", "--hidden-sizes", "2", "--no-progress"], stdout=io.StringIO(), stderr=err)
    assert err.getvalue() == ""


@pytest.mark.parametrize(
    ("argv", "standardize", "progress"),
    [
        ([], True, True),
        (["--no-standardize-inputs"], False, True),
        (["--no-standardize-inputs", "--standardize-inputs"], True, True),
        (["--no-progress"], True, False),
        (["--no-progress", "--progress"], True, True),
    ],
)
def test_boolean_flags_map_to_the_settings(argv, standardize, progress):
    args = build_parser().parse_args(argv)
    assert args.standardize_inputs is standardize
    assert args.progress is progress


def test_option_defaults_are_the_config_defaults(monkeypatch):
    args = vars(build_parser().parse_args([]))
    assert args.pop("out") is None and args.pop("progress") is True
    assert gpnn.ExperimentConfig(**args) == gpnn.ExperimentConfig()
    # Every field is an option, its help showing the default as typed on the command line.
    monkeypatch.setenv("COLUMNS", "400")
    text = build_parser().format_help()

    def typed(value):
        if isinstance(value, bool):
            return "on" if value else "off"
        if isinstance(value, tuple):
            return ",".join(map(str, value))
        return "none" if value is None else str(value)

    for field in dataclasses.fields(gpnn.ExperimentConfig):
        option = "--" + field.name.replace("_", "-")
        start = text.index(f"  {option}")
        default = typed(field.default)
        assert re.match(r"[^\n]*\n?[^\n]*default: " + re.escape(default) + r"\)", text[start:]), field.name
    assert "(comma-separated integers; default: 16,32,64,64,32,16)" in text
    assert "--standardize-inputs, --no-standardize-inputs" in text
    eta = field_docs(gpnn.ExperimentConfig)["eta"]
    assert eta.lower().startswith("marginal standard deviation")
    assert "--eta ETA" in text and eta in text


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["--eta", "-1"], r"eta = -1\.0"),
        (["--eta", "x"], r"argument --eta: expected a number, got 'x'"),
        (["--hidden-sizes", "16,x"], r"--hidden-sizes: expected comma-separated integers, got '16,x'"),
        (["--n-epochs", "-4"], r"n_epochs = -4"),
        (["--n-epochs", "2.5"], r"--n-epochs: expected an integer, got '2\.5'"),
        (["--learning-rate", "nan"], r"'learning_rate'.*nan"),
        (["--init-scale", "big"], r"--init-scale: invalid choice: 'big'"),
        # A flag takes no value.
        (["--standardize-inputs", "false"], r"unrecognized arguments: false"),
        (["--progress=off"], r"--progress.*: ignored explicit argument 'off'"),
    ],
)
def test_bad_options_exit_with_message(argv, match, capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(argv)
    assert excinfo.value.code == 2
    err = capsys.readouterr().err
    assert re.search(match, err)
    assert err.splitlines()[-1].startswith("gpnn: error: ")


def test_out_that_is_a_file_is_refused_before_training(tmp_path):
    path = tmp_path / "taken"
    path.write_text("keep")
    err = io.StringIO()
    with pytest.raises(SystemExit) as excinfo:
        main([*TINY, "--out", str(path / "sub")], stdout=io.StringIO(), stderr=err)
    assert excinfo.value.code == 2
    assert f"argument --out: {str(path)!r} exists and is not a folder" in err.getvalue()
    assert path.read_text() == "keep"


def test_version_and_help_name_the_program():
    out = io.StringIO()
    with pytest.raises(SystemExit) as excinfo:
        main(["--version"], stdout=out)
    assert excinfo.value.code == 0
    assert out.getvalue() == f"gpnn {gpnn.__version__}\n"
    # The version line names the package whatever the command was called.
    out = io.StringIO()
    with pytest.raises(SystemExit):
        main(["--version"], stdout=out, prog="python -m gpnn")
    assert out.getvalue() == f"gpnn {gpnn.__version__}\n"
    out = io.StringIO()
    with pytest.raises(SystemExit) as excinfo:
        main(["--help"], stdout=out)
    assert excinfo.value.code == 0
    assert out.getvalue().startswith("usage: gpnn [-h]")
    assert "--standardize-inputs, --no-standardize-inputs" in out.getvalue()


def test_module_help_names_python_m_gpnn():
    completed = subprocess.run(
        [sys.executable, "-m", "gpnn", "--help"], capture_output=True, text=True, check=True, timeout=120
    )
    assert completed.stdout.startswith("usage: python -m gpnn [-h]")


def test_module_entry_point_runs():
    completed = subprocess.run(
        [sys.executable, "-m", "gpnn", "--n-epochs", "5", "--hidden-sizes", "4", "--no-progress"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert "final RMSE vs data" in completed.stdout
    assert completed.stderr == ""


def test_progress_off_a_terminal_is_a_line_every_few_seconds():
    stream = io.StringIO()
    progress = Progress(20, stream, clock=FakeClock(1.0))  # epoch k ends at second k
    for epoch in range(1, 21):
        progress(epoch, 0.5)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert [re.search(r"epoch +(\d+)/20", line).group(1) for line in lines] == ["5", "10", "15", "20"]
    assert lines[0] == "training epoch  5/20 (25%)  loss 0.5000  0:05 elapsed, ETA 0:15"
    assert lines[-1] == "training epoch 20/20 (100%)  loss 0.5000  0:20 elapsed, done"


def test_short_run_off_a_terminal_prints_one_plain_line():
    err = io.StringIO()
    assert main(["--n-epochs", "50", "--hidden-sizes", "4"], stdout=io.StringIO(), stderr=err) == 0
    assert "\r" not in err.getvalue()
    lines = err.getvalue().splitlines()
    assert 1 <= len(lines) <= 2
    assert re.match(r"training epoch 50/50 \(100%\)  loss \d+\.\d{4}  \d+:\d\d elapsed, done$", lines[-1])


def test_progress_on_a_terminal_redraws_a_bar_with_an_eta():
    stream = FakeTerminal()
    progress = Progress(10, stream, clock=FakeClock(2.0), columns=100)  # epoch k ends at second 2k
    for epoch in range(1, 11):
        progress(epoch, 1.25)
    frames = stream.getvalue().split("\r")
    assert frames[0] == ""
    assert len(frames) == 11
    assert frames[1].startswith("training [")
    assert " 1/10  loss 1.2500  0:02 elapsed, ETA 0:18" in frames[1]
    assert " 5/10  loss 1.2500  0:10 elapsed, ETA 0:10" in frames[5]
    assert frames[10].rstrip().endswith("10/10  loss 1.2500  0:20 elapsed, done")
    assert frames[10].endswith("\n") and "\n" not in "".join(frames[:10])
    assert all(len(frame.rstrip("\n")) < 100 for frame in frames)
    bars = [re.search(r"\[([#-]+)\]", frame).group(1) for frame in frames[1:]]
    assert len({len(bar) for bar in bars}) == 1
    assert bars[-1] == "#" * len(bars[-1]) and bars[4].count("#") == len(bars[4]) // 2


def test_progress_on_a_terminal_is_throttled_and_closed_on_its_own_line():
    stream = FakeTerminal()
    progress = Progress(1000, stream, clock=FakeClock(0.01), columns=80)  # 0.1 s per 10 epochs
    for epoch in range(1, 501):
        progress(epoch, 0.5)
    assert 45 <= stream.getvalue().count("\r") <= 55
    assert not stream.getvalue().endswith("\n")
    progress.close()
    assert stream.getvalue().endswith("\n")
    progress.close()
    assert not stream.getvalue().endswith("\n\n")


def test_terminal_run_draws_frames():
    err = FakeTerminal()
    assert main(["--n-epochs", "30", "--hidden-sizes", "4"], stdout=io.StringIO(), stderr=err) == 0
    frames = err.getvalue().split("\r")[1:]
    assert len(frames) >= 2
    assert "ETA" in frames[0] and " 1/30 " in frames[0]
    assert "30/30" in frames[-1] and frames[-1].endswith("\n") and frames[-1].rstrip().endswith("done")


def test_divergence_exits_1_with_one_line_and_writes_nothing(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    folder = tmp_path / "out"
    argv = ["--hidden-sizes", "4", "--learning-rate", "1e9", "--n-epochs", "200", "--out", str(folder)]
    assert main(argv, stdout=out, stderr=err) == 1
    lines = err.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("gpnn: error: training diverged")
    assert re.search(r"epoch \d+", lines[0])
    assert out.getvalue() == ""
    assert not folder.exists()


def test_divergence_on_a_terminal_ends_the_bar_first():
    err = FakeTerminal()
    argv = ["--hidden-sizes", "4", "--learning-rate", "1e9", "--n-epochs", "200", "--no-standardize-inputs"]
    assert main(argv, stdout=io.StringIO(), stderr=err) == 1
    last = err.getvalue().split("\n")[-2]
    assert last.startswith("gpnn: error: training diverged")


def test_interrupt_during_training_exits_130_and_writes_nothing(tmp_path, monkeypatch):
    class Interrupted(Progress):
        def __call__(self, epoch, loss):
            super().__call__(epoch, loss)
            if epoch == 3:
                raise KeyboardInterrupt

    monkeypatch.setattr(cli, "Progress", Interrupted)
    out, err = io.StringIO(), io.StringIO()
    folder = tmp_path / "out"
    status = main(["--n-epochs", "10", "--hidden-sizes", "2", "--out", str(folder)], stdout=out, stderr=err)
    assert status == 130
    assert err.getvalue() == "gpnn: interrupted at epoch 3 of 10\n"
    assert out.getvalue() == ""
    assert not folder.exists()


def test_interrupt_while_writing_keeps_the_previous_results(tmp_path, monkeypatch):
    (tmp_path / "results.json").write_text('{"previous": true}')

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(gpnn.plots, "plot_fit", interrupt)
    err = io.StringIO()
    assert main([*TINY, "--no-progress", "--out", str(tmp_path)], stdout=io.StringIO(), stderr=err) == 130
    assert err.getvalue() == f"gpnn: interrupted while writing the results to {str(tmp_path)!r}\n"
    # The figures already rendered were temporary files, now removed; nothing was replaced.
    assert os.listdir(tmp_path) == ["results.json"]
    assert json.loads((tmp_path / "results.json").read_text()) == {"previous": True}


def test_write_failure_exits_1_without_results(tmp_path, monkeypatch):
    def no_space(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.os, "replace", no_space)
    err = io.StringIO()
    assert main([*TINY, "--no-progress", "--out", str(tmp_path)], stdout=io.StringIO(), stderr=err) == 1
    assert err.getvalue() == (
        f"gpnn: error: cannot write the results to {str(tmp_path)!r}: [Errno 28] No space left on device\n"
    )
    assert os.listdir(tmp_path) == []


@dataclasses.dataclass(frozen=True)
class Settings:
    gap: tuple[float, float] | None = None
    """Interval of ``x`` left without observations, as
    :class:`~builtins.tuple` ``(lo, hi)``.

    A second paragraph, not shown.
    """
    shuffle: bool = False  # visit the observations in random order
    depth: int = 3
    mode: Literal["a", "b"] = "a"
    """Weights of sd :math:`\\sqrt{2 / \\text{fan-in}}` or :math:`\\sigma`, see :func:`numpy.sqrt` and
    :data:`the list <gpnn.config.IMPLEMENTATIONS>`."""


@dataclasses.dataclass(frozen=True)
class WithWindow(gpnn.ExperimentConfig):
    window: tuple[float, float] | None = None
    """Interval of x shown, 100% of it."""


def test_field_docs_read_docstrings_then_comments():
    assert field_docs(Settings) == {
        "gap": "Interval of x left without observations, as tuple (lo, hi).",
        "shuffle": "visit the observations in random order",
        "mode": "Weights of sd sqrt(2 / fan-in) or sigma, see numpy.sqrt and the list.",
    }
    # Inherited fields keep the base class's texts.
    assert field_docs(WithWindow)["window"] == "Interval of x shown, 100% of it."
    assert field_docs(WithWindow)["eta"] == field_docs(gpnn.ExperimentConfig)["eta"]
    assert set(field_docs(gpnn.ExperimentConfig)) == {field.name for field in dataclasses.fields(gpnn.ExperimentConfig)}


@dataclasses.dataclass(frozen=True)
class MarkdownSettings:
    gap: tuple[float, float] | None = None
    """Interval of `x` left without observations, as a
    [`tuple`][builtins.tuple] `(lo, hi)` of price `$5`.

    A second paragraph, not shown.
    """
    scale: float = 1.0
    """Weights of sd $\\sqrt{2 / \\text{fan-in}}$ or $\\sigma$, see [`the list`][gpnn.config.IMPLEMENTATIONS]."""


def test_field_docs_read_markdown_as_they_read_restructuredtext():
    assert field_docs(MarkdownSettings) == {
        "gap": "Interval of x left without observations, as a tuple (lo, hi) of price $5.",
        "scale": "Weights of sd sqrt(2 / fan-in) or sigma, see the list.",
    }
    assert field_docs(gpnn.ExperimentConfig)["eta"] == "Marginal standard deviation eta of the latent GP."


def test_field_docs_without_source_fall_back_to_a_generic_text(monkeypatch):
    def no_source(obj):
        raise OSError("could not get source code")

    monkeypatch.setattr(options.inspect, "getsource", no_source)
    assert field_docs(Settings) == {}
    assert "--eta ETA the experiment setting eta (default: 3.0)" in " ".join(build_parser().format_help().split())


def test_field_kinds_cover_optional_pairs_literals_and_reject_the_rest():
    hints = typing.get_type_hints(Settings)
    pair = options._kind("gap", hints["gap"])
    assert pair.parse("10,20") == (10.0, 20.0)
    assert pair.parse("None") is None
    assert pair.form == "2 comma-separated numbers, or none"
    for bad in ("1,2,3", "a,b", "5"):
        with pytest.raises(argparse.ArgumentTypeError, match=re.escape(repr(bad))):
            pair.parse(bad)
    assert options._kind("mode", hints["mode"]).choices == ("a", "b")
    assert options._kind("depth", hints["depth"]).parse("7") == 7
    with pytest.raises(TypeError, match=r"Field 'table' has type dict\[str, int\]"):
        options._kind("table", dict[str, int])
    with pytest.raises(TypeError, match=r"Field 'maybe' has type"):
        options._kind("maybe", bool | None)


def test_gap_option_reaches_the_config():
    args = vars(build_parser().parse_args(["--gap", "-10,20.5"]))
    args.pop("out"), args.pop("progress")
    assert gpnn.ExperimentConfig(**args).gap == (-10.0, 20.5)
    assert build_parser().parse_args(["--gap", "none"]).gap is None
    assert build_parser().parse_args(["--gap=-.5,1"]).gap == (-0.5, 1.0)
    args = build_parser().parse_args(["--x-start", "-20", "--hidden-sizes", "-4", "--no-progress"])
    assert (args.x_start, args.hidden_sizes, args.progress) == (-20.0, (-4,), False)


def test_a_new_config_field_becomes_an_option(monkeypatch, capsys):
    monkeypatch.setattr(options, "ExperimentConfig", WithWindow)
    monkeypatch.setenv("COLUMNS", "400")
    parser = build_parser()
    assert parser.parse_args(["--window", "10,20"]).window == (10.0, 20.0)
    assert parser.parse_args([]).window is None
    assert (
        "--window WINDOW  Interval of x shown, 100% of it. (2 comma-separated numbers, or none; default: none)"
        in re.sub(r" {2,}", "  ", parser.format_help())
    )
    with pytest.raises(SystemExit):
        parser.parse_args(["--window", "1,2,3"])
    assert "argument --window: expected 2 comma-separated numbers, got '1,2,3'" in capsys.readouterr().err


def test_interrupt_while_a_file_is_flushed_leaves_no_temporary_file(tmp_path, monkeypatch):
    def interrupt(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(output.os, "fsync", interrupt)
    err = io.StringIO()
    assert main([*TINY, "--no-progress", "--out", str(tmp_path)], stdout=io.StringIO(), stderr=err) == 130
    assert os.listdir(tmp_path) == []


def test_unwritable_out_is_refused_before_training(tmp_path, monkeypatch):
    monkeypatch.setattr(output.os, "access", lambda path, mode: False)
    err = io.StringIO()
    with pytest.raises(SystemExit) as excinfo:
        main([*TINY, "--out", str(tmp_path / "new")], stdout=io.StringIO(), stderr=err)
    assert excinfo.value.code == 2
    assert f"argument --out: cannot create files in {str(tmp_path)!r}: permission denied" in err.getvalue()


def test_arguments_after_double_dash_are_not_rewritten(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--", "--gap", "-10,20"])
    assert "unrecognized arguments: -- --gap -10,20" in capsys.readouterr().err


class Closed(io.StringIO):
    def isatty(self):
        raise ValueError("I/O operation on closed file")


@pytest.mark.parametrize("stream", [Closed(), object()])
def test_streams_that_cannot_say_are_not_terminals(stream):
    assert Progress(5, stream, clock=FakeClock(1.0)).terminal is False


@pytest.mark.parametrize("total", [0, -1, 2.0, True])
def test_progress_needs_a_positive_total(total):
    with pytest.raises(ValueError, match=re.escape(f"total = {total!r}")):
        Progress(total, io.StringIO())
