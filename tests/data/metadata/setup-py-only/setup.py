from setuptools import Extension, setup

setup(
    name="legacy-ext",
    version="0.9.post2",
    ext_modules=[Extension("legacy_ext._speed", ["legacy_ext/_speed.pyx"])],
    packages=["legacy_ext"],
    entry_points={"console_scripts": ["legacy-ext = legacy_ext:main"]},
)
