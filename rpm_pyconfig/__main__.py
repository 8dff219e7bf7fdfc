"""``python -m rpm_pyconfig``: the same as the ``rpm-pyconfig`` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main(prog="rpm-pyconfig"))
