/* Initializers shared by the layer kinds' init hooks and model.c (init.c implements them). */
#ifndef DSC_NN_INIT_IMPL_H
#define DSC_NN_INIT_IMPL_H

#include "layer_impl.h"

/* 1 if init is a dsc_init usable for weights (for_bias = 0) or biases (1). */
int dsc__init_valid(dsc_init init, int for_bias);
/* Fills n weights from r as init says, for a layer of those fans (PyTorch's
 * default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), what Linear and Conv do). */
void dsc__init_weight(float *w, size_t n, size_t fan_in, size_t fan_out, dsc_init init, dsc_rng *r);
/* Fills n biases: PyTorch's default U(-1/sqrt(fan_in), 1/sqrt(fan_in)), or zeros. */
void dsc__init_bias(float *b, size_t n, size_t fan_in, dsc_init init, dsc_rng *r);

#endif
