/* Flatten a block of JSON lines (compiled releases) into the columns of the indicators' flat tables.
 *
 * The native half of nadzor/indicators/cardinal/flatten.py, which documents the semantics and builds Arrow
 * arrays from the buffers returned here. Each line is parsed with yyjson (strict like Cardinal's serde_json:
 * invalid UTF-8, lone surrogates, NaN, numbers out of double range and trailing commas are errors), then only the
 * fields the indicators read are walked. A leaf of the wrong JSON type is null, a container of the wrong JSON
 * type is absent, a non-object array item is an empty object, and a duplicate key keeps its last value.
 *
 * The GIL is released while a block is parsed, so two Python threads flatten two blocks at once.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "../../_native/columns.h"
#include "../../_vendor/yyjson/yyjson.h"

#define MAX_COLS 13

typedef struct {
    const char *name;
    const char *kinds;
    int ncols;
    size_t rows;
    col_t cols[MAX_COLS];
} table_t;

/* Table layouts: the column kinds in order. Mirrors ARROW_SCHEMAS in flatten.py. */
enum { T_PROCESSES, T_BIDS, T_BID_TENDERERS, T_AWARDS, T_AWARD_SUPPLIERS, T_AWARD_ITEMS, T_BID_IDS, T_BID_LOTS,
       T_AWARD_RELATED_BIDS, T_AWARD_LOTS, T_PARTIES, N_TABLES };
static const char *LAYOUT[N_TABLES] = {
    "issssbssssbb", /* processes: pid ocid tender_status pm pmd nt_one start_date end_date buyer_id pe_id
                       has_awards has_details */
    "iisbfsbs",     /* bids: pid bid_idx status late amount currency has_tenderers sole_tenderer_id */
    "iis",          /* bid_tenderers: pid bid_idx tenderer_id */
    "iisbi",        /* awards: pid award_idx status has_suppliers n_suppliers */
    "iis",          /* award_suppliers: pid award_idx supplier_id */
    "iis",          /* award_items: pid award_idx classification_id */
    "iis",          /* bid_ids: pid bid_idx bid_id */
    "iis",          /* bid_lots: pid bid_idx lot_id */
    "iis",          /* award_related_bids: pid award_idx bid_id */
    "iis",          /* award_lots: pid award_idx lot_id */
    "iss",          /* nz_parties: pid party_id org_key */
};

typedef struct {
    table_t t[N_TABLES];
    int failed; /* out of memory */
} out_t;

static void out_init(out_t *o) {
    memset(o, 0, sizeof *o);
    for (int i = 0; i < N_TABLES; i++) {
        o->t[i].kinds = LAYOUT[i];
        o->t[i].ncols = (int)strlen(LAYOUT[i]);
        for (int c = 0; c < o->t[i].ncols; c++) o->t[i].cols[c].kind = LAYOUT[i][c];
    }
}

static void out_free(out_t *o) {
    for (int i = 0; i < N_TABLES; i++)
        for (int c = 0; c < o->t[i].ncols; c++) col_free(&o->t[i].cols[c]);
}

static void put_valid(out_t *o, col_t *c, int valid) {
    char v = (char)(valid != 0);
    if (!valid) c->nulls++;
    if (buf_put(&c->valid, &v, 1)) o->failed = 1;
}

static void put_int(out_t *o, col_t *c, int64_t x) {
    if (buf_put(&c->data, &x, sizeof x)) o->failed = 1;
    put_valid(o, c, 1);
}

static void put_bool(out_t *o, col_t *c, int x) {
    char v = (char)(x != 0);
    if (buf_put(&c->data, &v, 1)) o->failed = 1;
    put_valid(o, c, 1);
}

/* A nullable boolean: x < 0 is null. */
static void put_opt_bool(out_t *o, col_t *c, int x) {
    char v = (char)(x > 0);
    if (buf_put(&c->data, &v, 1)) o->failed = 1;
    put_valid(o, c, x >= 0);
}

/* Whether string a sorts after string b, bytewise (DuckDB's and Rust's string order); -1 if either is not a
 * string. */
static int str_after(yyjson_val *a, yyjson_val *b) {
    if (!yyjson_is_str(a) || !yyjson_is_str(b)) return -1;
    size_t na = yyjson_get_len(a), nb = yyjson_get_len(b);
    int c = memcmp(yyjson_get_str(a), yyjson_get_str(b), na < nb ? na : nb);
    return c > 0 || (c == 0 && na > nb);
}

static void put_float(out_t *o, col_t *c, yyjson_val *v) {
    /* Cardinal counts an amount only if it is a JSON number. */
    double x = 0;
    int ok = 1;
    if (yyjson_is_uint(v)) x = (double)yyjson_get_uint(v);
    else if (yyjson_is_sint(v)) x = (double)yyjson_get_sint(v);
    else if (yyjson_is_real(v)) x = yyjson_get_real(v);
    else ok = 0;
    if (buf_put(&c->data, &x, sizeof x)) o->failed = 1;
    put_valid(o, c, ok);
}

static void put_str_raw(out_t *o, col_t *c, const char *s, size_t n, int valid) {
    if (valid && buf_put(&c->data, s, n)) o->failed = 1;
    if (c->data.len > INT32_MAX) o->failed = 1; /* blocks are small; never expected */
    int32_t end = (int32_t)c->data.len;
    if (buf_put(&c->offsets, &end, sizeof end)) o->failed = 1;
    put_valid(o, c, valid);
}

/* A string leaf, or null when the value is absent or not a JSON string. */
static void put_str(out_t *o, col_t *c, yyjson_val *v) {
    if (yyjson_is_str(v)) put_str_raw(o, c, yyjson_get_str(v), yyjson_get_len(v), 1);
    else put_str_raw(o, c, NULL, 0, 0);
}

/* ---- walking a release ---------------------------------------------------------------------------------- */

#define KEY_IS(k, n, lit) ((n) == sizeof(lit) - 1 && memcmp((k), (lit), sizeof(lit) - 1) == 0)

/* The value of the last member named `key` (serde_json keeps the last of duplicate keys), or NULL. */
static yyjson_val *get(yyjson_val *obj, const char *key) {
    if (!yyjson_is_obj(obj)) return NULL;
    size_t n = strlen(key);
    yyjson_val *found = NULL, *k;
    yyjson_obj_iter it;
    yyjson_obj_iter_init(obj, &it);
    while ((k = yyjson_obj_iter_next(&it))) {
        if (yyjson_get_len(k) == n && memcmp(yyjson_get_str(k), key, n) == 0) found = yyjson_obj_iter_get_val(k);
    }
    return found;
}

static yyjson_val *as_obj(yyjson_val *v) { return yyjson_is_obj(v) ? v : NULL; }
static yyjson_val *as_arr(yyjson_val *v) { return yyjson_is_arr(v) ? v : NULL; }

/* Rows (pid, idx, string) for each string item of an array (other items are dropped). */
static void put_strings(out_t *o, table_t *t, int64_t pid, int64_t idx, yyjson_val *arr) {
    size_t i, n;
    yyjson_val *v;
    yyjson_arr_foreach(arr, i, n, v) {
        if (!yyjson_is_str(v)) continue;
        put_int(o, &t->cols[0], pid);
        put_int(o, &t->cols[1], idx);
        put_str(o, &t->cols[2], v);
        t->rows++;
    }
}

/* Rows (pid, idx, item.id) for each item of an array of references (a non-object item has a null id). */
static void put_refs(out_t *o, table_t *t, int64_t pid, int64_t idx, yyjson_val *arr) {
    size_t i, n;
    yyjson_val *v;
    yyjson_arr_foreach(arr, i, n, v) {
        put_int(o, &t->cols[0], pid);
        put_int(o, &t->cols[1], idx);
        put_str(o, &t->cols[2], get(v, "id"));
        t->rows++;
    }
}

static void walk_bids(out_t *o, int64_t pid, yyjson_val *details, yyjson_val *end_date, int extended) {
    table_t *tb = &o->t[T_BIDS];
    size_t i, n;
    yyjson_val *b;
    yyjson_arr_foreach(details, i, n, b) {
        yyjson_val *status = NULL, *date = NULL, *value = NULL, *tenderers = NULL, *id = NULL, *lots = NULL, *k;
        if (yyjson_is_obj(b)) {
            yyjson_obj_iter it;
            yyjson_obj_iter_init(b, &it);
            while ((k = yyjson_obj_iter_next(&it))) {
                const char *s = yyjson_get_str(k);
                size_t len = yyjson_get_len(k);
                yyjson_val *v = yyjson_obj_iter_get_val(k);
                if (KEY_IS(s, len, "status")) status = v;
                else if (KEY_IS(s, len, "date")) date = v;
                else if (KEY_IS(s, len, "value")) value = v;
                else if (KEY_IS(s, len, "tenderers")) tenderers = v;
                else if (KEY_IS(s, len, "id")) id = v;
                else if (KEY_IS(s, len, "relatedLots")) lots = v;
            }
        }
        int64_t idx = (int64_t)i;
        value = as_obj(value);
        tenderers = as_arr(tenderers);
        put_int(o, &tb->cols[0], pid);
        put_int(o, &tb->cols[1], idx);
        put_str(o, &tb->cols[2], status);
        put_opt_bool(o, &tb->cols[3], str_after(date, end_date)); /* R030: a bid dated after the tender's end */
        put_float(o, &tb->cols[4], get(value, "amount"));
        put_str(o, &tb->cols[5], get(value, "currency"));
        put_bool(o, &tb->cols[6], tenderers != NULL);
        yyjson_val *sole = yyjson_arr_size(tenderers) == 1 ? get(yyjson_arr_get_first(tenderers), "id") : NULL;
        put_str(o, &tb->cols[7], sole);
        tb->rows++;
        /* bid_tenderers: only the bids whose tenderer is not already in sole_tenderer_id */
        if (tenderers && !yyjson_is_str(sole)) put_refs(o, &o->t[T_BID_TENDERERS], pid, idx, tenderers);
        if (extended) {
            table_t *ti = &o->t[T_BID_IDS];
            put_int(o, &ti->cols[0], pid);
            put_int(o, &ti->cols[1], idx);
            put_str(o, &ti->cols[2], id);
            ti->rows++;
            if (as_arr(lots)) put_strings(o, &o->t[T_BID_LOTS], pid, idx, lots);
        }
    }
}

static void walk_awards(out_t *o, int64_t pid, yyjson_val *awards, int extended) {
    table_t *ta = &o->t[T_AWARDS];
    size_t i, n;
    yyjson_val *a;
    yyjson_arr_foreach(awards, i, n, a) {
        yyjson_val *status = NULL, *suppliers = NULL, *items = NULL, *rbid = NULL, *rbids = NULL, *lots = NULL, *k;
        if (yyjson_is_obj(a)) {
            yyjson_obj_iter it;
            yyjson_obj_iter_init(a, &it);
            while ((k = yyjson_obj_iter_next(&it))) {
                const char *s = yyjson_get_str(k);
                size_t len = yyjson_get_len(k);
                yyjson_val *v = yyjson_obj_iter_get_val(k);
                if (KEY_IS(s, len, "status")) status = v;
                else if (KEY_IS(s, len, "suppliers")) suppliers = v;
                else if (KEY_IS(s, len, "items")) items = v;
                else if (KEY_IS(s, len, "relatedBid")) rbid = v;
                else if (KEY_IS(s, len, "relatedBids")) rbids = v;
                else if (KEY_IS(s, len, "relatedLots")) lots = v;
            }
        }
        int64_t idx = (int64_t)i;
        suppliers = as_arr(suppliers);
        put_int(o, &ta->cols[0], pid);
        put_int(o, &ta->cols[1], idx);
        put_str(o, &ta->cols[2], status);
        put_bool(o, &ta->cols[3], suppliers != NULL);
        put_int(o, &ta->cols[4], (int64_t)yyjson_arr_size(suppliers));
        ta->rows++;
        if (suppliers) put_refs(o, &o->t[T_AWARD_SUPPLIERS], pid, idx, suppliers);
        if (as_arr(items)) {
            table_t *ti = &o->t[T_AWARD_ITEMS];
            size_t j, m;
            yyjson_val *item;
            yyjson_arr_foreach(items, j, m, item) {
                put_int(o, &ti->cols[0], pid);
                put_int(o, &ti->cols[1], idx);
                put_str(o, &ti->cols[2], get(get(item, "classification"), "id"));
                ti->rows++;
            }
        }
        if (extended) {
            table_t *tr = &o->t[T_AWARD_RELATED_BIDS];
            if (yyjson_is_str(rbid)) {
                put_int(o, &tr->cols[0], pid);
                put_int(o, &tr->cols[1], idx);
                put_str(o, &tr->cols[2], rbid);
                tr->rows++;
            }
            if (as_arr(rbids)) put_strings(o, tr, pid, idx, rbids); /* duplicates are removed in DuckDB */
            if (as_arr(lots)) put_strings(o, &o->t[T_AWARD_LOTS], pid, idx, lots);
        }
    }
}

static void walk_parties(out_t *o, int64_t pid, yyjson_val *parties) {
    table_t *tp = &o->t[T_PARTIES];
    size_t i, n;
    yyjson_val *p;
    yyjson_arr_foreach(parties, i, n, p) {
        yyjson_val *identifier = get(p, "identifier");
        yyjson_val *scheme = get(identifier, "scheme"), *id = get(identifier, "id");
        put_int(o, &tp->cols[0], pid);
        put_str(o, &tp->cols[1], get(p, "id"));
        col_t *key = &tp->cols[2];
        if (yyjson_is_str(scheme) && yyjson_is_str(id)) {
            /* "scheme-id", written as one string */
            if (buf_put(&key->data, yyjson_get_str(scheme), yyjson_get_len(scheme)) || buf_put(&key->data, "-", 1))
                o->failed = 1;
            put_str_raw(o, key, yyjson_get_str(id), yyjson_get_len(id), 1);
        } else {
            put_str_raw(o, key, NULL, 0, 0);
        }
        tp->rows++;
    }
}

static void walk_release(out_t *o, int64_t pid, yyjson_val *root, int extended, int parties) {
    yyjson_val *ocid = NULL, *buyer = NULL, *tender = NULL, *bids = NULL, *awards = NULL, *pts = NULL, *k;
    yyjson_obj_iter it;
    yyjson_obj_iter_init(root, &it);
    while ((k = yyjson_obj_iter_next(&it))) {
        const char *s = yyjson_get_str(k);
        size_t len = yyjson_get_len(k);
        yyjson_val *v = yyjson_obj_iter_get_val(k);
        if (KEY_IS(s, len, "ocid")) ocid = v;
        else if (KEY_IS(s, len, "buyer")) buyer = v;
        else if (KEY_IS(s, len, "tender")) tender = v;
        else if (KEY_IS(s, len, "bids")) bids = v;
        else if (KEY_IS(s, len, "awards")) awards = v;
        else if (KEY_IS(s, len, "parties")) pts = v;
    }
    if (!yyjson_is_str(ocid)) return; /* Cardinal ignores a release without an ocid */
    yyjson_val *status = NULL, *pm = NULL, *pmd = NULL, *nt = NULL, *period = NULL, *pe = NULL;
    if (yyjson_is_obj(tender)) {
        yyjson_obj_iter_init(tender, &it);
        while ((k = yyjson_obj_iter_next(&it))) {
            const char *s = yyjson_get_str(k);
            size_t len = yyjson_get_len(k);
            yyjson_val *v = yyjson_obj_iter_get_val(k);
            if (KEY_IS(s, len, "status")) status = v;
            else if (KEY_IS(s, len, "procurementMethod")) pm = v;
            else if (KEY_IS(s, len, "procurementMethodDetails")) pmd = v;
            else if (KEY_IS(s, len, "numberOfTenderers")) nt = v;
            else if (KEY_IS(s, len, "tenderPeriod")) period = v;
            else if (KEY_IS(s, len, "procuringEntity")) pe = v;
        }
    }
    yyjson_val *details = as_arr(get(bids, "details"));
    awards = as_arr(awards);
    table_t *tp = &o->t[T_PROCESSES];
    put_int(o, &tp->cols[0], pid);
    put_str(o, &tp->cols[1], ocid);
    put_str(o, &tp->cols[2], status);
    put_str(o, &tp->cols[3], pm);
    put_str(o, &tp->cols[4], pmd);
    /* numberOfTenderers counts only as the JSON integer 1 (not 1.0, "1" or true) */
    put_bool(o, &tp->cols[5], yyjson_is_uint(nt) && yyjson_get_uint(nt) == 1);
    yyjson_val *end_date = get(period, "endDate");
    put_str(o, &tp->cols[6], get(period, "startDate"));
    put_str(o, &tp->cols[7], end_date);
    put_str(o, &tp->cols[8], get(buyer, "id"));
    put_str(o, &tp->cols[9], get(pe, "id"));
    put_bool(o, &tp->cols[10], awards != NULL);
    put_bool(o, &tp->cols[11], details != NULL);
    tp->rows++;
    if (details) walk_bids(o, pid, details, end_date, extended);
    if (awards) walk_awards(o, pid, awards, extended);
    if (parties && as_arr(pts)) walk_parties(o, pid, pts);
}

/* ---- a block of lines ----------------------------------------------------------------------------------- */

typedef struct {
    Py_ssize_t line;  /* 1-based within the block */
    Py_ssize_t start; /* byte offset of the line in the block */
    Py_ssize_t length;
    const char *msg;  /* yyjson's message (a static string) */
} invalid_t;

typedef struct {
    invalid_t *p;
    size_t len, cap;
} invalids_t;

static int is_blank(const char *p, const char *e) {
    for (; p < e; p++)
        if (!(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\v' || *p == '\f')) return 0;
    return 1;
}

static PyObject *flatten_block(PyObject *self, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"data", "extended", "parties", "first_pid", NULL};
    Py_buffer data;
    int extended = 0, parties = 0;
    long long first_pid = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y*|ppL", names, &data, &extended, &parties, &first_pid))
        return NULL;

    out_t *o = calloc(1, sizeof *o);
    invalids_t bad = {0};
    yyjson_alc *alc = yyjson_alc_dyn_new();
    if (!o || !alc) {
        free(o);
        if (alc) yyjson_alc_dyn_free(alc);
        PyBuffer_Release(&data);
        return PyErr_NoMemory();
    }
    out_init(o);
    int64_t pid = (int64_t)first_pid - 1;
    Py_ssize_t lines = 0;
    int nomem = 0;

    Py_BEGIN_ALLOW_THREADS
    const char *base = data.buf, *p = base, *end = base + data.len;
    while (p < end && !o->failed) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        const char *next = e ? e + 1 : end;
        if (!e) e = end;
        lines++;
        if (!is_blank(p, e)) {
            pid++; /* every non-blank line takes a position, even if it is skipped */
            yyjson_read_err err;
            yyjson_doc *doc = yyjson_read_opts((char *)p, (size_t)(e - p), YYJSON_READ_NOFLAG, alc, &err);
            if (!doc) {
                if (bad.len == bad.cap) {
                    size_t cap = bad.cap ? bad.cap * 2 : 16;
                    invalid_t *q = realloc(bad.p, cap * sizeof *q);
                    if (!q) {
                        nomem = 1;
                        break;
                    }
                    bad.p = q;
                    bad.cap = cap;
                }
                bad.p[bad.len++] = (invalid_t){lines, p - base, e - p, err.msg};
            } else {
                yyjson_val *root = yyjson_doc_get_root(doc);
                if (yyjson_is_obj(root)) walk_release(o, pid, root, extended, parties);
                yyjson_doc_free(doc);
            }
        }
        p = next;
    }
    Py_END_ALLOW_THREADS

    yyjson_alc_dyn_free(alc);
    PyObject *result = NULL, *tables = NULL, *invalid = NULL;
    if (nomem || o->failed) {
        PyErr_NoMemory();
        goto done;
    }
    invalid = PyList_New((Py_ssize_t)bad.len);
    tables = PyTuple_New(N_TABLES);
    if (!invalid || !tables) goto done;
    for (size_t i = 0; i < bad.len; i++) {
        PyObject *item = Py_BuildValue("(nnns)", bad.p[i].line, bad.p[i].start, bad.p[i].length, bad.p[i].msg);
        if (!item) goto done;
        PyList_SET_ITEM(invalid, (Py_ssize_t)i, item);
    }
    for (int i = 0; i < N_TABLES; i++) {
        table_t *t = &o->t[i];
        PyObject *cols = PyTuple_New(t->ncols);
        if (!cols) goto done;
        PyTuple_SET_ITEM(tables, i, cols);
        for (int c = 0; c < t->ncols; c++) {
            PyObject *col = column(&t->cols[c], t->rows);
            if (!col) goto done;
            PyTuple_SET_ITEM(cols, c, col);
        }
    }
    /* (non-blank lines, physical lines, [(line, start, length, message)], tables) */
    result = Py_BuildValue("(nnOO)", (Py_ssize_t)(pid + 1 - (int64_t)first_pid), lines, invalid, tables);
done:
    Py_XDECREF(invalid);
    Py_XDECREF(tables);
    free(bad.p);
    out_free(o);
    free(o);
    PyBuffer_Release(&data);
    return result;
}

static PyObject *layout(PyObject *self, PyObject *args) {
    /* The number of tables and their column kinds, so that flatten.py can check it matches this build. */
    (void)self;
    (void)args;
    return layout_tuple(LAYOUT, N_TABLES);
}

/* ---- the interner: organisation ids as integer codes ------------------------------------------------------- */

/* Codes are assigned in first-seen order by one thread (the reader's main thread, as blocks are handed over), so
 * they are deterministic and the table needs no lock; `busy` turns accidental concurrent use into an error. The
 * strings are kept in one arena for decoding at the output. Open addressing, linear probing, load <= 1/2; a slot
 * holds the hash, the length and (up to 16 bytes) the string itself, so that finding a short id touches one cache
 * line instead of three or four (1M releases: 0.4 instead of 1 CPU-s for about 8M ids). */
#define INLINE_LEN 16

typedef struct {
    uint64_t hash;
    int32_t code; /* -1: empty */
    uint32_t len;
    char inl[INLINE_LEN]; /* the string if len <= INLINE_LEN */
} slot_t;

typedef struct {
    PyObject_HEAD
    slot_t *slots;
    size_t mask;    /* number of slots - 1 (a power of two) */
    size_t *starts; /* per code: offset of the string in the arena; starts[n] is the arena's length */
    size_t n, cap;
    buf_t arena;
    int busy;
} interner_t;

static uint64_t hash_bytes(const char *s, size_t n) {
    /* 8 bytes at a time with a multiply-xorshift mix; ids are short, mostly ASCII digits and letters. */
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0xff51afd7ed558ccdULL);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ (w * 0xc4ceb9fe1a85ec53ULL)) * 0x9fb21c651e98df25ULL;
        h ^= h >> 29;
        s += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        memcpy(&w, s, n);
        h = (h ^ (w * 0xc4ceb9fe1a85ec53ULL)) * 0x9fb21c651e98df25ULL;
    }
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    return h;
}

static int interner_grow(interner_t *in) {
    size_t nslots = in->mask ? (in->mask + 1) * 2 : 1024;
    slot_t *slots = malloc(nslots * sizeof *slots);
    if (!slots) return -1;
    for (size_t i = 0; i < nslots; i++) slots[i].code = -1;
    if (in->slots)
        for (size_t j = 0; j <= in->mask; j++) {
            if (in->slots[j].code < 0) continue;
            size_t i = (size_t)in->slots[j].hash & (nslots - 1);
            while (slots[i].code >= 0) i = (i + 1) & (nslots - 1);
            slots[i] = in->slots[j];
        }
    free(in->slots);
    in->slots = slots;
    in->mask = nslots - 1;
    return 0;
}

/* The code of s, added if new (when `add`); -1 if absent and not added, -2 out of memory or too many strings. */
static int64_t interner_code(interner_t *in, const char *s, size_t n, int add) {
    uint64_t h = hash_bytes(s, n);
    size_t i = (size_t)h & in->mask;
    for (;;) {
        slot_t *slot = &in->slots[i];
        if (slot->code < 0) break;
        if (slot->hash == h && slot->len == n &&
            memcmp(n <= INLINE_LEN ? slot->inl : in->arena.p + in->starts[slot->code], s, n) == 0)
            return slot->code;
        i = (i + 1) & in->mask;
    }
    if (!add) return -1;
    if (in->n >= INT32_MAX || n > UINT32_MAX) return -2;
    if (in->n + 1 >= in->cap) {
        size_t cap = in->cap ? in->cap * 2 : 1024;
        size_t *starts = realloc(in->starts, (cap + 1) * sizeof *starts);
        if (!starts) return -2;
        in->starts = starts;
        in->cap = cap;
    }
    if (buf_put(&in->arena, s, n)) return -2;
    int64_t code = (int64_t)in->n++;
    in->starts[code + 1] = in->arena.len;
    slot_t *slot = &in->slots[i];
    slot->hash = h;
    slot->code = (int32_t)code;
    slot->len = (uint32_t)n;
    if (n <= INLINE_LEN && n) memcpy(slot->inl, s, n);
    if (in->n * 2 > in->mask + 1 && interner_grow(in)) return -2;
    return code;
}

static PyObject *interner_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    static char *names[] = {NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "", names)) return NULL;
    interner_t *in = (interner_t *)type->tp_alloc(type, 0);
    if (!in) return NULL;
    in->starts = calloc(1, sizeof *in->starts);
    if (!in->starts || interner_grow(in)) {
        Py_DECREF(in);
        return PyErr_NoMemory();
    }
    return (PyObject *)in;
}

static void interner_dealloc(interner_t *in) {
    free(in->slots);
    free(in->starts);
    free(in->arena.p);
    Py_TYPE(in)->tp_free((PyObject *)in);
}

static int bit_set(const unsigned char *bits, size_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }

/* encode(validity, offsets, data, offset, length, add=True) -> bytes: the int64 codes of an Arrow string array
 * given by its buffers (validity None when there are no nulls; int32 offsets). The result holds offset + length
 * codes, so that the int64 array shares the string array's validity bitmap and offset; a null's code is 0 (it
 * stays null through the bitmap). With add=False a string not seen before is not added and gets code -1, which
 * matches no id. */
static PyObject *interner_encode(interner_t *in, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"validity", "offsets", "data", "offset", "length", "add", NULL};
    PyObject *validity_obj;
    Py_buffer offsets, data, validity = {0};
    Py_ssize_t offset, length;
    int add = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "Oy*y*nn|p", names, &validity_obj, &offsets, &data, &offset,
                                     &length, &add))
        return NULL;
    PyObject *result = NULL, *codes = NULL;
    int have_validity = validity_obj != Py_None;
    if (have_validity && PyObject_GetBuffer(validity_obj, &validity, PyBUF_SIMPLE) < 0) goto done;
    if (offset < 0 || length < 0 || (size_t)offsets.len < (size_t)(offset + length + 1) * sizeof(int32_t) ||
        (have_validity && (size_t)validity.len * 8 < (size_t)(offset + length))) {
        PyErr_SetString(PyExc_ValueError, "buffers too short for the array");
        goto done;
    }
    if (in->busy) {
        PyErr_SetString(PyExc_RuntimeError, "Interner used from two threads at once");
        goto done;
    }
    codes = PyBytes_FromStringAndSize(NULL, (offset + length) * (Py_ssize_t)sizeof(int64_t));
    if (!codes) goto done;
    int64_t *out = (int64_t *)PyBytes_AS_STRING(codes);
    memset(out, 0, (size_t)offset * sizeof(int64_t));
    const int32_t *offs = offsets.buf;
    const char *chars = data.buf;
    const unsigned char *bits = have_validity ? validity.buf : NULL;
    int bad = 0;
    in->busy = 1;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = offset; i < offset + length; i++) {
        if (bits && !bit_set(bits, (size_t)i)) {
            out[i] = 0;
            continue;
        }
        int32_t a = offs[i], b = offs[i + 1];
        if (a < 0 || b < a || (Py_ssize_t)b > data.len) {
            bad = 1;
            break;
        }
        int64_t code = interner_code(in, chars + a, (size_t)(b - a), add);
        if (code == -2) {
            bad = 2;
            break;
        }
        out[i] = code;
    }
    Py_END_ALLOW_THREADS
    in->busy = 0;
    if (bad == 1) PyErr_SetString(PyExc_ValueError, "invalid string offsets");
    else if (bad == 2) PyErr_NoMemory();
    else result = (Py_INCREF(codes), codes);
done:
    Py_XDECREF(codes);
    if (have_validity && validity.obj) PyBuffer_Release(&validity);
    PyBuffer_Release(&offsets);
    PyBuffer_Release(&data);
    return result;
}

static Py_ssize_t interner_len(interner_t *in) { return (Py_ssize_t)in->n; }

static PyObject *interner_item(interner_t *in, Py_ssize_t code) {
    if (code < 0 || (size_t)code >= in->n) {
        PyErr_SetString(PyExc_IndexError, "no string has this code");
        return NULL;
    }
    size_t a = in->starts[code], b = in->starts[code + 1];
    return PyUnicode_DecodeUTF8(in->arena.p + a, (Py_ssize_t)(b - a), "surrogatepass");
}

static PyMethodDef INTERNER_METHODS[] = {
    {"encode", (PyCFunction)(void (*)(void))interner_encode, METH_VARARGS | METH_KEYWORDS,
     "encode(validity, offsets, data, offset, length, add=True) -> int64 codes (bytes)"},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods INTERNER_SEQUENCE = {
    .sq_length = (lenfunc)interner_len,
    .sq_item = (ssizeargfunc)interner_item,
};

static PyTypeObject INTERNER_TYPE = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "nadzor.indicators.cardinal._flatten.Interner",
    .tp_basicsize = sizeof(interner_t),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Strings to int64 codes in first-seen order; interner[code] is the string again.",
    .tp_new = interner_new,
    .tp_dealloc = (destructor)interner_dealloc,
    .tp_methods = INTERNER_METHODS,
    .tp_as_sequence = &INTERNER_SEQUENCE,
};


/* ---- Arrow C stream of flat tables (no pyarrow needed) --------------------------------------------------------
 * arrow_stream(kinds, names, batches) -> PyCapsule "arrow_array_stream": one record batch per (rows, columns) of
 * ``batches``, a column being the tuple of buffers ``flatten_block`` returns for its kind ('i' int64, 's' utf8,
 * 'b' boolean, 'f' float64; the first buffer is the validity bitmap or None). The buffers are not copied: every
 * exported array holds a reference on a shared holder of the batches list, released (with the GIL) by the last. */

struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};

struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};

struct ArrowArrayStream {
    int (*get_schema)(struct ArrowArrayStream *, struct ArrowSchema *out);
    int (*get_next)(struct ArrowArrayStream *, struct ArrowArray *out);
    const char *(*get_last_error)(struct ArrowArrayStream *);
    void (*release)(struct ArrowArrayStream *);
    void *private_data;
};

#define ARROW_FLAG_NULLABLE 2

typedef struct holder {
    long refs;
    PyObject *batches; /* keeps every buffer alive */
    struct holder *next_dead;
} holder_t;

/* Holders released by a thread without the GIL (DuckDB's workers): their batches are let go by the next call
 * that holds it (``arrow_stream`` or ``release_pending``). Waiting for the GIL in a release callback instead
 * stalls the worker for the interpreter's switch interval (5 ms) each time. */
static holder_t *DEAD = NULL;

static void holder_free(holder_t *h) {
    Py_DECREF(h->batches);
    free(h);
}

static void release_dead(void) {
    holder_t *h = __atomic_exchange_n(&DEAD, NULL, __ATOMIC_ACQ_REL);
    while (h) {
        holder_t *next = h->next_dead;
        holder_free(h);
        h = next;
    }
}

static void holder_drop(holder_t *h) {
    if (__atomic_sub_fetch(&h->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    if (PyGILState_Check()) {
        holder_free(h);
        return;
    }
    holder_t *head = __atomic_load_n(&DEAD, __ATOMIC_ACQUIRE);
    do {
        h->next_dead = head;
    } while (!__atomic_compare_exchange_n(&DEAD, &head, h, 1, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
}

static PyObject *release_pending(PyObject *self, PyObject *args) {
    (void)self;
    (void)args;
    release_dead();
    Py_RETURN_NONE;
}

typedef struct {
    int64_t rows;
    const void **buffers; /* ncols * 3 pointers */
    int64_t *nulls;       /* per column: 0 without validity, -1 (unknown) with */
} batch_t;

typedef struct {
    int ncols;
    char *kinds;
    char **names;
    Py_ssize_t nbatches, next;
    batch_t *batches;
    holder_t *holder;
} stream_t;

static const char *arrow_format(char kind) {
    switch (kind) {
    case 'i': return "l";
    case 's': return "u";
    case 'b': return "b";
    default: return "g";
    }
}

static void schema_release(struct ArrowSchema *s) {
    for (int64_t i = 0; i < s->n_children; i++) {
        struct ArrowSchema *c = s->children[i];
        if (c->release) c->release(c);
        free(c);
    }
    free(s->children);
    s->release = NULL;
}

static void child_schema_release(struct ArrowSchema *s) {
    free(s->private_data); /* the name */
    s->release = NULL;
}

static int stream_get_schema(struct ArrowArrayStream *st, struct ArrowSchema *out) {
    stream_t *p = st->private_data;
    memset(out, 0, sizeof *out);
    out->children = calloc((size_t)p->ncols, sizeof *out->children);
    if (!out->children) return ENOMEM;
    for (int i = 0; i < p->ncols; i++) {
        struct ArrowSchema *c = calloc(1, sizeof *c);
        char *name = strdup(p->names[i]); /* the schema may outlive the stream */
        if (!c || !name) {
            free(c);
            free(name);
            out->n_children = i;
            schema_release(out);
            return ENOMEM;
        }
        c->format = arrow_format(p->kinds[i]);
        c->name = name;
        c->private_data = name;
        c->flags = ARROW_FLAG_NULLABLE;
        c->release = child_schema_release;
        out->children[i] = c;
    }
    out->format = "+s";
    out->name = "";
    out->n_children = p->ncols;
    out->release = schema_release;
    return 0;
}

typedef struct {
    holder_t *holder;
} array_private_t;

static void child_array_release(struct ArrowArray *a) {
    array_private_t *pr = a->private_data;
    free(a->buffers);
    holder_drop(pr->holder);
    free(pr);
    a->release = NULL;
}

static void array_release(struct ArrowArray *a) {
    for (int64_t i = 0; i < a->n_children; i++) {
        struct ArrowArray *c = a->children[i];
        if (c->release) c->release(c);
        free(c);
    }
    free(a->children);
    free(a->buffers);
    array_private_t *pr = a->private_data;
    holder_drop(pr->holder);
    free(pr);
    a->release = NULL;
}

static int stream_get_next(struct ArrowArrayStream *st, struct ArrowArray *out) {
    stream_t *p = st->private_data;
    memset(out, 0, sizeof *out);
    if (p->next >= p->nbatches) return 0; /* released marker: end of stream */
    batch_t *b = &p->batches[p->next];
    struct ArrowArray **children = calloc((size_t)p->ncols, sizeof *children);
    const void **top = calloc(1, sizeof *top);
    array_private_t *pr = malloc(sizeof *pr);
    if (!children || !top || !pr) goto nomem;
    for (int i = 0; i < p->ncols; i++) {
        struct ArrowArray *c = calloc(1, sizeof *c);
        array_private_t *cp = malloc(sizeof *cp);
        int nbuf = p->kinds[i] == 's' ? 3 : 2;
        const void **bufs = malloc((size_t)nbuf * sizeof *bufs);
        if (!c || !cp || !bufs) {
            free(c);
            free(cp);
            free(bufs);
            for (int j = 0; j < i; j++) children[j]->release(children[j]), free(children[j]);
            goto nomem;
        }
        memcpy(bufs, &b->buffers[i * 3], (size_t)nbuf * sizeof *bufs);
        c->length = b->rows;
        c->null_count = b->nulls[i];
        c->n_buffers = nbuf;
        c->buffers = bufs;
        __atomic_add_fetch(&p->holder->refs, 1, __ATOMIC_ACQ_REL);
        cp->holder = p->holder;
        c->private_data = cp;
        c->release = child_array_release;
        children[i] = c;
    }
    __atomic_add_fetch(&p->holder->refs, 1, __ATOMIC_ACQ_REL);
    pr->holder = p->holder;
    top[0] = NULL;
    out->length = b->rows;
    out->null_count = 0;
    out->n_buffers = 1;
    out->buffers = top;
    out->n_children = p->ncols;
    out->children = children;
    out->private_data = pr;
    out->release = array_release;
    p->next++;
    return 0;
nomem:
    free(children);
    free(top);
    free(pr);
    return ENOMEM;
}

static const char *stream_last_error(struct ArrowArrayStream *st) {
    (void)st;
    return "out of memory";
}

static void stream_free(stream_t *p) {
    if (!p) return;
    for (Py_ssize_t i = 0; i < p->nbatches; i++) {
        free(p->batches[i].buffers);
        free(p->batches[i].nulls);
    }
    free(p->batches);
    if (p->names)
        for (int i = 0; i < p->ncols; i++) free(p->names[i]);
    free(p->names);
    free(p->kinds);
    if (p->holder) holder_drop(p->holder);
    free(p);
}

static void stream_release(struct ArrowArrayStream *st) {
    stream_free(st->private_data);
    st->release = NULL;
}

static void stream_capsule_free(PyObject *capsule) {
    struct ArrowArrayStream *st = PyCapsule_GetPointer(capsule, "arrow_array_stream");
    if (!st) {
        PyErr_Clear();
        return;
    }
    if (st->release) st->release(st);
    free(st);
}

static PyObject *arrow_stream(PyObject *self, PyObject *args) {
    const char *kinds;
    PyObject *names, *batches;
    if (!PyArg_ParseTuple(args, "sO!O!", &kinds, &PyTuple_Type, &names, &PyList_Type, &batches)) return NULL;
    release_dead();
    int ncols = (int)strlen(kinds);
    if (PyTuple_GET_SIZE(names) != ncols) {
        PyErr_SetString(PyExc_ValueError, "one name per kind");
        return NULL;
    }
    stream_t *p = calloc(1, sizeof *p);
    struct ArrowArrayStream *st = calloc(1, sizeof *st);
    if (!p || !st) goto nomem;
    p->ncols = ncols;
    p->kinds = strdup(kinds);
    p->names = calloc((size_t)ncols, sizeof *p->names);
    p->holder = calloc(1, sizeof *p->holder); /* batches NULL until set: the error path checks it */
    p->nbatches = PyList_GET_SIZE(batches);
    p->batches = calloc((size_t)(p->nbatches ? p->nbatches : 1), sizeof *p->batches);
    if (!p->kinds || !p->names || !p->holder || !p->batches) goto nomem;
    p->holder->refs = 1;
    Py_INCREF(batches);
    p->holder->batches = batches;
    for (int i = 0; i < ncols; i++) {
        const char *name = PyUnicode_AsUTF8(PyTuple_GET_ITEM(names, i));
        if (!name) goto error;
        if (!(p->names[i] = strdup(name))) goto nomem;
        if (!strchr("isbf", kinds[i])) {
            PyErr_Format(PyExc_ValueError, "unknown column kind %c", kinds[i]);
            goto error;
        }
    }
    for (Py_ssize_t k = 0; k < p->nbatches; k++) {
        PyObject *item = PyList_GET_ITEM(batches, k), *cols;
        long long rows;
        if (!PyArg_ParseTuple(item, "LO!", &rows, &PyTuple_Type, &cols)) goto error;
        if (PyTuple_GET_SIZE(cols) != ncols || rows < 0) {
            PyErr_SetString(PyExc_ValueError, "a batch must have one column per kind");
            goto error;
        }
        batch_t *b = &p->batches[k];
        b->rows = rows;
        b->buffers = calloc((size_t)ncols * 3, sizeof *b->buffers);
        b->nulls = calloc((size_t)ncols, sizeof *b->nulls);
        if (!b->buffers || !b->nulls) goto nomem;
        for (int i = 0; i < ncols; i++) {
            PyObject *col = PyTuple_GET_ITEM(cols, i);
            int nbuf = kinds[i] == 's' ? 3 : 2;
            if (!PyTuple_Check(col) || PyTuple_GET_SIZE(col) != nbuf) {
                PyErr_Format(PyExc_ValueError, "column %d: expected %d buffers", i, nbuf);
                goto error;
            }
            /* Sizes the kind needs for ``rows`` values (a short buffer would be read past its end). */
            size_t need[3] = {(size_t)(rows + 7) / 8, 0, 0};
            if (kinds[i] == 's') need[1] = (size_t)(rows + 1) * 4;
            else if (kinds[i] == 'b') need[1] = (size_t)(rows + 7) / 8;
            else need[1] = (size_t)rows * 8;
            for (int j = 0; j < nbuf; j++) {
                PyObject *buf = PyTuple_GET_ITEM(col, j);
                if (j == 0 && buf == Py_None) continue;
                if (!PyBytes_Check(buf)) {
                    PyErr_Format(PyExc_TypeError, "column %d: buffers must be bytes", i);
                    goto error;
                }
                if ((size_t)PyBytes_GET_SIZE(buf) < need[j]) {
                    PyErr_Format(PyExc_ValueError, "column %d: buffer %d too short", i, j);
                    goto error;
                }
                b->buffers[i * 3 + j] = PyBytes_AS_STRING(buf);
            }
            if (kinds[i] == 's' && rows) {
                const int32_t *offs = (const int32_t *)PyBytes_AS_STRING(PyTuple_GET_ITEM(col, 1));
                if (offs[0] != 0 || offs[rows] < 0 || (size_t)offs[rows] > (size_t)PyBytes_GET_SIZE(PyTuple_GET_ITEM(col, 2))) {
                    PyErr_Format(PyExc_ValueError, "column %d: offsets out of range", i);
                    goto error;
                }
            }
            b->nulls[i] = PyTuple_GET_ITEM(col, 0) == Py_None ? 0 : -1;
        }
    }
    st->get_schema = stream_get_schema;
    st->get_next = stream_get_next;
    st->get_last_error = stream_last_error;
    st->release = stream_release;
    st->private_data = p;
    PyObject *capsule = PyCapsule_New(st, "arrow_array_stream", stream_capsule_free);
    if (!capsule) {
        stream_release(st);
        free(st);
    }
    return capsule;
nomem:
    PyErr_NoMemory();
error:
    if (p && p->holder && !p->holder->batches) {
        free(p->holder);
        p->holder = NULL;
    }
    stream_free(p);
    free(st);
    return NULL;
}

static PyMethodDef METHODS[] = {
    {"flatten_block", (PyCFunction)(void (*)(void))flatten_block, METH_VARARGS | METH_KEYWORDS,
     "flatten_block(data, extended=False, parties=False, first_pid=0) -> (rows, lines, invalid, tables)"},
    {"layout", layout, METH_NOARGS, "The column kinds of each table, in order."},
    {"arrow_stream", arrow_stream, METH_VARARGS,
     "arrow_stream(kinds, names, batches) -> PyCapsule of an Arrow C stream over [(rows, columns)]"},
    {"release_pending", release_pending, METH_NOARGS,
     "Let go of the buffers of streams DuckDB released on its own threads."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "_flatten", "Native flattener of the Cardinal reader.",
                                    -1, METHODS};

PyMODINIT_FUNC PyInit__flatten(void) {
    if (PyType_Ready(&INTERNER_TYPE) < 0) return NULL;
    PyObject *m = PyModule_Create(&MODULE);
    if (!m) return NULL;
    Py_INCREF(&INTERNER_TYPE);
    if (PyModule_AddObject(m, "Interner", (PyObject *)&INTERNER_TYPE) < 0) {
        Py_DECREF(&INTERNER_TYPE);
        Py_DECREF(m);
        return NULL;
    }
    /* 2: flatten_block takes first_pid; 3: arrow_stream */
    if (PyModule_AddIntConstant(m, "API", 3) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    PyObject *all = Py_BuildValue("[sss]", "flatten_block", "layout", "Interner");
    if (!all || PyModule_AddObject(m, "__all__", all) < 0) {
        Py_XDECREF(all);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
