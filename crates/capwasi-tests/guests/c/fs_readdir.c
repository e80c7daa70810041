/* fd_readdir: entries with types and inode numbers; resuming with cookies through a buffer
   too small for two entries; what the buffer holds past `bufused`; readdir on a file. The
   preopen is fd 3. argv[1] picks the scenario. */
#include "guest.h"
#include <dirent.h>
#include <inttypes.h>
#include <stdint.h>

#define DIR_RIGHTS (ALL_RIGHTS & ~(__wasi_rights_t)__WASI_RIGHTS_FD_WRITE)

/* The directory listed: the sandbox opened with path_open(3, "."), or the preopen itself
   when the last argument is "preopen". */
static __wasi_fd_t g_dir;


struct entry {
    uint64_t next, ino;
    uint32_t namlen;
    uint8_t type;
};

static struct entry header_at(const uint8_t *p) {
    struct entry e;
    memcpy(&e.next, p, 8);
    memcpy(&e.ino, p + 8, 8);
    memcpy(&e.namlen, p + 16, 4);
    e.type = p[20];
    return e;
}

/* One call with a big buffer: every entry with its type and inode. */
static void types(void) {
    static uint8_t buf[8192];
    __wasi_size_t used;
    CHECK_ERRNO(__wasi_fd_readdir(g_dir, buf, sizeof buf, 0, &used), 0);
    CHECK(used < sizeof buf);
    for (size_t off = 0; off < used;) {
        CHECK(off + 24 <= used);
        struct entry e = header_at(buf + off);
        CHECK(off + 24 + e.namlen <= used);
        printf("name=%.*s type=%d ino=%" PRIu64 "\n", (int)e.namlen, (const char *)buf + off + 24, (int)e.type, e.ino);
        off += 24 + e.namlen;
    }
    /* A cookie past the end lists nothing. */
    uint64_t last_next = 0;
    for (size_t off = 0; off < used;) {
        struct entry e = header_at(buf + off);
        last_next = e.next;
        off += 24 + e.namlen;
    }
    __wasi_size_t after;
    CHECK_ERRNO(__wasi_fd_readdir(g_dir, buf, sizeof buf, last_next, &after), 0);
    printf("after the last cookie bufused=%u\n", (unsigned)after);
}

#define SENTINEL 0xAA
#define AREA 96

/* Lists fd 3 with `buf_len`-byte buffers, resuming from the cookie of the last whole entry.
   Prints every name; checks each call leaves the bytes past bufused (to the end of a larger
   sentinel area) untouched. */
static void small_buffer(__wasi_size_t buf_len) {
    static uint8_t area[AREA];
    CHECK(buf_len <= AREA);
    uint64_t cookie = 0;
    unsigned calls = 0, full_calls = 0, names = 0;
    static uint64_t cookies[1024];
    for (;;) {
        memset(area, SENTINEL, sizeof area);
        __wasi_size_t used = 0xdeadbeef;
        CHECK_ERRNO(__wasi_fd_readdir(g_dir, area, buf_len, cookie, &used), 0);
        calls++;
        CHECK(used <= buf_len);
        for (size_t i = used; i < AREA; i++) {
            if (area[i] != SENTINEL) {
                printf("byte %u past bufused=%u changed to 0x%02x\n", (unsigned)i, (unsigned)used, area[i]);
                exit(1);
            }
        }
        if (used == buf_len) full_calls++;
        size_t off = 0;
        int whole = 0;
        while (off + 24 <= used) {
            struct entry e = header_at(area + off);
            if (off + 24 + e.namlen > used) break; /* cut off: fetch it again */
            printf("%.*s\n", (int)e.namlen, (const char *)area + off + 24);
            CHECK(names < 1024);
            cookies[names++] = e.next;
            cookie = e.next;
            off += 24 + e.namlen;
            whole++;
        }
        if (used < buf_len) {
            CHECK(off == used); /* the last call holds only whole entries */
            break;
        }
        CHECK(whole > 0); /* every entry here fits in buf_len */
    }
    printf("calls=%u full_calls=%u names=%u\n", calls, full_calls, names);

    /* Cookies are stable: resuming from one handed out mid-listing continues with the
       entry that followed it the first time. */
    static uint8_t big[65536];
    __wasi_size_t used;
    unsigned from = names / 2;
    CHECK_ERRNO(__wasi_fd_readdir(g_dir, big, sizeof big, cookies[from - 1], &used), 0);
    unsigned count = 0;
    int same_next = 1;
    for (size_t off = 0; off < used; count++) {
        struct entry e = header_at(big + off);
        if (e.next != cookies[from + count]) same_next = 0;
        off += 24 + e.namlen;
    }
    printf("resumed at %u: entries=%u same_cookies=%d\n", from, count, same_next);
}

/* fd_readdir on things that are not directories. */
static void not_dirs(void) {
    uint8_t buf[128];
    __wasi_size_t used;
    __wasi_fd_t f;
    CHECK_ERRNO(__wasi_path_open(3, 0, "file.txt", 0, ALL_RIGHTS, 0, 0, &f), 0);
    say("readdir on a file", __wasi_fd_readdir(f, buf, sizeof buf, 0, &used));
    say("readdir on stdout", __wasi_fd_readdir(1, buf, sizeof buf, 0, &used));
    say("readdir on a closed fd", __wasi_fd_readdir(99, buf, sizeof buf, 0, &used));
    __wasi_fd_t d;
    CHECK_ERRNO(__wasi_path_open(3, 0, "sub", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_PATH_OPEN, 0, 0, &d), 0);
    say("readdir without fd_readdir", __wasi_fd_readdir(d, buf, sizeof buf, 0, &used));
    say("readdir with a zero-length buffer", __wasi_fd_readdir(g_dir, buf, 0, 0, &used));
    printf("bufused=%u\n", (unsigned)used);
}

/* A subdirectory opened with path_open lists its own entries; libc's readdir agrees. */
static void subdir_and_libc(void) {
    __wasi_fd_t d;
    CHECK_ERRNO(__wasi_path_open(3, 0, "sub", __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS, ALL_RIGHTS, 0, &d), 0);
    static uint8_t buf[4096];
    __wasi_size_t used;
    CHECK_ERRNO(__wasi_fd_readdir(d, buf, sizeof buf, 0, &used), 0);
    int n = 0;
    for (size_t off = 0; off < used; n++) off += 24 + header_at(buf + off).namlen;
    printf("sub entries=%d\n", n);
    DIR *dir = opendir("/sandbox/sub");
    CHECK(dir);
    char names[8][64];
    int count = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        CHECK(count < 8);
        snprintf(names[count++], sizeof names[0], "%s:%d", e->d_name, (int)e->d_type);
    }
    closedir(dir);
    qsort(names, count, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    printf("libc:");
    for (int i = 0; i < count; i++) printf(" %s", names[i]);
    printf("\n");
}

int main(int argc, char **argv) {
    CHECK(argc >= 2);
    const char *m = argv[1];
    if (!strcmp(argv[argc - 1], "preopen")) {
        g_dir = 3;
        argc--;
    } else {
        CHECK_ERRNO(__wasi_path_open(3, 0, ".", __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS, ALL_RIGHTS, 0, &g_dir), 0);
    }
    if (!strcmp(m, "types")) types();
    else if (!strcmp(m, "small_buffer")) {
        CHECK(argc == 3);
        small_buffer((__wasi_size_t)atoi(argv[2]));
    } else if (!strcmp(m, "not_dirs")) not_dirs();
    else if (!strcmp(m, "subdir_and_libc")) subdir_and_libc();
    else {
        fprintf(stderr, "unknown mode %s\n", m);
        return 2;
    }
    return 0;
}
