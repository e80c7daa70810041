/* What WASI 0.1 lacks and real C programs still call: there are no processes (system) and no
 * temporary-file API (tmpfile, tmpnam). The stubs fail the way the C library reports such
 * failures, so the programs report them (Lua's `os.execute` and `io.tmpfile` answer nil and a
 * message) instead of not linking. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

FILE *tmpfile(void) {
    errno = ENOTSUP;
    return NULL;
}

char *tmpnam(char *buffer) {
    (void)buffer;
    errno = ENOTSUP;
    return NULL;
}

/* No command processor: system(NULL) answers 0 ("none"), any command fails. */
int system(const char *command) {
    if (command == NULL) return 0;
    errno = ENOSYS;
    return -1;
}
