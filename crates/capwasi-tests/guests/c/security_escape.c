/* Escape attempts beyond fs_sandbox.c: hard links to files outside, renames and links between
   a writable and a read-only preopen, fd_renumber onto a preopen, /proc/self-style names, and
   the trailing-slash rename advisory. argv[1] picks the scenario; each attempt prints
   `label=errno` (and what it read). The host checks that nothing outside changed. */
#include "guest.h"
#include <stdint.h>

#define NO_WRITE (ALL_RIGHTS & ~(__wasi_rights_t)__WASI_RIGHTS_FD_WRITE)
#define BOTH_NOW (__WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW)



/* Opens `path` under `dir` with `oflags` and `rights`, prints the errno, closes. */
static void try_open(const char *label, __wasi_fd_t dir, __wasi_lookupflags_t lookup, const char *path,
                     __wasi_oflags_t oflags, __wasi_rights_t rights) {
    __wasi_fd_t fd;
    __wasi_errno_t err = __wasi_path_open(dir, lookup, path, oflags, rights, 0, 0, &fd);
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

/* path_link whose source or destination leaves the preopen, directly or through symlinks. */
static void hardlink_out(void) {
    say("link ../outside.txt -> stolen1", __wasi_path_link(3, 0, "../outside.txt", 3, "stolen1"));
    say("link dir/../../outside.txt -> stolen2", __wasi_path_link(3, 0, "dir/../../outside.txt", 3, "stolen2"));
    say("link up/outside.txt -> stolen3", __wasi_path_link(3, 0, "up/outside.txt", 3, "stolen3"));
    say("link up/outside/secret.txt -> stolen4", __wasi_path_link(3, 0, "up/outside/secret.txt", 3, "stolen4"));
    say("link upabs/secret.txt -> stolen5", __wasi_path_link(3, 0, "upabs/secret.txt", 3, "stolen5"));
    say("link outlink follow -> stolen6", __wasi_path_link(3, FOLLOW, "outlink", 3, "stolen6"));
    say("link outabs follow -> stolen7", __wasi_path_link(3, FOLLOW, "outabs", 3, "stolen7"));
    say("link outlink/ -> stolen8", __wasi_path_link(3, 0, "outlink/", 3, "stolen8"));
    say("link up/outside -> stolen9", __wasi_path_link(3, 0, "up/outside", 3, "stolen9"));
    /* Without symlink_follow the link names the symlink itself: a second name for a symlink
       that still cannot be followed out. */
    say("link outlink -> samelink", __wasi_path_link(3, 0, "outlink", 3, "samelink"));
    try_stat("lstat samelink", 3, "samelink", 0);
    try_read("open samelink", 3, "samelink", 1);
    try_stat("stat samelink", 3, "samelink", 1);
    /* Destinations outside. */
    say("link file.txt -> ../linked", __wasi_path_link(3, 0, "file.txt", 3, "../linked"));
    say("link file.txt -> up/linked", __wasi_path_link(3, 0, "file.txt", 3, "up/linked"));
    say("link file.txt -> up/outside/linked", __wasi_path_link(3, 0, "file.txt", 3, "up/outside/linked"));
    say("link file.txt -> upabs/linked", __wasi_path_link(3, 0, "file.txt", 3, "upabs/linked"));
    say("link file.txt -> dir/../../linked", __wasi_path_link(3, 0, "file.txt", 3, "dir/../../linked"));
    /* Onto an existing outside name. */
    say("link file.txt -> up/outside.txt", __wasi_path_link(3, 0, "file.txt", 3, "up/outside.txt"));
    say("link file.txt -> outlink", __wasi_path_link(3, 0, "file.txt", 3, "outlink"));
    /* Directories are never hard-linked. */
    say("link dir -> dirlink", __wasi_path_link(3, 0, "dir", 3, "dirlink"));
    /* A plain link inside still works. */
    say("link file.txt -> dir/hard", __wasi_path_link(3, 0, "file.txt", 3, "dir/hard"));
    try_read("open dir/hard", 3, "dir/hard", 0);
}

/* fd 3 is a writable preopen (a.txt, sub/), fd 4 a read-only one (b.txt, d/inner.txt,
   emptyd/): nothing crosses in either direction. */
static void ro_pair(void) {
    say("rename rw:a.txt -> ro:a.txt", __wasi_path_rename(3, "a.txt", 4, "a.txt"));
    say("rename rw:a.txt -> ro:b.txt", __wasi_path_rename(3, "a.txt", 4, "b.txt"));
    say("rename rw:sub -> ro:newsub", __wasi_path_rename(3, "sub", 4, "newsub"));
    say("rename rw:sub -> ro:emptyd", __wasi_path_rename(3, "sub", 4, "emptyd"));
    say("rename ro:b.txt -> rw:b.txt", __wasi_path_rename(4, "b.txt", 3, "b.txt"));
    say("rename ro:b.txt -> rw:a.txt", __wasi_path_rename(4, "b.txt", 3, "a.txt"));
    say("rename ro:d -> rw:d", __wasi_path_rename(4, "d", 3, "d"));
    say("rename ro:emptyd -> rw:sub", __wasi_path_rename(4, "emptyd", 3, "sub"));
    say("rename ro:d/inner.txt -> rw:inner.txt", __wasi_path_rename(4, "d/inner.txt", 3, "inner.txt"));
    say("link rw:a.txt -> ro:a.txt", __wasi_path_link(3, 0, "a.txt", 4, "a.txt"));
    /* A second name in the writable preopen would make the read-only file writable. */
    say("link ro:b.txt -> rw:b.txt", __wasi_path_link(4, 0, "b.txt", 3, "b.txt"));
    say("link ro:d/inner.txt -> rw:inner.txt", __wasi_path_link(4, 0, "d/inner.txt", 3, "inner.txt"));
    /* Paths climbing from one preopen into the other. */
    say("rename rw:a.txt -> ro:../rw/x.txt", __wasi_path_rename(3, "a.txt", 4, "../rw/x.txt"));
    say("rename rw:a.txt -> rw:../ro/a.txt", __wasi_path_rename(3, "a.txt", 3, "../ro/a.txt"));
    say("link rw:../ro/b.txt -> rw:b.txt", __wasi_path_link(3, 0, "../ro/b.txt", 3, "b.txt"));
    say("symlink ../ro/b.txt -> rw:tob", __wasi_path_symlink("../ro/b.txt", 3, "tob"));
    try_open("open rw:tob for write", 3, FOLLOW, "tob", 0, __WASI_RIGHTS_FD_WRITE);
    try_read("open rw:tob", 3, "tob", 1);
    try_open("open rw:../ro/b.txt for write", 3, FOLLOW, "../ro/b.txt", 0, __WASI_RIGHTS_FD_WRITE);
    /* A directory opened under the read-only preopen, with every right it may have. */
    __wasi_fd_t d;
    CHECK_ERRNO(__wasi_path_open(4, 0, "d", __WASI_OFLAGS_DIRECTORY, NO_WRITE, ALL_RIGHTS, 0, &d), 0);
    say("rename rw:a.txt -> ro/d:a.txt", __wasi_path_rename(3, "a.txt", d, "a.txt"));
    say("link rw:a.txt -> ro/d:a.txt", __wasi_path_link(3, 0, "a.txt", d, "a.txt"));
    say("rename ro/d:inner.txt -> rw:inner.txt", __wasi_path_rename(d, "inner.txt", 3, "inner.txt"));
    say("link ro/d:inner.txt -> rw:inner.txt", __wasi_path_link(d, 0, "inner.txt", 3, "inner.txt"));
    CHECK_ERRNO(__wasi_fd_close(d), 0);
    /* A directory opened under the writable preopen cannot reach into the read-only one. */
    __wasi_fd_t s;
    CHECK_ERRNO(__wasi_path_open(3, 0, "sub", __WASI_OFLAGS_DIRECTORY, NO_WRITE, ALL_RIGHTS, 0, &s), 0);
    say("rename ro:b.txt -> rw/sub:b.txt", __wasi_path_rename(4, "b.txt", s, "b.txt"));
    say("link ro:b.txt -> rw/sub:b.txt", __wasi_path_link(4, 0, "b.txt", s, "b.txt"));
    say("rename rw/sub:../a.txt -> ro:a.txt", __wasi_path_rename(s, "../a.txt", 4, "a.txt"));
    CHECK_ERRNO(__wasi_fd_close(s), 0);
    try_read("open ro:b.txt", 4, "b.txt", 0);
    try_read("open rw:a.txt", 3, "a.txt", 0);
}

static void prestat_name(const char *label, __wasi_fd_t fd) {
    __wasi_prestat_t pre;
    __wasi_errno_t err = __wasi_fd_prestat_get(fd, &pre);
    if (err != 0) {
        say(label, err);
        return;
    }
    char name[64] = {0};
    CHECK(pre.u.dir.pr_name_len < sizeof name);
    CHECK_ERRNO(__wasi_fd_prestat_dir_name(fd, (uint8_t *)name, pre.u.dir.pr_name_len), 0);
    printf("%s=0 %s\n", label, name);
}

/* fd 3 is a writable preopen (file.txt, dir/inner.txt), fd 4 a read-only one (b.txt).
   Renumbering a descriptor onto a preopen's number gives that number exactly the moved
   descriptor's reach and rights, nothing of the preopen it replaced. */
static void renumber(void) {
    __wasi_fd_t d;
    CHECK_ERRNO(__wasi_path_open(3, 0, "dir", __WASI_OFLAGS_DIRECTORY, NO_WRITE, ALL_RIGHTS, 0, &d), 0);
    printf("opened dir as %d\n", (int)d);
    say("renumber dir -> 3", __wasi_fd_renumber(d, 3));
    prestat_name("prestat 3", 3);
    __wasi_fdstat_t st;
    say("fdstat old number", __wasi_fd_fdstat_get(d, &st));
    try_read("open 3:inner.txt", 3, "inner.txt", 0);
    try_read("open 3:../file.txt", 3, "../file.txt", 1);
    try_read("open 3:..", 3, "..", 1);
    try_read("open 3:../../outside.txt", 3, "../../outside.txt", 1);
    try_open("create 3:../created.txt", 3, 0, "../created.txt", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE);
    say("mkdir 3:../newdir", __wasi_path_create_directory(3, "../newdir"));
    say("symlink ../file.txt -> 3:up", __wasi_path_symlink("../file.txt", 3, "up"));
    try_read("open 3:up", 3, "up", 1);
    say("rename 3:inner.txt -> 3:../moved.txt", __wasi_path_rename(3, "inner.txt", 3, "../moved.txt"));

    /* The read-only preopen onto the number the writable one had. */
    say("renumber 4 -> 3", __wasi_fd_renumber(4, 3));
    prestat_name("prestat 3", 3);
    prestat_name("prestat 4", 4);
    try_read("open 3:b.txt", 3, "b.txt", 0);
    try_open("create 3:new.txt", 3, 0, "new.txt", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ);
    try_open("open 3:b.txt for write", 3, 0, "b.txt", 0, __WASI_RIGHTS_FD_WRITE);
    say("unlink 3:b.txt", __wasi_path_unlink_file(3, "b.txt"));
    say("mkdir 3:newdir", __wasi_path_create_directory(3, "newdir"));
    try_read("open 3:../sandbox/file.txt", 3, "../sandbox/file.txt", 1);
    say("widen 3", __wasi_fd_fdstat_set_rights(3, ALL_RIGHTS, ALL_RIGHTS));

    /* Onto stdin, and onto the highest number the table allows. */
    say("renumber 3 -> 0", __wasi_fd_renumber(3, 0));
    prestat_name("prestat 0", 0);
    uint8_t byte;
    __wasi_iovec_t iov = {.buf = &byte, .buf_len = 1};
    __wasi_size_t n;
    say("fd_read 0", __wasi_fd_read(0, &iov, 1, &n));
    try_read("open 0:b.txt", 0, "b.txt", 0);
    try_read("open 0:../outside.txt", 0, "../outside.txt", 1);
    try_open("create 0:x", 0, 0, "x", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ);
    say("renumber 0 -> 65535", __wasi_fd_renumber(0, 65535));
    try_read("open 65535:b.txt", 65535, "b.txt", 0);
    try_read("open 65535:../outside/secret.txt", 65535, "../outside/secret.txt", 1);
    say("renumber 65535 -> 65536", __wasi_fd_renumber(65535, 65536));
    say("fdstat 65535", __wasi_fd_fdstat_get(65535, &st));
}

/* `/proc/self/...`: absolute, so refused outright, as link targets too; through symlinks
   the host made never followed. */
static void proc_self(void) {
    try_read("open /proc/self/root", 3, "/proc/self/root", 1);
    try_read("open /proc/self/root/etc/passwd", 3, "/proc/self/root/etc/passwd", 1);
    try_read("open /proc/self/cwd", 3, "/proc/self/cwd", 1);
    try_read("open /proc/self/fd/3", 3, "/proc/self/fd/3", 1);
    try_read("open /dev/fd/3", 3, "/dev/fd/3", 1);
    try_stat("stat /proc/self/root", 3, "/proc/self/root", 1);
    say("mkdir /proc/self/cwd/evil", __wasi_path_create_directory(3, "/proc/self/cwd/evil"));

    /* The guest may not make links with absolute targets; the host placed the same ones as
       pr, pc, pf, pfd, pt and df. */
    say("symlink /proc/self/root -> made_pr", __wasi_path_symlink("/proc/self/root", 3, "made_pr"));
    say("symlink /proc/self/cwd -> made_pc", __wasi_path_symlink("/proc/self/cwd", 3, "made_pc"));
    say("symlink /proc/self/fd/3 -> made_pf", __wasi_path_symlink("/proc/self/fd/3", 3, "made_pf"));
    say("symlink /proc/self/fd -> made_pfd", __wasi_path_symlink("/proc/self/fd", 3, "made_pfd"));
    say("symlink /proc/thread-self/root -> made_pt", __wasi_path_symlink("/proc/thread-self/root", 3, "made_pt"));
    say("symlink /dev/fd/3 -> made_df", __wasi_path_symlink("/dev/fd/3", 3, "made_df"));
    say("symlink ../../../../../../../../../../proc/self/root -> rel",
        __wasi_path_symlink("../../../../../../../../../../proc/self/root", 3, "rel"));
    try_read("open pr", 3, "pr", 1);
    try_read("open pr nofollow", 3, "pr", 0);
    try_read("open pr/etc/passwd", 3, "pr/etc/passwd", 1);
    try_read("open pr/etc/passwd nofollow", 3, "pr/etc/passwd", 0);
    try_read("open pc", 3, "pc", 1);
    try_read("open pf", 3, "pf", 1);
    try_read("open pfd/3", 3, "pfd/3", 1);
    try_read("open pt", 3, "pt", 1);
    try_read("open df", 3, "df", 1);
    try_read("open rel", 3, "rel", 1);
    try_read("open rel/etc/passwd", 3, "rel/etc/passwd", 1);
    try_stat("stat pr", 3, "pr", 1);
    try_stat("stat pf", 3, "pf", 1);
    try_stat("lstat pr", 3, "pr", 0);
    try_open("create pr/tmp/capwasi-evil", 3, FOLLOW, "pr/tmp/capwasi-evil", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE);
    try_open("create pc/capwasi-evil", 3, FOLLOW, "pc/capwasi-evil", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE);
    say("mkdir pc/capwasi-evil-dir", __wasi_path_create_directory(3, "pc/capwasi-evil-dir"));
    say("set_times pf follow", __wasi_path_filestat_set_times(3, FOLLOW, "pf", 0, 0, BOTH_NOW));
    /* Links the host made, into the outside tree through /proc/self/root. */
    try_read("open hostproc", 3, "hostproc", 1);
    try_read("open hostprocdir/secret.txt", 3, "hostprocdir/secret.txt", 1);
    try_stat("stat hostproc", 3, "hostproc", 1);
    try_open("create hostprocdir/new.txt", 3, FOLLOW, "hostprocdir/new.txt", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE);
    say("link hostproc -> hp", __wasi_path_link(3, 0, "hostproc", 3, "hp"));
    try_read("open hp", 3, "hp", 1);
}

/* The trailing-slash rename advisory and its relatives: names ending in `/` that are symlinks
   to directories (and files) outside. `lout -> ../outside`, `labs -> ROOT/outside`,
   `lempty -> ../outside/empty`, `lemptyabs -> ROOT/outside/empty`,
   `lsecret -> ../outside/secret.txt`, `lfile -> file.txt`, `ldir -> dir`. */
static void rename_slash(void) {
    say("rename file.txt -> lout/", __wasi_path_rename(3, "file.txt", 3, "lout/"));
    say("rename file.txt -> labs/", __wasi_path_rename(3, "file.txt", 3, "labs/"));
    say("rename file.txt -> lout/file.txt", __wasi_path_rename(3, "file.txt", 3, "lout/file.txt"));
    say("rename file.txt -> lempty/x", __wasi_path_rename(3, "file.txt", 3, "lempty/x"));
    say("rename file.txt -> lsecret/", __wasi_path_rename(3, "file.txt", 3, "lsecret/"));
    say("rename lout/ -> x", __wasi_path_rename(3, "lout/", 3, "x"));
    say("rename labs/ -> x", __wasi_path_rename(3, "labs/", 3, "x"));
    say("rename lempty/ -> x", __wasi_path_rename(3, "lempty/", 3, "x"));
    say("rename lempty/ -> x/", __wasi_path_rename(3, "lempty/", 3, "x/"));
    say("rename lemptyabs/ -> x/", __wasi_path_rename(3, "lemptyabs/", 3, "x/"));
    say("rename lempty/ -> emptydir", __wasi_path_rename(3, "lempty/", 3, "emptydir"));
    say("rename lempty/ -> emptydir/", __wasi_path_rename(3, "lempty/", 3, "emptydir/"));
    say("rename lout/ -> newdir/", __wasi_path_rename(3, "lout/", 3, "newdir/"));
    say("rename lempty/. -> x", __wasi_path_rename(3, "lempty/.", 3, "x"));
    say("rename emptydir/ -> lempty/", __wasi_path_rename(3, "emptydir/", 3, "lempty/"));
    say("rename emptydir/ -> lemptyabs/", __wasi_path_rename(3, "emptydir/", 3, "lemptyabs/"));
    say("rename emptydir -> lempty/", __wasi_path_rename(3, "emptydir", 3, "lempty/"));
    say("rename emptydir/ -> lout/empty/", __wasi_path_rename(3, "emptydir/", 3, "lout/empty/"));
    say("rename emptydir/ -> lout/empty", __wasi_path_rename(3, "emptydir/", 3, "lout/empty"));
    say("rename emptydir/ -> lempty/.", __wasi_path_rename(3, "emptydir/", 3, "lempty/."));
    say("rename dir/ -> lout/", __wasi_path_rename(3, "dir/", 3, "lout/"));
    say("rename dir/ -> lempty/", __wasi_path_rename(3, "dir/", 3, "lempty/"));
    say("rename lsecret/ -> x", __wasi_path_rename(3, "lsecret/", 3, "x"));
    say("rename lfile/ -> x", __wasi_path_rename(3, "lfile/", 3, "x"));
    say("rename ldir/ -> x", __wasi_path_rename(3, "ldir/", 3, "x"));
    /* Controls: trailing slashes on real directories inside work. */
    say("rename dir/ -> dir2/", __wasi_path_rename(3, "dir/", 3, "dir2/"));
    say("rename dir2/ -> dir", __wasi_path_rename(3, "dir2/", 3, "dir"));
    /* The other calls that take a trailing slash on a symlink to outside. */
    say("rmdir lempty/", __wasi_path_remove_directory(3, "lempty/"));
    say("rmdir lemptyabs/", __wasi_path_remove_directory(3, "lemptyabs/"));
    say("rmdir lout/empty/", __wasi_path_remove_directory(3, "lout/empty/"));
    say("unlink lsecret/", __wasi_path_unlink_file(3, "lsecret/"));
    say("unlink lout/", __wasi_path_unlink_file(3, "lout/"));
    say("unlink lout/secret.txt", __wasi_path_unlink_file(3, "lout/secret.txt"));
    say("set_times lout/", __wasi_path_filestat_set_times(3, 0, "lout/", 0, 0, BOTH_NOW));
    say("set_times lempty/", __wasi_path_filestat_set_times(3, 0, "lempty/", 0, 0, BOTH_NOW));
    say("set_times lsecret/", __wasi_path_filestat_set_times(3, 0, "lsecret/", 0, 0, BOTH_NOW));
    say("link lempty/ -> y", __wasi_path_link(3, 0, "lempty/", 3, "y"));
    say("link lsecret/ -> y", __wasi_path_link(3, 0, "lsecret/", 3, "y"));
    say("link file.txt -> lempty/", __wasi_path_link(3, 0, "file.txt", 3, "lempty/"));
    try_open("open lempty/ nofollow", 3, 0, "lempty/", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR);
    try_open("open lsecret/ nofollow", 3, 0, "lsecret/", 0, __WASI_RIGHTS_FD_READ);
    try_stat("lstat lout/", 3, "lout/", 0);
    try_stat("lstat lsecret/", 3, "lsecret/", 0);
    say("mkdir lempty/", __wasi_path_create_directory(3, "lempty/"));
    say("mkdir lempty/sub", __wasi_path_create_directory(3, "lempty/sub"));
    say("symlink file.txt -> lempty/", __wasi_path_symlink("file.txt", 3, "lempty/"));
    say("symlink file.txt -> lempty/z", __wasi_path_symlink("file.txt", 3, "lempty/z"));
}

int main(int argc, char **argv) {
    CHECK(argc == 2);
    const char *mode = argv[1];
    if (!strcmp(mode, "hardlink_out")) {
        hardlink_out();
    } else if (!strcmp(mode, "ro_pair")) {
        ro_pair();
    } else if (!strcmp(mode, "renumber")) {
        renumber();
    } else if (!strcmp(mode, "proc_self")) {
        proc_self();
    } else if (!strcmp(mode, "rename_slash")) {
        rename_slash();
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    return 0;
}
