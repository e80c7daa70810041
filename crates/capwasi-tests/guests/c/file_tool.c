// A tiny file tool for CLI tests: runs each command given as arguments, in order, and
// prints one line per command.
//
//   cat PATH          prints "cat PATH: <content>"
//   write PATH TEXT   creates or truncates PATH with TEXT
//   mv FROM TO        rename(2)
//   rm PATH           unlink(2)
//   ln FROM TO        link(2)
//   ls DIR            prints the names in DIR (without . and ..), sorted
//   stat PATH         prints "stat PATH: size=N ino=N mtime=S.NNNNNNNNN"
//
// Any failing command prints "CMD ARGS: errno N (message)" and the tool exits 3.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *what, const char *arg) {
    printf("%s %s: errno %d (%s)\n", what, arg, errno, strerror(errno));
    return 3;
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *cmd = argv[i];
        if (!strcmp(cmd, "cat") && i + 1 < argc) {
            const char *path = argv[++i];
            FILE *f = fopen(path, "r");
            if (!f) return fail(cmd, path);
            char buf[4096];
            size_t n = fread(buf, 1, sizeof buf - 1, f);
            buf[n] = 0;
            fclose(f);
            printf("cat %s: %s\n", path, buf);
        } else if (!strcmp(cmd, "write") && i + 2 < argc) {
            const char *path = argv[++i], *text = argv[++i];
            FILE *f = fopen(path, "w");
            if (!f) return fail(cmd, path);
            fputs(text, f);
            if (fclose(f)) return fail(cmd, path);
            printf("write %s\n", path);
        } else if ((!strcmp(cmd, "mv") || !strcmp(cmd, "ln")) && i + 2 < argc) {
            const char *from = argv[++i], *to = argv[++i];
            int rc = cmd[0] == 'm' ? rename(from, to) : link(from, to);
            if (rc) return fail(cmd, from);
            printf("%s %s %s\n", cmd, from, to);
        } else if (!strcmp(cmd, "rm") && i + 1 < argc) {
            const char *path = argv[++i];
            if (unlink(path)) return fail(cmd, path);
            printf("rm %s\n", path);
        } else if (!strcmp(cmd, "stat") && i + 1 < argc) {
            const char *path = argv[++i];
            struct stat st;
            if (stat(path, &st)) return fail(cmd, path);
            printf("stat %s: size=%lld ino=%llu mtime=%lld.%09ld\n", path, (long long)st.st_size,
                   (unsigned long long)st.st_ino, (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
        } else if (!strcmp(cmd, "ls") && i + 1 < argc) {
            const char *path = argv[++i];
            DIR *d = opendir(path);
            if (!d) return fail(cmd, path);
            char *names[256];
            int count = 0;
            struct dirent *e;
            while ((e = readdir(d)) && count < 256) {
                if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[count++] = strdup(e->d_name);
            }
            closedir(d);
            qsort(names, count, sizeof names[0], by_name);
            printf("ls %s:", path);
            for (int k = 0; k < count; k++) printf(" %s", names[k]);
            printf("\n");
        } else {
            printf("unknown command %s\n", cmd);
            return 2;
        }
    }
    return 0;
}
