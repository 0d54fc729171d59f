"""Changes of state for organisations: one verb-named function per change.

Views, the API, the CLI, the demo and tests all call these; none writes models directly.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from ethos.organisations import roster
from ethos.organisations.models import ApiToken, Organisation, Role, StaffMember, Unit
from ethos.organisations.roster import ImportReport
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


def import_units(organisation: Organisation, filename: str, data: bytes) -> ImportReport:
    """Add to or rearrange the unit tree from a ``code,name,parent`` CSV or XLSX file.

    Every problem in the file is reported and then nothing is changed.
    """
    units = Unit.objects.filter(organisation=organisation).select_related("parent")
    existing = {u.code: (u.parent.code if u.parent else None) for u in units}
    names = {u.code: u.name for u in units}
    rows, problems = roster.parse_units(filename, data, existing, settings.ETHOS_MAX_UPLOAD_MB)
    if problems:
        return ImportReport(problems=problems)
    changed = sum(
        1
        for code, name, parent in rows
        if code in existing and (names[code] != name or existing[code] != parent)
    )
    created = add_units(organisation, rows)
    return ImportReport(created=created, updated=changed, unchanged=len(rows) - created - changed)


def import_roster(organisation: Organisation, filename: str, data: bytes) -> ImportReport:
    """Bring the roster in line with a CSV or XLSX file, all or nothing.

    Staff are matched by staff id: new ones are created, known ones updated (and made active
    again), and staff missing from the file are marked inactive as leavers. Every problem in
    the file is reported and then nothing is changed.
    """
    units = dict(Unit.objects.filter(organisation=organisation).values_list("code", "pk"))
    entries, problems = roster.parse_roster(
        filename, data, set(units), settings.ETHOS_MAX_UPLOAD_MB
    )
    if problems:
        return ImportReport(problems=problems)
    return _save_roster(organisation, entries, units)


ROSTER_FIELDS = ("name", "email", "unit_id", "staff_group", "pay_band", "line_manager")
ROSTER_FIELDS += ("demographics", "active")


@transaction.atomic
def _save_roster(
    organisation: Organisation, entries: list[roster.RosterEntry], units: dict[str, int]
) -> ImportReport:
    existing = {s.staff_id: s for s in StaffMember.objects.filter(organisation=organisation)}
    report, new, changed = ImportReport(), [], []
    for entry in entries:
        member = existing.pop(entry.staff_id, None) or StaffMember(
            organisation=organisation, staff_id=entry.staff_id
        )
        before = [getattr(member, f) for f in ROSTER_FIELDS] if member.pk else None
        member.name, member.email, member.unit_id = entry.name, entry.email, units[entry.unit_code]
        member.staff_group, member.pay_band = entry.staff_group, entry.pay_band
        member.line_manager, member.demographics = entry.line_manager, entry.demographics
        member.active = True
        if before is None:
            new.append(member)
        elif before != [getattr(member, f) for f in ROSTER_FIELDS]:
            changed.append(member)
    StaffMember.objects.bulk_create(new, batch_size=1000)
    StaffMember.objects.bulk_update(changed, ROSTER_FIELDS, batch_size=500)
    leavers = [m.pk for m in existing.values() if m.active]
    for start in range(0, len(leavers), 500):
        StaffMember.objects.filter(pk__in=leavers[start : start + 500]).update(active=False)
    report.created, report.updated, report.deactivated = len(new), len(changed), len(leavers)
    report.unchanged = len(entries) - len(new) - len(changed)
    return report


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
