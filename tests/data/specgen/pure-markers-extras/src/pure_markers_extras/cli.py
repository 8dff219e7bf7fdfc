"""The pure-markers command."""

import sys

from pure_markers_extras import __version__, greeting


def main() -> int:
    print(greeting(sys.implementation.name), __version__)
    return 0
