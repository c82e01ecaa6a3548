//! The chart of accounts: the common accounts of a Chinese business (企业会计准则
//! numbering), the same on every device because it is part of the program. The
//! sub-accounts an organisation adds under them travel in the `chart` document
//! ([`crate::kind::chart`]).

use serde::Serialize;

use crate::text::text_enum;

text_enum!(
    /// Where an account sits in the statements.
    AccountClass, "account class" {
        /// 资产: balance sheet, debit side.
        Asset = "asset",
        /// 负债: balance sheet, credit side.
        Liability = "liability",
        /// 所有者权益: balance sheet, credit side.
        Equity = "equity",
        /// 成本: production cost, debit side.
        Cost = "cost",
        /// 损益, income: income statement, credit side.
        Income = "income",
        /// 损益, expense: income statement, debit side.
        Expense = "expense",
    }
);

text_enum!(
    /// The side of an entry line, and the side an account's balance normally falls on.
    Side, "side" {
        /// 借.
        Debit = "debit",
        /// 贷.
        Credit = "credit",
    }
);

/// One account of the chart: a preset one, or a sub-account the organisation added.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Account {
    /// The code people and reports use (`1002`, `100201`).
    pub code: String,
    /// The Chinese name (`银行存款`).
    pub name_zh: String,
    /// The English name (`Bank deposits`); an added account's one name serves both.
    pub name_en: String,
    /// Where it sits in the statements.
    pub class: AccountClass,
    /// The side its balance normally falls on (a contra account's is the other one).
    pub normal: Side,
    /// The preset account an added sub-account belongs to.
    pub parent: Option<String>,
    /// Whether new entries may name it (a retired sub-account is kept, not offered).
    pub active: bool,
}

/// One account of the preset chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Preset {
    code: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
    class: AccountClass,
    normal: Side,
}

const fn account(
    code: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
    class: AccountClass,
) -> Preset {
    let normal = match class {
        AccountClass::Asset | AccountClass::Cost | AccountClass::Expense => Side::Debit,
        AccountClass::Liability | AccountClass::Equity | AccountClass::Income => Side::Credit,
    };
    Preset {
        code,
        name_zh,
        name_en,
        class,
        normal,
    }
}

use AccountClass::{Asset, Cost, Equity, Expense, Income, Liability};

/// The preset chart, by code.
pub(crate) const PRESET: &[Preset] = &[
    account("1001", "库存现金", "Cash on hand", Asset),
    account("1002", "银行存款", "Bank deposits", Asset),
    account("1012", "其他货币资金", "Other monetary funds", Asset),
    account("1121", "应收票据", "Notes receivable", Asset),
    account("1122", "应收账款", "Accounts receivable", Asset),
    account("1123", "预付账款", "Prepayments", Asset),
    account("1221", "其他应收款", "Other receivables", Asset),
    account("1231", "坏账准备", "Allowance for bad debts", Asset).contra(),
    account("1402", "在途物资", "Goods in transit", Asset),
    account("1403", "原材料", "Raw materials", Asset),
    account("1405", "库存商品", "Goods in stock", Asset),
    account("1406", "发出商品", "Goods shipped, not yet invoiced", Asset),
    account("1601", "固定资产", "Fixed assets", Asset),
    account("1602", "累计折旧", "Accumulated depreciation", Asset).contra(),
    account("1801", "长期待摊费用", "Long-term prepaid expenses", Asset),
    account(
        "1901",
        "待处理财产损溢",
        "Stock differences to settle",
        Asset,
    ),
    account("2001", "短期借款", "Short-term loans", Liability),
    account("2201", "应付票据", "Notes payable", Liability),
    account("2202", "应付账款", "Accounts payable", Liability),
    account("2203", "预收账款", "Advances from customers", Liability),
    account("2211", "应付职工薪酬", "Payroll payable", Liability),
    account("2221", "应交税费", "Taxes payable", Liability),
    account("2241", "其他应付款", "Other payables", Liability),
    account("4001", "实收资本", "Paid-in capital", Equity),
    account("4002", "资本公积", "Capital reserve", Equity),
    account("4101", "盈余公积", "Surplus reserve", Equity),
    account("4103", "本年利润", "Profit for the year", Equity),
    account("4104", "利润分配", "Profit distribution", Equity),
    account("5001", "生产成本", "Production cost", Cost),
    account("5101", "制造费用", "Manufacturing overhead", Cost),
    account(
        "6001",
        "主营业务收入",
        "Revenue from main operations",
        Income,
    ),
    account("6051", "其他业务收入", "Other operating revenue", Income),
    account("6111", "投资收益", "Investment income", Income),
    account("6301", "营业外收入", "Non-operating income", Income),
    account("6401", "主营业务成本", "Cost of main operations", Expense),
    account("6402", "其他业务成本", "Other operating costs", Expense),
    account("6403", "税金及附加", "Taxes and surcharges", Expense),
    account("6601", "销售费用", "Selling expenses", Expense),
    account("6602", "管理费用", "Administrative expenses", Expense),
    account("6603", "财务费用", "Finance costs", Expense),
    account("6711", "营业外支出", "Non-operating expenses", Expense),
    account("6801", "所得税费用", "Income tax expense", Expense),
];

impl Preset {
    /// The same account with its balance on the other side (累计折旧 against 固定资产).
    const fn contra(self) -> Preset {
        Preset {
            normal: match self.normal {
                Side::Debit => Side::Credit,
                Side::Credit => Side::Debit,
            },
            ..self
        }
    }
}

impl Preset {
    /// As an account of the chart.
    pub(crate) fn account(&self) -> Account {
        Account {
            code: self.code.into(),
            name_zh: self.name_zh.into(),
            name_en: self.name_en.into(),
            class: self.class,
            normal: self.normal,
            parent: None,
            active: true,
        }
    }

    /// A sub-account `code` named `name` under it: its class, its side.
    pub(crate) fn sub_account(&self, code: &str, name: &str, active: bool) -> Account {
        Account {
            code: code.into(),
            name_zh: name.into(),
            name_en: name.into(),
            class: self.class,
            normal: self.normal,
            parent: Some(self.code.into()),
            active,
        }
    }
}

/// The preset account with `code`.
pub(crate) fn find(code: &str) -> Option<&'static Preset> {
    PRESET.iter().find(|a| a.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_start_with_their_class_digit() {
        for pair in PRESET.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "{} {}",
                pair[0].code,
                pair[1].code
            );
        }
        for a in PRESET {
            let first = a.code.as_bytes()[0];
            let expected = match a.class {
                Asset => b'1',
                Liability => b'2',
                Equity => b'4',
                Cost => b'5',
                Income | Expense => b'6',
            };
            assert_eq!(first, expected, "{}", a.code);
        }
        assert_eq!(find("1602").map(|a| a.normal), Some(Side::Credit));
        assert_eq!(find("6001").map(|a| a.normal), Some(Side::Credit));
        assert!(find("9999").is_none());
    }
}
