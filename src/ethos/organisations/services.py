"""Changes of state for organisations: one verb-named function per change.

Views, the API, the CLI, the demo and tests all call these; none writes models directly.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from ethos.organisations.models import ApiToken, Organisation, Role, Unit
from ethos.web.config import MIN_GROUP_FLOOR
from ethos.web.tokens import keyed_hash, new_token

API_TOKEN_PURPOSE = "api-token"


def create_organisation(name: str, slug: str, min_group_size: int = 10) -> Organisation:
    if min_group_size < MIN_GROUP_FLOOR:
        raise ValidationError(f"The minimum group size cannot be below {MIN_GROUP_FLOOR}.")
    organisation = Organisation(name=name, slug=slug, min_group_size=min_group_size)
    organisation.full_clean()
    organisation.save()
    return organisation


@transaction.atomic
def add_units(organisation: Organisation, rows: Iterable[tuple[str, str, str | None]]) -> int:
    """Create or rename units from ``(code, name, parent code)`` rows, parents first or not.

    Returns how many units were created. Paths and depths are recomputed for the whole tree.
    """
    rows = list(rows)
    existing = {u.code: u for u in Unit.objects.filter(organisation=organisation)}
    created = 0
    for code, name, _parent in rows:
        unit = existing.get(code)
        if unit is None:
            existing[code] = Unit.objects.create(organisation=organisation, code=code, name=name)
            created += 1
        elif unit.name != name:
            unit.name = name
            unit.save(update_fields=["name"])
    for code, _name, parent in rows:
        unit = existing[code]
        parent_unit = existing[parent] if parent else None
        if unit.parent_id != (parent_unit.pk if parent_unit else None):
            unit.parent = parent_unit
            unit.save(update_fields=["parent"])
    rebuild_paths(organisation)
    return created


def rebuild_paths(organisation: Organisation) -> None:
    """Recompute every unit's materialised ``path`` and ``depth`` (refuses cycles)."""
    units = list(Unit.objects.filter(organisation=organisation))
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    seen = 0
    stack = [(u, "/", 0) for u in children.get(None, [])]
    while stack:
        unit, prefix, depth = stack.pop()
        unit.path, unit.depth = f"{prefix}{unit.pk}/", depth
        seen += 1
        stack.extend((c, unit.path, depth + 1) for c in children.get(unit.pk, []))
    if seen != len(units):
        raise ValidationError("The unit tree has a cycle: a unit is its own ancestor.")
    Unit.objects.bulk_update(units, ["path", "depth"], batch_size=1000)


def create_user(username: str, password: str | None, email: str = "") -> object:
    user_model = get_user_model()
    user = user_model(username=username, email=email)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


def grant_role(
    user: object, organisation: Organisation, role: str, unit: Unit | None = None
) -> Role:
    """Give ``user`` a role. A user belongs to one organisation; a manager role names a unit."""
    other = Role.objects.filter(user=user).exclude(organisation=organisation)
    if other.exists():
        raise ValidationError("This user already belongs to another organisation.")
    if (role == Role.MANAGER) != (unit is not None):
        raise ValidationError("A unit manager role needs a unit; other roles take none.")
    if unit is not None and unit.organisation_id != organisation.pk:
        raise ValidationError("That unit belongs to another organisation.")
    grant, _ = Role.objects.get_or_create(
        user=user, organisation=organisation, role=role, unit=unit
    )
    return grant


def create_api_token(user: object, name: str) -> str:
    """Create a personal API token and return it; only its keyed hash is stored."""
    token = new_token()
    ApiToken.objects.create(user=user, name=name, key_hash=keyed_hash(API_TOKEN_PURPOSE, token))
    return token
