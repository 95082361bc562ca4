"""The package is one folder per stage, in the order the data goes through them; a module may
import its own stage or a lower one, never a higher one (README.md's map of the folders).
Every import is checked, also those inside functions, so a lazy import cannot hide a back-arrow."""
from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "nscl_extract"

# Lowest first. A name is a module or a package (then every module under it).
STAGES = [
    ("core", ["nscl_extract.schema", "nscl_extract.rules"]),
    ("text", ["nscl_extract.text"]),
    ("outputs", ["nscl_extract.outputs"]),
    ("load", ["nscl_extract.load"]),
    ("mentions", ["nscl_extract.mentions"]),
    ("indicators", ["nscl_extract.indicators"]),
    ("pipeline", ["nscl_extract.pipeline"]),
    ("store", ["nscl_extract.store"]),
    ("scoring", ["nscl_extract.scoring"]),
    ("pages", ["nscl_extract.pages"]),
    ("interop", ["nscl_extract.interop"]),
    ("cli", ["nscl_extract.cli"]),
    ("api", ["nscl_extract"]),  # the package's own __init__: the public API, above everything
]


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def stage_of(module: str, stages=STAGES) -> int | None:
    """The rank of the most specific stage naming `module` (or a package above it). The bare
    package name ("api") is its __init__ alone, so a new folder belongs to no stage until named."""
    best, best_len = None, -1
    for rank, (_, names) in enumerate(stages):
        for name in names:
            under = "." in name and module.startswith(name + ".")
            if (module == name or under) and len(name) > best_len:
                best, best_len = rank, len(name)
    return best


def imports_of(path: Path, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, absolute module) for every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module.split(".") if is_package else module.split(".")[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # `from . import ocr` imports a module by its name
            found += [(node.lineno, f"{target}.{a.name}") for a in node.names]
    return found


def violations(root: Path, top: str = "nscl_extract", stages=STAGES) -> list[str]:
    out = []
    for path in sorted((root / top).rglob("*.py")):
        module = module_name(path, root)
        rank = stage_of(module, stages)
        if rank is None:
            out.append(f"{path.relative_to(root)}: in no stage (add its folder to STAGES and README's map)")
            continue
        for line, target in imports_of(path, module, path.name == "__init__.py"):
            if not (target == top or target.startswith(top + ".")):
                continue
            if (root / Path(*target.split("."))).with_suffix(".py").is_file() or (root / Path(*target.split("."))).is_dir():
                trank = stage_of(target, stages)
                if trank is not None and trank > rank and target != top:
                    out.append(f"{path.relative_to(root)}:{line}: {stages[rank][0]} imports {target} ({stages[trank][0]})")
    return out


def test_no_stage_imports_a_higher_one():
    assert violations(ROOT) == []


def test_the_check_catches_a_back_arrow(tmp_path):
    """The check itself: a lower stage importing a higher one, lazily inside a function, is found."""
    pkg = tmp_path / "nscl_extract"
    for folder in ("", "pages", "text"):
        (pkg / folder).mkdir(exist_ok=True)
        (pkg / folder / "__init__.py").write_text("")
    (pkg / "schema.py").write_text("def view(doc):\n    from .pages.review import render\n    return render(doc)\n")
    (pkg / "pages" / "review.py").write_text("from ..schema import view\n")
    (pkg / "text" / "words.py").write_text("from .. import schema\n")
    found = violations(tmp_path)
    assert found == ["nscl_extract/schema.py:2: core imports nscl_extract.pages.review (pages)"]


def test_a_module_outside_every_stage_is_reported(tmp_path):
    pkg = tmp_path / "nscl_extract"
    (pkg / "misc").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "schema.py").write_text("")
    (pkg / "misc" / "helpers.py").write_text("")
    assert violations(tmp_path, stages=[("core", ["nscl_extract.schema"]), ("api", ["nscl_extract"])]) == [
        "nscl_extract/misc/helpers.py: in no stage (add its folder to STAGES and README's map)"]


def test_every_package_folder_ships_in_the_wheel():
    """pyproject lists the packages by hand; a folder missing from it would install without it."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    folders = {module_name(p, ROOT) for p in PACKAGE.rglob("__init__.py")}
    assert folders <= listed, f"packages missing from pyproject.toml: {sorted(folders - listed)}"


@pytest.mark.parametrize("stage", [name for name, _ in STAGES])
def test_every_stage_is_in_the_readme_map(stage):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    where = {"core": "schema.py", "api": "__init__.py"}.get(stage, f"{stage}/")
    assert f"`{where}`" in readme, f"README.md's map of the folders has no line for {where}"
