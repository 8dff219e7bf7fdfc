# What anyio 3.6.2's sdist looks like: its PKG-INFO (Metadata-Version 2.1) lists the extras,
# Provides-Extra, and not one requirement, neither theirs nor the run-time ones below.
from setuptools import setup

setup(
    name="extras-only",
    version="1.0",
    description="A setup.py project whose PKG-INFO lists extras and no requirement",
    license="MIT",
    packages=["extras_only"],
    install_requires=["chainfix-base>=1.0"],
    extras_require={"ping": ["chainfix-ping"]},
)
