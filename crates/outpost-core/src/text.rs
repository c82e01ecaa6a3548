//! Checks for text typed by people, and enums stored as text.

use crate::error::{Error, Result, Rule};

/// Longest name (item, party, site, device), in characters.
pub const MAX_NAME: usize = 200;
/// Longest free text (note, description, comment), in characters.
pub const MAX_TEXT: usize = 4000;

/// Trims and checks a required text field.
pub fn required(field: &'static str, value: &str, max: usize) -> Result<String> {
    let value = optional(field, value, max)?;
    if value.is_empty() {
        return Err(Error::invalid(field, value, Rule::Empty));
    }
    Ok(value)
}

/// Trims and checks an optional text field (empty allowed).
pub fn optional(field: &'static str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    let len = value.chars().count();
    if len > max {
        return Err(Error::invalid(
            field,
            format!("{}…", value.chars().take(20).collect::<String>()),
            Rule::TooLong { max },
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Error::invalid(
            field,
            value.escape_debug(),
            Rule::ControlCharacters,
        ));
    }
    Ok(value.to_string())
}

/// Defines an enum stored as lowercase text, with `as_str`, `parse` and `ALL`.
macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored text.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Parses the stored text.
            pub fn parse(text: &str) -> $crate::error::Result<$name> {
                match text.trim().to_ascii_lowercase().as_str() {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::error::Error::invalid(
                        $field,
                        text,
                        $crate::error::Rule::OneOf { choices: [$($text),+].join(", ") },
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use text_enum;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_limits() {
        assert_eq!(required("name", "  茶叶 ", 10).unwrap(), "茶叶");
        assert!(required("name", "   ", 10).is_err());
        assert!(optional("note", &"长".repeat(11), 10).is_err());
        assert!(optional("note", "a\u{0}b", 10).is_err());
        assert_eq!(optional("note", "", 10).unwrap(), "");
    }
}
