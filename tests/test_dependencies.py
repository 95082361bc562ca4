"""Dependencies that are true: nothing GPL in the default install, and every declared
dependency is one the package's code uses."""
from __future__ import annotations

import ast
import importlib.metadata as md
import re
import tomllib
from pathlib import Path

from packaging.markers import Marker, default_environment
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
COPYLEFT = re.compile(r"\b(A?GPL|LGPL|GNU (Affero |Lesser |Library )?General Public)", re.I)


def _name(n: str) -> str:
    return re.sub(r"[-_.]+", "-", n).lower()


def default_install() -> dict[str, md.Distribution]:
    """The distributions `pip install nscl-extract` brings: the dependency closure of the
    installed nscl-extract without extras, markers evaluated for this interpreter."""
    env = default_environment()
    seen: dict[str, md.Distribution] = {}
    todo = ["nscl-extract"]
    while todo:
        name = _name(todo.pop())
        if name in seen:
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            raise AssertionError(f"{name} is required but not installed") from None
        seen[name] = dist
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({**env, "extra": ""}):
                todo.append(req.name)
    return seen


def licence_of(dist: md.Distribution) -> str:
    m = dist.metadata
    parts = [m.get("License-Expression") or "", (m.get("License") or "")[:200]]
    parts += [c for c in m.get_all("Classifier") or [] if c.startswith("License ::")]
    return " | ".join(p for p in parts if p)


def copyleft_only(licence: str) -> bool:
    """True when every alternative the licence offers is GPL-family ("MPL-1.1 OR GPL-2.0" is fine)."""
    expression = licence.split(" | ")[0]
    if " OR " in expression:
        return all(COPYLEFT.search(alt) for alt in expression.split(" OR "))
    return bool(COPYLEFT.search(licence))


def test_copyleft_detection_itself():
    assert copyleft_only("GPL | License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)")
    assert copyleft_only("AGPL-3.0-only")
    assert copyleft_only("LGPL-2.1-or-later")
    assert not copyleft_only("MPL-1.1 OR GPL-2.0-only OR LGPL-2.1-or-later")
    assert not copyleft_only("MIT | License :: OSI Approved :: MIT License")
    assert not copyleft_only("Apache-2.0")


def test_default_install_has_nothing_gpl():
    closure = default_install()
    assert "spacy" in closure and "underthesea" in closure  # the closure is really walked
    bad = {name: licence_of(d) for name, d in closure.items() if copyleft_only(licence_of(d))}
    assert not bad, f"GPL-family packages in the default install: {bad}"
    # The province table is vendored (rules/provinces.yml): the package that pulls in GPL
    # Unidecode is not a dependency.
    assert "vietnamadminunits" not in closure and "unidecode" not in closure


def _declared() -> list[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [Requirement(r).name for r in data["project"]["dependencies"]]


def _imported_modules() -> set[str]:
    mods: set[str] = set()
    for path in (ROOT / "nscl_extract").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                mods.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                mods.add(node.module.split(".")[0])
    return mods


# Declared for a reason other than an import statement of ours.
INDIRECT = {"lxml-html-clean": "trafilatura needs it; older pips do not resolve lxml[html_clean]"}


def test_every_declared_dependency_is_used():
    imported = _imported_modules()
    top = md.packages_distributions()
    used = {_name(d) for mod in imported for d in top.get(mod, [])}
    unused = [d for d in _declared() if _name(d) not in used and _name(d) not in INDIRECT]
    assert not unused, f"declared in pyproject.toml but never imported by nscl_extract: {unused}"


def test_no_marker_surprises():
    # markers in our own requirements must evaluate here (a typo would silently drop a dependency)
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for r in data["project"]["dependencies"]:
        req = Requirement(r)
        if req.marker is not None:
            assert isinstance(req.marker, Marker)
            req.marker.evaluate()
