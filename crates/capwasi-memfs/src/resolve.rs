//! Path resolution beneath a directory, confined to it the way cap-std confines the OS
//! backend: `..` may not climb above the directory the call was made through, and a symlink
//! is followed only while its target stays beneath it too.
//!
//! The caller holds the filesystem's namespace lock, so the walk sees one consistent tree.

use crate::node::{Kind, Node, NAME_MAX};
use capwasi::{Errno, Error, Result};
use std::collections::VecDeque;
use std::sync::Arc;

/// Longest path accepted, and longest symlink chain (Linux's `PATH_MAX` and `MAXSYMLINKS`).
const PATH_MAX: usize = 4096;
const MAX_SYMLINKS: u32 = 40;

/// What to do when the last component is a symlink.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Last {
    /// Follow it (`symlink_follow`, `open` without `O_NOFOLLOW`).
    Follow,
    /// Stop at it, unless the path ends in a slash, which POSIX reads as "the directory the
    /// link names".
    NoFollow,
    /// Stop at it even with a trailing slash (`mkdir`, `rmdir`, `rename`, which the OS
    /// backend hands the name without its slash).
    Literal,
    /// Stop at it even with a trailing slash, but answer `perm` if the slash would lead
    /// out of the base (`unlink`, `link`, `symlink`, where the OS backend resolves the slash).
    LiteralBeneath,
}

/// How a path ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Final {
    /// A name in `parent`.
    Name(Box<str>),
    /// `.` (or the empty walk of `./`): the directory itself.
    Dot,
    /// `..`: the directory above, still beneath the base.
    DotDot,
}

pub(crate) struct Resolved {
    /// The directory that holds the final component.
    pub parent: Arc<Node>,
    pub last: Final,
    /// What the final component names, if anything; for `.`/`..`, the directory itself.
    pub node: Option<Arc<Node>>,
    /// The path ended in a slash: the final component must turn out to be a directory.
    pub dir_required: bool,
}

impl Resolved {
    /// The node, or `noent`.
    pub fn existing(&self) -> Result<&Arc<Node>> {
        self.node.as_ref().ok_or_else(|| Error::new(Errno::Noent))
    }

    /// The final name, or `errno` when the path ended in `.` or `..`.
    pub fn name(&self, errno: Errno) -> Result<&str> {
        match &self.last {
            Final::Name(name) => Ok(name),
            _ => Err(Error::new(errno).context("path ends in . or ..")),
        }
    }
}

/// Resolves `path` beneath `base`.
pub(crate) fn resolve(base: &Arc<Node>, path: &str, last_mode: Last) -> Result<Resolved> {
    if path.is_empty() {
        return Err(Error::new(Errno::Noent).context("empty path"));
    }
    if path.len() > PATH_MAX {
        return Err(Error::new(Errno::Nametoolong));
    }
    let mut pending: VecDeque<Box<str>> = VecDeque::new();
    let dir_required = push_components(&mut pending, path)?;
    walk(vec![Arc::clone(base)], pending, dir_required, last_mode, path)
}

/// Resolves the components in `pending` from the directory on top of `stack`, which holds
/// the directories walked so far from the base (the base at the bottom).
fn walk(mut stack: Vec<Arc<Node>>, mut pending: VecDeque<Box<str>>, mut dir_required: bool, last_mode: Last, path: &str) -> Result<Resolved> {
    let mut links = 0u32;
    let mut last_seen = Final::Dot;
    while let Some(component) = pending.pop_front() {
        let is_last = pending.is_empty();
        match &*component {
            "." => last_seen = Final::Dot,
            ".." => {
                if stack.len() == 1 {
                    return Err(Error::escape(format_args!("{path:?} climbs out of its directory")));
                }
                stack.pop();
                last_seen = Final::DotDot;
            }
            name => {
                let dir = Arc::clone(stack.last().expect("the walk never pops its base"));
                let child = dir.dir()?.get(name).cloned();
                let follow_here = !is_last || last_mode == Last::Follow || (dir_required && last_mode == Last::NoFollow);
                let check_beneath = is_last && dir_required && last_mode == Last::LiteralBeneath;
                match child {
                    Some(node) if follow_here && matches!(node.kind, Kind::Symlink(_)) => {
                        links += 1;
                        if links > MAX_SYMLINKS {
                            return Err(Error::new(Errno::Loop).context(format_args!("too many symlinks in {path:?}")));
                        }
                        let Kind::Symlink(target) = &node.kind else { unreachable!() };
                        if target.starts_with('/') {
                            return Err(Error::escape(format_args!("symlink to absolute path {target:?}")));
                        }
                        if target.is_empty() {
                            return Err(Error::new(Errno::Noent).context("empty symlink"));
                        }
                        let mut expanded = VecDeque::new();
                        let slash = push_components(&mut expanded, target)?;
                        if is_last {
                            dir_required |= slash;
                        }
                        expanded.append(&mut pending);
                        pending = expanded;
                    }
                    Some(node) if check_beneath && matches!(node.kind, Kind::Symlink(_)) => {
                        // A call that acts on the link itself still may not be told anything
                        // about where a trailing slash would lead out of the base: the OS
                        // backend answers `perm` there, and so does this one.
                        let Kind::Symlink(target) = &node.kind else { unreachable!() };
                        let mut through = VecDeque::new();
                        push_components(&mut through, &format!("{target}/"))?;
                        if target.starts_with('/') {
                            return Err(Error::escape(format_args!("symlink to absolute path {target:?}")));
                        }
                        if let Err(err) = walk(stack.clone(), through, true, Last::Follow, path)
                            && err.errno() == Error::ESCAPE
                        {
                            return Err(err);
                        }
                        return Ok(Resolved { parent: dir, last: Final::Name(name.into()), node: Some(node), dir_required });
                    }
                    node if is_last => {
                        return Ok(Resolved { parent: dir, last: Final::Name(name.into()), node, dir_required });
                    }
                    None => return Err(Error::new(Errno::Noent)),
                    Some(node) if node.is_dir() => stack.push(node),
                    Some(_) => return Err(Error::new(Errno::Notdir)),
                }
            }
        }
    }
    // The path ended in `.` or `..` (or a symlink to one): it names a directory on the stack.
    let here = Arc::clone(stack.last().expect("the walk never pops its base"));
    Ok(Resolved { parent: Arc::clone(&here), last: last_seen, node: Some(here), dir_required })
}

/// Appends the components of `path` to `queue`; returns whether it ended in a slash.
fn push_components(queue: &mut VecDeque<Box<str>>, path: &str) -> Result<bool> {
    for component in path.split('/').filter(|c| !c.is_empty()) {
        if component.len() > NAME_MAX {
            return Err(Error::new(Errno::Nametoolong));
        }
        queue.push_back(component.into());
    }
    Ok(capwasi::path_shape::ends_in_slash(path))
}
