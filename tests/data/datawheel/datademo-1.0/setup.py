# A project whose wheel has every .data/ scheme: scripts, data, headers (and purelib).
from setuptools import setup

setup(
    name="datademo",
    version="1.0",
    description="A wheel with .data/ scripts, data and headers",
    license="MIT",
    packages=["datademo"],
    scripts=["scripts/datademo-script"],
    data_files=[("share/datademo", ["data/datademo.conf"])],
    headers=["include/datademo.h"],
    entry_points={"console_scripts": ["datademo = datademo:main"]},
)
