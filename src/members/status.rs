//! 党籍状态 and the events that move a record between them (MGMT-02…05, DEV-20/22, VOTE-01).
//! No IO.

use serde::Serialize;

/// 党籍状态.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 正常.
    Normal,
    /// 停止党籍.
    Stopped,
    /// 已转出 (left this system by transfer).
    TransferredOut,
    /// 已出党 (除名, 开除, 退党 …).
    Left,
    /// 已去世.
    Deceased,
    /// 已取消预备党员资格 (DEV-22): the person never became a 正式党员.
    Cancelled,
}

impl Status {
    /// Every status.
    pub const ALL: [Status; 6] = [
        Self::Normal,
        Self::Stopped,
        Self::TransferredOut,
        Self::Left,
        Self::Deceased,
        Self::Cancelled,
    ];
    /// Code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Stopped => "stopped",
            Self::TransferredOut => "transferred_out",
            Self::Left => "left",
            Self::Deceased => "deceased",
            Self::Cancelled => "cancelled",
        }
    }
    /// Chinese name.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Normal => "正常",
            Self::Stopped => "停止党籍",
            Self::TransferredOut => "已转出",
            Self::Left => "已出党",
            Self::Deceased => "已去世",
            Self::Cancelled => "已取消预备党员资格",
        }
    }
    /// Parses a code.
    #[must_use]
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
    /// Still on the branch's books (counted, listed by default).
    #[must_use]
    pub fn on_books(self) -> bool {
        matches!(self, Self::Normal | Self::Stopped)
    }
}

/// Something that happened to a member's 党籍 or organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// 建档登记: an existing member entered into Zhibu.
    #[default]
    Register,
    /// 发展: accepted as 预备党员 (DEV-20: dated by the 党员大会).
    Develop,
    /// 转入 from outside Zhibu.
    TransferIn,
    /// 转正: dated by the 党员大会 that decided it; the record's 转正日期 is the end of
    /// probation (DEV-25).
    Convert,
    /// 延长预备期 by 6–12 months, once (DEV-22).
    Extend,
    /// 取消预备党员资格 (DEV-22).
    Cancel,
    /// Moved between branches inside Zhibu.
    Move,
    /// 转出 to outside Zhibu.
    TransferOut,
    /// 留党察看 for one or two years: the member keeps 党籍 but has no vote (VOTE-01).
    Observe,
    /// 停止党籍 (MGMT-02/04).
    Stop,
    /// 恢复党籍 (MGMT-05).
    Restore,
    /// 出党 (除名, 开除党籍, 退党).
    Leave,
    /// 去世.
    Death,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 13] = [
        Self::Register,
        Self::Develop,
        Self::TransferIn,
        Self::Convert,
        Self::Extend,
        Self::Cancel,
        Self::Move,
        Self::TransferOut,
        Self::Observe,
        Self::Stop,
        Self::Restore,
        Self::Leave,
        Self::Death,
    ];
    /// Code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Develop => "develop",
            Self::TransferIn => "transfer_in",
            Self::Convert => "convert",
            Self::Extend => "extend",
            Self::Cancel => "cancel",
            Self::Move => "move",
            Self::TransferOut => "transfer_out",
            Self::Observe => "observe",
            Self::Stop => "stop",
            Self::Restore => "restore",
            Self::Leave => "leave",
            Self::Death => "death",
        }
    }
    /// Chinese name.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Register => "建档登记",
            Self::Develop => "发展入党",
            Self::TransferIn => "转入",
            Self::Convert => "转正",
            Self::Extend => "延长预备期",
            Self::Cancel => "取消预备党员资格",
            Self::Move => "支部调整",
            Self::TransferOut => "转出",
            Self::Observe => "留党察看",
            Self::Stop => "停止党籍",
            Self::Restore => "恢复党籍",
            Self::Leave => "出党",
            Self::Death => "去世",
        }
    }
    /// Parses a code.
    #[must_use]
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
    /// Kinds that start a record.
    #[must_use]
    pub fn is_entry(self) -> bool {
        matches!(self, Self::Register | Self::Develop | Self::TransferIn)
    }
    /// Kinds an officer records on an existing record from the member page. Moves and
    /// transfers go through the transfer procedure instead.
    pub const RECORDABLE: [EventKind; 8] = [
        Self::Convert,
        Self::Extend,
        Self::Cancel,
        Self::Observe,
        Self::Stop,
        Self::Restore,
        Self::Leave,
        Self::Death,
    ];
    /// Kinds that only apply to a 预备党员 (DEV-20/22).
    #[must_use]
    pub fn probation_only(self) -> bool {
        matches!(self, Self::Convert | Self::Extend | Self::Cancel)
    }
    /// Kinds that need a length in months: an extension of 6–12 (DEV-22), 留党察看 of 12 or
    /// 24 (党章 Art. 40).
    #[must_use]
    pub fn months_allowed(self) -> Option<&'static [u8]> {
        match self {
            Self::Extend => Some(&[6, 7, 8, 9, 10, 11, 12]),
            Self::Observe => Some(&[12, 24]),
            _ => None,
        }
    }

    /// The status a member must have for this event, and the status after it.
    #[must_use]
    pub fn transition(self, from: Status) -> Option<Status> {
        use Status::{Cancelled, Deceased, Left, Normal, Stopped, TransferredOut};
        match (self, from) {
            (Self::Convert | Self::Extend | Self::Observe, Normal) | (Self::Restore, Stopped) => {
                Some(Normal)
            }
            (Self::Cancel, Normal) => Some(Cancelled),
            (Self::Move, Normal | Stopped) => Some(from),
            (Self::TransferOut, Normal) => Some(TransferredOut),
            (Self::Stop, Normal) => Some(Stopped),
            (Self::Leave, Normal | Stopped) => Some(Left),
            (Self::Death, Normal | Stopped) => Some(Deceased),
            _ => None,
        }
    }
}
