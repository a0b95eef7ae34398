"""Every public docstring of `gpnn` passes numpydoc's validation, and every public name has text.

The objects checked are the functions and classes defined (not merely imported) in each public
module of `gpnn` and `gpnn.site`, found with `pkgutil.walk_packages`, with the public
methods and properties of those classes; modules with a component starting with `_` are
private and skipped. Each goes through `numpydoc.validate.validate`, and the test fails
listing every object with an error among the checks enforced here.

Enforced numpydoc checks, and why:

* GL01-GL03, GL05-GL10: layout. numpydoc's GL01 accepts a summary on the line after the
  opening quotes too; the project puts it right after the quotes, so `_house_errors`
  adds that stricter rule under the same code.
* SS01-SS04, SS06: a one-line summary, capitalised, ending with a period: it is what the API
  reference's tables and tooltips show.
* PR01-PR10: every parameter is documented, none is documented that does not exist, in the
  signature's order, with a type and a description that is a capitalised sentence. Fields of
  a dataclass or named tuple are its parameters; they are documented once, by an attribute
  docstring under each field (which mkdocstrings shows), so for those classes PR01 is replaced
  by the check that every field has one (AT01).
* RT01: a function or method that returns something has a Returns section (numpydoc already
  exempts `__init__`, properties, and functions whose every `return` is bare or `None`).
* RT03: every returned value is described, not only typed. A bare type was once allowed "when
  the meaning is obvious", but the cases it was used for were not: it left out when `None`
  comes back, whether parameters are a copy, what a dictionary's keys are, which of several
  arrays of the same shape is meant; and the rendered reference shows an empty description.
* RT04, RT05: that description is a capitalised sentence with a full stop.
* YD01: a generator (including a `contextlib.contextmanager`) documents what it yields.
* SA02-SA04: a See Also section, where there is one, is well formed.

Skipped numpydoc checks, and why:

* ES01 (no extended summary): a one-line summary is the whole story of many small functions;
  requiring a second paragraph would produce filler.
* SS05 (summary starts with a verb in the third person): a heuristic that flags any first word
  ending in "s". The project's summaries of functions that compute a value name the value
  ("Pairwise distances ...", "Widths of every layer ..."), which it misreads as verbs.
* RT02 (a single return value has a name): the numpydoc standard makes the name optional, and
  the project names a returned value when formulas refer to it (`K`, `y_hat`).
* SA01 (no See Also section): cross-references are made in the prose, as autorefs links, where
  they explain something; a See Also section for each object would repeat them.
* EX01 (no Examples section): examples are given where they teach something, and those run as
  doctests; one per object would be ceremony.

Checks of the project's own, for text that the API reference (mkdocstrings and griffe) shows,
since griffe reads attribute docstrings but neither trailing `#` comments nor `#:` comments:

* AT01: every public field of a class body (dataclass and named-tuple fields, class
  constants) is followed by its attribute docstring.
* AT02: every public module-level name bound by assignment (constants, type aliases, loggers)
  is followed by its attribute docstring, and is bound on its own (griffe skips names bound by
  tuple unpacking, with their docstring).
* AT03: every public attribute that a method sets on `self` is described in the Attributes
  section of its class or of a base class in `gpnn`, or has an attribute docstring.
* AT04: no `#:` comment documents anything.

Docstrings are Markdown, which mkdocstrings renders with the site's extensions: maths as `$...$`
and `$$...$$` (arithmatex), code in single backticks, cross-references as
``[`name`][gpnn.module.name]`` (autorefs). reStructuredText markup would show raw on the page, so
no docstring of any module, private ones included, may contain a math directive, a role
(`:math:`, `:func:`, `:class:`, `:meth:`, `:attr:`, `:mod:`, `:data:`, `:exc:`) or a
double-backtick literal.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import importlib.util
import inspect
import pkgutil
import re
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path

import numpydoc.docscrape
import numpydoc.validate

import gpnn

ENFORCED = frozenset(
    {
        *(f"GL{n:02d}" for n in (1, 2, 3, 5, 6, 7, 8, 9, 10)),
        *(f"SS{n:02d}" for n in (1, 2, 3, 4, 6)),
        *(f"PR{n:02d}" for n in range(1, 11)),
        "RT01",
        "RT03",
        "RT04",
        "RT05",
        "YD01",
        "SA02",
        "SA03",
        "SA04",
        "AT01",
        "AT02",
        "AT03",
        "AT04",
    }
)
"""Error codes that fail the test (see the module docstring for the reasons)."""

SKIPPED = frozenset({"ES01", "SS05", "RT02", "SA01", "EX01"})
"""numpydoc's codes that are deliberately not enforced (see the module docstring)."""


def _public_modules() -> list[str]:
    names = [info.name for info in pkgutil.walk_packages(gpnn.__path__, "gpnn.")]
    return sorted(name for name in names if not any(part.startswith("_") for part in name.split(".")))


def _own_members(module: types.ModuleType) -> Iterator[tuple[str, object]]:
    """Public functions and classes defined in `module` itself, not imported into it."""
    for name, value in vars(module).items():
        if name.startswith("_") or not (inspect.isfunction(value) or inspect.isclass(value)):
            continue
        if getattr(value, "__module__", None) == module.__name__:
            yield name, value


def _objects(modules: list[str]) -> list[str]:
    """Qualified names of the public functions, classes, methods and properties of `modules`."""
    names = []
    for module_name in modules:
        for name, value in _own_members(importlib.import_module(module_name)):
            names.append(f"{module_name}.{name}")
            if inspect.isclass(value):
                for attribute, member in vars(value).items():
                    if attribute.startswith("_"):
                        continue
                    if isinstance(member, staticmethod | classmethod):
                        member = member.__func__
                    if inspect.isfunction(member) or isinstance(member, property):
                        names.append(f"{module_name}.{name}.{attribute}")
    return names


def _resolve(qualified: str) -> object:
    parts = qualified.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for part in parts[split:]:
            obj = inspect.getattr_static(obj, part)
        return obj
    raise LookupError(qualified)  # pragma: no cover - every name comes from a module's own members


def _class_tree(cls: type) -> ast.ClassDef | None:
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError):  # pragma: no cover - every class here has its source
        return None
    return next((node for node in tree.body if isinstance(node, ast.ClassDef)), None)


def _is_docstring(node: ast.stmt | None) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _undocumented_assignments(body: list[ast.stmt]) -> Iterator[tuple[str, str]]:
    """`(name, problem)` for each public name bound in `body` without an attribute docstring."""
    for statement, following in zip(body, [*body[1:], None], strict=True):
        if isinstance(statement, ast.AnnAssign):
            targets = [statement.target]
        elif isinstance(statement, ast.Assign):
            targets = statement.targets
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                if not target.id.startswith("_") and not _is_docstring(following):
                    yield target.id, "has no attribute docstring"
            elif isinstance(target, ast.Tuple | ast.List):
                for element in target.elts:
                    if isinstance(element, ast.Name) and not element.id.startswith("_"):
                        yield element.id, "is bound by unpacking, which griffe cannot document"


def _attributes_section(cls: type) -> dict[str, bool]:
    """Names in the Attributes sections of `cls` and its bases in `gpnn`: whether described."""
    described: dict[str, bool] = {}
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith("gpnn") or not klass.__doc__:
            continue
        for parameter in numpydoc.docscrape.NumpyDocString(inspect.getdoc(klass) or "")["Attributes"]:
            described[parameter.name] = bool("".join(parameter.desc).strip())
    return described


def _instance_attributes(cls: type) -> dict[str, bool]:
    """Public names a method of `cls` sets on `self`: whether the assignment has a docstring."""
    tree = _class_tree(cls)
    found: dict[str, bool] = {}
    if tree is None:  # pragma: no cover
        return found
    for function in tree.body:
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            body = getattr(node, "body", None)
            if not isinstance(body, list):
                continue
            for statement, following in zip(body, [*body[1:], None], strict=True):
                targets = (
                    statement.targets
                    if isinstance(statement, ast.Assign)
                    else [statement.target]
                    if isinstance(statement, ast.AnnAssign)
                    else []
                )
                for target in targets:
                    elements = target.elts if isinstance(target, ast.Tuple | ast.List) else [target]
                    for element in elements:
                        if (
                            isinstance(element, ast.Attribute)
                            and isinstance(element.value, ast.Name)
                            and element.value.id == "self"
                            and not element.attr.startswith("_")
                        ):
                            documented = _is_docstring(following) and len(elements) == 1
                            found[element.attr] = found.get(element.attr, False) or documented
    return found


def _house_errors(qualified: str, obj: object) -> list[tuple[str, str]]:
    """The project's own checks of one object (see the module docstring)."""
    errors = []
    doc = getattr(obj.fget if isinstance(obj, property) else obj, "__doc__", None)
    if isinstance(doc, str) and doc[:1].isspace():
        errors.append(("GL01", "Summary must start right after the opening quotes"))
    if inspect.isclass(obj):
        tree = _class_tree(obj)
        if tree is not None:
            for name, problem in _undocumented_assignments(tree.body):
                errors.append(("AT01", f"Field {name!r} {problem}"))
        sections = _attributes_section(obj)
        fields = {name for klass in obj.__mro__ for name in vars(klass).get("__annotations__", {})}
        for name, described in sections.items():
            if not described:
                errors.append(("AT03", f"Attribute {name!r} has no description in the Attributes section"))
        for name, has_docstring in _instance_attributes(obj).items():
            if has_docstring or name in sections or name in fields or isinstance(getattr(obj, name, None), property):
                continue
            errors.append(("AT03", f"Attribute {name!r} is set on self but not documented"))
    return errors


def _has_fields(cls: type) -> bool:
    return dataclasses.is_dataclass(cls) or (issubclass(cls, tuple) and hasattr(cls, "_fields"))


def _errors(qualified: str) -> list[tuple[str, str]]:
    """Enforced errors of one object: numpydoc's, adjusted as the module docstring explains, and ours."""
    obj = _resolve(qualified)
    if isinstance(obj, staticmethod | classmethod):
        # By name, numpydoc gets a bound method, which it does not take for a function, and so
        # skips the Returns checks; the function itself gets them all.
        target = obj.__func__
        result = numpydoc.validate.validate(numpydoc.validate.get_doc_object(target))
    else:
        target = obj
        result = numpydoc.validate.validate(qualified)
    errors = list(result["errors"])
    if inspect.isclass(target) and _has_fields(target):
        if not numpydoc.docscrape.NumpyDocString(inspect.getdoc(target) or "")["Parameters"]:
            # The fields are the parameters, documented by their attribute docstrings (AT01).
            errors = [error for error in errors if error[0] != "PR01"]
    if inspect.isfunction(target) and "." not in target.__qualname__:
        # numpydoc drops a first parameter named self or cls even from a plain function.
        first = next(iter(inspect.signature(target).parameters), None)
        if first in ("self", "cls"):
            errors = [error for error in errors if error != ("PR02", f"Unknown parameters {{{first!r}}}")]
    errors += _house_errors(qualified, target)
    return [(code, message) for code, message in errors if code in ENFORCED]


def _module_errors(module_name: str) -> list[tuple[str, str]]:
    """AT02 and AT04 for one module's source."""
    module = importlib.import_module(module_name)
    source = inspect.getsource(module)
    errors = [
        ("AT02", f"Module-level name {name!r} {problem}")
        for name, problem in _undocumented_assignments(ast.parse(source).body)
    ]
    for number, line in enumerate(source.splitlines(), start=1):
        if re.match(r"\s*#:", line):
            errors.append(("AT04", f"Line {number} documents with a '#:' comment, which griffe does not read"))
    return errors


def _report(found: dict[str, list[tuple[str, str]]]) -> str:
    lines = []
    for name, errors in found.items():
        lines.extend(f"{name}: {code} {message}" for code, message in errors)
    return "\n".join(lines)


RST_MARKUP = re.compile(r"\.\. math::|:(?:math|func|class|meth|attr|mod|data|exc):`|(?<!`)``[^`\n]+``(?!`)")
"""reStructuredText that mkdocstrings shows raw: math directives, roles, double-backtick literals."""


def _all_modules() -> list[str]:
    """Every module of `gpnn`, private ones and the package itself included."""
    return ["gpnn", *sorted(info.name for info in pkgutil.walk_packages(gpnn.__path__, "gpnn."))]


def _docstrings(module_name: str) -> Iterator[tuple[str, str]]:
    """`(name, text)` of every docstring in a module's source, private objects and attributes included.

    The source is read, not imported, so that `gpnn.__main__` does not run. A docstring is named
    by the module, class or function it documents, or by the names bound just before it (an
    attribute docstring); any other bare string by its line.
    """
    spec = importlib.util.find_spec(module_name)
    assert spec is not None and spec.origin is not None, module_name
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))

    def walk(body: list[ast.stmt], owner: str, documents_owner: bool) -> Iterator[tuple[str, str]]:
        previous: ast.stmt | None = None
        for index, node in enumerate(body):
            if _is_docstring(node):
                targets = (
                    previous.targets
                    if isinstance(previous, ast.Assign)
                    else [previous.target]
                    if isinstance(previous, ast.AnnAssign)
                    else []
                )
                names = [ast.unparse(target) for target in targets]
                if index == 0 and documents_owner:
                    name = owner
                elif names:
                    name = f"{owner}.{', '.join(names)}"
                else:
                    name = f"{owner} (string at line {node.lineno})"
                yield name, node.value.value
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                yield from walk(node.body, f"{owner}.{node.name}", True)
            else:
                for field in ("body", "orelse", "finalbody"):
                    nested = getattr(node, field, None)
                    if isinstance(nested, list) and all(isinstance(item, ast.stmt) for item in nested):
                        yield from walk(nested, owner, False)
                for handler in getattr(node, "handlers", []):
                    yield from walk(handler.body, owner, False)
            previous = node

    yield from walk(tree.body, module_name, True)


def _rst_markup(module_name: str) -> dict[str, list[str]]:
    """The reStructuredText markup each docstring of a module uses, by docstring name."""
    found = {}
    for name, text in _docstrings(module_name):
        if markup := sorted({match.group(0) for match in RST_MARKUP.finditer(text)}):
            found[name] = markup
    return found


MODULES = _public_modules()


def test_the_enforced_and_skipped_checks_cover_numpydoc_and_do_not_overlap():
    assert not ENFORCED & SKIPPED
    assert set(numpydoc.validate.ERROR_MSGS) <= ENFORCED | SKIPPED


def test_the_enumeration_finds_public_objects_and_leaves_out_imported_ones():
    names = _objects(["gpnn.config", "gpnn.training"])
    assert "gpnn.config.ExperimentConfig" in names
    assert "gpnn.config.ExperimentConfig.from_dict" in names  # a classmethod
    assert "gpnn.training.Trainer.train" in names
    assert "gpnn.training.GradientDescent.compute_loss" in names
    assert not any(name.startswith("gpnn.training.Params") for name in names)  # imported from gpnn.network
    assert not any(name.split(".")[-1].startswith("_") for name in names)
    assert "gpnn.site.html" in MODULES and "gpnn.kernels" in MODULES
    assert not any(part.startswith("_") for name in MODULES for part in name.split("."))


def test_every_public_docstring_passes_the_enforced_checks():
    found = {name: errors for name in _objects(MODULES) if (errors := _errors(name))}
    assert not found, "Docstrings failing numpydoc's checks:\n" + _report(found)


def test_every_public_module_level_name_is_documented_where_griffe_reads_it():
    found = {name: errors for name in MODULES if (errors := _module_errors(name))}
    assert not found, "Undocumented module-level names:\n" + _report(found)


def test_the_checks_catch_what_they_are_meant_to(tmp_path, monkeypatch):
    """Each kind of mistake in a small module is reported under its own code."""
    (tmp_path / "gpnn_docstring_sample.py").write_text(
        textwrap.dedent(
            '''
            """A sample module."""

            import dataclasses

            #: Documented where griffe does not look.
            LIMIT = 3
            FIRST, SECOND = 1, 2
            """Two names griffe cannot see."""


            def area(width, height):
                """
                Area of a rectangle.

                Parameters
                ----------
                width : float
                """
                return width * height


            def gen():
                """Numbers, one at a time."""
                yield 1


            @dataclasses.dataclass
            class Box:
                """A box."""

                side: float
                """Length of a side."""
                colour: str

                def paint(self, colour):
                    """Paint the box.

                    Parameters
                    ----------
                    colour : str
                        The new colour.
                    """
                    self.colour = colour
                    self.painted = True

                @classmethod
                def cube(cls, side):
                    """A cube.

                    Parameters
                    ----------
                    side : float
                        Length of every side.
                    """
                    return cls(side, "white")
            '''
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    codes = {
        name: {code for code, _ in _errors(f"gpnn_docstring_sample.{name}")}
        for name in ("area", "gen", "Box", "Box.cube")
    }
    assert {"GL01", "PR01", "PR07", "RT01"} <= codes["area"]
    assert "YD01" in codes["gen"]
    assert {"AT01", "AT03"} <= codes["Box"] and "PR01" not in codes["Box"]
    assert "RT01" in codes["Box.cube"]
    module_codes = [code for code, _ in _module_errors("gpnn_docstring_sample")]
    assert module_codes.count("AT02") == 3  # LIMIT, FIRST and SECOND
    assert "AT04" in module_codes


def test_no_docstring_uses_restructuredtext_markup():
    """Docstrings are Markdown: maths in `$...$`, code in single backticks, links through autorefs."""
    found = {name: markup for module_name in _all_modules() for name, markup in _rst_markup(module_name).items()}
    report = "\n".join(f"{name}: {', '.join(markup)}" for name, markup in found.items())
    assert not found, "Docstrings with reStructuredText markup (write Markdown instead):\n" + report


def test_the_markup_check_names_each_docstring_and_spares_markdown(tmp_path, monkeypatch):
    (tmp_path / "gpnn_markup_sample.py").write_text(
        textwrap.dedent(
            '''
            r"""A module with $x$ maths, `code`, [`links`][gpnn.loss.rmse] and a fenced block.

            ```python
            print("fine")
            ```
            """

            LIMIT = 3
            """At most ``LIMIT`` tries."""


            def area(width):
                r"""Area, :math:`w^2`, as :func:`square` computes it.

                .. math:: A = w^2
                """

                def inner():
                    """Calls :meth:`Box.paint` and raises :exc:`ValueError`."""


            class Box:
                """See :class:`Box`, :attr:`side`, :mod:`os`, :data:`LIMIT`."""

                side: float = 1.0
                """Length of a side, $s$."""

                if True:
                    """Only :func:`area` here."""
            '''
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _rst_markup("gpnn_markup_sample") == {
        "gpnn_markup_sample.LIMIT": ["``LIMIT``"],
        "gpnn_markup_sample.area": [".. math::", ":func:`", ":math:`"],
        "gpnn_markup_sample.area.inner": [":exc:`", ":meth:`"],
        "gpnn_markup_sample.Box": [":attr:`", ":class:`", ":data:`", ":mod:`"],
        "gpnn_markup_sample.Box (string at line 30)": [":func:`"],
    }
