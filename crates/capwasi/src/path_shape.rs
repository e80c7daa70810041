//! What the spelling of a guest path says, before any lookup: the POSIX rules both backends
//! follow (a trailing slash names a directory; a name ending in `.` or `..` can never become
//! a regular file). One home for them, so the OS backend and the in-memory one cannot drift.

/// The path ends in `/`: its last component must resolve to a directory (`stat("file/")`,
/// `rename("file", "x/")` and `open("file/")` are `notdir`).
pub fn ends_in_slash(path: &str) -> bool {
    path.ends_with('/')
}

/// The path names something only a directory can be: it ends in `/`, or its last component
/// is `.` or `..`. Creating a regular file under such a name is `isdir` (Linux), once the
/// directory that would hold it has been found.
pub fn names_a_directory(path: &str) -> bool {
    ends_in_slash(path) || matches!(last_component(path), "." | "..")
}

/// For a path that [`names_a_directory`]: the directory that must exist before `isdir` is the
/// answer (`a/b/` → `a`; `x/.` and `x/..` → the path itself, which `..` may not leave; a
/// single name → `.`).
pub fn holding_directory(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if matches!(last_component(trimmed), "." | "..") {
        return trimmed;
    }
    match trimmed.rsplit_once('/') {
        Some((parent, _)) if !parent.is_empty() => parent,
        _ => ".",
    }
}

fn last_component(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trailing_slash_dot_or_dotdot_names_a_directory() {
        for path in ["d/", "a/b//", ".", "..", "x/.", "x/..", "/"] {
            assert!(names_a_directory(path), "{path}");
        }
        for path in ["f", "a/b", "a/.b", "..x", "x/..y"] {
            assert!(!names_a_directory(path), "{path}");
        }
        assert!(ends_in_slash("d/") && !ends_in_slash("d/."));
    }

    #[test]
    fn the_holding_directory_is_found_before_isdir() {
        assert_eq!(holding_directory("new/"), ".");
        assert_eq!(holding_directory("a/b/new//"), "a/b");
        assert_eq!(holding_directory("x/."), "x/.");
        assert_eq!(holding_directory("x/.."), "x/..");
        assert_eq!(holding_directory(".."), "..");
    }
}
