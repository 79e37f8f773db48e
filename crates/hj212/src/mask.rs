//! Passwords out of frames that people read. A frame shown as evidence (an alarm's or a case's
//! frames, the console, exports) must not hand the device's access password (`PW`) to every
//! reader: anyone holding it can send forged frames in the device's name. [`mask_passwords`]
//! replaces the value of `PW` and of any key ending in `PW` (`NewPW` of 1072, 设置访问密码)
//! with a fixed `******`, so not even the password's length shows. The stored frame and its
//! hash chain are untouched: this is for display only, and a masked frame no longer matches
//! its length field or CRC.

use std::borrow::Cow;

/// What a password is shown as.
pub const MASK: &str = "******";

/// `text` with every password value replaced by [`MASK`]; borrowed when there is none.
#[must_use]
pub fn mask_passwords(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    // Where the text not yet copied to `out` starts.
    let mut copied = 0;
    let mut from = 0;
    while let Some(at) = text[from..].find("PW=").map(|i| i + from) {
        // The key: the letters just before `PW=`, which must start a field.
        let key_start = bytes[..at]
            .iter()
            .rposition(|b| !b.is_ascii_alphabetic())
            .map_or(0, |i| i + 1);
        let starts_field = key_start == 0
            || matches!(bytes[key_start - 1], b';' | b'&' | b',' | b'#')
            || bytes[key_start - 1].is_ascii_digit();
        let value_start = at + 3;
        let value_end = bytes[value_start..]
            .iter()
            .position(|b| matches!(b, b';' | b',' | b'&' | b'\r' | b'\n'))
            .map_or(bytes.len(), |i| i + value_start);
        if starts_field && value_end > value_start {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..value_start]);
            o.push_str(MASK);
            copied = value_end;
        }
        from = value_end.max(value_start);
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(&text[copied..]);
            Cow::Owned(o)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked_and_nothing_else() {
        let f = "##0101QN=20240101000000000;ST=22;CN=2011;PW=123456;MN=88888880000001;Flag=5;CP=&&DataTime=20240101000000;a34004-Rtd=35&&4F40\r\n";
        assert_eq!(
            mask_passwords(f),
            f.replace("PW=123456;", "PW=******;"),
            "only the value changes"
        );
        // At the start of the data segment, in the CP (1072 sets a new password), twice.
        assert_eq!(
            mask_passwords("##0040PW=abc;CN=1072;CP=&&NewPW=secret&&"),
            "##0040PW=******;CN=1072;CP=&&NewPW=******&&"
        );
        // A longer password shows as the same six stars.
        assert_eq!(mask_passwords("PW=averyverylongone"), "PW=******");
        // Nothing to mask: borrowed; keys that merely contain PW elsewhere are left alone.
        assert!(matches!(
            mask_passwords("QN=1;CN=2011;MN=PW=x"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(mask_passwords("QN=1;CN=2011"), Cow::Borrowed(_)));
        assert_eq!(mask_passwords("a34004-XPW=5;PW=;"), "a34004-XPW=5;PW=;");
        // Multi-byte text around it stays intact.
        assert_eq!(mask_passwords("设备;PW=密码;MN=1"), "设备;PW=******;MN=1");
    }
}
