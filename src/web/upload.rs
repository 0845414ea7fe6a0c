//! Reading upload forms: one file, or text fields with several files. Size limits are checked
//! chunk by chunk while reading, so an oversized file is refused without being held in memory;
//! fields the form does not expect are refused too.

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

/// Reads a form with text fields and any number of files in field `file_field` (empty file
/// inputs are skipped): (text fields in order, (file name, bytes) per file). Each file is
/// limited to `max_each` bytes, checked while reading; at most `max_files` are read.
///
/// # Errors
/// See [`UploadError`]; more than `max_files` files count as too large.
pub async fn fields_and_files(
    mp: &mut Multipart,
    file_field: &str,
    max_each: usize,
    max_files: usize,
) -> Result<(Vec<(String, String)>, Vec<(String, Vec<u8>)>), UploadError> {
    let (mut fields, mut files) = (Vec::new(), Vec::new());
    loop {
        let mut f = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Ok((fields, files)),
            Err(_) => return Err(UploadError::Broken),
        };
        let name = f.name().unwrap_or("").to_owned();
        if name == file_field {
            let file_name = f.file_name().unwrap_or("").to_owned();
            let mut bytes = Vec::new();
            loop {
                match f.chunk().await {
                    Ok(Some(chunk)) => {
                        if bytes.len() + chunk.len() > max_each {
                            return Err(UploadError::TooLarge);
                        }
                        bytes.extend_from_slice(&chunk);
                    }
                    Ok(None) => break,
                    Err(_) => return Err(UploadError::Broken),
                }
            }
            if !bytes.is_empty() {
                if files.len() == max_files {
                    return Err(UploadError::TooLarge);
                }
                files.push((file_name, bytes));
            }
        } else if f.file_name().is_some() {
            return Err(UploadError::UnexpectedField);
        } else {
            let text = f.text().await.map_err(|_| UploadError::Broken)?;
            fields.push((name, text));
        }
    }
}
