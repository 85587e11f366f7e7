//! Who a verified token lets in: the roles and permissions its claims grant, read and checked by
//! one rule for every door (Flask, ASGI, C services).

use super::validation::ClaimSource;
use serde_json::Value;
use std::collections::BTreeSet;

/// Where a token's roles and permissions are read from, and the check of a request against them.
///
/// Roles come from the roles claim (`roles` by default: a list, or one string) and `role`;
/// permissions from the permissions claim (`permissions` by default) and the OAuth `scope` /
/// `scp` claims (space-separated strings, or lists). Values of other JSON types grant nothing.
///
/// ```
/// use bulwark::jwt::Grants;
/// use bulwark::serde_json::json;
/// let claims = json!({"sub": "ann", "roles": ["editor"], "scope": "orders:read orders:write"});
/// let claims = claims.as_object().unwrap();
/// let grants = Grants::default();
/// assert!(grants.allows(claims, &["admin", "editor"], &["orders:read"]));
/// assert!(!grants.allows(claims, &["admin"], &[] as &[&str]));
/// assert!(!grants.allows(claims, &[] as &[&str], &["orders:delete"]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grants {
    roles_claim: String,
    permissions_claim: String,
}

impl Default for Grants {
    /// Roles from `roles`, permissions from `permissions` (plus `role`, `scope` and `scp`).
    fn default() -> Self {
        Self::new("roles", "permissions")
    }
}

/// The names a claim grants: a string is one name (or, when `split`, space-separated names), a
/// list grants its string items.
fn names<'a>(value: Option<&'a Value>, split: bool, into: &mut BTreeSet<&'a str>) {
    match value {
        Some(Value::String(s)) if split => into.extend(s.split_ascii_whitespace()),
        Some(Value::String(s)) => {
            into.insert(s);
        }
        Some(Value::Array(items)) => into.extend(items.iter().filter_map(Value::as_str)),
        _ => {}
    }
}

impl Grants {
    /// Roles read from `roles_claim` (and `role`), permissions from `permissions_claim` (and
    /// `scope`, `scp`).
    #[must_use]
    pub fn new(roles_claim: impl Into<String>, permissions_claim: impl Into<String>) -> Self {
        Self {
            roles_claim: roles_claim.into(),
            permissions_claim: permissions_claim.into(),
        }
    }

    /// The claim roles are read from (besides `role`).
    #[must_use]
    pub fn roles_claim(&self) -> &str {
        &self.roles_claim
    }

    /// The claim permissions are read from (besides `scope` and `scp`).
    #[must_use]
    pub fn permissions_claim(&self) -> &str {
        &self.permissions_claim
    }

    /// The claim names this reads (what a door must hand over for [`Grants::allows`]).
    #[must_use]
    pub fn claims_read(&self) -> [&str; 5] {
        [
            &self.roles_claim,
            "role",
            &self.permissions_claim,
            "scope",
            "scp",
        ]
    }

    /// The roles the claims grant.
    pub fn roles<'a, C: ClaimSource + ?Sized>(&self, claims: &'a C) -> BTreeSet<&'a str> {
        let mut out = BTreeSet::new();
        names(claims.claim(&self.roles_claim), false, &mut out);
        names(claims.claim("role"), false, &mut out);
        out
    }

    /// The permissions the claims grant.
    pub fn permissions<'a, C: ClaimSource + ?Sized>(&self, claims: &'a C) -> BTreeSet<&'a str> {
        let mut out = BTreeSet::new();
        names(claims.claim(&self.permissions_claim), false, &mut out);
        names(claims.claim("scope"), true, &mut out);
        names(claims.claim("scp"), true, &mut out);
        out
    }

    /// True when the claims hold at least one of `any_of_roles` (no roles asked: any token) and
    /// every one of `all_permissions`.
    pub fn allows<C, R, P>(&self, claims: &C, any_of_roles: &[R], all_permissions: &[P]) -> bool
    where
        C: ClaimSource + ?Sized,
        R: AsRef<str>,
        P: AsRef<str>,
    {
        if !any_of_roles.is_empty() {
            let held = self.roles(claims);
            if !any_of_roles.iter().any(|r| held.contains(r.as_ref())) {
                return false;
            }
        }
        if all_permissions.is_empty() {
            return true;
        }
        let held = self.permissions(claims);
        all_permissions.iter().all(|p| held.contains(p.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Map};

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    const NONE: &[&str] = &[];

    #[test]
    fn roles_come_from_the_roles_claim_and_role() {
        let c = claims(json!({"roles": ["a", "b", 3], "role": "c"}));
        let g = Grants::default();
        assert_eq!(g.roles(&c).into_iter().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert!(g.allows(&c, &["x", "c"], NONE));
        assert!(!g.allows(&c, &["x"], NONE));
        // A role string is one role, never split.
        let c = claims(json!({"roles": "admin user"}));
        assert!(!g.allows(&c, &["admin"], NONE));
        assert!(g.allows(&c, &["admin user"], NONE));
    }

    #[test]
    fn permissions_come_from_permissions_scope_and_scp() {
        let c = claims(json!({"permissions": ["p1"], "scope": "s1  s2", "scp": ["s3"]}));
        let g = Grants::default();
        assert!(g.allows(&c, NONE, &["p1", "s1", "s2", "s3"]));
        assert!(!g.allows(&c, NONE, &["p1", "s4"]));
        // A permissions string is one name; scope strings are space-separated.
        let c = claims(json!({"permissions": "a b"}));
        assert!(!g.allows(&c, NONE, &["a"]));
    }

    #[test]
    fn claim_names_are_configurable_and_other_types_grant_nothing() {
        let g = Grants::new("groups", "perms");
        let c = claims(json!({"groups": ["ops"], "perms": ["deploy"], "roles": ["admin"]}));
        assert!(g.allows(&c, &["ops"], &["deploy"]));
        assert!(!g.allows(&c, &["admin"], NONE));
        let c = claims(json!({"groups": {"ops": true}, "scope": 7}));
        assert!(!g.allows(&c, &["ops"], NONE));
        assert!(!g.allows(&c, NONE, &["7"]));
        assert_eq!(g.claims_read(), ["groups", "role", "perms", "scope", "scp"]);
    }

    #[test]
    fn no_requirement_admits_any_verified_token() {
        assert!(Grants::default().allows(&Map::new(), NONE, NONE));
    }

    #[test]
    fn works_on_extracted_pairs_too() {
        let pairs = vec![("scope".to_owned(), json!("read"))];
        assert!(Grants::default().allows(pairs.as_slice(), NONE, &["read"]));
    }
}
