"""Answer probabilities for demographic questions, matched to an instrument's options by label.

Each builder returns a matrix of weights, one row per staff group (see
:data:`ethos.synth.names.GROUPS`) and one column per *stated* option. Proportions are rounded
figures for the English NHS workforce and staff-survey answers (ethnicity about 70% White with
a higher Black and minority ethnic share among medical and nursing staff, about 77% women,
about 20% answering yes to a disability or long-term condition question).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from statistics import NormalDist

import numpy as np

from ethos.instruments.model import Demographic, Option
from ethos.synth.names import GROUPS

G = len(GROUPS)
# Per staff group, in GROUPS order: nursing, medical, ahp, scientific, support, admin,
# estates, management.
P_BME = np.array([0.36, 0.50, 0.22, 0.28, 0.27, 0.17, 0.24, 0.14])
P_FEMALE = np.array([0.90, 0.50, 0.84, 0.66, 0.85, 0.84, 0.45, 0.66])
AGE_MEAN = np.array([41.0, 37.0, 39.0, 41.0, 42.0, 45.0, 47.0, 48.0])
AGE_SD = 11.0
P_DISABLED = np.array([0.20, 0.11, 0.20, 0.20, 0.23, 0.24, 0.22, 0.17])
NOT_STATED_SHARE = 0.03

Table = tuple[tuple[tuple[str, ...], float], ...]
WHITE: Table = (
    (("gypsy", "traveller", "roma"), 0.002),
    (("british", "english", "welsh", "scottish", "northern irish"), 0.84),
    (("irish",), 0.03),
)
BME_TABLE: Table = (
    (("white and black caribbean",), 0.02),
    (("white and black african",), 0.015),
    (("white and asian",), 0.015),
    (("mixed", "multiple"), 0.02),
    (("indian",), 0.22),
    (("pakistani",), 0.06),
    (("bangladeshi",), 0.02),
    (("chinese",), 0.02),
    (("african",), 0.20),
    (("caribbean",), 0.05),
    (("arab",), 0.01),
    (("asian",), 0.10),
    (("black",), 0.03),
)
ORIENTATION: Table = (
    (("heterosexual", "straight"), 0.93),
    (("gay", "lesbian"), 0.025),
    (("bisexual",), 0.02),
)
RELIGION: Table = (
    (("no religion", "none"), 0.33),
    (("christian",), 0.47),
    (("muslim",), 0.08),
    (("hindu",), 0.04),
    (("sikh",), 0.01),
    (("buddhist",), 0.01),
    (("jewish",), 0.005),
)
STAFF_GROUP_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("support", ("assistant", "support worker", "support to", "additional clinical")),
    ("estates", ("estates", "ancillary", "facilities", "porter", "domestic")),
    ("admin", ("admin", "clerical", "corporate", "central function", "business")),
    ("management", ("manag",)),
    ("medical", ("medical", "dental", "doctor")),
    ("nursing", ("nurs", "midwi")),
    ("ahp", ("allied", "ahp", "therap", "radiograph", "paramedic")),
    ("scientific", ("scien", "pharma", "technical")),
)
PAY_BANDS: tuple[str, ...] = (
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8a",
    "8b",
    "8c",
    "8d",
    "9",
    "vsm",
    "consultant",
    "trainee",
    "other_medical",
)
_MEDICAL = ("consultant", "trainee", "other_medical")
# Pay band distribution per staff group (GROUPS order), as {band: share}.
PAY: tuple[dict[str, float], ...] = (
    {"5": 0.42, "6": 0.30, "7": 0.19, "8a": 0.06, "8b": 0.02, "8c": 0.01},
    {"consultant": 0.45, "trainee": 0.40, "other_medical": 0.15},
    {"4": 0.04, "5": 0.22, "6": 0.35, "7": 0.28, "8a": 0.09, "8b": 0.02},
    {"3": 0.10, "4": 0.15, "5": 0.15, "6": 0.20, "7": 0.22, "8a": 0.12, "8b": 0.04, "8c": 0.02},
    {"2": 0.30, "3": 0.50, "4": 0.20},
    {
        "2": 0.12,
        "3": 0.30,
        "4": 0.25,
        "5": 0.12,
        "6": 0.08,
        "7": 0.06,
        "8a": 0.04,
        "8b": 0.02,
        "8c": 0.01,
    },
    {"1": 0.05, "2": 0.60, "3": 0.20, "4": 0.10, "5": 0.03, "6": 0.02},
    {"7": 0.15, "8a": 0.25, "8b": 0.22, "8c": 0.15, "8d": 0.10, "9": 0.06, "vsm": 0.07},
)


def not_stated_codes(question: Demographic) -> set[int]:
    """Codes that mean "prefer not to say": listed as not stated, or so labelled."""
    words = ("prefer not", "rather not", "not to say")
    return set(question.not_stated) | {
        o.code for o in question.options if any(w in o.label.lower() for w in words)
    }


def kind_of(question: Demographic) -> str:
    """Recognise what a demographic question asks from its id and text."""
    ident, text = question.id.lower(), question.text.lower()
    words = set(re.split(r"[^a-z]+", f"{ident} {text}"))
    checks = (
        ("ethnicity", "ethnic" in ident + text),
        ("age", "age" in words),
        ("orientation", "orientation" in ident + text or "sexual" in words),
        ("sex", bool(words & {"sex", "gender"}) and not words & {"identity", "trans"}),
        ("religion", "relig" in ident + text),
        (
            "staff_group",
            "staff_group" in ident
            or "staff group" in text
            or "occupation" in ident + text
            or "profession" in words,
        ),
        ("pay_band", bool(words & {"pay", "band", "grade"})),
        ("disability", "disab" in ident + text or bool(words & {"condition", "illness"})),
        ("service", bool(words & {"service", "tenure"}) or "how long" in text),
    )
    return next((kind for kind, hit in checks if hit), "other")


def weights(question: Demographic, stated: list[Option]) -> np.ndarray:
    """Weights (staff groups x stated options) for answering ``question``."""
    builder = BUILDERS.get(kind_of(question), _uniform)
    matrix = builder(stated, question)
    if matrix is None or not np.isfinite(matrix).all() or (matrix.sum(axis=1) <= 0).any():
        matrix = _uniform(stated, question)
    return matrix / matrix.sum(axis=1, keepdims=True)


def _uniform(stated: list[Option], _: Demographic) -> np.ndarray:
    return np.ones((G, len(stated)))


def lookup(label: str, table: Table, default: float) -> float:
    """The weight of the first keyword group found in ``label``, else ``default``."""
    lowered = label.lower()
    return next((w for keys, w in table if any(k in lowered for k in keys)), default)


def _table(table: Table, default: float) -> Callable[[list[Option], Demographic], np.ndarray]:
    def build(stated: list[Option], _: Demographic) -> np.ndarray:
        return np.tile([lookup(o.label, table, default) for o in stated], (G, 1))

    return build


def _ethnicity(stated: list[Option], question: Demographic) -> np.ndarray | None:
    bands = {name.lower(): codes for name, codes in question.bands}
    if "white" in bands:
        white = np.array([o.code in bands["white"] for o in stated])
    else:
        white = np.array([_is_white(o.label) for o in stated])
    if white.all() or not white.any():
        return None
    # "Black, Black British ...: Caribbean": match the part after the group heading.
    within = np.array(
        [
            lookup(o.label.split(":")[-1], WHITE if w else BME_TABLE, 0.13 if w else 0.04)
            for o, w in zip(stated, white, strict=True)
        ]
    )
    white_w = np.where(white, within, 0.0) / within[white].sum()
    bme_w = np.where(white, 0.0, within) / within[~white].sum()
    return (1 - P_BME)[:, None] * white_w + P_BME[:, None] * bme_w


def _is_white(label: str) -> bool:
    lowered = label.lower()
    return "white" in lowered and not any(
        w in lowered for w in ("mixed", "black", "asian", " and ")
    )


def _sex(stated: list[Option], _: Demographic) -> np.ndarray | None:
    def which(label: str) -> str:
        lowered = label.lower()
        if any(w in lowered for w in ("female", "woman", "women", "girl")):
            return "f"
        return "m" if re.search(r"\b(male|man|men|boy)\b", lowered) else "o"

    sides = np.array([which(o.label) for o in stated])
    if not {"f", "m"} <= set(sides.tolist()):
        return None
    out = np.zeros((G, len(stated)))
    for side, share in (("f", P_FEMALE * 0.995), ("m", (1 - P_FEMALE) * 0.995)):
        out[:, sides == side] = share[:, None] / (sides == side).sum()
    if (sides == "o").any():
        out[:, sides == "o"] = 0.005 / (sides == "o").sum()
    return out


def _yes_share(share: np.ndarray) -> Callable[[list[Option], Demographic], np.ndarray | None]:
    def build(stated: list[Option], _: Demographic) -> np.ndarray | None:
        yes = np.array([o.label.lower().startswith("yes") for o in stated])
        no = np.array([o.label.lower().startswith("no") for o in stated])
        if not yes.any() or not no.any():
            return None
        out = np.full((G, len(stated)), 0.01)
        out[:, yes] = share[:, None] / yes.sum()
        out[:, no] = (1 - share)[:, None] / no.sum()
        return out

    return build


def label_range(label: str) -> tuple[float, float] | None:
    """The numeric range a label such as ``21-30``, ``66+`` or ``Under 20`` stands for."""
    lowered = label.lower()
    numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", lowered)]
    if len(numbers) >= 2:
        return numbers[0], numbers[1] + 1
    if len(numbers) != 1:
        return None
    if any(w in lowered for w in ("under", "less than", "below", "<", "up to")):
        return 0.0, numbers[0]
    if any(w in lowered for w in ("+", "over", "more than", "above", "or more", "older", ">")):
        return numbers[0], float("inf")
    return numbers[0], numbers[0] + 1


def _ranges(
    cdf: Callable[[int, float], float],
) -> Callable[[list[Option], Demographic], np.ndarray]:
    def build(stated: list[Option], _: Demographic) -> np.ndarray:
        out = np.full((G, len(stated)), 1e-3)
        for j, option in enumerate(stated):
            span = label_range(option.label)
            if span is not None:
                out[:, j] += [max(0.0, cdf(g, span[1]) - cdf(g, span[0])) for g in range(G)]
        return out

    return build


def _age_cdf(group: int, x: float) -> float:
    return NormalDist(float(AGE_MEAN[group]), AGE_SD).cdf(min(x, 1e6))


def _service_cdf(_: int, x: float) -> float:
    return 1.0 - float(np.exp(-max(x, 0.0) / 9.0)) if np.isfinite(x) else 1.0


def _staff_group(stated: list[Option], _: Demographic) -> np.ndarray:
    match = [
        lookup(o.label, tuple((w, i) for i, (_, w) in enumerate(STAFF_GROUP_WORDS)), -1)
        for o in stated
    ]
    names = [STAFF_GROUP_WORDS[int(m)][0] if m >= 0 else None for m in match]
    unmatched = [j for j, n in enumerate(names) if n is None]
    other = [j for j in unmatched if "other" in stated[j].label.lower()]
    fallback = other or unmatched or list(range(len(stated)))
    out = np.zeros((G, len(stated)))
    for g, group in enumerate(GROUPS):
        own = [j for j, n in enumerate(names) if n == group] or fallback
        out[g, own] = 1.0 / len(own)
    return out + 1e-3


def _pay_band(stated: list[Option], _: Demographic) -> np.ndarray:
    claims = [band_claims(o.label) for o in stated]
    claimed = set().union(*claims)
    generic = {m for m in _MEDICAL if m not in claimed}
    claims = [c | generic if c == {"medical"} else c for c in claims]
    counts = {b: sum(b in c for c in claims) for b in PAY_BANDS}
    other = [j for j, c in enumerate(claims) if not c]
    out = np.full((G, len(stated)), 1e-3)
    for g in range(G):
        for band, share in PAY[g].items():
            targets = [j for j, c in enumerate(claims) if band in c] or other
            for j in targets:
                out[g, j] += share / (counts[band] or len(targets))
    return out


def band_claims(label: str) -> set[str]:
    """Internal pay bands an option label covers (``Band 5``, ``Bands 8a-8d``, ``Consultant``)."""
    lowered = label.lower()
    if "consultant" in lowered:
        return {"consultant"}
    if any(w in lowered for w in ("training", "trainee", "foundation", "registrar", "junior")):
        return {"trainee"}
    if any(w in lowered for w in ("medical", "dental", "doctor", "specialty")):
        return {"medical"}
    senior = {"vsm"} if "very senior" in lowered or "vsm" in lowered else set()
    tokens = re.findall(r"\b[1-9][a-d]?\b", lowered)
    order = {b: i for i, b in enumerate(PAY_BANDS[:12])}
    expand = {"8": ["8a", "8b", "8c", "8d"]}
    bands = [b for t in tokens for b in expand.get(t, [t]) if b in order]
    if len(tokens) == 2 and re.search(r"\d[a-d]?\s*(-|to|–)\s*\d", lowered) and bands:
        return set(PAY_BANDS[order[bands[0]] : order[bands[-1]] + 1]) | senior
    return set(bands) | senior


BUILDERS: dict[str, Callable[[list[Option], Demographic], np.ndarray | None]] = {
    "ethnicity": _ethnicity,
    "sex": _sex,
    "age": _ranges(_age_cdf),
    "service": _ranges(_service_cdf),
    "orientation": _table(ORIENTATION, 0.01),
    "religion": _table(RELIGION, 0.03),
    "staff_group": _staff_group,
    "pay_band": _pay_band,
    "disability": _yes_share(P_DISABLED),
}
