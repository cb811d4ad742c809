"""requirements/lock.txt pins what `make test` and CI install, and agrees with pyproject.toml's ranges."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
LOCK_LINE = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;]+)(\s*;\s*(?P<marker>.+))?$"
)


def locked() -> dict[str, Version]:
    pins = {}
    for line in (PROJECT_ROOT / "requirements" / "lock.txt").read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = LOCK_LINE.match(line.strip())
        assert match, f"not an exact pin: {line!r}"
        pins[canonicalize_name(match["name"])] = Version(match["version"])
    return pins


def declared() -> list[Requirement]:
    project = PYPROJECT["project"]
    extras = project["optional-dependencies"]
    return [Requirement(text) for text in [*project["dependencies"], *extras["test"], *extras["dev"]]]


def test_every_declared_dependency_is_locked_inside_its_range():
    pins = locked()
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in requirements/lock.txt: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements/lock.txt pins {name}=={pins[name]}, outside {requirement}: run `make lock`"
        )


def test_the_linter_and_the_build_backend_are_pinned_exactly():
    """A new ruff (rules, formatting) or hatchling (what the wheel holds) must not change `make test`."""
    exact = {canonicalize_name(r.name): r for r in declared() if str(r.specifier).startswith("==")}
    assert "ruff" in exact
    build_backend = Requirement(PYPROJECT["build-system"]["requires"][0])
    assert str(build_backend.specifier).startswith("==")
    # tests/test_packaging.py builds the wheel with the hatchling the test extra installs: the same one.
    assert exact["hatchling"].specifier == build_backend.specifier


def test_make_installs_from_the_lock():
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    installs = re.findall(r"^\t\$\(BIN\)/python -m pip install (.*-e .*)$", makefile, re.M)
    assert len(installs) == 2, installs  # `make run`'s and `make test`'s
    assert all("--constraint $(LOCK)" in line for line in installs), installs
    assert re.search(r"^LOCK := requirements/lock.txt$", makefile, re.M)
