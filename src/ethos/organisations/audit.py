"""The audit log: one call per staff action worth answering for.

:func:`record` appends an :class:`~ethos.organisations.models.AuditEvent`. Services call it
for state changes (survey opened or closed, files imported), views and the API for exports,
and every refused attempt to identify respondents is recorded before it is refused.
"""

from __future__ import annotations

from typing import Any

from ethos.organisations.models import AuditEvent, Organisation


def record(
    organisation: Organisation,
    actor: Any,
    action: str,
    target: str = "",
    outcome: str = AuditEvent.DONE,
    detail: str = "",
) -> AuditEvent:
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        organisation=organisation,
        actor=user,
        action=action,
        target=target[:200],
        outcome=outcome,
        detail=detail,
    )
