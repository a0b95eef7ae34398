"""The site's MkDocs plugin, `gpnn`: what builds the website from the pages and the package.

Only the build imports this subpackage (it needs MkDocs); the helpers the pages use
([`gpnn.site.html`][gpnn.site.html], [`gpnn.site.claims`][gpnn.site.claims],
[`gpnn.site.runs`][gpnn.site.runs], the charts) do not, so a downloaded notebook runs without it.
"""
