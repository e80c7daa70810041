//! Two past advisories of WASI hosts, pinned as regression tests.
//!
//! 1. `fd_readdir` left host memory (uninitialised padding, or the rest of a host buffer) in
//!    the guest's buffer. Here the guest buffer is filled with 0xAA, a directory whose names
//!    have many lengths is listed with every buffer size from 1 to 200 bytes (so the buffer
//!    ends at every offset of a header and of a name), and: every byte past `bufused` is still
//!    0xAA, and the bytes up to `bufused` are exactly a prefix of the well-formed listing
//!    (24-byte headers with `d_namlen` matching the name, the type known, padding bytes 21..24
//!    zero, inode and name those of a real entry).
//! 2. `path_rename` with a trailing slash and a symlink escaped the sandbox (the slash made the
//!    host follow the symlink). Here every rename (and rmdir, unlink, set-times, link, open,
//!    stat, mkdir, symlink) of `link/` where `link` points at a directory or file outside,
//!    relative or absolute, leaves the outside tree untouched.

use crate::security_util::{basic_layout, i, l, symlink, Arena, Driver, Snapshot, SECRET};
use capwasi_os::WasiCtxBuilderExt;
use capwasi_tests::Guest;
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Where the listing goes in guest memory, with guard bytes before it.
const BUF: u32 = 1024;
/// Where `bufused` goes.
const USED: u32 = 16;
/// How much of memory past the buffer is checked for stray writes while walking a listing.
const SPAN: u32 = 4096;

/// One decoded entry: (next cookie, inode, type, name).
type Dirent = (u64, u64, u8, Vec<u8>);

/// Decodes a whole listing, checking each header is well-formed; panics otherwise.
fn decode(bytes: &[u8], inodes: &BTreeMap<Vec<u8>, u64>) -> Vec<Dirent> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        assert!(bytes.len() - at >= 24, "a cut header in a complete listing at {at}");
        let h = &bytes[at..at + 24];
        let next = u64::from_le_bytes(h[0..8].try_into().unwrap());
        let ino = u64::from_le_bytes(h[8..16].try_into().unwrap());
        let namlen = u32::from_le_bytes(h[16..20].try_into().unwrap()) as usize;
        let kind = h[20];
        assert_eq!(&h[21..24], &[0, 0, 0], "dirent padding at {at} is not zero: {h:?}");
        assert!(kind <= 7, "unknown filetype {kind}");
        assert!(at + 24 + namlen <= bytes.len(), "a cut name in a complete listing");
        let name = bytes[at + 24..at + 24 + namlen].to_vec();
        let expected_ino = inodes.get(&name).unwrap_or_else(|| panic!("{:?} is no entry", String::from_utf8_lossy(&name)));
        assert_eq!(ino, *expected_ino, "inode of {:?}", String::from_utf8_lossy(&name));
        out.push((next, ino, kind, name));
        at += 24 + namlen;
    }
    out
}

fn readdir_never_shows_host_memory(snapshot: Snapshot) {
    // Names of every length from 1 to 40 (and one of 200), files, directories and a symlink.
    let arena = Arena::new(&["listing"], |dirs| {
        let d = &dirs[0];
        for len in 1..=40usize {
            let name: String = (0..len).map(|k| (b'a' + ((len + k) % 26) as u8) as char).collect();
            match len % 3 {
                0 => fs::create_dir(d.join(&name)).unwrap(),
                1 => fs::write(d.join(&name), "x").unwrap(),
                _ => std::os::unix::fs::symlink("target", d.join(&name)).unwrap(),
            }
        }
        fs::write(d.join("L".repeat(200)), "long").unwrap();
    });
    let dir = arena.dir(0);
    let mut inodes: BTreeMap<Vec<u8>, u64> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().into_encoded_bytes(), std::os::unix::fs::DirEntryExt::ino(&e))
        })
        .collect();
    inodes.insert(b".".to_vec(), fs::metadata(dir).unwrap().ino());
    inodes.insert(b"..".to_vec(), fs::metadata(arena.root()).unwrap().ino());
    let by_ino: BTreeMap<u64, Vec<u8>> = inodes.iter().map(|(name, ino)| (*ino, name.clone())).collect();
    assert_eq!(by_ino.len(), inodes.len());
    let mut builder = Driver::builder();
    builder.preopened_host_dir(dir, "/listing").unwrap();
    let mut d = Driver::with_snapshot(&mut builder, 1, snapshot);

    // The whole listing in one buffer big enough for it.
    d.mem().fill(0xAA);
    assert_eq!(d.call("fd_readdir", &[i(3), i(BUF), i(32 * 1024), l(0), i(USED)]), 0);
    let total = d.u32_at(USED);
    let full = d.read(BUF, total);
    let entries = decode(&full, &inodes);
    assert_eq!(entries.len(), inodes.len(), "every entry listed once");
    for (_, _, kind, name) in &entries {
        let meta = fs::symlink_metadata(dir.join(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(name))).unwrap();
        let expected = if meta.is_dir() { 3 } else if meta.file_type().is_symlink() { 7 } else { 4 };
        assert_eq!(*kind, expected, "type of {:?}", String::from_utf8_lossy(name));
    }
    assert!(d.read(BUF + total, 32 * 1024 - total).iter().all(|&b| b == 0xAA));

    for buf_len in 1..=200u32 {
        // Cookie 0: from the directory's start.
        d.mem().fill(0xAA);
        assert_eq!(d.call("fd_readdir", &[i(3), i(BUF), i(buf_len), l(0), i(USED)]), 0, "buf_len {buf_len}");
        let used = d.u32_at(USED);
        assert_eq!(used, buf_len.min(total), "bufused for buf_len {buf_len}");
        let got = d.read(BUF, used);
        assert_eq!(got, full[..used as usize], "buf_len {buf_len}: not a prefix of the listing");
        let mem = d.mem().to_vec();
        for (at, &b) in mem.iter().enumerate() {
            let at = at as u32;
            let written = (USED..USED + 4).contains(&at) || (BUF..BUF + used).contains(&at);
            assert!(written || b == 0xAA, "buf_len {buf_len}: byte {at} changed to {b:#x} (bufused {used})");
        }
        assert!(!got.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()));

        // Reading on from the last whole entry's cookie, and past an entry too long for the
        // buffer by the cookie in its (visible) header, reaches every entry exactly once.
        if buf_len < 24 {
            continue;
        }
        let mut seen: Vec<Vec<u8>> = Vec::new();
        let mut cookie = 0u64;
        for round in 0.. {
            assert!(round < 10_000, "buf_len {buf_len}: no progress");
            d.mem().fill(0xAA);
            assert_eq!(d.call("fd_readdir", &[i(3), i(BUF), i(buf_len), l(cookie), i(USED)]), 0);
            let used = d.u32_at(USED);
            let bytes = d.read(BUF, used);
            assert!(d.read(BUF + used, SPAN - BUF - used).iter().all(|&b| b == 0xAA));
            // Whole entries first, then possibly one cut entry.
            let mut at = 0usize;
            while at + 24 <= bytes.len() {
                let namlen = u32::from_le_bytes(bytes[at + 16..at + 20].try_into().unwrap()) as usize;
                if at + 24 + namlen > bytes.len() {
                    break;
                }
                let one = decode(&bytes[at..at + 24 + namlen], &inodes);
                cookie = one[0].0;
                seen.push(one[0].3.clone());
                at += 24 + namlen;
            }
            if used < buf_len {
                assert_eq!(at, bytes.len(), "buf_len {buf_len}: a cut entry before the end");
                break;
            }
            if at == 0 {
                // Not even the first entry fits: its header does. Check it against the name
                // its inode belongs to, then step past it as a guest would.
                let h = &bytes[..24];
                let ino = u64::from_le_bytes(h[8..16].try_into().unwrap());
                let namlen = u32::from_le_bytes(h[16..20].try_into().unwrap()) as usize;
                let name = by_ino.get(&ino).unwrap_or_else(|| panic!("buf_len {buf_len}: unknown inode {ino}"));
                assert_eq!(namlen, name.len());
                assert!(24 + namlen > buf_len as usize);
                assert_eq!(&h[21..24], &[0, 0, 0]);
                assert_eq!(bytes[24..], name[..bytes.len() - 24], "buf_len {buf_len}: cut name");
                cookie = u64::from_le_bytes(h[0..8].try_into().unwrap());
                seen.push(name.clone());
            }
        }
        let mut sorted = seen.clone();
        sorted.sort();
        let all: Vec<Vec<u8>> = inodes.keys().cloned().collect();
        assert_eq!(sorted, all, "buf_len {buf_len}: every entry exactly once");
    }
    arena.assert_outside_untouched();
}

#[test]
fn security_readdir_never_leaves_host_memory_in_the_guest_buffer() {
    readdir_never_shows_host_memory(Snapshot::Preview1);
}

#[test]
fn security_readdir_never_leaves_host_memory_in_the_guest_buffer_unstable() {
    readdir_never_shows_host_memory(Snapshot::Unstable);
}

#[test]
fn security_rename_with_a_trailing_slash_and_a_symlink_never_escapes() {
    let arena = Arena::new(&["sandbox"], |dirs| {
        let sb = &dirs[0];
        basic_layout(sb);
        let root = sb.parent().unwrap();
        symlink(sb, "../outside", "lout");
        symlink(sb, root.join("outside"), "labs");
        symlink(sb, "../outside/empty", "lempty");
        symlink(sb, root.join("outside/empty"), "lemptyabs");
        symlink(sb, "../outside/secret.txt", "lsecret");
        symlink(sb, "file.txt", "lfile");
        symlink(sb, "dir", "ldir");
    });
    let sb = arena.dir(0);
    let links: Vec<(String, std::path::PathBuf)> = ["lout", "labs", "lempty", "lemptyabs", "lsecret", "lfile", "ldir"]
        .iter()
        .map(|name| (name.to_string(), fs::read_link(sb.join(name)).unwrap()))
        .collect();
    let outcome = Guest::c("security_escape").args(["rename_slash"]).dir(sb, "/sandbox").run();
    outcome.assert_exit(0);
    assert_eq!(
        outcome.stdout_text(),
        "rename file.txt -> lout/=54\n\
         rename file.txt -> labs/=54\n\
         rename file.txt -> lout/file.txt=63\n\
         rename file.txt -> lempty/x=63\n\
         rename file.txt -> lsecret/=54\n\
         rename lout/ -> x=54\n\
         rename labs/ -> x=54\n\
         rename lempty/ -> x=54\n\
         rename lempty/ -> x/=54\n\
         rename lemptyabs/ -> x/=54\n\
         rename lempty/ -> emptydir=54\n\
         rename lempty/ -> emptydir/=54\n\
         rename lout/ -> newdir/=54\n\
         rename lempty/. -> x=63\n\
         rename emptydir/ -> lempty/=54\n\
         rename emptydir/ -> lemptyabs/=54\n\
         rename emptydir -> lempty/=54\n\
         rename emptydir/ -> lout/empty/=63\n\
         rename emptydir/ -> lout/empty=63\n\
         rename emptydir/ -> lempty/.=63\n\
         rename dir/ -> lout/=54\n\
         rename dir/ -> lempty/=54\n\
         rename lsecret/ -> x=54\n\
         rename lfile/ -> x=54\n\
         rename ldir/ -> x=54\n\
         rename dir/ -> dir2/=0\n\
         rename dir2/ -> dir=0\n\
         rmdir lempty/=54\n\
         rmdir lemptyabs/=54\n\
         rmdir lout/empty/=63\n\
         unlink lsecret/=63\n\
         unlink lout/=63\n\
         unlink lout/secret.txt=63\n\
         set_times lout/=63\n\
         set_times lempty/=63\n\
         set_times lsecret/=63\n\
         link lempty/ -> y=63\n\
         link lsecret/ -> y=63\n\
         link file.txt -> lempty/=63\n\
         open lempty/ nofollow=63\n\
         open lsecret/ nofollow=63\n\
         lstat lout/=63\n\
         lstat lsecret/=63\n\
         mkdir lempty/=20\n\
         mkdir lempty/sub=63\n\
         symlink file.txt -> lempty/=63\n\
         symlink file.txt -> lempty/z=63\n"
    );
    arena.assert_outside_untouched();
    // Every link is still there, a symlink with the same target; nothing new appeared.
    for (name, target) in &links {
        assert!(fs::symlink_metadata(sb.join(name)).unwrap().file_type().is_symlink(), "{name}");
        assert_eq!(&fs::read_link(sb.join(name)).unwrap(), target, "{name}");
    }
    assert!(fs::symlink_metadata(sb.join("x")).is_err() && fs::symlink_metadata(sb.join("y")).is_err());
    assert!(fs::symlink_metadata(sb.join("newdir")).is_err() && fs::symlink_metadata(sb.join("dir2")).is_err());
    assert_eq!(fs::read_to_string(sb.join("file.txt")).unwrap(), "inside\n");
    assert_eq!(fs::read_to_string(sb.join("dir/inner.txt")).unwrap(), "inner\n");
    assert!(sb.join("emptydir").is_dir() && !Path::new(&sb.join("emptydir")).is_symlink());
}
