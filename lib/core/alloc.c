/* Every allocation of the library goes through here: the host's hook (or
 * malloc), over-allocated so the block can be aligned to DSC_ALIGN. The raw
 * pointer is stored just before the aligned block. */
#include "common.h"

#include <stdlib.h>
#include <string.h>

static void *default_alloc(size_t size, void *user) {
    (void)user;
    return malloc(size);
}

static void default_free(void *ptr, void *user) {
    (void)user;
    free(ptr);
}

static dsc_alloc_fn hook_alloc = default_alloc;
static dsc_free_fn hook_free = default_free;
static void *hook_user = NULL;

DSC_API dsc_status dsc_set_allocator(dsc_alloc_fn alloc_fn, dsc_free_fn free_fn, void *user) {
    DSC_RETURN_IF((alloc_fn == NULL) != (free_fn == NULL), DSC_E_ARG,
                  "dsc_set_allocator: give both functions, or NULL for both to restore malloc/free");
    if (alloc_fn == NULL) {
        hook_alloc = default_alloc;
        hook_free = default_free;
        hook_user = NULL;
    } else {
        hook_alloc = alloc_fn;
        hook_free = free_fn;
        hook_user = user;
    }
    return DSC_OK;
}

void *dsc__alloc(size_t size) {
    const size_t extra = DSC_ALIGN - 1 + sizeof(void *);
    if (size == 0) size = 1;
    if (size > SIZE_MAX - extra) return NULL;
    unsigned char *raw = hook_alloc(size + extra, hook_user);
    if (raw == NULL) return NULL;
    uintptr_t start = (uintptr_t)(raw + sizeof(void *));
    uintptr_t aligned = (start + DSC_ALIGN - 1) & ~(uintptr_t)(DSC_ALIGN - 1);
    void **slot = (void **)aligned - 1;
    *slot = raw;
    return (void *)aligned;
}

void *dsc__calloc(size_t count, size_t size) {
    size_t bytes;
    if (!dsc__mul_ok(count, size, &bytes)) return NULL;
    void *p = dsc__alloc(bytes);
    if (p != NULL) memset(p, 0, bytes);
    return p;
}

void dsc__free(void *ptr) {
    if (ptr == NULL) return;
    void *raw = ((void **)ptr)[-1];
    hook_free(raw, hook_user);
}
