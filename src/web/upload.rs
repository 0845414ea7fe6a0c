//! Reading the one file of an upload form. The size limit is checked chunk by chunk while
//! reading, so an oversized file is refused without being held in memory; any other field in
//! the form is refused too.

use axum::extract::Multipart;

/// Why an upload could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadError {
    /// Larger than allowed.
    TooLarge,
    /// The body ended early or is not valid multipart.
    Broken,
    /// A field other than the file.
    UnexpectedField,
}

impl UploadError {
    /// What to tell the user on the page they return to (`too_large` names the limit), or the
    /// request error for a form that was not ours.
    ///
    /// # Errors
    /// `unexpected_field` for a foreign field.
    pub fn message(self, too_large: &str) -> Result<String, super::AppError> {
        match self {
            Self::TooLarge => Ok(too_large.to_owned()),
            Self::Broken => Ok("文件过大或上传中断，请重试".into()),
            Self::UnexpectedField => Err(super::AppError::BadRequest(
                "unexpected_field",
                "表单包含不允许提交的字段".into(),
            )),
        }
    }
}

/// Reads the file in field `name`: (file name as sent, bytes), or `None` when the form held no
/// such field.
///
/// # Errors
/// See [`UploadError`].
pub async fn single_file(
    mp: &mut Multipart,
    name: &str,
    max: usize,
) -> Result<Option<(String, Vec<u8>)>, UploadError> {
    let mut found = None;
    loop {
        match mp.next_field().await {
            Ok(Some(mut f)) if f.name() == Some(name) => {
                let file_name = f.file_name().unwrap_or("").to_owned();
                let mut bytes = Vec::new();
                loop {
                    match f.chunk().await {
                        Ok(Some(chunk)) => {
                            if bytes.len() + chunk.len() > max {
                                return Err(UploadError::TooLarge);
                            }
                            bytes.extend_from_slice(&chunk);
                        }
                        Ok(None) => break,
                        Err(_) => return Err(UploadError::Broken),
                    }
                }
                found = Some((file_name, bytes));
            }
            Ok(Some(_)) => return Err(UploadError::UnexpectedField),
            Ok(None) => return Ok(found),
            Err(_) => return Err(UploadError::Broken),
        }
    }
}
