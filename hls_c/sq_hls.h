/*
 * sq_hls.h - the sparq core as synthesizable C (HLS style).
 *
 * The same datapath as rtl/sq_core.v, written for an HLS tool (Vitis HLS,
 * Bambu) and run here as plain C: lockstep lanes over rounds of rows, one
 * shared weight address, banked activation words of SQ_P activations, the
 * requantization of docs/numerics.md, argmax with ties to the lowest index.
 * It reads the same memory images as the RTL (docs/architecture.md), so
 * golden == hls_c == RTL is checked on the very data the hardware holds.
 *
 * Synthesizable subset (enforced by `make test-hls`): static arrays and loop
 * bounds, no malloc, no recursion, no float, no pointer arithmetic; every
 * width explicit. The configuration is compile-time, like the RTL's
 * parameters: define SQ_P, SQ_AW, ... before including, or take the defaults.
 */
#ifndef SPARQ_SQ_HLS_H
#define SPARQ_SQ_HLS_H

#include <stdint.h>

/* ---- configuration (the RTL's parameters; same defaults) ---- */
#ifndef SQ_P
#define SQ_P 8          /* lanes, 1..16 */
#endif
#ifndef SQ_AW
#define SQ_AW 8         /* max activation bits */
#endif
#ifndef SQ_WW
#define SQ_WW 8         /* max weight bits */
#endif
#ifndef SQ_ACCW
#define SQ_ACCW 32      /* accumulator bits, <= 48 */
#endif
#ifndef SQ_MAXW
#define SQ_MAXW 256     /* max layer width */
#endif
#ifndef SQ_MAXL
#define SQ_MAXL 8       /* max layers */
#endif
#ifndef SQ_LG_WD
#define SQ_LG_WD 12     /* log2 weight memory depth */
#endif
#ifndef SQ_LG_RD
#define SQ_LG_RD 9      /* log2 round table depth */
#endif

/* ---- derived (docs/architecture.md "Derived") ---- */
#define SQ_CLOG2(v) ((v) <= 1 ? 0 : (v) <= 2 ? 1 : (v) <= 4 ? 2 : (v) <= 8 ? 3 : \
	(v) <= 16 ? 4 : (v) <= 32 ? 5 : (v) <= 64 ? 6 : (v) <= 128 ? 7 : (v) <= 256 ? 8 : \
	(v) <= 512 ? 9 : (v) <= 1024 ? 10 : (v) <= 2048 ? 11 : (v) <= 4096 ? 12 : 13)
#define SQ_MAX1(v)  ((v) < 1 ? 1 : (v))
#define SQ_AWD      ((SQ_MAXW + SQ_P - 1) / SQ_P)
#define SQ_ROWW     SQ_MAX1(SQ_CLOG2(SQ_AWD))
#define SQ_SLOTW    SQ_MAX1(SQ_CLOG2(SQ_P))
#define SQ_EW       (SQ_ROWW + SQ_SLOTW + SQ_WW)
#define SQ_PW       (SQ_ACCW + 5)
#define SQ_DIMW     SQ_CLOG2(SQ_MAXW + 1)
#define SQ_RCW      SQ_CLOG2(SQ_AWD + 1)
#define SQ_WD       (1 << SQ_LG_WD)
#define SQ_RD       (1 << SQ_LG_RD)

/* The core: one inference on the model held in the four memory images.
 *   lt, rt, wm, pm : the images of docs/architecture.md (wm/pm lane-split)
 *   obs            : the quantized observation, word w slot s = feature w*P+s
 *   q              : receives out_dim Q-values (accumulators)
 *   action         : receives the argmax
 * Returns the cycle estimate: the trip counts of the pipelined loops (II=1)
 * plus their pipeline depths, comparable with the RTL's o_cycles. */
#ifdef __cplusplus
extern "C" {
#endif
uint32_t sq_hls_core(const uint64_t lt[SQ_MAXL],
		     const uint16_t rt[SQ_RD],
		     const uint32_t wm[SQ_WD][SQ_P],
		     const uint64_t pm[SQ_RD][SQ_P],
		     const int16_t obs[SQ_AWD][SQ_P],
		     int64_t q[SQ_MAXW],
		     uint16_t action[1]);
#ifdef __cplusplus
}
#endif

#endif
