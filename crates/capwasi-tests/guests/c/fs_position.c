/* Positions and status flags of file descriptors, plus fd_allocate and fd_advise. The
   preopen at fd 3 holds `data.txt` ("0123456789abcdef"). argv[1] picks the scenario. */
#include "guest.h"
#include <inttypes.h>
#include <stdint.h>

#define RW (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL | \
            __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS | __WASI_RIGHTS_FD_FILESTAT_GET | __WASI_RIGHTS_FD_ALLOCATE |  \
            __WASI_RIGHTS_FD_ADVISE)


static __wasi_fd_t open_rw(const char *path, __wasi_oflags_t oflags, __wasi_fdflags_t fdflags) {
    __wasi_fd_t fd;
    CHECK_ERRNO(__wasi_path_open(3, 0, path, oflags, RW, 0, fdflags, &fd), 0);
    return fd;
}

static __wasi_filesize_t tell(__wasi_fd_t fd) {
    __wasi_filesize_t pos;
    CHECK_ERRNO(__wasi_fd_tell(fd, &pos), 0);
    return pos;
}

/* Reads `len` bytes at the position into a NUL-terminated static buffer. */
static const char *read_n(__wasi_fd_t fd, size_t len) {
    static char buf[256];
    CHECK(len < sizeof buf);
    memset(buf, 0, sizeof buf);
    __wasi_iovec_t iov = {.buf = (uint8_t *)buf, .buf_len = len};
    __wasi_size_t n;
    CHECK_ERRNO(__wasi_fd_read(fd, &iov, 1, &n), 0);
    buf[n] = 0;
    return buf;
}

static void write_str(__wasi_fd_t fd, const char *s) {
    __wasi_ciovec_t ciov = {.buf = (const uint8_t *)s, .buf_len = strlen(s)};
    __wasi_size_t n;
    CHECK_ERRNO(__wasi_fd_write(fd, &ciov, 1, &n), 0);
    CHECK(n == strlen(s));
}

/* Two descriptors of one file each keep their own position. */
static void independent(void) {
    __wasi_fd_t a = open_rw("data.txt", 0, 0), b = open_rw("data.txt", 0, 0);
    printf("a read 3: %s\n", read_n(a, 3));
    printf("b read 5: %s\n", read_n(b, 5));
    printf("a tell=%" PRIu64 " b tell=%" PRIu64 "\n", tell(a), tell(b));
    printf("a read 2: %s\n", read_n(a, 2));
    __wasi_filesize_t pos;
    CHECK_ERRNO(__wasi_fd_seek(b, -2, __WASI_WHENCE_END, &pos), 0);
    printf("b seek end-2=%" PRIu64 " read: %s\n", pos, read_n(b, 10));
    write_str(a, "AB");
    printf("a tell=%" PRIu64 " b tell=%" PRIu64 "\n", tell(a), tell(b));
    CHECK_ERRNO(__wasi_fd_seek(b, 0, __WASI_WHENCE_SET, &pos), 0);
    printf("b reads a's write: %s\n", read_n(b, 16));
}

/* One fd_write drains all three buffers; one fd_read fills all three. */
static void iovecs(void) {
    __wasi_fd_t fd = open_rw("out.txt", __WASI_OFLAGS_CREAT, 0);
    static uint8_t big[3][5000];
    for (int i = 0; i < 3; i++) memset(big[i], 'a' + i, sizeof big[i]);
    __wasi_ciovec_t ciovs[3] = {{big[0], 5000}, {(const uint8_t *)"", 0}, {big[2], 3000}};
    __wasi_size_t n;
    say("fd_write 3 iovecs", __wasi_fd_write(fd, ciovs, 3, &n));
    printf("nwritten=%u\n", (unsigned)n);
    __wasi_ciovec_t small[3] = {{(const uint8_t *)"abc", 3}, {(const uint8_t *)"", 0}, {(const uint8_t *)"defgh", 5}};
    say("fd_write abc,,defgh", __wasi_fd_write(fd, small, 3, &n));
    printf("nwritten=%u tell=%" PRIu64 "\n", (unsigned)n, tell(fd));

    __wasi_filesize_t pos;
    CHECK_ERRNO(__wasi_fd_seek(fd, 7998, __WASI_WHENCE_SET, &pos), 0);
    char x[2] = {0}, y[3] = {0}, z[16] = {0};
    __wasi_iovec_t iovs[3] = {{(uint8_t *)x, 2}, {(uint8_t *)y, 3}, {(uint8_t *)z, 15}};
    say("fd_read 2,3,15 at 7998", __wasi_fd_read(fd, iovs, 3, &n));
    printf("nread=%u x=%.2s y=%.3s z=%s\n", (unsigned)n, x, y, z);
    /* Filling everything: 8008 bytes into three buffers of 5000, 1, 3007. */
    static uint8_t back[3][5000];
    __wasi_iovec_t full[3] = {{back[0], 5000}, {back[1], 1}, {back[2], 3007}};
    say("fd_pread 5000,1,3007 at 0", __wasi_fd_pread(fd, full, 3, 0, &n));
    int ok = n == 8008 && memcmp(back[0], big[0], 5000) == 0 && back[1][0] == 'c' &&
             memcmp(back[2], big[2], 2999) == 0 && memcmp(back[2] + 2999, "abcdefgh", 8) == 0;
    printf("npread=%u contents_ok=%d\n", (unsigned)n, ok);
}

/* fd_pread and fd_pwrite leave the position where it was. */
static void pread_pwrite(void) {
    __wasi_fd_t fd = open_rw("data.txt", 0, 0);
    __wasi_filesize_t pos;
    CHECK_ERRNO(__wasi_fd_seek(fd, 4, __WASI_WHENCE_SET, &pos), 0);
    char buf[8] = {0};
    __wasi_iovec_t iov = {.buf = (uint8_t *)buf, .buf_len = 3};
    __wasi_size_t n;
    say("pread 3 at 10", __wasi_fd_pread(fd, &iov, 1, 10, &n));
    printf("got %s tell=%" PRIu64 "\n", buf, tell(fd));
    __wasi_ciovec_t ciov = {.buf = (const uint8_t *)"XY", .buf_len = 2};
    say("pwrite XY at 0", __wasi_fd_pwrite(fd, &ciov, 1, 0, &n));
    printf("tell=%" PRIu64 "\n", tell(fd));
    __wasi_ciovec_t past = {.buf = (const uint8_t *)"Z", .buf_len = 1};
    say("pwrite Z at 20", __wasi_fd_pwrite(fd, &past, 1, 20, &n));
    printf("tell=%" PRIu64 " read 2: %s\n", tell(fd), read_n(fd, 2));
    memset(buf, 0, sizeof buf);
    say("pread at 100", __wasi_fd_pread(fd, &iov, 1, 100, &n));
    printf("nread=%u\n", (unsigned)n);
}

/* Writes through an append descriptor land at the end, wherever the position was. */
static void append(void) {
    __wasi_fd_t fd = open_rw("data.txt", 0, __WASI_FDFLAGS_APPEND);
    __wasi_fdstat_t st;
    CHECK_ERRNO(__wasi_fd_fdstat_get(fd, &st), 0);
    printf("flags=%d\n", (int)st.fs_flags);
    __wasi_filesize_t pos;
    CHECK_ERRNO(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos), 0);
    write_str(fd, "++");
    printf("tell after write=%" PRIu64 "\n", tell(fd));
    CHECK_ERRNO(__wasi_fd_seek(fd, 3, __WASI_WHENCE_SET, &pos), 0);
    printf("read at 3: %s\n", read_n(fd, 2));
    write_str(fd, "--");
    printf("tell after second write=%" PRIu64 "\n", tell(fd));
}

/* What fd_pwrite does on an append descriptor (Linux pwrite appends; POSIX says it should
   write at the offset). */
static void pwrite_append(void) {
    __wasi_fd_t fd = open_rw("data.txt", 0, __WASI_FDFLAGS_APPEND);
    __wasi_ciovec_t ciov = {.buf = (const uint8_t *)"P", .buf_len = 1};
    __wasi_size_t n;
    say("pwrite P at 0 on append fd", __wasi_fd_pwrite(fd, &ciov, 1, 0, &n));
    printf("tell=%" PRIu64 "\n", tell(fd));
}

/* fd_fdstat_set_flags: append and nonblock come back from fd_fdstat_get. */
static void set_flags(void) {
    __wasi_fd_t fd = open_rw("data.txt", 0, 0);
    __wasi_fdstat_t st;
#define SHOW(label)                                          \
    CHECK_ERRNO(__wasi_fd_fdstat_get(fd, &st), 0);           \
    printf("%s flags=%d\n", label, (int)st.fs_flags)
    SHOW("opened");
    say("set append", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND));
    SHOW("after append");
    write_str(fd, "!");
    say("set append|nonblock", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND | __WASI_FDFLAGS_NONBLOCK));
    SHOW("after append|nonblock");
    say("set nonblock", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_NONBLOCK));
    SHOW("after nonblock");
    __wasi_filesize_t pos;
    CHECK_ERRNO(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos), 0);
    write_str(fd, "<");
    say("clear", __wasi_fd_fdstat_set_flags(fd, 0));
    SHOW("cleared");
    say("set unknown bit 32", __wasi_fd_fdstat_set_flags(fd, 32));
    SHOW("after unknown");
    __wasi_fd_t nb = open_rw("data.txt", 0, __WASI_FDFLAGS_NONBLOCK);
    CHECK_ERRNO(__wasi_fd_fdstat_get(nb, &st), 0);
    printf("opened nonblock flags=%d\n", (int)st.fs_flags);
}

/* Sync flags asked at open and their fate in fd_fdstat_set_flags. */
static void sync_flags(void) {
    __wasi_fd_t fd = open_rw("data.txt", 0, __WASI_FDFLAGS_DSYNC | __WASI_FDFLAGS_SYNC);
    __wasi_fdstat_t st;
    CHECK_ERRNO(__wasi_fd_fdstat_get(fd, &st), 0);
    printf("opened dsync|sync flags=%d\n", (int)st.fs_flags);
    __wasi_fd_t plain = open_rw("data.txt", 0, 0);
    say("set dsync later", __wasi_fd_fdstat_set_flags(plain, __WASI_FDFLAGS_DSYNC));
    CHECK_ERRNO(__wasi_fd_fdstat_get(plain, &st), 0);
    printf("flags=%d\n", (int)st.fs_flags);
}

/* Seeking: negative results are `inval`; directories cannot seek. */
static void seeking(void) {
    __wasi_fd_t fd = open_rw("data.txt", 0, 0);
    __wasi_filesize_t pos = 12345;
    say("seek set -1", __wasi_fd_seek(fd, -1, __WASI_WHENCE_SET, &pos));
    CHECK_ERRNO(__wasi_fd_seek(fd, 3, __WASI_WHENCE_SET, &pos), 0);
    say("seek cur -4 from 3", __wasi_fd_seek(fd, -4, __WASI_WHENCE_CUR, &pos));
    printf("tell=%" PRIu64 "\n", tell(fd));
    say("seek end -17", __wasi_fd_seek(fd, -17, __WASI_WHENCE_END, &pos));
    say("seek end -1", __wasi_fd_seek(fd, -1, __WASI_WHENCE_END, &pos));
    printf("pos=%" PRIu64 " read: %s\n", pos, read_n(fd, 4));
    say("seek cur -2", __wasi_fd_seek(fd, -2, __WASI_WHENCE_CUR, &pos));
    printf("pos=%" PRIu64 "\n", pos);
    say("seek set 100 past the end", __wasi_fd_seek(fd, 100, __WASI_WHENCE_SET, &pos));
    printf("pos=%" PRIu64 " tell=%" PRIu64 "\n", pos, tell(fd));
    say("seek whence 3", __wasi_fd_seek(fd, 0, 3, &pos));
    say("seek on the preopen", __wasi_fd_seek(3, 0, __WASI_WHENCE_SET, &pos));
    say("seek cur 0 on the preopen", __wasi_fd_seek(3, 0, __WASI_WHENCE_CUR, &pos));
    say("tell on the preopen", __wasi_fd_tell(3, &pos));
    __wasi_fd_t sub;
    CHECK_ERRNO(__wasi_path_open(3, 0, ".", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL, 0, 0, &sub), 0);
    say("seek on an opened dir", __wasi_fd_seek(sub, 0, __WASI_WHENCE_END, &pos));
    say("seek on a closed fd", __wasi_fd_seek(77, 0, __WASI_WHENCE_SET, &pos));
}

/* fd_allocate makes the file at least offset+len long, and never shrinks it. */
static void allocate(void) {
    __wasi_fd_t fd = open_rw("alloc.bin", __WASI_OFLAGS_CREAT, 0);
    __wasi_filestat_t st;
    say("allocate 0+4096", __wasi_fd_allocate(fd, 0, 4096));
    CHECK_ERRNO(__wasi_fd_filestat_get(fd, &st), 0);
    printf("size=%" PRIu64 "\n", (uint64_t)st.size);
    say("allocate 8000+100", __wasi_fd_allocate(fd, 8000, 100));
    CHECK_ERRNO(__wasi_fd_filestat_get(fd, &st), 0);
    printf("size=%" PRIu64 "\n", (uint64_t)st.size);
    say("allocate 10+10 inside", __wasi_fd_allocate(fd, 10, 10));
    CHECK_ERRNO(__wasi_fd_filestat_get(fd, &st), 0);
    printf("size=%" PRIu64 " tell=%" PRIu64 "\n", (uint64_t)st.size, tell(fd));
    say("allocate on the preopen", __wasi_fd_allocate(3, 0, 10));
}

static void allocate_zero(void) {
    __wasi_fd_t fd = open_rw("alloc.bin", __WASI_OFLAGS_CREAT, 0);
    say("allocate 0+0", __wasi_fd_allocate(fd, 0, 0));
}

/* fd_advise: every defined advice is accepted, anything else is `inval`. */
static void advise(void) {
    __wasi_fd_t fd = open_rw("data.txt", 0, 0);
    for (int advice = 0; advice <= 5; advice++) {
        char label[32];
        snprintf(label, sizeof label, "advice %d", advice);
        say(label, __wasi_fd_advise(fd, 0, 16, (__wasi_advice_t)advice));
    }
    say("advice 0 whole file", __wasi_fd_advise(fd, 0, 0, __WASI_ADVICE_NORMAL));
    say("advice 6", __wasi_fd_advise(fd, 0, 16, 6));
    say("advice 255", __wasi_fd_advise(fd, 0, 16, 255));
    say("advice on the preopen", __wasi_fd_advise(3, 0, 16, __WASI_ADVICE_NORMAL));
}

/* fd_sync and fd_datasync on files and on an opened directory; fd_close of both. */
static void syncing(void) {
    __wasi_fd_t fd;
    CHECK_ERRNO(__wasi_path_open(3, 0, "data.txt", 0, RW | __WASI_RIGHTS_FD_SYNC | __WASI_RIGHTS_FD_DATASYNC, 0, 0, &fd), 0);
    write_str(fd, "synced");
    say("fd_sync file", __wasi_fd_sync(fd));
    say("fd_datasync file", __wasi_fd_datasync(fd));
    __wasi_fd_t dir;
    CHECK_ERRNO(__wasi_path_open(3, 0, ".", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_SYNC | __WASI_RIGHTS_FD_READDIR, 0, 0, &dir), 0);
    say("fd_sync opened dir", __wasi_fd_sync(dir));
    say("fd_datasync opened dir", __wasi_fd_datasync(dir));
    say("fd_close file", __wasi_fd_close(fd));
    say("fd_close dir", __wasi_fd_close(dir));
    say("fd_sync closed", __wasi_fd_sync(fd));
}

int main(int argc, char **argv) {
    CHECK(argc == 2);
    const char *m = argv[1];
    if (!strcmp(m, "independent")) independent();
    else if (!strcmp(m, "iovecs")) iovecs();
    else if (!strcmp(m, "pread_pwrite")) pread_pwrite();
    else if (!strcmp(m, "append")) append();
    else if (!strcmp(m, "pwrite_append")) pwrite_append();
    else if (!strcmp(m, "set_flags")) set_flags();
    else if (!strcmp(m, "sync_flags")) sync_flags();
    else if (!strcmp(m, "seeking")) seeking();
    else if (!strcmp(m, "allocate")) allocate();
    else if (!strcmp(m, "allocate_zero")) allocate_zero();
    else if (!strcmp(m, "advise")) advise();
    else if (!strcmp(m, "sync")) syncing();
    else {
        fprintf(stderr, "unknown mode %s\n", m);
        return 2;
    }
    return 0;
}
