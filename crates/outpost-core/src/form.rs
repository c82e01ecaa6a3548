//! Reading what people typed into a form: every field arrives as text, exactly as typed,
//! and is parsed here, so the window holds no rule of what a quantity or an amount is and
//! every error names its field.

use crate::error::{Error, Result, Rule};
use crate::money::Money;

/// Largest quantity on one line or movement.
pub const MAX_QTY: i64 = 1_000_000_000;
/// Largest unit price, in fen (¥10 billion).
pub const MAX_PRICE: i64 = 1_000_000_000_000;

/// An amount of money (`35`, `35.5`, `¥1,234.56`), or an error naming `field`.
pub(crate) fn money(field: &'static str, text: &str) -> Result<Money> {
    Money::parse(text).map_err(|_| Error::invalid(field, text, Rule::Format { example: "35.00" }))
}

/// An amount of money, or `None` for an empty field.
pub(crate) fn optional_money(field: &'static str, text: &str) -> Result<Option<Money>> {
    if text.trim().is_empty() {
        Ok(None)
    } else {
        money(field, text).map(Some)
    }
}

/// A whole number from `min` to `max`, or an error naming `field`.
pub(crate) fn whole(field: &'static str, text: &str, min: i64, max: i64) -> Result<i64> {
    let t = text.trim();
    let n: i64 = if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        t.parse()
            .map_err(|_| Error::invalid(field, text, Rule::range(min, max)))?
    } else {
        return Err(Error::invalid(field, text, Rule::Format { example: "12" }));
    };
    if (min..=max).contains(&n) {
        Ok(n)
    } else {
        Err(Error::invalid(field, text, Rule::range(min, max)))
    }
}

/// A quantity of 1 or more.
pub(crate) fn qty(text: &str) -> Result<i64> {
    whole("quantity", text, 1, MAX_QTY)
}

/// Checks a line's quantity, unit price and discount together.
pub(crate) fn check_amounts(qty: i64, price: Money, discount: Money) -> Result<()> {
    if !(1..=MAX_QTY).contains(&qty) {
        return Err(Error::invalid("quantity", qty, Rule::range(1, MAX_QTY)));
    }
    if !(0..=MAX_PRICE).contains(&price.0) {
        return Err(Error::invalid(
            "price",
            price,
            Rule::range(Money::ZERO, Money(MAX_PRICE)),
        ));
    }
    let gross = qty.saturating_mul(price.0);
    if discount.0 < 0 || discount.0 > gross {
        return Err(Error::invalid(
            "discount",
            discount,
            Rule::range(Money::ZERO, Money(gross)),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_parse_or_name_themselves() {
        assert_eq!(qty(" 12 ").unwrap(), 12);
        for bad in ["", "0", "-1", "1.5", "x", "99999999999999999999"] {
            let err = qty(bad).unwrap_err();
            assert!(err.to_string().contains("quantity"), "{bad}: {err}");
        }
        assert_eq!(money("price", "35.5").unwrap(), Money(3550));
        assert!(
            money("price", "3.555")
                .unwrap_err()
                .to_string()
                .contains("price")
        );
        assert_eq!(optional_money("price", "  ").unwrap(), None);
        assert!(check_amounts(2, Money(100), Money(201)).is_err());
        assert!(check_amounts(2, Money(100), Money(200)).is_ok());
    }
}
