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

A claim prints as its sentence, so it can be used in prose, captions and alternative texts.
"""

from __future__ import annotations

import ast
import html
import math
import numbers
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gpnn._validation import check_int


class ClaimError(AssertionError):
    """A claim's condition is false for the computed values: the sentence would be untrue."""


@dataclass(frozen=True)
class Claim:
    """A sentence with the condition that makes it true, and the values it was checked on."""

    name: str
    """A short name, unique on its page, by which the build and the tests find it."""
    text: str
    """The sentence (plain text, no markup)."""
    condition: str
    """The expression that holds, over the names of `values`."""
    values: dict[str, float]
    """The computed values the condition was evaluated on."""
    seeds: int
    """How many seeds (data sets, initialisations) the values rest on."""

    def __str__(self) -> str:
        return self.text

    def __format__(self, spec: str) -> str:
        """The sentence; with the format `"html"`, wrapped in a span that names the claim."""
        if spec == "html":
            return f'<span class="gpnn-claim" data-claim="{html.escape(self.name)}">{html.escape(self.text)}</span>'
        return format(self.text, spec)

    def _repr_markdown_(self) -> str:
        return self.text


_RECORDED: list[Claim] = []


def claim(text: str, condition: str, *, seeds: int = 1, name: str | None = None, **values: float) -> Claim:
    """State `text`, which is true exactly when `condition` holds for `values`.

    Parameters
    ----------
    text : str
        The sentence, in plain text.
    condition : str
        A Python expression over the names in `values`: comparisons, `and`, `or`, `not`,
        arithmetic, `abs`, `min` and `max`.
    seeds : int, default 1
        How many seeds the values rest on (1 for a single draw).
    name : str, optional
        A short name for the claim; by default the condition.
    **values : float
        The computed values the condition refers to.

    Returns
    -------
    Claim
        Prints as `text`.

    Raises
    ------
    ClaimError
        If the condition is false: the sentence would not be true of these numbers.
    """
    made = _make(text, condition, seeds, name, values)
    if not evaluate(condition, made.values):
        shown = ", ".join(f"{key} = {value!r}" for key, value in made.values.items())
        raise ClaimError(f"Claim '{made.name}' is false: {condition} does not hold for {shown}. It said: {text}")
    _RECORDED.append(made)
    return made


def choose(
    condition: str, if_true: str, if_false: str, *, seeds: int = 1, name: str | None = None, **values: float
) -> Claim:
    """The wording that matches the numbers: `if_true` where `condition` holds, else `if_false`.

    For sentences that read naturally either way ("the network's error is *above* the
    posterior's"). The choice is recorded as a claim whose condition is `condition` or its
    negation, whichever holds.

    Parameters
    ----------
    condition : str
        As for [`claim`][gpnn.site.claims.claim].
    if_true, if_false : str
        The two wordings.
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
    """
    holds = evaluate(condition, {key: _number(key, value) for key, value in values.items()})
    made = _make(if_true if holds else if_false, condition if holds else f"not ({condition})", seeds, name, values)
    _RECORDED.append(made)
    return made


def report() -> list[dict[str, Any]]:
    """Every claim recorded in this process since the last [`reset`][gpnn.site.claims.reset], as plain dictionaries.

    Returns
    -------
    list of dict
        `name`, `text`, `condition`, `values`, `seeds` and `status` of each.
    """
    return [
        {
            "name": c.name,
            "text": c.text,
            "condition": c.condition,
            "values": c.values,
            "seeds": c.seeds,
            "status": "holds",
        }
        for c in _RECORDED
    ]


def reset() -> None:
    """Forget the recorded claims (the build does this before each page)."""
    _RECORDED.clear()


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
    return Claim(name or condition, text, condition, checked, seeds)


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
