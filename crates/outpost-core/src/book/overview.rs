//! The finance overview: the figures finance's first screen charts, read from the
//! journal (cash), the invoices (receivables by age) and the shipments (sales by site).

use jiff::Timestamp;
use serde::Serialize;

use super::Book;
use crate::error::Result;
use crate::kind::billing::AgeingFilter;
use crate::kind::ledger::MonthlySales;
use crate::money::Money;

/// Months the overview covers, the current one last.
pub const OVERVIEW_MONTHS: usize = 12;

/// What finance sees first: money, who owes it, what sells where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FinanceOverview {
    /// The months charted, `YYYY-MM`, oldest first.
    pub months: Vec<String>,
    /// Cash and bank (1001 + 1002) of every site at each month's end.
    pub cash: Vec<Money>,
    /// What customers owe now, by age: not due, 1–30, 31–60, 61–90, over 90 days.
    pub receivables: Vec<Money>,
    /// Money customers paid on account, not yet applied.
    pub on_account: Money,
    /// Net sales shipped per site and month.
    pub sales: Vec<MonthlySales>,
}

impl Book {
    /// The finance overview for the twelve months up to `at`'s. Only for members who
    /// may read the ledger.
    pub fn finance_overview(&mut self, at: Timestamp) -> Result<FinanceOverview> {
        let (months, cash, sales) = self.ledger().monthly(OVERVIEW_MONTHS, at)?;
        let ageing = self.billing().ageing(&AgeingFilter::default(), at)?;
        let mut receivables = vec![Money::ZERO; 5];
        let mut on_account = Money::ZERO;
        for row in &ageing {
            for (sum, m) in receivables.iter_mut().zip(row.figures()) {
                sum.0 += m.0;
            }
            on_account.0 += row.on_account.0;
        }
        Ok(FinanceOverview {
            months,
            cash,
            receivables,
            on_account,
            sales,
        })
    }
}
