"""Support for the website: what its executed pages need besides the science.

Nothing in the rest of the package imports this subpackage; it imports the rest. It holds the
helpers pages print with ([`gpnn.site.html`][]: numbers that keep their exact value, figures,
prose, tables and source code as HTML), the result store ([`gpnn.site.store`][]) and the way
pages obtain their runs from it ([`gpnn.site.runs`][]). It stays importable after
`pip install` of the package, so the pages' downloaded notebooks run anywhere.

Text is escaped by default: `Markup` (from `markupsafe`, as Jinja and MkDocs use it) marks what
is HTML already.
"""

from markupsafe import Markup

from gpnn.site.html import HTML, Prose, as_html, figure, number, prose, source, table

__all__ = ["HTML", "Markup", "Prose", "as_html", "figure", "number", "prose", "source", "table"]
