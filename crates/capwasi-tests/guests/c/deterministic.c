/* Prints what a deterministic run must reproduce: both clocks, random bytes, a directory
 * listing with inode numbers, and how long a 1 s sleep took. */
#include "guest.h"
#include <dirent.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    struct timespec real, mono_before, mono_after;
    CHECK(clock_gettime(CLOCK_REALTIME, &real) == 0);
    printf("realtime %lld.%09ld\n", (long long)real.tv_sec, real.tv_nsec);
    CHECK(clock_gettime(CLOCK_MONOTONIC, &mono_before) == 0);
    printf("monotonic %lld.%09ld\n", (long long)mono_before.tv_sec, mono_before.tv_nsec);

    unsigned char bytes[32];
    CHECK_ERRNO(__wasi_random_get(bytes, sizeof bytes), 0);
    printf("random ");
    for (size_t i = 0; i < sizeof bytes; i++) printf("%02x", bytes[i]);
    printf("\n");

    DIR *dir = opendir("/data");
    CHECK(dir != NULL);
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) printf("entry %s ino %llu\n", entry->d_name, (unsigned long long)entry->d_ino);
    closedir(dir);

    CHECK(sleep(1) == 0);
    CHECK(clock_gettime(CLOCK_MONOTONIC, &mono_after) == 0);
    long long slept_ms = (mono_after.tv_sec - mono_before.tv_sec) * 1000 + (mono_after.tv_nsec - mono_before.tv_nsec) / 1000000;
    printf("slept %lld ms\n", slept_ms);
    return 0;
}
