/* Column buffers shared by the native extensions (the Cardinal reader's flattener and the ingest's stager):
 * growable byte buffers, a column of int64 / double / UTF-8 / boolean values with a validity byte per row, and its
 * hand-over to Python as Arrow buffers (validity bitmap or None, [int32 offsets,] data). Included by each
 * extension's single C file, so everything here is static. */
#ifndef NADZOR_COLUMNS_H
#define NADZOR_COLUMNS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- growable buffers and columns ---------------------------------------------------------------------- */

typedef struct {
    char *p;
    size_t len, cap;
} buf_t;

static int buf_reserve(buf_t *b, size_t extra) {
    if (b->len + extra <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

static int buf_put(buf_t *b, const void *data, size_t n) {
    if (buf_reserve(b, n)) return -1;
    if (n) memcpy(b->p + b->len, data, n);
    b->len += n;
    return 0;
}

enum { K_INT = 'i', K_FLOAT = 'f', K_STR = 's', K_BOOL = 'b' };

typedef struct {
    char kind;
    buf_t data;    /* int64 / double / UTF-8 bytes / one byte per bool */
    buf_t offsets; /* strings: int32 end offsets (the leading 0 is added when returned) */
    buf_t valid;   /* one byte per row */
    size_t nulls;
} col_t;

static void col_free(col_t *c) {
    free(c->data.p);
    free(c->offsets.p);
    free(c->valid.p);
}

static PyObject *bitmap(const char *bytes, size_t n) {
    PyObject *r = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)((n + 7) / 8));
    if (!r) return NULL;
    unsigned char *bits = (unsigned char *)PyBytes_AS_STRING(r);
    memset(bits, 0, (n + 7) / 8);
    for (size_t i = 0; i < n; i++)
        if (bytes[i]) bits[i >> 3] |= (unsigned char)(1u << (i & 7));
    return r;
}

/* A column as a tuple of buffers, in Arrow's order: (validity bitmap or None, [offsets,] data). */
static PyObject *column(col_t *c, size_t rows) {
    PyObject *valid = c->nulls ? bitmap(c->valid.p, rows) : (Py_INCREF(Py_None), Py_None);
    if (!valid) return NULL;
    if (c->kind == K_STR) {
        PyObject *offsets = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)((rows + 1) * sizeof(int32_t)));
        if (!offsets) {
            Py_DECREF(valid);
            return NULL;
        }
        char *dst = PyBytes_AS_STRING(offsets);
        memset(dst, 0, sizeof(int32_t));
        if (rows) memcpy(dst + sizeof(int32_t), c->offsets.p, rows * sizeof(int32_t));
        return Py_BuildValue("(NNy#)", valid, offsets, c->data.p ? c->data.p : "", (Py_ssize_t)c->data.len);
    }
    if (c->kind == K_BOOL) {
        PyObject *data = bitmap(c->data.p, rows);
        if (!data) {
            Py_DECREF(valid);
            return NULL;
        }
        return Py_BuildValue("(NN)", valid, data);
    }
    return Py_BuildValue("(Ny#)", valid, c->data.p ? c->data.p : "", (Py_ssize_t)c->data.len);
}

/* ---- layout -------------------------------------------------------------------------------------------- */

/* The column kinds of each table as a tuple of str, so that Python can check the build matches its mirror. */
static PyObject *layout_tuple(const char *const *layout, int ntables) {
    PyObject *r = PyTuple_New(ntables);
    if (!r) return NULL;
    for (int i = 0; i < ntables; i++) {
        PyObject *s = PyUnicode_FromString(layout[i]);
        if (!s) {
            Py_DECREF(r);
            return NULL;
        }
        PyTuple_SET_ITEM(r, i, s);
    }
    return r;
}

#endif
