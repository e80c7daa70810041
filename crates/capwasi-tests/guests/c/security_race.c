/* Races the host: while a host thread (or another guest, see `swap` below) keeps swapping
   `sub` (a directory holding secret.txt = "inside\n") with a symlink `sub` -> a directory
   outside the preopen, this guest keeps opening, creating, stat'ing, linking, listing and
   re-timing things under `sub/` for argv[1] milliseconds. argv[2] is the inode of the inside
   secret.txt.

   `swap MS TARGET...`: the swapping side as a guest: makes one symlink per TARGET (stored as
   given) and for MS milliseconds swaps `sub` with each in turn by path_rename, printing
   `swaps=N` (every rename must succeed).

   For each operation it prints `NAME n=COUNT e0=.. e44=.. ...` (a histogram of errnos) and
   at the end `bad=N`: the number of times it saw anything but the inside file (other
   content, another inode, an outside entry in a listing). */
#include "guest.h"
#include <inttypes.h>
#include <stdint.h>

#define OPS 14

static const char *names[OPS] = {"open",  "open_nofollow", "stat",   "lstat",   "create",   "unlink_new",
                                 "mkdir", "rmdir",         "link",   "unlink_link", "set_times", "open_dir",
                                 "readlink", "symlink"};
static unsigned hist[OPS][77];
static unsigned bad;
static uint64_t inside_ino;

static void tally(int op, __wasi_errno_t err) {
    hist[op][err <= 76 ? err : 76]++;
    if (err > 76) bad++;
}

static uint64_t now_ns(void) {
    __wasi_timestamp_t t;
    CHECK_ERRNO(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t), 0);
    return t;
}

/* Reads the whole (short) file at fd and counts it as bad unless it is the inside content. */
static void check_content(__wasi_fd_t fd) {
    char buf[64] = {0};
    __wasi_iovec_t iov = {.buf = (uint8_t *)buf, .buf_len = sizeof buf - 1};
    __wasi_size_t n = 0;
    __wasi_errno_t err = __wasi_fd_read(fd, &iov, 1, &n);
    if (err != 0 || n != 7 || memcmp(buf, "inside\n", 7) != 0) {
        bad++;
        fprintf(stderr, "read err=%d n=%u: %.*s\n", (int)err, (unsigned)n, (int)n, buf);
    }
}

static void open_read(int op, __wasi_lookupflags_t lookup) {
    __wasi_fd_t fd;
    __wasi_errno_t err = __wasi_path_open(3, lookup, "sub/secret.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd);
    tally(op, err);
    if (err == 0) {
        check_content(fd);
        CHECK_ERRNO(__wasi_fd_close(fd), 0);
    }
}

static void stat_secret(int op, __wasi_lookupflags_t lookup) {
    __wasi_filestat_t st;
    __wasi_errno_t err = __wasi_path_filestat_get(3, lookup, "sub/secret.txt", &st);
    tally(op, err);
    if (err == 0 && (st.ino != inside_ino || st.size != 7)) {
        bad++;
        fprintf(stderr, "stat saw ino %" PRIu64 " size %" PRIu64 "\n", (uint64_t)st.ino, (uint64_t)st.size);
    }
}

/* Opens `sub` as a directory; if that works, its listing must be the inside one, and its
   secret.txt the inside file. */
static void open_dir(void) {
    __wasi_fd_t d;
    __wasi_errno_t err = __wasi_path_open(3, FOLLOW, "sub", __WASI_OFLAGS_DIRECTORY,
                                          __WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_PATH_OPEN,
                                          __WASI_RIGHTS_FD_READ, 0, &d);
    tally(11, err);
    if (err != 0) return;
    static uint8_t buf[4096];
    __wasi_size_t used = 0;
    CHECK_ERRNO(__wasi_fd_readdir(d, buf, sizeof buf, 0, &used), 0);
    for (size_t at = 0; at + sizeof(__wasi_dirent_t) <= used;) {
        __wasi_dirent_t ent;
        memcpy(&ent, buf + at, sizeof ent);
        const char *name = (const char *)buf + at + sizeof ent;
        if (at + sizeof ent + ent.d_namlen > used) break;
        if (ent.d_namlen == 5 && memcmp(name, "empty", 5) == 0) {
            bad++;
            fprintf(stderr, "listing of sub shows the outside entry 'empty'\n");
        }
        at += sizeof ent + ent.d_namlen;
    }
    __wasi_fd_t f;
    if (__wasi_path_open(d, 0, "secret.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &f) == 0) {
        check_content(f);
        CHECK_ERRNO(__wasi_fd_close(f), 0);
    } else {
        /* Another guest may be mid-way through nothing that removes secret.txt: it must be there. */
        bad++;
        fprintf(stderr, "secret.txt missing from an opened sub\n");
    }
    CHECK_ERRNO(__wasi_fd_close(d), 0);
}

static int swap(int argc, char **argv) {
    CHECK(argc >= 4);
    uint64_t deadline = now_ns() + (uint64_t)atoi(argv[2]) * 1000000ull;
    int links = argc - 3;
    char names[8][16];
    CHECK(links <= 8);
    for (int k = 0; k < links; k++) {
        snprintf(names[k], sizeof names[k], ".g%d", k);
        /* A guest may not make a link with an absolute target (perm); the host placed those
           under the same name beforehand, and the guest swaps them in all the same. */
        if (argv[3 + k][0] == '/') {
            CHECK_ERRNO(__wasi_path_symlink(argv[3 + k], 3, names[k]), __WASI_ERRNO_PERM);
        } else {
            CHECK_ERRNO(__wasi_path_symlink(argv[3 + k], 3, names[k]), 0);
        }
    }
    unsigned swaps = 0;
    while (now_ns() < deadline) {
        const char *link = names[swaps % links];
        CHECK_ERRNO(__wasi_path_rename(3, "sub", 3, ".gpark"), 0);
        CHECK_ERRNO(__wasi_path_rename(3, link, 3, "sub"), 0);
        CHECK_ERRNO(__wasi_path_rename(3, "sub", 3, link), 0);
        CHECK_ERRNO(__wasi_path_rename(3, ".gpark", 3, "sub"), 0);
        swaps++;
    }
    printf("swaps=%u\n", swaps);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "swap")) return swap(argc, argv);
    CHECK(argc == 3);
    uint64_t deadline = now_ns() + (uint64_t)atoi(argv[1]) * 1000000ull;
    inside_ino = strtoull(argv[2], NULL, 10);
    unsigned iterations = 0;
    while (now_ns() < deadline) {
        iterations++;
        open_read(0, FOLLOW);
        open_read(1, 0);
        stat_secret(2, FOLLOW);
        stat_secret(3, 0);

        __wasi_fd_t fd;
        __wasi_errno_t err = __wasi_path_open(3, FOLLOW, "sub/new-file", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC,
                                              __WASI_RIGHTS_FD_WRITE, 0, 0, &fd);
        tally(4, err);
        if (err == 0) {
            __wasi_ciovec_t iov = {.buf = (const uint8_t *)"new\n", .buf_len = 4};
            __wasi_size_t n;
            CHECK_ERRNO(__wasi_fd_write(fd, &iov, 1, &n), 0);
            CHECK_ERRNO(__wasi_fd_close(fd), 0);
            tally(5, __wasi_path_unlink_file(3, "sub/new-file"));
        }
        /* Made and removed again (also after `exist`, left over from a swap in between). */
        err = __wasi_path_create_directory(3, "sub/newdir");
        tally(6, err);
        if (err == 0 || err == __WASI_ERRNO_EXIST) tally(7, __wasi_path_remove_directory(3, "sub/newdir"));
        err = __wasi_path_link(3, 0, "sub/secret.txt", 3, "sub/hl");
        tally(8, err);
        if (err == 0 || err == __WASI_ERRNO_EXIST) tally(9, __wasi_path_unlink_file(3, "sub/hl"));
        tally(10, __wasi_path_filestat_set_times(3, FOLLOW, "sub/secret.txt", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
        open_dir();
        char target[64];
        __wasi_size_t n;
        tally(12, __wasi_path_readlink(3, "sub/secret.txt", (uint8_t *)target, sizeof target, &n));
        err = __wasi_path_symlink("secret.txt", 3, "sub/sl");
        tally(13, err);
        if (err == 0 || err == __WASI_ERRNO_EXIST) (void)!__wasi_path_unlink_file(3, "sub/sl");
    }
    printf("iterations=%u\n", iterations);
    for (int op = 0; op < OPS; op++) {
        unsigned total = 0;
        for (int e = 0; e <= 76; e++) total += hist[op][e];
        printf("%s n=%u", names[op], total);
        for (int e = 0; e <= 76; e++)
            if (hist[op][e]) printf(" e%d=%u", e, hist[op][e]);
        printf("\n");
    }
    printf("bad=%u\n", bad);
    return 0;
}
