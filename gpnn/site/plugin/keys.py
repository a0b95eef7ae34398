"""What a page's code depends on in `gpnn`: the modules it imports, followed transitively.

A page's executed output depends on its code and on the code it calls. The key of a page covers
the `gpnn` modules its code imports, directly or through other modules, each read as its code
without docstrings or comments ([`code_of`][gpnn.site.store.code_of], as the result store reads
them): a docstring or comment edit anywhere executes no page, and a code edit of one module
executes only the pages that import it.

Names re-exported by a package (`gpnn.ExperimentConfig`, `gpnn.site.prose`) are followed to the
module that defines them, so `import gpnn` followed by `gpnn.posterior.gp_posterior(...)`
depends on `gpnn.posterior`, and `from gpnn import rmse` on `gpnn.loss`.
"""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

from gpnn.site import store
from gpnn.site.store import module_path

PACKAGE = "gpnn"
"""The package whose modules the keys follow."""


def homes(package_dir: Path) -> dict[str, str]:
    """Where each name that a package re-exports is defined.

    Reads `gpnn/__init__.py`'s table of lazily imported names (`_HOMES`) and the
    `from MODULE import NAME` statements of every package's `__init__.py`.

    Parameters
    ----------
    package_dir : Path
        The `gpnn` folder.

    Returns
    -------
    dict of str to str
        Re-exported dotted name (`gpnn.rmse`) to defining dotted name (`gpnn.loss.rmse`).
    """
    found = {}
    for init in sorted(package_dir.rglob("__init__.py")):
        package = ".".join(init.parent.relative_to(package_dir.parent).parts)
        tree = ast.parse(init.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "_HOMES" for t in node.targets):
                table = node.value
                if isinstance(table, ast.Dict):
                    for key, value in zip(table.keys, table.values, strict=True):
                        if isinstance(key, ast.Constant) and isinstance(value, ast.Constant):
                            found[f"{package}.{key.value!s}"] = f"{value.value!s}.{key.value!s}"
            elif isinstance(node, ast.ImportFrom):
                module = _absolute(node, package, is_package=True)
                if module:
                    for alias in node.names:
                        found[f"{package}.{alias.asname or alias.name}"] = f"{module}.{alias.name}"
    return found


def resolve(qualified: str, table: dict[str, str]) -> str:
    """The name where an object is defined, replacing the longest re-exported prefix by its home.

    Parameters
    ----------
    qualified : str
        A dotted name as code spells it (`gpnn.site.prose`).
    table : dict of str to str
        From [`homes`][gpnn.site.plugin.keys.homes].

    Returns
    -------
    str
        The dotted name where it is defined (`gpnn.site.html.prose`).
    """
    for _ in range(8):  # a re-export of a re-export: follow a few steps
        parts = qualified.split(".")
        for end in range(len(parts), 1, -1):
            prefix = ".".join(parts[:end])
            if prefix in table and table[prefix] != prefix:
                qualified = ".".join([table[prefix], *parts[end:]])
                break
        else:
            return qualified
    return qualified


def used_names(source: str, table: dict[str, str]) -> set[str]:
    """Qualified names of `gpnn` objects a piece of code uses, through its imports.

    Every prefix counts too: `gpnn.training.GradientDescent.epoch` uses
    `gpnn.training.GradientDescent` and `gpnn.training`.

    Parameters
    ----------
    source : str
        Python code.
    table : dict of str to str
        From [`homes`][gpnn.site.plugin.keys.homes].

    Returns
    -------
    set of str
        Dotted names, each where it is defined.
    """
    tree = ast.parse(source)
    aliases: dict[str, str] = {}  # local name -> qualified name
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] != PACKAGE:
                    continue
                if alias.asname:  # import gpnn.posterior as post
                    aliases[alias.asname] = alias.name
                else:  # import gpnn, import gpnn.posterior: both bind the name gpnn
                    aliases[PACKAGE] = PACKAGE
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == PACKAGE:
            for alias in node.names:
                aliases[alias.asname or alias.name] = resolve(f"{node.module}.{alias.name}", table)
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute | ast.Name):
            chain = _chain(node)
            if chain and chain[0] in aliases:
                used.add(resolve(".".join([aliases[chain[0]], *chain[1:]]), table))
    return {".".join(name.split(".")[:end]) for name in used for end in range(2, name.count(".") + 2)}


def imported_modules(source: str, package_dir: Path, table: dict[str, str] | None = None) -> set[str]:
    """The `gpnn` modules a piece of code imports by name or reaches through a package's attributes.

    Parameters
    ----------
    source : str
        Python code (a page's code cells, or a module).
    package_dir : Path
        The `gpnn` folder.
    table : dict of str to str, optional
        From [`homes`][gpnn.site.plugin.keys.homes]; read from `package_dir` if not given.

    Returns
    -------
    set of str
        Dotted module names.
    """
    table = homes(package_dir) if table is None else table
    names = used_names(source, table)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names if alias.name.split(".")[0] == PACKAGE)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == PACKAGE:
            names.add(node.module)
            names.update(resolve(f"{node.module}.{alias.name}", table) for alias in node.names)
    return {module for name in names if (module := _module_of(name, package_dir))}


def module_closure(roots: set[str], package_dir: Path, table: dict[str, str] | None = None) -> list[str]:
    """The modules `roots` import, directly or not, themselves and their parent packages included.

    Imports are read from the source (every `import` statement, at any depth, so lazy imports
    inside functions count too; relative imports too); a module's parent packages count, since
    importing a module runs its package's `__init__` first.

    Parameters
    ----------
    roots : set of str
        Dotted module names to start from.
    package_dir : Path
        The `gpnn` folder.
    table : dict of str to str, optional
        From [`homes`][gpnn.site.plugin.keys.homes]; read from `package_dir` if not given.

    Returns
    -------
    list of str
        Dotted module names, sorted.
    """
    table = homes(package_dir) if table is None else table
    seen: set[str] = set()
    todo = sorted(roots)
    while todo:
        name = todo.pop()
        path = module_path(package_dir, name)
        if name in seen or path is None:
            continue
        seen.add(name)
        parts = name.split(".")
        todo.extend(".".join(parts[:end]) for end in range(1, len(parts)))
        source = path.read_text(encoding="utf-8")
        todo.extend(imported_modules(source, package_dir, table))
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.level:
                module = _absolute(node, name, is_package)
                if module:
                    todo.append(module)
                    todo.extend(f"{module}.{alias.name}" for alias in node.names)
    return sorted(seen)


def code_digest(modules: list[str], package_dir: Path) -> str:
    """SHA-256 of the code of `modules`, each with its name, without docstrings or comments.

    Parameters
    ----------
    modules : list of str
        Dotted module names, as [`module_closure`][gpnn.site.plugin.keys.module_closure] gives them.
    package_dir : Path
        The `gpnn` folder.

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    sha = hashlib.sha256()
    for name in sorted(modules):
        path = module_path(package_dir, name)
        if path is not None:
            sha.update(name.encode() + b"\0" + store.code_of(path) + b"\0")
    return sha.hexdigest()


def _module_of(name: str, package_dir: Path) -> str | None:
    """The longest prefix of a dotted name that is a module of the package."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if module_path(package_dir, prefix) is not None:
            return prefix
    return None


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str | None:
    """The absolute module name of a `from ... import` in `module` (relative or not)."""
    if not node.level:
        return node.module if node.module and node.module.split(".")[0] == PACKAGE else None
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (node.level - 1)]
    if not base:
        return None
    return ".".join(base + ([node.module] if node.module else []))


def _chain(node: ast.AST) -> list[str]:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return [node.id, *reversed(parts)] if isinstance(node, ast.Name) else []
