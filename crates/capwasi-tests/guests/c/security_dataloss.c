/* Writes 100 numbered lines to /out/log.txt and to stdout (each line one write(2) call, no
   libc buffering), plus a 1 MiB block to /out/big.bin in one gathered write, then ends
   abruptly. argv[1]: "trap" (__builtin_trap), "exit" (proc_exit(3) straight away, no atexit
   handlers), or "stdio_exit" (the same lines through buffered printf/fprintf, then exit(3),
   which flushes libc's buffers). Nothing after the end may appear. */
#include "guest.h"
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

static uint8_t big[1 << 20];

static void write_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        CHECK(n > 0);
        buf += n;
        len -= (size_t)n;
    }
}

int main(int argc, char **argv) {
    CHECK(argc == 2);
    const char *mode = argv[1];
    int file = open("/out/log.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(file >= 0);
    if (!strcmp(mode, "stdio_exit")) {
        FILE *log = fdopen(file, "w");
        CHECK(log);
        for (int i = 0; i < 100; i++) {
            fprintf(log, "line %03d of the log\n", i);
            printf("line %03d of stdout\n", i);
        }
        exit(3);
    }
    for (int i = 0; i < 100; i++) {
        char line[64];
        int n = snprintf(line, sizeof line, "line %03d of the log\n", i);
        write_all(file, line, (size_t)n);
        n = snprintf(line, sizeof line, "line %03d of stdout\n", i);
        write_all(1, line, (size_t)n);
    }
    for (size_t i = 0; i < sizeof big; i++) big[i] = (uint8_t)(i * 7 + 3);
    int bigfd = open("/out/big.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(bigfd >= 0);
    /* One fd_write with four iovecs covering the whole block. */
    __wasi_ciovec_t iov[4];
    for (int k = 0; k < 4; k++) {
        iov[k].buf = big + k * (sizeof big / 4);
        iov[k].buf_len = sizeof big / 4;
    }
    size_t done = 0;
    while (done < sizeof big) {
        __wasi_size_t n;
        CHECK_ERRNO(__wasi_fd_write(bigfd, iov, 4, &n), 0);
        CHECK(n == sizeof big); /* a regular file takes it all at once */
        done += n;
    }
    /* Deliberately never closed: the host must not depend on a close to keep the bytes. */
    if (!strcmp(mode, "trap")) {
        __builtin_trap();
    } else if (!strcmp(mode, "exit")) {
        __wasi_proc_exit(3);
    }
    write_all(1, "after the end\n", 14);
    return 0;
}
