/* A read-only preopen at fd 3 holding `file.txt`, `sub/inner.txt`, `emptydir/` and
   `link -> file.txt`. argv[1] = "mutate": every mutating call, each printing `label=errno`;
   "read": everything that only reads, printing what it saw. */
#include "guest.h"
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <inttypes.h>
#include <stdint.h>

#define BOTH_NOW (__WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW)


static void mutate(void) {
    __wasi_fd_t fd;
    say("create new.txt",
        __wasi_path_open(3, 0, "new.txt", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ, 0, 0, &fd));
    say("create existing file.txt",
        __wasi_path_open(3, 0, "file.txt", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ, 0, 0, &fd));
    say("create excl new.txt", __wasi_path_open(3, 0, "new.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL,
                                                 __WASI_RIGHTS_FD_READ, 0, 0, &fd));
    say("open file.txt for write", __wasi_path_open(3, 0, "file.txt", 0, __WASI_RIGHTS_FD_WRITE, 0, 0, &fd));
    say("open file.txt read|write",
        __wasi_path_open(3, 0, "file.txt", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0, 0, &fd));
    say("open file.txt append", __wasi_path_open(3, 0, "file.txt", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE,
                                                  0, __WASI_FDFLAGS_APPEND, &fd));
    say("open file.txt trunc", __wasi_path_open(3, 0, "file.txt", __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_READ, 0, 0, &fd));
    say("open link for write", __wasi_path_open(3, FOLLOW, "link", 0, __WASI_RIGHTS_FD_WRITE, 0, 0, &fd));

    /* Asking for every right includes fd_write: refused. Every right but fd_write opens,
       with only the rights that cannot change the file. */
    __wasi_fd_t f;
    say("open file.txt with all rights", __wasi_path_open(3, 0, "file.txt", 0, ALL_RIGHTS, ALL_RIGHTS, 0, &f));
    CHECK_ERRNO(__wasi_path_open(3, 0, "file.txt", 0, ALL_RIGHTS & ~(__wasi_rights_t)__WASI_RIGHTS_FD_WRITE,
                                 ALL_RIGHTS, 0, &f), 0);
    __wasi_fdstat_t st;
    CHECK_ERRNO(__wasi_fd_fdstat_get(f, &st), 0);
    printf("file opened with all rights but fd_write: base=0x%" PRIx64 " inheriting=0x%" PRIx64 "\n",
           (uint64_t)st.fs_rights_base, (uint64_t)st.fs_rights_inheriting);
    uint8_t data[] = "xx";
    __wasi_ciovec_t ciov = {.buf = data, .buf_len = 2};
    __wasi_size_t n;
    say("fd_write", __wasi_fd_write(f, &ciov, 1, &n));
    say("fd_pwrite", __wasi_fd_pwrite(f, &ciov, 1, 0, &n));
    say("fd_filestat_set_size", __wasi_fd_filestat_set_size(f, 0));
    say("fd_filestat_set_times", __wasi_fd_filestat_set_times(f, 0, 0, BOTH_NOW));
    say("fd_filestat_set_times explicit", __wasi_fd_filestat_set_times(f, 1, 1, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    say("fd_allocate", __wasi_fd_allocate(f, 0, 4096));
    say("fd_fdstat_set_rights widen", __wasi_fd_fdstat_set_rights(f, st.fs_rights_base | __WASI_RIGHTS_FD_WRITE, 0));

    say("path_rename", __wasi_path_rename(3, "file.txt", 3, "renamed.txt"));
    say("path_rename onto existing", __wasi_path_rename(3, "sub/inner.txt", 3, "file.txt"));
    say("path_unlink_file", __wasi_path_unlink_file(3, "file.txt"));
    say("path_unlink_file link", __wasi_path_unlink_file(3, "link"));
    say("path_filestat_set_times now", __wasi_path_filestat_set_times(3, 0, "file.txt", 0, 0, BOTH_NOW));
    say("path_filestat_set_times explicit",
        __wasi_path_filestat_set_times(3, FOLLOW, "link", 5, 5, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    say("path_link", __wasi_path_link(3, 0, "file.txt", 3, "hard.txt"));
    say("path_symlink", __wasi_path_symlink("file.txt", 3, "newlink"));
    say("path_create_directory", __wasi_path_create_directory(3, "newdir"));
    say("path_remove_directory", __wasi_path_remove_directory(3, "emptydir"));
    say("fd_filestat_set_times on the preopen", __wasi_fd_filestat_set_times(3, 0, 0, BOTH_NOW));
    CHECK_ERRNO(__wasi_fd_fdstat_get(3, &st), 0);
    say("widen the preopen", __wasi_fd_fdstat_set_rights(3, st.fs_rights_base | __WASI_RIGHTS_PATH_CREATE_DIRECTORY,
                                                          st.fs_rights_inheriting));

    /* A directory opened beneath inherits the same limits. */
    __wasi_fd_t sub;
    CHECK_ERRNO(__wasi_path_open(3, 0, "sub", __WASI_OFLAGS_DIRECTORY, ALL_RIGHTS & ~(__wasi_rights_t)__WASI_RIGHTS_FD_WRITE, ALL_RIGHTS, 0, &sub), 0);
    say("sub: path_create_directory", __wasi_path_create_directory(sub, "d"));
    say("sub: create", __wasi_path_open(sub, 0, "new.txt", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ, 0, 0, &fd));
    say("sub: open for write", __wasi_path_open(sub, 0, "inner.txt", 0, __WASI_RIGHTS_FD_WRITE, 0, 0, &fd));
    say("sub: unlink", __wasi_path_unlink_file(sub, "inner.txt"));
    say("sub: rename into the preopen", __wasi_path_rename(sub, "inner.txt", 3, "moved.txt"));
    say("sub: widen", __wasi_fd_fdstat_set_rights(sub, ALL_RIGHTS, ALL_RIGHTS));

    /* libc's view of the same refusals. */
    errno = 0;
    FILE *w = fopen("/ro/file.txt", "w");
    printf("fopen w: %s errno=%d\n", w ? "opened" : "failed", errno);
    errno = 0;
    FILE *a = fopen("/ro/file.txt", "a");
    printf("fopen a: %s errno=%d\n", a ? "opened" : "failed", errno);
    errno = 0;
    FILE *c = fopen("/ro/created.txt", "w");
    printf("fopen w new: %s errno=%d\n", c ? "opened" : "failed", errno);
    errno = 0;
    printf("mkdir: %d errno=%d\n", mkdir("/ro/newdir", 0755), errno);
    errno = 0;
    printf("rename: %d errno=%d\n", rename("/ro/file.txt", "/ro/x.txt"), errno);
    errno = 0;
    printf("unlink: %d errno=%d\n", unlink("/ro/file.txt"), errno);
}

static void read_all(void) {
    __wasi_fd_t f;
    CHECK_ERRNO(__wasi_path_open(3, 0, "file.txt", 0,
                                 __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL |
                                     __WASI_RIGHTS_FD_FILESTAT_GET,
                                 0, 0, &f),
                0);
    char text[64] = {0};
    __wasi_iovec_t iov = {.buf = (uint8_t *)text, .buf_len = sizeof text - 1};
    __wasi_size_t n;
    CHECK_ERRNO(__wasi_fd_read(f, &iov, 1, &n), 0);
    printf("read %u: %s", (unsigned)n, text);
    __wasi_filesize_t pos;
    say("seek", __wasi_fd_seek(f, 5, __WASI_WHENCE_SET, &pos));
    memset(text, 0, sizeof text);
    __wasi_iovec_t iov4 = {.buf = (uint8_t *)text, .buf_len = 4};
    CHECK_ERRNO(__wasi_fd_read(f, &iov4, 1, &n), 0);
    printf("read at 5: %s\n", text);
    memset(text, 0, sizeof text);
    CHECK_ERRNO(__wasi_fd_pread(f, &iov4, 1, 0, &n), 0);
    printf("pread at 0: %s\n", text);
    __wasi_filestat_t fst;
    CHECK_ERRNO(__wasi_fd_filestat_get(f, &fst), 0);
    printf("size=%" PRIu64 "\n", (uint64_t)fst.size);
    CHECK_ERRNO(__wasi_path_filestat_get(3, 0, "link", &fst), 0);
    printf("lstat link type=%d\n", (int)fst.filetype);
    CHECK_ERRNO(__wasi_path_filestat_get(3, FOLLOW, "link", &fst), 0);
    printf("stat link type=%d\n", (int)fst.filetype);
    char target[32] = {0};
    CHECK_ERRNO(__wasi_path_readlink(3, "link", (uint8_t *)target, sizeof target - 1, &n), 0);
    printf("readlink link: %s\n", target);

    /* The same through libc: fopen, readdir. */
    FILE *in = fopen("/ro/sub/inner.txt", "r");
    CHECK(in);
    char line[64];
    CHECK(fgets(line, sizeof line, in));
    printf("fopen r sub/inner.txt: %s", line);
    fclose(in);
    DIR *d = opendir("/ro");
    CHECK(d);
    char names[16][32];
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        CHECK(count < 16);
        snprintf(names[count++], sizeof names[0], "%s", e->d_name);
    }
    closedir(d);
    qsort(names, count, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    printf("readdir:");
    for (int i = 0; i < count; i++) printf(" %s", names[i]);
    printf("\n");
}

int main(int argc, char **argv) {
    CHECK(argc == 2);
    if (!strcmp(argv[1], "mutate")) mutate();
    else if (!strcmp(argv[1], "read")) read_all();
    else {
        fprintf(stderr, "unknown mode %s\n", argv[1]);
        return 2;
    }
    return 0;
}
