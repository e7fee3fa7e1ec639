"""The house rules that hold the architecture: one import name, and layers without cycles.

The built wheel is what a user installs, so the checks run on it rather than on the checkout:
only ``kiennghi`` is put on the path, the bare names (``nlp``, ``service`` …) are not importable,
and the layer contract in pyproject.toml holds on the installed tree.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BARE = ("nlp", "training", "models", "service")
SOURCE_DIRS = ("kiennghi", *BARE, "tests", "benchmarks")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    (built,) = out.glob("kiennghi-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target


def _run(code: str, site: Path) -> subprocess.CompletedProcess[str]:
    # cwd and PYTHONPATH point at the unpacked wheel, not at the checkout.
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=site, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_wheel_installs_one_top_level_package(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    top = {name.split("/")[0] for name in names}
    assert top == {"kiennghi", next(t for t in top if t.endswith(".dist-info"))}
    for needed in (
        "kiennghi/nlp/normalize.py",
        "kiennghi/service/migrations/env.py",
        "kiennghi/training/configs/default.yaml",
        "kiennghi/data/directory.csv",
    ):
        assert needed in names
    assert any(n.startswith("kiennghi/training/data/seed/") and n.endswith(".jsonl") for n in names)


def test_every_source_package_is_in_the_wheel(wheel: Path) -> None:
    """A subpackage missing from [tool.setuptools] packages would be silently left out."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    mapping = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    for package, folder in mapping.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.relative_to(ROOT / folder).as_posix()
            assert f"{package.replace('.', '/')}/{relative}" in names, f"{init} is not packaged"


def test_only_the_namespaced_names_import(installed: Path) -> None:
    code = (
        "import importlib, kiennghi, kiennghi.nlp, kiennghi.models, kiennghi.training, kiennghi.service\n"
        f"assert kiennghi.__file__.startswith({str(installed)!r}), kiennghi.__file__\n"
        f"for bare in {BARE!r}:\n"
        "    try:\n        importlib.import_module(bare)\n"
        "    except ModuleNotFoundError:\n        continue\n"
        "    raise SystemExit(f'{bare} is importable')\n"
        "print('ok')"
    )
    done = _run(code, installed)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr + done.stdout


def test_layer_contract_holds(installed: Path) -> None:
    code = (
        "import sys\nfrom importlinter.cli import lint_imports\n"
        f"sys.exit(lint_imports(config_filename={str(ROOT / 'pyproject.toml')!r}, no_cache=True))"
    )
    done = _run(code, installed)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "BROKEN" not in done.stdout


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def test_no_code_imports_the_bare_folder_names() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for folder in SOURCE_DIRS
        for path in (ROOT / folder).rglob("*.py")
        for line, module in _imports(path)
        if module.split(".")[0] in BARE
    ]
    assert wrong == []
