/* Symlinks (readlink into small buffers, dangling links, loops) and the calls that move or
   remove names: rename, link, unlink, rmdir. The preopen at fd 3 holds `a.txt` ("A"),
   `b.txt` ("B"), `d1/f`, `d2/g`, `d3/` (empty), `sub/` and `sublink -> sub`.
   argv[1] picks the scenario. */
#include "guest.h"
#include <inttypes.h>
#include <stdint.h>



static void try_stat(const char *label, const char *path, int follow) {
    __wasi_filestat_t st;
    __wasi_errno_t err = __wasi_path_filestat_get(3, follow ? FOLLOW : 0, path, &st);
    if (err == 0)
        printf("%s=0 type=%d size=%" PRIu64 " nlink=%" PRIu64 "\n", label, (int)st.filetype, (uint64_t)st.size,
               (uint64_t)st.nlink);
    else
        say(label, err);
}

static void try_open(const char *label, const char *path, int follow, __wasi_oflags_t oflags) {
    __wasi_fd_t fd;
    __wasi_errno_t err = __wasi_path_open(3, follow ? FOLLOW : 0, path, oflags,
                                          __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0, 0, &fd);
    say(label, err);
    if (err == 0) CHECK_ERRNO(__wasi_fd_close(fd), 0);
}

/* readlink copies at most buf_len bytes and reports how many it copied; nothing past them. */
static void readlink_sizes(void) {
    const char *target = "some/target/of-24-bytes!";
    CHECK(strlen(target) == 24);
    CHECK_ERRNO(__wasi_path_symlink(target, 3, "l"), 0);
    __wasi_size_t sizes[] = {0, 1, 5, 23, 24, 25, 100};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint8_t buf[128];
        memset(buf, 0xAA, sizeof buf);
        __wasi_size_t used = 0xdeadbeef;
        __wasi_errno_t err = __wasi_path_readlink(3, "l", buf, sizes[i], &used);
        int untouched = 1;
        for (size_t j = (err == 0 ? used : 0); j < sizeof buf; j++)
            if (buf[j] != 0xAA) untouched = 0;
        printf("readlink buf_len=%u: errno=%d bufused=%u bytes=\"%.*s\" rest_untouched=%d\n", (unsigned)sizes[i],
               (int)err, (unsigned)used, err == 0 ? (int)used : 0, (const char *)buf, untouched);
    }
    uint8_t buf[16];
    __wasi_size_t used;
    say("readlink a regular file", __wasi_path_readlink(3, "a.txt", buf, sizeof buf, &used));
    say("readlink a directory", __wasi_path_readlink(3, "sub", buf, sizeof buf, &used));
    say("readlink missing", __wasi_path_readlink(3, "missing", buf, sizeof buf, &used));
    say("readlink sublink/ (through the link)", __wasi_path_readlink(3, "sublink/", buf, sizeof buf, &used));
}

static void dangling(void) {
    say("symlink nowhere -> dangle", __wasi_path_symlink("nowhere", 3, "dangle"));
    try_stat("lstat dangle", "dangle", 0);
    try_stat("stat dangle", "dangle", 1);
    try_open("open dangle follow", "dangle", 1, 0);
    try_open("open dangle nofollow", "dangle", 0, 0);
    try_open("creat|excl dangle follow", "dangle", 1, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL);
    uint8_t buf[16] = {0};
    __wasi_size_t used;
    say("readlink dangle", __wasi_path_readlink(3, "dangle", buf, sizeof buf, &used));
    printf("target=%.*s\n", (int)used, (const char *)buf);
    say("symlink onto existing a.txt", __wasi_path_symlink("x", 3, "a.txt"));
    say("symlink onto existing dangle", __wasi_path_symlink("x", 3, "dangle"));
    say("symlink with empty target", __wasi_path_symlink("", 3, "empty"));
    say("unlink dangle", __wasi_path_unlink_file(3, "dangle"));
    try_stat("lstat dangle after unlink", "dangle", 0);
}

static void loops(void) {
    say("symlink loop2 -> loop1", __wasi_path_symlink("loop2", 3, "loop1"));
    say("symlink loop1 -> loop2", __wasi_path_symlink("loop1", 3, "loop2"));
    try_stat("stat loop1", "loop1", 1);
    try_stat("lstat loop1", "loop1", 0);
    try_open("open loop1 follow", "loop1", 1, 0);
    try_open("open loop1 nofollow", "loop1", 0, 0);
    try_open("open loop1/x", "loop1/x", 0, 0);
    say("mkdir loop1/d", __wasi_path_create_directory(3, "loop1/d"));
    say("set_times loop1 follow", __wasi_path_filestat_set_times(3, FOLLOW, "loop1", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    say("unlink loop1", __wasi_path_unlink_file(3, "loop1"));
}

static void renames(void) {
    say("rename a.txt -> b.txt (replaces)", __wasi_path_rename(3, "a.txt", 3, "b.txt"));
    say("rename d1 -> d2 (not empty)", __wasi_path_rename(3, "d1", 3, "d2"));
    say("rename d1 -> d3 (empty)", __wasi_path_rename(3, "d1", 3, "d3"));
    say("rename b.txt -> d2 (a directory)", __wasi_path_rename(3, "b.txt", 3, "d2"));
    say("rename d2 -> b.txt (a file)", __wasi_path_rename(3, "d2", 3, "b.txt"));
    say("rename d2 -> d2/inside", __wasi_path_rename(3, "d2", 3, "d2/inside"));
    say("rename missing -> x", __wasi_path_rename(3, "missing", 3, "x"));
    say("rename b.txt -> b.txt", __wasi_path_rename(3, "b.txt", 3, "b.txt"));
    say("rename sublink -> sublink2 (moves the link)", __wasi_path_rename(3, "sublink", 3, "sublink2"));
}

/* A trailing slash on a file's name is `notdir` wherever it appears (each case on a file
   of its own, so one wrongly accepted call cannot change what the next one sees). */
static void trailing_slashes(void) {
    say("rename a.txt/ -> c.txt", __wasi_path_rename(3, "a.txt/", 3, "c.txt"));
    say("unlink a.txt/", __wasi_path_unlink_file(3, "a.txt/"));
    say("link a.txt/ -> c.txt", __wasi_path_link(3, 0, "a.txt/", 3, "c.txt"));
    say("rmdir a.txt/", __wasi_path_remove_directory(3, "a.txt/"));
    say("link b.txt -> e.txt/", __wasi_path_link(3, 0, "b.txt", 3, "e.txt/"));
    say("rename d3/ -> d4/", __wasi_path_rename(3, "d3/", 3, "d4/"));
    say("rename d4 -> d5/", __wasi_path_rename(3, "d4", 3, "d5/"));
    say("mkdir d6/", __wasi_path_create_directory(3, "d6/"));
}

/* The destination of a rename with a trailing slash names a directory; a file cannot get
   such a name (Linux rename(2): ENOTDIR). */
static void trailing_slash_destination(void) {
    say("rename a.txt -> c.txt/", __wasi_path_rename(3, "a.txt", 3, "c.txt/"));
    say("rename b.txt -> a.txt/ (exists)", __wasi_path_rename(3, "b.txt", 3, "a.txt/"));
}

/* rmdir("dir/") removes the directory (POSIX: a trailing slash after a directory's name
   resolves; it is not "dir/."). */
static void rmdir_trailing_slash(void) {
    say("rmdir d3/", __wasi_path_remove_directory(3, "d3/"));
}

static void removals(void) {
    say("rmdir d1 (not empty)", __wasi_path_remove_directory(3, "d1"));
    say("rmdir a.txt (a file)", __wasi_path_remove_directory(3, "a.txt"));
    say("rmdir missing", __wasi_path_remove_directory(3, "missing"));
    say("rmdir .", __wasi_path_remove_directory(3, "."));
    say("rmdir sublink (link to a dir)", __wasi_path_remove_directory(3, "sublink"));
    say("unlink sub (a directory)", __wasi_path_unlink_file(3, "sub"));
    say("unlink missing", __wasi_path_unlink_file(3, "missing"));
    say("unlink sublink (removes the link only)", __wasi_path_unlink_file(3, "sublink"));
    say("rmdir d3 (empty)", __wasi_path_remove_directory(3, "d3"));
    say("unlink a.txt", __wasi_path_unlink_file(3, "a.txt"));
}

static void hard_links(void) {
    say("link a.txt -> a2.txt", __wasi_path_link(3, 0, "a.txt", 3, "a2.txt"));
    try_stat("stat a.txt", "a.txt", 0);
    try_stat("stat a2.txt", "a2.txt", 0);
    __wasi_filestat_t one, two;
    CHECK_ERRNO(__wasi_path_filestat_get(3, 0, "a.txt", &one), 0);
    CHECK_ERRNO(__wasi_path_filestat_get(3, 0, "a2.txt", &two), 0);
    printf("same inode=%d\n", one.ino == two.ino && one.dev == two.dev);
    say("link a.txt -> b.txt (exists)", __wasi_path_link(3, 0, "a.txt", 3, "b.txt"));
    say("link sub -> sub2 (a directory)", __wasi_path_link(3, 0, "sub", 3, "sub2"));
    say("link missing -> x", __wasi_path_link(3, 0, "missing", 3, "x"));
    say("link sublink -> sublink2 (links the link)", __wasi_path_link(3, 0, "sublink", 3, "sublink2"));
    try_stat("lstat sublink2", "sublink2", 0);
    say("link with symlink_follow", __wasi_path_link(3, FOLLOW, "a.txt", 3, "a3.txt"));
    say("unlink a.txt", __wasi_path_unlink_file(3, "a.txt"));
    try_stat("stat a2.txt after unlink", "a2.txt", 0);
}

int main(int argc, char **argv) {
    CHECK(argc == 2);
    const char *m = argv[1];
    if (!strcmp(m, "readlink_sizes")) readlink_sizes();
    else if (!strcmp(m, "dangling")) dangling();
    else if (!strcmp(m, "loops")) loops();
    else if (!strcmp(m, "renames")) renames();
    else if (!strcmp(m, "trailing_slashes")) trailing_slashes();
    else if (!strcmp(m, "trailing_slash_destination")) trailing_slash_destination();
    else if (!strcmp(m, "rmdir_trailing_slash")) rmdir_trailing_slash();
    else if (!strcmp(m, "removals")) removals();
    else if (!strcmp(m, "hard_links")) hard_links();
    else {
        fprintf(stderr, "unknown mode %s\n", m);
        return 2;
    }
    return 0;
}
