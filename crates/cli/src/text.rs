//! Reading text files of unknown encoding: Chinese CSVs come as UTF-8 (with or without a BOM)
//! or GBK/GB18030.

use std::borrow::Cow;

/// Decodes bytes: UTF-8 when they are valid UTF-8 (a BOM is dropped), else GB18030 (a superset
/// of GBK). Returns the text and the encoding's name.
pub(crate) fn decode(bytes: &[u8]) -> (Cow<'_, str>, &'static str) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => (Cow::Borrowed(s), "UTF-8"),
        Err(_) => {
            let (text, _, _) = encoding_rs::GB18030.decode(bytes);
            (text, "GB18030")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_bom_and_gbk() {
        assert_eq!(decode("海门".as_bytes()), (Cow::Borrowed("海门"), "UTF-8"));
        assert_eq!(decode(b"\xEF\xBB\xBFcode").0, "code");
        let (gbk, _, _) = encoding_rs::GBK.encode("监测点编码,海门");
        let (text, enc) = decode(&gbk);
        assert_eq!((text.as_ref(), enc), ("监测点编码,海门", "GB18030"));
    }
}
