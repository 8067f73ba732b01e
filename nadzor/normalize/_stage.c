/* Stage JSON lines natively: one parse per line gives its release key and, for a compiled release, the rows of
 * every model table (the native half of nadzor/normalize/stage.py, which documents how they are used).
 *
 * The rows must be exactly those the SQL path (nadzor/normalize/flatten.py on DuckDB's json_transform, and the
 * classification in nadzor/ingest/ocds.py) makes of the same line. So this file only takes lines whose shape is
 * plain: every field the SQL path reads is absent, null or of the JSON type it expects, array items are objects
 * (or strings) as expected, no key it reads appears twice, and a few rarer shapes (integer ids, tags that would
 * need escaping, ``__nz_origin`` marks, packages and records) are left alone. Any other line is "declined": its
 * rows are removed and stage.py sends it down the SQL path, which handles everything. A line is never half taken.
 *
 * The GIL is released while a block of lines is staged, so two Python threads stage two blocks at once.
 */
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <math.h>
#include <stdio.h>

#include "../_native/columns.h"
#include "../_vendor/yyjson/yyjson.h"

/* ---- MD5 (RFC 1321), for releases.content_hash: DuckDB's md5() of the line's text ---------------------------- */

typedef struct {
    uint32_t a, b, c, d;
    uint64_t len;
    unsigned char buf[64];
    size_t fill;
} md5_t;

/* The 64 steps written out (as in RFC 1321's reference code): the loop with a branch per step that this replaced
 * took 0.67 s per 289 MiB of lines, OpenSSL 0.47 s. */
#define MD5_F(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define MD5_G(x, y, z) ((y) ^ ((z) & ((x) ^ (y))))
#define MD5_H(x, y, z) ((x) ^ (y) ^ (z))
#define MD5_I(x, y, z) ((y) ^ ((x) | ~(z)))
#define MD5_STEP(f, a, b, c, d, x, k, s)                     \
    do {                                                      \
        (a) += f((b), (c), (d)) + (x) + (uint32_t)(k);        \
        (a) = ((a) << (s) | (a) >> (32 - (s))) + (b);         \
    } while (0)

static void md5_block(md5_t *m, const unsigned char *p) {
    uint32_t w[16];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[i * 4] | (uint32_t)p[i * 4 + 1] << 8 | (uint32_t)p[i * 4 + 2] << 16 |
               (uint32_t)p[i * 4 + 3] << 24;
    uint32_t a = m->a, b = m->b, c = m->c, d = m->d;
    MD5_STEP(MD5_F, a, b, c, d, w[0], 0xd76aa478, 7);
    MD5_STEP(MD5_F, d, a, b, c, w[1], 0xe8c7b756, 12);
    MD5_STEP(MD5_F, c, d, a, b, w[2], 0x242070db, 17);
    MD5_STEP(MD5_F, b, c, d, a, w[3], 0xc1bdceee, 22);
    MD5_STEP(MD5_F, a, b, c, d, w[4], 0xf57c0faf, 7);
    MD5_STEP(MD5_F, d, a, b, c, w[5], 0x4787c62a, 12);
    MD5_STEP(MD5_F, c, d, a, b, w[6], 0xa8304613, 17);
    MD5_STEP(MD5_F, b, c, d, a, w[7], 0xfd469501, 22);
    MD5_STEP(MD5_F, a, b, c, d, w[8], 0x698098d8, 7);
    MD5_STEP(MD5_F, d, a, b, c, w[9], 0x8b44f7af, 12);
    MD5_STEP(MD5_F, c, d, a, b, w[10], 0xffff5bb1, 17);
    MD5_STEP(MD5_F, b, c, d, a, w[11], 0x895cd7be, 22);
    MD5_STEP(MD5_F, a, b, c, d, w[12], 0x6b901122, 7);
    MD5_STEP(MD5_F, d, a, b, c, w[13], 0xfd987193, 12);
    MD5_STEP(MD5_F, c, d, a, b, w[14], 0xa679438e, 17);
    MD5_STEP(MD5_F, b, c, d, a, w[15], 0x49b40821, 22);
    MD5_STEP(MD5_G, a, b, c, d, w[1], 0xf61e2562, 5);
    MD5_STEP(MD5_G, d, a, b, c, w[6], 0xc040b340, 9);
    MD5_STEP(MD5_G, c, d, a, b, w[11], 0x265e5a51, 14);
    MD5_STEP(MD5_G, b, c, d, a, w[0], 0xe9b6c7aa, 20);
    MD5_STEP(MD5_G, a, b, c, d, w[5], 0xd62f105d, 5);
    MD5_STEP(MD5_G, d, a, b, c, w[10], 0x02441453, 9);
    MD5_STEP(MD5_G, c, d, a, b, w[15], 0xd8a1e681, 14);
    MD5_STEP(MD5_G, b, c, d, a, w[4], 0xe7d3fbc8, 20);
    MD5_STEP(MD5_G, a, b, c, d, w[9], 0x21e1cde6, 5);
    MD5_STEP(MD5_G, d, a, b, c, w[14], 0xc33707d6, 9);
    MD5_STEP(MD5_G, c, d, a, b, w[3], 0xf4d50d87, 14);
    MD5_STEP(MD5_G, b, c, d, a, w[8], 0x455a14ed, 20);
    MD5_STEP(MD5_G, a, b, c, d, w[13], 0xa9e3e905, 5);
    MD5_STEP(MD5_G, d, a, b, c, w[2], 0xfcefa3f8, 9);
    MD5_STEP(MD5_G, c, d, a, b, w[7], 0x676f02d9, 14);
    MD5_STEP(MD5_G, b, c, d, a, w[12], 0x8d2a4c8a, 20);
    MD5_STEP(MD5_H, a, b, c, d, w[5], 0xfffa3942, 4);
    MD5_STEP(MD5_H, d, a, b, c, w[8], 0x8771f681, 11);
    MD5_STEP(MD5_H, c, d, a, b, w[11], 0x6d9d6122, 16);
    MD5_STEP(MD5_H, b, c, d, a, w[14], 0xfde5380c, 23);
    MD5_STEP(MD5_H, a, b, c, d, w[1], 0xa4beea44, 4);
    MD5_STEP(MD5_H, d, a, b, c, w[4], 0x4bdecfa9, 11);
    MD5_STEP(MD5_H, c, d, a, b, w[7], 0xf6bb4b60, 16);
    MD5_STEP(MD5_H, b, c, d, a, w[10], 0xbebfbc70, 23);
    MD5_STEP(MD5_H, a, b, c, d, w[13], 0x289b7ec6, 4);
    MD5_STEP(MD5_H, d, a, b, c, w[0], 0xeaa127fa, 11);
    MD5_STEP(MD5_H, c, d, a, b, w[3], 0xd4ef3085, 16);
    MD5_STEP(MD5_H, b, c, d, a, w[6], 0x04881d05, 23);
    MD5_STEP(MD5_H, a, b, c, d, w[9], 0xd9d4d039, 4);
    MD5_STEP(MD5_H, d, a, b, c, w[12], 0xe6db99e5, 11);
    MD5_STEP(MD5_H, c, d, a, b, w[15], 0x1fa27cf8, 16);
    MD5_STEP(MD5_H, b, c, d, a, w[2], 0xc4ac5665, 23);
    MD5_STEP(MD5_I, a, b, c, d, w[0], 0xf4292244, 6);
    MD5_STEP(MD5_I, d, a, b, c, w[7], 0x432aff97, 10);
    MD5_STEP(MD5_I, c, d, a, b, w[14], 0xab9423a7, 15);
    MD5_STEP(MD5_I, b, c, d, a, w[5], 0xfc93a039, 21);
    MD5_STEP(MD5_I, a, b, c, d, w[12], 0x655b59c3, 6);
    MD5_STEP(MD5_I, d, a, b, c, w[3], 0x8f0ccc92, 10);
    MD5_STEP(MD5_I, c, d, a, b, w[10], 0xffeff47d, 15);
    MD5_STEP(MD5_I, b, c, d, a, w[1], 0x85845dd1, 21);
    MD5_STEP(MD5_I, a, b, c, d, w[8], 0x6fa87e4f, 6);
    MD5_STEP(MD5_I, d, a, b, c, w[15], 0xfe2ce6e0, 10);
    MD5_STEP(MD5_I, c, d, a, b, w[6], 0xa3014314, 15);
    MD5_STEP(MD5_I, b, c, d, a, w[13], 0x4e0811a1, 21);
    MD5_STEP(MD5_I, a, b, c, d, w[4], 0xf7537e82, 6);
    MD5_STEP(MD5_I, d, a, b, c, w[11], 0xbd3af235, 10);
    MD5_STEP(MD5_I, c, d, a, b, w[2], 0x2ad7d2bb, 15);
    MD5_STEP(MD5_I, b, c, d, a, w[9], 0xeb86d391, 21);
    m->a += a, m->b += b, m->c += c, m->d += d;
}

/* The lowercase hex MD5 of s (33 bytes with the terminating NUL). */
static void md5_hex(const char *s, size_t n, char *hex) {
    md5_t m = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0, {0}, 0};
    const unsigned char *p = (const unsigned char *)s;
    size_t full = n & ~(size_t)63;
    for (size_t i = 0; i < full; i += 64) md5_block(&m, p + i);
    unsigned char tail[128] = {0};
    size_t rest = n - full;
    memcpy(tail, p + full, rest);
    tail[rest] = 0x80;
    size_t tlen = rest < 56 ? 64 : 128;
    uint64_t bits = (uint64_t)n * 8;
    for (int i = 0; i < 8; i++) tail[tlen - 8 + i] = (unsigned char)(bits >> (8 * i));
    md5_block(&m, tail);
    if (tlen == 128) md5_block(&m, tail + 64);
    uint32_t words[4] = {m.a, m.b, m.c, m.d};
    static const char HEX[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        unsigned char byte = (unsigned char)(words[i / 4] >> (8 * (i % 4)));
        hex[i * 2] = HEX[byte >> 4];
        hex[i * 2 + 1] = HEX[byte & 15];
    }
    hex[32] = 0;
}

/* ---- tables -------------------------------------------------------------------------------------------------- */

#define MAX_COLS 26

typedef struct {
    int ncols;
    size_t rows;
    col_t cols[MAX_COLS];
} table_t;

/* Column kinds of each table, in order; mirrors LAYOUT in stage.py. Every table starts with ``seq`` (the unit's
 * number) and ends with ``locator``; ``source_id`` is added in SQL. */
enum { T_KEYS, T_PROCESSES, T_LOTS, T_ITEMS, T_PARTIES, T_BIDS, T_BID_TENDERERS, T_AWARDS, T_AWARD_SUPPLIERS,
       T_CONTRACTS, T_AMENDMENTS, T_DOCUMENTS, N_TABLES };
static const char *LAYOUT[N_TABLES] = {
    "issssssssii",            /* keys: seq kind ocid release_id date tag content_hash release_key locator
                                 data_offset data_length */
    "isssssssssssssfsssifsfsss", /* processes: seq ocid compiled_from date title description status buyer_id
                                 buyer_name pe_id pe_name method method_details category value_amount
                                 value_currency tender_start tender_end number_of_tenderers award_value_amount
                                 award_value_currency contract_value_amount contract_value_currency language locator
                                 */
    "isssssfss",              /* lots: seq ocid lot_id title description status value_amount value_currency
                                 locator */
    "isssssssssfsfsss",       /* items: seq ocid origin parent_id item_id description cl_scheme cl_id cl_description
                                 additional_classifications quantity unit_name unit_amount unit_currency related_lot
                                 locator */
    "issssssssssssss",        /* parties: seq ocid party_id name id_scheme id_id id_legal_name additional_identifiers
                                 roles street locality region postal_code country locator */
    "ississfsss",             /* bids: seq ocid bid_id bid_index status date value_amount value_currency
                                 related_lots locator */
    "ississs",                /* bid_tenderers: seq ocid bid_id bid_index tenderer_id tenderer_name locator */
    "ississsfsssis",          /* awards: seq ocid award_id award_index title status date value_amount value_currency
                                 related_lots related_bids number_of_tenderers locator */
    "ississs",                /* award_suppliers: seq ocid award_id award_index supplier_id supplier_name locator */
    "issssssssfss",           /* contracts: seq ocid contract_id award_id title status period_start period_end
                                 date_signed value_amount value_currency locator */
    "issssssssss",            /* amendments: seq ocid parent parent_id amendment_id date rationale description
                                 amends_release_id release_id locator */
    "issssssssssss",          /* documents: seq ocid parent parent_id document_id document_type title description
                                 url format language date_published locator */
};

typedef struct {
    table_t t[N_TABLES];
    int failed; /* out of memory */
} out_t;

static void out_init(out_t *o) {
    memset(o, 0, sizeof *o);
    for (int i = 0; i < N_TABLES; i++) {
        o->t[i].ncols = (int)strlen(LAYOUT[i]);
        if (o->t[i].ncols > MAX_COLS) o->t[i].ncols = MAX_COLS, o->failed = 1; /* a layout mistake */
        for (int c = 0; c < o->t[i].ncols; c++) o->t[i].cols[c].kind = LAYOUT[i][c];
    }
}

static void out_free(out_t *o) {
    for (int i = 0; i < N_TABLES; i++)
        for (int c = 0; c < o->t[i].ncols; c++) col_free(&o->t[i].cols[c]);
}

/* Cut a table back to `rows` rows (the rows of a declined line). */
static void truncate_table(table_t *t, size_t rows) {
    if (t->rows == rows) return;
    for (int c = 0; c < t->ncols; c++) {
        col_t *col = &t->cols[c];
        for (size_t r = rows; r < t->rows; r++)
            if (!col->valid.p[r]) col->nulls--;
        col->valid.len = rows;
        if (col->kind == K_STR) {
            col->offsets.len = rows * sizeof(int32_t);
            col->data.len = rows ? (size_t)((int32_t *)col->offsets.p)[rows - 1] : 0;
        } else if (col->kind == K_BOOL) {
            col->data.len = rows;
        } else {
            col->data.len = rows * 8;
        }
    }
    t->rows = rows;
}

/* ---- the state of one line ----------------------------------------------------------------------------------- */

typedef struct {
    out_t *o;
    int declined;       /* the line's shape is not plain: the SQL path takes it */
    int64_t seq;
    yyjson_val *ocid;
    const char *loc;    /* the line's locator (e.g. "L12") */
    size_t loc_len;
    buf_t path;         /* the JSON pointer below the line being walked */
    buf_t scratch;      /* list and JSON texts being built */
    buf_t key;          /* the line's release key */
    yyjson_alc *alc;
} ctx_t;

/* A row being written: its table and the next column. */
typedef struct {
    ctx_t *x;
    table_t *t;
    int col;
} row_t;

static row_t row_begin(ctx_t *x, int table) {
    row_t r = {x, &x->o->t[table], 0};
    return r;
}

static col_t *next_col(row_t *r, char kind) {
    col_t *c = &r->t->cols[r->col++];
    (void)kind;
    return c;
}

static void put_valid(row_t *r, col_t *c, int valid) {
    char v = (char)(valid != 0);
    if (!valid) c->nulls++;
    if (buf_put(&c->valid, &v, 1)) r->x->o->failed = 1;
}

static void put_i(row_t *r, int64_t v, int valid) {
    col_t *c = next_col(r, K_INT);
    if (buf_put(&c->data, &v, sizeof v)) r->x->o->failed = 1;
    put_valid(r, c, valid);
}

static void put_f(row_t *r, double v, int valid) {
    col_t *c = next_col(r, K_FLOAT);
    if (buf_put(&c->data, &v, sizeof v)) r->x->o->failed = 1;
    put_valid(r, c, valid);
}

static void put_raw(row_t *r, const char *s, size_t n, int valid) {
    col_t *c = next_col(r, K_STR);
    if (valid && buf_put(&c->data, s, n)) r->x->o->failed = 1;
    if (c->data.len > INT32_MAX) r->x->o->failed = 1; /* blocks are small; never expected */
    int32_t end = (int32_t)c->data.len;
    if (buf_put(&c->offsets, &end, sizeof end)) r->x->o->failed = 1;
    put_valid(r, c, valid);
}

static void put_lit(row_t *r, const char *s) { put_raw(r, s, strlen(s), 1); }

static void put_null(row_t *r) {
    col_t *c = &r->t->cols[r->col];
    if (c->kind == K_STR) put_raw(r, NULL, 0, 0);
    else if (c->kind == K_FLOAT) put_f(r, 0, 0);
    else put_i(r, 0, 0);
}

/* A string leaf (already checked: a string or NULL). */
static void put_s(row_t *r, yyjson_val *v) {
    if (v) put_raw(r, yyjson_get_str(v), yyjson_get_len(v), 1);
    else put_raw(r, NULL, 0, 0);
}

static void put_loc(row_t *r) {
    col_t *c = next_col(r, K_STR);
    ctx_t *x = r->x;
    if (buf_put(&c->data, x->loc, x->loc_len) || buf_put(&c->data, x->path.p, x->path.len)) x->o->failed = 1;
    if (c->data.len > INT32_MAX) x->o->failed = 1;
    int32_t end = (int32_t)c->data.len;
    if (buf_put(&c->offsets, &end, sizeof end)) x->o->failed = 1;
    put_valid(r, c, 1);
}

static void row_end(row_t *r) {
    if (r->col != r->t->ncols) r->x->o->failed = 1; /* a layout mistake: caught by the tests as MemoryError */
    r->t->rows++;
}

/* ---- reading a line's fields --------------------------------------------------------------------------------- */

/* Path segments, pushed and popped while walking. */
static size_t path_push(ctx_t *x, const char *key, int64_t index) {
    size_t mark = x->path.len;
    char tmp[32];
    if (key && (buf_put(&x->path, "/", 1) || buf_put(&x->path, key, strlen(key)))) x->o->failed = 1;
    if (index >= 0) {
        int n = snprintf(tmp, sizeof tmp, "/%lld", (long long)index);
        if (buf_put(&x->path, tmp, (size_t)n)) x->o->failed = 1;
    }
    return mark;
}

static void path_pop(ctx_t *x, size_t mark) { x->path.len = mark; }

/* Look up `n` keys of an object in one pass: out[i] is the value of names[i], or NULL when absent or JSON null.
 * A key read twice, or `__nz_origin` (a mark only the ingest's own merged documents carry), declines the line. */
static void fields(ctx_t *x, yyjson_val *obj, const char *const *names, int n, yyjson_val **out) {
    for (int i = 0; i < n; i++) out[i] = NULL;
    unsigned seen = 0;
    yyjson_obj_iter it;
    yyjson_obj_iter_init(obj, &it);
    yyjson_val *k;
    while ((k = yyjson_obj_iter_next(&it))) {
        const char *s = yyjson_get_str(k);
        size_t len = yyjson_get_len(k);
        if (len == 11 && memcmp(s, "__nz_origin", 11) == 0) {
            x->declined = 1;
            return;
        }
        for (int i = 0; i < n; i++) {
            if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0) {
                if (seen & (1u << i)) {
                    x->declined = 1;
                    return;
                }
                seen |= 1u << i;
                yyjson_val *v = yyjson_obj_iter_get_val(k);
                out[i] = yyjson_is_null(v) ? NULL : v;
                break;
            }
        }
    }
}

/* Type checks: the value itself when it has the expected JSON type or is NULL; otherwise the line is declined. */
static yyjson_val *want_str(ctx_t *x, yyjson_val *v) {
    if (v && !yyjson_is_str(v)) x->declined = 1;
    return v && yyjson_is_str(v) ? v : NULL;
}

static yyjson_val *want_obj(ctx_t *x, yyjson_val *v) {
    if (v && !yyjson_is_obj(v)) x->declined = 1;
    return v && yyjson_is_obj(v) ? v : NULL;
}

static yyjson_val *want_arr(ctx_t *x, yyjson_val *v) {
    if (v && !yyjson_is_arr(v)) x->declined = 1;
    return v && yyjson_is_arr(v) ? v : NULL;
}

static int want_num(ctx_t *x, yyjson_val *v, double *out) {
    *out = 0;
    if (!v) return 0;
    if (yyjson_is_uint(v)) *out = (double)yyjson_get_uint(v);
    else if (yyjson_is_sint(v)) *out = (double)yyjson_get_sint(v);
    else if (yyjson_is_real(v)) *out = yyjson_get_real(v);
    else {
        x->declined = 1;
        return 0;
    }
    return 1;
}

/* numberOfTenderers: a whole number within BIGINT becomes one, anything else NULL (flatten.py's _int). */
static void put_count(row_t *r, yyjson_val *v) {
    double d;
    int ok = want_num(r->x, v, &d) && d == floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0;
    put_i(r, ok ? (int64_t)d : 0, ok);
}

static void put_num(row_t *r, yyjson_val *v) {
    double d;
    int ok = want_num(r->x, v, &d);
    put_f(r, d, ok);
}

/* Check each item of an array is an object (a null or other item declines the line). */
static int objects(ctx_t *x, yyjson_val *arr) {
    size_t i, n;
    yyjson_val *v;
    yyjson_arr_foreach(arr, i, n, v) if (!yyjson_is_obj(v)) {
        x->declined = 1;
        return 0;
    }
    return 1;
}

/* A VARCHAR[] column, sent as text: each item preceded by \x1f ("" is the empty list, NULL is NULL); stage.py
 * splits it in SQL. Items must be strings without \x1f. */
static void put_list(row_t *r, yyjson_val *arr) {
    ctx_t *x = r->x;
    if (!arr) {
        put_raw(r, NULL, 0, 0);
        return;
    }
    x->scratch.len = 0;
    size_t i, n;
    yyjson_val *v;
    yyjson_arr_foreach(arr, i, n, v) {
        if (!yyjson_is_str(v) || memchr(yyjson_get_str(v), 0x1f, yyjson_get_len(v))) {
            x->declined = 1;
            break;
        }
        if (buf_put(&x->scratch, "\x1f", 1) || buf_put(&x->scratch, yyjson_get_str(v), yyjson_get_len(v)))
            x->o->failed = 1;
    }
    put_raw(r, x->scratch.p ? x->scratch.p : "", x->scratch.len, 1);
}

/* A JSON string as DuckDB's to_json writes it. Only '"' and '\\' are escaped here: a control character (which it
 * writes as \uXXXX or a short escape) declines the line. */
static void json_str(ctx_t *x, yyjson_val *v) {
    if (!v) {
        if (buf_put(&x->scratch, "null", 4)) x->o->failed = 1;
        return;
    }
    const char *s = yyjson_get_str(v);
    size_t n = yyjson_get_len(v);
    if (buf_put(&x->scratch, "\"", 1)) x->o->failed = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20) {
            x->declined = 1;
            return;
        }
        if ((ch == '"' || ch == '\\') && buf_put(&x->scratch, "\\", 1)) x->o->failed = 1;
        if (buf_put(&x->scratch, &s[i], 1)) x->o->failed = 1;
    }
    if (buf_put(&x->scratch, "\"", 1)) x->o->failed = 1;
}

/* A JSON column: to_json of a list of structs with string fields `names` (NULL when the list is NULL or empty). */
static void put_struct_list(row_t *r, yyjson_val *arr, const char *const *names, int n) {
    ctx_t *x = r->x;
    if (!arr || yyjson_arr_size(arr) == 0 || !objects(x, arr)) {
        put_raw(r, NULL, 0, 0);
        return;
    }
    x->scratch.len = 0;
    if (buf_put(&x->scratch, "[", 1)) x->o->failed = 1;
    size_t i, m;
    yyjson_val *el;
    yyjson_arr_foreach(arr, i, m, el) {
        yyjson_val *f[4];
        fields(x, el, names, n, f);
        if (buf_put(&x->scratch, i ? ",{" : "{", i ? 2 : 1)) x->o->failed = 1;
        for (int k = 0; k < n; k++) {
            char key[40];
            int len = snprintf(key, sizeof key, "%s\"%s\":", k ? "," : "", names[k]);
            if (buf_put(&x->scratch, key, (size_t)len)) x->o->failed = 1;
            json_str(x, want_str(x, f[k]));
        }
        if (buf_put(&x->scratch, "}", 1)) x->o->failed = 1;
    }
    if (buf_put(&x->scratch, "]", 1)) x->o->failed = 1;
    put_raw(r, x->scratch.p, x->scratch.len, 1);
}

/* ---- walking a compiled release ------------------------------------------------------------------------------ */

static const char *const VALUE_KEYS[] = {"amount", "currency"};
static const char *const ORG_KEYS[] = {"id", "name"};
static const char *const CLASS_KEYS[] = {"scheme", "id", "description"};
static const char *const IDENT_KEYS[] = {"scheme", "id", "legalName"};

/* amount and currency of a value object. A negative amount declines the line: the SQL path quarantines it
 * (ocds.py's _check_values). */
static void put_value(row_t *r, yyjson_val *value) {
    yyjson_val *f[2] = {NULL, NULL};
    value = want_obj(r->x, value);
    if (value) fields(r->x, value, VALUE_KEYS, 2, f);
    double d;
    int ok = want_num(r->x, f[0], &d);
    if (ok && d < 0) r->x->declined = 1;
    put_f(r, d, ok);
    put_s(r, want_str(r->x, f[1]));
}

/* A date the SQL path checks (ocds.py's _DATE_COLUMNS): one that is not empty and does not start yyyy-mm-dd with
 * a year in 1900-2100 declines the line (it would be quarantined). */
static void put_date(row_t *r, yyjson_val *v) {
    v = want_str(r->x, v);
    if (v && yyjson_get_len(v) > 0) {
        const char *s = yyjson_get_str(v);
        size_t n = yyjson_get_len(v);
        int ok = n >= 10;
        for (int i = 0; ok && i < 10; i++) ok = (i == 4 || i == 7) ? s[i] == '-' : (s[i] >= '0' && s[i] <= '9');
        int year = ok ? (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0') : 0;
        if (!ok || year < 1900 || year > 2100) r->x->declined = 1;
    }
    put_s(r, v);
}

/* The total of the award (or contract) values of a process whose status is one of `statuses` or absent, in the
 * currency most of them use (a tie goes to the currency met first), as ocds.py's _summarise_values: amount and
 * currency, or two NULLs. Values are added in array order. */
static void put_total(row_t *r, yyjson_val *arr, const char *const *statuses, int n_statuses) {
    ctx_t *x = r->x;
    enum { MAX_CUR = 16 };
    yyjson_val *cur[MAX_CUR];
    int null_cur[MAX_CUR];
    double sum[MAX_CUR];
    size_t count[MAX_CUR];
    int groups = 0;
    if (arr && yyjson_is_arr(arr)) {
        size_t i, n;
        yyjson_val *el;
        yyjson_arr_foreach(arr, i, n, el) {
            if (!yyjson_is_obj(el)) continue; /* declined elsewhere */
            yyjson_val *f[2], *v[2] = {NULL, NULL};
            fields(x, el, (const char *const[]){"status", "value"}, 2, f);
            yyjson_val *status = want_str(x, f[0]), *value = want_obj(x, f[1]);
            if (value) fields(x, value, VALUE_KEYS, 2, v);
            double d;
            if (!want_num(x, v[0], &d)) continue;
            if (status) {
                int ok = 0;
                for (int k = 0; k < n_statuses; k++)
                    ok |= yyjson_get_len(status) == strlen(statuses[k]) &&
                          memcmp(yyjson_get_str(status), statuses[k], strlen(statuses[k])) == 0;
                if (!ok) continue;
            }
            yyjson_val *c = want_str(x, v[1]);
            int g = 0;
            for (; g < groups; g++) {
                if (null_cur[g] ? c == NULL
                                : c && yyjson_get_len(c) == yyjson_get_len(cur[g]) &&
                                      memcmp(yyjson_get_str(c), yyjson_get_str(cur[g]), yyjson_get_len(c)) == 0)
                    break;
            }
            if (g == groups) {
                if (groups == MAX_CUR) { /* not worth a bigger table: the SQL path takes it */
                    x->declined = 1;
                    continue;
                }
                cur[g] = c;
                null_cur[g] = c == NULL;
                sum[g] = 0;
                count[g] = 0;
                groups++;
            }
            sum[g] = count[g] ? sum[g] + d : d; /* as SQL's sum: from the first value, not 0 (-0.0 stays) */
            count[g]++;
        }
    }
    int best = -1;
    for (int g = 0; g < groups; g++)
        if (best < 0 || count[g] > count[best]) best = g;
    if (best < 0) {
        put_f(r, 0, 0);
        put_raw(r, NULL, 0, 0);
    } else {
        put_f(r, sum[best], 1);
        put_s(r, cur[best]);
    }
}

static void walk_items(ctx_t *x, yyjson_val *items, const char *origin, yyjson_val *parent_id, const char *key) {
    static const char *const K[] = {"id", "description", "classification", "additionalClassifications", "quantity",
                                    "unit", "relatedLot"};
    if (!(items = want_arr(x, items)) || !objects(x, items)) return;
    size_t i, n;
    yyjson_val *it;
    yyjson_arr_foreach(items, i, n, it) {
        yyjson_val *f[7], *c[3] = {NULL, NULL, NULL}, *u[2] = {NULL, NULL};
        fields(x, it, K, 7, f);
        yyjson_val *cls = want_obj(x, f[2]), *unit = want_obj(x, f[5]);
        if (cls) fields(x, cls, CLASS_KEYS, 3, c);
        if (unit) fields(x, unit, (const char *const[]){"name", "value"}, 2, u);
        size_t mark = path_push(x, key, (int64_t)i);
        row_t r = row_begin(x, T_ITEMS);
        put_i(&r, x->seq, 1);
        put_s(&r, x->ocid);
        put_lit(&r, origin);
        put_s(&r, parent_id);
        put_s(&r, want_str(x, f[0]));
        put_s(&r, want_str(x, f[1]));
        put_s(&r, want_str(x, c[0]));
        put_s(&r, want_str(x, c[1]));
        put_s(&r, want_str(x, c[2]));
        put_struct_list(&r, want_arr(x, f[3]), CLASS_KEYS, 3);
        put_num(&r, f[4]);
        put_s(&r, want_str(x, u[0]));
        put_value(&r, u[1]);
        put_s(&r, want_str(x, f[6]));
        put_loc(&r);
        row_end(&r);
        path_pop(x, mark);
    }
}

static void walk_amendments(ctx_t *x, yyjson_val *arr, const char *parent, yyjson_val *parent_id) {
    static const char *const K[] = {"id", "date", "rationale", "description", "amendsReleaseID", "releaseID"};
    if (!(arr = want_arr(x, arr)) || !objects(x, arr)) return;
    size_t i, n;
    yyjson_val *el;
    yyjson_arr_foreach(arr, i, n, el) {
        yyjson_val *f[6];
        fields(x, el, K, 6, f);
        size_t mark = path_push(x, "amendments", (int64_t)i);
        row_t r = row_begin(x, T_AMENDMENTS);
        put_i(&r, x->seq, 1);
        put_s(&r, x->ocid);
        put_lit(&r, parent);
        put_s(&r, parent_id);
        put_s(&r, want_str(x, f[0]));
        put_date(&r, f[1]);
        for (int k = 2; k < 6; k++) put_s(&r, want_str(x, f[k]));
        put_loc(&r);
        row_end(&r);
        path_pop(x, mark);
    }
}

static void walk_documents(ctx_t *x, yyjson_val *arr, const char *parent, yyjson_val *parent_id) {
    static const char *const K[] = {"id", "documentType", "title", "description", "url", "format", "language",
                                    "datePublished"};
    if (!(arr = want_arr(x, arr)) || !objects(x, arr)) return;
    size_t i, n;
    yyjson_val *el;
    yyjson_arr_foreach(arr, i, n, el) {
        yyjson_val *f[8];
        fields(x, el, K, 8, f);
        size_t mark = path_push(x, "documents", (int64_t)i);
        row_t r = row_begin(x, T_DOCUMENTS);
        put_i(&r, x->seq, 1);
        put_s(&r, x->ocid);
        put_lit(&r, parent);
        put_s(&r, parent_id);
        for (int k = 0; k < 7; k++) put_s(&r, want_str(x, f[k]));
        put_date(&r, f[7]);
        put_loc(&r);
        row_end(&r);
        path_pop(x, mark);
    }
}

/* An organisation list (tenderers, suppliers): rows (seq, ocid, parent id, parent index, id, name, locator). */
static void walk_orgs(ctx_t *x, yyjson_val *arr, int table, const char *key, yyjson_val *parent_id, int64_t index) {
    if (!(arr = want_arr(x, arr)) || !objects(x, arr)) return;
    size_t i, n;
    yyjson_val *el;
    yyjson_arr_foreach(arr, i, n, el) {
        yyjson_val *f[2];
        fields(x, el, ORG_KEYS, 2, f);
        size_t mark = path_push(x, key, (int64_t)i);
        row_t r = row_begin(x, table);
        put_i(&r, x->seq, 1);
        put_s(&r, x->ocid);
        put_s(&r, parent_id);
        put_i(&r, index, 1);
        put_s(&r, want_str(x, f[0]));
        put_s(&r, want_str(x, f[1]));
        put_loc(&r);
        row_end(&r);
        path_pop(x, mark);
    }
}

static void walk_parties(ctx_t *x, yyjson_val *arr) {
    static const char *const K[] = {"id", "name", "identifier", "additionalIdentifiers", "roles", "address"};
    static const char *const A[] = {"streetAddress", "locality", "region", "postalCode", "countryName"};
    if (!(arr = want_arr(x, arr)) || !objects(x, arr)) return;
    size_t i, n;
    yyjson_val *el;
    yyjson_arr_foreach(arr, i, n, el) {
        yyjson_val *f[6], *id[3] = {NULL, NULL, NULL}, *ad[5] = {NULL, NULL, NULL, NULL, NULL};
        fields(x, el, K, 6, f);
        yyjson_val *ident = want_obj(x, f[2]), *addr = want_obj(x, f[5]);
        if (ident) fields(x, ident, IDENT_KEYS, 3, id);
        if (addr) fields(x, addr, A, 5, ad);
        size_t mark = path_push(x, "parties", (int64_t)i);
        row_t r = row_begin(x, T_PARTIES);
        put_i(&r, x->seq, 1);
        put_s(&r, x->ocid);
        put_s(&r, want_str(x, f[0]));
        put_s(&r, want_str(x, f[1]));
        for (int k = 0; k < 3; k++) put_s(&r, want_str(x, id[k]));
        put_struct_list(&r, want_arr(x, f[3]), IDENT_KEYS, 3);
        put_list(&r, want_arr(x, f[4]));
        for (int k = 0; k < 5; k++) put_s(&r, want_str(x, ad[k]));
        put_loc(&r);
        row_end(&r);
        path_pop(x, mark);
    }
}

static void walk_lots(ctx_t *x, yyjson_val *arr) {
    static const char *const K[] = {"id", "title", "description", "status", "value"};
    if (!(arr = want_arr(x, arr)) || !objects(x, arr)) return;
    size_t i, n;
    yyjson_val *el;
    yyjson_arr_foreach(arr, i, n, el) {
        yyjson_val *f[5];
        fields(x, el, K, 5, f);
        yyjson_val *id = want_str(x, f[0]), *title = want_str(x, f[1]), *desc = want_str(x, f[2]);
        size_t mark = path_push(x, "tender/lots", (int64_t)i);
        row_t r = row_begin(x, T_LOTS);
        put_i(&r, x->seq, 1);
        put_s(&r, x->ocid);
        put_s(&r, id);
        put_s(&r, title);
        put_s(&r, desc);
        put_s(&r, want_str(x, f[3]));
        put_value(&r, f[4]);
        put_loc(&r);
        row_end(&r);
        /* A lot with a title or description is also an item (origin 'lot'): concat_ws(' - ', title, description). */
        if (title || desc) {
            row_t it = row_begin(x, T_ITEMS);
            put_i(&it, x->seq, 1);
            put_s(&it, x->ocid);
            put_lit(&it, "lot");
            put_s(&it, id);
            put_s(&it, id);
            x->scratch.len = 0;
            if (title && buf_put(&x->scratch, yyjson_get_str(title), yyjson_get_len(title))) x->o->failed = 1;
            if (title && desc && buf_put(&x->scratch, " - ", 3)) x->o->failed = 1;
            if (desc && buf_put(&x->scratch, yyjson_get_str(desc), yyjson_get_len(desc))) x->o->failed = 1;
            put_raw(&it, x->scratch.p, x->scratch.len, 1);
            for (int k = 0; k < 9; k++) put_null(&it);
            put_loc(&it);
            row_end(&it);
        }
        path_pop(x, mark);
    }
}

static void walk_bids(ctx_t *x, yyjson_val *bids) {
    static const char *const K[] = {"id", "status", "date", "value", "relatedLots", "tenderers"};
    yyjson_val *d[1] = {NULL};
    if (!(bids = want_obj(x, bids))) return;
    fields(x, bids, (const char *const[]){"details"}, 1, d);
    yyjson_val *arr = want_arr(x, d[0]);
    if (!arr || !objects(x, arr)) return;
    size_t i, n;
    yyjson_val *el;
    yyjson_arr_foreach(arr, i, n, el) {
        yyjson_val *f[6];
        fields(x, el, K, 6, f);
        yyjson_val *id = want_str(x, f[0]);
        size_t mark = path_push(x, "bids/details", (int64_t)i);
        row_t r = row_begin(x, T_BIDS);
        put_i(&r, x->seq, 1);
        put_s(&r, x->ocid);
        put_s(&r, id);
        put_i(&r, (int64_t)i, 1);
        put_s(&r, want_str(x, f[1]));
        put_date(&r, f[2]);
        put_value(&r, f[3]);
        put_list(&r, want_arr(x, f[4]));
        put_loc(&r);
        row_end(&r);
        walk_orgs(x, f[5], T_BID_TENDERERS, "tenderers", id, (int64_t)i);
        path_pop(x, mark);
    }
}

static void walk_awards(ctx_t *x, yyjson_val *arr) {
    static const char *const K[] = {"id", "title", "status", "date", "value", "relatedLots", "relatedBid",
                                    "relatedBids", "numberOfTenderers", "suppliers", "items", "documents",
                                    "amendments"};
    if (!(arr = want_arr(x, arr)) || !objects(x, arr)) return;
    size_t i, n;
    yyjson_val *el;
    yyjson_arr_foreach(arr, i, n, el) {
        yyjson_val *f[13];
        fields(x, el, K, 13, f);
        yyjson_val *id = want_str(x, f[0]);
        yyjson_val *bid = want_str(x, f[6]), *bids = want_arr(x, f[7]);
        size_t mark = path_push(x, "awards", (int64_t)i);
        row_t r = row_begin(x, T_AWARDS);
        put_i(&r, x->seq, 1);
        put_s(&r, x->ocid);
        put_s(&r, id);
        put_i(&r, (int64_t)i, 1);
        put_s(&r, want_str(x, f[1]));
        put_s(&r, want_str(x, f[2]));
        put_date(&r, f[3]);
        put_value(&r, f[4]);
        put_list(&r, want_arr(x, f[5]));
        /* related_bids: relatedBids when not empty, else [relatedBid], else NULL */
        if (bids && yyjson_arr_size(bids) > 0) {
            put_list(&r, bids);
        } else if (bid) {
            if (memchr(yyjson_get_str(bid), 0x1f, yyjson_get_len(bid))) x->declined = 1;
            x->scratch.len = 0;
            if (buf_put(&x->scratch, "\x1f", 1) || buf_put(&x->scratch, yyjson_get_str(bid), yyjson_get_len(bid)))
                x->o->failed = 1;
            put_raw(&r, x->scratch.p, x->scratch.len, 1);
        } else {
            if (bids) objects(x, bids); /* an empty list: nothing to check */
            put_raw(&r, NULL, 0, 0);
        }
        put_count(&r, f[8]);
        put_loc(&r);
        row_end(&r);
        walk_orgs(x, f[9], T_AWARD_SUPPLIERS, "suppliers", id, (int64_t)i);
        walk_items(x, f[10], "award", id, "items");
        walk_documents(x, f[11], "award", id);
        walk_amendments(x, f[12], "award", id);
        path_pop(x, mark);
    }
}

static void walk_contracts(ctx_t *x, yyjson_val *arr) {
    static const char *const K[] = {"id", "awardID", "title", "status", "period", "dateSigned", "value", "items",
                                    "documents", "amendments", "implementation"};
    if (!(arr = want_arr(x, arr)) || !objects(x, arr)) return;
    size_t i, n;
    yyjson_val *el;
    yyjson_arr_foreach(arr, i, n, el) {
        yyjson_val *f[11], *p[2] = {NULL, NULL}, *impl[1] = {NULL};
        fields(x, el, K, 11, f);
        yyjson_val *id = want_str(x, f[0]), *period = want_obj(x, f[4]), *im = want_obj(x, f[10]);
        if (period) fields(x, period, (const char *const[]){"startDate", "endDate"}, 2, p);
        if (im) fields(x, im, (const char *const[]){"documents"}, 1, impl);
        size_t mark = path_push(x, "contracts", (int64_t)i);
        row_t r = row_begin(x, T_CONTRACTS);
        put_i(&r, x->seq, 1);
        put_s(&r, x->ocid);
        put_s(&r, id);
        put_s(&r, want_str(x, f[1]));
        put_s(&r, want_str(x, f[2]));
        put_s(&r, want_str(x, f[3]));
        put_date(&r, p[0]);
        put_date(&r, p[1]);
        put_date(&r, f[5]);
        put_value(&r, f[6]);
        put_loc(&r);
        row_end(&r);
        walk_items(x, f[7], "contract", id, "items");
        walk_documents(x, f[8], "contract", id);
        walk_amendments(x, f[9], "contract", id);
        if (im) {
            size_t m2 = path_push(x, "implementation", -1);
            walk_documents(x, impl[0], "contract", id);
            path_pop(x, m2);
        }
        path_pop(x, mark);
    }
}

/* Top-level keys the classification and the flattening read. */
enum { F_OCID, F_ID, F_DATE, F_TAG, F_LANGUAGE, F_BUYER, F_PLANNING, F_TENDER, F_PARTIES, F_BIDS, F_AWARDS,
       F_CONTRACTS, F_RELEASES, F_RECORDS, F_COMPILED, N_TOP };
static const char *const TOP[N_TOP] = {"ocid", "id", "date", "tag", "language", "buyer", "planning", "tender",
                                       "parties", "bids", "awards", "contracts", "releases", "records",
                                       "compiledRelease"};

static void walk_compiled(ctx_t *x, yyjson_val **top) {
    static const char *const T[] = {"title", "description", "status", "procuringEntity", "procurementMethod",
                                    "procurementMethodDetails", "mainProcurementCategory", "value", "tenderPeriod",
                                    "numberOfTenderers", "items", "lots", "documents", "amendments"};
    yyjson_val *t[14] = {NULL}, *b[2] = {NULL, NULL}, *pe[2] = {NULL, NULL}, *tp[2] = {NULL, NULL}, *pl[1] = {NULL};
    yyjson_val *tender = want_obj(x, top[F_TENDER]), *buyer = want_obj(x, top[F_BUYER]);
    yyjson_val *planning = want_obj(x, top[F_PLANNING]);
    if (tender) fields(x, tender, T, 14, t);
    if (buyer) fields(x, buyer, ORG_KEYS, 2, b);
    if (planning) fields(x, planning, (const char *const[]){"documents"}, 1, pl);
    yyjson_val *pentity = want_obj(x, t[3]), *period = want_obj(x, t[8]);
    if (pentity) fields(x, pentity, ORG_KEYS, 2, pe);
    if (period) fields(x, period, (const char *const[]){"startDate", "endDate"}, 2, tp);

    row_t r = row_begin(x, T_PROCESSES);
    put_i(&r, x->seq, 1);
    put_s(&r, x->ocid);
    put_raw(&r, x->key.p, x->key.len, 1); /* compiled_from: the release key */
    put_date(&r, top[F_DATE]);
    put_s(&r, want_str(x, t[0]));
    put_s(&r, want_str(x, t[1]));
    put_s(&r, want_str(x, t[2]));
    put_s(&r, want_str(x, b[0]));
    put_s(&r, want_str(x, b[1]));
    put_s(&r, want_str(x, pe[0]));
    put_s(&r, want_str(x, pe[1]));
    put_s(&r, want_str(x, t[4]));
    put_s(&r, want_str(x, t[5]));
    put_s(&r, want_str(x, t[6]));
    put_value(&r, t[7]);
    put_date(&r, tp[0]);
    put_date(&r, tp[1]);
    put_count(&r, t[9]);
    put_total(&r, top[F_AWARDS], (const char *const[]){"active"}, 1);
    put_total(&r, top[F_CONTRACTS], (const char *const[]){"active", "terminated"}, 2);
    put_s(&r, want_str(x, top[F_LANGUAGE]));
    put_loc(&r);
    row_end(&r);

    walk_parties(x, top[F_PARTIES]);
    walk_lots(x, t[11]);
    walk_items(x, t[10], "tender", NULL, "tender/items");
    walk_bids(x, top[F_BIDS]);
    walk_awards(x, top[F_AWARDS]);
    walk_contracts(x, top[F_CONTRACTS]);
    size_t mark = path_push(x, "tender", -1);
    walk_amendments(x, t[13], "tender", NULL);
    walk_documents(x, t[12], "tender", NULL);
    path_pop(x, mark);
    mark = path_push(x, "planning", -1);
    walk_documents(x, pl[0], "planning", NULL);
    path_pop(x, mark);
}

/* Classify one line as the SQL in ocds.py does for a line (no version hint): 'compiled', 'release', or declined.
 * Writes its keys row and, for a compiled release, its model rows. */
static void stage_line(ctx_t *x, const char *text, size_t len, int64_t offset) {
    yyjson_doc *doc = yyjson_read_opts((char *)text, len, YYJSON_READ_NOFLAG, x->alc, NULL);
    if (!doc || len == 0 || text[0] != '{') {
        x->declined = 1;
        if (doc) yyjson_doc_free(doc);
        return;
    }
    yyjson_val *root = yyjson_doc_get_root(doc), *top[N_TOP];
    fields(x, root, TOP, N_TOP, top);
    /* packages, records and versioned releases in a line, and ids that are numbers, go the SQL way */
    if (top[F_RELEASES] || top[F_RECORDS] || top[F_COMPILED]) x->declined = 1;
    yyjson_val *ocid = want_str(x, top[F_OCID]), *id = want_str(x, top[F_ID]), *date = want_str(x, top[F_DATE]);
    if (!ocid || yyjson_get_len(ocid) == 0) x->declined = 1;
    int compiled = 0;
    yyjson_val *tag = top[F_TAG] && yyjson_is_arr(top[F_TAG]) ? top[F_TAG] : NULL;
    if (tag) {
        size_t i, n;
        yyjson_val *v;
        yyjson_arr_foreach(tag, i, n, v) {
            if (!yyjson_is_str(v)) {
                x->declined = 1;
                break;
            }
            const char *s = yyjson_get_str(v);
            size_t sl = yyjson_get_len(v);
            for (size_t k = 0; k < sl; k++)
                if ((unsigned char)s[k] < 0x20 || s[k] == '"' || s[k] == '\\') x->declined = 1;
            if (sl == 8 && memcmp(s, "compiled", 8) == 0) compiled = 1;
        }
    }
    /* a top-level key present twice or with another type than the SQL path reads declines the line */
    if (x->declined) {
        yyjson_doc_free(doc);
        return;
    }
    if (!compiled) {
        /* a release: a non-empty string id, and 1.1-shaped (parties, or none of buyer/tender/awards) */
        int has_parties = yyjson_obj_get(root, "parties") != NULL;
        int old_keys = yyjson_obj_get(root, "buyer") || yyjson_obj_get(root, "tender") ||
                       yyjson_obj_get(root, "awards");
        if (!id || yyjson_get_len(id) == 0 || (!has_parties && old_keys)) {
            x->declined = 1;
            yyjson_doc_free(doc);
            return;
        }
    }
    x->ocid = ocid;
    char hex[33];
    md5_hex(text, len, hex);
    buf_t *key = &x->key;
    key->len = 0;
    const char *kind = compiled ? "compiled" : "release";
    if (buf_put(key, kind, strlen(kind)) || buf_put(key, ":", 1) ||
        buf_put(key, yyjson_get_str(ocid), yyjson_get_len(ocid)) || buf_put(key, ":", 1) ||
        (compiled ? buf_put(key, hex, 16) : buf_put(key, yyjson_get_str(id), yyjson_get_len(id))))
        x->o->failed = 1;

    row_t r = row_begin(x, T_KEYS);
    put_i(&r, x->seq, 1);
    put_lit(&r, kind);
    put_s(&r, ocid);
    put_s(&r, id);
    put_s(&r, date);
    put_list(&r, tag);
    put_raw(&r, hex, 32, 1);
    put_raw(&r, key->p, key->len, 1);
    put_loc(&r);
    put_i(&r, offset, 1);
    put_i(&r, (int64_t)len, 1);
    row_end(&r);
    if (compiled) walk_compiled(x, top);
    yyjson_doc_free(doc);
}

/* ---- the Python function ------------------------------------------------------------------------------------- */

static PyObject *stage_block(PyObject *self, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"text_offsets", "text", "locator_offsets", "locator", "data_offsets", "start", "stop",
                            "first_seq", NULL};
    (void)self;
    Py_buffer toff, tdata, loff, ldata, doff;
    Py_ssize_t start, stop;
    long long first_seq;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y*y*y*y*y*nnL", names, &toff, &tdata, &loff, &ldata, &doff,
                                     &start, &stop, &first_seq))
        return NULL;
    PyObject *result = NULL;
    out_t *o = NULL;
    PyObject *declined = NULL;
    Py_ssize_t rows = stop - start;
    if (rows < 0 || (size_t)toff.len < (size_t)(stop + 1) * 8 || (size_t)loff.len < (size_t)(stop + 1) * 4 ||
        (size_t)doff.len < (size_t)stop * 8) {
        PyErr_SetString(PyExc_ValueError, "buffers shorter than the rows asked for");
        goto done;
    }
    declined = PyBytes_FromStringAndSize(NULL, rows);
    o = calloc(1, sizeof *o);
    if (!declined || !o) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto done;
    }
    out_init(o);
    char *dec = PyBytes_AS_STRING(declined);
    const int64_t *to = toff.buf, *dofs = doff.buf;
    const int32_t *lo = loff.buf;
    const char *text = tdata.buf, *locs = ldata.buf;
    int bad_offsets = 0;

    Py_BEGIN_ALLOW_THREADS
    ctx_t x = {0};
    x.o = o;
    x.alc = yyjson_alc_dyn_new();
    if (!x.alc) o->failed = 1;
    size_t marks[N_TABLES];
    for (Py_ssize_t i = start; i < stop && !o->failed; i++) {
        int64_t a = to[i], b = to[i + 1];
        if (a < 0 || b < a || (size_t)b > (size_t)tdata.len || lo[i] < 0 || lo[i + 1] < lo[i] ||
            (size_t)lo[i + 1] > (size_t)ldata.len) {
            bad_offsets = 1;
            break;
        }
        for (int t = 0; t < N_TABLES; t++) marks[t] = o->t[t].rows;
        x.declined = 0;
        x.seq = first_seq + (i - start);
        x.loc = locs + lo[i];
        x.loc_len = (size_t)(lo[i + 1] - lo[i]);
        x.path.len = 0;
        x.ocid = NULL;
        stage_line(&x, text + a, (size_t)(b - a), dofs[i]);
        dec[i - start] = (char)x.declined;
        if (x.declined)
            for (int t = 0; t < N_TABLES; t++) truncate_table(&o->t[t], marks[t]);
    }
    free(x.path.p);
    free(x.scratch.p);
    free(x.key.p);
    if (x.alc) yyjson_alc_dyn_free(x.alc);
    Py_END_ALLOW_THREADS

    if (bad_offsets) {
        PyErr_SetString(PyExc_ValueError, "offsets out of range");
        goto done;
    }
    if (o->failed) {
        PyErr_NoMemory();
        goto done;
    }
    PyObject *tables = PyTuple_New(N_TABLES);
    if (!tables) goto done;
    for (int i = 0; i < N_TABLES; i++) {
        table_t *t = &o->t[i];
        PyObject *cols = PyTuple_New(t->ncols);
        if (!cols) {
            Py_DECREF(tables);
            goto done;
        }
        PyTuple_SET_ITEM(tables, i, cols);
        for (int c = 0; c < t->ncols; c++) {
            PyObject *col = column(&t->cols[c], t->rows);
            if (!col) {
                Py_DECREF(tables);
                goto done;
            }
            PyTuple_SET_ITEM(cols, c, col);
        }
    }
    result = Py_BuildValue("(ON)", declined, tables);
done:
    Py_XDECREF(declined);
    if (o) {
        out_free(o);
        free(o);
    }
    PyBuffer_Release(&toff);
    PyBuffer_Release(&tdata);
    PyBuffer_Release(&loff);
    PyBuffer_Release(&ldata);
    PyBuffer_Release(&doff);
    return result;
}

/* ---- Splitting a chunk of a JSON-lines file into its lines ---------------------------------------------------- */

/* Length of the valid UTF-8 prefix of s (Arrow's rules: no overlong forms, no surrogates, nothing past U+10FFFF);
 * n when all of it is valid. */
static size_t utf8_valid_prefix(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (!(w & 0x8080808080808080ULL)) {
                i += 8;
                continue;
            }
        }
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
        } else if (c >= 0xC2 && c <= 0xDF) {
            if (i + 1 >= n || (s[i + 1] & 0xC0) != 0x80) return i;
            i += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            if (i + 2 >= n || (s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80) return i;
            if (c == 0xE0 && s[i + 1] < 0xA0) return i;  /* overlong */
            if (c == 0xED && s[i + 1] > 0x9F) return i;  /* surrogate */
            i += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            if (i + 3 >= n || (s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80 || (s[i + 3] & 0xC0) != 0x80)
                return i;
            if (c == 0xF0 && s[i + 1] < 0x90) return i;  /* overlong */
            if (c == 0xF4 && s[i + 1] > 0x8F) return i;  /* past U+10FFFF */
            i += 4;
        } else {
            return i;
        }
    }
    return n;
}

static int is_blank_byte(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/* split_lines(data, first_line) -> None when a byte of data is not UTF-8 (the caller then goes line by line), else
 * (lines, n, text_offsets, text, locator_offsets, locator, starts): ``lines`` counts every line of data (split at
 * "\n"), blank ones included; the other items describe the n non-blank ones (a line of only " \t\r\v\f" is blank):
 * their text with trailing "\r" removed (int64 offsets + bytes, an Arrow large_string), their locator "L<number>"
 * (int32 offsets + bytes, an Arrow string) and the offset in data where each starts (int64). */
static PyObject *split_lines(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer b;
    long long first_line;
    if (!PyArg_ParseTuple(args, "y*L", &b, &first_line)) return NULL;
    const unsigned char *data = b.buf;
    size_t len = (size_t)b.len;
    size_t cap_lines = 1;
    for (const unsigned char *p = data; (p = memchr(p, '\n', len - (size_t)(p - data))) != NULL; p++) cap_lines++;
    PyObject *toff = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)((cap_lines + 1) * sizeof(int64_t)));
    PyObject *text = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(len ? len : 1));
    PyObject *loff = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)((cap_lines + 1) * sizeof(int32_t)));
    PyObject *loc = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(cap_lines * 22));
    PyObject *starts = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(cap_lines * sizeof(int64_t)));
    PyObject *result = NULL;
    if (!toff || !text || !loff || !loc || !starts) goto done;
    int64_t *to = (int64_t *)PyBytes_AS_STRING(toff);
    char *tx = PyBytes_AS_STRING(text);
    int32_t *lo = (int32_t *)PyBytes_AS_STRING(loff);
    char *lc = PyBytes_AS_STRING(loc);
    int64_t *st = (int64_t *)PyBytes_AS_STRING(starts);
    int valid;
    size_t lines = 0, n = 0, tlen = 0, llen = 0;
    Py_BEGIN_ALLOW_THREADS
    valid = utf8_valid_prefix(data, len) == len;
    if (valid) {
        to[0] = 0;
        lo[0] = 0;
        size_t pos = 0;
        for (;;) {
            const unsigned char *nl = memchr(data + pos, '\n', len - pos);
            size_t end = nl ? (size_t)(nl - data) : len;
            size_t i = pos;
            while (i < end && is_blank_byte(data[i])) i++;
            if (i < end) {  /* not blank */
                size_t stop = end;
                while (stop > pos && data[stop - 1] == '\r') stop--;
                memcpy(tx + tlen, data + pos, stop - pos);
                tlen += stop - pos;
                to[n + 1] = (int64_t)tlen;
                llen += (size_t)snprintf(lc + llen, 22, "L%lld", (long long)(first_line + (long long)lines));
                lo[n + 1] = (int32_t)llen;
                st[n] = (int64_t)pos;
                n++;
            }
            lines++;
            if (!nl) break;
            pos = end + 1;
        }
    }
    Py_END_ALLOW_THREADS
    if (!valid) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    if (_PyBytes_Resize(&toff, (Py_ssize_t)((n + 1) * sizeof(int64_t))) < 0 ||
        _PyBytes_Resize(&text, (Py_ssize_t)(tlen ? tlen : 1)) < 0 ||
        _PyBytes_Resize(&loff, (Py_ssize_t)((n + 1) * sizeof(int32_t))) < 0 ||
        _PyBytes_Resize(&loc, (Py_ssize_t)(llen ? llen : 1)) < 0 ||
        _PyBytes_Resize(&starts, (Py_ssize_t)(n ? n * sizeof(int64_t) : 1)) < 0)
        goto done;
    result = Py_BuildValue("nnOOOOO", (Py_ssize_t)lines, (Py_ssize_t)n, toff, text, loff, loc, starts);
done:
    Py_XDECREF(toff);
    Py_XDECREF(text);
    Py_XDECREF(loff);
    Py_XDECREF(loc);
    Py_XDECREF(starts);
    PyBuffer_Release(&b);
    return result;
}

static PyObject *layout(PyObject *self, PyObject *args) {
    (void)self;
    (void)args;
    return layout_tuple(LAYOUT, N_TABLES);
}

static PyObject *md5(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer b;
    if (!PyArg_ParseTuple(args, "y*", &b)) return NULL;
    char hex[33];
    md5_hex(b.buf, (size_t)b.len, hex);
    PyBuffer_Release(&b);
    return PyUnicode_FromString(hex);
}

/* Two changes to glibc's malloc for an ingesting process. Its mmap threshold rises (up to 32 MiB) each time a
 * mapped block is freed, after which the column buffers, freed by the row writer's thread in another order than
 * they were made, come from the heap and its fragments stay with the process: a fixed threshold keeps them mapped,
 * so each is returned when freed. And each thread that meets a busy arena gets one of its own (up to 8 per core),
 * each keeping its own free memory: a cap keeps that down. */
static PyObject *tune_malloc(PyObject *self, PyObject *args) {
    (void)self;
    long threshold, arenas;
    if (!PyArg_ParseTuple(args, "ll", &threshold, &arenas)) return NULL;
#ifdef __GLIBC__
    int ok = threshold > 0 && threshold <= INT32_MAX && arenas > 0 && arenas <= 1024;
    ok = ok && mallopt(M_MMAP_THRESHOLD, (int)threshold) == 1 && mallopt(M_ARENA_MAX, (int)arenas) == 1;
    return PyBool_FromLong(ok);
#else
    (void)threshold;
    (void)arenas;
    Py_RETURN_FALSE;
#endif
}

static PyMethodDef METHODS[] = {
    {"tune_malloc", tune_malloc, METH_VARARGS,
     "tune_malloc(mmap_threshold, arena_max) -> bool: allocations from ``mmap_threshold`` bytes up are mapped, and "
     "at most ``arena_max`` arenas are made (glibc; False elsewhere)."},
    {"stage_block", (PyCFunction)(void (*)(void))stage_block, METH_VARARGS | METH_KEYWORDS,
     "stage_block(text_offsets, text, locator_offsets, locator, data_offsets, start, stop, first_seq) -> "
     "(declined, tables)"},
    {"split_lines", split_lines, METH_VARARGS,
     "split_lines(data, first_line) -> None if data is not UTF-8, else (lines, n, text_offsets, text, "
     "locator_offsets, locator, starts) of its n non-blank lines"},
    {"layout", layout, METH_NOARGS, "The column kinds of each table, in order."},
    {"md5", md5, METH_VARARGS, "md5(bytes) -> lowercase hex (the stager's own MD5, for its tests)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "_stage", "Native stager of JSON lines for the ingest.",
                                    -1, METHODS};

PyMODINIT_FUNC PyInit__stage(void) {
    PyObject *m = PyModule_Create(&MODULE);
    if (!m) return NULL;
    if (PyModule_AddIntConstant(m, "API", 1) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    PyObject *all = Py_BuildValue("[sssss]", "stage_block", "split_lines", "layout", "md5", "tune_malloc");
    if (!all || PyModule_AddObject(m, "__all__", all) < 0) {
        Py_XDECREF(all);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
