"""The library part of datademo."""
import sys

VALUE = 42


def main() -> int:
    print(f"datademo {VALUE} on {sys.implementation.name}")
    return 0
