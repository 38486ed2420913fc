//! The channel tree as TeamSpeak clients show it: channels under their parent (`pid`), and
//! siblings in `channel_order` (each names the channel above it; 0 is the first). Built from
//! `channellist` items, or from any channel type through [`ChannelTree::build`].

use crate::OwnedItem;

/// A channel and its sub-channels.
#[derive(Debug, Clone, PartialEq)]
pub struct Node<T> {
    /// The channel's id.
    pub cid: u32,
    /// The channel (a `channellist` item, or your own type).
    pub channel: T,
    /// Its sub-channels, in order.
    pub children: Vec<Node<T>>,
}

/// The channels of a virtual server, as a tree.
///
/// ```
/// use ts3q::tree::ChannelTree;
/// let list = ts3q::Response::parse(
///     "cid=1 pid=0 channel_order=0 channel_name=Lobby|cid=3 pid=0 channel_order=1 channel_name=AFK|\
///      cid=2 pid=1 channel_order=0 channel_name=Games".into(),
///     "error id=0 msg=ok".into(),
/// ).unwrap();
/// let tree = ChannelTree::from_items(list.into_items());
/// let mut lines = Vec::new();
/// tree.walk(|depth, node| {
///     let name = node.channel.str("channel_name").unwrap_or_default().into_owned();
///     lines.push(format!("{}{name}", "  ".repeat(depth)));
/// });
/// assert_eq!(lines, ["Lobby", "  Games", "AFK"]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelTree<T> {
    /// The top-level channels, in order.
    pub roots: Vec<Node<T>>,
}

/// A channel's place: its id, its parent's id (0 at the top), and the id of the sibling
/// above it (0 for the first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// `cid`.
    pub cid: u32,
    /// `pid`.
    pub pid: u32,
    /// `channel_order`.
    pub order: u32,
}

impl<T> ChannelTree<T> {
    /// Builds the tree from channels of any type, `place` saying where each belongs. A
    /// channel whose parent is missing goes to the top; siblings off the `channel_order`
    /// chain (a list fetched while channels moved) follow it, by id. Never loops, whatever
    /// the input.
    pub fn build(channels: Vec<T>, place: impl Fn(&T) -> Place) -> ChannelTree<T> {
        let mut placed: Vec<(Place, Option<T>)> =
            channels.into_iter().map(|c| (place(&c), Some(c))).collect();
        let known: std::collections::HashSet<u32> = placed.iter().map(|(p, _)| p.cid).collect();
        for (p, _) in &mut placed {
            if p.pid == p.cid || !known.contains(&p.pid) {
                p.pid = 0;
            }
        }
        let mut taken = vec![false; placed.len()];
        let roots = Self::level(0, &mut placed, &mut taken, 0);
        // Channels on a parent cycle were never reached from the top: hang them there.
        let mut tree = ChannelTree { roots };
        for i in 0..placed.len() {
            if !taken[i] {
                taken[i] = true;
                if let Some(channel) = placed[i].1.take() {
                    tree.roots.push(Node {
                        cid: placed[i].0.cid,
                        channel,
                        children: Vec::new(),
                    });
                }
            }
        }
        tree
    }

    fn level(
        pid: u32,
        placed: &mut [(Place, Option<T>)],
        taken: &mut [bool],
        depth: usize,
    ) -> Vec<Node<T>> {
        let mut here: Vec<usize> = (0..placed.len())
            .filter(|&i| !taken[i] && placed[i].0.pid == pid)
            .collect();
        for &i in &here {
            taken[i] = true;
        }
        // Follow the chain of `channel_order`; the rest after it, by id.
        let mut ordered = Vec::with_capacity(here.len());
        let mut above = 0;
        while let Some(at) = here.iter().position(|&i| placed[i].0.order == above) {
            let i = here.swap_remove(at);
            above = placed[i].0.cid;
            ordered.push(i);
        }
        here.sort_by_key(|&i| placed[i].0.cid);
        ordered.extend(here);
        ordered
            .into_iter()
            .filter_map(|i| {
                let cid = placed[i].0.cid;
                let channel = placed[i].1.take()?;
                // A depth bound as well as `taken`: no input makes this recurse forever.
                let children = if depth < 1024 {
                    Self::level(cid, placed, taken, depth + 1)
                } else {
                    Vec::new()
                };
                Some(Node {
                    cid,
                    channel,
                    children,
                })
            })
            .collect()
    }

    /// Visits every channel, parents before children, with its depth (0 at the top).
    pub fn walk(&self, mut visit: impl FnMut(usize, &Node<T>)) {
        fn go<T>(depth: usize, nodes: &[Node<T>], visit: &mut impl FnMut(usize, &Node<T>)) {
            for n in nodes {
                visit(depth, n);
                go(depth + 1, &n.children, visit);
            }
        }
        go(0, &self.roots, &mut visit);
    }

    /// How many channels the tree holds.
    pub fn len(&self) -> usize {
        let mut n = 0;
        self.walk(|_, _| n += 1);
        n
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }
}

impl ChannelTree<OwnedItem> {
    /// The tree of a `channellist` reply's items (`cid`, `pid`, `channel_order`).
    pub fn from_items(channels: Vec<OwnedItem>) -> ChannelTree<OwnedItem> {
        ChannelTree::build(channels, |c| Place {
            cid: c.parse("cid").unwrap_or_default(),
            pid: c.parse("pid").unwrap_or_default(),
            order: c.parse("channel_order").unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(places: &[(u32, u32, u32)]) -> Vec<(usize, u32)> {
        let t = ChannelTree::build(places.to_vec(), |&(cid, pid, order)| Place {
            cid,
            pid,
            order,
        });
        let mut out = Vec::new();
        t.walk(|d, n| out.push((d, n.cid)));
        assert_eq!(t.len(), places.len(), "every channel exactly once");
        out
    }

    #[test]
    fn order_parents_orphans_and_cycles() {
        // Siblings by channel_order, not by id or list order.
        assert_eq!(
            tree(&[(5, 0, 7), (7, 0, 0), (9, 0, 5)]),
            [(0, 7), (0, 5), (0, 9)]
        );
        // Children under parents, at any depth.
        assert_eq!(
            tree(&[(1, 0, 0), (2, 1, 0), (3, 2, 0), (4, 0, 1)]),
            [(0, 1), (1, 2), (2, 3), (0, 4)]
        );
        // A missing parent: at the top. Off the chain: after it, by id.
        assert_eq!(
            tree(&[(1, 0, 0), (2, 99, 0), (3, 0, 42)]),
            [(0, 1), (0, 2), (0, 3)]
        );
        // Cycles (self-parent, two channels each other's parent, order cycles) never hang.
        assert_eq!(tree(&[(1, 1, 0)]), [(0, 1)]);
        assert_eq!(tree(&[(1, 2, 0), (2, 1, 0)]).len(), 2);
        assert_eq!(tree(&[(1, 0, 2), (2, 0, 1)]).len(), 2);
        assert!(tree(&[]).is_empty());
    }
}
