/* Shared helpers for capwasi's C test guests. */
#ifndef CAPWASI_GUEST_H
#define CAPWASI_GUEST_H

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

#endif
