"""The layers of ARCHITECTURE.md, checked on the code: import direction, size, thin notebooks.

Reads the source with ``ast`` (nothing is imported), so a violation names the file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import PROJECT

PACKAGE = PROJECT / "josanalysis"

#: Layer of every subpackage: a module may import its own layer or lower ones (ARCHITECTURE.md).
LAYERS: dict[str, int] = {
    "core": 0,
    "sources": 1,
    "demo": 1,
    "panel": 2,
    "methods": 3,
    "assessment": 4,
    "privacy": 5,
    "questions": 6,
    "reporting": 7,
    "runner": 8,
}
MAX_MODULE_LINES = 700
MAX_FUNCTION_LINES = 100
MAX_IMPORTS_IN_FUNCTIONS = 3
MAX_NOTEBOOK_CODE_LINES = 80


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _layer_of_module(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "josanalysis" and parts[1] in LAYERS else None


def _module_name(path: Path) -> str:
    rel = path.relative_to(PROJECT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(tree: ast.AST, module: str) -> list[tuple[ast.AST, str]]:
    """(node, imported module) for every import of a josanalysis module, relative ones resolved."""
    out = []
    package = module.split(".") if module.count(".") else [module]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node, a.name) for a in node.names if a.name.startswith("josanalysis")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + (1 if _is_package(module) else 0)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name.startswith("josanalysis"):
                out.append((node, name))
                out += [(node, f"{name}.{a.name}") for a in node.names if name == "josanalysis"]
    return out


def _is_package(module: str) -> bool:
    return (PROJECT / Path(*module.split(".")) / "__init__.py").is_file()


def test_every_module_belongs_to_a_layer():
    top = sorted(p.name for p in PACKAGE.iterdir() if p.suffix == ".py" or (p / "__init__.py").is_file())
    assert set(top) - {"__init__.py", "_moved.py"} <= set(LAYERS), (
        "module(s) outside the layers: " + ", ".join(sorted(set(top) - set(LAYERS) - {"__init__.py", "_moved.py"})))


def test_no_layer_imports_a_higher_layer():
    problems = []
    for path in _modules():
        module = _module_name(path)
        own = _layer_of_module(module)
        if own is None:
            continue
        for node, target in _imports(ast.parse(path.read_text(encoding="utf-8")), module):
            other = _layer_of_module(target)
            if other is not None and LAYERS[other] > LAYERS[own]:
                problems.append(f"{path.relative_to(PROJECT)}:{node.lineno}: {own} imports {target} ({other})")
    assert not problems, "lower layers import higher ones:\n" + "\n".join(problems)


def test_reporting_never_imports_sources():
    """Reports are built from the panel and the assessment, never from raw files."""
    problems = []
    for path in sorted((PACKAGE / "reporting").rglob("*.py")):
        for node, target in _imports(ast.parse(path.read_text(encoding="utf-8")), _module_name(path)):
            if _layer_of_module(target) == "sources":
                problems.append(f"{path.relative_to(PROJECT)}:{node.lineno}: imports {target}")
    assert not problems, "\n".join(problems)


def test_report_figures_are_made_in_one_place():
    """Every report figure comes from reporting.figures.report_figure (the title placement that
    lets matplotlib skip measuring tick labels above a panel), never from pyplot directly."""
    problems = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("subplots", "figure", "subplot_mosaic")
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "plt"):
                problems.append(f"{path.relative_to(PROJECT)}:{node.lineno}: plt.{node.func.attr}")
    inside = [p for p in problems if p.startswith("josanalysis/reporting/figures.py:") and p.endswith("plt.subplots")]
    assert len(inside) == 1 and problems == inside, "figures made outside report_figure:\n" + "\n".join(problems)


def _function_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module = _module_name(path)
    out = []
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node, target in _imports(fn, module):
                out.append(f"{path.relative_to(PROJECT)}:{node.lineno}: {fn.name} imports {target}")
    return sorted(set(out))


def test_imports_inside_functions_are_rare():
    hidden = [line for path in _modules() for line in _function_imports(path)]
    assert len(hidden) <= MAX_IMPORTS_IN_FUNCTIONS, (
        f"{len(hidden)} josanalysis imports inside functions (at most {MAX_IMPORTS_IN_FUNCTIONS}):\n"
        + "\n".join(hidden))


def test_modules_and_functions_are_small():
    problems = []
    for path in _modules():
        text = path.read_text(encoding="utf-8")
        n = len(text.splitlines())
        if n > MAX_MODULE_LINES:
            problems.append(f"{path.relative_to(PROJECT)}: {n} lines (at most {MAX_MODULE_LINES})")
        for fn in ast.walk(ast.parse(text)):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = fn.end_lineno - fn.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    problems.append(f"{path.relative_to(PROJECT)}:{fn.lineno}: {fn.name} has {length} lines "
                                    f"(at most {MAX_FUNCTION_LINES})")
    assert not problems, "\n".join(problems)


def _code_lines(notebook_py: Path) -> int:
    """Non-blank, non-comment lines of the code cells of a jupytext percent file."""
    n, in_markdown = 0, False
    for line in notebook_py.read_text(encoding="utf-8").splitlines():
        if line.startswith("# %%"):
            in_markdown = "[markdown]" in line
            continue
        stripped = line.strip()
        if not in_markdown and stripped and not stripped.startswith("#"):
            n += 1
    return n


@pytest.mark.parametrize("notebook", sorted((PROJECT / "notebooks").glob("*.py")), ids=lambda p: p.stem)
def test_notebooks_are_thin(notebook):
    n = _code_lines(notebook)
    assert n <= MAX_NOTEBOOK_CODE_LINES, f"{notebook.name}: {n} code lines (at most {MAX_NOTEBOOK_CODE_LINES})"
    tree = ast.parse("\n".join(line for line in notebook.read_text(encoding="utf-8").splitlines()
                               if not line.startswith("# ")))
    defs = [n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    assert not defs, f"{notebook.name} defines {', '.join(defs)}: logic belongs in the library"


def test_notebooks_never_read_files():
    for notebook in sorted((PROJECT / "notebooks").glob("*.py")):
        text = notebook.read_text(encoding="utf-8")
        for call in ("open(", "read_csv(", "read_parquet(", "read_excel(", "Path(", ".read_text("):
            assert call not in text, f"{notebook.name} calls {call}: notebooks never read files"


def test_the_layer_test_catches_a_back_edge(tmp_path):
    """The check above can fail: a core module importing reporting is reported."""
    bad = "from josanalysis.reporting import figures\n"
    problems = [t for _, t in _imports(ast.parse(bad), "josanalysis.core.bad")
                if LAYERS[_layer_of_module(t)] > LAYERS["core"]]
    assert problems == ["josanalysis.reporting"]
