/* Ends with the status in argv[2], the way argv[1] names: `exit` (libc exit, which flushes
   stdio), `raw` (the proc_exit import itself) or `return` (returning it from main). */
#include "guest.h"

int main(int argc, char **argv) {
    CHECK(argc == 3);
    int code = atoi(argv[2]);
    printf("%s %d\n", argv[1], code);
    if (strcmp(argv[1], "exit") == 0) {
        exit(code);
    }
    if (strcmp(argv[1], "raw") == 0) {
        fflush(stdout);
        __wasi_proc_exit((__wasi_exitcode_t)code);
    }
    if (strcmp(argv[1], "return") == 0) {
        return code;
    }
    fprintf(stderr, "unknown mode %s\n", argv[1]);
    return 1;
}
