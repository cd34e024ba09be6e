//! Scopes: a tree in which every child runs with its declared grants intersected with its parent's.
//!
//! - A child's effective grant for a tool is its own declared grant ∩ the parent's effective grant. A
//!   tool the parent lacks is absent in the child whatever the child declares, and a tool the child does
//!   not declare is absent in the child whatever the parent has.
//! - Budgets (`max_calls`) are counters owned by the scope that declares them and shared by every
//!   descendant: a call spends one from every ancestor that has a budget for the tool, atomically, so a
//!   tree of children can never make more calls than any ancestor allows.
//! - Deadlines propagate: a scope's deadline is the earlier of its own and its parent's.
//! - Every decision made in a tree goes to the tree's [`AuditSink`].

use crate::audit::{AuditSink, NullAudit};
use crate::error::GrantError;
use crate::grant::{Grant, GrantSet};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A node of the scope tree. Cloning is cheap (a reference count).
#[derive(Clone)]
pub struct Scope {
    pub(crate) node: Arc<Node>,
}

pub(crate) struct Node {
    pub(crate) name: String,
    pub(crate) path: String,
    pub(crate) parent: Option<Scope>,
    /// What this scope declared (for a root, with the root defaults filled in).
    pub(crate) declared: GrantSet,
    pub(crate) effective: GrantSet,
    /// This scope's own deadline, as given.
    pub(crate) own_deadline: Option<Instant>,
    /// The earliest deadline on the path to the root.
    pub(crate) deadline: Option<Instant>,
    /// For each tool, the budget counters of this scope and its ancestors (root first).
    pub(crate) budgets: BTreeMap<String, Vec<Arc<Budget>>>,
    pub(crate) tree: Arc<Tree>,
}

pub(crate) struct Budget {
    pub(crate) scope: String,
    pub(crate) remaining: AtomicU64,
}

pub(crate) struct Tree {
    /// Serializes budget spending so a call spends from every ancestor or from none.
    pub(crate) spend: Mutex<()>,
    pub(crate) audit: Arc<dyn AuditSink>,
}

/// Options for a root scope.
#[derive(Clone, Default)]
pub struct RootOptions {
    /// Where decisions are reported (default: nowhere).
    pub audit: Option<Arc<dyn AuditSink>>,
    /// A deadline for everything in the tree.
    pub deadline: Option<Instant>,
}

/// A scope name is non-empty and has no `/` (the path separator) and no control character.
pub(crate) fn check_name(name: &str) -> Result<(), GrantError> {
    if name.is_empty() || name.contains('/') || name.chars().any(char::is_control) {
        return Err(GrantError::InvalidScopeName {
            name: name.to_owned(),
        });
    }
    Ok(())
}

impl Scope {
    /// A root scope with `grants` (root defaults filled in) and no audit sink.
    pub fn root(name: &str, grants: &GrantSet) -> Result<Scope, GrantError> {
        Scope::root_with(name, grants, RootOptions::default())
    }

    /// A root scope with options.
    pub fn root_with(
        name: &str,
        grants: &GrantSet,
        opts: RootOptions,
    ) -> Result<Scope, GrantError> {
        check_name(name)?;
        let declared = grants.as_root();
        let tree = Arc::new(Tree {
            spend: Mutex::new(()),
            audit: opts.audit.unwrap_or_else(|| Arc::new(NullAudit)),
        });
        Ok(Scope::make(
            name.to_owned(),
            name.to_owned(),
            None,
            declared.clone(),
            declared,
            opts.deadline,
            tree,
        ))
    }

    /// A child scope that declares `declared`; it gets `declared ∩ self.effective()`.
    pub fn child(&self, name: &str, declared: &GrantSet) -> Result<Scope, GrantError> {
        self.child_with_deadline(name, declared, None)
    }

    /// A child scope with its own deadline (the earlier of it and the parent's applies).
    pub fn child_with_deadline(
        &self,
        name: &str,
        declared: &GrantSet,
        deadline: Option<Instant>,
    ) -> Result<Scope, GrantError> {
        check_name(name)?;
        let effective = declared.intersect(&self.node.effective);
        let path = format!("{}/{name}", self.node.path);
        Ok(Scope::make(
            name.to_owned(),
            path,
            Some(self.clone()),
            declared.clone(),
            effective,
            deadline,
            self.node.tree.clone(),
        ))
    }

    fn make(
        name: String,
        path: String,
        parent: Option<Scope>,
        declared: GrantSet,
        effective: GrantSet,
        own_deadline: Option<Instant>,
        tree: Arc<Tree>,
    ) -> Scope {
        let parent_deadline = parent.as_ref().and_then(|p| p.node.deadline);
        let deadline = match (own_deadline, parent_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let mut budgets = BTreeMap::new();
        for g in effective.iter() {
            let tool = g.tool().as_str();
            let mut chain: Vec<Arc<Budget>> = parent
                .as_ref()
                .and_then(|p| p.node.budgets.get(tool).cloned())
                .unwrap_or_default();
            if let Some(n) = declared.get(tool).and_then(Grant::max_calls) {
                chain.push(Arc::new(Budget {
                    scope: path.clone(),
                    remaining: AtomicU64::new(n),
                }));
            }
            if !chain.is_empty() {
                budgets.insert(tool.to_owned(), chain);
            }
        }
        Scope {
            node: Arc::new(Node {
                name,
                path,
                parent,
                declared,
                effective,
                own_deadline,
                deadline,
                budgets,
                tree,
            }),
        }
    }

    /// This scope's name.
    pub fn name(&self) -> &str {
        &self.node.name
    }

    /// The path from the root, `root/child/grandchild`.
    pub fn path(&self) -> &str {
        &self.node.path
    }

    /// The parent scope, if this is not a root.
    pub fn parent(&self) -> Option<&Scope> {
        self.node.parent.as_ref()
    }

    /// The grants this scope declared itself.
    pub fn declared(&self) -> &GrantSet {
        &self.node.declared
    }

    /// The grants this scope actually runs with.
    pub fn effective(&self) -> &GrantSet {
        &self.node.effective
    }

    /// The earliest deadline on the path to the root.
    pub fn deadline(&self) -> Option<Instant> {
        self.node.deadline
    }

    /// The calls left for `tool` (the smallest remaining budget on the path), or `None` if unlimited.
    pub fn remaining_calls(&self, tool: &str) -> Option<u64> {
        self.node.budgets.get(tool).and_then(|chain| {
            chain
                .iter()
                .map(|b| b.remaining.load(Ordering::Acquire))
                .min()
        })
    }

    /// This scope and its ancestors, innermost first.
    pub(crate) fn chain(&self) -> impl Iterator<Item = &Scope> {
        std::iter::successors(Some(self), |s| s.node.parent.as_ref())
    }

    /// Spends one call of `tool` from every budget on the path, or from none if one is exhausted.
    /// Returns the smallest remaining budget after spending, or the scopes whose budget is exhausted.
    pub(crate) fn spend(&self, tool: &str) -> Result<Option<u64>, Vec<String>> {
        let Some(chain) = self.node.budgets.get(tool) else {
            return Ok(None);
        };
        let _guard = self
            .node
            .tree
            .spend
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let exhausted: Vec<String> = chain
            .iter()
            .rev()
            .filter(|b| b.remaining.load(Ordering::Acquire) == 0)
            .map(|b| b.scope.clone())
            .collect();
        if !exhausted.is_empty() {
            return Err(exhausted);
        }
        let mut min = u64::MAX;
        for b in chain {
            let left = b.remaining.load(Ordering::Acquire) - 1;
            b.remaining.store(left, Ordering::Release);
            min = min.min(left);
        }
        Ok(Some(min))
    }

    /// Gives back one call of `tool` to every budget on the path (the call was not made).
    pub(crate) fn refund(&self, tool: &str) {
        if let Some(chain) = self.node.budgets.get(tool) {
            let _guard = self
                .node
                .tree
                .spend
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for b in chain {
                b.remaining.fetch_add(1, Ordering::AcqRel);
            }
        }
    }

    pub(crate) fn audit(&self) -> &dyn AuditSink {
        &*self.node.tree.audit
    }
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope")
            .field("path", &self.node.path)
            .field("effective", &self.node.effective)
            .field("deadline", &self.node.deadline)
            .finish_non_exhaustive()
    }
}
