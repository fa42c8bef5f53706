/* The tensor struct, private to the library (other modules read it directly). */
#ifndef DSC_CORE_TENSOR_IMPL_H
#define DSC_CORE_TENSOR_IMPL_H

#include "../core/common.h"
#include "descent.h"

struct dsc_tensor {
    float *data;                        /* elements, row-major */
    size_t shape[DSC_TENSOR_MAX_DIMS];  /* extents of the first ndim dimensions */
    size_t ndim;                        /* 1..DSC_TENSOR_MAX_DIMS */
    size_t size;                        /* product of shape[0..ndim) */
    int owned;                          /* 1: data is ours (aligned, freed with us); 0: borrowed */
};

#endif
