"""A PEP 517 build backend plugin: setuptools' backend, plus a file saying it ran."""
import os

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403 (the backend's hooks)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    with open(os.path.join("chainfix_top", "built_by.py"), "w") as stream:
        stream.write('BACKEND = "chainfix-backend"\n')
    return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)
