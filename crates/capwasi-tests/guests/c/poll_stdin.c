/* poll_oneoff and nonblocking reads on the host's real stdin, for the `capwasi run` tests.
   The test drives the other end of the pipe: it waits for the lines this guest prints
   (flushed at once) before writing or closing, so the scenarios do not race. */
#include "guest.h"

#define MS 1000000ULL

static __wasi_timestamp_t mono(void) {
    __wasi_timestamp_t t = 0;
    CHECK_ERRNO(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t), 0);
    return t;
}

static void say_line(const char *line) {
    printf("%s\n", line);
    fflush(stdout);
}

/* Polls stdin for reading (userdata 1) next to a relative monotonic clock (userdata 2). */
static size_t poll_stdin(uint64_t timeout, __wasi_event_t ev[2]) {
    __wasi_subscription_t s[2];
    memset(s, 0, sizeof s);
    s[0].userdata = 1;
    s[0].u.tag = __WASI_EVENTTYPE_FD_READ;
    s[0].u.u.fd_read.file_descriptor = 0;
    s[1].userdata = 2;
    s[1].u.tag = __WASI_EVENTTYPE_CLOCK;
    s[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    s[1].u.u.clock.timeout = timeout;
    memset(ev, 0xAA, 2 * sizeof *ev);
    __wasi_size_t n = 99;
    CHECK_ERRNO(__wasi_poll_oneoff(s, ev, 2, &n), 0);
    CHECK(n == 1 || n == 2);
    return n;
}

static void print_events(const __wasi_event_t *ev, size_t n) {
    printf("nevents %zu\n", n);
    for (size_t i = 0; i < n; i++) {
        printf("event %llu error %u type %u nbytes %llu flags %u\n", (unsigned long long)ev[i].userdata,
               (unsigned)ev[i].error, (unsigned)ev[i].type, (unsigned long long)ev[i].fd_readwrite.nbytes,
               (unsigned)ev[i].fd_readwrite.flags);
    }
}

static void print_elapsed(const char *label, uint64_t elapsed, uint64_t lo_ms, uint64_t hi_ms) {
    if (elapsed >= lo_ms * MS && elapsed < hi_ms * MS) {
        printf("%s in [%llu, %llu) ms\n", label, (unsigned long long)lo_ms, (unsigned long long)hi_ms);
    } else {
        printf("%s OUT OF RANGE: %llu ns, wanted [%llu, %llu) ms\n", label, (unsigned long long)elapsed,
               (unsigned long long)lo_ms, (unsigned long long)hi_ms);
    }
}

/* A raw fd_read of stdin: prints "read N: TEXT" or "read: errno E". */
static __wasi_errno_t read_stdin(void) {
    char buf[64] = {0};
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf - 1};
    __wasi_size_t got = 0;
    __wasi_errno_t err = __wasi_fd_read(0, &iov, 1, &got);
    if (err == 0) {
        /* Show a newline in the data as "\n" so the output stays one line per read. */
        char *nl = strchr(buf, '\n');
        if (nl) *nl = '\0';
        printf("read %u: %s%s\n", (unsigned)got, buf, nl ? "\\n" : "");
    } else {
        printf("read: errno %u\n", (unsigned)err);
    }
    fflush(stdout);
    return err;
}

static int nonblock_set(void) {
    __wasi_fdstat_t st;
    CHECK_ERRNO(__wasi_fd_fdstat_get(0, &st), 0);
    return (st.fs_flags & __WASI_FDFLAGS_NONBLOCK) != 0;
}

int main(int argc, char **argv) {
    CHECK(argc == 2);
    const char *mode = argv[1];
    __wasi_event_t ev[2];

    if (strcmp(mode, "wait") == 0) {
        /* The test writes "ping\n" about 300 ms after it sees "polling". */
        uint64_t t0 = mono();
        say_line("polling");
        size_t n = poll_stdin(2000 * MS, ev);
        uint64_t t1 = mono();
        print_events(ev, n);
        print_elapsed("waited", t1 - t0, 250, 2000);
        read_stdin();
    } else if (strcmp(mode, "timeout") == 0) {
        /* The test never writes and keeps the pipe open. */
        uint64_t t0 = mono();
        say_line("polling");
        size_t n = poll_stdin(300 * MS, ev);
        uint64_t t1 = mono();
        print_events(ev, n);
        print_elapsed("waited", t1 - t0, 300, 1300);
    } else if (strcmp(mode, "hangup") == 0) {
        /* The test closes the pipe without writing. */
        uint64_t t0 = mono();
        say_line("polling");
        size_t n = poll_stdin(5000 * MS, ev);
        uint64_t t1 = mono();
        print_events(ev, n);
        print_elapsed("waited", t1 - t0, 0, 5000);
        read_stdin();
    } else if (strcmp(mode, "nonblock") == 0) {
        printf("nonblock before: %s\n", nonblock_set() ? "yes" : "no");
        __wasi_fdstat_t st;
        CHECK_ERRNO(__wasi_fd_fdstat_get(0, &st), 0);
        CHECK_ERRNO(__wasi_fd_fdstat_set_flags(0, st.fs_flags | __WASI_FDFLAGS_NONBLOCK), 0);
        printf("nonblock after: %s\n", nonblock_set() ? "yes" : "no");
        /* Open pipe, nothing written yet: again. */
        read_stdin();
        say_line("waiting for data");
        size_t n = poll_stdin(5000 * MS, ev);
        print_events(ev, n);
        read_stdin();
        /* Drained, still open: again. */
        read_stdin();
        say_line("waiting for close");
        n = poll_stdin(5000 * MS, ev);
        print_events(ev, n);
        /* Closed: end of file, not again. */
        read_stdin();
        /* Clearing nonblock works too. */
        CHECK_ERRNO(__wasi_fd_fdstat_set_flags(0, st.fs_flags), 0);
        printf("nonblock cleared: %s\n", nonblock_set() ? "no" : "yes");
    } else if (strcmp(mode, "stdout_nonblock") == 0) {
        /* stdout is a pipe the test does not read yet. With nonblock, writes fill it and
           then get again; a poll for writing then times out until the test drains it.
           Progress goes to stderr (stdout is the pipe being filled). */
        static uint8_t chunk[256 * 1024];
        memset(chunk, 'x', sizeof chunk);
        __wasi_fdstat_t st;
        CHECK_ERRNO(__wasi_fd_fdstat_get(1, &st), 0);
        CHECK_ERRNO(__wasi_fd_fdstat_set_flags(1, st.fs_flags | __WASI_FDFLAGS_NONBLOCK), 0);
        fprintf(stderr, "nonblock set\n");
        uint64_t total = 0;
        __wasi_errno_t err = 0;
        while (total < 64ULL * 1024 * 1024) {
            __wasi_ciovec_t iov = {chunk, sizeof chunk};
            __wasi_size_t n = 0;
            err = __wasi_fd_write(1, &iov, 1, &n);
            if (err != 0) break;
            CHECK(n > 0 && n <= sizeof chunk);
            total += n;
        }
        fprintf(stderr, "wrote %llu bytes then errno %u\n", (unsigned long long)total, (unsigned)err);
        __wasi_subscription_t s[2];
        memset(s, 0, sizeof s);
        s[0].userdata = 1;
        s[0].u.tag = __WASI_EVENTTYPE_FD_WRITE;
        s[0].u.u.fd_write.file_descriptor = 1;
        s[1].userdata = 2;
        s[1].u.tag = __WASI_EVENTTYPE_CLOCK;
        s[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
        s[1].u.u.clock.timeout = 200 * MS;
        __wasi_size_t n = 0;
        CHECK_ERRNO(__wasi_poll_oneoff(s, ev, 2, &n), 0);
        fprintf(stderr, "full pipe: nevents %u, first userdata %llu\n", (unsigned)n, (unsigned long long)ev[0].userdata);
        fprintf(stderr, "drain me\n");
        s[1].u.u.clock.timeout = 10000 * MS;
        CHECK_ERRNO(__wasi_poll_oneoff(s, ev, 2, &n), 0);
        fprintf(stderr, "drained: nevents %u, event %llu error %u type %u flags %u\n", (unsigned)n,
                (unsigned long long)ev[0].userdata, (unsigned)ev[0].error, (unsigned)ev[0].type,
                (unsigned)ev[0].fd_readwrite.flags);
    } else if (strcmp(mode, "stdout_hangup") == 0) {
        /* stdout is a pipe whose reading end the test has closed: polling it for writing
           reports hangup at once, and a write fails with pipe (64). Reports go to stderr. */
        __wasi_subscription_t s[2];
        memset(s, 0, sizeof s);
        s[0].userdata = 1;
        s[0].u.tag = __WASI_EVENTTYPE_FD_WRITE;
        s[0].u.u.fd_write.file_descriptor = 1;
        s[1].userdata = 2;
        s[1].u.tag = __WASI_EVENTTYPE_CLOCK;
        s[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
        s[1].u.u.clock.timeout = 10000 * MS;
        __wasi_size_t n = 0;
        CHECK_ERRNO(__wasi_poll_oneoff(s, ev, 2, &n), 0);
        fprintf(stderr, "nevents %u\n", (unsigned)n);
        fprintf(stderr, "event %llu error %u type %u nbytes %llu flags %u\n", (unsigned long long)ev[0].userdata,
                (unsigned)ev[0].error, (unsigned)ev[0].type, (unsigned long long)ev[0].fd_readwrite.nbytes,
                (unsigned)ev[0].fd_readwrite.flags);
        __wasi_ciovec_t iov = {(const uint8_t *)"x", 1};
        __wasi_size_t wrote = 0;
        fprintf(stderr, "write: errno %u\n", (unsigned)__wasi_fd_write(1, &iov, 1, &wrote));
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    return 0;
}
