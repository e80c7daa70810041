/* Exercises the four clocks: prints the realtime clock for the host to compare with its own,
   and checks monotonicity, CPU-time progress, resolutions and unknown clock ids. */
#include "guest.h"

#define SENTINEL 0x0123456789abcdefULL

static __wasi_timestamp_t now(__wasi_clockid_t id) {
    __wasi_timestamp_t t = SENTINEL;
    CHECK_ERRNO(__wasi_clock_time_get(id, 1, &t), 0);
    CHECK(t != SENTINEL);
    return t;
}

int main(void) {
    printf("realtime %llu\n", (unsigned long long)now(__WASI_CLOCKID_REALTIME));

    /* The precision argument is only a hint: any value must work. */
    __wasi_timestamp_t t;
    CHECK_ERRNO(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, &t), 0);
    CHECK_ERRNO(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, UINT64_MAX, &t), 0);

    __wasi_timestamp_t prev = now(__WASI_CLOCKID_MONOTONIC);
    for (int i = 0; i < 100000; i++) {
        __wasi_timestamp_t cur = now(__WASI_CLOCKID_MONOTONIC);
        CHECK(cur >= prev);
        prev = cur;
    }
    printf("monotonic non-decreasing over 100000 reads\n");

    /* Spin until this thread has used 5 ms of CPU (giving up after 10 s of wall time). */
    __wasi_timestamp_t p0 = now(__WASI_CLOCKID_PROCESS_CPUTIME_ID);
    __wasi_timestamp_t t0 = now(__WASI_CLOCKID_THREAD_CPUTIME_ID);
    __wasi_timestamp_t m0 = now(__WASI_CLOCKID_MONOTONIC);
    __wasi_timestamp_t t1 = t0;
    volatile uint64_t sink = 0;
    while (t1 - t0 < 5000000 && now(__WASI_CLOCKID_MONOTONIC) - m0 < 10000000000ULL) {
        for (int i = 0; i < 100000; i++) sink += (uint64_t)i * 31;
        t1 = now(__WASI_CLOCKID_THREAD_CPUTIME_ID);
    }
    __wasi_timestamp_t p1 = now(__WASI_CLOCKID_PROCESS_CPUTIME_ID);
    CHECK(t1 - t0 >= 5000000);
    CHECK(p1 - p0 >= t1 - t0);
    printf("thread and process cputime advanced by at least 5 ms\n");

    for (__wasi_clockid_t id = 0; id < 4; id++) {
        __wasi_timestamp_t res = 0;
        CHECK_ERRNO(__wasi_clock_res_get(id, &res), 0);
        CHECK(res > 0);
        CHECK(res <= 1000000000ULL);
    }
    printf("resolutions of clocks 0-3 are in (0, 1 s]\n");

    __wasi_clockid_t bad[] = {4, 99, UINT32_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        __wasi_timestamp_t out = SENTINEL;
        CHECK_ERRNO(__wasi_clock_time_get(bad[i], 0, &out), 28);
        CHECK(out == SENTINEL);
        CHECK_ERRNO(__wasi_clock_res_get(bad[i], &out), 28);
        CHECK(out == SENTINEL);
    }
    printf("clock ids 4, 99, 4294967295: errno 28\n");
    return 0;
}
