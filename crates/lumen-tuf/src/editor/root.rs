//! Keys and thresholds of roles, and the offline root: editing a staged root version, adding
//! signatures to it one key holder at a time, and telling how far it is from publishable.

use super::signer::{Signer, check_public_key, key_id, same_key};
use crate::error::EditorRefusal;
use crate::keys::{DangerousHmacSecrets, Delegation, HMAC_SHA256, verify_threshold};
use crate::metadata::{Expires, Fields, Key, Metadata, Root, Signature, TOP_LEVEL_ROLES};
use crate::{Result, TufError};
use std::collections::BTreeMap;

/// A change to one role's keys and threshold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyChange {
    /// Keys to add (their key ids are computed with [`key_id`], or reused when the key is
    /// already listed under another id).
    pub add: Vec<Key>,
    /// Key ids to remove from the role (a lost key is removed by its id).
    pub remove: Vec<String>,
    /// The new threshold, if it changes.
    pub threshold: Option<u32>,
}

impl KeyChange {
    /// Whether the change does nothing.
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.remove.is_empty() && self.threshold.is_none()
    }
}

fn is_hmac(key: &Key) -> bool {
    key.keytype == HMAC_SHA256 || key.scheme == HMAC_SHA256
}

/// Checks a key about to be given to `role`: well-formed, of a supported type, and not a
/// shared-secret key for root (ever) or for other roles without the dangerous opt-in.
pub(crate) fn check_new_key(role: &str, key: &Key, allow_hmac: bool) -> Result<()> {
    if is_hmac(key) {
        if role == "root" {
            return Err(EditorRefusal::SharedSecretRootKey.into());
        }
        if !allow_hmac {
            return Err(EditorRefusal::SharedSecretKeyNotAllowed {
                role: role.to_owned(),
            }
            .into());
        }
    }
    check_public_key(key)
}

/// Puts `key` in a key table and returns its id: the id it already has there, or [`key_id`].
pub(crate) fn intern_key(keys: &mut BTreeMap<String, Key>, key: Key) -> Result<String> {
    if let Some((id, _)) = keys.iter().find(|(_, k)| same_key(k, &key)) {
        return Ok(id.clone());
    }
    let id = key_id(&key)?;
    if keys.contains_key(&id) {
        return Err(EditorRefusal::KeyIdClash { keyid: id }.into());
    }
    keys.insert(id.clone(), key);
    Ok(id)
}

/// Checks one role's key ids and threshold against its key table.
pub(crate) fn check_role(
    role: &str,
    keys: &BTreeMap<String, Key>,
    keyids: &[String],
    threshold: u32,
) -> Result<()> {
    if threshold == 0 {
        return Err(EditorRefusal::ZeroThreshold {
            role: role.to_owned(),
        }
        .into());
    }
    let mut distinct: Vec<&Key> = Vec::new();
    for id in keyids {
        let Some(k) = keys.get(id) else {
            return Err(EditorRefusal::KeyNotInTable {
                role: role.to_owned(),
                keyid: id.clone(),
            }
            .into());
        };
        if role == "root" && is_hmac(k) {
            return Err(EditorRefusal::SharedSecretRootKey.into());
        }
        if !distinct.iter().any(|d| same_key(d, k)) {
            distinct.push(k);
        }
    }
    if (distinct.len() as u64) < u64::from(threshold) {
        return Err(EditorRefusal::ThresholdAboveKeys {
            role: role.to_owned(),
            threshold,
            keys: distinct.len(),
        }
        .into());
    }
    Ok(())
}

/// Applies `change` to one role (`keyids`, `threshold`) whose keys live in `keys`.
pub(crate) fn apply_change(
    role: &str,
    keys: &mut BTreeMap<String, Key>,
    keyids: &mut Vec<String>,
    threshold: &mut u32,
    change: &KeyChange,
    allow_hmac: bool,
) -> Result<()> {
    for id in &change.remove {
        if !keyids.contains(id) {
            return Err(EditorRefusal::KeyNotInRole {
                role: role.to_owned(),
                keyid: id.clone(),
            }
            .into());
        }
        keyids.retain(|k| k != id);
    }
    for key in &change.add {
        check_new_key(role, key, allow_hmac)?;
        let id = intern_key(keys, key.clone())?;
        if !keyids.contains(&id) {
            keyids.push(id);
        }
    }
    if let Some(t) = change.threshold {
        *threshold = t;
    }
    check_role(role, keys, keyids, *threshold)
}

/// Drops keys no role uses any more.
pub(crate) fn gc_keys<'a>(
    keys: &mut BTreeMap<String, Key>,
    used: impl IntoIterator<Item = &'a String>,
) {
    let used: std::collections::HashSet<&String> = used.into_iter().collect();
    keys.retain(|id, _| used.contains(id));
}

/// Checks a whole root: the four roles, each satisfiable, root without shared-secret keys.
pub(crate) fn check_root(root: &Root) -> Result<()> {
    for name in TOP_LEVEL_ROLES {
        let r = root
            .roles
            .get(name)
            .ok_or_else(|| EditorRefusal::RootRoleMissing {
                role: name.to_owned(),
            })?;
        check_role(name, &root.keys, &r.keyids, r.threshold)?;
    }
    let extra: Vec<String> = root
        .roles
        .keys()
        .filter(|r| !TOP_LEVEL_ROLES.contains(&r.as_str()))
        .cloned()
        .collect();
    if !extra.is_empty() {
        return Err(EditorRefusal::UnexpectedRootRoles { roles: extra }.into());
    }
    Ok(())
}

/// Whether top-level `role` has different keys (by material) or threshold in `a` and `b`.
pub(crate) fn role_changed(a: &Root, b: &Root, role: &str) -> bool {
    let (Some(ra), Some(rb)) = (a.roles.get(role), b.roles.get(role)) else {
        return true;
    };
    if ra.threshold != rb.threshold {
        return true;
    }
    let ka: Vec<&Key> = ra.keyids.iter().filter_map(|i| a.keys.get(i)).collect();
    let kb: Vec<&Key> = rb.keyids.iter().filter_map(|i| b.keys.get(i)).collect();
    ka.len() != kb.len()
        || ka.iter().any(|k| !kb.iter().any(|o| same_key(k, o)))
        || kb.iter().any(|k| !ka.iter().any(|o| same_key(k, o)))
}

/// Edits a staged root version (see [`super::Repository::edit_root`]).
#[derive(Debug)]
pub struct RootEditor<'a> {
    pub(crate) root: &'a mut Root,
    pub(crate) allow_hmac: bool,
}

impl RootEditor<'_> {
    /// Changes the keys and threshold of top-level role `role`.
    pub fn change_keys(&mut self, role: &str, change: &KeyChange) -> Result<()> {
        if !TOP_LEVEL_ROLES.contains(&role) {
            return Err(EditorRefusal::NotTopLevelRole {
                role: role.to_owned(),
            }
            .into());
        }
        let r = self
            .root
            .roles
            .get_mut(role)
            .ok_or_else(|| EditorRefusal::RootRoleMissing {
                role: role.to_owned(),
            })?;
        apply_change(
            role,
            &mut self.root.keys,
            &mut r.keyids,
            &mut r.threshold,
            change,
            self.allow_hmac,
        )?;
        let used: Vec<String> = self
            .root
            .roles
            .values()
            .flat_map(|r| r.keyids.iter().cloned())
            .collect();
        gc_keys(&mut self.root.keys, &used);
        Ok(())
    }

    /// The id under which top-level role `role` lists `key`, if it does.
    pub fn keyid_of(&self, role: &str, key: &Key) -> Option<String> {
        let r = self.root.roles.get(role)?;
        r.keyids
            .iter()
            .find(|id| self.root.keys.get(*id).is_some_and(|k| same_key(k, key)))
            .cloned()
    }

    /// Sets `expires` (by default the staged root expires after the policy's root period).
    pub fn set_expires(&mut self, expires: Expires) {
        self.root.common.expires = expires;
    }

    /// The root being edited.
    pub fn root(&self) -> &Root {
        self.root
    }

    /// The root being edited, for changes this editor has no method for (unknown fields
    /// included). The result is checked when the edit ends.
    pub fn root_mut(&mut self) -> &mut Root {
        self.root
    }
}

/// How far a root version is from being publishable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootSigningStatus {
    /// The root's version.
    pub version: u64,
    /// Distinct keys of its own root role with a valid signature.
    pub signed: u32,
    /// Its own root threshold.
    pub threshold: u32,
    /// For version N > 1: (valid signatures, threshold) under the previous root's root role.
    pub previous: Option<(u32, u32)>,
    /// Key ids (of either root) that have not signed yet.
    pub unsigned_keyids: Vec<String>,
    /// SHA-256 (hex) of the canonical `signed` part, the bytes every signature covers. A root
    /// that has not collected any signature yet is only a proposal, and anyone who can write
    /// the file can change it: key holders compare this digest with the one its author
    /// announced (out of band) before they sign.
    pub signed_sha256: String,
}

impl RootSigningStatus {
    /// Whether both thresholds are met.
    pub fn is_complete(&self) -> bool {
        self.signed >= self.threshold && self.previous.is_none_or(|(s, t)| s >= t)
    }
}

fn count_valid(root: &Root, canonical: &[u8], signatures: &[Signature]) -> (u32, u32) {
    let Some(r) = root.roles.get("root") else {
        return (0, 0);
    };
    // A threshold no one can reach makes the verifier count every valid distinct key.
    let valid = match verify_threshold(
        Delegation {
            role: "root",
            keys: &root.keys,
            keyids: &r.keyids,
            threshold: u32::MAX,
        },
        canonical,
        signatures,
        &DangerousHmacSecrets::none(),
    ) {
        Err(TufError::ThresholdNotMet { valid, .. }) => valid,
        _ => 0,
    };
    (valid, r.threshold)
}

/// The signing status of `root` (whose signed part canonicalises to `canonical`), as a
/// successor of `previous` if given.
pub(crate) fn signing_status(
    root: &Metadata<Root>,
    canonical: &[u8],
    previous: Option<&Root>,
) -> RootSigningStatus {
    let (signed, threshold) = count_valid(&root.signed, canonical, &root.signatures);
    let previous_counts = previous.map(|p| count_valid(p, canonical, &root.signatures));
    let mut unsigned: Vec<String> = Vec::new();
    let mut consider = |r: &Root| {
        if let Some(role) = r.roles.get("root") {
            for id in &role.keyids {
                if !root.signatures.iter().any(|s| &s.keyid == id) && !unsigned.contains(id) {
                    unsigned.push(id.clone());
                }
            }
        }
    };
    consider(&root.signed);
    if let Some(p) = previous {
        consider(p);
    }
    RootSigningStatus {
        version: root.signed.common.version,
        signed,
        threshold,
        previous: previous_counts,
        unsigned_keyids: unsigned,
        signed_sha256: lumen_crypto::encoding::hex_encode(&lumen_crypto::hash::sha256(canonical)),
    }
}

/// Adds `signer`'s signature over `canonical` to `root` under every id by which this root's or
/// the previous root's root role lists the key (replacing older signatures of those ids).
pub(crate) fn add_root_signature(
    root: &mut Metadata<Root>,
    canonical: &[u8],
    signer: &Signer,
    previous: Option<&Root>,
) -> Result<()> {
    if signer.is_hmac() {
        return Err(EditorRefusal::SharedSecretRootSigner.into());
    }
    let mut ids: Vec<String> = Vec::new();
    let mut collect = |r: &Root| {
        if let Some(role) = r.roles.get("root") {
            for id in &role.keyids {
                if r.keys
                    .get(id)
                    .is_some_and(|k| same_key(k, signer.public_key()))
                    && !ids.contains(id)
                {
                    ids.push(id.clone());
                }
            }
        }
    };
    collect(&root.signed);
    if let Some(p) = previous {
        collect(p);
    }
    if ids.is_empty() {
        return Err(EditorRefusal::NotARootKey {
            keyid: signer.keyid().to_owned(),
        }
        .into());
    }
    let sig = signer.sign_hex(canonical)?;
    for id in ids {
        match root.signatures.iter_mut().find(|s| s.keyid == id) {
            Some(s) => s.sig = sig.clone(),
            None => root.signatures.push(Signature {
                keyid: id,
                sig: sig.clone(),
                unknown: Fields::new(),
            }),
        }
    }
    Ok(())
}

/// Adds `signer`'s signature to the root file `bytes` (for a key holder who has only the file,
/// e.g. on an offline machine); `previous` is the root it succeeds, needed when the key is a
/// root key only of the previous version. The signed part is kept byte for byte.
///
/// The signatures already there must verify ([`TufError::InvalidSignature`] otherwise: the
/// file changed after someone signed it): each with the root key its key id names in this
/// root or in `previous`. Without `previous`, a signature under a key id this root does not
/// list for `root` (a key of the previous version only) cannot be checked and is kept;
/// [`super::Repository::import_staged_root`] checks it against the published root.
pub fn sign_root_bytes(bytes: &[u8], signer: &Signer, previous: Option<&Root>) -> Result<Vec<u8>> {
    let parsed = Metadata::<Root>::from_bytes(bytes, "root")?;
    let strict = previous.is_some() || parsed.metadata.signed.common.version == 1;
    super::load::check_collected_signatures(
        &parsed.metadata,
        &parsed.canonical_signed,
        previous,
        strict,
    )?;
    let mut md = parsed.metadata;
    add_root_signature(&mut md, &parsed.canonical_signed, signer, previous)?;
    super::write::file_bytes(
        "root",
        &md.unknown,
        &md.signatures,
        &parsed.canonical_signed,
    )
}

/// The signing status of the root file `bytes`, as a successor of `previous` if given.
pub fn root_bytes_status(bytes: &[u8], previous: Option<&Root>) -> Result<RootSigningStatus> {
    let parsed = Metadata::<Root>::from_bytes(bytes, "root")?;
    Ok(signing_status(
        &parsed.metadata,
        &parsed.canonical_signed,
        previous,
    ))
}
