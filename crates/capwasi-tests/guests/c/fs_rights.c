/* Rights: what path_open grants, what fd_fdstat_get shows, narrowing and widening with
   fd_fdstat_set_rights, and each call refused with `notcapable` when its right is missing.
   The preopen at fd 3 holds `file.txt` ("0123456789") and `sub/f.txt`. argv[1] picks the
   scenario; rights print in hex. */
#include "guest.h"
#include <inttypes.h>
#include <stdint.h>



static void show_rights(const char *label, __wasi_fd_t fd) {
    __wasi_fdstat_t st;
    CHECK_ERRNO(__wasi_fd_fdstat_get(fd, &st), 0);
    printf("%s type=%d base=0x%" PRIx64 " inheriting=0x%" PRIx64 "\n", label, (int)st.fs_filetype,
           (uint64_t)st.fs_rights_base, (uint64_t)st.fs_rights_inheriting);
}

static __wasi_fd_t open_with(__wasi_fd_t dir, const char *path, __wasi_oflags_t oflags, __wasi_rights_t base,
                             __wasi_rights_t inheriting) {
    __wasi_fd_t fd;
    CHECK_ERRNO(__wasi_path_open(dir, 0, path, oflags, base, inheriting, 0, &fd), 0);
    return fd;
}

/* The preopen and stdio as the guest finds them. */
static void initial(void) {
    show_rights("preopen", 3);
    show_rights("stdin", 0);
    show_rights("stdout", 1);
}

/* A new descriptor gets what it asked for, cut to what the directory passes down and to
   what its kind can use. */
static void intersection(void) {
    __wasi_fd_t f = open_with(3, "file.txt", 0,
                              __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL |
                                  __WASI_RIGHTS_PATH_CREATE_DIRECTORY | __WASI_RIGHTS_FD_READDIR,
                              ALL_RIGHTS);
    show_rights("file asked read|seek|tell|mkdir|readdir", f);
    __wasi_fd_t sub = open_with(3, "sub", __WASI_OFLAGS_DIRECTORY,
                                __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_FD_READ,
                                __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK);
    show_rights("sub asked open|readdir|read inheriting read|seek", sub);
    __wasi_fd_t g = open_with(sub, "f.txt", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL,
                              ALL_RIGHTS);
    show_rights("sub/f.txt asked read|seek|tell", g);
    __wasi_filesize_t pos;
    say("tell sub/f.txt", __wasi_fd_tell(g, &pos));
    say("seek sub/f.txt", __wasi_fd_seek(g, 1, __WASI_WHENCE_SET, &pos));
    __wasi_fd_t h;
    say("open sub/f.txt for write", __wasi_path_open(sub, 0, "f.txt", 0, __WASI_RIGHTS_FD_WRITE, 0, 0, &h));
    say("create sub/new.txt", __wasi_path_open(sub, 0, "new.txt", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ, 0, 0, &h));
    __wasi_filestat_t fst;
    say("stat sub/f.txt", __wasi_path_filestat_get(sub, 0, "f.txt", &fst));
    say("mkdir sub/d", __wasi_path_create_directory(sub, "d"));
    __wasi_fd_t none = open_with(3, "file.txt", 0, 0, 0);
    show_rights("file asked nothing", none);
}

/* fd_fdstat_set_rights narrows; asking back for anything dropped is `notcapable`. */
static void set_rights(void) {
    __wasi_rights_t rw = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL;
    __wasi_fd_t f = open_with(3, "file.txt", 0, rw, 0);
    show_rights("opened", f);
    say("narrow to read|tell", __wasi_fd_fdstat_set_rights(f, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_TELL, 0));
    show_rights("narrowed", f);
    uint8_t byte = 'x';
    __wasi_ciovec_t ciov = {.buf = &byte, .buf_len = 1};
    __wasi_size_t n;
    say("write after narrowing", __wasi_fd_write(f, &ciov, 1, &n));
    __wasi_filesize_t pos;
    say("seek after narrowing", __wasi_fd_seek(f, 2, __WASI_WHENCE_SET, &pos));
    say("tell after narrowing", __wasi_fd_tell(f, &pos));
    say("widen to read|write", __wasi_fd_fdstat_set_rights(f, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0));
    say("widen inheriting", __wasi_fd_fdstat_set_rights(f, __WASI_RIGHTS_FD_READ, __WASI_RIGHTS_FD_READ));
    say("same again", __wasi_fd_fdstat_set_rights(f, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_TELL, 0));
    show_rights("after refusals", f);
    say("narrow to nothing", __wasi_fd_fdstat_set_rights(f, 0, 0));
    show_rights("empty", f);

    /* On a directory: drop path_create_directory from the preopen itself. */
    __wasi_fdstat_t st;
    CHECK_ERRNO(__wasi_fd_fdstat_get(3, &st), 0);
    __wasi_rights_t base = st.fs_rights_base, inheriting = st.fs_rights_inheriting;
    say("preopen drop mkdir", __wasi_fd_fdstat_set_rights(3, base & ~__WASI_RIGHTS_PATH_CREATE_DIRECTORY, inheriting));
    say("mkdir d", __wasi_path_create_directory(3, "d"));
    say("preopen widen back", __wasi_fd_fdstat_set_rights(3, base, inheriting));
    say("preopen drop inherited write", __wasi_fd_fdstat_set_rights(3, base & ~__WASI_RIGHTS_PATH_CREATE_DIRECTORY,
                                                                      inheriting & ~__WASI_RIGHTS_FD_WRITE));
    __wasi_fd_t g;
    say("open for write", __wasi_path_open(3, 0, "file.txt", 0, __WASI_RIGHTS_FD_WRITE, 0, 0, &g));
    say("open for read", __wasi_path_open(3, 0, "file.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &g));
}

/* Each call on a descriptor that lacks its right. */
static void missing(void) {
    __wasi_rights_t all_file = __WASI_RIGHTS_FD_DATASYNC | __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK |
                               __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS | __WASI_RIGHTS_FD_SYNC | __WASI_RIGHTS_FD_TELL |
                               __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_ADVISE | __WASI_RIGHTS_FD_ALLOCATE |
                               __WASI_RIGHTS_FD_FILESTAT_GET | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE |
                               __WASI_RIGHTS_FD_FILESTAT_SET_TIMES;
    uint8_t buf[4];
    __wasi_iovec_t iov = {.buf = buf, .buf_len = sizeof buf};
    __wasi_ciovec_t ciov = {.buf = buf, .buf_len = sizeof buf};
    __wasi_size_t n;
    __wasi_filesize_t pos;
    __wasi_filestat_t fst;
#define WITHOUT(right, label, call)                                                  \
    do {                                                                             \
        __wasi_fd_t fd = open_with(3, "file.txt", 0, all_file & ~(right), 0);       \
        say(label, call);                                                            \
        CHECK_ERRNO(__wasi_fd_close(fd), 0);                                         \
    } while (0)
    WITHOUT(__WASI_RIGHTS_FD_READ, "fd_read without fd_read", __wasi_fd_read(fd, &iov, 1, &n));
    WITHOUT(__WASI_RIGHTS_FD_READ, "fd_pread without fd_read", __wasi_fd_pread(fd, &iov, 1, 0, &n));
    WITHOUT(__WASI_RIGHTS_FD_WRITE, "fd_write without fd_write", __wasi_fd_write(fd, &ciov, 1, &n));
    WITHOUT(__WASI_RIGHTS_FD_WRITE, "fd_pwrite without fd_write", __wasi_fd_pwrite(fd, &ciov, 1, 0, &n));
    WITHOUT(__WASI_RIGHTS_FD_SEEK, "fd_seek without fd_seek", __wasi_fd_seek(fd, 1, __WASI_WHENCE_SET, &pos));
    WITHOUT(__WASI_RIGHTS_FD_SEEK, "fd_seek cur 0 without fd_seek", __wasi_fd_seek(fd, 0, __WASI_WHENCE_CUR, &pos));
    WITHOUT(__WASI_RIGHTS_FD_SEEK, "fd_pread without fd_seek", __wasi_fd_pread(fd, &iov, 1, 0, &n));
    WITHOUT(__WASI_RIGHTS_FD_TELL, "fd_tell without fd_tell", __wasi_fd_tell(fd, &pos));
    WITHOUT(__WASI_RIGHTS_FD_FILESTAT_GET, "fd_filestat_get without its right", __wasi_fd_filestat_get(fd, &fst));
    WITHOUT(__WASI_RIGHTS_FD_FILESTAT_SET_SIZE, "fd_filestat_set_size without its right", __wasi_fd_filestat_set_size(fd, 1));
    WITHOUT(__WASI_RIGHTS_FD_FILESTAT_SET_TIMES, "fd_filestat_set_times without its right",
            __wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    WITHOUT(__WASI_RIGHTS_FD_ADVISE, "fd_advise without its right", __wasi_fd_advise(fd, 0, 1, __WASI_ADVICE_NORMAL));
    WITHOUT(__WASI_RIGHTS_FD_ALLOCATE, "fd_allocate without its right", __wasi_fd_allocate(fd, 0, 1));
    WITHOUT(__WASI_RIGHTS_FD_SYNC, "fd_sync without its right", __wasi_fd_sync(fd));
    WITHOUT(__WASI_RIGHTS_FD_DATASYNC, "fd_datasync without its right", __wasi_fd_datasync(fd));
    WITHOUT(__WASI_RIGHTS_FD_FDSTAT_SET_FLAGS, "fd_fdstat_set_flags without its right",
            __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND));
    /* Nothing above touched the file. */
    __wasi_fd_t fd = open_with(3, "file.txt", 0, __WASI_RIGHTS_FD_READ, 0);
    char text[16] = {0};
    __wasi_iovec_t all = {.buf = (uint8_t *)text, .buf_len = sizeof text - 1};
    CHECK_ERRNO(__wasi_fd_read(fd, &all, 1, &n), 0);
    printf("content=%s\n", text);
}

int main(int argc, char **argv) {
    CHECK(argc == 2);
    if (!strcmp(argv[1], "initial")) initial();
    else if (!strcmp(argv[1], "intersection")) intersection();
    else if (!strcmp(argv[1], "set_rights")) set_rights();
    else if (!strcmp(argv[1], "missing")) missing();
    else {
        fprintf(stderr, "unknown mode %s\n", argv[1]);
        return 2;
    }
    return 0;
}
