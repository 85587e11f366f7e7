//! Password policy in the NIST SP 800-63B spirit: length bounds and a common-password blocklist
//! by default, composition rules only when asked for. [`Policy::check`] reports every violation.

use std::collections::HashSet;
use std::sync::OnceLock;

/// The bundled blocklist: the 30,000 most common passwords (zxcvbn's list, MIT; see
/// `core/data/COMMON-PASSWORDS-LICENSE`), one per line, lower case.
const COMMON_PASSWORDS: &str = include_str!("../../data/common-passwords.txt");

fn common_set() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON_PASSWORDS
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Number of passwords in the bundled blocklist.
#[must_use]
pub fn common_password_count() -> usize {
    common_set().len()
}

/// Whether `password` is on the bundled blocklist (compared case-insensitively).
///
/// ```
/// assert!(bulwark::password::is_common("Password1"));
/// assert!(!bulwark::password::is_common("correct horse battery staple"));
/// ```
#[must_use]
pub fn is_common(password: &str) -> bool {
    common_set().contains(password.to_lowercase().as_str())
}

/// What a policy checks. Lengths count characters (Unicode scalar values), not bytes.
///
/// Defaults: at least 8 and at most 128 characters, no composition rules, common passwords
/// refused. [`Policy::with_classes`] switches on the upper/lower/digit rule many services ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Fewest characters (default 8).
    pub min_len: usize,
    /// Most characters (default 128).
    pub max_len: usize,
    /// Require a lower-case letter (default off).
    pub require_lowercase: bool,
    /// Require an upper-case letter (default off).
    pub require_uppercase: bool,
    /// Require a decimal digit (default off).
    pub require_digit: bool,
    /// Require a character that is neither a letter, a digit nor white space (default off).
    pub require_symbol: bool,
    /// Refuse passwords on the bundled common-password list (default on).
    pub reject_common: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            min_len: 8,
            max_len: 128,
            require_lowercase: false,
            require_uppercase: false,
            require_digit: false,
            require_symbol: false,
            reject_common: true,
        }
    }
}

/// One way a password fails a policy. Each has a stable [`code`](Violation::code) and a
/// human [`message`](Violation::message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Violation {
    /// Fewer characters than `min`.
    TooShort {
        /// The policy's minimum.
        min: usize,
        /// The password's length in characters.
        actual: usize,
    },
    /// More characters than `max`.
    TooLong {
        /// The policy's maximum.
        max: usize,
        /// The password's length in characters.
        actual: usize,
    },
    /// No lower-case letter.
    MissingLowercase,
    /// No upper-case letter.
    MissingUppercase,
    /// No digit.
    MissingDigit,
    /// No symbol.
    MissingSymbol,
    /// On the common-password list.
    Common,
}

impl Violation {
    /// A stable identifier, for programs and translations: `too_short`, `too_long`,
    /// `missing_lowercase`, `missing_uppercase`, `missing_digit`, `missing_symbol`, `common`.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::TooShort { .. } => "too_short",
            Self::TooLong { .. } => "too_long",
            Self::MissingLowercase => "missing_lowercase",
            Self::MissingUppercase => "missing_uppercase",
            Self::MissingDigit => "missing_digit",
            Self::MissingSymbol => "missing_symbol",
            Self::Common => "common",
        }
    }

    /// A bit flag for the violation (the C door reports a set of them as a mask).
    #[must_use]
    pub const fn flag(&self) -> u32 {
        match self {
            Self::TooShort { .. } => 1,
            Self::TooLong { .. } => 1 << 1,
            Self::MissingLowercase => 1 << 2,
            Self::MissingUppercase => 1 << 3,
            Self::MissingDigit => 1 << 4,
            Self::MissingSymbol => 1 << 5,
            Self::Common => 1 << 6,
        }
    }

    /// A sentence for the user, in English.
    #[must_use]
    pub fn message(&self) -> String {
        match self {
            Self::TooShort { min, actual } => {
                format!("Password must be at least {min} characters long (it has {actual}).")
            }
            Self::TooLong { max, actual } => {
                format!("Password must be at most {max} characters long (it has {actual}).")
            }
            Self::MissingLowercase => "Password must contain a lower-case letter.".to_owned(),
            Self::MissingUppercase => "Password must contain an upper-case letter.".to_owned(),
            Self::MissingDigit => "Password must contain a digit.".to_owned(),
            Self::MissingSymbol => "Password must contain a symbol.".to_owned(),
            Self::Common => {
                "Password is too common; choose one that is harder to guess.".to_owned()
            }
        }
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl Policy {
    /// This policy plus the common "upper, lower and digit" composition rule.
    #[must_use]
    pub fn with_classes(mut self) -> Self {
        self.require_lowercase = true;
        self.require_uppercase = true;
        self.require_digit = true;
        self
    }

    /// Checks that the policy itself makes sense (`1 <= min_len <= max_len`).
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) naming the bad bound.
    pub fn validate(&self) -> crate::Result<()> {
        if self.min_len == 0 || self.min_len > self.max_len {
            return Err(crate::Error::invalid_input(format!(
                "password policy: need 1 <= min_len <= max_len, got min_len={} max_len={}",
                self.min_len, self.max_len
            )));
        }
        Ok(())
    }

    /// Checks `password` and returns every violation (empty when it passes), in a fixed order.
    ///
    /// ```
    /// use bulwark::password::{Policy, Violation};
    /// let v = Policy::default().with_classes().check("abc");
    /// assert_eq!(v.iter().map(|v| v.code()).collect::<Vec<_>>(),
    ///            ["too_short", "missing_uppercase", "missing_digit"]);
    /// assert!(Policy::default().check("correct horse battery staple").is_empty());
    /// ```
    #[must_use]
    pub fn check(&self, password: &str) -> Vec<Violation> {
        let mut out = Vec::new();
        let len = password.chars().count();
        if len < self.min_len {
            out.push(Violation::TooShort {
                min: self.min_len,
                actual: len,
            });
        }
        if len > self.max_len {
            out.push(Violation::TooLong {
                max: self.max_len,
                actual: len,
            });
        }
        let has = |f: fn(&char) -> bool| password.chars().any(|c| f(&c));
        if self.require_lowercase && !has(|c| c.is_lowercase()) {
            out.push(Violation::MissingLowercase);
        }
        if self.require_uppercase && !has(|c| c.is_uppercase()) {
            out.push(Violation::MissingUppercase);
        }
        if self.require_digit && !has(|c| c.is_ascii_digit()) {
            out.push(Violation::MissingDigit);
        }
        if self.require_symbol && !has(|c| !c.is_alphanumeric() && !c.is_whitespace()) {
            out.push(Violation::MissingSymbol);
        }
        if self.reject_common && is_common(password) {
            out.push(Violation::Common);
        }
        out
    }
}

/// Checks `password` against the default [`Policy`].
#[must_use]
pub fn check_policy(password: &str) -> Vec<Violation> {
    Policy::default().check(password)
}
