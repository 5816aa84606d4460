/*
 * mkmodel.c - writes a random deployable model (host/randmodel.h) for the
 * HIL tests: `mkmodel OUT.sqm SEED [SPARSITY]`, shape 4-64-64-2 (R1), 8-bit.
 * Until a trained R1 ships, a random model of R1's shape exercises the link
 * exactly as well: the device must match the golden model either way.
 */
#include <stdio.h>
#include <stdlib.h>

#include "randmodel.h"
#include "sqm.h"

int main(int argc, char **argv)
{
	sq_randmodel_opts o;
	sq_model *m;
	sq_err err;

	if (argc < 3) {
		fprintf(stderr, "usage: mkmodel OUT.sqm SEED [SPARSITY]\n");
		return 2;
	}
	sq_randmodel_defaults(&o);
	o.seed = strtoull(argv[2], NULL, 10);
	if (argc > 3)
		o.sparsity = atof(argv[3]);
	if (sq_random_model(&o, &m, &err) || sq_meta_set(m, "env", "CartPole-v1", &err) ||
	    sqm_write_file(m, argv[1], &err)) {
		fprintf(stderr, "mkmodel: %s\n", err.msg);
		return 1;
	}
	sq_model_free(m);
	return 0;
}
