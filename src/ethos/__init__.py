"""Ethos: anonymous culture diagnostics and values-based leadership for NHS organisations.

``ethos.analyse(frame, "culture", units=..., by=[...])`` is the one-call Python API for
notebooks (see :mod:`ethos.api`); the statistics core is :mod:`ethos.stats`.
"""

from typing import Any

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Imported lazily so that `ethos --help` and `import ethos` stay fast.
    if name == "analyse":
        from ethos.api import analyse

        return analyse
    raise AttributeError(f"module 'ethos' has no attribute {name!r}")
