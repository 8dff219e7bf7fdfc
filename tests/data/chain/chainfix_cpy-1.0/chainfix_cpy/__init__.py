import platform

assert platform.python_implementation() == "CPython", "chainfix-cpy is for CPython only"
VALUE = "cpy"
