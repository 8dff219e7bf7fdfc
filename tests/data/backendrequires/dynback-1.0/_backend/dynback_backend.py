"""setuptools' backend, plus requirements of its own: what Fedora calls dynamic BuildRequires."""

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403


def get_requires_for_build_wheel(config_settings=None):
    print("dynback: this line on stdout must never reach rpm")
    return [*_setuptools.get_requires_for_build_wheel(config_settings),
            "packaging>=20", 'tomli>=1.1; python_version < "3.11"']
