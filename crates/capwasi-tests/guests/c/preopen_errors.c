/* What a preopened directory at fd 3 answers to calls meant for files and for preopen
   queries, and what is left of it after fd_close. Prints `call: errno N` lines. */
#include "guest.h"

#define REPORT(label, call)                                       \
    printf("%s: errno %d\n", label, (int)(call))

int main(void) {
    uint8_t data[16] = "untouched";
    __wasi_iovec_t iov = {.buf = data, .buf_len = sizeof data};
    __wasi_ciovec_t ciov = {.buf = data, .buf_len = sizeof data};
    __wasi_size_t n = 12345;

    REPORT("fd_read(3)", __wasi_fd_read(3, &iov, 1, &n));
    REPORT("fd_write(3)", __wasi_fd_write(3, &ciov, 1, &n));
    CHECK(n == 12345);
    CHECK(strcmp((char *)data, "untouched") == 0);

    __wasi_prestat_t prestat;
    for (__wasi_fd_t fd = 0; fd < 3; fd++) {
        char label[32];
        snprintf(label, sizeof label, "fd_prestat_get(%u)", (unsigned)fd);
        REPORT(label, __wasi_fd_prestat_get(fd, &prestat));
    }
    REPORT("fd_prestat_get(3)", __wasi_fd_prestat_get(3, &prestat));
    printf("prestat tag %u name length %u\n", prestat.tag, (unsigned)prestat.u.dir.pr_name_len);
    size_t len = prestat.u.dir.pr_name_len;
    CHECK(len > 0 && len < 60);

    /* A buffer one byte short, or empty, is refused without writing into it. */
    char name[64];
    memset(name, 'x', sizeof name);
    REPORT("fd_prestat_dir_name(3, len - 1)", __wasi_fd_prestat_dir_name(3, (uint8_t *)name, len - 1));
    REPORT("fd_prestat_dir_name(3, 0)", __wasi_fd_prestat_dir_name(3, (uint8_t *)name, 0));
    for (size_t i = 0; i < sizeof name; i++) CHECK(name[i] == 'x');
    /* A larger buffer gets exactly the name, with no NUL after it. */
    REPORT("fd_prestat_dir_name(3, 64)", __wasi_fd_prestat_dir_name(3, (uint8_t *)name, sizeof name));
    CHECK(name[len] == 'x');
    name[len] = '\0';
    printf("name %s\n", name);

    __wasi_fdstat_t stat;
    REPORT("fd_fdstat_get(3)", __wasi_fd_fdstat_get(3, &stat));
    printf("filetype %u flags %u\n", stat.fs_filetype, stat.fs_flags);

    REPORT("fd_close(3)", __wasi_fd_close(3));
    REPORT("fd_prestat_get(3) after close", __wasi_fd_prestat_get(3, &prestat));
    REPORT("fd_prestat_dir_name(3) after close", __wasi_fd_prestat_dir_name(3, (uint8_t *)name, sizeof name));
    REPORT("fd_fdstat_get(3) after close", __wasi_fd_fdstat_get(3, &stat));
    REPORT("fd_close(3) again", __wasi_fd_close(3));
    return 0;
}
