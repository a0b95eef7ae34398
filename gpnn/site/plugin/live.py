"""Run the live code of Markdown pages: fenced blocks marked `exec="on"`, replaced by their output.

A block

    ```python exec="on" session="home" html="1"
    print(figure(fig, alt="..."))
    ```

runs when the page is built, and what it prints takes its place: as Markdown, or with
`html="1"` as HTML, inserted as it is. Blocks of one `session` share their variables, in page
order; a block without one runs on its own. A block that raises fails the build, naming the page.

The output is cached under a key over the page's Markdown and the context of its code
([`page_context`][gpnn.site.plugin.execution.page_context]); an unchanged page replays its
output without running anything. Training runs go to the build's job service, which this
module starts on first need.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

from gpnn.site.plugin import keys
from gpnn.site.plugin.execution import page_context
from gpnn.site.plugin.service import JobService
from gpnn.site.plugin.state import BuildState, Run, build_time, digest, read_json, write_if_changed

BLOCK = re.compile(r'(?ms)^```python(?P<options>[^\n]*\bexec="on"[^\n]*)\n(?P<code>.*?)^```[ \t]*$')
"""A live block: a fenced Python block whose options hold `exec="on"`."""

_OPTION = re.compile(r'(?P<name>[\w-]+)="(?P<value>[^"]*)"')


def live_code(markdown: str) -> str:
    """The code of a Markdown page's live blocks, joined (empty if it has none).

    Parameters
    ----------
    markdown : str
        The page's Markdown.

    Returns
    -------
    str
        The blocks' code.
    """
    return "\n".join(match.group("code") for match in BLOCK.finditer(markdown))


@dataclass
class _Output:
    text: str
    html: bool


class LivePages:
    """Runs (or replays) the live blocks of Markdown pages.

    Parameters
    ----------
    state : BuildState
        The build's shared state.
    service : JobService
        Where the blocks' training runs go.
    """

    def __init__(self, state: BuildState, service: JobService) -> None:
        self._state = state
        self._service = service

    def stale(self, markdown: str) -> bool:
        """Whether a page's live blocks must run (they have no cached output for this key).

        Parameters
        ----------
        markdown : str
            The page's Markdown.

        Returns
        -------
        bool
            True if the page has live blocks and the cache lacks their output.
        """
        return bool(live_code(markdown)) and self._entry(self._key(markdown)) is None

    def on_page_markdown(self, markdown: str, src_uri: str) -> str:
        """The page's Markdown with each live block replaced by its output.

        Parameters
        ----------
        markdown : str
            The page's Markdown.
        src_uri : str
            The page's source path, for messages and the computation times.

        Returns
        -------
        str
            The Markdown to convert.
        """
        blocks = list(BLOCK.finditer(markdown))
        if not blocks:
            return markdown
        key = self._key(markdown)
        entry = self._entry(key)
        if entry is not None:
            outputs = [_Output(text, html) for text, html in entry["outputs"]]
            self._state.runs[src_uri] = Run(
                entry["seconds"], entry["executed_at"], False, entry["claims"], entry.get("training", [])
            )
        else:
            outputs, run = self._run(blocks, src_uri)
            self._state.runs[src_uri] = run
            if not self._state.no_cache:
                record = {
                    "outputs": [[output.text, output.html] for output in outputs],
                    "seconds": run.seconds,
                    "executed_at": run.executed_at,
                    "claims": run.claims,
                    "training": run.training,
                }
                write_if_changed(self._state.cache / "live" / f"{key[:32]}.json", json.dumps(record).encode())
        parts, last = [], 0
        for match, output in zip(blocks, outputs, strict=True):
            parts.append(markdown[last : match.start()])
            text = output.text.strip()
            if output.html and not text.startswith("<"):
                text = f'<div class="gpnn-live-output">{text}</div>'
            # HTML goes in as a raw block, which MkDocs reads for anchors as it reads the page's own.
            parts.append(f"\n\n{text}\n\n")
            last = match.end()
        parts.append(markdown[last:])
        return "".join(parts)

    def _key(self, markdown: str) -> str:
        package_dir = Path(keys.__file__).resolve().parents[2]
        return digest({"markdown": markdown, "context": page_context(live_code(markdown), package_dir)})

    def _entry(self, key: str) -> dict[str, Any] | None:
        if self._state.no_cache:
            return None
        entry = read_json(self._state.cache / "live" / f"{key[:32]}.json")
        return entry if isinstance(entry.get("outputs"), list) else None

    def _run(self, blocks: list[re.Match[str]], src_uri: str) -> tuple[list[_Output], Run]:
        from gpnn.site import claims, runs

        self._service.start()
        claims.reset()
        runs.reset()
        sessions: dict[str, dict[str, Any]] = {}
        outputs = []
        started = time.perf_counter()
        for number, match in enumerate(blocks):
            options = {m.group("name"): m.group("value") for m in _OPTION.finditer(match.group("options"))}
            session = options.get("session")
            namespace = sessions.setdefault(session, {"__name__": "__main__"}) if session else {"__name__": "__main__"}
            printed = io.StringIO()
            try:
                code = compile(match.group("code"), f"<{src_uri}, live block {number + 1}>", "exec")
                with contextlib.redirect_stdout(printed):
                    exec(code, namespace)
            except BaseException as error:
                if isinstance(error, KeyboardInterrupt | SystemExit):
                    raise
                # The block's own frames, without this function's.
                frames = error.__traceback__.tb_next if error.__traceback__ else None
                details = "".join(traceback.format_exception(type(error), error, frames))
                raise PluginError(
                    f"The live code of page '{src_uri}' raised in block {number + 1}:\n{details}"
                ) from None
            outputs.append(_Output(printed.getvalue(), options.get("html", "") not in ("", "0", "false")))
        run = Run(round(time.perf_counter() - started, 3), build_time(), True, claims.report(), runs.requested())
        return outputs, run
