/* Lists the preopened directories the way wasi-libc discovers them: fd_prestat_get on fd 3,
   4, ... until badf, printing each fd and its guest path. */
#include "guest.h"

int main(void) {
    int found = 0;
    for (__wasi_fd_t fd = 3;; fd++) {
        __wasi_prestat_t prestat;
        memset(&prestat, 0xee, sizeof prestat);
        __wasi_errno_t err = __wasi_fd_prestat_get(fd, &prestat);
        if (err == 8) break;
        CHECK_ERRNO(err, 0);
        CHECK(prestat.tag == __WASI_PREOPENTYPE_DIR);
        size_t len = prestat.u.dir.pr_name_len;
        char *name = malloc(len + 1);
        CHECK(name);
        name[len] = '\0';
        CHECK_ERRNO(__wasi_fd_prestat_dir_name(fd, (uint8_t *)name, len), 0);
        CHECK(strlen(name) == len);
        printf("%u %s\n", (unsigned)fd, name);
        free(name);
        found++;
    }
    printf("%d preopens\n", found);
    return 0;
}
