VALUE = "cpython"
