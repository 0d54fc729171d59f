"""Catalogues of realistic NHS unit names and the staff mix each kind of unit has.

Divisions contain directorates, directorates contain wards and teams. Every leaf name template
carries a *kind* (ward, theatre, clinic, ...) that decides which staff groups work there.
``{ward}`` in a template becomes a ward number such as ``7B``; ``{area}`` a locality.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

# Internal staff groups; demographic questions are mapped onto these by label.
GROUPS: tuple[str, ...] = (
    "nursing",
    "medical",
    "ahp",
    "scientific",
    "support",
    "admin",
    "estates",
    "management",
)

# Share of each staff group in each kind of unit (rows sum to 1, columns follow GROUPS).
STAFF_MIX: dict[str, tuple[float, ...]] = {
    "ward": (0.46, 0.10, 0.03, 0.00, 0.36, 0.05, 0.00, 0.00),
    "medical": (0.08, 0.80, 0.00, 0.00, 0.00, 0.12, 0.00, 0.00),
    "theatre": (0.44, 0.20, 0.08, 0.00, 0.25, 0.03, 0.00, 0.00),
    "clinic": (0.30, 0.20, 0.05, 0.00, 0.20, 0.25, 0.00, 0.00),
    "community": (0.50, 0.02, 0.18, 0.00, 0.20, 0.10, 0.00, 0.00),
    "therapy": (0.00, 0.00, 0.70, 0.00, 0.20, 0.10, 0.00, 0.00),
    "diagnostic": (0.02, 0.05, 0.25, 0.40, 0.18, 0.10, 0.00, 0.00),
    "pharmacy": (0.00, 0.00, 0.00, 0.60, 0.28, 0.12, 0.00, 0.00),
    "admin": (0.00, 0.00, 0.00, 0.00, 0.00, 0.85, 0.00, 0.15),
    "estates": (0.00, 0.00, 0.00, 0.00, 0.00, 0.10, 0.85, 0.05),
    "management": (0.07, 0.08, 0.00, 0.00, 0.00, 0.25, 0.00, 0.60),
}
KINDS: tuple[str, ...] = tuple(STAFF_MIX)

_WARDS = ("Ward {ward}", "ward")
_MED_TEAM = ("Consultant team", "medical")
_CLINIC = ("Outpatient clinic", "clinic")

# Leaf templates per directorate style.
LEAVES: dict[str, tuple[tuple[str, str], ...]] = {
    "medicine": (
        _WARDS,
        ("Acute medical unit", "ward"),
        _WARDS,
        _MED_TEAM,
        _WARDS,
        _CLINIC,
        ("Ambulatory care unit", "clinic"),
        _WARDS,
        ("Specialist nursing team", "clinic"),
    ),
    "emergency": (
        ("Emergency department majors", "ward"),
        ("Emergency department minors", "ward"),
        ("Resuscitation team", "ward"),
        ("Urgent treatment centre", "clinic"),
        _MED_TEAM,
        ("Clinical decisions unit", "ward"),
    ),
    "surgery": (
        _WARDS,
        ("Surgical assessment unit", "ward"),
        _WARDS,
        _MED_TEAM,
        _CLINIC,
        ("Pre-operative assessment", "clinic"),
        _WARDS,
    ),
    "theatres": (
        ("Main theatres", "theatre"),
        ("Day surgery theatres", "theatre"),
        ("Recovery", "theatre"),
        ("Anaesthetics team", "medical"),
        ("Critical care unit", "ward"),
        ("Theatre sterile services", "theatre"),
    ),
    "women": (
        ("Labour ward", "ward"),
        ("Maternity ward", "ward"),
        ("Community midwifery team {area}", "community"),
        ("Neonatal unit", "ward"),
        ("Children's ward", "ward"),
        _MED_TEAM,
        _CLINIC,
    ),
    "diagnostics": (
        ("Radiology", "diagnostic"),
        ("CT and MRI", "diagnostic"),
        ("Blood sciences", "diagnostic"),
        ("Microbiology", "diagnostic"),
        ("Cellular pathology", "diagnostic"),
        ("Ultrasound", "diagnostic"),
    ),
    "pharmacy": (
        ("Pharmacy dispensary", "pharmacy"),
        ("Aseptic unit", "pharmacy"),
        ("Ward pharmacy team", "pharmacy"),
        ("Medicines information", "pharmacy"),
    ),
    "therapies": (
        ("Physiotherapy", "therapy"),
        ("Occupational therapy", "therapy"),
        ("Speech and language therapy", "therapy"),
        ("Dietetics", "therapy"),
        ("Outpatient therapies", "therapy"),
    ),
    "community": (
        ("Community nursing team {area}", "community"),
        ("Community therapy team {area}", "community"),
        ("Intermediate care team {area}", "community"),
        ("Rapid response team {area}", "community"),
    ),
    "corporate": (
        ("Payroll", "admin"),
        ("Accounts payable", "admin"),
        ("Recruitment", "admin"),
        ("Patient access and booking", "admin"),
        ("Medical records", "admin"),
        ("IT service desk", "admin"),
        ("Business intelligence", "admin"),
        ("Learning and development", "admin"),
        ("Patient experience team", "admin"),
    ),
    "estates": (
        ("Portering", "estates"),
        ("Domestic services", "estates"),
        ("Catering", "estates"),
        ("Maintenance workshop", "estates"),
        ("Security team", "estates"),
        ("Linen and waste services", "estates"),
    ),
}

# Division name -> directorates (name, leaf style), most typical first.
DIVISIONS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Medicine",
        (
            ("Emergency medicine", "emergency"),
            ("Acute medicine", "medicine"),
            ("Cardiology", "medicine"),
            ("Respiratory medicine", "medicine"),
            ("Elderly care", "medicine"),
            ("Gastroenterology", "medicine"),
            ("Stroke and neurology", "medicine"),
            ("Diabetes and endocrinology", "medicine"),
            ("Renal medicine", "medicine"),
            ("Oncology and haematology", "medicine"),
        ),
    ),
    (
        "Surgery",
        (
            ("Theatres", "theatres"),
            ("General surgery", "surgery"),
            ("Trauma and orthopaedics", "surgery"),
            ("Anaesthetics and critical care", "theatres"),
            ("Urology", "surgery"),
            ("Ear, nose and throat", "surgery"),
            ("Ophthalmology", "surgery"),
            ("Vascular surgery", "surgery"),
        ),
    ),
    (
        "Corporate",
        (
            ("Finance", "corporate"),
            ("Estates and facilities", "estates"),
            ("Workforce and organisational development", "corporate"),
            ("Digital services", "corporate"),
            ("Nursing and quality governance", "corporate"),
            ("Operations", "corporate"),
        ),
    ),
    (
        "Clinical support",
        (
            ("Imaging", "diagnostics"),
            ("Pathology", "diagnostics"),
            ("Pharmacy", "pharmacy"),
            ("Therapies", "therapies"),
            ("Outpatients", "medicine"),
        ),
    ),
    (
        "Women and children",
        (
            ("Maternity", "women"),
            ("Paediatrics", "women"),
            ("Gynaecology", "surgery"),
            ("Neonatal care", "women"),
        ),
    ),
    (
        "Community and integrated care",
        (
            ("Community nursing", "community"),
            ("Community therapies", "community"),
            ("Intermediate care", "community"),
            ("Sexual health", "medicine"),
        ),
    ),
)

AREAS: tuple[str, ...] = ("North", "South", "East", "West", "Central")


def numbered(name: str, repeat: int) -> str:
    """``name`` for the first use, then ``name 2``, ``name 3`` ... for repeats."""
    return name if repeat == 0 else f"{name} {repeat + 1}"


def division_names(count: int) -> tuple[list[str], list[int]]:
    """Names of ``count`` divisions and the index of each one's catalogue entry."""
    kinds = [i % len(DIVISIONS) for i in range(count)]
    names = [numbered(DIVISIONS[k][0], i // len(DIVISIONS)) for i, k in enumerate(kinds)]
    return names, kinds


def directorate_names(division_kind: np.ndarray, rank: np.ndarray) -> tuple[list[str], list[str]]:
    """Names and leaf styles of directorates, given their division's kind and rank in it."""
    names: list[str] = []
    styles: list[str] = []
    for kind, position in zip(division_kind.tolist(), rank.tolist(), strict=True):
        catalogue = DIVISIONS[kind][1]
        name, style = catalogue[position % len(catalogue)]
        names.append(numbered(name, position // len(catalogue)))
        styles.append(style)
    return names, styles


def leaf_names(
    styles: list[str], rank: np.ndarray, start: np.ndarray
) -> tuple[list[str], list[str]]:
    """Names and kinds of leaf units, given their directorate's style and their rank in it.

    ``start`` offsets ward numbering so that each directorate has its own wards.
    """
    names: list[str] = []
    kinds: list[str] = []
    for style, position, first in zip(styles, rank.tolist(), start.tolist(), strict=True):
        catalogue = LEAVES[style]
        template, kind = catalogue[position % len(catalogue)]
        repeat = position // len(catalogue)
        if "{ward}" in template:
            name = template.format(ward=f"{first + position // 2}{'AB'[position % 2]}")
        elif "{area}" in template:
            area = AREAS[repeat % len(AREAS)]
            name = numbered(template.format(area=area), repeat // len(AREAS))
        else:
            name = numbered(template, repeat)
        names.append(name)
        kinds.append(kind)
    return names, kinds


_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("estates", ("porter", "domestic", "catering", "estates", "maintenance", "security", "linen")),
    (
        "admin",
        (
            "payroll",
            "accounts",
            "recruit",
            "booking",
            "records",
            "service desk",
            "intelligence",
            "finance",
            "learning and development",
            "experience team",
            "hr",
        ),
    ),
    ("pharmacy", ("pharmacy", "aseptic", "medicines")),
    (
        "diagnostic",
        (
            "radiology",
            "ct ",
            "mri",
            "sciences",
            "microbiology",
            "pathology",
            "ultrasound",
            "imaging",
            "laborator",
        ),
    ),
    ("therapy", ("therapy", "physio", "dietetic", "therapies")),
    ("theatre", ("theatre", "recovery", "sterile")),
    ("medical", ("consultant", "anaesthetics team", "medical staff", "doctors")),
    ("community", ("community", "intermediate care", "rapid response", "district")),
    (
        "clinic",
        (
            "clinic",
            "outpatient",
            "ambulatory",
            "assessment",
            "urgent treatment",
            "specialist nursing",
        ),
    ),
    ("ward", ("ward", "unit", "emergency", "resuscitation", "department")),
)


# Catalogue template prefixes, longest first, for exact recognition of generated names.
_PREFIXES: tuple[tuple[str, str], ...] = tuple(
    sorted(
        {(t.split("{")[0], k) for leaves in LEAVES.values() for t, k in leaves},
        key=lambda pair: (-len(pair[0]), pair[0]),
    )
)


@lru_cache(maxsize=65536)
def kind_of_name(name: str) -> str:
    """The kind of a leaf unit from its name: a catalogue name, else keywords, else ``ward``."""
    for prefix, kind in _PREFIXES:
        if name.startswith(prefix):
            return kind
    lowered = f"{name.lower()} "
    for kind, words in _KIND_WORDS:
        if any(word in lowered for word in words):
            return kind
    return "ward"
