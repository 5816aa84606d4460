/*
 * sqm_badcases.h - the malformed .sqm files of the tests, each made from one
 * valid file by one patch, with the distinctive part of the reader's message.
 * Used by tests/unit/test_sqm.c (return code and message) and by
 * tests/cli/mkbad.c (files for `sparq info`, tests/cli/malformed.sh).
 *
 * The base file: FIXED | FLOAT | DUELING, dims 6-12-9-4, metadata
 * env/gen/note. Sections: 0 TOPOLOGY, 1 INPUT_QUANT, 2..4 FIXED_LAYER 0..2,
 * 5..7 FLOAT_LAYER 0..2, 8 METADATA. Patches marked FIX get file_size and
 * the CRC recomputed (hand-made files), so the reader must find the
 * structural problem itself rather than a CRC mismatch.
 * Include after sqm_testutil.h.
 */
#ifndef SPARQ_SQM_BADCASES_H
#define SPARQ_SQM_BADCASES_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Room a patch may append after the base file's bytes. */
#define SQB_SLACK 64u

static const uint32_t sqb_dims[4] = { 6, 12, 9, 4 };
#define SQB_FLAGS (SQM_FIXED | SQM_FLOAT | SQM_DUELING)

/* Base model; NULL on failure. Layer 1 (12 -> 9) is the one most cases
 * patch: its row 0 starts with a nonzero at column 0 (sqt_random_model). */
static inline sq_model *sqb_base_model(void)
{
	sq_err e;
	sq_model *m = sqt_random_model(11, SQB_FLAGS, 3, sqb_dims, 0);
	if (!m)
		return NULL;
	if (sq_meta_set(m, "env", "CartPole-v1", &e) || sq_meta_set(m, "gen", "sqb", &e) ||
	    sq_meta_set(m, "note", "base file of the malformed tests", &e)) {
		sq_model_free(m);
		return NULL;
	}
	return m;
}

/* Payload offset of section n. */
static size_t sqb_sec(const uint8_t *b, size_t n, unsigned s)
{
	return sqt_section(b, n, s) + 8u;
}

/* Field offsets inside FIXED_LAYER l (absolute). */
static size_t sqb_q(const uint8_t *b, size_t n, unsigned l) { return sqb_sec(b, n, 2 + l); }
static uint32_t sqb_q_out(const uint8_t *b, size_t n, unsigned l) { return sqt_get32(b + sqb_q(b, n, l) + 8); }
static uint32_t sqb_q_nnz(const uint8_t *b, size_t n, unsigned l) { return sqt_get32(b + sqb_q(b, n, l) + 12); }
static size_t sqb_q_bias(const uint8_t *b, size_t n, unsigned l)
{
	return sqb_q(b, n, l) + ((20u + sqb_q_out(b, n, l) + 3u) & ~3u);
}
static size_t sqb_q_rowptr(const uint8_t *b, size_t n, unsigned l)
{
	return sqb_q_bias(b, n, l) + 8u * sqb_q_out(b, n, l);
}
static size_t sqb_q_col(const uint8_t *b, size_t n, unsigned l)
{
	return sqb_q_rowptr(b, n, l) + 4u * (sqb_q_out(b, n, l) + 1u);
}
static size_t sqb_q_val(const uint8_t *b, size_t n, unsigned l)
{
	return sqb_q_col(b, n, l) + 2u * sqb_q_nnz(b, n, l);
}
/* First nonzero k of layer l that has a successor in the same row. */
static uint32_t sqb_pair(const uint8_t *b, size_t n, unsigned l)
{
	size_t rp = sqb_q_rowptr(b, n, l);
	for (uint32_t r = 0; r < sqb_q_out(b, n, l); r++) {
		uint32_t k0 = sqt_get32(b + rp + 4 * r), k1 = sqt_get32(b + rp + 4 * r + 4);
		if (k1 - k0 >= 2)
			return k0;
	}
	return 0;
}

/* Each patch gets the base bytes (with SQB_SLACK spare) and returns the new
 * length. */
typedef size_t (*sqb_patch)(uint8_t *b, size_t n);

static size_t p_trunc17(uint8_t *b, size_t n) { (void)b; (void)n; return 17; }
static size_t p_trunc_mid(uint8_t *b, size_t n) { return sqt_section(b, n, 4); }
static size_t p_magic(uint8_t *b, size_t n) { b[3] = 0x30; return n; }
static size_t p_version2(uint8_t *b, size_t n) { sqt_put16(b + 4, 2); return n; }
static size_t p_hsize(uint8_t *b, size_t n) { sqt_put16(b + 6, 40); return n; }
static size_t p_crcflip(uint8_t *b, size_t n) { b[n / 2] ^= 0x10; return n; }
static size_t p_trailing(uint8_t *b, size_t n) { memset(b + n, 0xee, 5); return n + 5; }
static size_t p_flags_unknown(uint8_t *b, size_t n) { sqt_put32(b + 16, SQB_FLAGS | 0x40); return n; }
static size_t p_flags_dueling(uint8_t *b, size_t n) { sqt_put32(b + 16, SQM_FIXED | SQM_DUELING); return n; }
static size_t p_nsec0(uint8_t *b, size_t n) { sqt_put32(b + 20, 0); return n; }
static size_t p_reserved(uint8_t *b, size_t n) { b[27] = 1; return n; }
static size_t p_nlayers0(uint8_t *b, size_t n) { sqt_put32(b + sqb_sec(b, n, 0), 0); return n; }
static size_t p_nlayers17(uint8_t *b, size_t n) { sqt_put32(b + sqb_sec(b, n, 0), 17); return n; }
static size_t p_dim0(uint8_t *b, size_t n) { sqt_put32(b + sqb_sec(b, n, 0) + 8, 0); return n; }
static size_t p_dim5000(uint8_t *b, size_t n) { sqt_put32(b + sqb_sec(b, n, 0) + 8, 5000); return n; }
static size_t p_dim_big(uint8_t *b, size_t n) { sqt_put32(b + sqb_sec(b, n, 0) + 8, 4000); return n; }
static size_t p_in_abits(uint8_t *b, size_t n)
{
	size_t a = sqb_sec(b, n, 1);
	b[a] = b[a] == 2 ? 3 : 2;
	return n;
}
static size_t p_in_exp(uint8_t *b, size_t n) { b[sqb_sec(b, n, 1) + 4] = 40; return n; }
static size_t p_qindex(uint8_t *b, size_t n) { sqt_put32(b + sqb_q(b, n, 1), 5); return n; }
static size_t p_chain(uint8_t *b, size_t n) { sqt_put32(b + sqb_q(b, n, 1) + 4, 13); return n; }
static size_t p_nnz_past(uint8_t *b, size_t n)
{
	sqt_put32(b + sqb_q(b, n, 1) + 12, sqb_q_nnz(b, n, 1) + 1);
	return n;
}
static size_t p_nnz_huge(uint8_t *b, size_t n) { sqt_put32(b + sqb_q(b, n, 1) + 12, 0xfffffff0u); return n; }
static size_t p_wbits1(uint8_t *b, size_t n) { b[sqb_q(b, n, 1) + 16] = 1; return n; }
static size_t p_wbits17(uint8_t *b, size_t n) { b[sqb_q(b, n, 1) + 16] = 17; return n; }
static size_t p_acc(uint8_t *b, size_t n) { b[sqb_q(b, n, 1) + 18]++; return n; }
static size_t p_shift_hi(uint8_t *b, size_t n)
{
	/* layer 0: fa = 0, shift = w_exp - out_exp */
	size_t q = sqb_q(b, n, 0);
	b[q + 20] = (uint8_t)(int8_t)((int8_t)b[q + 19] + 32);
	return n;
}
static size_t p_shift_lo(uint8_t *b, size_t n)
{
	size_t q = sqb_q(b, n, 0);
	b[q + 20] = (uint8_t)(int8_t)((int8_t)b[q + 19] - 1);
	return n;
}
static size_t p_wexp_range(uint8_t *b, size_t n) { b[sqb_q(b, n, 2) + 20] = 100; return n; }
static size_t p_out_wexp(uint8_t *b, size_t n) { b[sqb_q(b, n, 2) + 21]++; return n; }
static size_t p_out_exp(uint8_t *b, size_t n) { b[sqb_q(b, n, 2) + 19] = 1; return n; }
static size_t p_pad(uint8_t *b, size_t n) { b[sqb_q(b, n, 1) + 29] = 1; return n; }
static size_t p_bias(uint8_t *b, size_t n) { sqt_put64(b + sqb_q_bias(b, n, 1) + 8, (uint64_t)1 << 47); return n; }
static size_t p_rowptr0(uint8_t *b, size_t n) { sqt_put32(b + sqb_q_rowptr(b, n, 1), 1); return n; }
static size_t p_rowptr_dec(uint8_t *b, size_t n)
{
	size_t rp = sqb_q_rowptr(b, n, 1); /* row_ptr[1] = row_ptr[2] + 1 */
	sqt_put32(b + rp + 4, sqt_get32(b + rp + 8) + 1);
	return n;
}
static size_t p_rowptr_end(uint8_t *b, size_t n)
{
	size_t rp = sqb_q_rowptr(b, n, 1);
	uint32_t out = sqb_q_out(b, n, 1);
	sqt_put32(b + rp + 4 * out, sqt_get32(b + rp + 4 * out) - 1);
	return n;
}
static size_t p_col_range(uint8_t *b, size_t n) { sqt_put16(b + sqb_q_col(b, n, 1), 70); return n; }
static size_t p_col_order(uint8_t *b, size_t n)
{
	size_t c = sqb_q_col(b, n, 1);
	uint32_t k = sqb_pair(b, n, 1);
	memcpy(b + c + 2 * (k + 1), b + c + 2 * k, 2);
	return n;
}
static size_t p_val0(uint8_t *b, size_t n) { sqt_put16(b + sqb_q_val(b, n, 1), 0); return n; }
static size_t p_val_wide(uint8_t *b, size_t n)
{
	b[sqb_q(b, n, 1) + 16] = 2; /* wbits 2: amax 1 */
	sqt_put16(b + sqb_q_val(b, n, 1), 5);
	return n;
}
static size_t p_float_nan(uint8_t *b, size_t n) { sqt_put32(b + sqb_sec(b, n, 5) + 12, 0x7fc00000u); return n; }
static size_t p_float_rows(uint8_t *b, size_t n) { sqt_put32(b + sqb_sec(b, n, 7) + 8, 4); return n; }
static size_t p_meta_key65(uint8_t *b, size_t n) { sqt_put16(b + sqb_sec(b, n, 8) + 4, 65); return n; }
static size_t p_meta_dup(uint8_t *b, size_t n)
{
	size_t m = sqb_sec(b, n, 8) + 4; /* entry 0: "env", entry 1: "gen" */
	size_t e1 = m + 2 + 3 + 4 + sqt_get32(b + m + 5);
	memcpy(b + e1 + 2, "env", 3);
	return n;
}
static size_t p_meta_count(uint8_t *b, size_t n) { sqt_put32(b + sqb_sec(b, n, 8), 300); return n; }
static size_t p_meta_utf8(uint8_t *b, size_t n) { b[sqb_sec(b, n, 8) + 4 + 2 + 3 + 4] = 0xff; return n; }
static size_t p_unknown_sec(uint8_t *b, size_t n) { sqt_put32(b + sqt_section(b, n, 8), 9); return n; }
static size_t p_dup_topo(uint8_t *b, size_t n) { sqt_put32(b + sqt_section(b, n, 1), 1); return n; }
static size_t p_misorder(uint8_t *b, size_t n) { sqt_put32(b + sqt_section(b, n, 2), 4); return n; }
static size_t p_sec_past(uint8_t *b, size_t n) { sqt_put32(b + sqt_section(b, n, 3) + 4, 9000); return n; }
static size_t p_drop_meta(uint8_t *b, size_t n) { return sqt_section(b, n, 8); }
static size_t p_drop_float(uint8_t *b, size_t n)
{
	sqt_put32(b + 20, 7);
	return sqt_section(b, n, 7);
}
static size_t p_extra_sec(uint8_t *b, size_t n) { memset(b + n, 0, 12); return n + 12; }

typedef struct sqb_case {
	const char *name;
	sqb_patch patch;
	int fix;            /* recompute file_size and CRC after the patch */
	const char *expect; /* distinctive part of the message */
} sqb_case;

static const sqb_case sqb_cases[] = {
	{ "trunc_header", p_trunc17, 0, "truncated: header needs 32 bytes, file has 17" },
	{ "trunc_section", p_trunc_mid, 0, "truncated: file_size says " },
	{ "bad_magic", p_magic, 0, "bad magic 53 51 4d 30 (expected 53 51 4d 31)" },
	{ "version2", p_version2, 0, "unsupported version 2 (this build reads 1)" },
	{ "header_size", p_hsize, 1, "header_size 40, expected 32" },
	{ "crc_flip", p_crcflip, 0, "crc32 mismatch: header says 0x" },
	{ "trailing", p_trailing, 0, "5 trailing bytes after file_size" },
	{ "flags_unknown", p_flags_unknown, 1, "unknown bits 0x40" },
	{ "dueling_fixed", p_flags_dueling, 1, "DUELING without FLOAT" },
	{ "section_count0", p_nsec0, 1, "section_count 0 out of range 1..1024" },
	{ "reserved", p_reserved, 1, "reserved header byte 27 is 0x01" },
	{ "n_layers0", p_nlayers0, 1, "n_layers 0 out of range 1..16" },
	{ "n_layers17", p_nlayers17, 1, "n_layers 17 out of range 1..16" },
	{ "dim0", p_dim0, 1, "dims[1] = 0 out of range 1..4096" },
	{ "dim5000", p_dim5000, 1, "dims[1] = 5000 out of range 1..4096" },
	{ "dim_big", p_dim_big, 1, "this topology needs at least " },
	{ "input_abits", p_in_abits, 1, "differs from INPUT_QUANT abits" },
	{ "input_exp", p_in_exp, 1, "input feature 0: exponent 40 out of range -32..32" },
	{ "layer_index", p_qindex, 1, "layer index 5, expected 1" },
	{ "dims_chain", p_chain, 1, "layer 1: in_dim 13 does not chain with dims[1] = 12" },
	{ "nnz_past_end", p_nnz_past, 1, "bytes, section has " },
	{ "nnz_huge", p_nnz_huge, 1, "layer 1: nnz 4294967280 exceeds in_dim * out_dim = 108" },
	{ "wbits1", p_wbits1, 1, "layer 1: wbits 1 out of range 2..16" },
	{ "wbits17", p_wbits17, 1, "layer 1: wbits 17 out of range 2..16" },
	{ "acc_bits", p_acc, 1, "stored, weights and biases need" },
	{ "shift_high", p_shift_hi, 1, "layer 0 row 0: shift 32 out of range 0..31" },
	{ "shift_low", p_shift_lo, 1, "layer 0 row 0: shift -1 out of range 0..31" },
	{ "w_exp_range", p_wexp_range, 1, "w_exp 100 out of range -64..64" },
	{ "output_w_exp", p_out_wexp, 1, "layer 2 (output) row 1: w_exp" },
	{ "output_out_exp", p_out_exp, 1, "layer 2 (output): out_exp 1, must be 0" },
	{ "padding", p_pad, 1, "padding byte at payload offset 29 is 0x01" },
	{ "bias_range", p_bias, 1, "layer 1 row 1: bias 140737488355328 out of range" },
	{ "row_ptr0", p_rowptr0, 1, "layer 1: row_ptr[0] = 1, must be 0" },
	{ "row_ptr_decreasing", p_rowptr_dec, 1, "layer 1 row 1: row_ptr decreases from" },
	{ "row_ptr_end", p_rowptr_end, 1, "layer 1: row_ptr[9] = " },
	{ "column_range", p_col_range, 1, "layer 1 row 0: column 70 out of range (in_dim 12) at nonzero 0" },
	{ "column_order", p_col_order, 1, "not above previous column" },
	{ "val_zero", p_val0, 1, "layer 1 row 0: weight 0 stored at nonzero 0" },
	{ "val_wide", p_val_wide, 1, "layer 1 row 0: weight 5 beyond the 2-bit range +-1 at nonzero 0" },
	{ "float_nan", p_float_nan, 1, "float layer 0 row 0: weight 0 is not finite" },
	{ "float_rows", p_float_rows, 1, "float layer 2: 4 rows, expected 5 (dueling)" },
	{ "meta_key_long", p_meta_key65, 1, "metadata entry 0: key_len 65 out of range 1..64" },
	{ "meta_dup", p_meta_dup, 1, "metadata entry 1: duplicate key 'env'" },
	{ "meta_count", p_meta_count, 1, "metadata: count 300 exceeds 256" },
	{ "meta_utf8", p_meta_utf8, 1, "value is not UTF-8" },
	{ "unknown_section", p_unknown_sec, 1, "unknown section type 9" },
	{ "duplicate_section", p_dup_topo, 1, "duplicate TOPOLOGY section" },
	{ "misordered", p_misorder, 1, "FLOAT_LAYER before all 3 FIXED_LAYER sections (found 0)" },
	{ "section_past_end", p_sec_past, 1, "length 9000 runs past end of file" },
	{ "section_count", p_drop_meta, 1, "section_count 9 in the header, file has 8 sections" },
	{ "missing_section", p_drop_float, 1, "missing FLOAT_LAYER 2 (the model has 3 layers)" },
	{ "extra_section", p_extra_sec, 1, "more sections than section_count 9" },
};

#define SQB_NCASES (sizeof sqb_cases / sizeof sqb_cases[0])

/* Makes case i from the base bytes: *out (malloc'd) and its length. */
static inline int sqb_make(const uint8_t *base, size_t n, size_t i, uint8_t **out, size_t *len)
{
	uint8_t *b = calloc(1, n + SQB_SLACK);
	if (!b)
		return -1;
	memcpy(b, base, n);
	*len = sqb_cases[i].patch(b, n);
	if (sqb_cases[i].fix)
		sqt_fix_header(b, *len);
	*out = b;
	return 0;
}

#endif
