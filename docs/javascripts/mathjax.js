// MathJax 3, served from this site, loaded only by pages that have maths (the site's build
// leaves these scripts out of the others). Markdown pages mark math with pymdownx.arithmatex
// (class "arithmatex", \( \) delimiters); notebook pages keep $...$ in their Markdown cells.
window.MathJax = {
  // startup.js (the page's script) loads these components from beside itself, instead of the
  // combined tex-chtml.js: the same TeX input and HTML output, without the 426 KB contextual
  // menu; assistive MathML keeps the formulas readable by screen readers. TeX extensions beyond
  // input/tex's own (ams, newcommand, ...) are loaded on demand.
  loader: { load: ["input/tex", "output/chtml", "a11y/assistive-mml"] },
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
  },
  // Material's recipe ignores every element but .arithmatex; that would skip the <p> inside
  // notebook Markdown cells, so the whole page is scanned (code and pre are skipped as usual).
  options: {
    ignoreHtmlClass: "tex2jax_ignore|mathjax_ignore",
    processHtmlClass: "arithmatex|tex2jax_process",
  },
};

// MathJax typesets the page once, when it starts. The site does not use Material's instant
// navigation, so no re-typesetting on document$ is needed; Material's recipe does it, and
// running it while the start-up pass is still going leaves formulas without glyphs.
