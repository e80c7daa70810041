/* Tries to leave the preopen at fd 3 every way a path can: `..`, absolute paths, symlinks
   to `/`, to `../..` and to absolute host paths, symlink chains and loops, `..` after a
   symlinked directory, trailing slashes; and moves files between two preopens (fds 3, 4).
   argv[1] picks the scenario; each attempt prints `label=errno` (and what it read). */
#include "guest.h"
#include <stdint.h>




/* Creates `path` under `dir` with O_CREAT, printing the errno. */
static void try_create(const char *label, __wasi_fd_t dir, const char *path) {
    __wasi_fd_t fd;
    __wasi_errno_t err = __wasi_path_open(dir, FOLLOW, path, __WASI_OFLAGS_CREAT,
                                          __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0, 0, &fd);
    say(label, err);
    if (err == 0) CHECK_ERRNO(__wasi_fd_close(fd), 0);
}

static void try_stat(const char *label, __wasi_fd_t dir, const char *path, int follow) {
    __wasi_filestat_t st;
    __wasi_errno_t err = __wasi_path_filestat_get(dir, follow ? FOLLOW : 0, path, &st);
    if (err == 0)
        printf("%s=0 type=%d\n", label, (int)st.filetype);
    else
        say(label, err);
}

static void readlink_print(const char *label, __wasi_fd_t dir, const char *path) {
    char buf[256];
    __wasi_size_t n = 0;
    __wasi_errno_t err = __wasi_path_readlink(dir, path, (uint8_t *)buf, sizeof buf - 1, &n);
    CHECK(n < sizeof buf);
    buf[n] = 0;
    printf("%s=%d \"%s\"\n", label, (int)err, buf);
}

/* `..` in every position that would climb above the preopen, for every path call. */
static void dotdot(const char *escape_name) {
    try_read("open ../outside.txt", 3, "../outside.txt", 1);
    try_read("open ..", 3, "..", 1);
    try_read("open sub/../../outside.txt", 3, "sub/../../outside.txt", 1);
    try_read("open ../sandbox/file.txt", 3, "../sandbox/file.txt", 1);
    try_read("open ../outside/secret.txt", 3, "../outside/secret.txt", 1);
    try_read("open sub/../file.txt", 3, "sub/../file.txt", 1);
    try_read("open ./sub/./../file.txt", 3, "./sub/./../file.txt", 1);
    char up_escape[128];
    snprintf(up_escape, sizeof up_escape, "../../%s", escape_name);
    try_create("create ../../NAME", 3, up_escape);
    try_create("create ../created.txt", 3, "../created.txt");
    try_stat("stat ../outside.txt", 3, "../outside.txt", 0);
    say("mkdir ../newdir", __wasi_path_create_directory(3, "../newdir"));
    say("rmdir ../outside", __wasi_path_remove_directory(3, "../outside"));
    say("unlink ../outside.txt", __wasi_path_unlink_file(3, "../outside.txt"));
    say("rename file.txt -> ../moved.txt", __wasi_path_rename(3, "file.txt", 3, "../moved.txt"));
    say("rename ../outside.txt -> stolen.txt", __wasi_path_rename(3, "../outside.txt", 3, "stolen.txt"));
    say("link ../outside.txt -> stolen.txt", __wasi_path_link(3, 0, "../outside.txt", 3, "stolen.txt"));
    say("link file.txt -> ../linked.txt", __wasi_path_link(3, 0, "file.txt", 3, "../linked.txt"));
    say("symlink x -> ../link", __wasi_path_symlink("x", 3, "../link"));
    say("set_times ../outside.txt",
        __wasi_path_filestat_set_times(3, 0, "../outside.txt", 0, 0, __WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW));
    char buf[16];
    __wasi_size_t n;
    say("readlink ../outside.txt", __wasi_path_readlink(3, "../outside.txt", (uint8_t *)buf, sizeof buf, &n));
}

/* Absolute paths are refused before anything is resolved. */
static void absolute(const char *host_outside) {
    try_read("open /", 3, "/", 1);
    try_read("open /etc/passwd", 3, "/etc/passwd", 1);
    try_read("open HOST_OUTSIDE", 3, host_outside, 1);
    try_read("open /file.txt", 3, "/file.txt", 1);
    try_create("create /abs.txt", 3, "/abs.txt");
    try_stat("stat /", 3, "/", 0);
    try_stat("stat HOST_OUTSIDE", 3, host_outside, 1);
    say("mkdir /tmp/capwasi-abs", __wasi_path_create_directory(3, "/tmp/capwasi-abs"));
    say("unlink HOST_OUTSIDE", __wasi_path_unlink_file(3, host_outside));
    say("rename file.txt -> /moved.txt", __wasi_path_rename(3, "file.txt", 3, "/moved.txt"));
    say("link file.txt -> /linked.txt", __wasi_path_link(3, 0, "file.txt", 3, "/linked.txt"));
    say("symlink x -> /link", __wasi_path_symlink("x", 3, "/link"));
}

/* A symlink to `/` may be made; following it is refused, and so is anything beneath it. */
static void symlink_root(void) {
    say("symlink / -> made", __wasi_path_symlink("/", 3, "made"));
    try_stat("lstat made", 3, "made", 0);
    /* `root -> /` was placed by the host: the guest may see that it is a link, but neither
       where it points (an absolute target names the host's tree) nor what is behind it. */
    readlink_print("readlink root", 3, "root");
    try_stat("lstat root", 3, "root", 0);
    try_stat("stat root", 3, "root", 1);
    try_read("open root", 3, "root", 1);
    try_read("open root nofollow", 3, "root", 0);
    try_read("open root/etc/passwd", 3, "root/etc/passwd", 1);
    try_read("open root/etc/passwd nofollow", 3, "root/etc/passwd", 0);
    try_create("create root/x", 3, "root/x");
    say("mkdir root/tmp/capwasi-evil", __wasi_path_create_directory(3, "root/tmp/capwasi-evil"));
    say("unlink root", __wasi_path_unlink_file(3, "root"));
}

/* Symlinks whose targets climb above the preopen with `..`. */
static void symlink_up(const char *escape_name) {
    say("symlink ../.. -> up2", __wasi_path_symlink("../..", 3, "up2"));
    say("symlink .. -> up1", __wasi_path_symlink("..", 3, "up1"));
    say("symlink ../outside.txt -> out", __wasi_path_symlink("../outside.txt", 3, "out"));
    say("symlink ../../outside.txt -> sub/out", __wasi_path_symlink("../../outside.txt", 3, "sub/out"));
    say("symlink sub/../.. -> up1b", __wasi_path_symlink("sub/../..", 3, "up1b"));
    readlink_print("readlink up2", 3, "up2");
    try_read("open up2", 3, "up2", 1);
    try_read("open up1", 3, "up1", 1);
    try_read("open up1/outside.txt", 3, "up1/outside.txt", 1);
    try_read("open up1/outside.txt nofollow", 3, "up1/outside.txt", 0);
    try_read("open up1b/outside.txt", 3, "up1b/outside.txt", 1);
    try_read("open out", 3, "out", 1);
    try_read("open sub/out", 3, "sub/out", 1);
    try_stat("stat out", 3, "out", 1);
    try_stat("lstat out", 3, "out", 0);
    try_create("create up1/created.txt", 3, "up1/created.txt");
    char up2_escape[128];
    snprintf(up2_escape, sizeof up2_escape, "up2/%s", escape_name);
    try_create("create up2/NAME", 3, up2_escape);
    say("mkdir up1/newdir", __wasi_path_create_directory(3, "up1/newdir"));
    say("unlink up1/outside.txt", __wasi_path_unlink_file(3, "up1/outside.txt"));
    say("rename up1/outside.txt -> stolen", __wasi_path_rename(3, "up1/outside.txt", 3, "stolen"));
    say("set_times out follow",
        __wasi_path_filestat_set_times(3, FOLLOW, "out", 0, 0, __WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW));
    /* Removing the links themselves stays inside. */
    say("unlink out", __wasi_path_unlink_file(3, "out"));
}

/* Symlinks with absolute targets: stored as given, never followed. */
static void symlink_absolute(const char *host_outside, const char *host_new) {
    (void)host_outside;
    say("symlink /etc/passwd -> made1", __wasi_path_symlink("/etc/passwd", 3, "made1"));
    say("symlink HOST_OUTSIDE -> made2", __wasi_path_symlink(host_outside, 3, "made2"));
    say("symlink HOST_NEW -> made3", __wasi_path_symlink(host_new, 3, "made3"));
    say("symlink /file.txt -> made4", __wasi_path_symlink("/file.txt", 3, "made4"));
    try_stat("lstat made1", 3, "made1", 0);
    /* The links below were placed by the host with the same absolute targets. */
    readlink_print("readlink hostlink", 3, "hostlink");
    try_read("open passwd", 3, "passwd", 1);
    try_read("open hostlink", 3, "hostlink", 1);
    try_read("open selfabs", 3, "selfabs", 1);
    try_stat("stat hostlink", 3, "hostlink", 1);
    try_stat("lstat hostlink", 3, "hostlink", 0);
    try_create("create newlink", 3, "newlink");
    say("set_times hostlink follow",
        __wasi_path_filestat_set_times(3, FOLLOW, "hostlink", 0, 0, __WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW));
}

/* Chains of symlinks resolve while they stay inside; a chain that ends outside is refused;
   loops are `loop`. */
static void chains(void) {
    say("symlink file.txt -> c", __wasi_path_symlink("file.txt", 3, "c"));
    say("symlink c -> b", __wasi_path_symlink("c", 3, "b"));
    say("symlink b -> a", __wasi_path_symlink("b", 3, "a"));
    try_read("open a", 3, "a", 1);
    try_stat("stat a", 3, "a", 1);
    say("symlink sub -> dsub", __wasi_path_symlink("sub", 3, "dsub"));
    say("symlink ../dsub -> sub/back", __wasi_path_symlink("../dsub", 3, "sub/back"));
    try_read("open sub/back/back/back/f.txt", 3, "sub/back/back/back/f.txt", 1);
    say("symlink ../outside.txt -> z", __wasi_path_symlink("../outside.txt", 3, "z"));
    say("symlink z -> y", __wasi_path_symlink("z", 3, "y"));
    say("symlink y -> x", __wasi_path_symlink("y", 3, "x"));
    try_read("open x", 3, "x", 1);
    try_stat("stat x", 3, "x", 1);
    say("symlink loop2 -> loop1", __wasi_path_symlink("loop2", 3, "loop1"));
    say("symlink loop1 -> loop2", __wasi_path_symlink("loop1", 3, "loop2"));
    say("symlink self -> self", __wasi_path_symlink("self", 3, "self"));
    try_read("open loop1", 3, "loop1", 1);
    try_read("open self", 3, "self", 1);
    try_read("open loop1/x", 3, "loop1/x", 1);
    try_stat("stat loop1", 3, "loop1", 1);
    try_stat("lstat loop1", 3, "loop1", 0);
    try_create("create self", 3, "self");
}

/* `..` after a symlinked directory climbs from the link's target, as POSIX resolves it, and
   never above the preopen. */
static void dotdot_symlinked_dir(void) {
    say("symlink sub/deep -> l", __wasi_path_symlink("sub/deep", 3, "l"));
    try_read("open l/../f.txt", 3, "l/../f.txt", 1);
    try_read("open l/../../file.txt", 3, "l/../../file.txt", 1);
    try_read("open l/../../../outside.txt", 3, "l/../../../outside.txt", 1);
    try_read("open l/../../..", 3, "l/../../..", 1);
    try_stat("stat l/../../../outside.txt", 3, "l/../../../outside.txt", 0);
    try_create("create l/../../../created.txt", 3, "l/../../../created.txt");
    say("mkdir l/../../../newdir", __wasi_path_create_directory(3, "l/../../../newdir"));
}

/* Trailing slashes name directories: on a file they are `notdir`. */
static void trailing_slash(void) {
    try_read("open file.txt/", 3, "file.txt/", 1);
    try_read("open file.txt/.", 3, "file.txt/.", 1);
    try_read("open file.txt/..", 3, "file.txt/..", 1);
    try_read("open sub/", 3, "sub/", 1);
    try_read("open sub//f.txt", 3, "sub//f.txt", 1);
    try_stat("stat file.txt/", 3, "file.txt/", 1);
    try_stat("stat sub/", 3, "sub/", 0);
    try_create("create new.txt/", 3, "new.txt/");
    say("mkdir newdir/", __wasi_path_create_directory(3, "newdir/"));
    say("symlink file.txt -> flink", __wasi_path_symlink("file.txt", 3, "flink"));
    try_read("open flink/", 3, "flink/", 1);
    say("symlink ../outside.txt -> olink", __wasi_path_symlink("../outside.txt", 3, "olink"));
    try_read("open olink/", 3, "olink/", 1);
    try_read("open ../", 3, "../", 1);
}

/* path_filestat_get without symlink_follow on `file/`: a trailing slash still requires a
   directory (POSIX lstat("file/") is ENOTDIR, and it follows a final symlink). */
static void lstat_trailing_slash(void) {
    say("symlink file.txt -> flink", __wasi_path_symlink("file.txt", 3, "flink"));
    try_stat("lstat file.txt/", 3, "file.txt/", 0);
    try_stat("lstat flink/", 3, "flink/", 0);
    try_stat("lstat sub/", 3, "sub/", 0);
}

/* Renames and links between two preopens (fds 3 and 4) are allowed; `..` from either still
   stops at its own root. */
static void two_preopens(void) {
    say("rename a:x.txt -> b:x.txt", __wasi_path_rename(3, "x.txt", 4, "x.txt"));
    say("link b:x.txt -> a:hard.txt", __wasi_path_link(4, 0, "x.txt", 3, "hard.txt"));
    say("rename a:d -> b:d", __wasi_path_rename(3, "d", 4, "d"));
    say("symlink ../a/hard.txt -> b:link", __wasi_path_symlink("../a/hard.txt", 4, "link"));
    try_read("open b:link", 4, "link", 1);
    try_read("open b:../a/hard.txt", 4, "../a/hard.txt", 1);
    say("rename b:x.txt -> a:../outside.txt", __wasi_path_rename(4, "x.txt", 3, "../outside.txt"));
    say("rename b:../outside.txt -> a:y.txt", __wasi_path_rename(4, "../outside.txt", 3, "y.txt"));
    try_read("open b:d/inner.txt", 4, "d/inner.txt", 1);
}

int main(int argc, char **argv) {
    CHECK(argc >= 2);
    const char *mode = argv[1];
    if (!strcmp(mode, "dotdot")) {
        CHECK(argc == 3);
        dotdot(argv[2]);
    } else if (!strcmp(mode, "absolute")) {
        CHECK(argc == 3);
        absolute(argv[2]);
    } else if (!strcmp(mode, "symlink_root")) {
        symlink_root();
    } else if (!strcmp(mode, "symlink_up")) {
        CHECK(argc == 3);
        symlink_up(argv[2]);
    } else if (!strcmp(mode, "symlink_absolute")) {
        CHECK(argc == 4);
        symlink_absolute(argv[2], argv[3]);
    } else if (!strcmp(mode, "chains")) {
        chains();
    } else if (!strcmp(mode, "dotdot_symlinked_dir")) {
        dotdot_symlinked_dir();
    } else if (!strcmp(mode, "trailing_slash")) {
        trailing_slash();
    } else if (!strcmp(mode, "lstat_trailing_slash")) {
        lstat_trailing_slash();
    } else if (!strcmp(mode, "two_preopens")) {
        two_preopens();
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    return 0;
}
