"""pyproject.toml is the one source of truth for dependencies; environment.yml must not drift."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path
import tomllib

import yaml

from tests.conftest import PROJECT


def _pyproject() -> dict:
    return tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_dependency_is_pinned():
    deps = _pyproject()["project"]["dependencies"]
    extras = [d for group in _pyproject()["project"]["optional-dependencies"].values() for d in group]
    for dep in deps + extras:
        assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][0-9A-Za-z.]*", dep), f"{dep} is not pinned with =="


def test_environment_yml_installs_the_package_and_adds_nothing():
    env = yaml.safe_load((PROJECT / "environment.yml").read_text(encoding="utf-8"))
    deps = env["dependencies"]
    pip_blocks = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    assert pip_blocks, "environment.yml must install the package with pip"
    pip = pip_blocks[0]
    assert any(p.startswith("-e .") for p in pip), "environment.yml must pip-install this package"
    pinned = {re.split(r"[=<>\[]", d)[0].lower() for d in _pyproject()["project"]["dependencies"]}
    conda = [d for d in deps if isinstance(d, str)]
    for d in conda:
        name = re.split(r"[=<> ]", d)[0].lower()
        assert name in {"python", "pip"}, (
            f"environment.yml lists {d!r}: add dependencies to pyproject.toml instead")
    others = [p for p in pip if not p.startswith("-e .")]
    assert not others, f"environment.yml pip section lists {others}; pyproject.toml is the source of truth"
    py = next(d for d in conda if d.startswith("python"))
    req = _pyproject()["project"]["requires-python"]
    assert py.split("=")[1] >= req.lstrip(">="), "environment.yml python is older than requires-python"
    assert pinned, "pyproject has dependencies"


def _paths_out_of_project(path: Path) -> list[str]:
    """String literals in a test file that climb out of the project to something that exists there
    (a hostile id such as ``../escaped`` names nothing), and ``parents[n]`` with n >= 2 (from
    ``tests/x.py`` that is above the project)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and node.value.startswith(os.pardir + "/") and "\n" not in node.value
                and (PROJECT / node.value).exists()):
            found.append(node.value)
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute)
                and node.value.attr == "parents" and isinstance(node.slice, ast.Constant)
                and isinstance(node.slice.value, int) and node.slice.value >= 2):
            found.append(f"parents[{node.slice.value}]")
    return found


def test_tests_need_nothing_beside_the_project():
    """A plain clone runs the suite: fixtures are vendored under tests/data/, each named with its
    source and licence in tests/data/README.md."""
    for path in (PROJECT / "tests").rglob("*.py"):
        assert not _paths_out_of_project(path), f"{path.name} reads beside the project"
    readme = (PROJECT / "tests" / "data" / "README.md").read_text(encoding="utf-8")
    own = ("demo_reference", "malformed", "attendance")  # the project's own files, each folder described once
    for folder in own:
        assert f"`{folder}/`" in readme, f"tests/data/{folder}/ is not described in tests/data/README.md"
    vendored = [p for p in (PROJECT / "tests" / "data").rglob("*")
                if p.is_file() and not set(own) & set(p.parts) and p.name != "README.md"]
    assert vendored, "no vendored fixtures"
    for p in vendored:
        assert p.relative_to(PROJECT / "tests" / "data").as_posix() in readme, f"{p.name}: source and licence missing"
