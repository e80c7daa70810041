/* Opens a directory and a file without saying which kind it wants (no `directory` oflag, all
   rights but writing) and makes each kind of call first, before anything else asked what was opened:
   the first call must answer as it would on a descriptor whose kind was known from the
   start, and what follows must agree. Prints one line per step. */
#include "guest.h"

/* Every right but writing (asking for it opens for writing, which a directory refuses). */
static __wasi_fd_t open_any(const char *path) {
    __wasi_fd_t fd;
    CHECK_ERRNO(__wasi_path_open(3, FOLLOW, path, 0, ALL_RIGHTS & ~__WASI_RIGHTS_FD_WRITE, ALL_RIGHTS, 0, &fd), 0);
    return fd;
}

/* The kind and rights the descriptor reports once the first call is done. */
static void report(const char *label, __wasi_fd_t fd) {
    __wasi_fdstat_t st;
    CHECK_ERRNO(__wasi_fd_fdstat_get(fd, &st), 0);
    __wasi_filestat_t fs;
    CHECK_ERRNO(__wasi_fd_filestat_get(fd, &fs), 0);
    CHECK(fs.filetype == st.fs_filetype);
    printf("%s then type=%d readdir=%d read=%d path_open=%d size=%llu\n", label, st.fs_filetype,
           (st.fs_rights_base & __WASI_RIGHTS_FD_READDIR) != 0, (st.fs_rights_base & __WASI_RIGHTS_FD_READ) != 0,
           (st.fs_rights_base & __WASI_RIGHTS_PATH_OPEN) != 0,
           st.fs_filetype == __WASI_FILETYPE_DIRECTORY ? 0ULL : (unsigned long long)fs.size);
    CHECK_ERRNO(__wasi_fd_close(fd), 0);
}

static void first_call(const char *path) {
    char buf[64];
    char label[64];
    __wasi_size_t n;
    __wasi_fd_t fd;

    snprintf(label, sizeof label, "%s fd_read", path);
    fd = open_any(path);
    __wasi_iovec_t iov = {.buf = (uint8_t *)buf, .buf_len = sizeof buf};
    __wasi_errno_t err = __wasi_fd_read(fd, &iov, 1, &n);
    printf("%s=%d n=%d\n", label, err, err == 0 ? (int)n : -1);
    report(label, fd);

    snprintf(label, sizeof label, "%s fd_readdir", path);
    fd = open_any(path);
    err = __wasi_fd_readdir(fd, (uint8_t *)buf, sizeof buf, 0, &n);
    printf("%s=%d used=%d\n", label, err, err == 0 ? (int)(n > 0) : -1);
    report(label, fd);

    snprintf(label, sizeof label, "%s fd_filestat_get", path);
    fd = open_any(path);
    __wasi_filestat_t fs;
    err = __wasi_fd_filestat_get(fd, &fs);
    printf("%s=%d type=%d\n", label, err, fs.filetype);
    report(label, fd);

    snprintf(label, sizeof label, "%s fd_fdstat_get", path);
    fd = open_any(path);
    __wasi_fdstat_t st;
    err = __wasi_fd_fdstat_get(fd, &st);
    printf("%s=%d type=%d\n", label, err, st.fs_filetype);
    report(label, fd);

    snprintf(label, sizeof label, "%s path_open", path);
    fd = open_any(path);
    __wasi_fd_t inner;
    err = __wasi_path_open(fd, 0, "inner.txt", 0, ALL_RIGHTS, 0, 0, &inner);
    say(label, err);
    if (err == 0) CHECK_ERRNO(__wasi_fd_close(inner), 0);
    report(label, fd);

    snprintf(label, sizeof label, "%s fd_seek", path);
    fd = open_any(path);
    __wasi_filesize_t pos;
    err = __wasi_fd_seek(fd, 2, __WASI_WHENCE_SET, &pos);
    say(label, err);
    report(label, fd);

    snprintf(label, sizeof label, "%s fd_renumber", path);
    fd = open_any(path);
    __wasi_fd_t spare = open_any("file.txt");
    err = __wasi_fd_renumber(fd, spare);
    say(label, err);
    report(label, spare);

    /* Closed before anything asked: nothing to report but that it closed. */
    snprintf(label, sizeof label, "%s fd_close", path);
    fd = open_any(path);
    say(label, __wasi_fd_close(fd));
    CHECK_ERRNO(__wasi_fd_close(fd), __WASI_ERRNO_BADF);
}

int main(void) {
    first_call("sub");
    first_call("file.txt");
    return 0;
}
