"""Claims: qualitative sentences that exist only while the computed numbers make them true.

A page never types a conclusion about its results. It states it with [`claim`][gpnn.site.claims.claim],
which takes the sentence, the condition that makes it true, written as an expression over named
values, and the values themselves:

```python
claim("the network scores below the posterior mean on the training data",
      "net_train < gp_train", net_train=0.62, gp_train=0.64)
```

If the condition is false the call raises [`ClaimError`][gpnn.site.claims.ClaimError], so the
page's build fails, naming the claim, exactly as for a cell that raises. Where the sentence can
read naturally either way, [`choose`][gpnn.site.claims.choose] picks the wording that matches the
numbers instead. Every claim made while a page runs is recorded; the site lists them all on its
Claims page ([`report`][gpnn.site.claims.report]).

A sentence quotes its numbers as fields over its values, `{name}` or `{name:.2f}`, so that every
number it states is computed; the field `{name:times}` says a factor as a person would, "about
1,200 times" ([`times`][gpnn.site.claims.times]). A sentence must read as a person writes: one
with a double negative ("does not widen less") or a range whose ends are equal ("from 3.240 to
3.240") is refused when it is made ([`wording_problems`][gpnn.site.claims.wording_problems]).

A claim prints as its sentence, so it can be used in captions and alternative texts; in prose,
`f"{made:html}"` gives the sentence marked as a claim, with an anchor (`id="claim-NAME"`, unique
on its page) by which the Claims page links to it, its numbers kept exact as
[`number`][gpnn.site.html.number] keeps them, and a tooltip saying what the dotted underline means.
"""

from __future__ import annotations

import ast
import html
import math
import numbers
import operator
import re
import statistics
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from gpnn._validation import check_int

TOOLTIP = "A claim: this sentence is checked against its numbers every time the site is built"
"""The tooltip of every claim on a page, explaining its dotted underline."""


class ClaimError(AssertionError):
    """A claim's condition is false for the computed values: the sentence would be untrue."""


@dataclass(frozen=True)
class Claim:
    """A sentence with the condition that makes it true, and the values it was checked on."""

    name: str
    """A short name, unique on its page, by which the build and the tests find it."""
    text: str
    """The sentence (plain text, no markup), its fields filled in."""
    condition: str
    """The expression that holds, over the names of `values`."""
    values: dict[str, float]
    """The computed values the condition was evaluated on."""
    seeds: int
    """How many seeds (data sets, initialisations) the values rest on."""
    anchor: str = ""
    """The `id` of the sentence on its page, `claim-` and the name as lower-case words joined by hyphens."""
    template: str = ""
    """The sentence as written, with its fields (`{name:.2f}`) unfilled; empty when it has none."""

    def __str__(self) -> str:
        return self.text

    def __format__(self, spec: str) -> str:
        """The sentence; with the format `"html"`, a span that names the claim and anchors it."""
        if spec == "html":
            body = _fill(self.template, self.values, html=True) if self.template else html.escape(self.text)
            anchor = f' id="{self.anchor}"' if self.anchor else ""
            return (
                f'<span class="gpnn-claim"{anchor} data-claim="{html.escape(self.name)}" '
                f'title="{html.escape(TOOLTIP)}">{body}</span>'
            )
        return format(self.text, spec)

    def _repr_markdown_(self) -> str:
        return self.text


_RECORDED: list[Claim] = []


def claim(text: str, condition: str, *, seeds: int = 1, name: str | None = None, **values: float) -> Claim:
    """State `text`, which is true exactly when `condition` holds for `values`.

    Parameters
    ----------
    text : str
        The sentence, in plain text. Fields `{name}` or `{name:format}` quote the values; the
        format `times` says a factor in words ([`times`][gpnn.site.claims.times]), and the format
        `ordinal` a place in a ranking ([`ordinal`][gpnn.site.claims.ordinal]).
    condition : str
        A Python expression over the names in `values`: comparisons, `and`, `or`, `not`,
        arithmetic, `abs`, `min` and `max`.
    seeds : int, default 1
        How many seeds the values rest on (1 for a single draw).
    name : str, optional
        A short name for the claim; by default the condition.
    **values : float
        The computed values the condition and the fields refer to.

    Returns
    -------
    Claim
        Prints as `text`, its fields filled in.

    Raises
    ------
    ClaimError
        If the condition is false: the sentence would not be true of these numbers.
    ValueError
        If the sentence reads badly ([`wording_problems`][gpnn.site.claims.wording_problems]), or a
        field or the condition names something that is not among the values.
    """
    made = _make(text, condition, seeds, name, values)
    if not evaluate(condition, made.values):
        shown = ", ".join(f"{key} = {value!r}" for key, value in made.values.items())
        raise ClaimError(f"Claim '{made.name}' is false: {condition} does not hold for {shown}. It said: {made.text}")
    return _record(made)


def choose(
    condition: str, if_true: str, if_false: str, *, seeds: int = 1, name: str | None = None, **values: float
) -> Claim:
    """The wording that matches the numbers: `if_true` where `condition` holds, else `if_false`.

    For sentences that read naturally either way ("the network's error is *above* the
    posterior's"). The choice is recorded as a claim whose condition is `condition` or its
    negation, whichever holds. Write each wording as its own affirmative sentence: the verb
    that says what happened, not the negation of the other wording.

    Parameters
    ----------
    condition : str
        As for [`claim`][gpnn.site.claims.claim].
    if_true, if_false : str
        The two wordings, with fields as for [`claim`][gpnn.site.claims.claim].
    seeds : int, default 1
        How many seeds the values rest on.
    name : str, optional
        A short name; by default the condition.
    **values : float
        The computed values.

    Returns
    -------
    Claim
        Prints as the chosen wording.

    Raises
    ------
    ValueError
        If the chosen wording reads badly, or names something that is not among the values.
    """
    holds = evaluate(condition, {key: _number(key, value) for key, value in values.items()})
    made = _make(if_true if holds else if_false, condition if holds else f"not ({condition})", seeds, name, values)
    return _record(made)


def times(factor: float) -> str:
    """A factor as a person says it: "1.9 times", "about 1,200 times", "about 8.1 million times".

    Two significant figures, with "about" where rounding changed the value; for a factor below
    one, the inverse fraction is what readers follow, so use the inverse of the factor with a
    verb that says the direction ("shrinks ... times").

    Parameters
    ----------
    factor : float
        A ratio, at least 1.

    Returns
    -------
    str
        The factor in words, ending in "times".

    Raises
    ------
    ValueError
        If `factor` is not a finite number of at least 1.
    """
    value = _number("factor", factor)
    if not math.isfinite(value) or value < 1:
        raise ValueError(f"Argument 'factor' must be a finite number of at least 1, but factor = {factor!r}.")
    rounded = float(f"{value:.2g}")
    about = "" if math.isclose(rounded, value, rel_tol=1e-9) else "about "
    if rounded >= 1e6:
        for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
            if rounded >= size:
                return f"{about}{rounded / size:.2g} {word} times"
    if rounded >= 100:
        return f"{about}{int(rounded):,} times"
    return f"{about}{rounded:g} times"


def ordinal(place: float) -> str:
    """A place in a ranking, or a percentile, as a person says it: "1st", "2nd", "3rd", "11th", "22nd".

    Parameters
    ----------
    place : float
        A whole number, at least 0 (a float that is whole is accepted, as claims' values are floats).

    Returns
    -------
    str
        The number with its English suffix.

    Raises
    ------
    ValueError
        If `place` is not a whole number of at least 0.
    """
    value = _number("place", place)
    if not (math.isfinite(value) and value >= 0 and value == int(value)):
        raise ValueError(f"Argument 'place' must be a whole number of at least 0, but place = {place!r}.")
    whole = int(value)
    suffix = "th" if whole % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(whole % 10, "th")
    return f"{whole}{suffix}"


_SPOKEN = {"times": times, "ordinal": ordinal}  # formats said in words rather than digits


def formatted(value: float, fmt: str) -> str:
    """`value` shown at `fmt`: a format specification, or `times` or `ordinal`, which say it in words.

    Parameters
    ----------
    value : float
        The value.
    fmt : str
        A format specification (`".3f"`), or `"times"` ([`times`][gpnn.site.claims.times]) or
        `"ordinal"` ([`ordinal`][gpnn.site.claims.ordinal]).

    Returns
    -------
    str
        The value as text.
    """
    return _SPOKEN[fmt](value) if fmt in _SPOKEN else format(value, fmt)


def place(values: Iterable[float]) -> int:
    """Where the first value ranks among all of them, counted from the lowest: 1 if none is lower.

    For a reference run set among its reruns ("the recipe's seed comes 7th of 20"); a tie
    counts in the reference's favour.

    Parameters
    ----------
    values : iterable of float
        The reference's value first, then the others', at least one, all finite.

    Returns
    -------
    int
        One plus how many of the others are lower than the first.

    Raises
    ------
    ValueError
        If `values` is empty or holds a value that is not finite.
    """
    checked = [_number(f"values[{index}]", value) for index, value in enumerate(values)]
    if not checked or not all(math.isfinite(value) for value in checked):
        raise ValueError(f"Argument 'values' must hold finite numbers, at least one, but values = {checked!r}.")
    return 1 + sum(value < checked[0] for value in checked[1:])


def spread(values: Iterable[float], fmt: str = ".3f", *, noun: str = "runs") -> str:
    """A distribution over seeds in words: "median 0.366, from 0.338 to 0.545".

    When every value shows the same at `fmt`, a range would read "from 3.240 to 3.240"; the
    distribution is then named for what it is: "all 8 runs end at 3.240". The numbers are
    HTML from [`number`][gpnn.site.html.number], so they keep their exact values.

    Parameters
    ----------
    values : iterable of float
        One value per run, at least one, all finite.
    fmt : str, default ".3f"
        Format of the numbers shown.
    noun : str, default "runs"
        What the values belong to, in the plural.

    Returns
    -------
    str
        HTML for prose.

    Raises
    ------
    ValueError
        If `values` is empty or holds a value that is not finite.
    """
    from gpnn.site.html import number

    checked = [_number(f"values[{index}]", value) for index, value in enumerate(values)]
    if not checked or not all(math.isfinite(value) for value in checked):
        raise ValueError(f"Argument 'values' must hold finite numbers, at least one, but values = {checked!r}.")
    low, high, median = min(checked), max(checked), statistics.median(checked)
    if format(low, fmt) == format(high, fmt):
        every = "the one run ends" if len(checked) == 1 else f"all {len(checked)} {noun} end"
        return f"{every} at {number(median, fmt)}"
    return f"median {number(median, fmt)}, from {number(low, fmt)} to {number(high, fmt)}"


def wording_problems(text: str) -> list[str]:
    """What makes a sentence read like a template: double negatives and ranges with equal ends.

    A double negative is a negation ("not", "no", "never", "n't") followed in the same clause by
    a comparative that it turns around ("less", "more", "fewer", "narrower", "wider", "lower",
    "higher", "smaller", "larger"): "does not widen less than the GP's". An equal-ended range is
    "from X to X" or "between X and X" with the same number at both ends.

    Parameters
    ----------
    text : str
        A sentence, plain text.

    Returns
    -------
    list of str
        One line per problem; empty if there is none.
    """
    problems = []
    for clause in re.split(r"[.;:()]|, (?:but|while|and|so)\b| — ", text):
        match = _DOUBLE_NEGATIVE.search(clause)
        if match:
            problems.append(f"double negative: {match.group(0)!r}")
    for match in _EQUAL_RANGE.finditer(text):
        problems.append(f"a range whose ends are equal: {match.group(0)!r}")
    return problems


def report() -> list[dict[str, Any]]:
    """Every claim recorded in this process since the last [`reset`][gpnn.site.claims.reset].

    Returns
    -------
    list of dict
        `name`, `text`, `condition`, `values`, `seeds`, `status` and `anchor` (the `id` of the
        sentence on its page) of each, as plain dictionaries.
    """
    return [
        {
            "name": c.name,
            "text": c.text,
            "condition": c.condition,
            "values": c.values,
            "seeds": c.seeds,
            "status": "holds",
            "anchor": c.anchor,
        }
        for c in _RECORDED
    ]


def reset() -> None:
    """Forget the recorded claims (the build does this before each page)."""
    _RECORDED.clear()


_NEGATION = r"\b(?:not|no|never|nor|cannot)\b|n't\b"
_COMPARATIVE = r"\b(?:less|more|fewer|narrower|wider|lower|higher|smaller|larger)\b"
_DOUBLE_NEGATIVE = re.compile(rf"(?:{_NEGATION})[^,]*?{_COMPARATIVE}", re.IGNORECASE)
_NUMBER = r"[-+−]?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?%?"
_EQUAL_RANGE = re.compile(rf"\b(?:from|between) ({_NUMBER}) (?:to|and) \1(?!\.?\d)")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "claim"


def _record(made: Claim) -> Claim:
    """Record `made` with an anchor that no claim recorded before it on the page has."""
    taken = {c.anchor for c in _RECORDED}
    anchor, suffix = f"claim-{_slug(made.name)}", 2
    while anchor in taken:
        anchor, suffix = f"claim-{_slug(made.name)}-{suffix}", suffix + 1
    recorded = Claim(made.name, made.text, made.condition, made.values, made.seeds, anchor, made.template)
    _RECORDED.append(recorded)
    return recorded


def _fields(template: str) -> list[tuple[str, str]]:
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as error:
        raise ValueError(f"Argument 'text' has a malformed field: {error}; text = {template!r}.") from error
    return [(field, spec or "") for _, field, spec, _ in parsed if field is not None]


def _fill(template: str, values: dict[str, float], *, html: bool = False) -> str:
    """`template` with each field replaced by its value, formatted; as escaped HTML with number spans if `html`."""
    out = []
    for literal, field, spec, _ in string.Formatter().parse(template):
        out.append(_escape(literal) if html else literal)
        if field is None:
            continue
        value = values[field]
        shown = formatted(value, spec or "g")
        # The same span as gpnn.site.html.number's, so the exact value stays on the page.
        out.append(f'<span class="gpnn-number" data-value="{value!r}">{_escape(shown)}</span>' if html else shown)
    return "".join(out)


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _make(text: str, condition: str, seeds: int, name: str | None, values: dict[str, Any]) -> Claim:
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"Argument 'text' must be a non-empty sentence, but text = {text!r}.")
    if not isinstance(condition, str):
        raise TypeError(f"Argument 'condition' must be a str, but condition = {condition!r}.")
    seeds = check_int("seeds", seeds, minimum=1)
    checked = {key: _number(key, value) for key, value in values.items()}
    names = _names(condition)
    missing = sorted(names - set(checked))
    if missing:
        raise ValueError(f"Argument 'condition' uses {missing}, which are not among the values {sorted(checked)}.")
    fields = _fields(text)
    unknown = sorted({field for field, _ in fields} - set(checked))
    if unknown:
        raise ValueError(f"Argument 'text' quotes {unknown}, which are not among the values {sorted(checked)}.")
    filled = _fill(text, checked) if fields else text
    problems = wording_problems(filled)
    if problems:
        raise ValueError(f"Argument 'text' reads like a template ({'; '.join(problems)}): {filled!r}.")
    return Claim(name or condition, filled, condition, checked, seeds, "", text if fields else "")


def _number(key: str, value: Any) -> float:
    if isinstance(value, bool):
        return float(value)
    if not isinstance(value, numbers.Real) and not (hasattr(value, "item") and getattr(value, "size", 1) == 1):
        raise TypeError(f"Value '{key}' must be a real number, but {key} = {value!r}.")
    number = float(value)
    if math.isnan(number):
        raise ValueError(f"Value '{key}' must not be NaN, but {key} = nan.")
    return number


_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_COMPARE = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_FUNCTIONS: dict[str, Callable[..., Any]] = {"abs": abs, "min": min, "max": max}


def _names(condition: str) -> set[str]:
    tree = _parse(condition)
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id not in _FUNCTIONS}


def _parse(condition: str) -> ast.Expression:
    try:
        return ast.parse(condition, mode="eval")
    except SyntaxError as error:
        raise ValueError(f"Argument 'condition' must be an expression, but condition = {condition!r}.") from error


def evaluate(condition: str, values: dict[str, float]) -> bool:
    """Evaluate `condition` over `values`, allowing only arithmetic, comparisons and logic.

    Parameters
    ----------
    condition : str
        An expression such as `"a < b and abs(c) <= 0.1 * b"`.
    values : dict of str to float
        The value of each name the condition uses.

    Returns
    -------
    bool
        Whether the condition holds, as Python would evaluate it.

    Raises
    ------
    ValueError
        If the condition is not an expression, or uses anything but numbers, the names in
        `values`, arithmetic (`+ - * / **`), comparisons, `and`, `or`, `not`, `abs`, `min`
        and `max`.
    """

    def value(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return value(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
            return node.value
        if isinstance(node, ast.Name) and node.id in values:
            return values[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return _BINARY[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd | ast.Not):
            operand = value(node.operand)
            return (
                -operand
                if isinstance(node.op, ast.USub)
                else (not operand if isinstance(node.op, ast.Not) else operand)
            )
        if isinstance(node, ast.BoolOp):
            parts = [value(part) for part in node.values]
            return all(parts) if isinstance(node.op, ast.And) else any(parts)
        if isinstance(node, ast.Compare):
            left = value(node.left)
            for op, comparator in zip(node.ops, node.comparators, strict=True):
                right = value(comparator)
                if type(op) not in _COMPARE or not _COMPARE[type(op)](left, right):
                    return False
                left = right
            return True
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _FUNCTIONS
            and not node.keywords
        ):
            return _FUNCTIONS[node.func.id](*(value(arg) for arg in node.args))
        raise ValueError(
            f"Argument 'condition' may only use arithmetic, comparisons and logic, but it holds {ast.unparse(node)!r}."
        )

    return bool(value(_parse(condition)))
