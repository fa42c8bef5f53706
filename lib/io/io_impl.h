/* What model_io.c and checkpoint.c share: the format's names and version,
 * loading a file into a parsed form, and the model's part of a file (its
 * description in metadata and its parameter tensors). The formats are
 * described in docs/checkpoint.md. Never installed. */
#ifndef DSC_IO_IO_IMPL_H
#define DSC_IO_IO_IMPL_H

#include "json.h"
#include "safetensors.h"
#include "../nn/model_impl.h"

/* The format version this library writes and the newest it reads. */
#define DSC__FORMAT_VERSION 1
#define DSC__FORMAT_MODEL "descent.model"
#define DSC__FORMAT_CHECKPOINT "descent.checkpoint"

/* Whether a tensor name belongs to the checkpoint's own prefixes
 * ("optimizer.", "scheduler.", "trainer.", "rng."). */
int dsc__io_reserved(const char *name);

/* Reads and parses a file, or parses a buffer (path NULL): on success *bytes
 * (NULL for a buffer) must be freed with dsc__free after dsc__st_free(f). what
 * receives "'path'" or "the buffer" for messages. */
dsc_status dsc__io_open(const char *path, const unsigned char *buf, size_t size,
                        unsigned char **bytes, dsc__st_file *f, char *what, size_t what_size,
                        const char *fn);

/* The file's descent format name (NULL without descent metadata) after
 * checking its format version: DSC_E_FORMAT for a newer or malformed one. */
dsc_status dsc__io_format(const dsc__st_file *f, const char *fn, const char *what, const char **name);

/* The model's description (metadata "model"), dsc__alloc'd; NULL when out of memory. */
char *dsc__model_describe(const dsc_model *m);
/* Checks a description against a model: DSC_E_FORMAT naming the first
 * layer that differs. */
dsc_status dsc__model_desc_check(const dsc__jr *c, const char *json, const dsc_model *m);

/* The model's parameter and buffer tensors in the file into params (nparams
 * floats, the layout of the flat parameter buffer) and buffers (nbuffers
 * floats, the layout of the buffer area): every one present, F32, of its
 * shape, finite. Tensors the model does not have are refused (naming them),
 * except those under the reserved prefixes when skip_reserved is set. */
dsc_status dsc__model_stage(const dsc__st_file *f, const dsc_model *m, int skip_reserved,
                            float *params, float *buffers, const char *fn, const char *what);

/* The model's parameter and buffer tensors for writing: fills items (room
 * for dsc__model_item_count) with names in names (32 bytes each). */
size_t dsc__model_item_count(const dsc_model *m);
void dsc__model_items(const dsc_model *m, dsc__st_item *items, char (*names)[32]);

/* A checkpoint into memory (*out from dsc__alloc): what the fuzz target
 * compares before and after a refused load. */
dsc_status dsc__checkpoint_save_mem(unsigned char **out, size_t *size, const dsc_model *model,
                                    const dsc_optimizer *opt, const dsc_lr_scheduler *sched,
                                    const dsc_trainer *trainer);

/* Loads from memory (the fuzz targets, tests/fuzz): as the public
 * functions, with "the buffer" in messages. */
dsc_status dsc__model_load_mem(dsc_model **out, const unsigned char *buf, size_t size,
                               size_t max_batch);
dsc_status dsc__model_load_weights_mem(dsc_model *model, const unsigned char *buf, size_t size);
dsc_status dsc__checkpoint_load_mem(const unsigned char *buf, size_t size, dsc_model *model,
                                    dsc_optimizer *opt, dsc_lr_scheduler *sched,
                                    dsc_trainer *trainer);

#endif
