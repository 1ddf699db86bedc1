"""Imports follow the pipeline: no module imports from a later stage (issue 11 item 8).

Every ``divgenbench`` module is given a stage; an import (also one inside a function) of a module in a later
stage fails here with the arrow named, so a new cross-stage dependency is a conscious change of this table.
"""

from __future__ import annotations

import ast
from pathlib import Path

import divgenbench

PACKAGE = Path(divgenbench.__file__).parent

#: module prefix → stage; the longest matching prefix wins. Equal stages may import each other.
STAGES: dict[str, int] = {
    "divgenbench.errors": 0, "divgenbench.registry": 0, "divgenbench.hashing": 0, "divgenbench.store": 0, "divgenbench.images": 0,
    "divgenbench.rundir": 0, "divgenbench.strictjson": 0, "divgenbench.__main__": 9,
    "divgenbench.prompts": 1, "divgenbench.protocol": 1,
    "divgenbench.generators": 2, "divgenbench.guidance": 2,
    "divgenbench.extractors": 3,
    "divgenbench.rundir.samples": 4, "divgenbench.rundir.features": 4, "divgenbench.rundir.merge": 4,
    "divgenbench.metrics": 5, "divgenbench.quality": 5, "divgenbench.reference": 5,
    "divgenbench.results": 6, "divgenbench.environment": 6,
    "divgenbench.pipeline": 7, "divgenbench.compare": 7, "divgenbench.training": 7,
    "divgenbench.report": 8, "divgenbench.leaderboard": 8,
    "divgenbench.cli": 9,
}


def stage(module: str) -> int:
    if module == "divgenbench":  # the package root holds only the version
        return 0
    matches = [p for p in STAGES if module == p or module.startswith(p + ".")]
    assert matches, f"{module} has no stage in tests/test_layers.py STAGES: add it where it belongs"
    return STAGES[max(matches, key=len)]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, name: str) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found |= {f"{target}.{alias.name}" for alias in node.names}  # `from . import store`
    return {m for m in found if m.startswith("divgenbench") and _is_module(m)}


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def test_no_module_imports_from_a_later_stage():
    arrows = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        for target in imported_modules(path, name):
            if stage(target) > stage(name):
                arrows.append(f"{name} (stage {stage(name)}) → {target} (stage {stage(target)})")
    assert not arrows, "imports against the pipeline order:\n" + "\n".join(arrows)


def test_the_checker_sees_a_backward_arrow(tmp_path):
    """The rule can fail: a results import inside an extractor module is an arrow."""
    module = tmp_path / "x.py"
    module.write_text("def f():\n    from ..results.models import Results\n")
    targets = imported_modules(module, "divgenbench.extractors.x")
    assert "divgenbench.results.models" in targets
    assert stage("divgenbench.results.models") > stage("divgenbench.extractors.x")


#: distribution name of each core dependency → the module it provides
CORE_MODULES = {"numpy": "numpy", "scipy": "scipy", "pillow": "PIL", "typer": "typer", "rich": "rich",
                "pydantic": "pydantic", "huggingface_hub": "huggingface_hub", "safetensors": "safetensors",
                "datasets": "datasets", "filelock": "filelock"}


def test_every_core_dependency_is_used_by_the_core():
    """Issue 11 item 8: a core dependency (``[project] dependencies``) is one the package imports; test-only
    or unused libraries (jsonschema, pandas) stay out of every user's install."""
    import re

    text = (PACKAGE.parent / "pyproject.toml").read_text()  # no tomllib: Python 3.10 is supported
    block = re.search(r"^dependencies = \[(.*?)^\]", text, re.S | re.M).group(1)
    declared = re.findall(r'"([^"]+)"', block)
    assert declared, "no [project] dependencies found"
    names = [re.split(r"[<>=!~\[ ]", spec, maxsplit=1)[0].lower() for spec in declared]
    unknown = [n for n in names if n not in CORE_MODULES]
    assert not unknown, f"add the module of {unknown} to CORE_MODULES"
    imported = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                imported.add(node.module.split(".")[0])
    unused = [n for n in names if CORE_MODULES[n] not in imported]
    assert not unused, f"core dependencies the package never imports: {unused}"
