/* wc: counts lines, words and bytes of each file named on the command line, like POSIX wc.
 * Run under capwasi with the files' directory preopened: it can open nothing else. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int count(const char *path, long *lines, long *words, long *bytes) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "wc: %s: %s\n", path, strerror(errno));
        return 1;
    }
    int c, in_word = 0;
    *lines = *words = *bytes = 0;
    while ((c = fgetc(f)) != EOF) {
        (*bytes)++;
        if (c == '\n') (*lines)++;
        if (isspace(c)) {
            in_word = 0;
        } else if (!in_word) {
            in_word = 1;
            (*words)++;
        }
    }
    fclose(f);
    return 0;
}

int main(int argc, char **argv) {
    long total[3] = {0, 0, 0};
    int status = 0;
    for (int i = 1; i < argc; i++) {
        long lines, words, bytes;
        if (count(argv[i], &lines, &words, &bytes) != 0) {
            status = 1;
            continue;
        }
        printf("%7ld %7ld %7ld %s\n", lines, words, bytes, argv[i]);
        total[0] += lines;
        total[1] += words;
        total[2] += bytes;
    }
    if (argc > 2) printf("%7ld %7ld %7ld total\n", total[0], total[1], total[2]);
    return status;
}
