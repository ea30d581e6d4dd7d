"""Rarex: export-control licensing for rare earths."""

__version__ = "0.1.0"
