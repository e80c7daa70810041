/* Copies stdin to stdout with raw fd_read/fd_write through a 16 KiB buffer, then reports on
   stderr how many bytes it copied and in how many non-empty reads. */
#include "guest.h"

static uint8_t buf[16384];

static void write_all(__wasi_fd_t fd, const uint8_t *data, size_t len) {
    while (len > 0) {
        __wasi_ciovec_t iov = {.buf = data, .buf_len = len};
        __wasi_size_t n = 0;
        CHECK_ERRNO(__wasi_fd_write(fd, &iov, 1, &n), 0);
        CHECK(n > 0 && n <= len);
        data += n;
        len -= n;
    }
}

int main(void) {
    size_t total = 0;
    int reads = 0;
    for (;;) {
        __wasi_iovec_t iov = {.buf = buf, .buf_len = sizeof buf};
        __wasi_size_t n = 0xffffffff;
        CHECK_ERRNO(__wasi_fd_read(0, &iov, 1, &n), 0);
        CHECK(n <= sizeof buf);
        if (n == 0) break;
        reads++;
        total += n;
        write_all(1, buf, n);
    }
    fprintf(stderr, "copied %zu bytes in %d reads\n", total, reads);
    return 0;
}
