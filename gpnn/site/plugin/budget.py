"""The site's training budget: what each page's runs cost, against one declared limit.

A page's code asks for training runs ([`requested`][gpnn.site.runs.requested] records them);
each run's cost is in deep-run equivalents ([`cost`][gpnn.site.costs.cost]: one 8,000-epoch run of
the recipe's network is 1). A run asked for by several pages is paid once; a run that only
extends another of the same settings (more epochs of plain gradient descent) pays for its
extra epochs only, since it continues from the shorter one. The plugin's `budget` setting is
the limit: a build that needs more warns, naming the pages and their costs, so a strict build
fails.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def total_cost(records: Iterable[Mapping[str, Any]]) -> float:
    """What a set of requested runs costs once each, continuations paying for their extra epochs.

    Parameters
    ----------
    records : iterable of mapping
        Runs as [`requested`][gpnn.site.runs.requested] gives them (`key`, `cost`, `family`,
        `continuable`).

    Returns
    -------
    float
        Deep-run equivalents.
    """
    distinct = {record["key"]: record for record in records}
    families: dict[str, list[float]] = {}
    total = 0.0
    for record in distinct.values():
        if record.get("continuable") and record.get("family"):
            families.setdefault(record["family"], []).append(float(record["cost"]))
        else:
            total += float(record["cost"])
    # Runs of one family are prefixes of each other: the longest pays for all.
    return total + sum(max(costs) for costs in families.values())


def table(pages: Mapping[str, Iterable[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """Per page, its runs, epochs and cost (the page alone, as if no other page shared its runs).

    Parameters
    ----------
    pages : mapping of str to iterable of mapping
        Per page, its requested runs.

    Returns
    -------
    list of dict
        `page`, `runs`, `epochs` and `cost`, one per page that trains.
    """
    rows = []
    for page, records in sorted(pages.items()):
        distinct = list({record["key"]: record for record in records}.values())
        if distinct:
            rows.append(
                {
                    "page": page,
                    "runs": len(distinct),
                    "epochs": sum(int(record["epochs"]) for record in distinct),
                    "cost": total_cost(distinct),
                }
            )
    return rows


def over_budget(pages: Mapping[str, Iterable[Mapping[str, Any]]], budget: float) -> str | None:
    """The message of a site over its budget, naming its pages and their costs, or `None`.

    Parameters
    ----------
    pages : mapping of str to iterable of mapping
        Per page, its requested runs.
    budget : float
        The limit, in deep-run equivalents.

    Returns
    -------
    str or None
        The message, if the site needs more than `budget`.
    """
    needed = total_cost(record for records in pages.values() for record in records)
    if needed <= budget:
        return None
    costs = ", ".join(f"{row['page']} {row['cost']:.1f}" for row in sorted(table(pages), key=lambda r: -r["cost"]))
    return (
        f"The site's training needs {needed:.1f} deep-run equivalents, over its budget of {budget:g} "
        f"(the plugin's 'budget' setting). Pages by cost: {costs}."
    )
