/* Shared helpers for capwasi's C test guests. */
#ifndef CAPWASI_GUEST_H
#define CAPWASI_GUEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

/* Fails the guest with exit status 1 and a message naming the failed condition. */
#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                             \
        }                                                                        \
    } while (0)

/* Fails unless a raw WASI call returned the expected errno. */
#define CHECK_ERRNO(call, expected)                                              \
    do {                                                                         \
        __wasi_errno_t got_ = (call);                                            \
        if (got_ != (expected)) {                                                \
            fprintf(stderr, "%s:%d: %s returned errno %d, expected %d\n",        \
                    __FILE__, __LINE__, #call, (int)got_, (int)(expected));      \
            exit(1);                                                             \
        }                                                                        \
    } while (0)

/* Every right WASI preview 1 defines (bits 0..29). */
#define ALL_RIGHTS ((__wasi_rights_t)0x3fffffff)
/* `lookupflags` that follow a final symlink. */
#define FOLLOW __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW

/* Prints `label=errno`, the line format the filesystem tests read. */
static inline void say(const char *label, __wasi_errno_t err) { printf("%s=%d\n", label, (int)err); }

/* Opens `path` under `dir` for reading (following symlinks when `follow`), prints the errno,
   and on success the first line of the file or `dir` for a directory. */
static inline void try_read(const char *label, __wasi_fd_t dir, const char *path, int follow) {
    __wasi_fd_t fd;
    __wasi_errno_t err = __wasi_path_open(dir, follow ? FOLLOW : 0, path, 0,
                                          __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_READDIR, ALL_RIGHTS, 0, &fd);
    if (err != 0) {
        say(label, err);
        return;
    }
    __wasi_fdstat_t st;
    CHECK_ERRNO(__wasi_fd_fdstat_get(fd, &st), 0);
    if (st.fs_filetype == __WASI_FILETYPE_DIRECTORY) {
        printf("%s=0 dir\n", label);
    } else {
        char buf[128] = {0};
        __wasi_iovec_t iov = {.buf = (uint8_t *)buf, .buf_len = sizeof buf - 1};
        __wasi_size_t n;
        CHECK_ERRNO(__wasi_fd_read(fd, &iov, 1, &n), 0);
        buf[n] = 0;
        char *nl = strchr(buf, '\n');
        if (nl) *nl = 0;
        printf("%s=0 read \"%s\"\n", label, buf);
    }
    CHECK_ERRNO(__wasi_fd_close(fd), 0);
}

#endif
