/* One WASI operation N times, for the CLI-level comparison (cli_compare.py).
 *
 * usage: wasi_ops MODE N DIR
 *   DIR is where the fixture lives: "/work" in a guest (granted with --dir HOST::/work),
 *   the host path when this file is built natively.
 * MODE (what each iteration does):
 *   write1    write(2) 1 byte to DIR/out1
 *   clock     clock_gettime(CLOCK_MONOTONIC)
 *   read1m    read(2) 1 MiB from DIR/data (seek to 0 and read again at end of file)
 *   pread     pread(2) 64 bytes at a pseudo-random offset of DIR/data
 *   openstat  open DIR/small, fstat, close
 *   stat      stat DIR/d10000/NNNNN, cycling through the 10,000 names
 *   readdir   list DIR/d10000 once with opendir/readdir (wasi-libc: fd_readdir, 4 KiB buffer)
 *   random    getentropy(256 bytes)
 *   spawn     pthread_create + pthread_join (native build only: wasi-libc here has no
 *             pthreads; the wasm side of this comparison is a WAT module)
 * Built the same way for wasm32-wasi and for the host with `zig cc -O2`.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifndef __wasi__
#include <pthread.h>
#include <sys/random.h>

static void *thread_main(void *arg) { return arg; }
#endif

static char big[1 << 20];

static void die(const char *what) {
    perror(what);
    exit(1);
}

static const char *at(char *buf, size_t len, const char *dir, const char *name) {
    snprintf(buf, len, "%s/%s", dir, name);
    return buf;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s MODE N DIR\n", argv[0]);
        return 2;
    }
    const char *mode = argv[1];
    long n = atol(argv[2]);
    const char *dir = argv[3];
    char path[4096];
    unsigned long long sink = 0;

    if (!strcmp(mode, "write1")) {
        int fd = open(at(path, sizeof path, dir, "out1"), O_WRONLY | O_CREAT, 0644);
        if (fd < 0) die("open");
        for (long i = 0; i < n; i++)
            if (write(fd, "x", 1) != 1) die("write");
        close(fd);
    } else if (!strcmp(mode, "clock")) {
        struct timespec ts;
        for (long i = 0; i < n; i++) {
            if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) die("clock_gettime");
            sink += (unsigned long long)ts.tv_nsec;
        }
    } else if (!strcmp(mode, "read1m")) {
        int fd = open(at(path, sizeof path, dir, "data"), O_RDONLY);
        if (fd < 0) die("open");
        for (long i = 0; i < n; i++) {
            ssize_t got = read(fd, big, sizeof big);
            if (got == 0) {
                if (lseek(fd, 0, SEEK_SET) != 0) die("lseek");
                got = read(fd, big, sizeof big);
            }
            if (got < 0) die("read");
            sink += (unsigned long long)got;
        }
        close(fd);
    } else if (!strcmp(mode, "pread")) {
        int fd = open(at(path, sizeof path, dir, "data"), O_RDONLY);
        if (fd < 0) die("open");
        struct stat st;
        if (fstat(fd, &st) != 0) die("fstat");
        unsigned long long span = (unsigned long long)st.st_size - 64, x = 0x2545F4914F6CDD1DULL;
        for (long i = 0; i < n; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            if (pread(fd, big, 64, (off_t)((x >> 16) % span)) != 64) die("pread");
        }
        close(fd);
    } else if (!strcmp(mode, "openstat")) {
        at(path, sizeof path, dir, "small");
        struct stat st;
        for (long i = 0; i < n; i++) {
            int fd = open(path, O_RDONLY);
            if (fd < 0) die("open");
            if (fstat(fd, &st) != 0) die("fstat");
            sink += (unsigned long long)st.st_size;
            close(fd);
        }
    } else if (!strcmp(mode, "stat")) {
        struct stat st;
        for (long i = 0; i < n; i++) {
            snprintf(path, sizeof path, "%s/d10000/%05ld", dir, i % 10000);
            if (stat(path, &st) != 0) die("stat");
            sink += (unsigned long long)st.st_ino;
        }
    } else if (!strcmp(mode, "readdir")) {
        at(path, sizeof path, dir, "d10000");
        for (long i = 0; i < n; i++) {
            DIR *d = opendir(path);
            if (!d) die("opendir");
            long count = 0;
            struct dirent *e;
            while ((e = readdir(d)) != NULL) count++;
            closedir(d);
            if (count < 10000) {
                fprintf(stderr, "listed %ld entries\n", count);
                return 1;
            }
            sink += (unsigned long long)count;
        }
    } else if (!strcmp(mode, "random")) {
        for (long i = 0; i < n; i++) {
            if (getentropy(big, 256) != 0) die("getentropy");
            sink += (unsigned char)big[0];
        }
    } else if (!strcmp(mode, "spawn")) {
#ifdef __wasi__
        fprintf(stderr, "spawn: this build has no threads\n");
        return 2;
#else
        for (long i = 0; i < n; i++) {
            pthread_t thread;
            if (pthread_create(&thread, NULL, thread_main, NULL) != 0) die("pthread_create");
            if (pthread_join(thread, NULL) != 0) die("pthread_join");
        }
#endif
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    /* Keep the results alive without printing anything on a normal run. */
    if (sink == 42) puts("");
    return 0;
}
