"""Support for the website: what its executed pages need besides the science.

Nothing in the rest of the package imports this subpackage; it imports the rest. It holds the
helpers pages print with ([`gpnn.site.html`][]: numbers that keep their exact value, figures,
prose, tables and source code as HTML), the result store ([`gpnn.site.store`][]) and the way
pages obtain their runs from it ([`gpnn.site.runs`][]). It stays importable after
`pip install` of the package, so the pages' downloaded notebooks run anywhere.
"""

from gpnn.site.html import HTML, Prose, figure, number, prose, source, table

__all__ = ["HTML", "Prose", "figure", "number", "prose", "source", "table"]
