# The dependencies are computed when the package is built, so PKG-INFO marks them Dynamic
# (PEP 643) and lists only what held on the machine that made the sdist.
import sys

from setuptools import setup

requires = ["packaging>=20"]
if sys.version_info < (4,):
    requires.append("attrs>=22")

setup(
    name="dynamic-deps",
    version="2.0",
    description="A project whose Requires-Dist is Dynamic",
    license="MIT",
    packages=["dynamic_deps"],
    install_requires=requires,
    extras_require={"docs": ["sphinx"]},
)
