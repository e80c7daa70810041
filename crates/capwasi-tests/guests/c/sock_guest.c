/* Sockets through the raw WASI calls, on listeners the host preopened.

   argv[1] names a scenario. The servers ("echo N", "http N") are run by the CLI tests; the
   others by the harness tests in tests/suite/sock_guest.rs, whose Rust side plays the TCP
   client. Every scenario prints what it saw on stdout for the test to compare exactly, and
   every loop is bounded. The listener is found the way wasi-libc finds preopens: directories
   answer fd_prestat_get from fd 3 upwards, and the listener is the first fd after them. */
#include "guest.h"
#include <fcntl.h>
#include <unistd.h>

#define MS 1000000ULL
#define SEC (1000 * MS)

static __wasi_timestamp_t mono(void) {
    __wasi_timestamp_t t = 0;
    CHECK_ERRNO(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t), 0);
    return t;
}

static __wasi_subscription_t clock_sub(uint64_t userdata, uint64_t timeout) {
    __wasi_subscription_t s;
    memset(&s, 0, sizeof s);
    s.userdata = userdata;
    s.u.tag = __WASI_EVENTTYPE_CLOCK;
    s.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    s.u.u.clock.timeout = timeout;
    return s;
}

static __wasi_subscription_t read_sub(uint64_t userdata, __wasi_fd_t fd) {
    __wasi_subscription_t s;
    memset(&s, 0, sizeof s);
    s.userdata = userdata;
    s.u.tag = __WASI_EVENTTYPE_FD_READ;
    s.u.u.fd_read.file_descriptor = fd;
    return s;
}

/* Polls, requiring success; returns the event count (events first filled with 0xAA). */
static size_t poll_ok(const __wasi_subscription_t *subs, size_t n, __wasi_event_t *events) {
    memset(events, 0xAA, n * sizeof *events);
    __wasi_size_t nevents = 0xdeadbeefu;
    CHECK_ERRNO(__wasi_poll_oneoff(subs, events, n, &nevents), 0);
    CHECK(nevents >= 1 && nevents <= n);
    return nevents;
}

static void print_event(const __wasi_event_t *e) {
    printf("event %llu error %u type %u nbytes %llu flags %u\n", (unsigned long long)e->userdata,
           (unsigned)e->error, (unsigned)e->type, (unsigned long long)e->fd_readwrite.nbytes,
           (unsigned)e->fd_readwrite.flags);
}

/* Polls and prints "nevents N" and the events. */
static void poll_print(const __wasi_subscription_t *subs, size_t n) {
    __wasi_event_t events[8];
    CHECK(n <= 8);
    size_t got = poll_ok(subs, n, events);
    printf("nevents %zu\n", got);
    for (size_t i = 0; i < got; i++) print_event(&events[i]);
}

static void sleep_ms(uint64_t ms) {
    __wasi_subscription_t sub = clock_sub(0, ms * MS);
    __wasi_event_t event;
    CHECK(poll_ok(&sub, 1, &event) == 1);
}

/* Prints the preopened directories if `print`; returns the first fd after them. A socket
   there must answer fd_prestat_get with badf, as wasi-libc stops at the first badf. */
static __wasi_fd_t after_preopens(int print) {
    for (__wasi_fd_t fd = 3; fd < 64; fd++) {
        __wasi_prestat_t st;
        __wasi_errno_t err = __wasi_fd_prestat_get(fd, &st);
        if (err == __WASI_ERRNO_BADF) return fd;
        CHECK_ERRNO(err, 0);
        CHECK(st.tag == __WASI_PREOPENTYPE_DIR);
        char name[256];
        CHECK(st.u.dir.pr_name_len < sizeof name);
        CHECK_ERRNO(__wasi_fd_prestat_dir_name(fd, (uint8_t *)name, st.u.dir.pr_name_len), 0);
        name[st.u.dir.pr_name_len] = 0;
        if (print) printf("preopen %u %s\n", (unsigned)fd, name);
    }
    CHECK(!"no fd after the preopens");
    return 0;
}

static __wasi_fd_t listener_fd(void) {
    __wasi_fd_t fd = after_preopens(0);
    __wasi_fdstat_t st;
    CHECK_ERRNO(__wasi_fd_fdstat_get(fd, &st), 0);
    CHECK(st.fs_filetype == __WASI_FILETYPE_SOCKET_STREAM);
    return fd;
}

static __wasi_fd_t accept_ok(__wasi_fd_t listener, __wasi_fdflags_t flags) {
    __wasi_fd_t fd = 0xdeadbeefu;
    CHECK_ERRNO(__wasi_sock_accept(listener, flags, &fd), 0);
    CHECK(fd != 0xdeadbeefu);
    return fd;
}

/* One sock_recv into one buffer; returns the count (data NUL-terminated), stores roflags. */
static size_t recv_ok(__wasi_fd_t fd, char *buf, size_t cap, __wasi_riflags_t flags, __wasi_roflags_t *roflags) {
    __wasi_iovec_t iov = {(uint8_t *)buf, cap - 1};
    __wasi_size_t n = 0xdeadbeefu;
    __wasi_roflags_t ro = 0xAAAA;
    CHECK_ERRNO(__wasi_sock_recv(fd, &iov, 1, flags, &n, &ro), 0);
    CHECK(n < cap);
    buf[n] = 0;
    if (roflags) *roflags = ro;
    return n;
}

/* Sends every byte (bounded number of sends). */
static void send_all(__wasi_fd_t fd, const void *data, size_t len) {
    const uint8_t *p = data;
    for (int i = 0; len > 0 && i < 100000; i++) {
        __wasi_ciovec_t iov = {p, len};
        __wasi_size_t n = 0;
        CHECK_ERRNO(__wasi_sock_send(fd, &iov, 1, 0, &n), 0);
        CHECK(n > 0 && n <= len);
        p += n;
        len -= n;
    }
    CHECK(len == 0);
}

static void send_str(__wasi_fd_t fd, const char *s) {
    send_all(fd, s, strlen(s));
}

/* ---- servers run by the CLI tests ---- */

/* Echoes every connection until N have been accepted and closed by their clients, serving
   them all at once through poll_oneoff over the listener and the open connections. */
static int echo(int total) {
    __wasi_fd_t listener = after_preopens(1);
    __wasi_prestat_t st;
    printf("prestat %u errno %d\n", (unsigned)listener, (int)__wasi_fd_prestat_get(listener, &st));
    __wasi_fdstat_t fst;
    CHECK_ERRNO(__wasi_fd_fdstat_get(listener, &fst), 0);
    printf("listener %u filetype %u\n", (unsigned)listener, (unsigned)fst.fs_filetype);
    fflush(stdout);

    enum { MAXC = 16 };
    __wasi_fd_t conns[MAXC];
    int open = 0, accepted = 0, closed = 0, most_open = 0;
    unsigned long long bytes = 0;
    static char buf[65536];
    for (int iter = 0; closed < total && iter < 100000; iter++) {
        __wasi_subscription_t subs[MAXC + 2];
        size_t n = 0;
        subs[n++] = clock_sub(0, 20 * SEC);
        if (accepted < total && open < MAXC) subs[n++] = read_sub(1, listener);
        for (int i = 0; i < open; i++) subs[n++] = read_sub(100 + (uint64_t)conns[i], conns[i]);
        __wasi_event_t events[MAXC + 2];
        size_t got = poll_ok(subs, n, events);
        for (size_t e = 0; e < got; e++) {
            CHECK_ERRNO(events[e].error, 0);
            if (events[e].userdata == 0) {
                printf("timed out: accepted %d, closed %d\n", accepted, closed);
                return 1;
            }
            if (events[e].userdata == 1) {
                conns[open++] = accept_ok(listener, 0);
                accepted++;
                if (open > most_open) most_open = open;
                continue;
            }
            __wasi_fd_t fd = (__wasi_fd_t)(events[e].userdata - 100);
            size_t got_bytes = recv_ok(fd, buf, sizeof buf, 0, NULL);
            if (got_bytes == 0) {
                CHECK_ERRNO(__wasi_fd_close(fd), 0);
                int i = 0;
                while (i < open && conns[i] != fd) i++;
                CHECK(i < open);
                conns[i] = conns[--open];
                closed++;
            } else {
                send_all(fd, buf, got_bytes);
                bytes += got_bytes;
            }
        }
    }
    printf("served %d connections, %llu bytes, at most %s open at once\n", closed, bytes,
           most_open > 1 ? "several" : "one");
    /* The directory still works through wasi-libc's preopen table. */
    FILE *f = fopen("/data/served.txt", "w");
    CHECK(f != NULL);
    CHECK(fprintf(f, "%d\n", closed) > 0);
    CHECK(fclose(f) == 0);
    return closed == total ? 0 : 1;
}

/* Answers N HTTP/1.0 requests, one connection each: 200 with a body for "/", 404 otherwise.
   Reads with fd_read, answers with sock_send (header and body in two buffers). */
static int http(int total) {
    __wasi_fd_t listener = after_preopens(1);
    printf("listener %u\n", (unsigned)listener);
    for (int r = 0; r < total; r++) {
        __wasi_fd_t fd = accept_ok(listener, 0);
        char req[4096];
        size_t len = 0;
        for (int i = 0; i < 1000 && len < sizeof req - 1; i++) {
            ssize_t n = read((int)fd, req + len, sizeof req - 1 - len);
            CHECK(n >= 0);
            len += (size_t)n;
            req[len] = 0;
            if (n == 0 || strstr(req, "\r\n\r\n")) break;
        }
        CHECK(strstr(req, "\r\n\r\n") != NULL);
        char method[16], path[256], version[16];
        CHECK(sscanf(req, "%15s %255s %15s", method, path, version) == 3);
        printf("request %d: %s %s %s\n", r + 1, method, path, version);
        const char *status = "200 OK", *body = "Hello from a capwasi guest\n";
        if (strcmp(method, "GET") != 0 || strcmp(path, "/") != 0) {
            status = "404 Not Found";
            body = "not found\n";
        }
        char head[256];
        int hl = snprintf(head, sizeof head,
                          "HTTP/1.0 %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n", status,
                          strlen(body));
        CHECK(hl > 0 && (size_t)hl < sizeof head);
        __wasi_ciovec_t iov[2] = {{(const uint8_t *)head, (size_t)hl}, {(const uint8_t *)body, strlen(body)}};
        __wasi_size_t sent = 0;
        CHECK_ERRNO(__wasi_sock_send(fd, iov, 2, 0, &sent), 0);
        CHECK(sent == (size_t)hl + strlen(body));
        CHECK_ERRNO(__wasi_sock_shutdown(fd, __WASI_SDFLAGS_WR), 0);
        CHECK_ERRNO(__wasi_fd_close(fd), 0);
    }
    printf("answered %d\n", total);
    return 0;
}

/* ---- byte-by-byte scenarios run by the harness tests ---- */

/* Client sends "hello world" in one write. */
static int peek(void) {
    __wasi_fd_t s = accept_ok(listener_fd(), 0);
    char buf[64];
    __wasi_roflags_t ro;
    size_t n = recv_ok(s, buf, 6, __WASI_RIFLAGS_RECV_PEEK, &ro);
    printf("peek 5: %zu \"%s\" roflags %u\n", n, buf, (unsigned)ro);
    n = recv_ok(s, buf, sizeof buf, __WASI_RIFLAGS_RECV_PEEK, &ro);
    printf("peek 63: %zu \"%s\" roflags %u\n", n, buf, (unsigned)ro);
    /* Peek into two buffers. */
    char a[4] = {0}, b[4] = {0};
    __wasi_iovec_t iov[2] = {{(uint8_t *)a, 3}, {(uint8_t *)b, 3}};
    __wasi_size_t got = 0;
    CHECK_ERRNO(__wasi_sock_recv(s, iov, 2, __WASI_RIFLAGS_RECV_PEEK, &got, &ro), 0);
    printf("peek 3+3: %u \"%s\" \"%s\"\n", (unsigned)got, a, b);
    n = recv_ok(s, buf, 6, 0, &ro);
    printf("recv 5: %zu \"%s\" roflags %u\n", n, buf, (unsigned)ro);
    n = recv_ok(s, buf, sizeof buf, __WASI_RIFLAGS_RECV_PEEK, &ro);
    printf("peek 63: %zu \"%s\"\n", n, buf);
    n = recv_ok(s, buf, sizeof buf, 0, &ro);
    printf("recv 63: %zu \"%s\"\n", n, buf);
    send_str(s, "ok");
    n = recv_ok(s, buf, sizeof buf, 0, &ro);
    printf("recv after client closed: %zu\n", n);
    CHECK_ERRNO(__wasi_fd_close(s), 0);
    return 0;
}

/* Guest sends "R"; client sends "01234", 100 ms later "56789", reads "A", sends "abcde",
   300 ms later "fghij", then closes. */
static int waitall(void) {
    __wasi_fd_t s = accept_ok(listener_fd(), 0);
    char a[5] = {0}, b[7] = {0};
    __wasi_iovec_t iov[2] = {{(uint8_t *)a, 4}, {(uint8_t *)b, 6}};
    __wasi_size_t n = 0;
    __wasi_roflags_t ro = 0xAAAA;
    __wasi_timestamp_t t0 = mono();
    send_str(s, "R");
    CHECK_ERRNO(__wasi_sock_recv(s, iov, 2, __WASI_RIFLAGS_RECV_WAITALL, &n, &ro), 0);
    __wasi_timestamp_t waited = mono() - t0;
    printf("waitall 4+6: %u \"%s\" \"%s\" roflags %u\n", (unsigned)n, a, b, (unsigned)ro);
    if (waited >= 90 * MS && waited < 10 * SEC) {
        printf("waited at least 90 ms\n");
    } else {
        printf("waited %llu ns\n", (unsigned long long)waited);
    }
    send_str(s, "A");
    char buf[16];
    size_t got = recv_ok(s, buf, 11, 0, NULL);
    printf("plain recv 10: %zu \"%s\"\n", got, buf);
    got = recv_ok(s, buf, 11, __WASI_RIFLAGS_RECV_WAITALL, NULL);
    printf("waitall recv 10: %zu \"%s\"\n", got, buf);
    CHECK_ERRNO(__wasi_fd_close(s), 0);
    return 0;
}

/* Client reads to end of file (gets "bye"), then sends "still here". */
static int shutdown_(void) {
    __wasi_fd_t s = accept_ok(listener_fd(), 0);
    printf("shutdown 0: errno %d\n", (int)__wasi_sock_shutdown(s, 0));
    printf("shutdown 4: errno %d\n", (int)__wasi_sock_shutdown(s, 4));
    printf("shutdown 7: errno %d\n", (int)__wasi_sock_shutdown(s, 7));
    send_str(s, "bye");
    printf("shutdown wr: errno %d\n", (int)__wasi_sock_shutdown(s, __WASI_SDFLAGS_WR));
    char buf[16];
    size_t n = recv_ok(s, buf, 11, __WASI_RIFLAGS_RECV_WAITALL, NULL);
    printf("recv after shutdown wr: %zu \"%s\"\n", n, buf);
    __wasi_ciovec_t iov = {(const uint8_t *)"x", 1};
    __wasi_size_t sent = 0xdeadbeefu;
    printf("send after shutdown wr: errno %d\n", (int)__wasi_sock_send(s, &iov, 1, 0, &sent));
    printf("shutdown rd: errno %d\n", (int)__wasi_sock_shutdown(s, __WASI_SDFLAGS_RD));
    n = recv_ok(s, buf, sizeof buf, 0, NULL);
    printf("recv after shutdown rd: %zu\n", n);
    CHECK_ERRNO(__wasi_fd_close(s), 0);
    return 0;
}

/* Client connects and closes without sending. */
static int closed(void) {
    __wasi_fd_t s = accept_ok(listener_fd(), 0);
    __wasi_subscription_t subs[2] = {clock_sub(2, 10 * SEC), read_sub(1, s)};
    poll_print(subs, 2);
    char buf[16];
    __wasi_roflags_t ro = 0xAAAA;
    size_t n = recv_ok(s, buf, sizeof buf, 0, &ro);
    printf("recv: %zu roflags %u\n", n, (unsigned)ro);
    n = recv_ok(s, buf, sizeof buf, __WASI_RIFLAGS_RECV_PEEK, &ro);
    printf("peek: %zu\n", n);
    n = recv_ok(s, buf, sizeof buf, __WASI_RIFLAGS_RECV_WAITALL, &ro);
    printf("waitall: %zu\n", n);
    __wasi_iovec_t riov = {(uint8_t *)buf, sizeof buf};
    __wasi_size_t got = 0xdeadbeefu;
    printf("fd_read: errno %d n %u\n", (int)__wasi_fd_read(s, &riov, 1, &got), (unsigned)got);
    /* The peer's socket is gone: the first send may still succeed (the peer answers it with a
       reset), later ones fail with pipe or connreset; the host must not die of SIGPIPE. */
    __wasi_errno_t err = 0;
    int sends = 0;
    for (; sends < 200; sends++) {
        __wasi_ciovec_t iov = {(const uint8_t *)"data", 4};
        __wasi_size_t sent = 0;
        err = __wasi_sock_send(s, &iov, 1, 0, &sent);
        if (err != 0) break;
        sleep_ms(5);
    }
    if (err == __WASI_ERRNO_PIPE || err == __WASI_ERRNO_CONNRESET) {
        printf("send failed with pipe or connreset\n");
    } else {
        printf("send: errno %d after %d sends\n", (int)err, sends);
    }
    err = __wasi_sock_send(s, &(__wasi_ciovec_t){(const uint8_t *)"data", 4}, 1, 0, &got);
    printf("send again: %s\n", err == __WASI_ERRNO_PIPE || err == __WASI_ERRNO_CONNRESET ? "pipe or connreset" : "other");
    __wasi_subscription_t again[2] = {clock_sub(2, 10 * SEC), read_sub(1, s)};
    __wasi_event_t events[2];
    size_t ne = poll_ok(again, 2, events);
    printf("after reset: nevents %zu userdata %llu error %u flags %u\n", ne, (unsigned long long)events[0].userdata,
           (unsigned)events[0].error, (unsigned)events[0].fd_readwrite.flags);
    CHECK_ERRNO(__wasi_fd_close(s), 0);
    return 0;
}

/* No client connects (unless the test rescues a blocked accept). */
static int nonblock_accept(void) {
    __wasi_fd_t l = listener_fd();
    __wasi_fd_t fd = 0xdeadbeefu;
    printf("accept nonblock: errno %d\n", (int)__wasi_sock_accept(l, __WASI_FDFLAGS_NONBLOCK, &fd));
    printf("fd untouched: %s\n", fd == 0xdeadbeefu ? "yes" : "no");
    return 0;
}

/* No client connects: accepting on a listener made nonblocking with fd_fdstat_set_flags. */
static int nonblock_listener(void) {
    __wasi_fd_t l = listener_fd();
    __wasi_fd_t fd = 0xdeadbeefu;
    __wasi_fdstat_t st;
    CHECK_ERRNO(__wasi_fd_fdstat_get(l, &st), 0);
    printf("listener flags %u\n", (unsigned)st.fs_flags);
    CHECK_ERRNO(__wasi_fd_fdstat_set_flags(l, __WASI_FDFLAGS_NONBLOCK), 0);
    CHECK_ERRNO(__wasi_fd_fdstat_get(l, &st), 0);
    printf("listener flags %u\n", (unsigned)st.fs_flags);
    printf("accept: errno %d\n", (int)__wasi_sock_accept(l, 0, &fd));
    printf("accept nonblock: errno %d\n", (int)__wasi_sock_accept(l, __WASI_FDFLAGS_NONBLOCK, &fd));
    printf("fd untouched: %s\n", fd == 0xdeadbeefu ? "yes" : "no");
    CHECK_ERRNO(__wasi_fd_fdstat_set_flags(l, 0), 0);
    CHECK_ERRNO(__wasi_fd_fdstat_get(l, &st), 0);
    printf("listener flags %u\n", (unsigned)st.fs_flags);
    return 0;
}

/* Client 1 connects, reads "go", client 2 connects, reads "go2", sends "ping". */
static int poll_listener(void) {
    __wasi_fd_t l = listener_fd();
    __wasi_fd_t c1 = accept_ok(l, 0);
    __wasi_subscription_t idle[2] = {clock_sub(2, 0), read_sub(1, l)};
    poll_print(idle, 2);
    send_str(c1, "go");
    __wasi_subscription_t pending[2] = {clock_sub(2, 10 * SEC), read_sub(1, l)};
    poll_print(pending, 2);
    __wasi_fd_t c2 = accept_ok(l, __WASI_FDFLAGS_NONBLOCK);
    __wasi_fdstat_t st;
    CHECK_ERRNO(__wasi_fd_fdstat_get(c2, &st), 0);
    printf("accepted fdstat: filetype %u flags %u base 0x%llx inheriting 0x%llx\n", (unsigned)st.fs_filetype,
           (unsigned)st.fs_flags, (unsigned long long)st.fs_rights_base,
           (unsigned long long)st.fs_rights_inheriting);
    CHECK_ERRNO(__wasi_fd_fdstat_get(c1, &st), 0);
    printf("blocking accept fdstat: filetype %u flags %u\n", (unsigned)st.fs_filetype, (unsigned)st.fs_flags);
    CHECK_ERRNO(__wasi_fd_fdstat_get(l, &st), 0);
    printf("listener fdstat: filetype %u flags %u base 0x%llx inheriting 0x%llx\n", (unsigned)st.fs_filetype,
           (unsigned)st.fs_flags, (unsigned long long)st.fs_rights_base,
           (unsigned long long)st.fs_rights_inheriting);
    __wasi_filestat_t fs;
    CHECK_ERRNO(__wasi_fd_filestat_get(c2, &fs), 0);
    printf("accepted filestat: filetype %u\n", (unsigned)fs.filetype);
    CHECK_ERRNO(__wasi_fd_filestat_get(l, &fs), 0);
    printf("listener filestat: filetype %u\n", (unsigned)fs.filetype);
    char buf[16];
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    __wasi_size_t n = 0xdeadbeefu;
    __wasi_roflags_t ro;
    printf("nonblocking recv, no data: errno %d\n", (int)__wasi_sock_recv(c2, &iov, 1, 0, &n, &ro));
    send_str(c2, "go2");
    __wasi_subscription_t data[2] = {clock_sub(2, 10 * SEC), read_sub(3, c2)};
    poll_print(data, 2);
    size_t got = recv_ok(c2, buf, sizeof buf, 0, NULL);
    printf("recv: %zu \"%s\"\n", got, buf);
    CHECK_ERRNO(__wasi_fd_close(c1), 0);
    CHECK_ERRNO(__wasi_fd_close(c2), 0);
    return 0;
}

/* Client reads 14 bytes, sends "from client" and shuts down its sending side. */
static int fdrw(void) {
    __wasi_fd_t s = accept_ok(listener_fd(), 0);
    __wasi_ciovec_t out[2] = {{(const uint8_t *)"hello ", 6}, {(const uint8_t *)"fd_write", 8}};
    __wasi_size_t n = 0;
    CHECK_ERRNO(__wasi_fd_write(s, out, 2, &n), 0);
    printf("fd_write: %u\n", (unsigned)n);
    char buf[64];
    size_t total = 0;
    int reads = 0;
    for (; reads < 100; reads++) {
        __wasi_iovec_t in[2] = {{(uint8_t *)buf + total, 4}, {(uint8_t *)buf + total + 4, sizeof buf - 1 - total - 4}};
        CHECK_ERRNO(__wasi_fd_read(s, in, 2, &n), 0);
        if (n == 0) break;
        total += n;
        CHECK(total + 4 < sizeof buf);
    }
    buf[total] = 0;
    printf("fd_read until end of file: %zu \"%s\"\n", total, buf);
    /* libc read/write go through fd_read/fd_write too. */
    CHECK(write((int)s, "via libc", 8) == 8);
    CHECK_ERRNO(__wasi_fd_close(s), 0);
    return 0;
}

/* Client 1 connects and sends "xy", client 2 connects; both read until end of file. The guest
   reads "x" and leaves "y" pending, and client 2 stays pending on the listener while the
   calls with bad flags are made, so no linker has a reason to wait in them. */
static int badflags(void) {
    __wasi_fd_t l = listener_fd();
    __wasi_fd_t s = accept_ok(l, 0);
    char buf[8];
    CHECK(recv_ok(s, buf, 2, __WASI_RIFLAGS_RECV_WAITALL, NULL) == 1 && buf[0] == 'x');
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    __wasi_ciovec_t ciov = {(const uint8_t *)"x", 1};
    __wasi_size_t n;
    __wasi_roflags_t ro;
    __wasi_fd_t fd = 0xdeadbeefu;
    printf("recv riflags 4: errno %d\n", (int)__wasi_sock_recv(s, &iov, 1, 4, &n, &ro));
    printf("send siflags 1: errno %d\n", (int)__wasi_sock_send(s, &ciov, 1, 1, &n));
    printf("accept append: errno %d\n", (int)__wasi_sock_accept(l, __WASI_FDFLAGS_APPEND, &fd));
    printf("accept unknown flag: errno %d\n", (int)__wasi_sock_accept(l, 0x100, &fd));
    printf("fd untouched: %s\n", fd == 0xdeadbeefu ? "yes" : "no");
    printf("recv bad fd: errno %d\n", (int)__wasi_sock_recv(99, &iov, 1, 0, &n, &ro));
    printf("send bad fd: errno %d\n", (int)__wasi_sock_send(99, &ciov, 1, 0, &n));
    printf("accept bad fd: errno %d\n", (int)__wasi_sock_accept(99, 0, &fd));
    printf("shutdown bad fd: errno %d\n", (int)__wasi_sock_shutdown(99, __WASI_SDFLAGS_WR));
    /* The bad calls consumed nothing: "y" is still there, client 2 still pending. */
    CHECK(recv_ok(s, buf, 2, 0, NULL) == 1 && buf[0] == 'y');
    __wasi_fd_t s2 = accept_ok(l, 0);
    printf("then: recv \"y\", accepted the second client\n");
    CHECK_ERRNO(__wasi_fd_close(s), 0);
    CHECK_ERRNO(__wasi_fd_close(s2), 0);
    return 0;
}

/* A client connects and sends nothing; no second client is pending. Calls with bad flags
   must fail at once all the same. */
static int badflags_idle(void) {
    __wasi_fd_t l = listener_fd();
    __wasi_fd_t s = accept_ok(l, 0);
    char buf[8];
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    __wasi_size_t n;
    __wasi_roflags_t ro;
    __wasi_fd_t fd = 0xdeadbeefu;
    printf("recv riflags 4: errno %d\n", (int)__wasi_sock_recv(s, &iov, 1, 4, &n, &ro));
    printf("accept append: errno %d\n", (int)__wasi_sock_accept(l, __WASI_FDFLAGS_APPEND, &fd));
    printf("accept unknown flag: errno %d\n", (int)__wasi_sock_accept(l, 0x100, &fd));
    CHECK_ERRNO(__wasi_fd_close(s), 0);
    return 0;
}

/* Accepts, then never reads: sleeps for argv[2] ms and closes. */
static int idle(int ms) {
    __wasi_fd_t s = accept_ok(listener_fd(), 0);
    sleep_ms((uint64_t)ms);
    CHECK_ERRNO(__wasi_fd_close(s), 0);
    printf("idle done\n");
    return 0;
}

/* With /data/f (a regular file) preopened: socket calls on non-sockets. `which` is "io"
   (recv, send) or "ctl" (accept, shutdown). */
static int notsock(const char *which) {
    int file = open("/data/f", O_RDWR);
    CHECK(file >= 0);
    __wasi_fd_t targets[2] = {(__wasi_fd_t)file, 1};
    const char *names[2] = {"file", "stdout"};
    for (int i = 0; i < 2; i++) {
        __wasi_fd_t fd = targets[i];
        char buf[8];
        __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
        __wasi_ciovec_t ciov = {(const uint8_t *)"x", 1};
        __wasi_size_t n;
        __wasi_roflags_t ro;
        __wasi_fd_t accepted;
        if (strcmp(which, "io") == 0) {
            printf("sock_recv on %s: errno %d\n", names[i], (int)__wasi_sock_recv(fd, &iov, 1, 0, &n, &ro));
            printf("sock_send on %s: errno %d\n", names[i], (int)__wasi_sock_send(fd, &ciov, 1, 0, &n));
        } else {
            printf("sock_accept on %s: errno %d\n", names[i], (int)__wasi_sock_accept(fd, 0, &accepted));
            printf("sock_shutdown on %s: errno %d\n", names[i],
                   (int)__wasi_sock_shutdown(fd, __WASI_SDFLAGS_WR));
        }
    }
    /* Nothing was written to the file. */
    __wasi_filestat_t fs;
    CHECK_ERRNO(__wasi_fd_filestat_get((__wasi_fd_t)file, &fs), 0);
    printf("file size %llu\n", (unsigned long long)fs.size);
    CHECK(close(file) == 0);
    return 0;
}

int main(int argc, char **argv) {
    CHECK(argc >= 2);
    const char *mode = argv[1];
    int n = argc >= 3 ? atoi(argv[2]) : 0;
    int status;
    if (strcmp(mode, "echo") == 0) status = echo(n);
    else if (strcmp(mode, "http") == 0) status = http(n);
    else if (strcmp(mode, "peek") == 0) status = peek();
    else if (strcmp(mode, "waitall") == 0) status = waitall();
    else if (strcmp(mode, "shutdown") == 0) status = shutdown_();
    else if (strcmp(mode, "closed") == 0) status = closed();
    else if (strcmp(mode, "nonblock_accept") == 0) status = nonblock_accept();
    else if (strcmp(mode, "nonblock_listener") == 0) status = nonblock_listener();
    else if (strcmp(mode, "poll_listener") == 0) status = poll_listener();
    else if (strcmp(mode, "fdrw") == 0) status = fdrw();
    else if (strcmp(mode, "idle") == 0) status = idle(n);
    else if (strcmp(mode, "badflags") == 0) status = badflags();
    else if (strcmp(mode, "badflags_idle") == 0) status = badflags_idle();
    else if (strcmp(mode, "notsock") == 0) status = notsock(argc >= 3 ? argv[2] : "");
    else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    fflush(stdout);
    return status;
}
