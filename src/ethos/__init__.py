"""Ethos: anonymous culture diagnostics and values-based leadership for NHS organisations."""

__version__ = "0.1.0"
