//! Page structs of transfers.

use askama::Template;

use crate::web::layout::PageCtx;

use super::model::Transfer;

/// The list.
#[derive(Template)]
#[template(path = "transfers/list.html")]
pub struct ListPage {
    /// Shared page data.
    pub page: PageCtx,
    /// Transfers shown.
    pub items: Vec<Transfer>,
    /// Showing all (not only open ones).
    pub all: bool,
    /// Today, for overdue letters.
    pub today: time::Date,
}

impl ListPage {
    /// A letter past its validity without a 回执.
    #[must_use]
    pub fn late(&self, t: &Transfer) -> bool {
        t.overdue(self.today)
    }
}

/// Start a transfer for a member.
#[derive(Template)]
#[template(path = "transfers/new.html")]
pub struct NewPage {
    /// Shared page data.
    pub page: PageCtx,
    /// Member id and name.
    pub member_id: i64,
    /// Member name.
    pub member_name: String,
    /// Current branch.
    pub org_name: String,
    /// Possible receiving branches.
    pub destinations: Vec<(i64, String)>,
    /// Default validity.
    pub valid_days: u32,
    /// Default 党费交至.
    pub month: String,
    /// Error.
    pub error: Option<String>,
}

/// One transfer.
#[derive(Template)]
#[template(path = "transfers/show.html")]
pub struct ShowPage {
    /// Shared page data.
    pub page: PageCtx,
    /// The transfer.
    pub t: Transfer,
    /// The caller acts for the sending side.
    pub sending: bool,
    /// The caller acts for the receiving side.
    pub receiving: bool,
    /// Today.
    pub today: String,
    /// Overdue letter.
    pub overdue: bool,
}

/// The printable 介绍信.
#[derive(Template)]
#[template(path = "transfers/letter.html")]
pub struct LetterPage {
    /// Shared page data.
    pub page: PageCtx,
    /// The transfer.
    pub t: Transfer,
    /// Member facts printed on the letter.
    pub member: crate::members::model::Member,
    /// 年龄 on the day it is printed.
    pub age: i32,
    /// 公民身份号码: whole for the issuing officers, masked otherwise.
    pub id_number: String,
    /// The organisation whose seal the letter carries.
    pub seal: String,
    /// Verification address.
    pub verify_url: String,
}

/// The public verification page.
#[derive(Template)]
#[template(path = "transfers/verify.html")]
pub struct VerifyPage {
    /// The letter, if the code is genuine.
    pub t: Option<Transfer>,
    /// Masked 身份证号.
    pub id_masked: String,
    /// Valid today.
    pub valid: bool,
    /// Asset version.
    pub v: &'static str,
}
