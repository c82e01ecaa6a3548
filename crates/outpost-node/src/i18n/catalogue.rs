//! The catalogue itself: every message in English and Simplified Chinese, side by side.

use super::Lang;

macro_rules! catalogue {
    ($($key:ident => $en:literal, $zh:literal;)*) => {
        /// A message of the catalogue.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[allow(missing_docs)]
        pub enum Msg { $($key),* }

        impl Msg {
            /// Every message.
            pub const ALL: &'static [Msg] = &[$(Msg::$key),*];

            /// The text in `lang`, with `{placeholders}` unfilled.
            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Msg::$key, Lang::En) => $en, (Msg::$key, Lang::Zh) => $zh,)*
                }
            }
        }
    };
}

catalogue! {
    // Outcomes
    OrgCreated => "Created organisation {org}; this device is {device} at site {site}.", "已创建组织 {org}；本设备为站点 {site} 的 {device}。";
    Joined => "Joined organisation {org} as device {device} at site {site}.", "已加入组织 {org}，本设备为站点 {site} 的 {device}。";
    SiteAdded => "Site {site} added with warehouse {warehouse}.", "已添加站点 {site}，仓库 {warehouse}。";
    WarehouseAdded => "Warehouse {warehouse} added.", "已添加仓库 {warehouse}。";
    ItemAdded => "Item {sku} added.", "已添加商品 {sku}。";
    ItemUpdated => "Item {sku} updated.", "已更新商品 {sku}。";
    PartyAdded => "{name} added.", "已添加 {name}。";
    PartyUpdated => "{name} updated.", "已更新 {name}。";
    OrderCreated => "Order {number} created (draft).", "已创建订单 {number}（草稿）。";
    OrderUpdated => "Order {number} updated.", "已更新订单 {number}。";
    OrderNowStatus => "Order {number} is now {status}.", "订单 {number} 当前状态：{status}。";
    StockRecorded => "Stock movement recorded.", "已记录库存变动。";
    TransferDone => "Transfer {transfer} recorded: sent and received within this site.", "调拨单 {transfer} 已记录：本站点内调出并调入。";
    TransferSent => "Transfer {transfer} sent; the receiving site records its arrival.", "调拨单 {transfer} 已发出，待收货站点确认入库。";
    TaskCreated => "Task {number} created.", "已创建任务 {number}。";
    AllSites => "all sites", "全部站点";
    BalanceSheetTitle => "balance sheet", "资产负债表";
    IncomeTitle => "income statement", "利润表";
    StockValuationTitle => "stock at cost", "存货成本";
    SecAssets => "Assets", "资产";
    SecLiabilities => "Liabilities", "负债";
    SecEquity => "Owners' equity", "所有者权益";
    SecProfit => "Profit of the period", "本期利润";
    SecIncome => "Income", "收入";
    SecExpenses => "Expenses", "费用";
    AgeingTitle => "{org}: ageing at {as_of}", "{org}：账龄分析（截至 {as_of}）";
    TrialBalanceTitle => "{org}: trial balance, {scope}", "{org}：试算平衡表（{scope}）";
    ReportWritten => "Wrote {rows} rows to {path}.", "已写出 {rows} 行到 {path}。";
    EntryPosted => "Journal entry {number} posted.", "已记账：凭证 {number}。";
    EntryReversed => "Journal entry {entry} reversed by {number}.", "凭证 {entry} 已由 {number} 冲销。";
    InvoiceIssued => "Invoice {number} issued: {gross} due {due}.", "已开具发票 {number}：价税合计 {gross}，到期日 {due}。";
    CreditIssued => "Credit note {number} issued against {invoice}.", "已开具红字发票 {number}（冲减 {invoice}）。";
    PaymentRecorded => "Payment {number} of {amount} recorded.", "已登记收付款 {number}：{amount}。";
    TaxNumberSet => "Tax invoice number of {invoice} recorded.", "已登记 {invoice} 的发票号码。";
    StatementImported => "Imported {imported} bank lines ({already} were in the book already).", "已导入 {imported} 条银行流水（{already} 条此前已导入）。";
    LineMatched => "Bank line {line} matched to {payment}.", "银行流水 {line} 已与 {payment} 核对。";
    ColSuggested => "Suggested", "建议匹配";
    ColMatched => "Matched to", "已核对";
    ErrStatement => "the bank statement cannot be imported: {reason}", "银行对账单无法导入：{reason}";
    ErrAlreadyMatched => "bank line {line} is matched already to {payment}", "银行流水 {line} 已与 {payment} 核对";
    MonthClosed => "Closed {month} {site}.", "已结账：{site} {month}。";
    ColMonth => "Month", "月份";
    ColEntries => "Entries", "凭证数";
    ErrPeriodClosed => "{site}'s {month} is closed: date it in an open month", "{site} 的 {month} 已结账：请改为未结账月份的日期";
    ExPostedAfterClose => "Entry made into a month after it was closed: counted in the next open month", "结账后才到达的凭证：已计入下一个未结账月份";
    ColDueDate => "Due date", "到期日";
    ColNet => "Net", "不含税金额";
    ColTax => "VAT", "税额";
    ColGross => "Gross", "价税合计";
    ColOutstanding => "Outstanding", "未结金额";
    ColCurrent => "Not due", "未到期";
    ColDays1to30 => "1–30 days", "1–30 天";
    ColDays31to60 => "31–60 days", "31–60 天";
    ColDays61to90 => "61–90 days", "61–90 天";
    ColOver90 => "Over 90 days", "90 天以上";
    ColOnAccount => "On account", "预收/预付";
    ColReference => "Reference", "银行流水号";
    ErrAutomaticPosting => "entry {number} was posted automatically from a {origin}: correct the {origin} instead (e.g. with a credit note)", "凭证 {number} 由{origin}自动生成：请更正该{origin}（例如开具红字发票）";
    ErrNotBilling => "a {role} may not issue invoices or record payments", "{role}无权开具发票或登记收付款";
    ErrNotInvoiceable => "{order} cannot be invoiced or settled here: {reason}", "{order} 不能在此开票或结算：{reason}";
    ErrOverAllocated => "{what}: {allocated} is more than the {available} left", "{what}：{allocated} 超过了剩余的 {available}";
    ErrBadFigures => "an invoice or payment with {reason}", "发票或收付款有误：{reason}";
    TrialBalanced => "Debits {debit} = credits {credit}.", "借方合计 {debit} = 贷方合计 {credit}。";
    ColAccount => "Account", "科目";
    ColDebit => "Debit", "借方";
    ColCredit => "Credit", "贷方";
    ColBalance => "Balance", "余额";
    ColDate => "Date", "日期";
    ColMemo => "Memo", "摘要";
    ColClass => "Class", "类别";
    TaskUpdated => "Task {number} updated.", "已更新任务 {number}。";
    CommentAdded => "Comment added to {number}.", "已为 {number} 添加评论。";
    ConflictResolved => "Conflict on {record} {field} resolved.", "{record} 的 {field} 冲突已解决。";
    BundleWritten => "Bundle written to {file} ({bytes} bytes).", "数据包已写入 {file}（{bytes} 字节）。";
    BundleImported => "Imported {new} new changes from device {device} ({records} records updated; {waiting} waiting for earlier changes).", "已从设备 {device} 导入 {new} 项新变更（更新 {records} 条记录；{waiting} 项等待更早的变更）。";
    AfterMerge => "After merging: {conflicts} open conflicts, {exceptions} exceptions.", "合并后：{conflicts} 个未解决冲突，{exceptions} 个异常。";
    SampleFilled => "Sample data written: {orders} orders.", "已写入示例数据：{orders} 张订单。";
    Rebuilt => "Projections rebuilt from the documents.", "已从文档重建查询表。";
    NothingFound => "Nothing found.", "没有记录。";
    NoConflicts => "No open conflicts.", "没有未解决的冲突。";
    NoExceptions => "No exceptions.", "没有异常。";
    ChoiceLine => "  {n}) {value}   by {device} at {at}", "  {n}) {value}   {device} 于 {at}";
    ConflictHeading => "{kind} {record} · {field}", "{kind} {record} · {field}";
    ResolveHint => "Resolve with: outpost conflicts resolve RECORD FIELD CHOICE", "解决方法：outpost conflicts resolve 记录 字段 选项";
    // Column headers
    ColNumber => "Number", "单号";
    ColKind => "Kind", "类型";
    ColSite => "Site", "站点";
    ColWarehouse => "Warehouse", "仓库";
    ColParty => "Party", "往来单位";
    ColStatus => "Status", "状态";
    ColTotal => "Total", "金额";
    ColLines => "Lines", "行数";
    ColCreated => "Created", "创建时间";
    ColSku => "SKU", "编码";
    ColName => "Name", "名称";
    ColUnit => "Unit", "单位";
    ColPrice => "Price", "单价";
    ColQty => "Qty", "数量";
    ColUnitCost => "Unit cost", "单位成本";
    ColValue => "Value", "金额";
    ColDiscount => "Discount", "折扣";
    ColAmount => "Amount", "金额";
    ColLow => "Low", "低库存";
    ColThreshold => "Threshold", "预警值";
    ColAt => "Time", "时间";
    ColDevice => "Device", "设备";
    ColOrder => "Order", "订单";
    ColTransfer => "Transfer", "调拨";
    ColNote => "Note", "备注";
    ColTitle => "Title", "标题";
    ColOwner => "Owner", "负责人";
    ColDue => "Due", "截止";
    ColPriority => "Priority", "优先级";
    ColCode => "Code", "代码";
    ColRole => "Role", "角色";
    ColPhone => "Phone", "电话";
    ColAction => "Action", "操作";
    ColChanges => "Changes", "变更内容";
    ColSubject => "Subject", "对象";
    ColExpected => "Expected", "应为";
    ColActual => "Actual", "实际";
    ColFrom => "From", "调出";
    ColTo => "To", "调入";
    ColComments => "Comments", "评论";
    ColId => "Id", "标识";
    ColPeer => "Peer id", "节点标识";
    Yes => "yes", "是";
    // Order detail labels
    LabelOrder => "Order", "订单";
    LabelNote => "Note", "备注";
    LabelCreatedBy => "Created by", "创建设备";
    LabelEvents => "Status events", "状态记录";
    LabelConflicts => "Conflicts", "冲突";
    LabelDataDir => "Data dir", "数据目录";
    // Network
    ColAddress => "Address", "地址";
    ColLastSynced => "Last synced", "最近同步";
    ColPendingOut => "To send", "待发送";
    ColPendingIn => "To receive", "待接收";
    ColExpires => "Expires", "过期时间";
    ColUsedBy => "Used by", "使用者";
    ColReason => "Reason", "原因";
    ColRevoked => "Revoked", "已撤销";
    ColHash => "Change", "修改";
    ColDoc => "Document", "文档";
    ColAuthor => "Author", "作者";
    ColClaimed => "Dated", "标注时间";
    InviteMade => "Invite for a {role} at {site}, valid until {until}. Give the new member this code (once):", "已为站点 {site} 的{role}创建邀请，有效期至 {until}。请把此邀请码交给新成员（仅可使用一次）：";
    InviteNoAddress => "Warning: this node is not serving and knows no HQ address, so the new device has nobody to dial. Run `outpost serve` or `outpost peer add` first.", "警告：本节点未在运行服务，也不知道总部地址，新设备将无处连接。请先运行 `outpost serve` 或 `outpost peer add`。";
    JoinedAs => "Joined organisation {org} as {role} at site {site}; this device is {device}. Run `outpost serve` to sync.", "已加入组织 {org}，角色为站点 {site} 的{role}；本设备为 {device}。运行 `outpost serve` 开始同步。";
    JoinRequestWritten => "Join request written to {file}. Carry it to an admin; start this device from the bundle they send back with `outpost init --join-bundle FILE`.", "加入申请已写入 {file}。请交给管理员；收到管理员发回的数据包后，用 `outpost init --join-bundle 文件` 启动本设备。";
    AdmittedToFile => "Admitted {name} ({device}) as {role} at site {site}; the bundle to start it is {file}.", "已接纳 {name}（{device}），角色为站点 {site} 的{role}；供其启动的数据包为 {file}。";
    HeldAccepted => "Accepted change {hash}: it applies on every device that learns of it.", "已接受修改 {hash}：各设备获知后即应用。";
    HeldDiscarded => "Discarded change {hash}: it applies nowhere.", "已舍弃修改 {hash}：任何设备都不会应用。";
    Revoked => "Revoked {device} ({name}): its connections close and it is sent nothing more.", "已撤销 {device}（{name}）：其连接将被关闭，不再向其发送任何数据。";
    Renamed => "{device} is now called {name}.", "{device} 已改名为 {name}。";
    PeerAdded => "Will keep {addr} connected.", "将保持与 {addr} 的连接。";
    Serving => "Serving as {device} ({peer}). Stop with Ctrl-C.", "以 {device}（{peer}）身份运行服务。按 Ctrl-C 停止。";
    ListeningOn => "listening {addr}", "监听 {addr}";
    NotServing => "Not connected: start `outpost serve` to sync with peers.", "未连接：运行 `outpost serve` 与其他节点同步。";
    SyncUnseen => "{count} changes of this device are not yet at HQ.", "本设备有 {count} 项更改尚未到达总部。";
    SyncAllSeen => "HQ has every change of this device.", "总部已收到本设备的全部更改。";
    SyncNoHq => "No HQ peer configured (outpost peer add).", "未配置总部节点（outpost peer add）。";
    SyncRefused => "Changes refused from peers:", "已拒绝的来自其他节点的更改：";
    ServeStopped => "Stopped.", "已停止。";
    AskPassphrase => "Passphrase", "密码";
    BackupChecked => "{file}: organisation {org}, written {written}, {documents} documents, {changes} changes.", "{file}：组织 {org}，写于 {written}，{documents} 个文档，{changes} 项更改。";
    AskBundlePassphrase => "Bundle passphrase", "数据包密码";
    AskBundlePassphraseAgain => "The bundle passphrase again", "再次输入数据包密码";
    AskBackupPassphrase => "Backup passphrase", "备份密码";
    AskBackupPassphraseAgain => "The backup passphrase again", "再次输入备份密码";
    BackupPassphraseSet => "Backups of this device now open with this passphrase (earlier ones with theirs). Keep it apart from the backups: without it they cannot be restored.", "本设备的备份今后使用此密码打开（以前的备份仍用原密码）。请将密码与备份分开保存：没有它，备份无法恢复。";
    BackupScheduled => "While Outpost runs (the window or serve), it backs up by itself into {dir} every {hours} hours, keeping this device's last {keep} backups there.", "Outpost 运行期间（窗口或 serve），每 {hours} 小时自动备份到 {dir}，并在其中保留本设备最近的 {keep} 个备份。";
    BackupNotScheduled => "No scheduled backups: back up by hand, or give a folder (outpost backup schedule DIR).", "未设置定时备份：请手动备份，或指定文件夹（outpost backup schedule DIR）。";
    Restored => "Restored device {device} of organisation {org} at site {site} from the backup.", "已从备份恢复组织 {org} 站点 {site} 的设备 {device}。";
    RestoredCatchingUp => "It writes into a document once it has heard from another office about it (it may have written more after the backup): connect to HQ or another office (by bundle: send HQ one from here first, so that the bundle it makes for this device carries what this device lacks).", "在从其他办公室获知某文档的最新内容之前，本设备不会写入该文档（备份之后可能还有更改）：请连接总部或其他办公室（若用数据包：先从本机向总部发送一个数据包，总部为本设备生成的数据包才会包含本设备缺少的内容）。";
    BackupGood => "Every change is signed and every document whole: this backup restores.", "所有更改均已签名，所有文档完整：此备份可用于恢复。";
    AskNewPassphrase => "New passphrase", "新密码";
    AskPassphraseAgain => "The new passphrase again", "再次输入新密码";
    PassphraseChanged => "The keys of this device are locked with the new passphrase; the old one no longer opens them.", "本设备的密钥已用新密码锁定，旧密码不再有效。";
    PassphraseRemoved => "The passphrase is removed: the keys stay in the data dir, readable by you only.", "已取消密码：密钥保存在数据目录中，仅本人可读。";
    BookSealed => "The book is encrypted; its key is locked with a passphrase.", "账簿已加密，密钥由密码锁定。";
    BookInKeyring => "The book is encrypted; its key is kept in the system keyring (opened when you log in).", "账簿已加密，密钥保存在系统钥匙环中（登录时解锁）。";
    KeysInKeyring => "The keys of this device are kept in the system keyring now; no passphrase is asked.", "本设备的密钥现已保存在系统钥匙环中，无需再输入密码。";
    BookUnsealed => "The book is encrypted, but its key sits unlocked in the data dir: lock it with `outpost passphrase change`.", "账簿已加密，但密钥未加锁地保存在数据目录中：请用 `outpost passphrase change` 设置密码。";
    // Exception kinds
    ExNegativeStock => "Stock below zero (oversold while offline?)", "库存为负（离线期间超卖？）";
    ExDuplicateNumber => "The same number on two records", "编号重复";
    ExDuplicateDevice => "Two devices share a code (joined at once from one bundle); their numbers may clash", "两台设备代码相同（同时从同一数据包加入），编号可能重复";
    ExDuplicateSku => "The same SKU on two items", "商品编码重复";
    ExChangedAfterSubmit => "Order lines changed after submission", "订单提交后明细被修改";
    ExOrderStock => "Stock moved by the order differs from its lines and status", "订单的库存变动与明细或状态不符";
    ExTransfer => "Transfer received with another quantity, or twice", "调拨收货数量不符或重复收货";
    ExTransferLate => "Transfer between sites still on the way after the days allowed", "跨网点调拨超过期限仍未收货";
    ExIntersite => "Sites disagree on what they owe each other (1221/2241)", "网点之间的往来余额不一致（1221/2241）";
    ExMatchedTwice => "One receipt or payment matched to two bank lines", "一笔收付款匹配了两条银行流水";
    ExInvoiceOverpaid => "Invoice paid (or credited) beyond what it billed: refund the customer or keep the money on account", "发票收款（或红冲）超过开票金额：请退款给客户或转为预收款";
    ExInvoicedTwice => "Order billed on two invoices (made apart): issue a credit note for one", "订单被重复开票（两处离线时各开一张）：请对其中一张开具红字发票";
    ExReversedTwice => "Journal entry reversed twice (on two devices apart): discard one reversal with a new entry", "凭证被重复冲销（两台设备离线时各冲销一次）：请再记一笔凭证抵消其中一次冲销";
    // Errors
    ErrInvalidUtf8 => "argument {n} is not valid UTF-8 text", "第 {n} 个参数不是有效的 UTF-8 文本";
    ErrKeyMismatch => "the device key {path} does not belong to the book in this data dir", "设备密钥 {path} 与此数据目录中的账簿不匹配";
    ErrPassphraseNeeded => "this book is locked with a passphrase: type it, or give it in OUTPOST_PASSPHRASE or in a file named by OUTPOST_PASSPHRASE_FILE", "此账簿已用密码锁定：请输入密码，或通过 OUTPOST_PASSPHRASE 或 OUTPOST_PASSPHRASE_FILE 指定的文件提供";
    ErrReportFormat => "{path}: a report is written as {expected} (named by the file's extension)", "{path}：报表只能保存为 {expected}（按文件扩展名）";
    ErrReport => "the report could not be written: {reason}", "报表无法写出：{reason}";
    ErrClosed => "the book is closed: Outpost is quitting", "账簿已关闭：Outpost 正在退出";
    ErrWrongPassphrase => "wrong passphrase: the book stays locked", "密码错误：账簿仍保持锁定";
    ErrKeyringUnavailable => "the keys of this book are kept in the system keyring, which cannot be reached ({reason}): log in to the desktop session, or restore this device from a backup", "此账簿的密钥保存在系统钥匙环中，但无法访问（{reason}）：请登录桌面会话，或从备份恢复本设备";
    ErrKeyringKeyMissing => "the system keyring no longer holds the key of this book: restore this device from a backup", "系统钥匙环中已没有此账簿的密钥：请从备份恢复本设备";
    ErrBackupUnusable => "the backup {path} would not restore: {unsigned} changes without a valid signature, {incomplete} documents incomplete", "备份 {path} 无法用于恢复：{unsigned} 项更改签名缺失或无效，{incomplete} 个文档不完整";
    ErrPassphrasesDiffer => "the two passphrases differ; nothing changed", "两次输入的密码不一致，未做更改";
    ErrPassphraseEmpty => "the new passphrase is empty; nothing changed (to remove it: --none)", "新密码为空，未做更改（如需取消密码：--none）";
    ErrPassphraseFileOpen => "the passphrase file {path} may be read by other users: make it private (chmod 600)", "密码文件 {path} 可被其他用户读取：请设为仅本人可读（chmod 600）";
    ErrBookKeyWrong => "the book {path} cannot be read with this key (a wrong key, or not an Outpost book)", "无法用此密钥读取账簿 {path}（密钥错误，或不是 Outpost 账簿）";
    ErrLocked => "data dir {dir} is in use by another Outpost process", "数据目录 {dir} 正被另一个 Outpost 进程使用";
    ErrFile => "cannot access {path}: {reason}", "无法访问 {path}：{reason}";
    ErrNotSetUp => "this device has no organisation yet: create one or join with an invite", "本设备还没有组织：请创建组织或用邀请码加入";
    ErrAlreadySetUp => "this device already belongs to an organisation", "本设备已经属于一个组织";
    ErrBusy => "the book is being opened or set up; try again in a moment", "账本正在打开或设置，请稍候再试";
    ErrLine => "line {line}: {reason}", "第 {line} 行：{reason}";
    ErrStopped => "the background task stopped: {reason}", "后台任务已停止：{reason}";
    ErrNotInitialised => "this data dir holds no book yet; run `outpost init` first", "此数据目录还没有账簿，请先运行 `outpost init`";
    ErrAlreadyInitialised => "this data dir already holds the book of organisation {org}", "此数据目录已有组织 {org} 的账簿";
    ErrNotFound => "unknown {kind} {key}", "找不到{kind} {key}";
    ErrDuplicate => "{kind} {key} already exists", "{kind} {key} 已存在";
    ErrInvalid => "invalid {field} {value}: {rule}", "{field}无效（{value}）：{rule}";
    RuleEmpty => "must not be empty", "不能为空";
    RuleTooLong => "has more than {max} characters", "超过 {max} 个字符";
    RuleControl => "contains control characters", "含有控制字符";
    RuleRange => "must be {min} to {max}", "应在 {min} 到 {max} 之间";
    RuleNegative => "must not be negative", "不能为负数";
    RuleFormat => "expected a value like {example}", "格式应如 {example}";
    RuleOneOf => "expected one of: {choices}", "应为以下之一：{choices}";
    RuleSameWarehouse => "source and destination are the same", "调出与调入仓库相同";
    RuleNothing => "nothing to change", "没有要修改的内容";
    RuleExhausted => "no free code is left", "没有可用的代码";
    RuleFuture => "must be in the future", "必须是将来的时间";
    ErrTransition => "order {number} is {status}; it cannot be {action}", "订单 {number} 当前为{status}，不能{action}";
    ErrFrozen => "order {number} is no longer a draft; its lines and parties are frozen", "订单 {number} 已不是草稿，明细与往来单位已锁定";
    ErrEmptyOrder => "order {number} has no lines", "订单 {number} 没有明细";
    ErrStock => "not enough {sku} in {warehouse}: {available} on hand, {requested} requested", "{warehouse} 的 {sku} 库存不足：现有 {available}，需要 {requested}";
    ErrWrongSite => "this device belongs to site {own}; it cannot record for site {other}", "本设备属于站点 {own}，不能为站点 {other} 登记";
    ErrBundle => "not a valid Outpost bundle: {reason}", "不是有效的 Outpost 数据包：{reason}";
    ErrOrgMismatch => "the bundle belongs to organisation {found}; this book is organisation {expected}", "该数据包属于组织 {found}，本账簿属于组织 {expected}";
    ErrCorrupt => "document {doc} is damaged: {reason}", "文档 {doc} 已损坏：{reason}";
    ErrNoConflict => "no open conflict on {record} field {field}", "{record} 的字段 {field} 没有未解决的冲突";
    ErrNoChoice => "choice {choice} is not among the {count} values of this conflict", "选项 {choice} 不在该冲突的 {count} 个值中";
    ErrSchema => "the database has schema version {found}; this build supports up to {supported}", "数据库结构版本为 {found}，本程序最高支持 {supported}";
    ErrSchemaOld => "the book has layout version {found}, made before changes were signed; this build opens version {supported}: start a new data dir and join the organisation again", "账本结构版本为 {found}，早于变更签名；本程序打开版本 {supported}：请新建数据目录并重新加入组织";
    ErrWrongKey => "the book belongs to device {device}, not to the key that opens it", "账本属于设备 {device}，与打开它的密钥不符";
    ErrNotAdmitted => "this device is not a member of the organisation in the bundle: an admin must admit its join request and send the bundle made for it", "数据包中的组织未将本设备列为成员：需由管理员接纳本设备的加入申请，并发回为其生成的数据包";
    ErrInternal => "internal error: {reason}", "内部错误：{reason}";
    ErrNotPermitted => "a {role} may not change {doc}", "角色 {role} 无权修改 {doc}";
    ErrAddress => "not a peer address: {addr}", "不是有效的节点地址：{addr}";
    ErrNetworkRunning => "the network is running already", "网络已在运行";
    ErrNoAnswer => "the node serving this data dir did not answer: {reason}", "服务此数据目录的节点没有应答：{reason}";
    ErrTimeout => "timed out waiting for {what}", "等待超时：{what}";
    ErrNoBackupPassphrase => "no backup passphrase is set: set one first (outpost backup passphrase, or in Settings); a backup opens only with it", "尚未设置备份密码：请先设置（outpost backup passphrase，或在设置中）；备份只能用它打开";
    ErrBackupPassphraseNeeded => "this backup is encrypted: give its backup passphrase (typed, or in OUTPOST_BACKUP_PASSPHRASE)", "此备份已加密：请提供备份密码（输入，或通过 OUTPOST_BACKUP_PASSPHRASE）";
    ErrWrongBackupPassphrase => "wrong backup passphrase: nothing was read from the backup", "备份密码错误：未从备份读取任何内容";
    ErrNotABackup => "{path} is not an Outpost backup (a bundle? a device starts from a bundle with init --join-bundle)", "{path} 不是 Outpost 备份（是数据包吗？新设备可用 init --join-bundle 从数据包开始）";
    ErrBundleNotForThisDevice => "{path} is sealed for other members: this device may not read everything in it (ask for one made --for this device)", "{path} 是为其他成员加密的：本设备无权读取其中全部内容（请对方用 --for 为本设备生成）";
    ErrBundlePassphraseNeeded => "this bundle is sealed with a passphrase: give it (typed, or in OUTPOST_BUNDLE_PASSPHRASE)", "此数据包用密码加密：请提供密码（输入，或通过 OUTPOST_BUNDLE_PASSPHRASE）";
    ErrWrongBundlePassphrase => "wrong bundle passphrase: nothing was imported", "数据包密码错误：未导入任何内容";
    ErrUnbalanced => "debits {debit} and credits {credit} differ: a journal entry must balance", "借方 {debit} 与贷方 {credit} 不等：凭证必须借贷平衡";
    ErrAlreadyReversed => "journal entry {number} is reversed already by {by}", "凭证 {number} 已被 {by} 冲销";
    ErrRevoked => "device {device} is revoked: nothing is written for it", "设备 {device} 已被撤销：不再为其生成任何内容";
    ErrCatchingUp => "this device was restored from a backup and has not yet heard from another office about {doc}: connect to HQ or another office once (it may have written there after the backup)", "本设备从备份恢复，尚未从其他办公室获知 {doc} 的最新内容：请先连接一次总部或其他办公室（备份之后本设备可能在此写入过）";
    ErrNoBackupFolder => "no backup folder given, and no earlier backup to take it from", "未指定备份文件夹，也没有以前的备份可沿用";
    BackupWritten => "Backup written to {file} ({bytes} bytes).", "备份已写入 {file}（{bytes} 字节）。";
    ErrBench => "benchmark step failed: {reason}", "基准测试步骤失败：{reason}";
    ErrInviteRefused => "invite refused: {reason}", "邀请被拒绝：{reason}";
    ErrInviteCode => "malformed invite code: {reason}", "邀请码格式错误：{reason}";
    ErrUnreachable => "no inviting node answered ({reason}); is it running?", "没有邀请节点应答（{reason}）；它在运行吗？";
    ErrNetwork => "network error: {reason}", "网络错误：{reason}";
    RefusalExpired => "the invite expired; ask an admin for a new one", "邀请码已过期，请向管理员索取新的邀请码";
    RefusalUsed => "the invite was used already; ask an admin for a new one", "邀请码已被使用，请向管理员索取新的邀请码";
    RefusalUnknown => "the answering node does not know this invite", "应答的节点不认识此邀请码";
    RefusalOther => "{reason}", "{reason}";
    ErrorPrefix => "error", "错误";
}
