/* Metadata: filestat of files, directories and symlinks; explicit and `now` times;
   invalid time flags; truncating and extending. The preopen at fd 3 holds `file.txt`
   ("0123456789"), `other.txt`, `sub/` and `link -> file.txt`. argv[1] picks the scenario. */
#include "guest.h"
#include <inttypes.h>
#include <stdint.h>

/* Directories opened with fd_write in their base rights are opened for writing: `isdir`. */
#define DIR_RIGHTS (ALL_RIGHTS & ~(__wasi_rights_t)__WASI_RIGHTS_FD_WRITE)
#define ATIM __WASI_FSTFLAGS_ATIM
#define MTIM __WASI_FSTFLAGS_MTIM
#define ATIM_NOW __WASI_FSTFLAGS_ATIM_NOW
#define MTIM_NOW __WASI_FSTFLAGS_MTIM_NOW


static void print_stat(const char *label, const __wasi_filestat_t *st) {
    printf("%s dev=%" PRIu64 " ino=%" PRIu64 " type=%d nlink=%" PRIu64 " size=%" PRIu64 " atim=%" PRIu64
           " mtim=%" PRIu64 " ctim=%" PRIu64 "\n",
           label, (uint64_t)st->dev, (uint64_t)st->ino, (int)st->filetype, (uint64_t)st->nlink,
           (uint64_t)st->size, (uint64_t)st->atim, (uint64_t)st->mtim, (uint64_t)st->ctim);
}

static __wasi_fd_t open_file(const char *path) {
    __wasi_fd_t fd;
    CHECK_ERRNO(__wasi_path_open(3, 0, path, 0, ALL_RIGHTS, 0, 0, &fd), 0);
    return fd;
}

static void stats(void) {
    __wasi_filestat_t st;
    __wasi_fd_t f = open_file("file.txt");
    CHECK_ERRNO(__wasi_fd_filestat_get(f, &st), 0);
    print_stat("fd file.txt", &st);
    CHECK_ERRNO(__wasi_path_filestat_get(3, 0, "file.txt", &st), 0);
    print_stat("path file.txt", &st);
    CHECK_ERRNO(__wasi_path_filestat_get(3, 0, "sub", &st), 0);
    print_stat("path sub", &st);
    CHECK_ERRNO(__wasi_path_filestat_get(3, 0, "link", &st), 0);
    print_stat("path link", &st);
    CHECK_ERRNO(__wasi_path_filestat_get(3, FOLLOW, "link", &st), 0);
    print_stat("path link follow", &st);
    CHECK_ERRNO(__wasi_fd_filestat_get(3, &st), 0);
    print_stat("fd preopen", &st);
    CHECK_ERRNO(__wasi_path_filestat_get(3, 0, ".", &st), 0);
    print_stat("path .", &st);
    __wasi_fd_t sub;
    CHECK_ERRNO(__wasi_path_open(3, 0, "sub", __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS, ALL_RIGHTS, 0, &sub), 0);
    CHECK_ERRNO(__wasi_fd_filestat_get(sub, &st), 0);
    print_stat("fd sub", &st);
    say("stat missing", __wasi_path_filestat_get(3, 0, "missing", &st));
}

static void explicit_times(void) {
    __wasi_fd_t f = open_file("file.txt");
    say("fd set atim+mtim", __wasi_fd_filestat_set_times(f, 1234567890123456789ULL, 1111111111222333444ULL, ATIM | MTIM));
    __wasi_filestat_t st;
    CHECK_ERRNO(__wasi_fd_filestat_get(f, &st), 0);
    printf("file.txt atim=%" PRIu64 " mtim=%" PRIu64 "\n", (uint64_t)st.atim, (uint64_t)st.mtim);
    say("fd set mtim only", __wasi_fd_filestat_set_times(f, 0, 1500000000000000001ULL, MTIM));
    CHECK_ERRNO(__wasi_fd_filestat_get(f, &st), 0);
    printf("file.txt atim=%" PRIu64 " mtim=%" PRIu64 "\n", (uint64_t)st.atim, (uint64_t)st.mtim);
    say("path set atim+mtim other.txt",
        __wasi_path_filestat_set_times(3, 0, "other.txt", 2000000000000000002ULL, 1000000000000000001ULL, ATIM | MTIM));
    CHECK_ERRNO(__wasi_path_filestat_get(3, 0, "other.txt", &st), 0);
    printf("other.txt atim=%" PRIu64 " mtim=%" PRIu64 "\n", (uint64_t)st.atim, (uint64_t)st.mtim);
    say("path set mtim sub", __wasi_path_filestat_set_times(3, 0, "sub", 0, 900000000000000000ULL, MTIM));
    say("path set mtim link nofollow", __wasi_path_filestat_set_times(3, 0, "link", 0, 800000000000000000ULL, MTIM));
    say("path set atim link follow", __wasi_path_filestat_set_times(3, FOLLOW, "link", 700000000000000000ULL, 0, ATIM));
    __wasi_fd_t sub;
    CHECK_ERRNO(__wasi_path_open(3, 0, "sub", __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS, ALL_RIGHTS, 0, &sub), 0);
    say("fd set mtim on opened sub", __wasi_fd_filestat_set_times(sub, 0, 600000000000000000ULL, MTIM));
    say("path set times missing", __wasi_path_filestat_set_times(3, 0, "missing", 0, 0, MTIM_NOW));
}

/* The preopen's own times, through its descriptor. */
static void preopen_times(void) {
    say("fd set mtim on the preopen", __wasi_fd_filestat_set_times(3, 0, 600000000000000000ULL, MTIM));
    __wasi_filestat_t st;
    CHECK_ERRNO(__wasi_fd_filestat_get(3, &st), 0);
    printf("preopen mtim=%" PRIu64 "\n", (uint64_t)st.mtim);
    say("fd_sync on the preopen", __wasi_fd_sync(3));
}

static void now_times(void) {
    __wasi_timestamp_t before;
    CHECK_ERRNO(__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &before), 0);
    __wasi_fd_t f = open_file("file.txt");
    say("fd set atim_now|mtim_now", __wasi_fd_filestat_set_times(f, 0, 0, ATIM_NOW | MTIM_NOW));
    say("path set mtim_now other.txt", __wasi_path_filestat_set_times(3, 0, "other.txt", 0, 0, MTIM_NOW));
    __wasi_filestat_t st, other;
    CHECK_ERRNO(__wasi_fd_filestat_get(f, &st), 0);
    CHECK_ERRNO(__wasi_path_filestat_get(3, 0, "other.txt", &other), 0);
    __wasi_timestamp_t after;
    CHECK_ERRNO(__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &after), 0);
    /* Filesystem timestamps come from a coarse clock; allow 1 s either side. */
    const uint64_t slack = 1000000000ULL;
    printf("file.txt atim_now_ok=%d mtim_now_ok=%d\n", st.atim + slack >= before && st.atim <= after + slack,
           st.mtim + slack >= before && st.mtim <= after + slack);
    printf("other.txt mtim_now_ok=%d atim_kept=%d\n", other.mtim + slack >= before && other.mtim <= after + slack,
           other.atim < before - 1000 * slack);
}

static void invalid_times(void) {
    __wasi_fd_t f = open_file("file.txt");
    say("fd atim|atim_now", __wasi_fd_filestat_set_times(f, 5, 0, ATIM | ATIM_NOW));
    say("fd mtim|mtim_now", __wasi_fd_filestat_set_times(f, 0, 5, MTIM | MTIM_NOW));
    say("fd all four", __wasi_fd_filestat_set_times(f, 5, 5, ATIM | ATIM_NOW | MTIM | MTIM_NOW));
    say("fd unknown bit 16", __wasi_fd_filestat_set_times(f, 0, 0, 16));
    say("fd no flags", __wasi_fd_filestat_set_times(f, 5, 5, 0));
    say("path atim|atim_now", __wasi_path_filestat_set_times(3, 0, "file.txt", 5, 0, ATIM | ATIM_NOW));
    say("path mtim|mtim_now", __wasi_path_filestat_set_times(3, 0, "file.txt", 0, 5, MTIM | MTIM_NOW));
    say("path unknown bit 32", __wasi_path_filestat_set_times(3, 0, "file.txt", 0, 0, 32));
}

static void set_size(void) {
    __wasi_fd_t f = open_file("file.txt");
    __wasi_filestat_t st;
    say("set_size 4", __wasi_fd_filestat_set_size(f, 4));
    CHECK_ERRNO(__wasi_fd_filestat_get(f, &st), 0);
    printf("size=%" PRIu64 "\n", (uint64_t)st.size);
    say("set_size 8", __wasi_fd_filestat_set_size(f, 8));
    CHECK_ERRNO(__wasi_fd_filestat_get(f, &st), 0);
    printf("size=%" PRIu64 "\n", (uint64_t)st.size);
    uint8_t buf[16];
    __wasi_iovec_t iov = {.buf = buf, .buf_len = sizeof buf};
    __wasi_size_t n;
    CHECK_ERRNO(__wasi_fd_pread(f, &iov, 1, 0, &n), 0);
    printf("content:");
    for (__wasi_size_t i = 0; i < n; i++) printf(" %02x", buf[i]);
    printf("\n");
    __wasi_filesize_t pos;
    CHECK_ERRNO(__wasi_fd_tell(f, &pos), 0);
    printf("tell=%" PRIu64 "\n", (uint64_t)pos);
    say("set_size on the preopen", __wasi_fd_filestat_set_size(3, 0));
    __wasi_fd_t big = open_file("other.txt");
    say("set_size 1 GiB sparse", __wasi_fd_filestat_set_size(big, 1ULL << 30));
    say("set_size 2^63", __wasi_fd_filestat_set_size(big, 1ULL << 63));
    CHECK_ERRNO(__wasi_fd_filestat_get(big, &st), 0);
    printf("other size=%" PRIu64 "\n", (uint64_t)st.size);
    say("set_size 0", __wasi_fd_filestat_set_size(big, 0));
}

int main(int argc, char **argv) {
    CHECK(argc == 2);
    const char *m = argv[1];
    if (!strcmp(m, "stats")) stats();
    else if (!strcmp(m, "explicit_times")) explicit_times();
    else if (!strcmp(m, "now_times")) now_times();
    else if (!strcmp(m, "preopen_times")) preopen_times();
    else if (!strcmp(m, "invalid_times")) invalid_times();
    else if (!strcmp(m, "set_size")) set_size();
    else {
        fprintf(stderr, "unknown mode %s\n", m);
        return 2;
    }
    return 0;
}
