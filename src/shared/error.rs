//! The failures every area's use cases share: refused by the scope, field problems, a state
//! or input problem in the user's words, or storage. Areas return [`DomainError`] (or an
//! error of their own that converts into it), the web layer maps it to a status and a stable
//! code, and message texts stay Chinese.

use serde::Serialize;

use crate::db::StoreError;

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// The object is outside the user's scope (answered as 404).
    NotFound,
    /// Visible, but this user may not do this (403).
    Forbidden,
}

/// A problem with one field, in the user's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Field key (API name).
    pub field: &'static str,
    /// The item's Chinese name.
    pub label: &'static str,
    /// What is wrong.
    pub message: String,
}

/// Failures of a use case.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// Refused by the scope.
    #[error("找不到该记录，或无权执行此操作")]
    Denied(Denial),
    /// Field problems, all of them.
    #[error("提交的内容有误：{}", .0.iter().map(|e| format!("{}：{}", e.label, e.message)).collect::<Vec<_>>().join("；"))]
    Fields(Vec<FieldError>),
    /// A state or input problem; the text is for the user.
    #[error("{0}")]
    Invalid(String),
    /// Storage failure.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DomainError {
    /// A state or input problem, in the user's words.
    #[must_use]
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }
}

impl From<Denial> for DomainError {
    fn from(d: Denial) -> Self {
        Self::Denied(d)
    }
}
