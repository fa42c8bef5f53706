/* The data set struct, private to the library (the trainer reads it directly),
 * and the constructor the file loaders share. */
#ifndef DSC_TRAIN_DATASET_IMPL_H
#define DSC_TRAIN_DATASET_IMPL_H

#include "../core/common.h"
#include "descent.h"

struct dsc_dataset {
    size_t count;        /* samples, >= 1 */
    size_t features;     /* inputs per sample, >= 1 */
    size_t outputs;      /* targets per sample (regression); 0 for a labelled set */
    size_t classes;      /* class count (labelled); 0 for a regression set */
    float *inputs;       /* count x features, row-major; read-only while borrowed */
    float *targets;      /* count x outputs, row-major; NULL when labelled; read-only while borrowed */
    int32_t *labels;     /* count labels in [0, classes); NULL for regression */
    int owns_inputs;     /* 1: inputs are ours (aligned, freed with us); 0: the host's const array */
    int owns_y;          /* the same for targets or labels */
};

/* A data set owning uninitialised arrays for count x features inputs and
 * either count x outputs targets (classes == 0) or count labels (classes > 0).
 * Sizes must already be validated as nonzero; overflow is checked here
 * (DSC_E_ARG) and a failed allocation is DSC_E_NOMEM. fn names the public
 * caller in messages. */
dsc_status dsc__dataset_alloc(const char *fn, dsc_dataset **out, size_t count, size_t features,
                              size_t outputs, size_t classes);

/* dsc_dataset_load_idx and dsc_dataset_load_csv over bytes in memory
 * instead of files: the same parsers and checks, for the fuzzers and the
 * tests. Messages name the inputs "<images in memory>", "<labels in
 * memory>" and, for CSV, name. data needs no terminating NUL. */
dsc_status dsc__dataset_load_idx_mem(dsc_dataset **out, const void *images, size_t images_size,
                                     const void *labels, size_t labels_size, size_t classes);
dsc_status dsc__dataset_load_csv_mem(dsc_dataset **out, const char *name, const char *data, size_t size,
                                     const char *target_name, size_t target_index, size_t classes);

#endif
