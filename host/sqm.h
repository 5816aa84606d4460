/*
 * sqm.h - the sparq model: in-memory form and the .sqm file (docs/model-format.md).
 *
 * A sq_model holds a Q-network's topology, its fixed-point sparse payload
 * (deployable), its float payload (checkpoint), or both, plus metadata. The
 * reader validates everything it returns: a model that sqm_read_* hands back
 * satisfies every limit of docs/model-format.md and docs/numerics.md, so the
 * golden model, the exporter and the trainer need not check again.
 *
 * Error reporting: every call that can fail takes an sq_err, fills its msg with
 * one line (no trailing newline) and returns a negative SQ_E* code.
 */
#ifndef SPARQ_SQM_H
#define SPARQ_SQM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define SQM_VERSION      1u
#define SQM_HEADER_SIZE  32u
#define SQM_MAX_FILE     (256u * 1024u * 1024u)
#define SQ_MAX_LAYERS    16u
#define SQ_MAX_DIM       4096u
#define SQ_MAX_SHIFT     31
#define SQ_MAX_ACC_BITS  48
#define SQ_MAX_META      256u
#define SQ_MAX_KEY       64u
#define SQ_MAX_VALUE     65536u

/* header flags */
#define SQM_FIXED    (1u << 0)
#define SQM_FLOAT    (1u << 1)
#define SQM_DUELING  (1u << 2)

/* section types */
enum sqm_section {
	SQM_SEC_TOPOLOGY = 1,
	SQM_SEC_INPUT_QUANT = 2,
	SQM_SEC_FIXED_LAYER = 3,
	SQM_SEC_FLOAT_LAYER = 4,
	SQM_SEC_METADATA = 5,
};

/* Error codes. Adding one means adding its string in sq_strerror (sqm_model.c). */
enum sq_error {
	SQ_OK = 0,
	SQ_E_IO = -1,        /* open/read/write/rename failed */
	SQ_E_FORMAT = -2,    /* the file breaks docs/model-format.md */
	SQ_E_INVALID = -3,   /* a model (or argument) breaks a numerics/shape rule */
	SQ_E_NOMEM = -4,
	SQ_E_RANGE = -5,     /* a value does not fit a configuration */
};

typedef struct sq_err {
	char msg[320];
} sq_err;

const char *sq_strerror(int code);
/* printf-style: fills err->msg (if err) and returns code. */
int sq_fail(sq_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* One fixed-point layer, CSR (rows = outputs). */
typedef struct sq_qlayer {
	uint32_t in_dim, out_dim;
	uint32_t nnz;
	uint8_t wbits;     /* 2..16 */
	uint8_t abits_in;  /* 2..16, width of this layer's input activations */
	uint8_t acc_bits;  /* = sq_layer_acc_bits(), <= SQ_MAX_ACC_BITS */
	int8_t out_exp;    /* hidden: exponent of outputs fa[l+1]; output layer: 0 */
	int8_t *w_exp;     /* [out_dim] per-row weight exponent fw[l][r] */
	int64_t *bias;     /* [out_dim] at accumulator scale */
	uint32_t *row_ptr; /* [out_dim+1] */
	uint16_t *col;     /* [nnz] strictly increasing within a row */
	int16_t *val;      /* [nnz] nonzero, |val| <= 2^(wbits-1)-1 */
} sq_qlayer;

/* One float layer, dense row-major. rows = out_dim, or out_dim+1 for a
 * dueling last layer (row 0 = value head). */
typedef struct sq_flayer {
	uint32_t in_dim, rows;
	float *w; /* [rows*in_dim] */
	float *b; /* [rows] */
} sq_flayer;

typedef struct sq_meta_entry {
	char *key;   /* NUL-terminated */
	char *value; /* NUL-terminated (the file's bytes plus a NUL) */
} sq_meta_entry;

typedef struct sq_model {
	uint32_t flags;                    /* SQM_FIXED | SQM_FLOAT | SQM_DUELING */
	uint32_t n_layers;                 /* 1..SQ_MAX_LAYERS */
	uint32_t dims[SQ_MAX_LAYERS + 1];  /* dims[0] inputs .. dims[n_layers] actions */
	int8_t *in_exp;                    /* [dims[0]] input exponents (FIXED only) */
	sq_qlayer q[SQ_MAX_LAYERS];        /* valid when SQM_FIXED */
	sq_flayer f[SQ_MAX_LAYERS];        /* valid when SQM_FLOAT */
	uint32_t n_meta;
	sq_meta_entry *meta;
} sq_model;

/* --- construction (sqm_model.c) --- */

/* Allocates an empty model with the given topology and flags; payload arrays
 * are allocated zeroed (fixed layers with nnz = 0, row_ptr all 0). Returns
 * SQ_OK and *out, or a negative code. */
int sq_model_new(uint32_t n_layers, const uint32_t *dims, uint32_t flags,
		 sq_model **out, sq_err *err);
/* Resizes layer l's nonzero arrays to nnz entries (contents undefined). */
int sq_qlayer_reserve(sq_qlayer *L, uint32_t nnz, sq_err *err);
void sq_model_free(sq_model *m); /* NULL is fine */
/* Deep copy. */
int sq_model_clone(const sq_model *m, sq_model **out, sq_err *err);

/* Metadata: set replaces an existing key. get returns NULL when absent. */
int sq_meta_set(sq_model *m, const char *key, const char *value, sq_err *err);
const char *sq_meta_get(const sq_model *m, const char *key);

/* --- numerics helpers (sqm_validate.c) --- */

/* Accumulator width rule of docs/numerics.md for layer L. */
uint8_t sq_layer_acc_bits(const sq_qlayer *L);
/* Recomputes acc_bits of every fixed layer (call after editing weights). */
void sq_model_update_acc_bits(sq_model *m);
/* Shift of hidden row r of layer l: fa[l] + w_exp[r] - out_exp. */
int sq_row_shift(const sq_model *m, uint32_t l, uint32_t r);
/* Exponent of layer l's input activations (fa[l]). */
int sq_layer_in_exp(const sq_model *m, uint32_t l);

/* Checks every rule of docs/model-format.md and numerics.md that does not
 * depend on the byte layout. Used by the reader and before writing. */
int sq_model_validate(const sq_model *m, sq_err *err);

/* --- file I/O (sqm_read.c, sqm_write.c) --- */

/* Parses a buffer. name prefixes error messages ("m.sqm: ..."). Never reads
 * outside buf[0..len). */
int sqm_read_buffer(const uint8_t *buf, size_t len, const char *name,
		    sq_model **out, sq_err *err);
int sqm_read_file(const char *path, sq_model **out, sq_err *err);

/* Serializes a validated model. *out is malloc'd; caller frees. */
int sqm_write_buffer(const sq_model *m, uint8_t **out, size_t *len, sq_err *err);
/* Writes atomically: a temporary file in the same folder, fsync, rename. */
int sqm_write_file(const sq_model *m, const char *path, sq_err *err);

#endif
