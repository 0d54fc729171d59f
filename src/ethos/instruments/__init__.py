"""Survey instruments as data: the typed model and the validating YAML loader."""

from ethos.instruments.loader import load_instrument, parse_instrument, shipped_instruments
from ethos.instruments.model import Instrument

__all__ = ["Instrument", "load_instrument", "parse_instrument", "shipped_instruments"]
