/* fd_renumber: over an open fd, onto a free number (refused by default, moved under the dup2
   opt-in) and back, onto and from a preopen, and
   with bad descriptors. The preopen at fd 3 holds `a.txt` ("A") and `b.txt` ("B").
   argv[1] picks the scenario. */
#include "guest.h"
#include <inttypes.h>
#include <stdint.h>



static __wasi_fd_t open_file(__wasi_fd_t dir, const char *path) {
    __wasi_fd_t fd;
    CHECK_ERRNO(__wasi_path_open(dir, 0, path, 0, ALL_RIGHTS, 0, 0, &fd), 0);
    return fd;
}

static const char *read_all(__wasi_fd_t fd) {
    static char buf[64];
    memset(buf, 0, sizeof buf);
    __wasi_iovec_t iov = {.buf = (uint8_t *)buf, .buf_len = sizeof buf - 1};
    __wasi_size_t n;
    __wasi_errno_t err = __wasi_fd_pread(fd, &iov, 1, 0, &n);
    if (err != 0) snprintf(buf, sizeof buf, "<errno %d>", (int)err);
    return buf;
}

static void onto_open(void) {
    __wasi_fd_t a = open_file(3, "a.txt"), b = open_file(3, "b.txt");
    printf("a=%u b=%u\n", (unsigned)a, (unsigned)b);
    say("renumber a -> b", __wasi_fd_renumber(a, b));
    __wasi_fdstat_t st;
    say("fdstat a", __wasi_fd_fdstat_get(a, &st));
    printf("b reads %s\n", read_all(b));
    __wasi_fd_t c = open_file(3, "b.txt");
    printf("next open gets %u and reads %s\n", (unsigned)c, read_all(c));
    say("renumber b -> b", __wasi_fd_renumber(b, b));
    printf("b still reads %s\n", read_all(b));
}

static __wasi_errno_t try_write(__wasi_fd_t fd, const char *s) {
    __wasi_ciovec_t ciov = {.buf = (const uint8_t *)s, .buf_len = strlen(s)};
    __wasi_size_t n;
    return __wasi_fd_write(fd, &ciov, 1, &n);
}

/* Parks stdout on the free number 40 and moves it back: the spec refuses the move (40 is not
   open) and stdout stays where it was; under the dup2 opt-in it moves, and later output must
   still arrive once it is back. */
static void park_stdout(void) {
    fflush(stdout);
    __wasi_errno_t to40 = __wasi_fd_renumber(1, 40);
    __wasi_errno_t write40 = try_write(40, "written to fd 40\n");
    __wasi_errno_t write1 = try_write(1, "written to fd 1 while parked\n");
    __wasi_fd_t f = open_file(3, "a.txt");
    __wasi_errno_t back = __wasi_fd_renumber(40, 1);
    __wasi_fdstat_t st;
    __wasi_errno_t stat40 = __wasi_fd_fdstat_get(40, &st);
    printf("renumber 1 -> 40=%d\nfd_write(40)=%d\nfd_write(1) while parked=%d\nopen while parked got %u\n"
           "renumber 40 -> 1=%d\nfdstat 40 after=%d\n",
           (int)to40, (int)write40, (int)write1, (unsigned)f, (int)back, (int)stat40);
    printf("stdout works again\n");
}

/* A preopen moved onto an open file's number (closing the file), then a file moved onto the
   preopen's new number: the prestat goes with the descriptor. */
static void preopens(void) {
    __wasi_prestat_t pre;
    char name[32];
    __wasi_fd_t target = open_file(3, "b.txt");
    printf("b.txt opened as %u\n", (unsigned)target);
    say("renumber 3 -> b.txt's number", __wasi_fd_renumber(3, target));
    say("prestat 3", __wasi_fd_prestat_get(3, &pre));
    say("prestat target", __wasi_fd_prestat_get(target, &pre));
    memset(name, 0, sizeof name);
    CHECK_ERRNO(__wasi_fd_prestat_dir_name(target, (uint8_t *)name, pre.u.dir.pr_name_len), 0);
    printf("target is %s\n", name);
    __wasi_fd_t f = open_file(target, "a.txt");
    printf("open under target got %u reads %s\n", (unsigned)f, read_all(f));
    say("renumber file -> target", __wasi_fd_renumber(f, target));
    say("prestat target now", __wasi_fd_prestat_get(target, &pre));
    printf("target reads %s\n", read_all(target));
    __wasi_fdstat_t st;
    say("fdstat file's old number", __wasi_fd_fdstat_get(f, &st));
}

static void two_preopens(void) {
    __wasi_prestat_t pre;
    char name[32];
    say("renumber 3 -> 4", __wasi_fd_renumber(3, 4));
    say("prestat 4", __wasi_fd_prestat_get(4, &pre));
    memset(name, 0, sizeof name);
    CHECK_ERRNO(__wasi_fd_prestat_dir_name(4, (uint8_t *)name, pre.u.dir.pr_name_len), 0);
    printf("4 is %s\n", name);
    say("prestat 3", __wasi_fd_prestat_get(3, &pre));
    __wasi_fd_t f = open_file(4, "a.txt");
    printf("open under 4 got %u reads %s\n", (unsigned)f, read_all(f));
}

static void bad(void) {
    say("renumber 99 -> 1", __wasi_fd_renumber(99, 1));
    __wasi_fd_t a = open_file(3, "a.txt");
    CHECK_ERRNO(__wasi_fd_close(a), 0);
    say("renumber closed -> 1", __wasi_fd_renumber(a, 1));
    say("renumber 1 -> 0xffffffff", __wasi_fd_renumber(1, 0xffffffffu));
    say("renumber 0xffffffff -> 1", __wasi_fd_renumber(0xffffffffu, 1));
    say("renumber 1 -> 1", __wasi_fd_renumber(1, 1));
    fflush(stdout);
    CHECK_ERRNO(try_write(1, "stdout still at 1\n"), 0);
}

int main(int argc, char **argv) {
    CHECK(argc == 2);
    const char *m = argv[1];
    if (!strcmp(m, "onto_open")) onto_open();
    else if (!strcmp(m, "park_stdout")) park_stdout();
    else if (!strcmp(m, "preopens")) preopens();
    else if (!strcmp(m, "two_preopens")) two_preopens();
    else if (!strcmp(m, "bad")) bad();
    else {
        fprintf(stderr, "unknown mode %s\n", m);
        return 2;
    }
    return 0;
}
