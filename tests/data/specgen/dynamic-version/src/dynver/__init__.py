"""A dynamic-version fixture."""

__version__ = "0.9.post2"
