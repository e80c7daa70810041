/* Moves stdout to fd 6 and back again with fd_renumber, the way real programs park stdout
 * (POSIX: dup2(1, 6); close(1); ... dup2(6, 1); close(6)), and writes through every stage.
 * Every numbered line must reach the real stdout. fd 6 and, between the moves, fd 1 are
 * unused numbers: renumbering onto them has to behave like dup2. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

static int say(int fd, const char *text) {
    ssize_t n = write(fd, text, strlen(text));
    return n == (ssize_t)strlen(text) ? 0 : errno;
}

int main(void) {
    printf("1 stdout before the move\n");
    fflush(stdout);
    __wasi_errno_t err = __wasi_fd_renumber(1, 6);
    if (err != 0) {
        fprintf(stderr, "fd_renumber(1, 6): errno %u\n", err);
        return 2;
    }
    say(6, "2 through fd 6\n");
    int closed = say(1, "lost: fd 1 is closed\n");
    char line[64];
    snprintf(line, sizeof line, "3 fd 1 after the move: %s\n", closed == EBADF ? "EBADF" : strerror(closed));
    say(6, line);
    err = __wasi_fd_renumber(6, 1);
    if (err != 0) {
        fprintf(stderr, "fd_renumber(6, 1): errno %u\n", err);
        return 3;
    }
    closed = say(6, "lost: fd 6 is closed\n");
    printf("4 stdout is back; fd 6 after the move back: %s\n", closed == EBADF ? "EBADF" : strerror(closed));
    for (int i = 5; i <= 7; i++) printf("%d more output\n", i);
    return 0;
}
