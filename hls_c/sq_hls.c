/*
 * sq_hls.c - the sparq core in synthesizable C (see sq_hls.h).
 *
 * Structure, as an HLS tool schedules it:
 *   load_obs   : one activation word per iteration (PIPELINE II=1)
 *   layer loop : per round, the MAC loop runs len_k iterations (PIPELINE II=1)
 *                with the P lanes unrolled; the round's P results are written
 *                as one activation word (or P Q-values)
 *   argmax     : one Q-value per iteration (PIPELINE II=1)
 * Loops have constant bounds and exit early on the model's data, which HLS
 * tools accept as variable trip counts under a static maximum.
 */
#include "sq_hls.h"

/* Pipeline depth of the MAC loop, paid once per layer as its drain: the
 * RTL's stages after issue (weight read, activation read, slot select,
 * multiply, accumulate, three requantization stages, write-back). */
#define SQ_MAC_DEPTH 9u

/* Sign-extends the low `bits` bits of v. */
static int64_t sq_sext(uint64_t v, uint32_t bits)
{
	uint64_t m = (uint64_t)1 << (bits - 1u);
	uint64_t x = v & ((m << 1) - 1u);
	return (int64_t)(x ^ m) - (int64_t)m;
}

static uint32_t sq_field(uint64_t word, uint32_t lsb, uint32_t bits)
{
	return (uint32_t)((word >> lsb) & (((uint64_t)1 << bits) - 1u));
}

/* numerics.md: round half up, shift, clamp to [0, amax(sat_bits)]. The add
 * is one bit wider than the accumulator (int64_t holds ACCW + 1 <= 49). */
static int16_t sq_requant(int64_t acc, uint32_t shift, uint32_t sat_bits)
{
	int64_t t = acc;
	if (shift != 0u)
		t = (acc + ((int64_t)1 << (shift - 1u))) >> shift; /* arithmetic shift */
	int64_t amax = ((int64_t)1 << (sat_bits - 1u)) - 1;
	if (t < 0)
		t = 0;
	if (t > amax)
		t = amax;
	return (int16_t)t;
}

uint32_t sq_hls_core(const uint64_t lt[SQ_MAXL],
		     const uint16_t rt[SQ_RD],
		     const uint32_t wm[SQ_WD][SQ_P],
		     const uint64_t pm[SQ_RD][SQ_P],
		     const int16_t obs[SQ_AWD][SQ_P],
		     int64_t q[SQ_MAXW],
		     uint16_t action[1])
{
	/* Two banks of activation words; one copy per lane in the RTL, which
	 * ARRAY_PARTITION of the slot dimension models here. */
	static int16_t act[2][SQ_AWD][SQ_P];
#pragma HLS ARRAY_PARTITION variable=act complete dim=3 /* P reads per cycle */
#pragma HLS ARRAY_PARTITION variable=wm complete dim=2  /* one weight entry per lane per cycle */
#pragma HLS ARRAY_PARTITION variable=pm complete dim=2  /* one bias/shift per lane per round */
	int64_t acc[SQ_P];
#pragma HLS ARRAY_PARTITION variable=acc complete /* the lanes' accumulators are registers */
	uint32_t cycles = 0u;
	uint32_t waddr = 0u, ridx = 0u, bank = 0u, out_dim = 0u;

	uint32_t in_words = sq_field(lt[0], 0u, SQ_RCW);
load_obs:
	for (uint32_t w = 0u; w < (uint32_t)SQ_AWD; w++) {
#pragma HLS PIPELINE II=1
		if (w >= in_words)
			break;
		for (uint32_t s = 0u; s < (uint32_t)SQ_P; s++)
			act[0][w][s] = obs[w][s];
		cycles++;
	}

layers:
	for (uint32_t l = 0u; l < (uint32_t)SQ_MAXL; l++) {
		uint64_t e = lt[l];
		uint32_t n_rounds = sq_field(e, (uint32_t)SQ_RCW, (uint32_t)SQ_RCW);
		uint32_t od = sq_field(e, 2u * (uint32_t)SQ_RCW, (uint32_t)SQ_DIMW);
		uint32_t sat_bits = sq_field(e, 2u * (uint32_t)SQ_RCW + (uint32_t)SQ_DIMW, 5u);
		uint32_t is_last = sq_field(e, 2u * (uint32_t)SQ_RCW + (uint32_t)SQ_DIMW + 5u, 1u);
rounds:
		for (uint32_t k = 0u; k < (uint32_t)SQ_AWD; k++) {
			if (k >= n_rounds)
				break;
			uint32_t len = rt[ridx];
			for (uint32_t p = 0u; p < (uint32_t)SQ_P; p++) {
#pragma HLS UNROLL
				acc[p] = sq_sext(pm[ridx][p], (uint32_t)SQ_ACCW);
			}
macs:
			for (uint32_t t = 0u; t < (uint32_t)SQ_MAXW; t++) {
#pragma HLS PIPELINE II=1
				if (t >= len)
					break;
				for (uint32_t p = 0u; p < (uint32_t)SQ_P; p++) {
#pragma HLS UNROLL
					uint32_t ent = wm[waddr][p];
					int64_t w = sq_sext(ent, (uint32_t)SQ_WW);
					uint32_t slot = sq_field(ent, (uint32_t)SQ_WW, (uint32_t)SQ_SLOTW);
					uint32_t word = sq_field(ent, (uint32_t)(SQ_WW + SQ_SLOTW), (uint32_t)SQ_ROWW);
					/* The exporter never emits a slot >= P or a word >= AWD;
					 * the masks keep the index provably in range. */
					int64_t a = act[bank][word % (uint32_t)SQ_AWD][slot % (uint32_t)SQ_P];
					/* The accumulator is ACCW bits wide, as in the RTL. */
					acc[p] = sq_sext((uint64_t)(acc[p] + w * a), (uint32_t)SQ_ACCW);
				}
				waddr++;
				cycles++;
			}
			/* An output layer spread over lanes (sat_bits = log2 of the lanes
			 * per row): add the partial sums in pairs, sat_bits levels;
			 * row j ends in acc[j]. Exact: every partial sum is bounded. */
			if (is_last) {
reduce:
				for (uint32_t lv = 0u; lv < 4u; lv++) {
#pragma HLS UNROLL
					if (lv >= sat_bits)
						break;
					for (uint32_t i = 0u; i < (uint32_t)SQ_P; i++) {
#pragma HLS UNROLL
						int64_t a = 2u * i < (uint32_t)SQ_P ? acc[(2u * i) % (uint32_t)SQ_P] : 0;
						int64_t b = 2u * i + 1u < (uint32_t)SQ_P ? acc[(2u * i + 1u) % (uint32_t)SQ_P] : 0;
						acc[i] = sq_sext((uint64_t)(a + b), (uint32_t)SQ_ACCW);
					}
				}
			}
			for (uint32_t p = 0u; p < (uint32_t)SQ_P; p++) {
#pragma HLS UNROLL
				uint32_t shift = sq_field(pm[ridx][p], (uint32_t)SQ_ACCW, 5u);
				if (is_last)
					q[(k * (uint32_t)SQ_P + p) % (uint32_t)SQ_MAXW] = acc[p];
				else
					act[bank ^ 1u][k][p] = sq_requant(acc[p], shift, sat_bits);
			}
			ridx++;
		}
		cycles += SQ_MAC_DEPTH;
		if (is_last) {
			out_dim = od;
			break;
		}
		bank ^= 1u;
	}

	uint16_t best = 0u;
argmax:
	for (uint32_t r = 1u; r < (uint32_t)SQ_MAXW; r++) {
#pragma HLS PIPELINE II=1
		if (r >= out_dim)
			break;
		if (q[r] > q[best]) /* strictly greater: ties keep the lowest index */
			best = (uint16_t)r;
		cycles++;
	}
	action[0] = best;
	return cycles + 2u; /* argmax entry and the result register */
}
