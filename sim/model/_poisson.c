/*
 * numpy's own Poisson sampler, called without the Python-level dispatch of Generator.poisson.
 *
 * ``Generator.poisson(lam)`` with a scalar ``lam`` converts it to an array, checks it, draws with
 * numpy's C function ``random_poisson`` and boxes the result: some 3,500 machine instructions for a
 * draw whose sampling takes about 300. This module calls the same ``random_poisson`` (numpy's
 * ``libnpyrandom``, the C API numpy ships for extensions:
 * numpy.org/doc/stable/reference/random/c-api.html) on the same bit generator, so the numbers, and the
 * state the generator is left in, are numpy's own. ``sim.model._build`` checks that at import, and
 * ``sim.model.draws`` uses this only if they agree; a mean the fast path declines (one numpy would
 * refuse) goes to ``Generator.poisson`` itself, which raises its own error.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "numpy/random/bitgen.h"
#include "numpy/random/distributions.h"

/* numpy refuses larger means (POISSON_LAM_MAX in numpy/random/_common.pyx, where a C long has 64 bits;
 * the check at import declines this sampler where numpy's bound is another). */
static const double LAM_MAX = 9.223372006484771e18;

/* poisson(capsule, lam) -> float, or None when numpy should handle lam itself. */
static PyObject *poisson(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "poisson(capsule, lam) takes two arguments");
        return NULL;
    }
    bitgen_t *bitgen = (bitgen_t *)PyCapsule_GetPointer(args[0], "BitGenerator");
    if (bitgen == NULL) {
        return NULL;
    }
    double lam = PyFloat_AsDouble(args[1]);
    if (lam == -1.0 && PyErr_Occurred()) {
        return NULL;
    }
    if (!(lam >= 0.0 && lam <= LAM_MAX)) {
        Py_RETURN_NONE; /* negative, NaN or too large: numpy raises its own error */
    }
    return PyFloat_FromDouble((double)random_poisson(bitgen, lam));
}

static PyMethodDef methods[] = {
    {"poisson", (PyCFunction)(void (*)(void))poisson, METH_FASTCALL,
     "poisson(capsule, lam): a Poisson draw by numpy's random_poisson on the capsule's bit generator."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_poisson", "numpy's Poisson sampler without Generator.poisson's dispatch.", -1,
    methods,
};

PyMODINIT_FUNC PyInit__poisson(void) { return PyModule_Create(&module); }
