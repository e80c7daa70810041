/* Prints every argument and environment variable, one per line, as the raw WASI calls
   report them, after checking they agree with what wasi-libc saw and that the sizes add up. */
#include "guest.h"

extern char **environ;

/* Fetches a string array with the given sizes/get pair and checks its layout: the pointers
   point into the buffer in order, each string is NUL-terminated, and together they fill
   exactly the size the host announced (no byte written past it). */
static char **fetch(__wasi_errno_t (*sizes)(__wasi_size_t *, __wasi_size_t *),
                    __wasi_errno_t (*get)(uint8_t **, uint8_t *), __wasi_size_t *count_out) {
    __wasi_size_t count = 0xdeadbeef, size = 0xdeadbeef;
    CHECK_ERRNO(sizes(&count, &size), 0);
    CHECK(count != 0xdeadbeef && size != 0xdeadbeef);
    char **ptrs = calloc(count + 1, sizeof(char *));
    char *buf = malloc(size + 1);
    CHECK(ptrs && buf);
    ptrs[count] = (char *)0x5a5a5a5a;
    buf[size] = 0x7f;
    CHECK_ERRNO(get((uint8_t **)ptrs, (uint8_t *)buf), 0);
    CHECK(ptrs[count] == (char *)0x5a5a5a5a);
    CHECK(buf[size] == 0x7f);
    size_t offset = 0;
    for (__wasi_size_t i = 0; i < count; i++) {
        CHECK(ptrs[i] == buf + offset);
        offset += strlen(ptrs[i]) + 1;
        CHECK(offset <= size);
    }
    CHECK(offset == size);
    *count_out = count;
    return ptrs;
}

int main(int argc, char **argv) {
    __wasi_size_t argc_raw, envc_raw;
    char **args = fetch(__wasi_args_sizes_get, __wasi_args_get, &argc_raw);
    char **env = fetch(__wasi_environ_sizes_get, __wasi_environ_get, &envc_raw);

    CHECK((int)argc_raw == argc);
    for (int i = 0; i < argc; i++) {
        CHECK(strcmp(args[i], argv[i]) == 0);
        printf("arg[%d]=%s\n", i, args[i]);
    }
    size_t libc_envc = 0;
    while (environ && environ[libc_envc]) libc_envc++;
    CHECK(libc_envc == envc_raw);
    for (__wasi_size_t i = 0; i < envc_raw; i++) {
        CHECK(strcmp(env[i], environ[i]) == 0);
        printf("env:%s\n", env[i]);
    }
    const char *empty = getenv("EMPTY");
    printf("getenv(EMPTY): %s\n", empty == NULL ? "unset" : *empty == '\0' ? "set and empty" : empty);
    return 0;
}
