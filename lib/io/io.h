/* Files for lib/io: reading a whole file, and writing one so that a failure
 * never destroys the previous good copy (temporary file in the same
 * directory, fsync, rename over the target, fsync of the directory). Every
 * operation that touches the file system goes through one counter, so the
 * tests can fail the k-th one (dsc__io_fault) and check what is left.
 * Never installed. */
#ifndef DSC_IO_IO_H
#define DSC_IO_IO_H

#include "../core/common.h"

#include <stddef.h>

/* Tests only (not thread-safe): from now on, the k-th file operation
 * (open, read, write, fsync, close, rename; 1-based) fails as if the system
 * had refused it with EIO; 0 turns the hook off. Returns the number of
 * operations counted since the last call (counted only while the hook is on). */
long dsc__io_fault(long k);

/* The whole of path into *bytes (dsc__alloc'd; the caller frees it with
 * dsc__free) and its size into *size. DSC_E_IO naming fn and the path on any
 * error, DSC_E_NOMEM; *bytes is NULL then. */
dsc_status dsc__io_read_file(const char *path, unsigned char **bytes, size_t *size, const char *fn);

/* A file being written: created by _begin as a temporary file beside path,
 * filled by _write, and either put in place by _commit or removed by _abort.
 * After a failed _write or _commit the writer is already aborted. */
typedef struct dsc__io_out {
    int fd;
    char *path;     /* the target */
    char *tmp;      /* the temporary file */
    char *dir;      /* the directory holding both, synced after the rename */
    const char *fn; /* the public function, for messages */
} dsc__io_out;

dsc_status dsc__io_begin(dsc__io_out *o, const char *path, const char *fn);
dsc_status dsc__io_write(dsc__io_out *o, const void *buf, size_t n);
dsc_status dsc__io_commit(dsc__io_out *o);
void dsc__io_abort(dsc__io_out *o);

#endif
