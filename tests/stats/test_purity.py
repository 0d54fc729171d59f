"""The statistics core must stay pure: no Django anywhere under src/ethos/stats/."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

STATS_DIR = Path(__file__).resolve().parents[2] / "src" / "ethos" / "stats"
MODULES = sorted(STATS_DIR.rglob("*.py"))


def django_imports(path: Path) -> list[str]:
    """Every ``import django...`` / ``from django... import`` statement in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "django"]
        elif (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and (node.module or "").split(".")[0] == "django"
        ):
            found.append(str(node.module))
    return found


def test_it_finds_the_stats_modules() -> None:
    assert STATS_DIR.is_dir()
    assert {"intervals.py", "psychometrics.py", "likelihood.py", "shrinkage.py"} <= {
        p.name for p in MODULES
    }


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(STATS_DIR)))
def test_it_has_no_django_imports(path: Path) -> None:
    assert django_imports(path) == [], f"{path} imports Django"


def test_it_does_not_load_django_at_runtime() -> None:
    modules = ["intervals", "psychometrics", "likelihood", "shrinkage", "_frames"]
    code = "; ".join(
        [f"import ethos.stats.{m}" for m in modules]
        + ["import sys", "print(any(m.split('.')[0] == 'django' for m in sys.modules))"]
    )
    src = str(STATS_DIR.parents[1])
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": src},
    )
    assert out.stdout.strip() == "False"
