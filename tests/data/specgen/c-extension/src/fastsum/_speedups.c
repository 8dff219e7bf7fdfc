#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* total(iterable) -> the sum of its integers, as a C long. */
static PyObject *
total(PyObject *self, PyObject *iterable)
{
    PyObject *iterator = PyObject_GetIter(iterable);
    PyObject *item;
    long sum = 0;

    if (iterator == NULL)
        return NULL;
    while ((item = PyIter_Next(iterator)) != NULL) {
        long value = PyLong_AsLong(item);
        Py_DECREF(item);
        if (value == -1 && PyErr_Occurred()) {
            Py_DECREF(iterator);
            return NULL;
        }
        sum += value;
    }
    Py_DECREF(iterator);
    if (PyErr_Occurred())
        return NULL;
    return PyLong_FromLong(sum);
}

static PyMethodDef methods[] = {
    {"total", total, METH_O, "Sum the integers of an iterable."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "fastsum._speedups", NULL, -1, methods
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    return PyModule_Create(&module);
}
