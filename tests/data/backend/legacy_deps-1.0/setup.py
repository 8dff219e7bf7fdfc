# What an older setuptools project looks like: the dependencies live in setup.py only, and
# the PKG-INFO of its sdist (Metadata-Version 2.1) lists none of them.
from setuptools import setup

setup(
    name="legacy-deps",
    version="1.0",
    description="A setup.py project whose sdist's PKG-INFO lists no dependencies",
    license="MIT",
    packages=["legacy_deps"],
    install_requires=["packaging>=20", 'tomli>=1.1; python_version < "3.11"'],
    extras_require={"cli": ["click>=8"], "tests": ["pytest"]},
)
