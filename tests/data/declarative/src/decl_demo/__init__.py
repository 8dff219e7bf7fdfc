"""Prints what the command's interpreter is and which #! options took effect."""

import sys


def main() -> None:
    """IMPLEMENTATION NO_USER_SITE SAFE_PATH: -s and -P of the #! line, as 1 or 0."""
    safe_path = int(bool(getattr(sys.flags, "safe_path", False)))
    print(sys.implementation.name, int(bool(sys.flags.no_user_site)), safe_path)
