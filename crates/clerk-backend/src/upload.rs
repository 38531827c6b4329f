//! [`Upload`]: a file the Backend API takes as `multipart/form-data` (a profile image, a logo).

use std::fmt;

use bytes::Bytes;

/// A file to upload: its name, its media type and its bytes.
///
/// # Examples
///
/// ```
/// use clerk_backend::Upload;
///
/// let logo = Upload::new("logo.png", "image/png", vec![0x89, b'P', b'N', b'G']);
/// assert_eq!(logo.file_name(), "logo.png");
/// assert_eq!(format!("{logo:?}"), r#"Upload { file_name: "logo.png", content_type: "image/png", len: 4 }"#);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Upload {
    file_name: String,
    content_type: String,
    bytes: Bytes,
}

impl Upload {
    /// A file named `file_name` of media type `content_type` (`image/png`).
    pub fn new(
        file_name: impl Into<String>,
        content_type: impl Into<String>,
        bytes: impl Into<Bytes>,
    ) -> Self {
        Self {
            file_name: file_name.into(),
            content_type: content_type.into(),
            bytes: bytes.into(),
        }
    }

    /// The file's name, as sent.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The file's media type, as sent.
    pub fn content_type(&self) -> &str {
        &self.content_type
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }
}

/// The bytes stay out of logs: only their length shows.
impl fmt::Debug for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upload")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}
