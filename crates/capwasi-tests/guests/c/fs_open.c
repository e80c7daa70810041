/* path_open's flag matrix and descriptor numbering. The preopen at fd 3 holds `file.txt`
   ("file contents\n"), `keep.txt` ("keep\n"), `sub/inner.txt`, `link -> file.txt` and
   `dirlink -> sub`. argv[1] picks the scenario. */
#include "guest.h"
#include <inttypes.h>
#include <stdint.h>

/* Directories opened with fd_write in their base rights are opened for writing: `isdir`. */
#define DIR_RIGHTS (ALL_RIGHTS & ~(__wasi_rights_t)__WASI_RIGHTS_FD_WRITE)
#define READ __WASI_RIGHTS_FD_READ
#define WRITE __WASI_RIGHTS_FD_WRITE
#define CREAT __WASI_OFLAGS_CREAT
#define EXCL __WASI_OFLAGS_EXCL
#define TRUNC __WASI_OFLAGS_TRUNC
#define DIRECTORY __WASI_OFLAGS_DIRECTORY

/* Opens and prints `label=errno`, plus the file type on success; closes what it opened. */
static void try_open(const char *label, __wasi_lookupflags_t look, const char *path, __wasi_oflags_t oflags,
                     __wasi_rights_t base, __wasi_fdflags_t fdflags) {
    __wasi_fd_t fd = 0xffff;
    __wasi_errno_t err = __wasi_path_open(3, look, path, oflags, base, ALL_RIGHTS, fdflags, &fd);
    if (err != 0) {
        printf("%s=%d\n", label, (int)err);
        return;
    }
    __wasi_fdstat_t st;
    CHECK_ERRNO(__wasi_fd_fdstat_get(fd, &st), 0);
    printf("%s=0 type=%d\n", label, (int)st.fs_filetype);
    CHECK_ERRNO(__wasi_fd_close(fd), 0);
}

static void creat_modes(void) {
    try_open("creat new.txt", 0, "new.txt", CREAT, READ | WRITE, 0);
    try_open("creat existing keep.txt", 0, "keep.txt", CREAT, READ | WRITE, 0);
    try_open("creat|excl keep.txt", 0, "keep.txt", CREAT | EXCL, READ | WRITE, 0);
    try_open("creat|excl excl.txt", 0, "excl.txt", CREAT | EXCL, READ | WRITE, 0);
    try_open("creat|excl excl.txt again", 0, "excl.txt", CREAT | EXCL, READ | WRITE, 0);
    try_open("creat|excl link", 0, "link", CREAT | EXCL, READ | WRITE, 0);
    try_open("creat|excl sub", 0, "sub", CREAT | EXCL, READ | WRITE, 0);
    try_open("excl without creat on keep.txt", 0, "keep.txt", EXCL, READ, 0);
    try_open("creat in missing dir", 0, "nodir/new.txt", CREAT, READ | WRITE, 0);
    try_open("missing without creat", 0, "missing.txt", 0, READ, 0);
    try_open("empty path", 0, "", 0, READ, 0);
    try_open("creat sub (a directory)", 0, "sub", CREAT, READ | WRITE, 0);
    try_open("creat|directory", 0, "newdir", CREAT | DIRECTORY, READ, 0);
}

static void trunc_modes(void) {
    try_open("trunc file.txt", 0, "file.txt", TRUNC, READ | WRITE, 0);
    try_open("creat|trunc keep.txt", 0, "keep.txt", CREAT | TRUNC, READ | WRITE, 0);
    try_open("trunc sub", 0, "sub", TRUNC, READ | WRITE, 0);
}

/* O_CREAT and O_TRUNC need no write access in POSIX: open(path, O_CREAT|O_RDONLY) creates. */
static void creat_read_only_rights(void) {
    try_open("creat with read rights only", 0, "ro-created.txt", CREAT, READ, 0);
    try_open("creat|excl sub with read rights only", 0, "sub", CREAT | EXCL, READ, 0);
    try_open("creat sub with read rights only", 0, "sub", CREAT, READ, 0);
    try_open("trunc sub with read rights only", 0, "sub", TRUNC, READ, 0);
}

/* The append flag alone asks for no write access: a directory opens for reading. */
static void append_read_only_rights(void) {
    try_open("sub with append and read rights", 0, "sub", 0, READ, __WASI_FDFLAGS_APPEND);
}

static void directories(void) {
    try_open("directory on file.txt", 0, "file.txt", DIRECTORY, READ, 0);
    try_open("directory on sub", 0, "sub", DIRECTORY, READ, 0);
    try_open("sub without directory flag", 0, "sub", 0, READ, 0);
    try_open("sub for write", 0, "sub", 0, READ | WRITE, 0);
    try_open("sub write only", 0, "sub", 0, WRITE, 0);
    try_open(". for write", 0, ".", 0, WRITE, 0);
    try_open("directory|write on sub", 0, "sub", DIRECTORY, WRITE, 0);
    try_open(".", 0, ".", DIRECTORY, READ, 0);
    try_open("sub/.", 0, "sub/.", 0, READ, 0);
    try_open("sub/..", 0, "sub/..", 0, READ, 0);
}

static void symlinks(void) {
    try_open("link follow", FOLLOW, "link", 0, READ, 0);
    try_open("link nofollow", 0, "link", 0, READ, 0);
    try_open("dirlink directory follow", FOLLOW, "dirlink", DIRECTORY, READ, 0);
    try_open("dirlink follow", FOLLOW, "dirlink", 0, READ, 0);
    try_open("dirlink directory nofollow", 0, "dirlink", DIRECTORY, READ, 0);
    try_open("dirlink nofollow", 0, "dirlink", 0, READ, 0);
    try_open("dirlink/inner.txt nofollow", 0, "dirlink/inner.txt", 0, READ, 0);
    try_open("link creat nofollow", 0, "link", CREAT, READ | WRITE, 0);
    try_open("link creat follow", FOLLOW, "link", CREAT, READ | WRITE, 0);
    /* Through the followed directory link, the descriptor lists sub's entries. */
    __wasi_fd_t d;
    CHECK_ERRNO(__wasi_path_open(3, FOLLOW, "dirlink", DIRECTORY, DIR_RIGHTS, ALL_RIGHTS, 0, &d), 0);
    __wasi_fd_t f;
    CHECK_ERRNO(__wasi_path_open(d, 0, "inner.txt", 0, READ, 0, 0, &f), 0);
    char buf[32] = {0};
    __wasi_iovec_t iov = {.buf = (uint8_t *)buf, .buf_len = sizeof buf - 1};
    __wasi_size_t n;
    CHECK_ERRNO(__wasi_fd_read(f, &iov, 1, &n), 0);
    printf("dirlink/inner.txt via the dir fd: %s", buf);
}

/* Thousands of descriptors; closing some hands their numbers out again, lowest first. */
static void many(void) {
    enum { COUNT = 2000 };
    static __wasi_fd_t fds[COUNT];
    for (int i = 0; i < COUNT; i++) {
        __wasi_errno_t err = __wasi_path_open(3, 0, "file.txt", 0, READ | __WASI_RIGHTS_FD_SEEK, 0, 0, &fds[i]);
        if (err != 0) {
            printf("open #%d=%d\n", i, (int)err);
            exit(1);
        }
        CHECK(fds[i] == (__wasi_fd_t)(4 + i));
    }
    printf("opened %d: first=%u last=%u\n", COUNT, (unsigned)fds[0], (unsigned)fds[COUNT - 1]);
    __wasi_fd_t closing[] = {1500, 10, 1999, 500};
    for (int i = 0; i < 4; i++) CHECK_ERRNO(__wasi_fd_close(closing[i]), 0);
    printf("closed 1500 10 1999 500; reopened:");
    for (int i = 0; i < 5; i++) {
        __wasi_fd_t fd;
        CHECK_ERRNO(__wasi_path_open(3, 0, "file.txt", 0, READ | __WASI_RIGHTS_FD_SEEK, 0, 0, &fd), 0);
        printf(" %u", (unsigned)fd);
    }
    printf("\n");
    /* Every one still reads the file. */
    int ok = 1;
    for (__wasi_fd_t fd = 4; fd < 4 + COUNT + 1; fd++) {
        char c = 0;
        __wasi_iovec_t iov = {.buf = (uint8_t *)&c, .buf_len = 1};
        __wasi_size_t n;
        if (__wasi_fd_pread(fd, &iov, 1, 0, &n) != 0 || n != 1 || c != 'f') ok = 0;
    }
    printf("all read=%d\n", ok);
    for (__wasi_fd_t fd = 4; fd < 4 + COUNT + 1; fd++) CHECK_ERRNO(__wasi_fd_close(fd), 0);
    __wasi_fd_t fd;
    CHECK_ERRNO(__wasi_path_open(3, 0, "file.txt", 0, READ, 0, 0, &fd), 0);
    printf("after closing all, next=%u\n", (unsigned)fd);
}

int main(int argc, char **argv) {
    CHECK(argc == 2);
    const char *m = argv[1];
    if (!strcmp(m, "creat")) creat_modes();
    else if (!strcmp(m, "trunc")) trunc_modes();
    else if (!strcmp(m, "creat_read_only_rights")) creat_read_only_rights();
    else if (!strcmp(m, "append_read_only_rights")) append_read_only_rights();
    else if (!strcmp(m, "directories")) directories();
    else if (!strcmp(m, "symlinks")) symlinks();
    else if (!strcmp(m, "many")) many();
    else {
        fprintf(stderr, "unknown mode %s\n", m);
        return 2;
    }
    return 0;
}
