//! The message catalogue: every user-facing string in English and Simplified Chinese.
//!
//! One table holds both languages side by side, so a message cannot exist in one only;
//! a test checks that both carry the same `{placeholders}`.

mod catalogue;
mod errors;

pub use catalogue::Msg;
pub use errors::{error, refusal, rule_text};

/// The sales report's columns, on screen and in exports: the first names what rows are.
pub fn sales_columns(by: outpost_core::SalesBy) -> [Msg; 6] {
    let first = match by {
        outpost_core::SalesBy::Item => Msg::ColSku,
        outpost_core::SalesBy::Customer => Msg::ColCustomer,
        outpost_core::SalesBy::Site => Msg::ColSite,
    };
    [
        first,
        Msg::ColName,
        Msg::ColQty,
        Msg::ColNetSales,
        Msg::ColCost,
        Msg::ColMargin,
    ]
}

/// The journal's columns in a table export: a row per line.
pub const JOURNAL_COLUMNS: [Msg; 9] = [
    Msg::ColDate,
    Msg::ColNumber,
    Msg::ColSite,
    Msg::ColMemo,
    Msg::ColCounterparty,
    Msg::ColAccount,
    Msg::ColName,
    Msg::ColDebit,
    Msg::ColCredit,
];

/// The stock valuation's columns, on screen and in exports.
pub const VALUATION_COLUMNS: [Msg; 6] = [
    Msg::ColSite,
    Msg::ColSku,
    Msg::ColName,
    Msg::ColQty,
    Msg::ColUnitCost,
    Msg::ColValue,
];

/// The columns of an ageing report: the party, then [`outpost_core::AgeingRow::figures`].
pub const AGEING_COLUMNS: [Msg; 8] = [
    Msg::ColParty,
    Msg::ColCurrent,
    Msg::ColDays1to30,
    Msg::ColDays31to60,
    Msg::ColDays61to90,
    Msg::ColOver90,
    Msg::ColOnAccount,
    Msg::ColTotal,
];

/// A user interface language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

impl Lang {
    /// Parses `en`, `zh`, `zh-CN`, `zh_CN.UTF-8`...
    pub fn parse(text: &str) -> Option<Lang> {
        let t = text.trim().to_ascii_lowercase();
        if t.starts_with("zh") {
            Some(Lang::Zh)
        } else if t.starts_with("en") || t == "c" || t == "posix" {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The code a front end names it by: `en` or `zh`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// The language of the environment's locale (`LC_ALL`, `LC_MESSAGES`, `LANG`), else English.
    pub fn from_env() -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|k| std::env::var(k).ok())
            .find(|v| !v.is_empty())
            .and_then(|v| Lang::parse(&v))
            .unwrap_or_default()
    }
}

/// Fills `{name}` placeholders of a message.
pub fn fill(lang: Lang, msg: Msg, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut text = msg.text(lang).to_string();
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), &value.to_string());
    }
    text
}

/// A word of the book (status, record kind, field) in `lang`; unknown words pass through.
pub fn word(lang: Lang, word: &str) -> String {
    if lang == Lang::En {
        return word.replace('_', " ");
    }
    let zh = match word {
        "draft" => "草稿",
        "invoice" => "发票",
        "payment" => "收付款",
        "special" => "专票",
        "ordinary" => "普票",
        "after_revocation" => "设备被撤销后才到达撤销它的管理员",
        "builds_on_held" => "基于一项被搁置的修改",
        "newer_rules" => "账本采用的规则比本程序新：请更新 Outpost",
        "unknown_warehouse" => "引用了本设备尚不知道的仓库",
        "unknown_account" => "引用了本设备科目表中尚没有的科目或税率",
        "submitted" => "已提交",
        "approved" => "已审批",
        "shipped" => "已发货",
        "received" => "已收货",
        "invoiced" => "已开票",
        "paid" => "已付款",
        "asset" => "资产",
        "liability" => "负债",
        "equity" => "所有者权益",
        "cost" => "成本",
        "income" => "收入",
        "expense" => "费用",
        "cancelled" => "已取消",
        "submit" | "submitted " => "提交",
        "sales" => "销售",
        "purchase" => "采购",
        "todo" => "待办",
        "doing" => "进行中",
        "done" => "已完成",
        "low" => "低",
        "normal" => "普通",
        "high" => "高",
        "urgent" => "紧急",
        "receipt" => "入库",
        "issue" => "出库",
        "transfer_out" => "调出",
        "transfer_in" => "调入",
        "count_adjustment" => "盘点调整",
        "order" => "订单",
        "task" => "任务",
        "account" => "科目",
        "journal entry" => "凭证",
        "item" => "商品",
        "customer" => "客户",
        "supplier" => "供应商",
        "site" => "站点",
        "warehouse" => "仓库",
        "device" => "设备",
        "line" => "明细行",
        "transfer" => "调拨单",
        "record" => "记录",
        "sku" => "商品编码",
        "quantity" => "数量",
        "counted quantity" => "盘点数量",
        "price" => "价格",
        "discount" => "折扣",
        "note" => "备注",
        "amount" => "金额",
        "title" => "标题",
        "description" => "描述",
        "owner" => "负责人",
        "due date" => "截止日期",
        "comment" => "评论",
        "name" => "名称",
        "item name" => "商品名称",
        "site code" => "站点代码",
        "warehouse code" => "仓库代码",
        "site name" => "站点名称",
        "warehouse name" => "仓库名称",
        "device name" => "设备名称",
        "organisation name" => "组织名称",
        "status" => "状态",
        "party" => "往来单位",
        "admin" => "管理员",
        "manager" => "经理",
        "finance" => "财务",
        "clerk" => "文员",
        "auditor" => "审计",
        "receipt of transfer" => "调拨收货",
        "priority" => "优先级",
        "task status" => "任务状态",
        "task edit" => "任务修改",
        "low-stock threshold" => "低库存预警值",
        "device id" => "设备标识",
        "device code" => "设备代码",
        "month" => "月份",
        "document id" => "文档标识",
        "role" => "角色",
        "order kind" => "订单类型",
        "action" => "操作",
        "sort" => "排序",
        "field" => "字段",
        "unit" => "单位",
        "phone" => "电话",
        "address" => "地址",
        "link" => "关联",
        "order id" | "task id" | "item id" | "party id" | "line id" => "标识",
        "warehouse of site" => "站点仓库",
        "open exception" => "未处理的异常",
        "account code" => "科目代码",
        "VAT rate" => "税率",
        _ => return word.replace('_', " "),
    };
    zh.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use outpost_core::Error as CoreError;

    fn placeholders(text: &str) -> Vec<String> {
        let mut out: Vec<String> = text
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(name, _)| name.to_string()))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn both_languages_have_every_message_with_the_same_placeholders() {
        for msg in Msg::ALL {
            let (en, zh) = (msg.text(Lang::En), msg.text(Lang::Zh));
            assert!(!en.is_empty() && !zh.is_empty(), "{msg:?}");
            assert_eq!(placeholders(en), placeholders(zh), "{msg:?}");
        }
    }

    #[test]
    fn locale_detection() {
        assert_eq!(Lang::parse("zh_CN.UTF-8"), Some(Lang::Zh));
        assert_eq!(Lang::parse("en_US.UTF-8"), Some(Lang::En));
        assert_eq!(Lang::parse("C"), Some(Lang::En));
        assert_eq!(Lang::parse("fr_FR"), None);
    }

    #[test]
    fn errors_are_translated() {
        let err = Error::Core(CoreError::InsufficientStock {
            sku: "TEA".into(),
            warehouse: "SH1".into(),
            available: 1,
            requested: 3,
        });
        assert_eq!(error(Lang::Zh, &err), "SH1 的 TEA 库存不足：现有 1，需要 3");
        assert!(error(Lang::En, &err).starts_with("not enough TEA"));
    }
}
