//! `Content-Disposition: attachment` with a file name (RFC 6266): the name as a quoted ASCII
//! `filename`, and, when that had to change it, the exact name as `filename*` in UTF-8,
//! percent-encoded (RFC 8187). Nothing of the name can end the header or the quoted string: a
//! quote, a backslash, CR, LF or any other control character never appears raw.

/// The header value for a download named `name`.
pub fn attachment(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if fallback == name {
        return format!("attachment; filename=\"{fallback}\"");
    }
    format!(
        "attachment; filename=\"{fallback}\"; filename*=UTF-8''{}",
        percent_encode(name)
    )
}

/// RFC 8187's `value-chars`: `attr-char`s as they are, every other byte as `%XX`.
fn percent_encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        let attr_char = byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte);
        if attr_char {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_name_is_only_quoted() {
        assert_eq!(
            attachment("fithub-ada.jsonl"),
            "attachment; filename=\"fithub-ada.jsonl\""
        );
    }

    #[test]
    fn other_names_get_an_ascii_fallback_and_their_utf8_form() {
        assert_eq!(
            attachment("fithub-zoë.jsonl"),
            "attachment; filename=\"fithub-zo_.jsonl\"; filename*=UTF-8''fithub-zo%C3%AB.jsonl"
        );
        let hostile = attachment("a\"; x=\r\nSet-Cookie: y\\.jsonl");
        assert_eq!(
            hostile,
            "attachment; filename=\"a_; x=__Set-Cookie: y_.jsonl\"; \
             filename*=UTF-8''a%22%3B%20x%3D%0D%0ASet-Cookie%3A%20y%5C.jsonl"
        );
        assert!(axum::http::HeaderValue::from_str(&hostile).is_ok());
    }
}
