/*
 * evalref.c - the reference returns for the HIL tests: `evalref M.sqm ENV N
 * SEED` prints the returns of N greedy episodes of the golden model
 * (host/eval.c, what `sparq eval` runs), one per line, %.17g. `sparq hil`
 * must reproduce them exactly through the device.
 */
#include <stdio.h>
#include <stdlib.h>

#include "eval.h"

int main(int argc, char **argv)
{
	sq_model *m;
	sq_err err;
	sq_eval_result r;

	if (argc != 5) {
		fprintf(stderr, "usage: evalref M.sqm ENV N SEED\n");
		return 2;
	}
	const sq_env_spec *env = sq_env_find(argv[2]);
	uint32_t n = (uint32_t)atoi(argv[3]);
	double *ret = calloc(n ? n : 1, sizeof(*ret));
	if (!env || !ret || sqm_read_file(argv[1], &m, &err) ||
	    sq_eval_model(m, SQ_EVAL_FIXED, env, n, strtoull(argv[4], NULL, 10), NULL, 0, &r, ret,
			  &err)) {
		fprintf(stderr, "evalref: %s\n", env ? err.msg : "unknown env");
		return 1;
	}
	for (uint32_t k = 0; k < n; k++)
		printf("%.17g\n", ret[k]);
	sq_model_free(m);
	free(ret);
	return 0;
}
