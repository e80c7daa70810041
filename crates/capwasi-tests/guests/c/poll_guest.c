/* poll_oneoff through the raw WASI call. argv[1] names one scenario; each prints what it saw
   (events as "event U error E type T nbytes N flags F", timing as a class, never a raw
   number) for the host test to compare exactly. Timing failures print the measured value. */
#include "guest.h"

#define MS 1000000ULL
#define NEVENTS_SENTINEL 0xdeadbeefu

static __wasi_timestamp_t now(__wasi_clockid_t id) {
    __wasi_timestamp_t t = 0;
    CHECK_ERRNO(__wasi_clock_time_get(id, 1, &t), 0);
    return t;
}

static __wasi_timestamp_t mono(void) {
    return now(__WASI_CLOCKID_MONOTONIC);
}

static __wasi_subscription_t clock_sub(uint64_t userdata, __wasi_clockid_t id, uint64_t timeout, uint16_t flags) {
    __wasi_subscription_t s;
    memset(&s, 0, sizeof s);
    s.userdata = userdata;
    s.u.tag = __WASI_EVENTTYPE_CLOCK;
    s.u.u.clock.id = id;
    s.u.u.clock.timeout = timeout;
    s.u.u.clock.precision = 0;
    s.u.u.clock.flags = flags;
    return s;
}

static __wasi_subscription_t fd_sub(uint64_t userdata, uint8_t tag, __wasi_fd_t fd) {
    __wasi_subscription_t s;
    memset(&s, 0, sizeof s);
    s.userdata = userdata;
    s.u.tag = tag;
    if (tag == __WASI_EVENTTYPE_FD_READ) {
        s.u.u.fd_read.file_descriptor = fd;
    } else {
        s.u.u.fd_write.file_descriptor = fd;
    }
    return s;
}

/* Polls, requiring success; returns the event count. Unused event slots are filled with 0xAA
   first so that stale data cannot pass for an event. */
static size_t poll_ok(const __wasi_subscription_t *subs, size_t n, __wasi_event_t *events) {
    memset(events, 0xAA, n * sizeof *events);
    __wasi_size_t nevents = NEVENTS_SENTINEL;
    CHECK_ERRNO(__wasi_poll_oneoff(subs, events, n, &nevents), 0);
    CHECK(nevents != NEVENTS_SENTINEL);
    CHECK(nevents >= 1 && nevents <= n);
    return nevents;
}

static void print_event(const __wasi_event_t *e) {
    printf("event %llu error %u type %u nbytes %llu flags %u\n", (unsigned long long)e->userdata,
           (unsigned)e->error, (unsigned)e->type, (unsigned long long)e->fd_readwrite.nbytes,
           (unsigned)e->fd_readwrite.flags);
}

/* Prints the events ordered by userdata (the spec does not order events). */
static void print_sorted(__wasi_event_t *events, size_t n) {
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            if (events[j].userdata < events[i].userdata) {
                __wasi_event_t t = events[i];
                events[i] = events[j];
                events[j] = t;
            }
        }
    }
    for (size_t i = 0; i < n; i++) print_event(&events[i]);
}

/* Prints "LABEL in [LO, HI) ms", or the measured value if it is outside. */
static void print_elapsed(const char *label, uint64_t elapsed, uint64_t lo_ms, uint64_t hi_ms) {
    if (elapsed >= lo_ms * MS && elapsed < hi_ms * MS) {
        printf("%s in [%llu, %llu) ms\n", label, (unsigned long long)lo_ms, (unsigned long long)hi_ms);
    } else {
        printf("%s OUT OF RANGE: %llu ns, wanted [%llu, %llu) ms\n", label, (unsigned long long)elapsed,
               (unsigned long long)lo_ms, (unsigned long long)hi_ms);
    }
}

/* Opens `name` in preopen fd 3 for reading and writing, with `rights`. */
static __wasi_fd_t open_file(const char *name, __wasi_rights_t rights) {
    __wasi_fd_t fd = 0;
    CHECK_ERRNO(__wasi_path_open(3, 0, name, 0, rights, 0, 0, &fd), 0);
    return fd;
}

#define FILE_RIGHTS                                                                            \
    (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL | \
     __WASI_RIGHTS_POLL_FD_READWRITE)

static void seek(__wasi_fd_t fd, uint64_t to) {
    __wasi_filesize_t pos = 0;
    CHECK_ERRNO(__wasi_fd_seek(fd, (__wasi_filedelta_t)to, __WASI_WHENCE_SET, &pos), 0);
    CHECK(pos == to);
}

int main(int argc, char **argv) {
    CHECK(argc == 2);
    const char *mode = argv[1];
    __wasi_event_t ev[4];

    if (strcmp(mode, "sleep") == 0) {
        /* Relative monotonic 50 ms, then relative realtime 30 ms. */
        __wasi_subscription_t s = clock_sub(7, __WASI_CLOCKID_MONOTONIC, 50 * MS, 0);
        uint64_t t0 = mono();
        size_t n = poll_ok(&s, 1, ev);
        uint64_t t1 = mono();
        CHECK(n == 1);
        print_event(&ev[0]);
        print_elapsed("monotonic 50 ms sleep", t1 - t0, 50, 250);
        s = clock_sub(8, __WASI_CLOCKID_REALTIME, 30 * MS, 0);
        t0 = mono();
        n = poll_ok(&s, 1, ev);
        t1 = mono();
        CHECK(n == 1);
        print_event(&ev[0]);
        /* Realtime may be slewed by NTP: allow 1 ms. */
        print_elapsed("realtime 30 ms sleep", t1 - t0, 29, 230);
    } else if (strcmp(mode, "two_zero") == 0) {
        __wasi_subscription_t s[2] = {
            clock_sub(11, __WASI_CLOCKID_MONOTONIC, 0, 0),
            clock_sub(22, __WASI_CLOCKID_REALTIME, 0, 0),
        };
        size_t n = poll_ok(s, 2, ev);
        printf("nevents %zu\n", n);
        print_sorted(ev, n);
    } else if (strcmp(mode, "both_expired") == 0) {
        /* Deadlines 10 and 20 ms from t0; sleep 25 ms with another poll; then both have
           expired and one poll reports both. */
        uint64_t t0 = mono();
        __wasi_subscription_t s[2] = {
            clock_sub(1, __WASI_CLOCKID_MONOTONIC, t0 + 10 * MS, __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME),
            clock_sub(2, __WASI_CLOCKID_MONOTONIC, t0 + 20 * MS, __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME),
        };
        __wasi_subscription_t nap = clock_sub(9, __WASI_CLOCKID_MONOTONIC, 25 * MS, 0);
        CHECK(poll_ok(&nap, 1, ev) == 1);
        CHECK(ev[0].userdata == 9);
        CHECK(mono() - t0 >= 20 * MS);
        size_t n = poll_ok(s, 2, ev);
        printf("nevents %zu\n", n);
        print_sorted(ev, n);
    } else if (strcmp(mode, "earliest_first") == 0) {
        /* Relative 20 ms and 10 ms in one poll: the 10 ms one is reported; the 20 ms one only
           if the host woke late enough for it to have expired too. */
        __wasi_subscription_t s[2] = {
            clock_sub(20, __WASI_CLOCKID_MONOTONIC, 20 * MS, 0),
            clock_sub(10, __WASI_CLOCKID_MONOTONIC, 10 * MS, 0),
        };
        uint64_t t0 = mono();
        size_t n = poll_ok(s, 2, ev);
        uint64_t t1 = mono();
        int saw10 = 0;
        for (size_t i = 0; i < n; i++) {
            CHECK(ev[i].error == 0 && ev[i].type == __WASI_EVENTTYPE_CLOCK);
            CHECK(ev[i].userdata == 10 || ev[i].userdata == 20);
            saw10 |= ev[i].userdata == 10;
        }
        CHECK(saw10);
        if (n == 2) CHECK(t1 - t0 >= 20 * MS);
        print_elapsed("10 ms reported after", t1 - t0, 10, 210);
    } else if (strcmp(mode, "abs_realtime") == 0) {
        uint64_t m0 = mono();
        uint64_t deadline = now(__WASI_CLOCKID_REALTIME) + 30 * MS;
        __wasi_subscription_t s =
            clock_sub(5, __WASI_CLOCKID_REALTIME, deadline, __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
        CHECK(poll_ok(&s, 1, ev) == 1);
        uint64_t r1 = now(__WASI_CLOCKID_REALTIME);
        uint64_t m1 = mono();
        print_event(&ev[0]);
        printf("realtime reached the deadline: %s\n", r1 >= deadline ? "yes" : "no");
        print_elapsed("absolute realtime +30 ms", m1 - m0, 29, 230);

        m0 = mono();
        deadline = m0 + 30 * MS;
        s = clock_sub(6, __WASI_CLOCKID_MONOTONIC, deadline, __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
        CHECK(poll_ok(&s, 1, ev) == 1);
        m1 = mono();
        print_event(&ev[0]);
        printf("monotonic reached the deadline: %s\n", m1 >= deadline ? "yes" : "no");
        print_elapsed("absolute monotonic +30 ms", m1 - m0, 30, 230);
    } else if (strcmp(mode, "abs_past") == 0) {
        /* Deadlines already passed (1 ns after each clock's epoch, and "now") return at once,
           even next to a subscription that would wait 10 s. */
        uint64_t m0 = mono();
        __wasi_subscription_t s[2] = {
            clock_sub(1, __WASI_CLOCKID_REALTIME, 1, __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME),
            clock_sub(2, __WASI_CLOCKID_MONOTONIC, 10000 * MS, 0),
        };
        size_t n = poll_ok(s, 2, ev);
        printf("nevents %zu\n", n);
        print_event(&ev[0]);
        s[0] = clock_sub(3, __WASI_CLOCKID_MONOTONIC, 1, __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
        n = poll_ok(s, 2, ev);
        printf("nevents %zu\n", n);
        print_event(&ev[0]);
        s[0] = clock_sub(4, __WASI_CLOCKID_MONOTONIC, mono(), __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
        n = poll_ok(s, 2, ev);
        printf("nevents %zu\n", n);
        print_event(&ev[0]);
        print_elapsed("three polls took", mono() - m0, 0, 100);
    } else if (strcmp(mode, "zero") == 0) {
        /* 1000 polls with timeout 0 next to a 10 s clock: each reports only the 0 one, and
           none sleeps (1000 polls in under a second: not even 1 ms each). */
        __wasi_subscription_t s[2] = {
            clock_sub(30, __WASI_CLOCKID_MONOTONIC, 10000 * MS, 0),
            clock_sub(31, __WASI_CLOCKID_MONOTONIC, 0, 0),
        };
        uint64_t t0 = mono();
        for (int i = 0; i < 1000; i++) {
            size_t n = poll_ok(s, 2, ev);
            CHECK(n == 1);
            CHECK(ev[0].userdata == 31 && ev[0].error == 0 && ev[0].type == __WASI_EVENTTYPE_CLOCK);
        }
        print_elapsed("1000 zero-timeout polls took", mono() - t0, 0, 1000);
        print_event(&ev[0]);
    } else if (strcmp(mode, "nsubs_zero") == 0) {
        __wasi_subscription_t s = clock_sub(1, __WASI_CLOCKID_MONOTONIC, 0, 0);
        __wasi_size_t nevents = NEVENTS_SENTINEL;
        CHECK_ERRNO(__wasi_poll_oneoff(&s, ev, 0, &nevents), __WASI_ERRNO_INVAL);
        CHECK(nevents == NEVENTS_SENTINEL);
        CHECK_ERRNO(__wasi_poll_oneoff(NULL, NULL, 0, &nevents), __WASI_ERRNO_INVAL);
        CHECK(nevents == NEVENTS_SENTINEL);
        printf("nsubscriptions 0: errno 28, nevents untouched\n");
    } else if (strcmp(mode, "file") == 0) {
        /* "data" holds 100 bytes; at position 10 a read has 90 left. */
        __wasi_fd_t fd = open_file("data", FILE_RIGHTS);
        seek(fd, 10);
        __wasi_subscription_t s[2] = {
            clock_sub(2, __WASI_CLOCKID_MONOTONIC, 10000 * MS, 0),
            fd_sub(1, __WASI_EVENTTYPE_FD_READ, fd),
        };
        uint64_t t0 = mono();
        size_t n = poll_ok(s, 2, ev);
        printf("read at 10: nevents %zu\n", n);
        print_event(&ev[0]);
        s[1] = fd_sub(3, __WASI_EVENTTYPE_FD_WRITE, fd);
        n = poll_ok(s, 2, ev);
        printf("write: nevents %zu\n", n);
        print_event(&ev[0]);
        s[0] = fd_sub(4, __WASI_EVENTTYPE_FD_READ, fd);
        s[1] = fd_sub(5, __WASI_EVENTTYPE_FD_WRITE, fd);
        n = poll_ok(s, 2, ev);
        printf("read and write: nevents %zu\n", n);
        print_sorted(ev, n);
        seek(fd, 100);
        s[0] = fd_sub(6, __WASI_EVENTTYPE_FD_READ, fd);
        n = poll_ok(s, 1, ev);
        printf("read at end: nevents %zu\n", n);
        print_event(&ev[0]);
        seek(fd, 250);
        s[0] = fd_sub(7, __WASI_EVENTTYPE_FD_READ, fd);
        n = poll_ok(s, 1, ev);
        printf("read past end: nevents %zu\n", n);
        print_event(&ev[0]);
        /* Polling does not move the position. */
        __wasi_filesize_t pos = 0;
        CHECK_ERRNO(__wasi_fd_tell(fd, &pos), 0);
        printf("position %llu\n", (unsigned long long)pos);
        print_elapsed("file polls took", mono() - t0, 0, 1000);
    } else if (strcmp(mode, "no_poll_right") == 0) {
        __wasi_fd_t fd = open_file("data", __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE);
        __wasi_subscription_t s[2] = {
            fd_sub(1, __WASI_EVENTTYPE_FD_READ, fd),
            fd_sub(2, __WASI_EVENTTYPE_FD_WRITE, fd),
        };
        size_t n = poll_ok(s, 2, ev);
        printf("nevents %zu\n", n);
        print_sorted(ev, n);
    } else if (strcmp(mode, "closed") == 0) {
        __wasi_fd_t fd = open_file("data", FILE_RIGHTS);
        CHECK_ERRNO(__wasi_fd_close(fd), 0);
        __wasi_subscription_t s[3] = {
            clock_sub(3, __WASI_CLOCKID_MONOTONIC, 10000 * MS, 0),
            fd_sub(1, __WASI_EVENTTYPE_FD_READ, fd),
            fd_sub(2, __WASI_EVENTTYPE_FD_WRITE, 1234),
        };
        uint64_t t0 = mono();
        size_t n = poll_ok(s, 3, ev);
        printf("nevents %zu\n", n);
        print_sorted(ev, n);
        print_elapsed("poll took", mono() - t0, 0, 1000);
    } else if (strcmp(mode, "dir") == 0) {
        __wasi_subscription_t s[3] = {
            clock_sub(3, __WASI_CLOCKID_MONOTONIC, 10000 * MS, 0),
            fd_sub(1, __WASI_EVENTTYPE_FD_READ, 3),
            fd_sub(2, __WASI_EVENTTYPE_FD_WRITE, 3),
        };
        uint64_t t0 = mono();
        size_t n = poll_ok(s, 3, ev);
        printf("nevents %zu\n", n);
        print_sorted(ev, n);
        print_elapsed("poll took", mono() - t0, 0, 1000);
    } else if (strcmp(mode, "cputime") == 0) {
        __wasi_subscription_t s[4] = {
            clock_sub(1, __WASI_CLOCKID_PROCESS_CPUTIME_ID, 1 * MS, 0),
            clock_sub(2, __WASI_CLOCKID_THREAD_CPUTIME_ID, 1 * MS, 0),
            clock_sub(3, __WASI_CLOCKID_PROCESS_CPUTIME_ID, 1, __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME),
            clock_sub(4, __WASI_CLOCKID_MONOTONIC, 10000 * MS, 0),
        };
        uint64_t t0 = mono();
        size_t n = poll_ok(s, 4, ev);
        printf("nevents %zu\n", n);
        print_sorted(ev, n);
        print_elapsed("poll took", mono() - t0, 0, 1000);
    } else if (strcmp(mode, "bad_clock") == 0) {
        __wasi_subscription_t s[2] = {
            clock_sub(1, __WASI_CLOCKID_MONOTONIC, 0, 0),
            clock_sub(2, 99, 0, 0),
        };
        __wasi_size_t nevents = NEVENTS_SENTINEL;
        memset(ev, 0xAA, sizeof ev);
        CHECK_ERRNO(__wasi_poll_oneoff(s, ev, 2, &nevents), __WASI_ERRNO_INVAL);
        CHECK(nevents == NEVENTS_SENTINEL);
        CHECK(ev[0].userdata == 0xAAAAAAAAAAAAAAAAULL);
        s[1] = clock_sub(2, 4, 0, 0);
        CHECK_ERRNO(__wasi_poll_oneoff(s, ev, 2, &nevents), __WASI_ERRNO_INVAL);
        CHECK(nevents == NEVENTS_SENTINEL);
        printf("clock ids 99 and 4: errno 28 for the whole call, nothing written\n");
    } else if (strcmp(mode, "stdin") == 0) {
        __wasi_subscription_t s[2] = {
            clock_sub(4, __WASI_CLOCKID_MONOTONIC, 10000 * MS, 0),
            fd_sub(3, __WASI_EVENTTYPE_FD_READ, 0),
        };
        uint64_t t0 = mono();
        size_t n = poll_ok(s, 2, ev);
        printf("nevents %zu\n", n);
        CHECK(n == 1);
        /* nbytes may be 0 ("not known") for an in-memory pipe: print it separately. */
        printf("event %llu error %u type %u flags %u\n", (unsigned long long)ev[0].userdata,
               (unsigned)ev[0].error, (unsigned)ev[0].type, (unsigned)ev[0].fd_readwrite.flags);
        printf("nbytes %llu\n", (unsigned long long)ev[0].fd_readwrite.nbytes);
        print_elapsed("poll took", mono() - t0, 0, 1000);
        char buf[16] = {0};
        __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf - 1};
        __wasi_size_t got = 0;
        CHECK_ERRNO(__wasi_fd_read(0, &iov, 1, &got), 0);
        printf("read %u: %s\n", (unsigned)got, buf);
    } else if (strcmp(mode, "pipe_nonblock") == 0) {
        /* nonblock on in-memory stdin and stdout: an in-memory pipe never has to wait, so
           the flag can be set, is reported back, and reads and writes go on as before. */
        for (__wasi_fd_t fd = 0; fd < 2; fd++) {
            __wasi_fdstat_t st;
            CHECK_ERRNO(__wasi_fd_fdstat_get(fd, &st), 0);
            __wasi_errno_t err = __wasi_fd_fdstat_set_flags(fd, st.fs_flags | __WASI_FDFLAGS_NONBLOCK);
            CHECK_ERRNO(__wasi_fd_fdstat_get(fd, &st), 0);
            printf("fd %u: set nonblock errno %u, nonblock now %s\n", (unsigned)fd, (unsigned)err,
                   (st.fs_flags & __WASI_FDFLAGS_NONBLOCK) ? "set" : "clear");
        }
        char buf[16] = {0};
        __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf - 1};
        __wasi_size_t got = 0;
        CHECK_ERRNO(__wasi_fd_read(0, &iov, 1, &got), 0);
        printf("read %u: %s\n", (unsigned)got, buf);
        CHECK_ERRNO(__wasi_fd_read(0, &iov, 1, &got), 0);
        printf("then read %u (end of file, not again)\n", (unsigned)got);
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    return 0;
}
