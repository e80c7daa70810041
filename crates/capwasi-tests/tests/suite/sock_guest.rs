//! Sockets byte by byte (`guests/c/sock_guest.c`): the guest accepts on a loopback listener
//! granted with `WasiCtxBuilder::preopened_listener` and the test plays the TCP client.
//!
//! The guest runs on its own thread (`Guest::run` blocks until it exits); the client side
//! runs on the test thread with read timeouts, and the guest's result is awaited with a
//! deadline, so every test ends by itself. Where the two sides must take turns, the guest
//! sends a byte or two over the connection; its observations are printed on its stdout and
//! compared exactly once it has exited.

use capwasi::types::Rights;
use capwasi_os::OsTcpListener;
use capwasi_tests::{Guest, Outcome};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

/// Generous: the guest module is compiled by the guest thread before it accepts anything.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(30);

/// A `sock_guest` scenario running on its own thread.
struct Running {
    addr: SocketAddr,
    done: mpsc::Receiver<Outcome>,
    outcome: std::cell::RefCell<Option<Outcome>>,
}

impl Running {
    /// Starts `sock_guest MODE` with a fresh listener on 127.0.0.1 (after `/data` if `dir`).
    fn start(args: &[&str], dir: Option<&Path>) -> Running {
        let listener = OsTcpListener::bind("127.0.0.1:0".parse().unwrap()).expect("binding a loopback listener");
        let addr = listener.local_addr().unwrap();
        let mut guest = Guest::c("sock_guest").args(args.iter().copied());
        if let Some(dir) = dir {
            guest = guest.dir(dir, "/data");
        }
        guest.builder.preopened_listener(listener);
        let (send, done) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = send.send(guest.run());
        });
        Running { addr, done, outcome: Default::default() }
    }

    /// A client connection with read and write timeouts.
    fn connect(&self) -> std::io::Result<TcpStream> {
        let stream = TcpStream::connect_timeout(&self.addr, Duration::from_secs(5))?;
        stream.set_read_timeout(Some(CLIENT_TIMEOUT))?;
        stream.set_write_timeout(Some(CLIENT_TIMEOUT))?;
        Ok(stream)
    }

    /// Waits at most `limit` for the guest to exit; true if it has.
    fn finished(&self, limit: Duration) -> bool {
        let mut outcome = self.outcome.borrow_mut();
        if outcome.is_none() {
            *outcome = self.done.recv_timeout(limit).ok();
        }
        outcome.is_some()
    }

    /// How the guest ended, waiting at most 30 s.
    fn outcome(&self) -> Outcome {
        assert!(self.finished(Duration::from_secs(30)), "the guest did not exit within 30 s");
        self.outcome.borrow_mut().take().unwrap()
    }
}

/// Runs the scenario: `client` plays its part, then the guest must exit (within 30 s) with
/// status 0 and print exactly `expected`. A client error is reported with the guest's output.
#[track_caller]
fn scenario(args: &[&str], dir: Option<&Path>, client: impl FnOnce(&Running) -> std::io::Result<()>, expected: &[&str]) {
    let running = Running::start(args, dir);
    let client_result = client(&running);
    let outcome = running.outcome();
    if let Err(err) = client_result {
        panic!(
            "client failed: {err}\nexit {:?}, trap {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            outcome.exit,
            outcome.trap,
            outcome.stdout_text(),
            outcome.stderr_text()
        );
    }
    outcome.assert_exit(0);
    let stdout = outcome.stdout_text();
    assert_eq!(stdout.lines().collect::<Vec<_>>(), expected, "stderr: {}", outcome.stderr_text());
}

/// Reads exactly `n` bytes.
fn read_n(stream: &mut TcpStream, n: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0; n];
    stream.read_exact(&mut buf)?;
    Ok(buf)
}

#[track_caller]
fn expect_bytes(stream: &mut TcpStream, expected: &[u8]) -> std::io::Result<()> {
    let got = read_n(stream, expected.len())?;
    if got != expected {
        return Err(std::io::Error::other(format!(
            "read {:?}, expected {:?}",
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(expected)
        )));
    }
    Ok(())
}

/// Reads until the guest closes its sending side.
fn read_to_eof(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut all = Vec::new();
    stream.read_to_end(&mut all)?;
    Ok(all)
}

#[test]
fn sock_recv_peek_returns_data_that_the_next_recv_returns_again() {
    scenario(
        &["peek"],
        None,
        |guest| {
            let mut client = guest.connect()?;
            client.write_all(b"hello world")?;
            expect_bytes(&mut client, b"ok")?;
            drop(client);
            Ok(())
        },
        &[
            // roflags stay 0: data_truncated only applies to datagrams, and stream sockets
            // are all a preview1 guest can have.
            "peek 5: 5 \"hello\" roflags 0",
            "peek 63: 11 \"hello world\" roflags 0",
            "peek 3+3: 6 \"hel\" \"lo \"",
            "recv 5: 5 \"hello\" roflags 0",
            "peek 63: 6 \" world\"",
            "recv 63: 6 \" world\"",
            "recv after client closed: 0",
        ],
    );
}

#[test]
fn sock_recv_waitall_waits_for_the_whole_buffer_across_two_writes() {
    scenario(
        &["waitall"],
        None,
        |guest| {
            let mut client = guest.connect()?;
            // "R": the guest is about to wait; only then does the 100 ms gap start.
            expect_bytes(&mut client, b"R")?;
            client.write_all(b"01234")?;
            std::thread::sleep(Duration::from_millis(100));
            client.write_all(b"56789")?;
            expect_bytes(&mut client, b"A")?;
            client.write_all(b"abcde")?;
            std::thread::sleep(Duration::from_millis(300));
            client.write_all(b"fghij")?;
            Ok(())
        },
        &[
            "waitall 4+6: 10 \"0123\" \"456789\" roflags 0",
            "waited at least 90 ms",
            // Without waitall the same 10-byte buffer takes what the first write sent.
            "plain recv 10: 5 \"abcde\"",
            "waitall recv 10: 5 \"fghij\"",
        ],
    );
}

#[test]
fn sock_shutdown_wr_gives_the_client_eof_while_the_guest_still_receives_and_rd_ends_receiving() {
    scenario(
        &["shutdown"],
        None,
        |guest| {
            let mut client = guest.connect()?;
            let got = read_to_eof(&mut client)?;
            if got != b"bye" {
                return Err(std::io::Error::other(format!("read {got:?} before end of file")));
            }
            client.write_all(b"still here")?;
            // Keep the connection open until the guest is done with it.
            guest.finished(Duration::from_secs(30));
            Ok(())
        },
        &[
            // No direction, or an unknown bit: inval (28).
            "shutdown 0: errno 28",
            "shutdown 4: errno 28",
            "shutdown 7: errno 28",
            "shutdown wr: errno 0",
            "recv after shutdown wr: 10 \"still here\"",
            // Sending after shutting down the sending side: pipe (64), no SIGPIPE.
            "send after shutdown wr: errno 64",
            "shutdown rd: errno 0",
            "recv after shutdown rd: 0",
        ],
    );
}

/// After the peer closed, capwasi's poll reports the stream readable with 0 bytes *and* the
/// hangup flag (host `POLLRDHUP`), recv keeps returning 0 bytes, and sends fail with pipe or
/// connreset (which of the two depends on when the peer's reset arrives) rather than raising
/// SIGPIPE in the host. After the reset, poll reports hangup again.
#[test]
fn sock_closed_peer_gives_hangup_then_zero_byte_recvs_and_failing_sends() {
    scenario(
        &["closed"],
        None,
        |guest| {
            let client = guest.connect()?;
            drop(client);
            Ok(())
        },
        &[
            "nevents 1",
            "event 1 error 0 type 1 nbytes 0 flags 1",
            "recv: 0 roflags 0",
            "peek: 0",
            "waitall: 0",
            "fd_read: errno 0 n 0",
            "send failed with pipe or connreset",
            "send again: pipe or connreset",
            "after reset: nevents 1 userdata 1 error 0 flags 1",
        ],
    );
}

/// `sock_accept` with `nonblock` and no pending connection must answer `again` (6) (capwasi's
/// reading: a guest asking for a nonblocking stream is driving an event loop). If the host
/// blocks instead, the test connects after 10 s to set the guest free, and fails.
#[test]
fn sock_accept_nonblock_without_pending_connection_is_again() {
    scenario(
        &["nonblock_accept"],
        None,
        |guest| {
            if !guest.finished(Duration::from_secs(10)) {
                // The guest is stuck in accept; free it so the test can end.
                let _rescue = guest.connect()?;
                std::thread::sleep(Duration::from_millis(500));
                return Err(std::io::Error::other("sock_accept(nonblock) blocked with no pending connection"));
            }
            Ok(())
        },
        &["accept nonblock: errno 6", "fd untouched: yes"],
    );
}

/// The other way to a nonblocking accept: the listener itself made nonblocking with
/// `fd_fdstat_set_flags`. Then either accept is `again` (6).
#[test]
fn sock_accept_on_a_nonblocking_listener_without_pending_connection_is_again() {
    scenario(
        &["nonblock_listener"],
        None,
        |guest| {
            if !guest.finished(Duration::from_secs(10)) {
                // The guest is stuck in accept; free it so the test can end.
                let _rescue = guest.connect()?;
                std::thread::sleep(Duration::from_millis(500));
                return Err(std::io::Error::other("sock_accept on a nonblocking listener blocked"));
            }
            Ok(())
        },
        &[
            "listener flags 0",
            "listener flags 4",
            "accept: errno 6",
            "accept nonblock: errno 6",
            "fd untouched: yes",
            "listener flags 0",
        ],
    );
}

#[test]
fn sock_poll_reports_a_listener_readable_when_a_client_is_connecting_and_accepted_fds_are_streams() {
    let stream = Rights::SOCKET.bits();
    let listener = Rights::LISTENER.bits();
    scenario(
        &["poll_listener"],
        None,
        |guest| {
            let mut first = guest.connect()?;
            expect_bytes(&mut first, b"go")?;
            let mut second = guest.connect()?;
            expect_bytes(&mut second, b"go2")?;
            second.write_all(b"ping")?;
            let _ = read_to_eof(&mut second);
            Ok(())
        },
        &[
            // Nothing pending: only the zero-timeout clock fires.
            "nevents 1",
            "event 2 error 0 type 0 nbytes 0 flags 0",
            // The second client is connecting: the listener is readable.
            "nevents 1",
            "event 1 error 0 type 1 nbytes 0 flags 0",
            &format!("accepted fdstat: filetype 6 flags 4 base {stream:#x} inheriting 0x0"),
            "blocking accept fdstat: filetype 6 flags 0",
            &format!("listener fdstat: filetype 6 flags 0 base {listener:#x} inheriting {stream:#x}"),
            "accepted filestat: filetype 6",
            "listener filestat: filetype 6",
            "nonblocking recv, no data: errno 6",
            "nevents 1",
            "event 3 error 0 type 1 nbytes 4 flags 0",
            "recv: 4 \"ping\"",
        ],
    );
}

#[test]
fn sock_fd_read_and_fd_write_on_an_accepted_socket_work_like_recv_and_send() {
    scenario(
        &["fdrw"],
        None,
        |guest| {
            let mut client = guest.connect()?;
            expect_bytes(&mut client, b"hello fd_write")?;
            client.write_all(b"from ")?;
            std::thread::sleep(Duration::from_millis(50));
            client.write_all(b"client")?;
            client.shutdown(Shutdown::Write)?;
            let rest = read_to_eof(&mut client)?;
            if rest != b"via libc" {
                return Err(std::io::Error::other(format!("then read {rest:?}")));
            }
            Ok(())
        },
        &["fd_write: 14", "fd_read until end of file: 11 \"from client\""],
    );
}

#[test]
fn sock_calls_with_unknown_flags_are_inval_and_bad_fds_are_badf() {
    scenario(
        &["badflags"],
        None,
        |guest| {
            let mut first = guest.connect()?;
            first.write_all(b"xy")?;
            let mut second = guest.connect()?;
            read_to_eof(&mut first)?;
            read_to_eof(&mut second)?;
            Ok(())
        },
        &[
            "recv riflags 4: errno 28",
            "send siflags 1: errno 28",
            "accept append: errno 28",
            "accept unknown flag: errno 28",
            "fd untouched: yes",
            "recv bad fd: errno 8",
            "send bad fd: errno 8",
            "accept bad fd: errno 8",
            "shutdown bad fd: errno 8",
            "then: recv \"y\", accepted the second client",
        ],
    );
}

/// The same bad flags with nothing to receive and nobody pending on the listener: the sync
/// linker answers `inval` at once; the async linker first awaits readability of the fd and
/// hangs until the test sets it free by sending a byte and connecting two more clients.
#[test]
fn sock_calls_with_unknown_flags_fail_at_once_when_nothing_is_pending() {
    scenario(
        &["badflags_idle"],
        None,
        |guest| {
            let mut client = guest.connect()?;
            if !guest.finished(Duration::from_secs(10)) {
                // Set the guest free so the test can end.
                client.write_all(b"x")?;
                let _more = [guest.connect()?, guest.connect()?];
                guest.finished(Duration::from_secs(10));
                return Err(std::io::Error::other("calls with bad flags waited for readiness"));
            }
            Ok(())
        },
        &["recv riflags 4: errno 28", "accept append: errno 28", "accept unknown flag: errno 28"],
    );
}

fn data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("f"), b"").unwrap();
    dir
}

#[test]
fn sock_recv_and_sock_send_on_a_regular_file_or_stdout_are_notsock() {
    let dir = data_dir();
    scenario(
        &["notsock", "io"],
        Some(dir.path()),
        |_| Ok(()),
        &[
            "sock_recv on file: errno 57",
            "sock_send on file: errno 57",
            "sock_recv on stdout: errno 57",
            "sock_send on stdout: errno 57",
            "file size 0",
        ],
    );
}

#[test]
fn sock_accept_and_sock_shutdown_on_a_regular_file_or_stdout_are_notsock() {
    let dir = data_dir();
    scenario(
        &["notsock", "ctl"],
        Some(dir.path()),
        |_| Ok(()),
        &[
            "sock_accept on file: errno 57",
            "sock_shutdown on file: errno 57",
            "sock_accept on stdout: errno 57",
            "sock_shutdown on stdout: errno 57",
            "file size 0",
        ],
    );
}

/// The host keeps no buffer of its own between the guest and the peer: while the guest never
/// reads, a client can only fill the kernel's socket buffers, and its writes then stall.
#[test]
fn sock_a_guest_that_never_reads_makes_the_client_stall_instead_of_the_host_buffering() {
    const CHUNK: usize = 64 * 1024;
    const LIMIT: usize = 64 * 1024 * 1024;
    scenario(
        &["idle", "2500"],
        None,
        |guest| {
            let mut client = guest.connect()?;
            client.set_write_timeout(Some(Duration::from_millis(500)))?;
            let chunk = vec![0x5a; CHUNK];
            let mut sent = 0;
            let stalled = loop {
                if sent >= LIMIT {
                    break None;
                }
                match client.write(&chunk) {
                    Ok(n) => sent += n,
                    Err(err) => break Some(err),
                }
            };
            match stalled {
                Some(err) if matches!(err.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => Ok(()),
                Some(err) => Err(std::io::Error::other(format!("write failed after {sent} bytes: {err}"))),
                None => Err(std::io::Error::other(format!("{sent} bytes accepted while the guest never read"))),
            }
        },
        &["idle done"],
    );
}
