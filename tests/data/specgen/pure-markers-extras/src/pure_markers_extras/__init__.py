"""A pure-Python fixture: importing it needs none of its dependencies."""

__version__ = "1.2.0rc1"


def greeting(name: str) -> str:
    return f"hello, {name}"
