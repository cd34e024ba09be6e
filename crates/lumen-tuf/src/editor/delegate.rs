//! Delegations (classic roles with `paths`, classic hash bins with `path_hash_prefixes`,
//! succinct hash bins) and placing targets in the role clients will look in.

use super::root::{KeyChange, apply_change, check_new_key, check_role, gc_keys, intern_key};
use super::target::{check_hashes, check_target_path, store_target};
use super::write::cpu_threads;
use super::{Repository, Stage, empty_metadata};
use crate::error::EditorRefusal;
use crate::keys::Delegation;
use crate::metadata::{
    Common, DelegatedRole, DelegatedRoles, Delegations, Fields, Hashes, Key, MetaFile, PathScope,
    SuccinctRoles, TOP_LEVEL_ROLES, TargetFile, Targets,
};
use crate::{Result, TufError};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

/// Clients visit at most this many roles in one search; deeper chains are refused.
const MAX_DEPTH: usize = 32;
/// Most bins a hash-bin delegation may create (one metadata file each).
const MAX_BINS: u64 = 1 << 20;
/// Targets handled per parallel batch by [`Repository::add_targets_bulk`].
const BULK_CHUNK: usize = 1 << 16;

/// A target for [`Repository::add_targets_bulk`]: its path, length and hashes
/// (algorithm → lowercase hex).
pub type BulkTarget = (String, u64, Hashes);

/// New entries of one role, as added by [`Repository::add_targets_bulk`].
type Bucket = Vec<(String, TargetFile)>;

/// A classic delegation to one role.
#[derive(Debug, Clone, PartialEq)]
pub struct DelegationSpec {
    /// The new role's name.
    pub name: String,
    /// Its public keys.
    pub keys: Vec<Key>,
    /// Distinct keys that must sign it.
    pub threshold: u32,
    /// Whether a match ends the clients' search.
    pub terminating: bool,
    /// Which targets it may list: glob `paths` or SHA-256 `path_hash_prefixes`.
    pub scope: PathScope,
}

/// The role names and hash prefixes of `bins` classic hash bins named after `prefix`, as
/// python-tuf's hash-bin example makes them: prefixes of `len(hex(bins - 1))` digits, split
/// evenly; a bin is `{prefix}-{first}` if it has one prefix, else `{prefix}-{first}-{last}`.
pub fn hash_bin_names(prefix: &str, bins: u64) -> Result<Vec<(String, Vec<String>)>> {
    if bins < 2 || !bins.is_power_of_two() || bins > MAX_BINS {
        return Err(EditorRefusal::HashBinCount { bins }.into());
    }
    let width = format!("{:x}", bins - 1).len();
    let prefixes = 16u64.pow(width as u32);
    let size = prefixes / bins;
    Ok((0..bins)
        .map(|b| {
            let low = b * size;
            let high = low + size - 1;
            let name = if size == 1 {
                format!("{prefix}-{low:0width$x}")
            } else {
                format!("{prefix}-{low:0width$x}-{high:0width$x}")
            };
            let list = (low..=high).map(|p| format!("{p:0width$x}")).collect();
            (name, list)
        })
        .collect())
}

fn check_role_name(name: &str) -> Result<()> {
    let name = name.to_owned();
    if name.is_empty() || name.len() > 255 {
        return Err(EditorRefusal::RoleNameLength { name }.into());
    }
    if TOP_LEVEL_ROLES.contains(&name.as_str()) {
        return Err(EditorRefusal::TopLevelRoleName { name }.into());
    }
    if name.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(EditorRefusal::RoleNameControlCharacter { name }.into());
    }
    Ok(())
}

fn check_scope(name: &str, scope: &PathScope) -> Result<()> {
    let role = name.to_owned();
    match scope {
        PathScope::Paths(p) if p.is_empty() => Err(EditorRefusal::NoPaths { role }.into()),
        PathScope::HashPrefixes(h) if h.is_empty() => {
            Err(EditorRefusal::NoHashPrefixes { role }.into())
        }
        PathScope::HashPrefixes(h) => match h.iter().find(|p| {
            p.is_empty()
                || p.len() > 64
                || !p.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        }) {
            Some(prefix) => Err(EditorRefusal::MalformedHashPrefix {
                role,
                prefix: prefix.to_string(),
            }
            .into()),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

/// How to find the child of one delegator that is responsible for a target, quickly; children
/// are node ids of a [`Routes`] table.
enum Router {
    /// No delegations: the delegator itself.
    Leaf,
    /// Succinct bins: bin number → node.
    Succinct(SuccinctRoles, Vec<u32>),
    /// Hash prefixes of one length `digits`: prefix value → node of the first role listing it.
    Table { digits: u32, table: Vec<u32> },
    /// Anything else: the first role, in order, whose scope covers the target.
    List(Vec<(DelegatedRole, u32)>),
}

/// Roles met while routing, by dense id (0 is `targets`), each with its router once built.
struct Routes {
    names: Vec<String>,
    routers: Vec<Option<Router>>,
    ids: HashMap<String, u32>,
}

impl Routes {
    fn new() -> Self {
        let mut r = Self {
            names: Vec::new(),
            routers: Vec::new(),
            ids: HashMap::new(),
        };
        r.intern("targets");
        r
    }

    fn intern(&mut self, name: &str) -> u32 {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_owned());
        self.routers.push(None);
        self.ids.insert(name.to_owned(), id);
        id
    }

    fn build(&mut self, d: Option<&Delegations>) -> Router {
        let Some(d) = d else { return Router::Leaf };
        match &d.roles {
            DelegatedRoles::Succinct(s) => {
                let ids = (0..s.bins()).map(|b| self.intern(&s.bin_name(b))).collect();
                Router::Succinct(s.clone(), ids)
            }
            DelegatedRoles::Roles(list) if list.is_empty() => Router::Leaf,
            DelegatedRoles::Roles(list) => {
                let ids: Vec<u32> = list.iter().map(|r| self.intern(&r.name)).collect();
                Self::table(list, &ids)
                    .unwrap_or_else(|| Router::List(list.iter().cloned().zip(ids).collect()))
            }
        }
    }

    fn table(list: &[DelegatedRole], ids: &[u32]) -> Option<Router> {
        let mut digits = None;
        for r in list {
            let PathScope::HashPrefixes(h) = &r.scope else {
                return None;
            };
            for p in h.iter() {
                if *digits.get_or_insert(p.len()) != p.len() {
                    return None;
                }
            }
        }
        let digits = u32::try_from(digits?)
            .ok()
            .filter(|d| (1..=5).contains(d))?;
        let mut table = vec![u32::MAX; 16usize.pow(digits)];
        for (r, id) in list.iter().zip(ids) {
            if let PathScope::HashPrefixes(h) = &r.scope {
                for p in h.iter() {
                    let v = usize::from_str_radix(p, 16).ok()?;
                    let slot = table.get_mut(v)?;
                    if *slot == u32::MAX {
                        *slot = *id;
                    }
                }
            }
        }
        Some(Router::Table { digits, table })
    }
}

impl Router {
    fn child(&self, path: &str, digest: &[u8; 32]) -> Option<u32> {
        match self {
            Router::Leaf => None,
            Router::Succinct(s, ids) => ids.get(s.bin_for_digest(digest) as usize).copied(),
            Router::Table { digits, table } => {
                let head = u64::from_be_bytes([
                    digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6],
                    digest[7],
                ]);
                let v = (head >> (64 - 4 * digits)) as usize;
                table.get(v).copied().filter(|id| *id != u32::MAX)
            }
            Router::List(list) => {
                let hex = lumen_crypto::encoding::hex_encode(digest);
                list.iter()
                    .find(|(r, _)| r.covers(path, &hex))
                    .map(|(_, id)| *id)
            }
        }
    }
}

/// Runs `f` over `items` on every core, in order; the first error wins.
fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> Result<R> + Sync,
) -> Result<Vec<R>> {
    let n = cpu_threads();
    if n <= 1 || items.len() < 1024 {
        return items.iter().map(&f).collect();
    }
    let per = items.len().div_ceil(n);
    let f = &f;
    let parts: Vec<Result<Vec<R>>> = std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(per)
            .map(|c| s.spawn(move || c.iter().map(f).collect::<Result<Vec<R>>>()))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or(Err(TufError::Unreachable("a worker thread panicked")))
            })
            .collect()
    });
    let mut out = Vec::with_capacity(items.len());
    for p in parts {
        out.extend(p?);
    }
    Ok(out)
}

impl Repository {
    fn delegations_mut(&mut self, delegator: &str) -> Result<&mut Targets> {
        self.require_published()?;
        self.load_role(delegator)?;
        self.roles
            .get_mut(delegator)
            .map(|m| &mut m.signed)
            .ok_or(TufError::Unreachable("role vanished after loading"))
    }

    fn create_role(&mut self, name: &str) -> Result<()> {
        let t = Targets {
            // The expiry is set when the role is committed.
            common: Common::new(1, super::unset_expires()?),
            targets: BTreeMap::new(),
            delegations: None,
        };
        self.roles.insert(name.to_owned(), empty_metadata(t));
        self.new_roles.insert(name.to_owned());
        self.dirty.insert(name.to_owned());
        Ok(())
    }

    fn check_new_role(&self, name: &str) -> Result<()> {
        check_role_name(name)?;
        if self.exists_role(name) {
            return Err(EditorRefusal::RoleExists {
                role: name.to_owned(),
            }
            .into());
        }
        Ok(())
    }

    fn intern_keys(
        &self,
        role: &str,
        table: &mut BTreeMap<String, Key>,
        keys: &[Key],
        threshold: u32,
    ) -> Result<Vec<String>> {
        let mut ids = Vec::new();
        for k in keys {
            check_new_key(role, k, self.config.dangerous_allow_hmac_keys)?;
            let id = intern_key(table, k.clone())?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        check_role(role, table, &ids, threshold)?;
        Ok(ids)
    }

    /// The delegator's classic role list (created empty if it has no delegations); refused if
    /// it delegates to succinct bins. Works on a copy of its delegations.
    fn classic_delegations(&mut self, delegator: &str) -> Result<Delegations> {
        let t = self.delegations_mut(delegator)?;
        match &t.delegations {
            None => Ok(Delegations {
                keys: BTreeMap::new(),
                roles: DelegatedRoles::Roles(Vec::new()),
                unknown: Fields::new(),
            }),
            Some(d) if matches!(d.roles, DelegatedRoles::Roles(_)) => Ok(d.clone()),
            Some(_) => Err(EditorRefusal::DelegatesToSuccinctBins {
                delegator: delegator.to_owned(),
            }
            .into()),
        }
    }

    fn set_delegations(&mut self, delegator: &str, d: Option<Delegations>) -> Result<()> {
        let t = self.delegations_mut(delegator)?;
        t.delegations = d;
        self.dirty.insert(delegator.to_owned());
        self.index_delegations(delegator);
        Ok(())
    }

    /// Delegates `spec.scope` of `delegator`'s targets to a new role `spec.name` (appended to
    /// the delegator's list, so searched after the roles already there), created empty.
    pub fn delegate(&mut self, delegator: &str, spec: DelegationSpec) -> Result<()> {
        self.usable()?;
        self.check_new_role(&spec.name)?;
        check_scope(&spec.name, &spec.scope)?;
        let mut d = self.classic_delegations(delegator)?;
        let keyids = self.intern_keys(&spec.name, &mut d.keys, &spec.keys, spec.threshold)?;
        if let DelegatedRoles::Roles(list) = &mut d.roles {
            list.push(DelegatedRole {
                name: spec.name.clone(),
                keyids: keyids.into(),
                threshold: spec.threshold,
                terminating: spec.terminating,
                scope: spec.scope,
                unknown: Fields::new(),
            });
        }
        self.set_delegations(delegator, Some(d))?;
        self.create_role(&spec.name)
    }

    /// Delegates all of `delegator`'s targets to `bins` classic hash bins (see
    /// [`hash_bin_names`]) sharing `keys` and `threshold`, created empty; returns their names.
    pub fn delegate_hash_bins(
        &mut self,
        delegator: &str,
        name_prefix: &str,
        bins: u64,
        keys: Vec<Key>,
        threshold: u32,
    ) -> Result<Vec<String>> {
        self.usable()?;
        let layout = hash_bin_names(name_prefix, bins)?;
        for (name, _) in &layout {
            self.check_new_role(name)?;
        }
        let mut d = self.classic_delegations(delegator)?;
        // One list shared by every bin.
        let keyids: Arc<[String]> = self
            .intern_keys(name_prefix, &mut d.keys, &keys, threshold)?
            .into();
        let mut names = Vec::with_capacity(layout.len());
        if let DelegatedRoles::Roles(list) = &mut d.roles {
            list.reserve(layout.len());
            for (name, prefixes) in layout {
                names.push(name.clone());
                list.push(DelegatedRole {
                    name,
                    keyids: keyids.clone(),
                    threshold,
                    terminating: false,
                    scope: PathScope::HashPrefixes(prefixes.into()),
                    unknown: Fields::new(),
                });
            }
        }
        self.set_delegations(delegator, Some(d))?;
        for n in &names {
            self.create_role(n)?;
        }
        Ok(names)
    }

    /// Delegates all of `delegator`'s targets to 2^`bit_length` succinct hash bins (TAP 15)
    /// named `{name_prefix}-{hex}`, sharing `keys` and `threshold`, created empty. The delegator
    /// must not delegate to listed roles. Returns the number of bins.
    pub fn delegate_succinct(
        &mut self,
        delegator: &str,
        name_prefix: &str,
        bit_length: u8,
        keys: Vec<Key>,
        threshold: u32,
    ) -> Result<u64> {
        self.usable()?;
        if !(1..=20).contains(&bit_length) {
            return Err(EditorRefusal::SuccinctBitLength { bit_length }.into());
        }
        check_role_name(name_prefix)?;
        let probe = SuccinctRoles {
            keyids: Vec::new(),
            threshold,
            bit_length,
            name_prefix: name_prefix.to_owned(),
            unknown: Fields::new(),
        };
        let clash = self.roles.keys().any(|n| probe.is_bin(n))
            || self.snapshot.as_ref().is_some_and(|s| {
                s.signed
                    .meta
                    .keys()
                    .filter_map(|k| k.strip_suffix(".json"))
                    .any(|n| probe.is_bin(n))
            })
            || self.succinct.values().any(|s| s.name_prefix == name_prefix);
        if clash {
            return Err(EditorRefusal::SuccinctBinNameTaken {
                name_prefix: name_prefix.to_owned(),
            }
            .into());
        }
        let mut d = self.classic_delegations(delegator)?;
        if matches!(&d.roles, DelegatedRoles::Roles(l) if !l.is_empty()) {
            return Err(EditorRefusal::DelegatesToListedRoles {
                delegator: delegator.to_owned(),
            }
            .into());
        }
        let keyids = self.intern_keys(name_prefix, &mut d.keys, &keys, threshold)?;
        gc_keys(&mut d.keys, &keyids);
        let s = SuccinctRoles { keyids, ..probe };
        let bins = s.bins();
        let names: Vec<String> = (0..bins).map(|b| s.bin_name(b)).collect();
        d.roles = DelegatedRoles::Succinct(s);
        self.set_delegations(delegator, Some(d))?;
        for n in &names {
            self.create_role(n)?;
        }
        Ok(bins)
    }

    /// Removes the delegation of `name` (for succinct bins, `name` is their `name_prefix`) from
    /// `delegator`. Published roles keep their files and snapshot entries (clients refuse a
    /// snapshot that drops a role), but no client trusts them any more.
    pub fn revoke(&mut self, delegator: &str, name: &str) -> Result<()> {
        self.usable()?;
        let t = self.delegations_mut(delegator)?;
        let not_delegated = || TufError::NotDelegated {
            role: name.to_owned(),
            delegator: delegator.to_owned(),
        };
        let mut d = t.delegations.clone().ok_or_else(not_delegated)?;
        let removed: Vec<String> = match &mut d.roles {
            DelegatedRoles::Roles(list) => {
                let before = list.len();
                list.retain(|r| r.name != name);
                if list.len() == before {
                    return Err(not_delegated());
                }
                let used: Vec<String> =
                    list.iter().flat_map(|r| r.keyids.iter().cloned()).collect();
                gc_keys(&mut d.keys, &used);
                vec![name.to_owned()]
            }
            DelegatedRoles::Succinct(s) if s.name_prefix == name => {
                let names = (0..s.bins()).map(|b| s.bin_name(b)).collect();
                d.keys.clear();
                d.roles = DelegatedRoles::Roles(Vec::new());
                names
            }
            DelegatedRoles::Succinct(_) => return Err(not_delegated()),
        };
        self.succinct.remove(delegator);
        for r in &removed {
            self.parents.remove(r);
            if self.new_roles.remove(r) {
                self.roles.remove(r);
                self.dirty.remove(r);
            }
        }
        self.set_delegations(delegator, Some(d))
    }

    /// Changes the keys and threshold with which `delegator` trusts `role` (for succinct bins,
    /// `role` is their `name_prefix`: all bins share keys). The role (every bin) is re-signed
    /// with the new keys at the next commit.
    pub fn change_delegation_keys(
        &mut self,
        delegator: &str,
        role: &str,
        change: &KeyChange,
    ) -> Result<()> {
        self.usable()?;
        let allow = self.config.dangerous_allow_hmac_keys;
        let t = self.delegations_mut(delegator)?;
        let not_delegated = || TufError::NotDelegated {
            role: role.to_owned(),
            delegator: delegator.to_owned(),
        };
        let mut d = t.delegations.clone().ok_or_else(not_delegated)?;
        let to_sign: Vec<String> = match &mut d.roles {
            DelegatedRoles::Roles(list) => {
                let r = list
                    .iter_mut()
                    .find(|r| r.name == role)
                    .ok_or_else(not_delegated)?;
                let mut keyids = r.keyids.to_vec();
                apply_change(
                    role,
                    &mut d.keys,
                    &mut keyids,
                    &mut r.threshold,
                    change,
                    allow,
                )?;
                r.keyids = keyids.into();
                let used: Vec<String> =
                    list.iter().flat_map(|r| r.keyids.iter().cloned()).collect();
                gc_keys(&mut d.keys, &used);
                vec![role.to_owned()]
            }
            DelegatedRoles::Succinct(s) if s.name_prefix == role => {
                apply_change(
                    role,
                    &mut d.keys,
                    &mut s.keyids,
                    &mut s.threshold,
                    change,
                    allow,
                )?;
                let used = s.keyids.clone();
                gc_keys(&mut d.keys, &used);
                (0..s.bins()).map(|b| s.bin_name(b)).collect()
            }
            DelegatedRoles::Succinct(_) => return Err(not_delegated()),
        };
        if to_sign.len() > 64 {
            self.load_all_roles()?;
        }
        for r in &to_sign {
            self.load_role(r)?;
        }
        self.set_delegations(delegator, Some(d))?;
        self.dirty.extend(to_sign);
        Ok(())
    }

    // ----- targets -----

    /// The roles a client visits, in order, when it searches for `path` (pre-order depth-first,
    /// `terminating` respected, at most 32 roles), reading roles as needed.
    pub fn search_order(&mut self, path: &str) -> Result<Vec<String>> {
        self.require_published()?;
        let mut stack = vec![String::from("targets")];
        let mut visited: Vec<String> = Vec::new();
        while let Some(role) = stack.pop() {
            if visited.len() >= MAX_DEPTH {
                break;
            }
            if visited.contains(&role) {
                continue;
            }
            self.load_role(&role)?;
            let mut children = Vec::new();
            let mut terminated = false;
            if let Some(d) = self
                .roles
                .get(&role)
                .and_then(|m| m.signed.delegations.as_ref())
            {
                for (child, terminating) in d.roles_for_target(path) {
                    children.push(child);
                    if terminating {
                        terminated = true;
                        break;
                    }
                }
            }
            visited.push(role);
            if terminated {
                stack.clear();
            }
            stack.extend(children.into_iter().rev());
        }
        Ok(visited)
    }

    /// The role a new target `path` goes to by default: from `targets`, repeatedly the first
    /// delegated role whose scope covers it, down to a role that delegates it no further.
    pub fn route(&mut self, path: &str) -> Result<String> {
        self.require_published()?;
        check_target_path(path)?;
        let mut current = String::from("targets");
        for _ in 0..MAX_DEPTH {
            self.load_role(&current)?;
            let next = self
                .roles
                .get(&current)
                .and_then(|m| m.signed.delegations.as_ref())
                .and_then(|d| d.roles_for_target(path).into_iter().next())
                .map(|(c, _)| c);
            match next {
                Some(c) => current = c,
                None => return Ok(current),
            }
        }
        Err(EditorRefusal::DelegationChainTooDeep {
            path: path.to_owned(),
            max: MAX_DEPTH,
        }
        .into())
    }

    /// The role clients find `path` in and its description, if any role lists it.
    pub fn find_target(&mut self, path: &str) -> Result<Option<(String, TargetFile)>> {
        for role in self.search_order(path)? {
            if let Some(f) = self
                .roles
                .get(&role)
                .and_then(|m| m.signed.targets.get(path))
            {
                return Ok(Some((role, f.clone())));
            }
        }
        Ok(None)
    }

    /// Checks that clients searching for `path` reach `role` and find no other entry first.
    fn placement(&mut self, role: Option<&str>, path: &str) -> Result<String> {
        check_target_path(path)?;
        let role = match role {
            Some(r) => r.to_owned(),
            None => self.route(path)?,
        };
        let order = self.search_order(path)?;
        let Some(pos) = order.iter().position(|r| *r == role) else {
            return Err(EditorRefusal::OutsideDelegatedScope {
                path: path.to_owned(),
                role,
            }
            .into());
        };
        let shadowed_by = order[..pos].iter().find(|r| {
            self.roles
                .get(*r)
                .is_some_and(|m| m.signed.targets.contains_key(path))
        });
        if let Some(listed_by) = shadowed_by {
            return Err(EditorRefusal::ShadowedTarget {
                path: path.to_owned(),
                role,
                listed_by: listed_by.clone(),
            }
            .into());
        }
        Ok(role)
    }

    /// Adds (or replaces) target `path` in `role`, or in [`Repository::route`]'s role if
    /// `None`; refused if clients would not find it there. Returns the role. Only the metadata
    /// changes: the file belongs at [`super::target_locations`] (or use
    /// [`Repository::add_target_from_file`]).
    pub fn add_target(
        &mut self,
        role: Option<&str>,
        path: &str,
        file: TargetFile,
    ) -> Result<String> {
        self.require_published()?;
        check_hashes(path, &file.hashes)?;
        let role = self.placement(role, path)?;
        let md = self
            .roles
            .get_mut(&role)
            .ok_or(TufError::Unreachable("role vanished after loading"))?;
        md.signed.targets.insert(path.to_owned(), file);
        self.dirty.insert(role.clone());
        Ok(role)
    }

    /// Copies the file `source` into `REPO/targets` as target `path` (hash-prefixed names with
    /// consistent snapshots), hashing it with SHA-256 and SHA-512, and adds it like
    /// [`Repository::add_target`], with `custom` as its `custom` field.
    pub fn add_target_from_file(
        &mut self,
        role: Option<&str>,
        path: &str,
        source: &Path,
        custom: Option<Value>,
    ) -> Result<(String, TargetFile)> {
        self.require_published()?;
        let role = self.placement(role, path)?;
        let mut file = store_target(
            &self.targets_dir(),
            path,
            source,
            self.consistent_snapshot(),
        )?;
        if let Some(c) = custom {
            file.unknown.insert("custom".into(), c);
        }
        let md = self
            .roles
            .get_mut(&role)
            .ok_or(TufError::Unreachable("role vanished after loading"))?;
        md.signed.targets.insert(path.to_owned(), file.clone());
        self.dirty.insert(role.clone());
        Ok((role, file))
    }

    /// Removes target `path` from `role`, or from the role clients find it in if `None`;
    /// returns that role. The target file stays (older metadata versions may list it).
    pub fn remove_target(&mut self, role: Option<&str>, path: &str) -> Result<String> {
        self.require_published()?;
        let role = match role {
            Some(r) => r.to_owned(),
            None => match self.find_target(path)? {
                Some((r, _)) => r,
                None => {
                    return Err(TufError::TargetNotFound {
                        path: path.to_owned(),
                    });
                }
            },
        };
        self.load_role(&role)?;
        let md = self
            .roles
            .get_mut(&role)
            .ok_or(TufError::Unreachable("role vanished after loading"))?;
        if md.signed.targets.remove(path).is_none() {
            return Err(TufError::TargetNotFound {
                path: path.to_owned(),
            });
        }
        self.dirty.insert(role.clone());
        Ok(role)
    }

    /// Adds many targets, described by `(path, length, hashes)`, without reading any file:
    /// each goes to the role [`Repository::route`] picks (hash bins are looked up in a table,
    /// not searched). Paths and hashes are checked and path digests computed on every core,
    /// and each role's new entries are merged into it in one sorted pass, roles in parallel.
    /// Replaces existing entries in the chosen role; unlike [`Repository::add_target`] it does
    /// not look for entries of the same path in other roles. Nothing changes if any target is
    /// refused. Returns the number added.
    pub fn add_targets_bulk<I>(&mut self, targets: I) -> Result<u64>
    where
        I: IntoIterator<Item = BulkTarget>,
    {
        self.require_published()?;
        let mut routes = Routes::new();
        let mut buckets: Vec<Bucket> = Vec::new();
        let mut iter = targets.into_iter();
        let mut added = 0u64;
        loop {
            let chunk: Vec<BulkTarget> = iter.by_ref().take(BULK_CHUNK).collect();
            if chunk.is_empty() {
                break;
            }
            let digests = parallel_map(&chunk, |(path, _, hashes)| {
                check_target_path(path)?;
                check_hashes(path, hashes)?;
                Ok(lumen_crypto::hash::sha256(path.as_bytes()))
            })?;
            for ((path, length, hashes), digest) in chunk.into_iter().zip(digests) {
                let node = self.route_node(&mut routes, &path, &digest)? as usize;
                if buckets.len() <= node {
                    buckets.resize_with(node + 1, Vec::new);
                }
                buckets[node].push((
                    path,
                    TargetFile {
                        length,
                        hashes,
                        unknown: Fields::new(),
                    },
                ));
                added += 1;
            }
            self.report(Stage::AddingTargets, added, None);
        }
        // Merge each role's entries in one pass; roles are independent, so in parallel.
        let mut work: Vec<(String, super::Trusted<Targets>, Bucket)> = Vec::new();
        for (node, bucket) in buckets.into_iter().enumerate() {
            if bucket.is_empty() {
                continue;
            }
            let name = routes.names[node].clone();
            let md = self
                .roles
                .remove(&name)
                .ok_or(TufError::Unreachable("routed role not loaded"))?;
            work.push((name, md, bucket));
        }
        let per = work.len().div_ceil(cpu_threads()).max(1);
        std::thread::scope(|s| {
            for part in work.chunks_mut(per) {
                s.spawn(move || {
                    for (_, md, bucket) in part.iter_mut() {
                        let mut new: BTreeMap<String, TargetFile> =
                            std::mem::take(bucket).into_iter().collect();
                        md.signed.targets.append(&mut new);
                    }
                });
            }
        });
        for (name, md, _) in work {
            self.roles.insert(name.clone(), md);
            self.dirty.insert(name);
        }
        Ok(added)
    }

    /// The node of the role a target goes to, building routers (and reading roles) on the way.
    fn route_node(&mut self, routes: &mut Routes, path: &str, digest: &[u8; 32]) -> Result<u32> {
        let mut node = 0u32;
        for _ in 0..MAX_DEPTH {
            let i = node as usize;
            if routes.routers[i].is_none() {
                let name = routes.names[i].clone();
                self.load_role(&name)?;
                let r = routes.build(
                    self.roles
                        .get(&name)
                        .and_then(|m| m.signed.delegations.as_ref()),
                );
                routes.routers[i] = Some(r);
            }
            match routes.routers[i]
                .as_ref()
                .and_then(|r| r.child(path, digest))
            {
                Some(c) => node = c,
                None => return Ok(node),
            }
        }
        Err(EditorRefusal::DelegationChainTooDeep {
            path: path.to_owned(),
            max: MAX_DEPTH,
        }
        .into())
    }

    /// Reads every targets role not loaded yet that a loaded role delegates, level by level
    /// from `targets`, each level on every core (before bulk edits of a large repository that
    /// was just opened). Each role is verified against its delegator, as
    /// [`Repository::targets`] does; a role snapshot lists but no role delegates any more (a
    /// revoked one) is not read.
    pub fn load_all_roles(&mut self) -> Result<()> {
        self.require_published()?;
        self.load_role("targets")?;
        let consistent = self.consistent_snapshot();
        let mdir = self.metadata_dir();
        let mut level: Vec<String> = vec!["targets".to_owned()];
        let mut seen: std::collections::HashSet<String> = level.iter().cloned().collect();
        while !level.is_empty() {
            // (role, its delegator, its file, snapshot's entry)
            let mut jobs: Vec<(String, String, std::path::PathBuf, MetaFile)> = Vec::new();
            // Roles of the next level loaded already: their children are looked at too.
            let mut next: Vec<String> = Vec::new();
            for parent in &level {
                let Some(d) = self
                    .roles
                    .get(parent)
                    .and_then(|m| m.signed.delegations.as_ref())
                else {
                    continue;
                };
                let children: Vec<String> = match &d.roles {
                    DelegatedRoles::Roles(list) => list.iter().map(|r| r.name.clone()).collect(),
                    DelegatedRoles::Succinct(s) => (0..s.bins()).map(|b| s.bin_name(b)).collect(),
                };
                for child in children {
                    if !seen.insert(child.clone()) {
                        continue;
                    }
                    if self.roles.contains_key(&child) {
                        next.push(child);
                        continue;
                    }
                    let Some(meta) = self
                        .snapshot
                        .as_ref()
                        .and_then(|s| s.signed.meta.get(&format!("{child}.json")))
                    else {
                        continue;
                    };
                    // In a diamond the delegator the editor signs with is the one it recorded.
                    let delegator = self
                        .find_loaded_delegator(&child)
                        .unwrap_or_else(|| parent.clone());
                    let path = mdir.join(self.role_file_name(&child, meta.version));
                    jobs.push((child, delegator, path, meta.clone()));
                }
            }
            // Classic role lists by name, so each role's entry is found without a scan.
            let mut index: HashMap<&str, HashMap<&str, usize>> = HashMap::new();
            for (_, delegator, _, _) in &jobs {
                if index.contains_key(delegator.as_str()) {
                    continue;
                }
                let mut by_name = HashMap::new();
                if let Some(DelegatedRoles::Roles(list)) = self
                    .roles
                    .get(delegator)
                    .and_then(|m| m.signed.delegations.as_ref())
                    .map(|d| &d.roles)
                {
                    for (i, r) in list.iter().enumerate() {
                        by_name.entry(r.name.as_str()).or_insert(i);
                    }
                }
                index.insert(delegator.as_str(), by_name);
            }
            let roles = &self.roles;
            let hmac = &self.hmac;
            let loaded = parallel_map(&jobs, |(name, delegator, path, meta)| {
                let not_delegated = || TufError::NotDelegated {
                    role: name.clone(),
                    delegator: delegator.clone(),
                };
                let d = roles
                    .get(delegator)
                    .and_then(|m| m.signed.delegations.as_ref())
                    .ok_or_else(not_delegated)?;
                let (keyids, threshold) = match &d.roles {
                    DelegatedRoles::Roles(list) => {
                        let i = index
                            .get(delegator.as_str())
                            .and_then(|m| m.get(name.as_str()))
                            .ok_or_else(not_delegated)?;
                        (&*list[*i].keyids, list[*i].threshold)
                    }
                    DelegatedRoles::Succinct(s) if s.is_bin(name) => (&s.keyids[..], s.threshold),
                    DelegatedRoles::Succinct(_) => return Err(not_delegated()),
                };
                let delegation = Delegation {
                    role: name,
                    keys: &d.keys,
                    keyids,
                    threshold,
                };
                super::load::targets_role(path, name, delegation, meta, !consistent, hmac)
            })?;
            level = next;
            for ((name, _, _, meta), md) in jobs.into_iter().zip(loaded) {
                if md.signed.common.version != meta.version {
                    self.dirty.insert(name.clone());
                }
                self.roles.insert(name.clone(), md);
                self.index_delegations(&name);
                level.push(name);
            }
        }
        Ok(())
    }
}
