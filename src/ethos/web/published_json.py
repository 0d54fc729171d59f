"""Published results as JSON-ready data, for the API and stored results.

:func:`plain` changes only the form of what disclosure control published: a hidden figure
becomes ``{"hidden": true, "reason": ...}`` and never a number; dataclasses become objects,
arrays lists, non-finite floats ``null``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from ethos.stats.disclosure import Suppressed


def plain(value: Any) -> Any:
    """A published result as JSON-ready data; hidden figures carry only their reason."""
    if isinstance(value, Suppressed):
        return {"hidden": True, "reason": value.reason}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return plain(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "pk") and hasattr(value, "title"):  # a survey: name it, nothing more
        return {"id": str(value.pk), "title": value.title}
    return value
