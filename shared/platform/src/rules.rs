//! Names of the business rules a request can break. A broken rule answers 409 with the rule's
//! name in the problem's `rule` member, which clients branch on; so every service lists its
//! rules once, as an enum made by [`rules!`](crate::rules!), and never spells a name twice.

use crate::error::ApiError;

/// A rule of one service, with its stable name.
pub trait RuleName: Copy + 'static {
    /// The name clients see in `rule`, e.g. `organization_name_unique`.
    fn name(self) -> &'static str;

    /// The 409 problem for breaking this rule.
    fn conflict(self, detail: impl Into<String>) -> ApiError {
        ApiError::conflict(self, detail)
    }
}

/// Declares a service's rules: an enum whose variants carry their stable names.
///
/// ```
/// qmf_platform::rules! {
///     /// Rules of the example service.
///     pub enum Rule {
///         /// Names are unique.
///         NameUnique = "name_unique",
///     }
/// }
/// use qmf_platform::rules::RuleName as _;
/// assert_eq!(Rule::NameUnique.name(), "name_unique");
/// assert_eq!(Rule::ALL.len(), 1);
/// ```
#[macro_export]
macro_rules! rules {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),*
        }

        impl $name {
            /// Every rule, e.g. for documentation and tests.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
        }

        impl $crate::rules::RuleName for $name {
            fn name(self) -> &'static str {
                match self {
                    $( $name::$variant => $text ),*
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::rules::RuleName::name(*self))
            }
        }
    };
}

/// Checks that no two rules of a list share a name; for each service's tests.
pub fn assert_distinct_names<R: RuleName>(all: &[R]) {
    let mut seen = std::collections::BTreeSet::new();
    for rule in all {
        assert!(
            seen.insert(rule.name()),
            "rule name {} is used twice",
            rule.name()
        );
        assert!(
            rule.name()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "rule name {} is not snake_case",
            rule.name()
        );
    }
}
