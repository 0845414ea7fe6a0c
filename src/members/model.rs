//! The basic member record and its codes.

use time::Date;

/// A new member record (validated by the caller's import or form).
#[derive(Debug, Clone)]
pub struct NewMember {
    /// Branch.
    pub org_id: i64,
    /// 党小组, optional.
    pub group_id: Option<i64>,
    /// 姓名.
    pub name: String,
    /// `male` / `female`.
    pub gender: &'static str,
    /// 公民身份号码.
    pub id_number: String,
    /// 出生日期.
    pub birth_date: Date,
    /// 民族.
    pub ethnicity: String,
    /// 学历.
    pub education: String,
    /// `full` (正式党员) or `probationary` (预备党员).
    pub category: &'static str,
    /// 入党日期.
    pub joined_on: Date,
    /// 转正日期.
    pub converted_on: Option<Date>,
    /// 工作岗位.
    pub job_title: Option<String>,
    /// 联系电话.
    pub phone: Option<String>,
}

/// Member counts of an organisation's subtree.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct MemberCounts {
    /// All members with normal status.
    pub total: i64,
    /// 正式党员.
    pub full: i64,
    /// 预备党员.
    pub probationary: i64,
}

/// A member as listed for choosing officers.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberBrief {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Category code.
    pub category: String,
}
