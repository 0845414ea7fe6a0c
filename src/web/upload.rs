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
