//! Host-side behaviour of the in-memory filesystem, driven through the `WasiDir` and
//! `WasiFile` traits directly (no wasm engine).

use capwasi::dir::{OpenOptions, Opened, ReaddirFlow, WasiDir};
use capwasi::file::{SetTime, WasiFile};
use capwasi::types::{FdFlags, FileType, Filestat, OFlags};
use capwasi::Errno;
use capwasi_memfs::{MemDir, MemFs};
use std::collections::BTreeMap;
use std::io::{IoSlice, IoSliceMut, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn rw() -> OpenOptions {
    OpenOptions { follow: true, read: true, write: true, ..OpenOptions::default() }
}

fn ro() -> OpenOptions {
    OpenOptions { follow: true, read: true, ..OpenOptions::default() }
}

fn create() -> OpenOptions {
    OpenOptions { oflags: OFlags::CREAT, ..rw() }
}

fn with_flags(oflags: OFlags, base: OpenOptions) -> OpenOptions {
    OpenOptions { oflags, ..base }
}

fn open_file(dir: &dyn WasiDir, path: &str, options: OpenOptions) -> Arc<dyn WasiFile> {
    match dir.open_at(path, &options).and_then(Opened::resolved) {
        Ok(Opened::File(file)) => file,
        Ok(_) => panic!("{path:?} opened as a directory"),
        Err(err) => panic!("open {path:?}: {err}"),
    }
}

fn open_dir(dir: &dyn WasiDir, path: &str) -> Arc<dyn WasiDir> {
    match dir.open_at(path, &ro()).and_then(Opened::resolved) {
        Ok(Opened::Dir(dir)) => dir,
        Ok(_) => panic!("{path:?} opened as a file"),
        Err(err) => panic!("open {path:?}: {err}"),
    }
}

fn open_errno(dir: &dyn WasiDir, path: &str, options: OpenOptions) -> Errno {
    match dir.open_at(path, &options) {
        Ok(_) => panic!("open {path:?} unexpectedly succeeded"),
        Err(err) => err.errno(),
    }
}

fn errno<T>(result: capwasi::Result<T>) -> Errno {
    match result {
        Ok(_) => panic!("expected an error, got success"),
        Err(err) => err.errno(),
    }
}

fn write(file: &dyn WasiFile, bytes: &[u8]) -> usize {
    file.write_vectored(&[IoSlice::new(bytes)]).unwrap()
}

fn pwrite(file: &dyn WasiFile, bytes: &[u8], offset: u64) -> capwasi::Result<usize> {
    file.write_vectored_at(&[IoSlice::new(bytes)], offset)
}

fn pread(file: &dyn WasiFile, offset: u64, len: usize) -> Vec<u8> {
    let mut buf = vec![0xAA; len];
    let n = file.read_vectored_at(&mut [IoSliceMut::new(&mut buf)], offset).unwrap();
    buf.truncate(n);
    buf
}

fn read_all(file: &dyn WasiFile) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 7];
    loop {
        let n = file.read_vectored(&mut [IoSliceMut::new(&mut buf)]).unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n]);
    }
}

fn stat(dir: &dyn WasiDir, path: &str) -> Filestat {
    dir.stat_at(path, false).unwrap_or_else(|err| panic!("stat {path:?}: {err}"))
}

/// One readdir entry as (name, next cookie, ino, filetype).
type Listed = (String, u64, u64, FileType);

/// Lists from `cookie`, accepting at most `max` entries, then answering `Full`.
fn list_n(dir: &dyn WasiDir, cookie: u64, max: usize) -> Vec<Listed> {
    let mut out = Vec::new();
    dir.readdir(cookie, &mut |entry| {
        if out.len() == max {
            return ReaddirFlow::Full;
        }
        out.push((String::from_utf8(entry.name.to_vec()).unwrap(), entry.next, entry.ino, entry.filetype));
        ReaddirFlow::Continue
    })
    .unwrap();
    out
}

fn list(dir: &dyn WasiDir) -> Vec<Listed> {
    list_n(dir, 0, usize::MAX)
}

fn names(listed: &[Listed]) -> Vec<String> {
    listed.iter().map(|entry| entry.0.clone()).collect()
}

/// The names of `dir` other than `.` and `..`, sorted.
fn sorted_names(dir: &dyn WasiDir) -> Vec<String> {
    let mut all: Vec<String> = names(&list(dir)).into_iter().filter(|n| n != "." && n != "..").collect();
    all.sort();
    all
}

fn at(secs: u64, nanos: u32) -> SystemTime {
    UNIX_EPOCH + Duration::new(secs, nanos)
}

fn ns(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64
}

/// What one path of a tree holds, for comparing two trees.
#[derive(Debug, PartialEq, Eq)]
enum Desc {
    Dir,
    File { bytes: Vec<u8>, nlink: u64 },
    Link(Vec<u8>),
}

/// Every path of the tree beneath `dir`, with its content.
fn tree(dir: &dyn WasiDir) -> BTreeMap<String, Desc> {
    fn walk(dir: &dyn WasiDir, prefix: &str, out: &mut BTreeMap<String, Desc>) {
        for name in sorted_names(dir) {
            let path = format!("{prefix}{name}");
            let st = stat(dir, &name);
            match st.filetype {
                FileType::Directory => {
                    out.insert(path.clone(), Desc::Dir);
                    let sub = open_dir(dir, &name);
                    walk(&*sub, &format!("{path}/"), out);
                }
                FileType::RegularFile => {
                    // One read from offset 0: reads that start in a sparse hole panic (see
                    // `reading_a_sparse_hole_returns_zeros`).
                    let file = open_file(dir, &name, ro());
                    out.insert(path, Desc::File { bytes: pread(&*file, 0, st.size as usize), nlink: st.nlink });
                }
                FileType::SymbolicLink => {
                    out.insert(path, Desc::Link(dir.read_link_at(&name).unwrap()));
                }
                other => panic!("unexpected file type {other:?}"),
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, "", &mut out);
    out
}

/// One raw archive entry: name bytes, kind, link-name bytes, data.
type RawEntry<'a> = (&'a [u8], tar::EntryType, &'a [u8], &'a [u8]);

/// A tar archive whose entries' name and link bytes are written into the headers as given,
/// with no validation by the tar crate.
fn raw_tar(entries: &[RawEntry<'_>]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, kind, link, data) in entries {
        let mut header = tar::Header::new_gnu();
        header.as_old_mut().name[..name.len()].copy_from_slice(name);
        header.as_old_mut().linkname[..link.len()].copy_from_slice(link);
        header.set_entry_type(*kind);
        header.set_mode(0o644);
        header.set_size(data.len() as u64);
        header.set_mtime(1_000_000);
        header.set_cksum();
        builder.append(&header, *data).unwrap();
    }
    builder.into_inner().unwrap()
}

/// Runs `f` on its own thread and fails the test if it does not finish in time (a deadlock).
fn within(seconds: u64, f: impl FnOnce() + Send + 'static) {
    let (done, wait) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        f();
        let _ = done.send(());
    });
    match wait.recv_timeout(Duration::from_secs(seconds)) {
        Ok(()) => worker.join().unwrap(),
        // The worker panicked (dropping the sender): surface its panic.
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => std::panic::resume_unwind(worker.join().unwrap_err()),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("deadlock: not finished after {seconds}s"),
    }
}

// ---------------------------------------------------------------------------------------------
// 1. readdir
// ---------------------------------------------------------------------------------------------

#[test]
fn readdir_lists_dot_and_dotdot_first_then_entries_in_creation_order() {
    let fs = MemFs::new();
    let root = fs.root();
    for name in ["zeta", "alpha", "mid"] {
        fs.write_file(name, name.as_bytes()).unwrap();
    }
    root.create_dir_at("dir").unwrap();
    root.symlink_at("zeta", "link").unwrap();
    let listed = list(&root);
    assert_eq!(names(&listed), [".", "..", "zeta", "alpha", "mid", "dir", "link"]);
    let root_ino = root.filestat().unwrap().ino;
    assert_eq!((listed[0].2, listed[0].3), (root_ino, FileType::Directory));
    // The root's `..` is itself.
    assert_eq!((listed[1].2, listed[1].3), (root_ino, FileType::Directory));
    assert_eq!(listed[2].2, stat(&root, "zeta").ino);
    assert_eq!(listed[2].3, FileType::RegularFile);
    assert_eq!(listed[5].3, FileType::Directory);
    assert_eq!(listed[6].3, FileType::SymbolicLink);
    // Cookies are strictly increasing, and resuming from each one yields exactly the rest.
    for i in 0..listed.len() {
        let rest = list_n(&root, listed[i].1, usize::MAX);
        assert_eq!(names(&rest), names(&listed[i + 1..]), "resuming after {:?}", listed[i].0);
        if i > 0 {
            assert!(listed[i].1 > listed[i - 1].1);
        }
    }
}

#[test]
fn readdir_dotdot_of_subdirectory_handle_is_its_parent() {
    let fs = MemFs::new();
    fs.create_dir_all("a/b").unwrap();
    let sub = fs.open_dir("a/b").unwrap();
    let listed = list(&sub);
    assert_eq!(names(&listed), [".", ".."]);
    assert_eq!(listed[0].2, stat(&fs.root(), "a/b").ino);
    assert_eq!(listed[1].2, stat(&fs.root(), "a").ino);
}

#[test]
fn readdir_cookie_survives_removing_listed_and_unlisted_entries_and_adding_new_ones() {
    let fs = MemFs::new();
    let root = fs.root();
    for name in ["a", "b", "c", "d", "e"] {
        fs.write_file(name, name.as_bytes()).unwrap();
    }
    let page1 = list_n(&root, 0, 4);
    assert_eq!(names(&page1), [".", "..", "a", "b"]);
    let cookie = page1.last().unwrap().1;

    root.unlink_file_at("a").unwrap(); // already listed
    root.unlink_file_at("d").unwrap(); // not listed yet
    root.create_dir_at("f").unwrap(); // new
    fs.write_file("g", "g").unwrap(); // new

    let page2 = list_n(&root, cookie, usize::MAX);
    assert_eq!(names(&page2), ["c", "e", "f", "g"]);
    let mut seen: Vec<String> = names(&page1).into_iter().chain(names(&page2)).collect();
    let total = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), total, "an entry repeated");
}

#[test]
fn readdir_cookie_survives_removing_the_entry_it_points_after() {
    let fs = MemFs::new();
    let root = fs.root();
    for name in ["a", "b", "c"] {
        fs.write_file(name, name.as_bytes()).unwrap();
    }
    let page1 = list_n(&root, 0, 3);
    assert_eq!(names(&page1), [".", "..", "a"]);
    root.unlink_file_at("a").unwrap();
    // "a" comes back under the same name: it is a new entry, listed after the others.
    fs.write_file("a", "again").unwrap();
    assert_eq!(names(&list_n(&root, page1[2].1, usize::MAX)), ["b", "c", "a"]);
}

#[test]
fn readdir_full_reoffers_the_refused_entry_on_resume() {
    let fs = MemFs::new();
    let root = fs.root();
    for name in ["a", "b", "c"] {
        fs.write_file(name, name.as_bytes()).unwrap();
    }
    // Take `.`, `..`, then refuse "a"; the cookie to resume from is the one after `..`.
    let page1 = list_n(&root, 0, 2);
    assert_eq!(names(&page1), [".", ".."]);
    let page2 = list_n(&root, page1[1].1, 1);
    assert_eq!(names(&page2), ["a"]);
    let page3 = list_n(&root, page2[0].1, 0);
    assert!(page3.is_empty());
    assert_eq!(names(&list_n(&root, page2[0].1, usize::MAX)), ["b", "c"]);
    // Refusing `.` and `..` works too.
    assert_eq!(names(&list_n(&root, 1, usize::MAX)), ["..", "a", "b", "c"]);
}

#[test]
fn readdir_of_removed_directory_through_open_handle_is_empty() {
    let fs = MemFs::new();
    let root = fs.root();
    root.create_dir_at("gone").unwrap();
    let handle = fs.open_dir("gone").unwrap();
    root.remove_dir_at("gone").unwrap();
    assert!(list(&handle).is_empty());
    assert_eq!(handle.filestat().unwrap().nlink, 0);
    // Nothing can be created in it.
    assert_eq!(errno(handle.create_dir_at("x")), Errno::Noent);
    assert_eq!(open_errno(&handle, "x", create()), Errno::Noent);
}

// ---------------------------------------------------------------------------------------------
// 2. hard links
// ---------------------------------------------------------------------------------------------

#[test]
fn hard_links_share_inode_and_nlink_goes_1_2_1() {
    let fs = MemFs::new();
    let root = fs.root();
    fs.write_file("a", "one").unwrap();
    assert_eq!(stat(&root, "a").nlink, 1);
    root.hard_link_at("a", &root, "b").unwrap();
    let (sa, sb) = (stat(&root, "a"), stat(&root, "b"));
    assert_eq!(sa.ino, sb.ino);
    assert_eq!(sa.dev, sb.dev);
    assert_eq!((sa.nlink, sb.nlink), (2, 2));
    root.unlink_file_at("a").unwrap();
    assert_eq!(stat(&root, "b").nlink, 1);
    assert_eq!(stat(&root, "b").ino, sa.ino);
    assert_eq!(errno(root.stat_at("a", false)), Errno::Noent);
}

#[test]
fn hard_link_data_written_through_one_name_reads_through_the_other() {
    let fs = MemFs::new();
    let root = fs.root();
    root.create_dir_at("sub").unwrap();
    let sub = fs.open_dir("sub").unwrap();
    fs.write_file("a", "one").unwrap();
    root.hard_link_at("a", &sub, "b").unwrap();
    let fa = open_file(&root, "a", rw());
    let fb = open_file(&root, "sub/b", ro());
    assert_eq!(pwrite(&*fa, b"XYZW", 1).unwrap(), 4);
    assert_eq!(pread(&*fb, 0, 100), b"oXYZW");
    assert_eq!(fs.read_file("sub/b").unwrap(), b"oXYZW");
    assert_eq!(fb.filestat().unwrap().size, 5);
    assert_eq!(fb.filestat().unwrap().ino, fa.filestat().unwrap().ino);
}

#[test]
fn unlinked_but_open_file_stays_readable_and_writable_until_closed() {
    let fs = MemFs::new();
    let root = fs.root();
    fs.write_file("f", "contents").unwrap();
    assert_eq!(fs.used_bytes(), 8);
    let file = open_file(&root, "f", rw());
    root.unlink_file_at("f").unwrap();
    assert_eq!(errno(root.stat_at("f", false)), Errno::Noent);
    assert!(sorted_names(&root).is_empty());
    assert_eq!(file.filestat().unwrap().nlink, 0);
    assert_eq!(read_all(&*file), b"contents");
    assert_eq!(write(&*file, b"+more"), 5);
    assert_eq!(pread(&*file, 0, 100), b"contents+more");
    // The bytes stay counted until the last reference goes.
    assert_eq!(fs.used_bytes(), 13);
    drop(file);
    assert_eq!(fs.used_bytes(), 0);
}

#[test]
fn hard_link_errors() {
    let fs = MemFs::new();
    let root = fs.root();
    root.create_dir_at("d").unwrap();
    fs.write_file("f", "x").unwrap();
    fs.write_file("g", "y").unwrap();
    assert_eq!(errno(root.hard_link_at("d", &root, "d2")), Errno::Perm);
    assert_eq!(errno(root.hard_link_at("f", &root, "g")), Errno::Exist);
    assert_eq!(errno(root.hard_link_at("missing", &root, "h")), Errno::Noent);
    let other = MemFs::new();
    assert_eq!(errno(root.hard_link_at("f", &other.root(), "f")), Errno::Xdev);
    assert_eq!(stat(&root, "f").nlink, 1);
}

// ---------------------------------------------------------------------------------------------
// 3. rename
// ---------------------------------------------------------------------------------------------

#[test]
fn rename_replaces_existing_file_atomically() {
    let fs = MemFs::new();
    let root = fs.root();
    fs.write_file("new", "new bytes").unwrap();
    fs.write_file("old", "old").unwrap();
    let new_ino = stat(&root, "new").ino;
    let old_handle = open_file(&root, "old", ro());
    root.rename_at("new", &root, "old").unwrap();
    assert_eq!(errno(root.stat_at("new", false)), Errno::Noent);
    assert_eq!(fs.read_file("old").unwrap(), b"new bytes");
    assert_eq!(stat(&root, "old").ino, new_ino);
    assert_eq!(stat(&root, "old").nlink, 1);
    assert_eq!(sorted_names(&root), ["old"]);
    // The replaced file lives on through its open handle, with no names left.
    assert_eq!(read_all(&*old_handle), b"old");
    assert_eq!(old_handle.filestat().unwrap().nlink, 0);
    drop(old_handle);
    assert_eq!(fs.used_bytes(), 9);
}

#[test]
fn rename_directory_onto_non_empty_directory_is_notempty() {
    let fs = MemFs::new();
    let root = fs.root();
    fs.create_dir_all("src").unwrap();
    fs.create_dir_all("dst/child").unwrap();
    assert_eq!(errno(root.rename_at("src", &root, "dst")), Errno::Notempty);
    assert_eq!(stat(&root, "src").filetype, FileType::Directory);
    assert_eq!(stat(&root, "dst/child").filetype, FileType::Directory);
}

#[test]
fn rename_directory_onto_empty_directory_replaces_it_and_fixes_nlink() {
    let fs = MemFs::new();
    let root = fs.root();
    fs.create_dir_all("a/src/inner").unwrap();
    fs.create_dir_all("b/dst").unwrap();
    let src_ino = stat(&root, "a/src").ino;
    assert_eq!(stat(&root, "a").nlink, 3);
    assert_eq!(stat(&root, "b").nlink, 3);
    let dst_handle = fs.open_dir("b/dst").unwrap();
    root.rename_at("a/src", &root, "b/dst").unwrap();
    assert_eq!(stat(&root, "b/dst").ino, src_ino);
    assert_eq!(stat(&root, "b/dst/inner").filetype, FileType::Directory);
    assert_eq!(stat(&root, "a").nlink, 2);
    assert_eq!(stat(&root, "b").nlink, 3);
    assert_eq!(dst_handle.filestat().unwrap().nlink, 0);
    // The moved directory's `..` is its new parent.
    let moved = fs.open_dir("b/dst").unwrap();
    assert_eq!(list(&moved)[1].2, stat(&root, "b").ino);
}

#[test]
fn rename_directory_into_its_own_subdirectory_is_inval() {
    let fs = MemFs::new();
    let root = fs.root();
    fs.create_dir_all("a/b").unwrap();
    assert_eq!(errno(root.rename_at("a", &root, "a/b/c")), Errno::Inval);
    assert_eq!(errno(root.rename_at("a", &root, "a/c")), Errno::Inval);
    // Also when the destination is named through a handle to the subdirectory.
    let inner = fs.open_dir("a/b").unwrap();
    assert_eq!(errno(root.rename_at("a", &inner, "c")), Errno::Inval);
    assert_eq!(tree(&root).keys().collect::<Vec<_>>(), ["a", "a/b"]);
}

#[test]
fn rename_file_onto_directory_is_isdir_and_directory_onto_file_is_notdir() {
    let fs = MemFs::new();
    let root = fs.root();
    root.create_dir_at("d").unwrap();
    fs.write_file("f", "x").unwrap();
    assert_eq!(errno(root.rename_at("f", &root, "d")), Errno::Isdir);
    assert_eq!(errno(root.rename_at("d", &root, "f")), Errno::Notdir);
    assert_eq!(errno(root.rename_at("f", &root, "g/")), Errno::Notdir);
    assert_eq!(errno(root.rename_at("missing", &root, "g")), Errno::Noent);
    assert_eq!(sorted_names(&root), ["d", "f"]);
}

#[test]
fn rename_between_two_memfs_instances_is_xdev() {
    let one = MemFs::new();
    let two = MemFs::new();
    one.write_file("f", "x").unwrap();
    assert_eq!(errno(one.root().rename_at("f", &two.root(), "f")), Errno::Xdev);
    assert_eq!(one.read_file("f").unwrap(), b"x");
    assert_eq!(errno(two.root().stat_at("f", false)), Errno::Noent);
    assert_ne!(one.root().filestat().unwrap().dev, two.root().filestat().unwrap().dev);
}

#[test]
fn rename_between_two_open_dir_handles_of_one_memfs_works() {
    let fs = MemFs::new();
    let root = fs.root();
    fs.create_dir_all("x/sub").unwrap();
    fs.create_dir_all("y").unwrap();
    fs.write_file("x/f", "data").unwrap();
    let x = fs.open_dir("x").unwrap();
    let y = fs.open_dir("y").unwrap();
    let ino = stat(&root, "x/f").ino;
    x.rename_at("f", &y, "g").unwrap();
    assert_eq!(stat(&root, "y/g").ino, ino);
    assert_eq!(fs.read_file("y/g").unwrap(), b"data");
    x.rename_at("sub", &y, "sub2").unwrap();
    assert_eq!(stat(&root, "x").nlink, 2);
    assert_eq!(stat(&root, "y").nlink, 3);
    assert!(sorted_names(&x).is_empty());
    assert_eq!(sorted_names(&y), ["g", "sub2"]);
    // A clone of a handle is the same filesystem too.
    let y2: MemDir = y.clone();
    y.rename_at("g", &y2, "h").unwrap();
    assert_eq!(sorted_names(&y), ["h", "sub2"]);
}

#[test]
fn rename_of_two_names_of_one_inode_does_nothing() {
    let fs = MemFs::new();
    let root = fs.root();
    fs.write_file("a", "x").unwrap();
    root.hard_link_at("a", &root, "b").unwrap();
    root.rename_at("a", &root, "b").unwrap();
    assert_eq!(sorted_names(&root), ["a", "b"]);
    assert_eq!(stat(&root, "a").nlink, 2);
}

// ---------------------------------------------------------------------------------------------
// 4. confinement
// ---------------------------------------------------------------------------------------------

#[test]
fn dotdot_above_the_handle_is_notcapable_even_when_the_parent_exists() {
    let fs = MemFs::new();
    let root = fs.root();
    fs.create_dir_all("sub/inner").unwrap();
    fs.write_file("secret", "s").unwrap();
    assert_eq!(errno(root.stat_at("..", true)), Errno::Perm);
    assert_eq!(errno(root.stat_at("sub/../..", true)), Errno::Perm);
    let sub = fs.open_dir("sub").unwrap();
    assert_eq!(errno(sub.stat_at("..", true)), Errno::Perm);
    assert_eq!(errno(sub.stat_at("../secret", true)), Errno::Perm);
    assert_eq!(errno(sub.stat_at("inner/../../secret", true)), Errno::Perm);
    assert_eq!(open_errno(&sub, "../secret", ro()), Errno::Perm);
    assert_eq!(open_errno(&sub, "../new", create()), Errno::Perm);
    assert_eq!(errno(sub.create_dir_at("../newdir")), Errno::Perm);
    assert_eq!(errno(sub.unlink_file_at("../secret")), Errno::Perm);
    assert_eq!(errno(sub.rename_at("../secret", &sub, "stolen")), Errno::Perm);
    assert_eq!(errno(sub.hard_link_at("../secret", &sub, "stolen")), Errno::Perm);
    // `..` that stays beneath is fine.
    assert_eq!(stat(&sub, "inner/..").ino, sub.filestat().unwrap().ino);
    assert_eq!(sorted_names(&root), ["secret", "sub"]);
}

#[test]
fn absolute_symlink_is_notcapable() {
    let fs = MemFs::new();
    let root = fs.root();
    fs.write_file("etc_passwd", "x").unwrap();
    root.symlink_at("/etc_passwd", "abs").unwrap();
    assert_eq!(root.read_link_at("abs").unwrap(), b"/etc_passwd");
    assert_eq!(stat(&root, "abs").filetype, FileType::SymbolicLink);
    assert_eq!(errno(root.stat_at("abs", true)), Errno::Perm);
    assert_eq!(open_errno(&root, "abs", ro()), Errno::Perm);
    assert_eq!(open_errno(&root, "abs", create()), Errno::Perm);
}

#[test]
fn symlink_climbing_out_of_an_open_dir_handle_is_notcapable() {
    let fs = MemFs::new();
    let root = fs.root();
    fs.create_dir_all("sub").unwrap();
    fs.write_file("secret", "top secret").unwrap();
    let sub = fs.open_dir("sub").unwrap();
    sub.symlink_at("../secret", "up").unwrap();
    sub.symlink_at("../sub/here", "roundtrip").unwrap();
    // Through the root handle the link stays beneath the base, so it resolves.
    assert_eq!(fs.read_file("sub/up").unwrap(), b"top secret");
    assert_eq!(stat(&root, "sub/up").filetype, FileType::SymbolicLink);
    assert_eq!(root.stat_at("sub/up", true).unwrap().ino, stat(&root, "secret").ino);
    // Through the subdirectory handle it climbs out, though its target exists.
    assert_eq!(errno(sub.stat_at("up", true)), Errno::Perm);
    assert_eq!(open_errno(&sub, "up", ro()), Errno::Perm);
    assert_eq!(open_errno(&sub, "up", create()), Errno::Perm);
    assert_eq!(errno(sub.stat_at("roundtrip", true)), Errno::Perm);
    assert_eq!(errno(sub.unlink_file_at("up/")), Errno::Perm);
    assert_eq!(errno(sub.set_times_at("up", SetTime::Now, SetTime::Now, true)), Errno::Perm);
    // Acting on the link itself is fine.
    assert_eq!(stat(&sub, "up").filetype, FileType::SymbolicLink);
    assert_eq!(sub.read_link_at("up").unwrap(), b"../secret");
    sub.unlink_file_at("up").unwrap();
    assert_eq!(fs.read_file("secret").unwrap(), b"top secret");
}

#[test]
fn symlink_loop_is_loop() {
    let fs = MemFs::new();
    let root = fs.root();
    root.symlink_at("b", "a").unwrap();
    root.symlink_at("a", "b").unwrap();
    root.symlink_at("self", "self").unwrap();
    assert_eq!(errno(root.stat_at("a", true)), Errno::Loop);
    assert_eq!(errno(root.stat_at("self", true)), Errno::Loop);
    assert_eq!(errno(root.stat_at("a/x", false)), Errno::Loop);
    assert_eq!(open_errno(&root, "a", ro()), Errno::Loop);
    assert_eq!(open_errno(&root, "self/file", create()), Errno::Loop);
    assert_eq!(stat(&root, "a").filetype, FileType::SymbolicLink);
}

#[test]
fn file_used_as_directory_is_notdir() {
    let fs = MemFs::new();
    let root = fs.root();
    fs.write_file("f", "x").unwrap();
    root.symlink_at("f", "lf").unwrap();
    assert_eq!(errno(root.stat_at("f/x", true)), Errno::Notdir);
    assert_eq!(errno(root.stat_at("f/", true)), Errno::Notdir);
    assert_eq!(errno(root.stat_at("lf/", true)), Errno::Notdir);
    assert_eq!(errno(root.stat_at("lf/x", true)), Errno::Notdir);
    assert_eq!(open_errno(&root, "f/x", create()), Errno::Notdir);
    assert_eq!(open_errno(&root, "f/", ro()), Errno::Notdir);
    assert_eq!(errno(root.create_dir_at("f/x")), Errno::Notdir);
    assert_eq!(errno(root.unlink_file_at("f/")), Errno::Notdir);
    assert_eq!(errno(root.remove_dir_at("f")), Errno::Notdir);
    assert_eq!(errno(fs.open_dir("f")), Errno::Notdir);
    assert_eq!(errno(fs.create_dir_all("f/x")), Errno::Notdir);
}

// ---------------------------------------------------------------------------------------------
// 5. capacity and sizes
// ---------------------------------------------------------------------------------------------

#[test]
fn write_past_capacity_is_nospc_and_leaves_the_file_unchanged() {
    let fs = MemFs::builder().capacity(1000).build();
    assert_eq!(fs.capacity(), 1000);
    let root = fs.root();
    let file = open_file(&root, "f", create());
    assert_eq!(write(&*file, &[1u8; 600]), 600);
    assert_eq!(fs.used_bytes(), 600);
    assert_eq!(errno(file.write_vectored(&[IoSlice::new(&[2u8; 300]), IoSlice::new(&[3u8; 101])])), Errno::Nospc);
    assert_eq!(errno(pwrite(&*file, &[4u8; 2], 999)), Errno::Nospc);
    assert_eq!(file.filestat().unwrap().size, 600);
    assert_eq!(file.seek(SeekFrom::Current(0)).unwrap(), 600);
    assert_eq!(pread(&*file, 0, 2000), vec![1u8; 600]);
    assert_eq!(fs.used_bytes(), 600);
    // Exactly up to the capacity is fine.
    assert_eq!(write(&*file, &[5u8; 400]), 400);
    assert_eq!(fs.used_bytes(), 1000);
    assert_eq!(errno(file.write_vectored(&[IoSlice::new(b"x")])), Errno::Nospc);
    // Another file cannot have any either; write_file says so too.
    assert_eq!(errno(fs.write_file("g", "y")), Errno::Nospc);
    assert_eq!(errno(root.stat_at("g", false)), Errno::Noent);
    // Truncating gives the room back.
    file.set_size(100).unwrap();
    assert_eq!(fs.used_bytes(), 100);
    fs.write_file("g", vec![7u8; 900]).unwrap();
    assert_eq!(fs.used_bytes(), 1000);
}

#[test]
fn set_size_to_one_gib_is_sparse() {
    let fs = MemFs::builder().capacity(1000).build();
    let root = fs.root();
    let file = open_file(&root, "big", create());
    write(&*file, b"head");
    file.set_size(1 << 30).unwrap();
    assert_eq!(file.filestat().unwrap().size, 1 << 30);
    assert_eq!(stat(&root, "big").size, 1 << 30);
    assert_eq!(fs.used_bytes(), 4);
    // One buffer from inside the held bytes into the hole (reads starting in the hole are
    // covered by `reading_a_sparse_hole_returns_zeros`).
    assert_eq!(pread(&*file, 0, 8), b"head\0\0\0\0");
    assert_eq!(pread(&*file, 2, 4096), [&b"ad"[..], &[0u8; 4094]].concat());
    assert_eq!(file.seek(SeekFrom::End(0)).unwrap(), 1 << 30);
    assert_eq!(fs.used_bytes(), 4);
    // Shrinking back drops the hole and nothing else changes.
    file.set_size(2).unwrap();
    assert_eq!(pread(&*file, 0, 8), b"he");
    assert_eq!(fs.used_bytes(), 2);
}

#[test]
fn set_size_past_i64_max_is_inval() {
    let fs = MemFs::new();
    let file = open_file(&fs.root(), "f", create());
    write(&*file, b"abc");
    assert_eq!(errno(file.set_size(1 << 63)), Errno::Inval);
    assert_eq!(errno(file.set_size(u64::MAX)), Errno::Inval);
    file.set_size(i64::MAX as u64).unwrap();
    assert_eq!(file.filestat().unwrap().size, i64::MAX as u64);
    assert_eq!(fs.used_bytes(), 3);
    assert_eq!(pread(&*file, 0, 5), b"abc\0\0");
}

#[test]
fn reading_a_sparse_hole_returns_zeros() {
    let fs = MemFs::new();
    let file = open_file(&fs.root(), "f", create());
    write(&*file, b"head");
    file.set_size(1 << 30).unwrap();
    assert_eq!(pread(&*file, 1 << 29, 16), vec![0u8; 16]);
    assert_eq!(pread(&*file, (1 << 30) - 3, 16), vec![0u8; 3]);
    assert_eq!(pread(&*file, 1 << 30, 16), b"");
    assert_eq!(pread(&*file, u64::MAX, 16), b"");
    // Across the end of the held bytes and into the hole, over several buffers.
    let (mut a, mut b, mut c) = ([9u8; 2], [9u8; 3], [9u8; 4]);
    let n = file.read_vectored_at(&mut [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b), IoSliceMut::new(&mut c)], 1).unwrap();
    assert_eq!(n, 9);
    assert_eq!((a, b, c), (*b"ea", *b"d\0\0", [0u8; 4]));
    // Sequential reads walk from the held bytes into the hole.
    file.set_size(20).unwrap();
    file.seek(SeekFrom::Start(0)).unwrap();
    assert_eq!(read_all(&*file), [&b"head"[..], &[0u8; 16]].concat());
    assert_eq!(fs.used_bytes(), 4);
}

#[test]
fn pwrite_past_i64_max_is_fbig_and_allocates_nothing() {
    let fs = MemFs::new();
    let file = open_file(&fs.root(), "f", create());
    write(&*file, b"abc");
    assert_eq!(errno(pwrite(&*file, b"x", i64::MAX as u64)), Errno::Fbig);
    assert_eq!(errno(pwrite(&*file, b"xyz", i64::MAX as u64 - 1)), Errno::Fbig);
    assert_eq!(errno(pwrite(&*file, b"x", u64::MAX)), Errno::Fbig);
    // Just below the limit the write fits the file size but not the capacity.
    assert_eq!(errno(pwrite(&*file, b"x", i64::MAX as u64 - 1)), Errno::Nospc);
    // A positional write of nothing succeeds anywhere.
    assert_eq!(pwrite(&*file, b"", u64::MAX).unwrap(), 0);
    assert_eq!(file.filestat().unwrap().size, 3);
    assert_eq!(fs.used_bytes(), 3);
    assert_eq!(errno(file.allocate(u64::MAX, 1)), Errno::Fbig);
    assert_eq!(errno(file.allocate(0, 0)), Errno::Inval);
    // Seeking past i64::MAX is refused too.
    assert_eq!(errno(file.seek(SeekFrom::Start(1 << 63))), Errno::Inval);
    assert_eq!(errno(file.seek(SeekFrom::Current(-4))), Errno::Inval);
    assert_eq!(errno(file.seek(SeekFrom::End(-4))), Errno::Inval);
    assert_eq!(file.seek(SeekFrom::Start(i64::MAX as u64)).unwrap(), i64::MAX as u64);
    assert_eq!(errno(file.write_vectored(&[IoSlice::new(b"x")])), Errno::Fbig);
    assert_eq!(pread(&*file, 0, 10), b"abc");
}

#[test]
fn allocate_grows_the_file_without_moving_the_position() {
    let fs = MemFs::new();
    let file = open_file(&fs.root(), "f", create());
    write(&*file, b"abc");
    file.allocate(2, 10).unwrap();
    assert_eq!(file.filestat().unwrap().size, 12);
    assert_eq!(pread(&*file, 0, 20), b"abc\0\0\0\0\0\0\0\0\0");
    // Allocating inside the file does not shrink it.
    file.allocate(0, 1).unwrap();
    assert_eq!(file.filestat().unwrap().size, 12);
    assert_eq!(file.seek(SeekFrom::Current(0)).unwrap(), 3);
    let readonly = open_file(&fs.root(), "f", ro());
    assert_eq!(errno(readonly.allocate(0, 100)), Errno::Badf);
}

#[test]
fn allocate_past_capacity_is_nospc_or_guarantees_later_writes() {
    let fs = MemFs::builder().capacity(1000).build();
    let file = open_file(&fs.root(), "f", create());
    match file.allocate(0, 2000) {
        Err(err) => {
            assert_eq!(err.errno(), Errno::Nospc);
            assert_eq!(file.filestat().unwrap().size, 0);
        }
        // posix_fallocate: after success, writes into the range must not fail for lack of space.
        Ok(()) => assert_eq!(pwrite(&*file, &[1u8; 2000], 0).unwrap(), 2000),
    }
}

#[test]
fn write_file_replacing_a_file_within_capacity_succeeds() {
    let fs = MemFs::builder().capacity(1000).build();
    fs.write_file("f", vec![1u8; 600]).unwrap();
    fs.write_file("f", vec![2u8; 600]).unwrap();
    assert_eq!(fs.read_file("f").unwrap(), vec![2u8; 600]);
    assert_eq!(fs.used_bytes(), 600);
}

// ---------------------------------------------------------------------------------------------
// File descriptor behaviour
// ---------------------------------------------------------------------------------------------

#[test]
fn read_write_seek_and_positional_io_keep_separate_positions() {
    let fs = MemFs::new();
    let root = fs.root();
    let a = open_file(&root, "f", create());
    let b = open_file(&root, "f", rw());
    assert_eq!(a.write_vectored(&[IoSlice::new(b"hello "), IoSlice::new(b"world")]).unwrap(), 11);
    assert_eq!(a.seek(SeekFrom::Current(0)).unwrap(), 11);
    // `b` has its own position, at 0.
    assert_eq!(read_all(&*b), b"hello world");
    // Positional I/O does not move the position.
    assert_eq!(pwrite(&*a, b"W", 6).unwrap(), 1);
    assert_eq!(a.seek(SeekFrom::Current(0)).unwrap(), 11);
    assert_eq!(a.seek(SeekFrom::End(-5)).unwrap(), 6);
    let mut buf = [0u8; 5];
    assert_eq!(a.read_vectored(&mut [IoSliceMut::new(&mut buf)]).unwrap(), 5);
    assert_eq!(&buf, b"World");
    // A write past the end leaves a hole of zeros.
    assert_eq!(a.seek(SeekFrom::Start(13)).unwrap(), 13);
    write(&*a, b"!");
    assert_eq!(fs.read_file("f").unwrap(), b"hello World\0\0!");
    assert_eq!(a.filestat().unwrap().size, 14);
    assert_eq!(a.filestat().unwrap().filetype, FileType::RegularFile);
}

#[test]
fn read_only_and_write_only_handles_refuse_the_other_direction() {
    let fs = MemFs::new();
    let root = fs.root();
    fs.write_file("f", "data").unwrap();
    let r = open_file(&root, "f", ro());
    assert_eq!(errno(r.write_vectored(&[IoSlice::new(b"x")])), Errno::Badf);
    assert_eq!(errno(pwrite(&*r, b"x", 0)), Errno::Badf);
    assert_eq!(errno(r.set_size(0)), Errno::Inval);
    let w = open_file(&root, "f", OpenOptions { follow: true, write: true, ..OpenOptions::default() });
    assert_eq!(errno(w.read_vectored(&mut [IoSliceMut::new(&mut [0u8; 4])])), Errno::Badf);
    assert_eq!(errno(w.read_vectored_at(&mut [IoSliceMut::new(&mut [0u8; 4])], 0)), Errno::Badf);
    assert_eq!(fs.read_file("f").unwrap(), b"data");
}

#[test]
fn set_fdflags_append_makes_writes_go_to_the_end_and_sync_flags_are_fixed() {
    let fs = MemFs::new();
    let root = fs.root();
    fs.write_file("f", "abc").unwrap();
    let file = open_file(&root, "f", rw());
    assert_eq!(file.fdflags().unwrap(), FdFlags::empty());
    file.set_fdflags(FdFlags::APPEND).unwrap();
    assert_eq!(file.fdflags().unwrap(), FdFlags::APPEND);
    write(&*file, b"de");
    assert_eq!(file.seek(SeekFrom::Current(0)).unwrap(), 5);
    // As on Linux, a pwrite on an append descriptor appends.
    pwrite(&*file, b"f", 0).unwrap();
    assert_eq!(fs.read_file("f").unwrap(), b"abcdef");
    file.set_fdflags(FdFlags::empty()).unwrap();
    pwrite(&*file, b"A", 0).unwrap();
    assert_eq!(fs.read_file("f").unwrap(), b"Abcdef");
    assert_eq!(errno(file.set_fdflags(FdFlags::SYNC)), Errno::Notsup);
    assert_eq!(errno(file.set_fdflags(FdFlags::DSYNC | FdFlags::APPEND)), Errno::Notsup);
    assert_eq!(file.fdflags().unwrap(), FdFlags::empty());
}

#[test]
fn set_times_at_sets_exact_times_and_follow_chooses_link_or_target() {
    let fs = MemFs::new();
    let root = fs.root();
    fs.write_file("f", "x").unwrap();
    root.symlink_at("f", "l").unwrap();
    let t1 = at(1_000_000_000, 123_456_789);
    let t2 = at(1_100_000_000, 987_654_321);
    root.set_times_at("f", SetTime::At(t1), SetTime::At(t2), false).unwrap();
    let st = stat(&root, "f");
    assert_eq!((st.atim, st.mtim), (ns(t1), ns(t2)));
    // Keep leaves a time alone.
    root.set_times_at("f", SetTime::Keep, SetTime::At(t1), false).unwrap();
    let st = stat(&root, "f");
    assert_eq!((st.atim, st.mtim), (ns(t1), ns(t1)));
    // Without follow, the link's own times move.
    root.set_times_at("l", SetTime::Keep, SetTime::At(t2), false).unwrap();
    assert_eq!(stat(&root, "l").mtim, ns(t2));
    assert_eq!(stat(&root, "f").mtim, ns(t1));
    // With follow, the target's.
    root.set_times_at("l", SetTime::Keep, SetTime::At(t2), true).unwrap();
    assert_eq!(stat(&root, "f").mtim, ns(t2));
    // Now is the clock's now.
    let before = ns(SystemTime::now());
    root.set_times_at("f", SetTime::Now, SetTime::Keep, false).unwrap();
    assert!(stat(&root, "f").atim >= before);
    assert_eq!(errno(root.set_times_at("f", SetTime::At(UNIX_EPOCH - Duration::from_secs(1)), SetTime::Keep, false)), Errno::Inval);
    assert_eq!(errno(root.set_times_at("missing", SetTime::Now, SetTime::Now, false)), Errno::Noent);
    // A write moves the modification time.
    let file = open_file(&root, "f", rw());
    write(&*file, b"y");
    assert!(file.filestat().unwrap().mtim >= before);
}

#[test]
fn directory_nlink_counts_subdirectories_and_remove_dir_checks() {
    let fs = MemFs::new();
    let root = fs.root();
    assert_eq!(root.filestat().unwrap().nlink, 2);
    assert_eq!(root.filestat().unwrap().filetype, FileType::Directory);
    root.create_dir_at("a").unwrap();
    root.create_dir_at("b").unwrap();
    fs.write_file("f", "x").unwrap();
    assert_eq!(root.filestat().unwrap().nlink, 4);
    assert_eq!(stat(&root, "a").nlink, 2);
    assert_eq!(errno(root.create_dir_at("a")), Errno::Exist);
    assert_eq!(errno(root.create_dir_at("f")), Errno::Exist);
    fs.write_file("a/x", "x").unwrap();
    assert_eq!(errno(root.remove_dir_at("a")), Errno::Notempty);
    assert_eq!(errno(root.remove_dir_at(".")), Errno::Inval);
    assert_eq!(errno(root.unlink_file_at("b")), Errno::Isdir);
    root.remove_dir_at("b").unwrap();
    assert_eq!(root.filestat().unwrap().nlink, 3);
    assert_eq!(errno(root.remove_dir_at("b")), Errno::Noent);
}

// ---------------------------------------------------------------------------------------------
// 8. host helpers and open flags
// ---------------------------------------------------------------------------------------------

#[test]
fn host_helpers_write_read_and_create_dir_all() {
    let fs = MemFs::new();
    let root = fs.root();
    fs.create_dir_all("a/b/c").unwrap();
    fs.create_dir_all("a/b/c").unwrap();
    fs.create_dir_all("./a//b/d/").unwrap();
    assert_eq!(sorted_names(&*open_dir(&root, "a/b")), ["c", "d"]);
    assert_eq!(stat(&root, "a/b").nlink, 4);
    fs.write_file("a/b/c/file", "first").unwrap();
    assert_eq!(fs.read_file("a/b/c/file").unwrap(), b"first");
    let ino = stat(&root, "a/b/c/file").ino;
    fs.write_file("a/b/c/file", "second!").unwrap();
    assert_eq!(fs.read_file("a/b/c/file").unwrap(), b"second!");
    assert_eq!(stat(&root, "a/b/c/file").ino, ino);
    assert_eq!(stat(&root, "a/b/c/file").size, 7);
    assert_eq!(fs.used_bytes(), 7);
    assert_eq!(errno(fs.write_file("missing/file", "x")), Errno::Noent);
    assert_eq!(errno(fs.write_file("a", "x")), Errno::Isdir);
    assert_eq!(errno(fs.read_file("a")), Errno::Isdir);
    assert_eq!(errno(fs.read_file("nope")), Errno::Noent);
    assert_eq!(errno(fs.create_dir_all("a/../x")), Errno::Inval);
    assert_eq!(errno(fs.read_file("../x")), Errno::Perm);
    // The helpers see what the guest-side handles do and vice versa.
    let file = open_file(&root, "a/b/c/file", rw());
    pwrite(&*file, b"S", 0).unwrap();
    assert_eq!(fs.read_file("a/b/c/file").unwrap(), b"Second!");
    // Through a symlink.
    root.symlink_at("a/b/c/file", "link").unwrap();
    assert_eq!(fs.read_file("link").unwrap(), b"Second!");
    fs.write_file("link", "via link").unwrap();
    assert_eq!(fs.read_file("a/b/c/file").unwrap(), b"via link");
    assert_eq!(stat(&root, "link").filetype, FileType::SymbolicLink);
}

#[test]
fn open_creat_excl_on_existing_name_is_exist() {
    let fs = MemFs::new();
    let root = fs.root();
    fs.write_file("f", "keep").unwrap();
    root.create_dir_at("d").unwrap();
    root.symlink_at("dangling-target", "dangling").unwrap();
    let excl = with_flags(OFlags::CREAT | OFlags::EXCL, rw());
    assert_eq!(open_errno(&root, "f", excl), Errno::Exist);
    assert_eq!(open_errno(&root, "d", excl), Errno::Exist);
    // Even a dangling symlink counts, and is not followed to create its target.
    assert_eq!(open_errno(&root, "dangling", excl), Errno::Exist);
    assert_eq!(errno(root.stat_at("dangling-target", false)), Errno::Noent);
    assert_eq!(fs.read_file("f").unwrap(), b"keep");
    let file = open_file(&root, "new", excl);
    write(&*file, b"n");
    assert_eq!(fs.read_file("new").unwrap(), b"n");
    // Creating through a dangling symlink without EXCL creates the target.
    open_file(&root, "dangling", create());
    assert_eq!(stat(&root, "dangling-target").filetype, FileType::RegularFile);
}

#[test]
fn open_directory_flag_on_a_file_is_notdir() {
    let fs = MemFs::new();
    let root = fs.root();
    fs.write_file("f", "x").unwrap();
    root.create_dir_at("d").unwrap();
    assert_eq!(open_errno(&root, "f", with_flags(OFlags::DIRECTORY, ro())), Errno::Notdir);
    assert!(matches!(root.open_at("d", &with_flags(OFlags::DIRECTORY, ro())), Ok(Opened::Dir(_))));
    // A directory cannot be opened for writing, created or truncated.
    assert_eq!(open_errno(&root, "d", rw()), Errno::Isdir);
    assert_eq!(open_errno(&root, "d", with_flags(OFlags::CREAT, ro())), Errno::Isdir);
    assert_eq!(open_errno(&root, "d", with_flags(OFlags::TRUNC, ro())), Errno::Isdir);
    assert_eq!(open_errno(&root, "new/", create()), Errno::Isdir);
    assert_eq!(open_errno(&root, "missing", rw()), Errno::Noent);
}

#[test]
fn open_symlink_without_follow_is_loop() {
    let fs = MemFs::new();
    let root = fs.root();
    fs.write_file("f", "x").unwrap();
    root.create_dir_at("d").unwrap();
    root.symlink_at("f", "lf").unwrap();
    root.symlink_at("d", "ld").unwrap();
    let nofollow = OpenOptions { follow: false, ..ro() };
    assert_eq!(open_errno(&root, "lf", nofollow), Errno::Loop);
    assert_eq!(open_errno(&root, "ld", nofollow), Errno::Loop);
    assert_eq!(open_errno(&root, "lf", OpenOptions { follow: false, ..create() }), Errno::Loop);
    // A trailing slash asks for the directory the link names.
    assert!(matches!(root.open_at("ld/", &nofollow), Ok(Opened::Dir(_))));
    // Symlinks before the last component are followed regardless.
    fs.write_file("d/inner", "i").unwrap();
    let inner = open_file(&root, "ld/inner", nofollow);
    assert_eq!(read_all(&*inner), b"i");
    // With follow, the link leads to its target.
    assert_eq!(read_all(&*open_file(&root, "lf", ro())), b"x");
}

#[test]
fn open_trunc_truncates() {
    let fs = MemFs::new();
    let root = fs.root();
    fs.write_file("f", "some content").unwrap();
    let ino = stat(&root, "f").ino;
    let before = open_file(&root, "f", ro());
    let file = open_file(&root, "f", with_flags(OFlags::TRUNC, rw()));
    assert_eq!(file.filestat().unwrap().size, 0);
    assert_eq!(stat(&root, "f").ino, ino);
    assert_eq!(fs.used_bytes(), 0);
    assert_eq!(read_all(&*before), b"");
    write(&*file, b"new");
    assert_eq!(fs.read_file("f").unwrap(), b"new");
    // CREAT|TRUNC on a missing file creates it empty.
    let created = open_file(&root, "g", with_flags(OFlags::CREAT | OFlags::TRUNC, rw()));
    assert_eq!(created.filestat().unwrap().size, 0);
    assert_eq!(created.filestat().unwrap().nlink, 1);
}

#[test]
fn symlink_at_and_read_link_at() {
    let fs = MemFs::new();
    let root = fs.root();
    root.symlink_at("some/where", "l").unwrap();
    assert_eq!(root.read_link_at("l").unwrap(), b"some/where");
    assert_eq!(stat(&root, "l").size, 10);
    assert_eq!(errno(root.symlink_at("x", "l")), Errno::Exist);
    assert_eq!(errno(root.symlink_at("", "empty")), Errno::Noent);
    fs.write_file("f", "x").unwrap();
    assert_eq!(errno(root.read_link_at("f")), Errno::Inval);
    assert_eq!(errno(root.read_link_at("missing")), Errno::Noent);
    assert_eq!(errno(root.stat_at("l", true)), Errno::Noent);
    root.unlink_file_at("l").unwrap();
    assert_eq!(errno(root.read_link_at("l")), Errno::Noent);
}

// ---------------------------------------------------------------------------------------------
// 6. save and load
// ---------------------------------------------------------------------------------------------

fn host_mtime_ns(meta: &std::fs::Metadata) -> u64 {
    meta.mtime() as u64 * 1_000_000_000 + meta.mtime_nsec() as u64
}

#[test]
fn load_dir_copies_files_dirs_symlinks_and_keeps_hard_links() {
    let host = tempfile::tempdir().unwrap();
    let p = host.path();
    std::fs::write(p.join("file.txt"), "hello").unwrap();
    std::fs::create_dir(p.join("sub")).unwrap();
    std::fs::write(p.join("sub/inner"), "inner bytes").unwrap();
    std::os::unix::fs::symlink("sub/inner", p.join("link")).unwrap();
    std::fs::write(p.join("h1"), "linked").unwrap();
    std::fs::hard_link(p.join("h1"), p.join("sub/h2")).unwrap();

    let fs = MemFs::new();
    fs.load_dir(p).unwrap();
    let root = fs.root();
    assert_eq!(sorted_names(&root), ["file.txt", "h1", "link", "sub"]);
    assert_eq!(sorted_names(&*open_dir(&root, "sub")), ["h2", "inner"]);
    assert_eq!(fs.read_file("file.txt").unwrap(), b"hello");
    assert_eq!(fs.read_file("sub/inner").unwrap(), b"inner bytes");
    assert_eq!(root.read_link_at("link").unwrap(), b"sub/inner");
    assert_eq!(stat(&root, "link").filetype, FileType::SymbolicLink);
    assert_eq!(stat(&root, "sub").filetype, FileType::Directory);
    let (h1, h2) = (stat(&root, "h1"), stat(&root, "sub/h2"));
    assert_eq!(h1.ino, h2.ino);
    assert_eq!((h1.nlink, h2.nlink), (2, 2));
    assert_ne!(stat(&root, "file.txt").ino, h1.ino);
    // Times come from the host.
    let host_meta = std::fs::metadata(p.join("file.txt")).unwrap();
    assert_eq!(stat(&root, "file.txt").mtim, host_mtime_ns(&host_meta));
    let host_meta = std::fs::metadata(p.join("sub")).unwrap();
    assert_eq!(stat(&root, "sub").mtim, host_mtime_ns(&host_meta));
    // Written through one name, read through the other.
    let file = open_file(&root, "h1", rw());
    pwrite(&*file, b"L", 0).unwrap();
    assert_eq!(fs.read_file("sub/h2").unwrap(), b"Linked");
    // The host is untouched.
    assert_eq!(std::fs::read(p.join("sub/h2")).unwrap(), b"linked");
    // Loading over existing names fails.
    assert!(fs.load_dir(p).is_err());
}

#[test]
fn save_dir_to_an_empty_host_dir_reproduces_bytes_symlinks_hard_links_and_mtimes() {
    let fs = MemFs::new();
    let root = fs.root();
    fs.create_dir_all("d/e").unwrap();
    fs.write_file("d/e/f", "bytes").unwrap();
    root.symlink_at("d/e/f", "ln").unwrap();
    root.hard_link_at("d/e/f", &root, "hl").unwrap();
    let sparse = open_file(&root, "sparse", create());
    sparse.set_size(10_000).unwrap();
    pwrite(&*sparse, b"x", 5).unwrap();
    drop(sparse);
    fs.write_file("empty", "").unwrap();
    let t = at(1_234_567_890, 123_456_789);
    let td = at(1_300_000_000, 5);
    root.set_times_at("d/e/f", SetTime::Keep, SetTime::At(t), false).unwrap();
    root.set_times_at("d", SetTime::Keep, SetTime::At(td), false).unwrap();
    root.set_times_at("ln", SetTime::Keep, SetTime::At(td), false).unwrap();

    let out = tempfile::tempdir().unwrap();
    let o = out.path();
    fs.save_dir(o).unwrap();

    assert_eq!(std::fs::read(o.join("d/e/f")).unwrap(), b"bytes");
    assert_eq!(std::fs::read(o.join("hl")).unwrap(), b"bytes");
    assert_eq!(std::fs::read(o.join("empty")).unwrap(), b"");
    assert_eq!(std::fs::read_link(o.join("ln")).unwrap(), Path::new("d/e/f"));
    let (f, hl) = (std::fs::metadata(o.join("d/e/f")).unwrap(), std::fs::metadata(o.join("hl")).unwrap());
    assert_eq!(f.ino(), hl.ino());
    assert_eq!(f.nlink(), 2);
    assert_eq!(host_mtime_ns(&f), ns(t));
    assert_eq!(host_mtime_ns(&std::fs::metadata(o.join("d")).unwrap()), ns(td));
    assert_eq!(host_mtime_ns(&std::fs::symlink_metadata(o.join("ln")).unwrap()), ns(td));
    let sparse = std::fs::read(o.join("sparse")).unwrap();
    assert_eq!(sparse.len(), 10_000);
    assert_eq!(sparse[5], b'x');
    assert_eq!(sparse.iter().filter(|&&b| b != 0).count(), 1);
    let mut listed: Vec<_> = std::fs::read_dir(o).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    listed.sort();
    assert_eq!(listed, ["d", "empty", "hl", "ln", "sparse"]);
    // Saving again keeps the link (files made in memory are rewritten on every save).
    fs.save_dir(o).unwrap();
    let again = std::fs::metadata(o.join("d/e/f")).unwrap();
    assert_eq!(std::fs::metadata(o.join("hl")).unwrap().ino(), again.ino());
    assert_eq!(again.nlink(), 2);
    assert_eq!(std::fs::read(o.join("hl")).unwrap(), b"bytes");
    assert_eq!(host_mtime_ns(&again), ns(t));
}

#[test]
fn save_dir_removes_host_entries_deleted_in_memory() {
    let base = tempfile::tempdir().unwrap();
    let host = base.path().join("target");
    std::fs::create_dir(&host).unwrap();
    let p = host.as_path();
    std::fs::write(p.join("keep"), "k").unwrap();
    std::fs::write(p.join("delete-me"), "d").unwrap();
    std::fs::create_dir_all(p.join("tree/deep")).unwrap();
    std::fs::write(p.join("tree/deep/file"), "f").unwrap();
    std::fs::write(p.join("rename-me"), "r").unwrap();
    std::os::unix::fs::symlink("keep", p.join("old-link")).unwrap();

    let fs = MemFs::new();
    fs.load_dir(p).unwrap();
    let root = fs.root();
    root.unlink_file_at("delete-me").unwrap();
    root.unlink_file_at("tree/deep/file").unwrap();
    root.remove_dir_at("tree/deep").unwrap();
    root.rename_at("rename-me", &root, "renamed").unwrap();
    root.unlink_file_at("old-link").unwrap();
    fs.write_file("keep", "changed").unwrap();
    // A host hard link to "keep" from outside the target.
    std::fs::hard_link(p.join("keep"), base.path().join("outside-link")).unwrap();
    fs.save_dir(p).unwrap();

    let mut listed: Vec<_> = std::fs::read_dir(p).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    listed.sort();
    assert_eq!(listed, ["keep", "renamed", "tree"]);
    assert_eq!(std::fs::read_dir(p.join("tree")).unwrap().count(), 0);
    assert_eq!(std::fs::read(p.join("keep")).unwrap(), b"changed");
    assert_eq!(std::fs::read(p.join("renamed")).unwrap(), b"r");
    // A changed file is replaced, not rewritten in place: the outside link keeps the old bytes.
    assert_eq!(std::fs::read(base.path().join("outside-link")).unwrap(), b"k");
    assert_eq!(std::fs::metadata(base.path().join("outside-link")).unwrap().nlink(), 1);
}

#[test]
fn save_dir_keeps_guest_symlink_escaping_the_target_as_a_symlink_and_writes_nothing_outside() {
    let base = tempfile::tempdir().unwrap();
    let target = base.path().join("a/t");
    let outside = base.path().join("outside");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::create_dir(&outside).unwrap();

    let fs = MemFs::new();
    let root = fs.root();
    root.symlink_at("../../outside", "escape").unwrap();
    // The guest cannot write through it.
    assert_eq!(open_errno(&root, "escape/pwned", create()), Errno::Perm);
    fs.save_dir(&target).unwrap();
    let meta = std::fs::symlink_metadata(target.join("escape")).unwrap();
    assert!(meta.file_type().is_symlink());
    assert_eq!(std::fs::read_link(target.join("escape")).unwrap(), Path::new("../../outside"));
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);

    // The name becomes a directory with a file in memory; a host symlink to outside sits
    // where a memory file goes. Saving must replace the links, never write through them.
    root.unlink_file_at("escape").unwrap();
    root.create_dir_at("escape").unwrap();
    fs.write_file("escape/pwned", "x").unwrap();
    fs.write_file("victim", "y").unwrap();
    std::os::unix::fs::symlink("../../outside/victim", target.join("victim")).unwrap();
    fs.save_dir(&target).unwrap();
    assert!(std::fs::symlink_metadata(target.join("escape")).unwrap().is_dir());
    assert_eq!(std::fs::read(target.join("escape/pwned")).unwrap(), b"x");
    assert!(std::fs::symlink_metadata(target.join("victim")).unwrap().is_file());
    assert_eq!(std::fs::read(target.join("victim")).unwrap(), b"y");
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    let mut top: Vec<_> = std::fs::read_dir(base.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    top.sort();
    assert_eq!(top, ["a", "outside"]);
}

fn sample_tree(fs: &MemFs) {
    let root = fs.root();
    fs.create_dir_all("dir/sub").unwrap();
    fs.create_dir_all("empty-dir").unwrap();
    fs.write_file("dir/file", "file bytes").unwrap();
    fs.write_file("top", "top").unwrap();
    root.hard_link_at("dir/file", &root, "dir/sub/hardlink").unwrap();
    root.symlink_at("../top", "dir/symlink").unwrap();
    root.symlink_at("/absolute/target", "abs").unwrap();
    let sparse = open_file(&root, "sparse", create());
    write(&*sparse, b"abc");
    sparse.set_size(100_000).unwrap();
    root.set_times_at("top", SetTime::Keep, SetTime::At(at(1_500_000_000, 0)), false).unwrap();
}

#[test]
fn save_tar_then_load_tar_reproduces_the_tree() {
    let fs = MemFs::new();
    sample_tree(&fs);
    let mut archive = Vec::new();
    fs.save_tar(&mut archive).unwrap();

    let copy = MemFs::new();
    copy.load_tar(&archive[..]).unwrap();
    let (root, croot) = (fs.root(), copy.root());
    assert_eq!(tree(&croot), tree(&root));
    assert_eq!(stat(&croot, "dir/file").ino, stat(&croot, "dir/sub/hardlink").ino);
    assert_eq!(stat(&croot, "dir/file").nlink, 2);
    assert_eq!(stat(&croot, "sparse").size, 100_000);
    assert_eq!(copy.read_file("sparse").unwrap()[..4], *b"abc\0");
    assert_eq!(stat(&croot, "top").mtim, 1_500_000_000 * 1_000_000_000);
    // Saving the copy yields the same archive.
    let mut again = Vec::new();
    copy.save_tar(&mut again).unwrap();
    assert!(again == archive, "second archive differs");
}

#[test]
fn load_tar_keeps_directory_mtimes() {
    let fs = MemFs::new();
    sample_tree(&fs);
    let root = fs.root();
    let t = at(1_400_000_000, 0);
    root.set_times_at("dir", SetTime::Keep, SetTime::At(t), false).unwrap();
    let mut archive = Vec::new();
    fs.save_tar(&mut archive).unwrap();
    let copy = MemFs::new();
    copy.load_tar(&archive[..]).unwrap();
    assert_eq!(stat(&copy.root(), "dir").mtim, ns(t));
}

#[test]
fn load_tar_refuses_dotdot_and_absolute_paths_and_creates_nothing() {
    for name in [&b"../evil"[..], b"a/../../evil", b"ok/../evil", b"/abs/evil"] {
        let archive = raw_tar(&[(name, tar::EntryType::Regular, b"", b"evil bytes")]);
        let fs = MemFs::new();
        let result = fs.load_tar(&archive[..]);
        assert!(result.is_err(), "{:?} was accepted", String::from_utf8_lossy(name));
        assert!(tree(&fs.root()).is_empty(), "{:?} created something", String::from_utf8_lossy(name));
        assert_eq!(fs.used_bytes(), 0);
    }
    // A hard link whose target climbs out is refused too.
    let archive = raw_tar(&[(b"link", tar::EntryType::Link, b"../etc/passwd", b"")]);
    let fs = MemFs::new();
    assert!(fs.load_tar(&archive[..]).is_err());
    assert!(tree(&fs.root()).is_empty());
    // A sane raw archive loads, so the refusals above are about the paths.
    let archive = raw_tar(&[(b"fine/file", tar::EntryType::Regular, b"", b"ok")]);
    let fs = MemFs::new();
    fs.load_tar(&archive[..]).unwrap();
    assert_eq!(fs.read_file("fine/file").unwrap(), b"ok");
}

#[test]
fn load_tar_refuses_paths_through_a_symlink() {
    let archive = raw_tar(&[
        (b"link", tar::EntryType::Symlink, b"/etc", b""),
        (b"link/passwd", tar::EntryType::Regular, b"", b"root::0:0"),
    ]);
    let fs = MemFs::new();
    assert!(fs.load_tar(&archive[..]).is_err());
    assert_eq!(tree(&fs.root()).into_iter().collect::<Vec<_>>(), [("link".to_string(), Desc::Link(b"/etc".to_vec()))]);
    assert_eq!(fs.used_bytes(), 0);
}

#[test]
fn load_tar_respects_capacity() {
    let archive = raw_tar(&[(b"big", tar::EntryType::Regular, b"", &[1u8; 2000])]);
    let fs = MemFs::builder().capacity(1000).build();
    let err = fs.load_tar(&archive[..]).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::StorageFull);
    assert!(tree(&fs.root()).is_empty());
    assert_eq!(fs.used_bytes(), 0);
}

// ---------------------------------------------------------------------------------------------
// 7. threads
// ---------------------------------------------------------------------------------------------

#[test]
fn eight_threads_creating_and_renaming_in_one_directory() {
    within(25, || {
        const THREADS: usize = 8;
        const FILES: usize = 200;
        let fs = MemFs::new();
        let root = fs.root();
        for t in 0..THREADS {
            root.create_dir_at(&format!("d{t}")).unwrap();
        }
        let stop = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            // A reader lists the directory all along, checking it never sees a name twice.
            let reader_root = root.clone();
            let stop = &stop;
            let reader = s.spawn(move || {
                let mut passes = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) || passes == 0 {
                    let mut seen = names(&list(&reader_root));
                    let total = seen.len();
                    seen.sort();
                    seen.dedup();
                    assert_eq!(seen.len(), total, "readdir listed a name twice");
                    passes += 1;
                }
            });
            let workers: Vec<_> = (0..THREADS)
                .map(|t| {
                    let root = root.clone();
                    let fs = fs.clone();
                    s.spawn(move || {
                        let next = fs.open_dir(&format!("d{}", (t + 1) % THREADS)).unwrap();
                        for i in 0..FILES {
                            let name = format!("t{t}_{i}");
                            let file = open_file(&root, &name, with_flags(OFlags::CREAT | OFlags::EXCL, rw()));
                            write(&*file, name.as_bytes());
                            let new_name = format!("r{t}_{i}");
                            if i % 2 == 0 {
                                root.rename_at(&name, &root, &new_name).unwrap();
                            } else {
                                root.rename_at(&name, &next, &new_name).unwrap();
                            }
                        }
                    })
                })
                .collect();
            for worker in workers {
                worker.join().unwrap();
            }
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            reader.join().unwrap();
        });

        let mut expected: Vec<String> = (0..THREADS).map(|t| format!("d{t}")).collect();
        for t in 0..THREADS {
            for i in (0..FILES).step_by(2) {
                expected.push(format!("r{t}_{i}"));
            }
        }
        expected.sort();
        assert_eq!(sorted_names(&root), expected);
        assert_eq!(root.filestat().unwrap().nlink, 2 + THREADS as u64);
        for t in 0..THREADS {
            let from = (t + THREADS - 1) % THREADS;
            let mut want: Vec<String> = (1..FILES).step_by(2).map(|i| format!("r{from}_{i}")).collect();
            want.sort();
            let dir = fs.open_dir(&format!("d{t}")).unwrap();
            assert_eq!(sorted_names(&dir), want);
            assert_eq!(dir.filestat().unwrap().nlink, 2);
        }
        for t in 0..THREADS {
            for i in 0..FILES {
                let path = if i % 2 == 0 { format!("r{t}_{i}") } else { format!("d{}/r{t}_{i}", (t + 1) % THREADS) };
                assert_eq!(fs.read_file(&path).unwrap(), format!("t{t}_{i}").into_bytes());
                assert_eq!(stat(&root, &path).nlink, 1);
            }
        }
        let total: u64 = (0..THREADS).flat_map(|t| (0..FILES).map(move |i| format!("t{t}_{i}").len() as u64)).sum();
        assert_eq!(fs.used_bytes(), total);
    });
}

#[test]
fn concurrent_renames_of_one_file_keep_exactly_one_name() {
    within(25, || {
        let fs = MemFs::new();
        let root = fs.root();
        root.create_dir_at("sub").unwrap();
        fs.write_file("ping", "ball").unwrap();
        let ino = stat(&root, "ping").ino;
        std::thread::scope(|s| {
            for t in 0..8 {
                let root = root.clone();
                let sub = fs.open_dir("sub").unwrap();
                s.spawn(move || {
                    for _ in 0..300 {
                        let moves: [(&MemDir, &str, &MemDir, &str); 3] =
                            [(&root, "ping", &sub, "pong"), (&sub, "pong", &root, "pang"), (&root, "pang", &root, "ping")];
                        let (from, from_name, to, to_name) = moves[t % 3];
                        match from.rename_at(from_name, to, to_name) {
                            Ok(()) => {}
                            Err(err) => assert_eq!(err.errno(), Errno::Noent),
                        }
                        // Moving "sub" under itself is always refused.
                        assert_eq!(errno(root.rename_at("sub", &sub, "x")), Errno::Inval);
                    }
                });
            }
        });
        let found: Vec<_> = ["ping", "sub/pong", "pang"].into_iter().filter(|p| root.stat_at(p, false).is_ok()).collect();
        assert_eq!(found.len(), 1, "names left: {found:?}");
        let st = stat(&root, found[0]);
        assert_eq!((st.ino, st.nlink), (ino, 1));
        assert_eq!(fs.read_file(found[0]).unwrap(), b"ball");
        assert_eq!(root.filestat().unwrap().nlink, 3);
    });
}
