/* LD_PRELOAD fault injection for Ethos's crash harness (benchmarks/crash_faults.py).
   ETHOS_FAULT_KIND     "fsync": the first fsync/fdatasync of a matching file that finds the
                        trigger file removes it (so exactly one fails, in whichever process
                        gets there first) and fails with EIO; "enospc": while the trigger
                        exists, writes to a matching file fail with ENOSPC, as on a full disk.
   ETHOS_FAULT_MATCH    text that the file's path must contain
   ETHOS_FAULT_TRIGGER  the trigger file (the harness creates it to arm the fault)
   ETHOS_FAULT_LOG      "<event> <pid> <fd>" lines: fsync-eio, enospc, and "close" when a
                        process that failed an fsync later closes a matching file. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define REAL(name) static __typeof__(&name) real_##name; \
    if (!real_##name) real_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name)

static int fired_here;

static const char *setting(const char *name) {
    const char *value = getenv(name);
    return value && *value ? value : NULL;
}

static int kind_is(const char *kind) {
    const char *value = setting("ETHOS_FAULT_KIND");
    return value && strcmp(value, kind) == 0;
}

static int armed(void) {
    const char *trigger = setting("ETHOS_FAULT_TRIGGER");
    return trigger && access(trigger, F_OK) == 0;
}

static int matches(int fd) {
    const char *match = setting("ETHOS_FAULT_MATCH");
    char link[64], path[4096];
    ssize_t n;
    if (!match) return 0;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, path, sizeof path - 1);
    if (n < 0) return 0;
    path[n] = 0;
    return strstr(path, match) != NULL;
}

static void note(const char *what, int fd) {
    REAL(write);
    REAL(close);
    const char *log = setting("ETHOS_FAULT_LOG");
    char line[128];
    int n, out;
    if (!log) return;
    n = snprintf(line, sizeof line, "%s %d %d\n", what, (int)getpid(), fd);
    out = open(log, O_WRONLY | O_APPEND | O_CREAT, 0666);
    if (out < 0) return;
    real_write(out, line, (size_t)n);
    real_close(out);
}

static int fsync_fails(int fd) {
    if (!kind_is("fsync") || !armed() || !matches(fd)) return 0;
    if (unlink(setting("ETHOS_FAULT_TRIGGER")) != 0) return 0;
    fired_here = 1;
    note("fsync-eio", fd);
    return 1;
}

int fsync(int fd) {
    REAL(fsync);
    if (fsync_fails(fd)) { errno = EIO; return -1; }
    return real_fsync(fd);
}

int fdatasync(int fd) {
    REAL(fdatasync);
    if (fsync_fails(fd)) { errno = EIO; return -1; }
    return real_fdatasync(fd);
}

int close(int fd) {
    REAL(close);
    if (fired_here && matches(fd)) note("close", fd);
    return real_close(fd);
}

static int full(int fd) {
    if (!kind_is("enospc") || !armed() || !matches(fd)) return 0;
    note("enospc", fd);
    return 1;
}

ssize_t write(int fd, const void *buf, size_t n) {
    REAL(write);
    if (full(fd)) { errno = ENOSPC; return -1; }
    return real_write(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t at) {
    REAL(pwrite);
    if (full(fd)) { errno = ENOSPC; return -1; }
    return real_pwrite(fd, buf, n, at);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t at) {
    REAL(pwrite64);
    if (full(fd)) { errno = ENOSPC; return -1; }
    return real_pwrite64(fd, buf, n, at);
}

ssize_t pwritev(int fd, const struct iovec *iov, int count, off_t at) {
    REAL(pwritev);
    if (full(fd)) { errno = ENOSPC; return -1; }
    return real_pwritev(fd, iov, count, at);
}

int posix_fallocate(int fd, off_t at, off_t n) {
    REAL(posix_fallocate);
    if (full(fd)) return ENOSPC;
    return real_posix_fallocate(fd, at, n);
}
