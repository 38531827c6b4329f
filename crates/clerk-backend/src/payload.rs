//! [`Payload`]: the body of a generated call, as the shared request path sends it: JSON, or
//! `multipart/form-data` for file uploads (one encoder for every upload operation).

use bytes::{BufMut as _, Bytes, BytesMut};
use rand::distributions::{Alphanumeric, DistString as _};

use crate::clerk_client::json_body;
use crate::error::ApiResult;
use crate::upload::Upload;

/// A request body and its media type.
#[derive(Debug, Clone)]
pub(crate) struct Payload {
    /// The `Content-Type` header's value.
    pub(crate) content_type: String,
    pub(crate) bytes: Bytes,
}

/// One field of a `multipart/form-data` body: `(name, value)`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FormField<'a> {
    /// A file.
    File(&'static str, &'a Upload),
    /// A text field, left out when `None`.
    Text(&'static str, Option<&'a str>),
}

impl Payload {
    /// `value` as JSON (an object, or a slice for the bulk operations).
    pub(crate) fn json<T: serde::Serialize + ?Sized>(value: &T) -> ApiResult<Self> {
        Ok(Self {
            content_type: "application/json".to_owned(),
            bytes: json_body(&value)?,
        })
    }

    /// `fields` as `multipart/form-data` (RFC 7578), with a random boundary.
    pub(crate) fn multipart(fields: &[FormField<'_>]) -> Self {
        let boundary = format!(
            "clerk-backend-{}",
            Alphanumeric.sample_string(&mut rand::thread_rng(), 32)
        );
        Self::multipart_with(&boundary, fields)
    }

    fn multipart_with(boundary: &str, fields: &[FormField<'_>]) -> Self {
        let mut out = BytesMut::new();
        for field in fields {
            let (name, file_name, content_type, bytes) = match *field {
                FormField::File(name, upload) => (
                    name,
                    Some(upload.file_name()),
                    Some(upload.content_type()),
                    upload.bytes().as_ref(),
                ),
                FormField::Text(name, Some(text)) => (name, None, None, text.as_bytes()),
                FormField::Text(_, None) => continue,
            };
            out.put_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"",
                    quoted(name)
                )
                .as_bytes(),
            );
            if let Some(file_name) = file_name {
                out.put_slice(format!("; filename=\"{}\"", quoted(file_name)).as_bytes());
            }
            out.put_slice(b"\r\n");
            if let Some(content_type) = content_type {
                out.put_slice(format!("Content-Type: {}\r\n", quoted(content_type)).as_bytes());
            }
            out.put_slice(b"\r\n");
            out.put_slice(bytes);
            out.put_slice(b"\r\n");
        }
        out.put_slice(format!("--{boundary}--\r\n").as_bytes());
        Self {
            content_type: format!("multipart/form-data; boundary={boundary}"),
            bytes: out.freeze(),
        }
    }
}

/// A header parameter's value with `"`, CR and LF percent-encoded (RFC 7578, 4.2): a file name
/// cannot end the header or add one.
fn quoted(text: &str) -> String {
    text.replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_and_a_text_field_make_one_form_and_a_missing_text_field_is_left_out() {
        let upload = Upload::new("a\"b\r\n.png", "image/png", &b"PNG"[..]);
        let payload = Payload::multipart_with(
            "XX",
            &[
                FormField::Text("uploader_user_id", Some("user_1")),
                FormField::Text("absent", None),
                FormField::File("file", &upload),
            ],
        );
        assert_eq!(payload.content_type, "multipart/form-data; boundary=XX");
        assert_eq!(
            std::str::from_utf8(&payload.bytes).expect("text"),
            "--XX\r\nContent-Disposition: form-data; name=\"uploader_user_id\"\r\n\r\nuser_1\r\n\
             --XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a%22b%0D%0A.png\"\r\n\
             Content-Type: image/png\r\n\r\nPNG\r\n--XX--\r\n"
        );
    }

    #[test]
    fn json_is_sent_as_json() {
        let payload = Payload::json(&serde_json::json!({"a": 1})).expect("encodes");
        assert_eq!(payload.content_type, "application/json");
        assert_eq!(&payload.bytes[..], br#"{"a":1}"#);
    }
}
