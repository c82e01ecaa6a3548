//! Short human codes: sites (SH), warehouses (SH1) and devices (A3).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, Rule};

macro_rules! code_type {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:expr, $hyphen:expr, $example:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        // Deserialising parses, so a code from a front end or a file is checked like typed text.
        impl TryFrom<String> for $name {
            type Error = Error;
            fn try_from(text: String) -> Result<Self> {
                Self::parse(&text)
            }
        }

        impl From<$name> for String {
            fn from(code: $name) -> String {
                code.0
            }
        }

        impl $name {
            /// Parses a code: ASCII letters and digits, upper-cased.
            pub fn parse(text: &str) -> Result<Self> {
                let code = text.trim().to_ascii_uppercase();
                let valid_char = |c: char| c.is_ascii_alphanumeric() || ($hyphen && c == '-');
                if code.is_empty() || code.len() > $max || !code.chars().all(valid_char) {
                    return Err(Error::invalid(
                        $field,
                        text,
                        Rule::Format { example: $example },
                    ));
                }
                Ok(Self(code))
            }

            /// The code as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub(crate) fn from_stored(text: String) -> Self {
                Self(text)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

code_type!(
    /// A site (office) code such as `SH` or `BJ`; the first part of human numbers.
    SiteCode, "site code", 8, false, "SH"
);
code_type!(
    /// A warehouse code such as `SH1`, unique in the organisation.
    WarehouseCode, "warehouse code", 16, true, "SH1"
);
code_type!(
    /// A device's short code such as `A3`, unique in the organisation; the middle part of
    /// human numbers.
    DeviceCode, "device code", 4, false, "K7M"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_normalised_and_checked() {
        assert_eq!(SiteCode::parse(" sh ").unwrap().as_str(), "SH");
        assert!(SiteCode::parse("").is_err());
        assert!(SiteCode::parse("S H").is_err());
        assert!(SiteCode::parse("上海").is_err());
        assert_eq!(WarehouseCode::parse("sh-main").unwrap().as_str(), "SH-MAIN");
    }
}
