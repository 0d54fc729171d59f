"""The shape every staff form shares: what was typed, the clean arguments, a message per field.

Each app's form module subclasses :class:`StaffForm` with its ``FIELD_IDS`` (field name ->
the id of the element the error summary links to). The rules stay in the services, whose
:class:`ValidationError` messages :meth:`StaffForm.add` maps onto the fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.core.exceptions import ValidationError


@dataclass
class StaffForm:
    """What was typed (``values``, for redisplay), the clean arguments, and field errors."""

    values: dict[str, Any]
    arguments: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    FIELD_IDS: ClassVar[dict[str, str]] = {}
    UNKNOWN_HREF: ClassVar[str] = "title"  # "" links an unknown field to its own name

    def summary(self) -> list[dict[str, str]]:
        """The NHS error summary's list: each message linked to its field."""
        return [
            {"text": message, "href": "#" + self.FIELD_IDS.get(name, self.UNKNOWN_HREF or name)}
            for name, message in self.errors.items()
        ]

    def add(self, exc: ValidationError, default: str = "title") -> None:
        """Map a service's :class:`ValidationError` onto the form's fields."""
        if hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                target = name if name in self.FIELD_IDS else default
                self.errors.setdefault(target, " ".join(errors))
        else:
            self.errors.setdefault(default, " ".join(exc.messages))
