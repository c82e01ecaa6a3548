//! Adding, renaming and retiring accounts and VAT rates: [`crate::Book::chart`].

use automerge::transaction::Transactable;
use jiff::Timestamp;

use super::{ACCOUNTS, PRESET_RATES, VAT_RATES, VatRate, sub_account_of};
use crate::doc_id::DocId;
use crate::error::{Error, Result, Rule};
use crate::kind::ledger::Account;
use crate::record::RecordRef;
use crate::repo::{Repo, Written};
use crate::schema::{new_record, record_obj};
use crate::text::{MAX_NAME, required};

/// The organisation's chart of accounts and VAT rates.
pub struct Chart<'a> {
    pub(crate) repo: &'a mut Repo,
}

impl Chart<'_> {
    /// Every account, preset and added, by code.
    pub fn accounts(&self) -> Result<Vec<Account>> {
        super::accounts(self.repo.db())
    }

    /// Every VAT rate, preset and added, highest first.
    pub fn rates(&self) -> Result<Vec<VatRate>> {
        super::rates(self.repo.db())
    }

    /// Adds sub-account `code` (a preset account's code and two digits) named `name`.
    pub fn add_account(&mut self, code: &str, name: &str, at: Timestamp) -> Result<Account> {
        let code = code.trim();
        let Some(parent) = sub_account_of(code) else {
            return Err(Error::invalid(
                "account code",
                code,
                Rule::Format { example: "100201" },
            ));
        };
        let name = required("name", name, MAX_NAME)?;
        if super::account(self.repo.db(), code)?.is_some() {
            return Err(Error::Duplicate {
                kind: "account",
                key: code.to_string(),
            });
        }
        let me = self.repo.device_id().clone();
        self.repo.write(&DocId::Chart, at, |tx| {
            let obj = new_record(tx, ACCOUNTS, code)?;
            tx.put(&obj, "name", name.as_str())?;
            tx.put(&obj, "active", true)?;
            tx.put(&obj, "created_at", at.as_millisecond())?;
            tx.put(&obj, "created_by", me.as_str())?;
            Ok(Written::new(
                parent.sub_account(code, &name, true),
                "account.add",
                vec![RecordRef::new(ACCOUNTS, code)],
            ))
        })
    }

    /// Renames added account `code`.
    pub fn rename_account(&mut self, code: &str, name: &str, at: Timestamp) -> Result<()> {
        let name = required("name", name, MAX_NAME)?;
        self.put_added(ACCOUNTS, code.trim(), "account.rename", at, |tx, obj| {
            tx.put(obj, "name", name.as_str())?;
            Ok(())
        })
    }

    /// Offers added account `code` for new entries again, or no longer.
    pub fn set_account_active(&mut self, code: &str, active: bool, at: Timestamp) -> Result<()> {
        self.put_added(ACCOUNTS, code.trim(), "account.active", at, |tx, obj| {
            tx.put(obj, "active", active)?;
            Ok(())
        })
    }

    /// Adds VAT rate `percent` (`5`, `1.5%`).
    pub fn add_rate(&mut self, percent: &str, at: Timestamp) -> Result<VatRate> {
        let rate_bp = crate::kind::billing::parse_rate(percent)?;
        if super::rate_known(self.repo.db(), rate_bp)? == super::Known::Yes {
            return Err(Error::Duplicate {
                kind: "VAT rate",
                key: crate::kind::billing::rate_text(rate_bp),
            });
        }
        let me = self.repo.device_id().clone();
        let key = rate_bp.to_string();
        self.repo.write(&DocId::Chart, at, |tx| {
            let obj = new_record(tx, VAT_RATES, &key)?;
            tx.put(&obj, "active", true)?;
            tx.put(&obj, "created_at", at.as_millisecond())?;
            tx.put(&obj, "created_by", me.as_str())?;
            Ok(Written::new(
                VatRate {
                    rate_bp,
                    percent: crate::kind::billing::rate_text(rate_bp),
                    preset: false,
                    active: true,
                },
                "vat_rate.add",
                vec![RecordRef::new(VAT_RATES, &key)],
            ))
        })
    }

    /// Offers added VAT rate `percent` for new invoices again, or no longer.
    pub fn set_rate_active(&mut self, percent: &str, active: bool, at: Timestamp) -> Result<()> {
        let rate_bp = crate::kind::billing::parse_rate(percent)?;
        if PRESET_RATES.contains(&rate_bp) {
            return Err(Error::invalid(
                "VAT rate",
                percent,
                Rule::Format {
                    example: "an added rate",
                },
            ));
        }
        self.put_added(
            VAT_RATES,
            &rate_bp.to_string(),
            "vat_rate.active",
            at,
            |tx, obj| {
                tx.put(obj, "active", active)?;
                Ok(())
            },
        )
    }

    /// Changes an added account or rate (preset ones are the program's).
    fn put_added(
        &mut self,
        collection: &'static str,
        key: &str,
        action: &'static str,
        at: Timestamp,
        put: impl FnOnce(&mut automerge::transaction::Transaction<'_>, &automerge::ObjId) -> Result<()>,
    ) -> Result<()> {
        let kind = if collection == ACCOUNTS {
            "account"
        } else {
            "VAT rate"
        };
        let missing = || Error::not_found(kind, key);
        self.repo.write(&DocId::Chart, at, |tx| {
            let obj = record_obj(tx, collection, key).ok_or_else(missing)?;
            put(tx, &obj)?;
            Ok(Written::new(
                (),
                action,
                vec![RecordRef::new(collection, key)],
            ))
        })
    }
}
