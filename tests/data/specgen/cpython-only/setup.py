import platform

from setuptools import setup

setup(packages=["cponly"] if platform.python_implementation() == "CPython" else [])
