"""The GitHub Actions workflows: triggers, concurrency, time limits, versions, caches, artifacts.

Every rule is a function returning the problems it finds, checked on the real workflow files and,
so that no rule passes vacuously, on copies broken on purpose (``BREAKAGES``).
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"

# The current major version of each action, all on the Node 24 runtime (or composite).
EXPECTED_MAJORS = {
    "actions/checkout": 7,
    "actions/setup-python": 7,
    "actions/cache": 5,
    "actions/upload-artifact": 7,
    "actions/configure-pages": 6,
    "actions/upload-pages-artifact": 5,
    "actions/deploy-pages": 5,
}
TIMEOUTS = {("tests", "tests"): 60, ("docs", "build"): 30, ("docs", "deploy"): 10}
PR_ONLY = "${{ github.event_name == 'pull_request' }}"

Workflow = dict[str, Any]
Step = dict[str, Any]


def load(name: str) -> Workflow:
    workflow: Workflow = yaml.safe_load((WORKFLOWS / f"{name}.yml").read_text())
    return workflow


def triggers(workflow: Workflow) -> dict[str, Any]:
    # YAML 1.1 reads the key `on` as the boolean True.
    on = workflow.get(True, workflow.get("on"))
    return on if isinstance(on, dict) else {}


def steps(workflow: Workflow, job: str | None = None) -> Iterator[tuple[str, Step]]:
    for name, spec in workflow.get("jobs", {}).items():
        if job is None or name == job:
            for step in spec.get("steps", []):
                yield name, step


def action(step: Step) -> tuple[str, str] | None:
    uses = step.get("uses")
    if not uses:
        return None
    name, _, ref = uses.partition("@")
    return name, ref


def squeeze(text: object) -> str:
    return re.sub(r"\s+", "", str(text))


def torch_pin() -> str:
    pins = re.findall(r"^torch==(\S+)\s*$", (ROOT / "requirements" / "constraints.txt").read_text(), re.MULTILINE)
    assert len(pins) == 1, pins
    return pins[0]


# ---------------------------------------------------------------------------------- the rules


def timeouts(workflow: Workflow) -> list[str]:
    name = workflow.get("name")
    problems = []
    for job, spec in workflow.get("jobs", {}).items():
        limit = spec.get("timeout-minutes")
        if not isinstance(limit, int) or limit <= 0:
            problems.append(f"job {job} has no timeout-minutes")
        elif (name, job) in TIMEOUTS and limit != TIMEOUTS[name, job]:
            problems.append(f"job {job}: timeout-minutes {limit}, not {TIMEOUTS[name, job]}")
    return problems


def concurrency(workflow: Workflow) -> list[str]:
    spec = workflow.get("concurrency")
    if not isinstance(spec, dict):
        return ["no concurrency group"]
    problems = []
    group = squeeze(spec.get("group", ""))
    if "${{github.workflow}}" not in group or "${{github.ref}}" not in group:
        problems.append(f"concurrency group {spec.get('group')!r} is not per workflow and ref")
    if squeeze(spec.get("cancel-in-progress")) != squeeze(PR_ONLY):
        problems.append(f"cancel-in-progress is {spec.get('cancel-in-progress')!r}, not {PR_ONLY}")
    return problems


def push_to_main_and_pull_requests(workflow: Workflow) -> list[str]:
    on = triggers(workflow)
    problems = []
    if set(on) != {"push", "pull_request", "workflow_dispatch"}:
        problems.append(f"triggers {sorted(on)}, not push, pull_request and workflow_dispatch")
    push = on.get("push") or {}
    if push.get("branches") != ["main"] or set(push) != {"branches"}:
        problems.append(f"push runs for {push!r}, not for main only")
    if on.get("pull_request"):
        problems.append("pull_request is restricted; every pull request should run")
    return problems


def permissions(workflow: Workflow) -> list[str]:
    problems = []
    if workflow.get("permissions") != {"contents": "read"}:
        problems.append(f"top-level permissions {workflow.get('permissions')!r}, not contents: read")
    for job, spec in workflow.get("jobs", {}).items():
        granted = spec.get("permissions", {})
        writes = {scope for scope, level in granted.items() if level == "write"}
        if writes and (job != "deploy" or writes != {"pages", "id-token"}):
            problems.append(f"job {job} may write {sorted(writes)}")
        configures = any((action(s) or ("",))[0] == "actions/configure-pages" for s in spec.get("steps", []))
        if configures and granted.get("pages") != "read":
            problems.append(f"job {job} runs configure-pages without pages: read")
    return problems


def torch_from_the_cpu_index(workflow: Workflow) -> list[str]:
    commands = [str(step["run"]) for _, step in steps(workflow) if "run" in step]
    script = "\n".join(commands)
    install = re.search(r"pip install torch==(\S+) --index-url (\S+)", script)
    if install is None:
        return ["no step installs torch from an index"]
    problems = []
    if install.group(2) != TORCH_CPU_INDEX:
        problems.append(f"torch comes from {install.group(2)}, not {TORCH_CPU_INDEX}")
    if install.group(1) != torch_pin():
        problems.append(f"torch=={install.group(1)} installed, constraints pin torch=={torch_pin()}")
    venv = script.find("python -m venv .venv")
    if venv < 0 or venv > install.start():
        problems.append("torch is not installed into a fresh .venv")
    rest = [m.start() for m in re.finditer(r"bash \.ci/run|pip install -c requirements/constraints\.txt", script)]
    if not rest or min(rest) < install.start():
        problems.append("the other packages are not installed (with the constraints) after torch")
    return problems


def pip_cache(workflow: Workflow) -> list[str]:
    problems = []
    setups = [step for _, step in steps(workflow) if (action(step) or ("",))[0] == "actions/setup-python"]
    if not setups:
        problems.append("no actions/setup-python step")
    for step in setups:
        given = step.get("with", {})
        if given.get("cache") != "pip":
            problems.append(f"setup-python cache is {given.get('cache')!r}, not pip")
        paths = set(str(given.get("cache-dependency-path", "")).split())
        if paths != {"requirements/constraints.txt", "pyproject.toml"}:
            problems.append(f"pip cache keyed on {sorted(paths)}")
    return problems


def action_versions(workflow: Workflow) -> list[str]:
    problems = []
    for job, step in steps(workflow):
        used = action(step)
        if used is None:
            continue
        name, ref = used
        if name not in EXPECTED_MAJORS:
            problems.append(f"job {job} uses {name}, whose current major version is not known here")
        elif ref != f"v{EXPECTED_MAJORS[name]}":
            problems.append(f"job {job} uses {name}@{ref}, not v{EXPECTED_MAJORS[name]}")
    return problems


def failure_upload(workflow: Workflow, job: str, path: str) -> list[str]:
    uploads = [step for _, step in steps(workflow, job) if (action(step) or ("",))[0] == "actions/upload-artifact"]
    kept = [s for s in uploads if squeeze(s.get("if")) == "failure()" and s.get("with", {}).get("path") == path]
    return [] if kept else [f"job {job} does not upload {path} with if: failure()"]


def site_url_from_pages(workflow: Workflow) -> list[str]:
    build = list(steps(workflow, "build"))
    configure = [s for _, s in build if (action(s) or ("",))[0] == "actions/configure-pages"]
    problems = []
    if len(configure) != 1 or configure[0].get("id") != "pages":
        problems.append("no actions/configure-pages step with id pages")
    builds = [s for _, s in build if "mkdocs build" in str(s.get("run", ""))]
    if not builds or not all("--strict" in s["run"] for s in builds):
        problems.append("not every mkdocs build is --strict")
    deployed = [s for s in builds if s.get("env", {}).get("SITE_URL")]
    if len(deployed) != 1:
        return [*problems, "no build step is given SITE_URL"]
    env = deployed[0]["env"]
    if squeeze(env["SITE_URL"]) != "${{steps.pages.outputs.base_url}}/":
        problems.append(f"SITE_URL is {env['SITE_URL']!r}, not configure-pages' base_url with a slash")
    if str(env.get("GPNN_NO_CACHE")) != "1":
        problems.append("the deployed build does not run with GPNN_NO_CACHE=1")
    if squeeze(deployed[0].get("if")) != "github.event_name!='pull_request'":
        problems.append("the deployed build also runs for pull requests")
    return problems


def deploy_only_from_main(workflow: Workflow) -> list[str]:
    deploy = workflow.get("jobs", {}).get("deploy", {})
    condition = squeeze(deploy.get("if"))
    problems = []
    if "github.ref=='refs/heads/main'" not in condition or "github.event_name!='pull_request'" not in condition:
        problems.append(f"deploy runs if {deploy.get('if')!r}")
    if deploy.get("needs") != "build":
        problems.append("deploy does not wait for the build")
    return problems


def actionlint_cache(workflow: Workflow) -> list[str]:
    caches = [s for _, s in steps(workflow) if (action(s) or ("",))[0] == "actions/cache"]
    kept = [s for s in caches if s.get("with", {}).get("path") == ".cache/actionlint"]
    if len(kept) != 1:
        return ["no actions/cache step keeps .cache/actionlint"]
    key = squeeze(kept[0]["with"].get("key"))
    if "hashFiles('tests/test_project.py')" in key:
        return []
    if "steps.actionlint.outputs.version" not in key:
        return [f"the actionlint cache key {key!r} does not follow the version the tests install"]
    return []


def runners_chrome(workflow: Workflow) -> list[str]:
    runs = [str(s.get("run", "")) for _, s in steps(workflow, "tests")]
    problems = []
    exported = [
        i for i, run in enumerate(runs) if re.search(r"GPNN_BROWSER=\$\{?CHROME_BIN\}?\"?\s*>>\s*\"?\$GITHUB_ENV", run)
    ]
    tests = [i for i, run in enumerate(runs) if "bash .ci/run" in run]
    if not tests:
        problems.append("the tests job does not run .ci/run")
    if not exported or (tests and exported[0] > tests[0]):
        problems.append("GPNN_BROWSER is not set from CHROME_BIN before the tests run")
    if any("apt-get" in run for run in runs):
        problems.append("the tests job installs packages with apt-get")
    return problems


Rule = Callable[[Workflow], list[str]]
RULES: dict[str, list[tuple[str, Rule]]] = {
    "tests": [
        ("timeouts", timeouts),
        ("concurrency", concurrency),
        ("triggers", push_to_main_and_pull_requests),
        ("permissions", permissions),
        ("torch", torch_from_the_cpu_index),
        ("pip cache", pip_cache),
        ("versions", action_versions),
        ("failure upload", lambda w: failure_upload(w, "tests", "test-artifacts/")),
        ("actionlint cache", actionlint_cache),
        ("chrome", runners_chrome),
    ],
    "docs": [
        ("timeouts", timeouts),
        ("concurrency", concurrency),
        ("triggers", push_to_main_and_pull_requests),
        ("permissions", permissions),
        ("torch", torch_from_the_cpu_index),
        ("pip cache", pip_cache),
        ("versions", action_versions),
        ("failure upload", lambda w: failure_upload(w, "build", "site/")),
        ("site url", site_url_from_pages),
        ("deploy", deploy_only_from_main),
    ],
}


@pytest.mark.parametrize(
    ("workflow", "rule"),
    [(workflow, rule) for workflow, rules in RULES.items() for rule, _ in rules],
)
def test_workflow_follows_rule(workflow, rule):
    check = dict(RULES[workflow])[rule]
    assert check(load(workflow)) == []


# ------------------------------------------------------- each rule catches what it is about


def _step(workflow: Workflow, job: str, predicate: Callable[[Step], bool]) -> Step:
    return next(s for _, s in steps(workflow, job) if predicate(s))


def _uses(name: str) -> Callable[[Step], bool]:
    return lambda s: (action(s) or ("",))[0] == name


def _runs(text: str) -> Callable[[Step], bool]:
    return lambda s: text in str(s.get("run", ""))


def _set(target: dict[str, Any], key: str, value: Any) -> None:
    target[key] = value


def _drop(target: dict[str, Any], key: str) -> None:
    del target[key]


def _replace_in_run(step: Step, old: str, new: str) -> None:
    assert old in step["run"]
    step["run"] = step["run"].replace(old, new)


def _has_env(name: str) -> Callable[[Step], bool]:
    return lambda s: name in s.get("env", {})


def _index(workflow: Workflow, text: str) -> int:
    return next(i for i, s in enumerate(workflow["jobs"]["tests"]["steps"]) if text in str(s.get("run", "")))


BREAKAGES: dict[str, tuple[str, str, Callable[[Workflow], None]]] = {
    "tests job without a time limit": ("tests", "timeouts", lambda w: _drop(w["jobs"]["tests"], "timeout-minutes")),
    "deploy given 30 minutes": ("docs", "timeouts", lambda w: _set(w["jobs"]["deploy"], "timeout-minutes", 30)),
    "a deploy cancelled by a newer push": (
        "docs",
        "concurrency",
        lambda w: _set(w["concurrency"], "cancel-in-progress", True),
    ),
    "one group for every ref": ("tests", "concurrency", lambda w: _set(w["concurrency"], "group", "tests")),
    "push on every branch": ("tests", "triggers", lambda w: _set(triggers(w), "push", None)),
    "push on any branch, listed": ("tests", "triggers", lambda w: _set(triggers(w), "push", {"branches": ["**"]})),
    "no pull requests": ("tests", "triggers", lambda w: _drop(triggers(w), "pull_request")),
    "no manual runs": ("docs", "triggers", lambda w: _drop(triggers(w), "workflow_dispatch")),
    "a writable build": ("docs", "permissions", lambda w: _set(w["jobs"]["build"], "permissions", {"pages": "write"})),
    "configure-pages without pages: read": (
        "docs",
        "permissions",
        lambda w: _drop(w["jobs"]["build"]["permissions"], "pages"),
    ),
    "writable contents": ("tests", "permissions", lambda w: _set(w, "permissions", {"contents": "write"})),
    "torch from PyPI": (
        "tests",
        "torch",
        lambda w: _replace_in_run(_step(w, "tests", _runs("torch==")), f"--index-url {TORCH_CPU_INDEX}", ""),
    ),
    "torch from the CUDA index": (
        "docs",
        "torch",
        lambda w: _replace_in_run(_step(w, "build", _runs("torch==")), "/whl/cpu", "/whl/cu128"),
    ),
    "torch at another version than the pin": (
        "docs",
        "torch",
        lambda w: _replace_in_run(_step(w, "build", _runs("torch==")), f"torch=={torch_pin()}", "torch==2.0.0"),
    ),
    "torch installed after the rest": (
        "tests",
        "torch",
        lambda w: w["jobs"]["tests"]["steps"].append(w["jobs"]["tests"]["steps"].pop(_index(w, "torch=="))),
    ),
    "no pip cache": (
        "tests",
        "pip cache",
        lambda w: _drop(_step(w, "tests", _uses("actions/setup-python"))["with"], "cache"),
    ),
    "pip cache keyed on pyproject.toml only": (
        "docs",
        "pip cache",
        lambda w: _set(
            _step(w, "build", _uses("actions/setup-python"))["with"], "cache-dependency-path", "pyproject.toml"
        ),
    ),
    "an old checkout": (
        "tests",
        "versions",
        lambda w: _set(_step(w, "tests", _uses("actions/checkout")), "uses", "actions/checkout@v4"),
    ),
    "an old deploy-pages": (
        "docs",
        "versions",
        lambda w: _set(_step(w, "deploy", _uses("actions/deploy-pages")), "uses", "actions/deploy-pages@v4"),
    ),
    "an unknown action": (
        "tests",
        "versions",
        lambda w: w["jobs"]["tests"]["steps"].append({"uses": "someone/something@v1"}),
    ),
    "artifacts uploaded always": (
        "tests",
        "failure upload",
        lambda w: _set(_step(w, "tests", _uses("actions/upload-artifact")), "if", "always()"),
    ),
    "the site not uploaded on failure": (
        "docs",
        "failure upload",
        lambda w: _set(_step(w, "build", _uses("actions/upload-artifact"))["with"], "path", "build/"),
    ),
    "SITE_URL without its slash": (
        "docs",
        "site url",
        lambda w: _set(
            _step(w, "build", _has_env("SITE_URL"))["env"], "SITE_URL", "${{ steps.pages.outputs.base_url }}"
        ),
    ),
    "SITE_URL typed in": (
        "docs",
        "site url",
        lambda w: _set(_step(w, "build", _has_env("SITE_URL"))["env"], "SITE_URL", "https://example.org/gpnn/"),
    ),
    "a cached deployed build": (
        "docs",
        "site url",
        lambda w: _drop(_step(w, "build", _has_env("SITE_URL"))["env"], "GPNN_NO_CACHE"),
    ),
    "a lax build": (
        "docs",
        "site url",
        lambda w: _replace_in_run(_step(w, "build", _runs("mkdocs build")), "--strict ", ""),
    ),
    "configure-pages without its id": (
        "docs",
        "site url",
        lambda w: _drop(_step(w, "build", _uses("actions/configure-pages")), "id"),
    ),
    "deploy from any branch": (
        "docs",
        "deploy",
        lambda w: _set(w["jobs"]["deploy"], "if", "github.event_name != 'pull_request'"),
    ),
    "actionlint not cached": (
        "tests",
        "actionlint cache",
        lambda w: w["jobs"]["tests"]["steps"].remove(_step(w, "tests", _uses("actions/cache"))),
    ),
    "actionlint cached forever": (
        "tests",
        "actionlint cache",
        lambda w: _set(_step(w, "tests", _uses("actions/cache"))["with"], "key", "actionlint"),
    ),
    "Chrome not handed to the tests": (
        "tests",
        "chrome",
        lambda w: w["jobs"]["tests"]["steps"].remove(_step(w, "tests", _runs("CHROME_BIN"))),
    ),
    "Chromium installed with apt-get": (
        "tests",
        "chrome",
        lambda w: w["jobs"]["tests"]["steps"].insert(2, {"run": "sudo apt-get install -y chromium"}),
    ),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_rule_catches(breakage):
    workflow_name, rule, breaking = BREAKAGES[breakage]
    workflow = copy.deepcopy(load(workflow_name))
    breaking(workflow)
    assert dict(RULES[workflow_name])[rule](workflow) != []


def test_every_rule_is_tried_on_a_broken_workflow():
    tried = {(workflow, rule) for workflow, rule, _ in BREAKAGES.values()}
    assert tried == {(workflow, rule) for workflow, rules in RULES.items() for rule, _ in rules}


# ----------------------------------------------------------------- beyond the YAML structure


def test_every_expected_action_is_used():
    used = {action(s)[0] for name in RULES for _, s in steps(load(name)) if action(s)}
    assert used == set(EXPECTED_MAJORS)


def test_torch_pin_is_read_from_the_constraints():
    assert re.fullmatch(r"\d+\.\d+\.\d+", torch_pin())


def test_actionlint_cache_key_is_the_version_the_tests_install(tmp_path):
    from .test_project import ACTIONLINT

    step = _step(load("tests"), "tests", lambda s: s.get("id") == "actionlint")
    output = tmp_path / "output"
    subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        cwd=ROOT,
        env={**os.environ, "GITHUB_OUTPUT": str(output)},
        check=True,
        timeout=30,
    )
    assert output.read_text().strip() == f"version={ACTIONLINT}"
