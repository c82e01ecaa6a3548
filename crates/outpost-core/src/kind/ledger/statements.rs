//! The balance sheet and the income statement, made from trial balances: accounts by
//! class, each on its side (a contra account such as 累计折旧 lowers its class's total),
//! and the profit of the period.

use serde::{Deserialize, Serialize};

use super::Ledger;
use super::chart::{Account, AccountClass};
use super::query::{BalanceFilter, TrialBalance};
use crate::error::Result;
use crate::money::Money;

/// One account's amount in a statement, on its class's side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StatementLine {
    /// The account.
    pub account: Account,
    /// Its amount on the class's side (below zero for a contra account).
    pub amount: Money,
}

/// What a business owns and owes at a day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BalanceSheet {
    /// Assets (and production cost in progress).
    pub assets: Vec<StatementLine>,
    /// Liabilities.
    pub liabilities: Vec<StatementLine>,
    /// Owners' equity as posted.
    pub equity: Vec<StatementLine>,
    /// Total assets.
    pub total_assets: Money,
    /// Total liabilities.
    pub total_liabilities: Money,
    /// Total equity as posted.
    pub total_equity: Money,
    /// Income less expenses not yet carried to equity (本年利润 before the year's close).
    pub profit: Money,
}

impl BalanceSheet {
    /// Whether assets = liabilities + equity + profit (always, for a balanced book).
    pub fn balances(&self) -> bool {
        self.total_assets.0 == self.total_liabilities.0 + self.total_equity.0 + self.profit.0
    }
}

/// What a business earned and spent in a period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IncomeStatement {
    /// Income accounts.
    pub income: Vec<StatementLine>,
    /// Expense accounts.
    pub expenses: Vec<StatementLine>,
    /// Total income.
    pub total_income: Money,
    /// Total expenses.
    pub total_expenses: Money,
    /// Income less expenses.
    pub profit: Money,
}

/// Which period an income statement covers.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[serde(default, deny_unknown_fields)]
pub struct PeriodFilter {
    /// One site's books; every site's together if none.
    pub site: Option<String>,
    /// The first day `YYYY-MM-DD` (from the first entry if none).
    pub from: Option<String>,
    /// The last day (every entry if none).
    pub through: Option<String>,
}

/// Debits less credits of every account in `tb`, by code.
fn net_by_account(tb: &TrialBalance) -> Vec<(Account, i64)> {
    tb.rows
        .iter()
        .map(|r| (r.account.clone(), r.debit.0 - r.credit.0))
        .collect()
}

/// The lines of `classes`, each amount on the side `debit_side` says, and their total.
fn lines_of(
    nets: &[(Account, i64)],
    classes: &[AccountClass],
    debit_side: bool,
) -> (Vec<StatementLine>, Money) {
    let lines: Vec<StatementLine> = nets
        .iter()
        .filter(|(a, net)| classes.contains(&a.class) && *net != 0)
        .map(|(a, net)| StatementLine {
            account: a.clone(),
            amount: Money(if debit_side { *net } else { -net }),
        })
        .collect();
    let total = Money(lines.iter().map(|l| l.amount.0).sum());
    (lines, total)
}

/// The day before `date` (`YYYY-MM-DD`).
fn day_before(date: &str) -> Result<String> {
    let d = super::write::parse_date(date)?;
    Ok(d.yesterday()
        .map_or_else(|_| d.to_string(), |y| y.to_string()))
}

impl Ledger<'_> {
    /// The balance sheet of one site, or of every site, at the end of a day.
    pub fn balance_sheet(&self, filter: &BalanceFilter) -> Result<BalanceSheet> {
        let nets = net_by_account(&self.trial_balance(filter)?);
        let (assets, total_assets) =
            lines_of(&nets, &[AccountClass::Asset, AccountClass::Cost], true);
        let (liabilities, total_liabilities) = lines_of(&nets, &[AccountClass::Liability], false);
        let (equity, total_equity) = lines_of(&nets, &[AccountClass::Equity], false);
        let (_, income) = lines_of(&nets, &[AccountClass::Income], false);
        let (_, expenses) = lines_of(&nets, &[AccountClass::Expense], true);
        Ok(BalanceSheet {
            assets,
            liabilities,
            equity,
            total_assets,
            total_liabilities,
            total_equity,
            profit: Money(income.0 - expenses.0),
        })
    }

    /// The income statement of one site, or of every site, for a period: the trial
    /// balance at its last day less the one the day before its first.
    pub fn income_statement(&self, filter: &PeriodFilter) -> Result<IncomeStatement> {
        let site = filter.site.clone();
        let end = net_by_account(&self.trial_balance(&BalanceFilter {
            site: site.clone(),
            through: filter.through.clone(),
        })?);
        let start = match filter.from.as_deref().map(str::trim) {
            Some(from) if !from.is_empty() => {
                net_by_account(&self.trial_balance(&BalanceFilter {
                    site,
                    through: Some(day_before(from)?),
                })?)
            }
            _ => Vec::new(),
        };
        let nets: Vec<(Account, i64)> = end
            .into_iter()
            .map(|(a, net)| {
                let before = start
                    .iter()
                    .find(|(b, _)| b.code == a.code)
                    .map_or(0, |(_, n)| *n);
                (a, net - before)
            })
            .collect();
        let (income, total_income) = lines_of(&nets, &[AccountClass::Income], false);
        let (expenses, total_expenses) = lines_of(&nets, &[AccountClass::Expense], true);
        Ok(IncomeStatement {
            income,
            expenses,
            total_income,
            total_expenses,
            profit: Money(total_income.0 - total_expenses.0),
        })
    }
}
