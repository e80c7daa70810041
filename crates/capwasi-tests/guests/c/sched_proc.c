/* sched_yield and proc_raise. With argument `raise N`, raises signal N and reports if that
   returned; without, prints what yielding and harmless or unknown signals return. */
#include "guest.h"

/* wasi-libc no longer declares proc_raise; import it directly. */
__attribute__((__import_module__("wasi_snapshot_preview1"), __import_name__("proc_raise")))
int32_t raw_proc_raise(int32_t signal);

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "raise") == 0) {
        printf("raising %s\n", argv[2]);
        fflush(stdout);
        int32_t err = raw_proc_raise(atoi(argv[2]));
        printf("proc_raise returned %d\n", (int)err);
        return 1;
    }
    CHECK(argc == 1);
    printf("sched_yield: errno %d\n", (int)__wasi_sched_yield());
    printf("proc_raise(0): errno %d\n", (int)raw_proc_raise(0));
    printf("proc_raise(31): errno %d\n", (int)raw_proc_raise(31));
    printf("proc_raise(99): errno %d\n", (int)raw_proc_raise(99));
    return 0;
}
