/* Reading and crash-safe writing of whole files (io.h). A save writes a
 * temporary file in the target's directory (so the rename stays on one file
 * system and is atomic), flushes it to disk with fsync, renames it over the
 * target and fsyncs the directory so the rename itself is durable: at every
 * moment the target is either the old file or the complete new one. */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* The fault hook: tests only, one thread, counting while it is on. */
static long fault_at, op_count;

long dsc__io_fault(long k) {
    long n = op_count;
    fault_at = k;
    op_count = 0;
    return n;
}

/* 1 if this operation is to fail (errno set to EIO). With the hook off it
 * only reads fault_at, so saves in several threads do not race. */
static int faulty(void) {
    if (fault_at <= 0) return 0;
    op_count++;
    if (op_count == fault_at) {
        errno = EIO;
        return 1;
    }
    return 0;
}

static const char *why(int err, char *buf, size_t size) {
    if (strerror_r(err, buf, size) != 0) snprintf(buf, size, "error %d", err);
    return buf;
}

static dsc_status io_error(const char *fn, const char *what, const char *path, int err) {
    char buf[128];
    return dsc__error(DSC_E_IO, "%s: cannot %s '%s': %s", fn, what, path, why(err, buf, sizeof buf));
}

static int xopen(const char *path, int flags, mode_t mode) {
    if (faulty()) return -1;
    int fd;
    do fd = open(path, flags | O_CLOEXEC, mode);
    while (fd < 0 && errno == EINTR);
    return fd;
}

static int xclose(int fd) {
    if (faulty()) {
        close(fd);
        errno = EIO;
        return -1;
    }
    return close(fd) != 0 && errno != EINTR ? -1 : 0;
}

static int xfsync(int fd) {
    if (faulty()) return -1;
    return fsync(fd);
}

dsc_status dsc__io_read_file(const char *path, unsigned char **bytes, size_t *size, const char *fn) {
    *bytes = NULL;
    *size = 0;
    int fd = xopen(path, O_RDONLY, 0);
    if (fd < 0) return io_error(fn, "open", path, errno);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        return io_error(fn, "examine", path, err);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return dsc__error(DSC_E_IO, "%s: '%s' is not a regular file", fn, path);
    }
    if ((uintmax_t)st.st_size > (uintmax_t)(SIZE_MAX / 2)) {
        close(fd);
        return dsc__error(DSC_E_NOMEM, "%s: '%s' is too large to read (%jd bytes)", fn, path,
                          (intmax_t)st.st_size);
    }
    size_t n = (size_t)st.st_size;
    unsigned char *buf = dsc__alloc(n ? n : 1);
    if (buf == NULL) {
        close(fd);
        return dsc__error(DSC_E_NOMEM, "%s: out of memory for the %zu bytes of '%s'", fn, n, path);
    }
    size_t got = 0;
    for (;;) {
        /* One byte more than the size fstat gave: a file that grew is read
         * whole or refused, never cut. */
        size_t want = got < n ? n - got : 1;
        unsigned char extra;
        ssize_t r;
        if (faulty()) {
            r = -1;
        } else {
            do r = read(fd, got < n ? buf + got : &extra, want);
            while (r < 0 && errno == EINTR);
        }
        if (r < 0) {
            int err = errno;
            close(fd);
            dsc__free(buf);
            return io_error(fn, "read", path, err);
        }
        if (r == 0) break;
        if (got >= n) {
            close(fd);
            dsc__free(buf);
            return dsc__error(DSC_E_IO, "%s: '%s' changed size while it was read", fn, path);
        }
        got += (size_t)r;
    }
    close(fd);
    if (got != n) {
        dsc__free(buf);
        return dsc__error(DSC_E_IO, "%s: '%s' changed size while it was read (%zu of %zu bytes)",
                          fn, path, got, n);
    }
    *bytes = buf;
    *size = n;
    return DSC_OK;
}

static char *dup_str(const char *s, size_t extra) {
    size_t n = strlen(s);
    if (n > SIZE_MAX - extra - 1) return NULL;
    char *d = dsc__alloc(n + extra + 1);
    if (d != NULL) memcpy(d, s, n + 1);
    return d;
}

/* The directory part of path ("." for none), so no allocation is needed
 * after the rename. */
static char *dir_of(const char *path) {
    const char *slash = strrchr(path, '/');
    if (slash == NULL) return dup_str(".", 0);
    char *dir = dup_str(path, 0);
    if (dir != NULL) dir[slash == path ? 1 : (size_t)(slash - path)] = '\0';
    return dir;
}

static void free_names(dsc__io_out *o) {
    dsc__free(o->path);
    dsc__free(o->tmp);
    dsc__free(o->dir);
    o->path = o->tmp = o->dir = NULL;
}

dsc_status dsc__io_begin(dsc__io_out *o, const char *path, const char *fn) {
    static unsigned serial;
    memset(o, 0, sizeof *o);
    o->fd = -1;
    o->fn = fn;
    o->path = dup_str(path, 0);
    o->tmp = dup_str(path, 48);
    o->dir = dir_of(path);
    if (o->path == NULL || o->tmp == NULL || o->dir == NULL) {
        free_names(o);
        return dsc__error(DSC_E_NOMEM, "%s: out of memory for the file name '%s'", fn, path);
    }
    /* A name no other writer uses: the process id and a counter; O_EXCL
     * refuses to reuse a file someone else left. */
    size_t len = strlen(path);
    for (int attempt = 0; attempt < 100; attempt++) {
        snprintf(o->tmp + len, 49, ".%ld.%u.tmp", (long)getpid(), serial++);
        o->fd = xopen(o->tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (o->fd >= 0 || errno != EEXIST) break;
    }
    if (o->fd < 0) {
        dsc_status s = io_error(fn, "create the temporary file", o->tmp, errno);
        free_names(o);
        return s;
    }
    return DSC_OK;
}

void dsc__io_abort(dsc__io_out *o) {
    if (o->fd >= 0) close(o->fd);
    if (o->tmp != NULL) unlink(o->tmp);
    free_names(o);
    o->fd = -1;
}

dsc_status dsc__io_write(dsc__io_out *o, const void *buf, size_t n) {
    const unsigned char *p = buf;
    while (n > 0) {
        ssize_t w;
        if (faulty()) {
            w = -1;
        } else {
            do w = write(o->fd, p, n);
            while (w < 0 && errno == EINTR);
        }
        if (w <= 0) {
            int err = w < 0 ? errno : ENOSPC;
            dsc_status s = io_error(o->fn, "write", o->tmp, err);
            dsc__io_abort(o);
            return s;
        }
        p += w;
        n -= (size_t)w;
    }
    return DSC_OK;
}

/* fsync of a directory, so a rename into it is durable. */
static int sync_dir(const char *dir) {
    int fd = xopen(dir, O_RDONLY | O_DIRECTORY, 0);
    if (fd < 0) return -1;
    int r = xfsync(fd);
    /* Some file systems cannot sync a directory; they need no sync either. */
    if (r != 0 && (errno == EINVAL || errno == ENOTSUP)) r = 0;
    int err = errno;
    close(fd);
    errno = err;
    return r;
}

dsc_status dsc__io_commit(dsc__io_out *o) {
    if (xfsync(o->fd) != 0) {
        dsc_status s = io_error(o->fn, "flush to disk", o->tmp, errno);
        dsc__io_abort(o);
        return s;
    }
    int fd = o->fd;
    o->fd = -1;
    if (xclose(fd) != 0) {
        dsc_status s = io_error(o->fn, "close", o->tmp, errno);
        dsc__io_abort(o);
        return s;
    }
    int r = faulty() ? -1 : rename(o->tmp, o->path);
    if (r != 0) {
        dsc_status s = io_error(o->fn, "rename the temporary file over", o->path, errno);
        dsc__io_abort(o);
        return s;
    }
    dsc_status s = DSC_OK;
    if (sync_dir(o->dir) != 0) {
        char buf[128];
        s = dsc__error(DSC_E_IO, "%s: '%s' was written, but its directory could not be synced "
                       "(%s): the new file may not survive a power failure", o->fn, o->path,
                       why(errno, buf, sizeof buf));
    }
    dsc__free(o->tmp);
    o->tmp = NULL; /* renamed: nothing to remove */
    dsc__io_abort(o);
    return s;
}
