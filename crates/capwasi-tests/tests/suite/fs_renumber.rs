//! fd_renumber: onto an open descriptor (closing it), onto a free number and back, onto
//! and from preopens, and with bad descriptors.

use crate::fs_util::{Sandbox, Scenario};
use capwasi_tests::Guest;

pub(crate) fn scenarios() -> Vec<(&'static str, Scenario)> {
    vec![
        ("renumber/onto_open", || layout("onto_open")),
        ("renumber/park_stdout", || layout("park_stdout")),
        ("renumber/preopens", || layout("preopens")),
        ("renumber/two_preopens", two_preopens_layout),
        ("renumber/bad", || layout("bad")),
    ]
}

fn layout(mode: &str) -> (Sandbox, Guest) {
    let sb = Sandbox::new();
    sb.file("a.txt", "A").file("b.txt", "B");
    let guest = Guest::c("fs_renumber").args([mode]).dir(sb.path(), "/sandbox");
    (sb, guest)
}

fn two_preopens_layout() -> (Sandbox, Guest) {
    let sb = Sandbox::with_dirs(&["one", "two"]);
    std::fs::write(sb.dir(0).join("a.txt"), "A in one").unwrap();
    std::fs::write(sb.dir(1).join("a.txt"), "A in two").unwrap();
    let guest = Guest::c("fs_renumber").args(["two_preopens"]).dir(sb.dir(0), "/one").dir(sb.dir(1), "/two");
    (sb, guest)
}

#[track_caller]
fn run_expect(mode: &str, expected: &str) -> Sandbox {
    let (sb, guest) = layout(mode);
    let outcome = guest.run();
    outcome.assert_exit(0);
    assert_eq!(outcome.stdout_text(), expected);
    sb.assert_outside_untouched();
    sb
}

#[test]
fn fs_renumber_onto_an_open_fd_closes_it_and_frees_the_source() {
    let sb = run_expect(
        "onto_open",
        "a=4 b=5\n\
         renumber a -> b=0\n\
         fdstat a=8\n\
         b reads A\n\
         next open gets 4 and reads B\n\
         renumber b -> b=0\n\
         b still reads A\n",
    );
    assert_eq!(std::fs::read_to_string(sb.path().join("b.txt")).unwrap(), "B");
}

/// The spec: `to` must be open, so parking stdout on a free number is `badf` and stdout never
/// moves (wasi-testsuite's `renumber` and wasmtime-wasi agree).
#[test]
fn fs_renumber_onto_a_free_number_is_badf_and_stdout_stays() {
    run_expect(
        "park_stdout",
        "written to fd 1 while parked\n\
         renumber 1 -> 40=8\n\
         fd_write(40)=8\n\
         fd_write(1) while parked=0\n\
         open while parked got 4\n\
         renumber 40 -> 1=8\n\
         fdstat 40 after=8\n\
         stdout works again\n",
    );
}

/// The opt-in departure from the spec (`renumber_like_dup2`): stdout parked on a free number
/// and moved back, as ported programs do with `dup2`, keeps every line of output.
#[test]
fn fs_renumber_like_dup2_parks_stdout_on_a_free_number_and_back() {
    let (sb, guest) = layout("park_stdout");
    let outcome = guest.renumber_like_dup2().run();
    outcome.assert_exit(0);
    assert_eq!(
        outcome.stdout_text(),
        "written to fd 40\n\
         renumber 1 -> 40=0\n\
         fd_write(40)=0\n\
         fd_write(1) while parked=8\n\
         open while parked got 1\n\
         renumber 40 -> 1=0\n\
         fdstat 40 after=8\n\
         stdout works again\n"
    );
    sb.assert_outside_untouched();
}

#[test]
fn fs_renumber_a_preopen_moves_its_prestat_and_a_file_may_replace_it() {
    run_expect(
        "preopens",
        "b.txt opened as 4\n\
         renumber 3 -> b.txt's number=0\n\
         prestat 3=8\n\
         prestat target=0\n\
         target is /sandbox\n\
         open under target got 3 reads A\n\
         renumber file -> target=0\n\
         prestat target now=8\n\
         target reads A\n\
         fdstat file's old number=8\n",
    );
}

#[test]
fn fs_renumber_a_preopen_onto_another_preopen_replaces_it() {
    let (sb, guest) = two_preopens_layout();
    let outcome = guest.run();
    outcome.assert_exit(0);
    assert_eq!(
        outcome.stdout_text(),
        "renumber 3 -> 4=0\n\
         prestat 4=0\n\
         4 is /one\n\
         prestat 3=8\n\
         open under 4 got 3 reads A in one\n"
    );
    sb.assert_outside_untouched();
}

#[test]
fn fs_renumber_bad_fds_are_badf_and_leave_stdout_alone() {
    run_expect(
        "bad",
        "renumber 99 -> 1=8\n\
         renumber closed -> 1=8\n\
         renumber 1 -> 0xffffffff=8\n\
         renumber 0xffffffff -> 1=8\n\
         renumber 1 -> 1=0\n\
         stdout still at 1\n",
    );
}
