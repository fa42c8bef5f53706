/* Initializers shared by model.c (init.c implements them). */
#ifndef DSC_NN_INIT_IMPL_H
#define DSC_NN_INIT_IMPL_H

#include "layer_impl.h"

/* 1 if init is a dsc_init usable for weights (for_bias = 0) or biases (1). */
int dsc__init_valid(dsc_init init, int for_bias);
/* Fills a built dense layer's W then b from r. */
void dsc__init_dense(dsc__layer *l, dsc_init weight_init, dsc_init bias_init, dsc_rng *r);

#endif
