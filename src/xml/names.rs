//! XML characters and names, and .NET's `XmlConvert.EncodeName` / `DecodeName`, which
//! turn any JSON property name into an XML name (`ro ot` ↔ `ro_x0020_ot`).

/// Is `c` a character XML 1.0 allows in a document?
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Can `c` start a name (XML 1.0 fifth edition, without the colon)?
pub(crate) fn is_name_start_char(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

/// Can `c` appear after the first character of a name (without the colon)?
pub(crate) fn is_name_char(c: char) -> bool {
    is_name_start_char(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// Is `s` a name without colons (an `NCName`)?
pub(crate) fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(is_name_start_char) && chars.all(is_name_char)
}

/// Is `s` a name that may contain colons (an XML `Name`, as DOCTYPE and PI targets are)?
pub(crate) fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c == ':' || is_name_start_char(c))
        && chars.all(|c| c == ':' || is_name_char(c))
}

/// Is `s` whitespace as XML defines it (space, tab, CR, LF), and nothing else?
pub(crate) fn is_xml_whitespace(s: &str) -> bool {
    s.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

/// The length of an `_xHHHH_` or `_xHHHHHHHH_` escape starting at `i`, if there is one.
fn escape_at(chars: &[char], i: usize) -> Option<usize> {
    if chars.get(i) != Some(&'_') || !matches!(chars.get(i + 1), Some('x' | 'X')) {
        return None;
    }
    let hex =
        |from: usize, n: usize| (from..from + n).all(|j| chars.get(j).is_some_and(|c| c.is_ascii_hexdigit()));
    if hex(i + 2, 4) && chars.get(i + 6) == Some(&'_') {
        Some(7)
    } else if hex(i + 2, 8) && chars.get(i + 10) == Some(&'_') {
        Some(11)
    } else {
        None
    }
}

/// Converts a name to a valid XML name as `XmlConvert.EncodeName` does: a character that
/// may not appear where it stands becomes `_xHHHH_` (`_xHHHHHHHH_` beyond the BMP), and an
/// underscore that would otherwise read as the start of such an escape becomes `_x005F_`.
/// Colons are kept. Character classes follow XML 1.0 fifth edition; .NET uses the older
/// fourth-edition tables, which differ only for rare non-ASCII characters.
pub(crate) fn encode_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len());
    for (i, &c) in chars.iter().enumerate() {
        // .NET's pattern is `(?<=_)[Xx](hex{4}|hex{8})_`: the underscore before it is escaped.
        let escapes_underscore = escape_at(&chars, i).is_some();
        let valid = if i == 0 { c == ':' || is_name_start_char(c) } else { c == ':' || is_name_char(c) };
        // UTF-16 surrogate pairs are never valid in .NET's fourth-edition tables.
        let valid = valid && (c as u32) < 0x10000;
        if valid && !escapes_underscore {
            out.push(c);
        } else if (c as u32) < 0x10000 {
            out.push_str(&format!("_x{:04X}_", c as u32));
        } else {
            out.push_str(&format!("_x{:08X}_", c as u32));
        }
    }
    out
}

/// Reverses [`encode_name`] as `XmlConvert.DecodeName` does: every `_xHHHH_` or
/// `_xHHHHHHHH_` becomes its character. An escape that names no character (a lone
/// surrogate, or a value beyond U+10FFFF) stays as it is.
pub(crate) fn decode_name(name: &str) -> String {
    if !name.contains('_') {
        return name.to_string();
    }
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len());
    let mut i = 0;
    while i < chars.len() {
        if let Some(len) = escape_at(&chars, i) {
            let hex: String = chars[i + 2..i + len - 1].iter().collect();
            let decoded = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
            // .NET decodes the long form only for supplementary-plane characters.
            let decoded = decoded.filter(|c| len == 7 || (*c as u32) >= 0x10000);
            if let Some(c) = decoded {
                out.push(c);
                i += len;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_names_as_dotnet_does() {
        for (name, encoded) in [
            ("root", "root"),
            ("ro ot", "ro_x0020_ot"),
            ("ro>ot", "ro_x003E_ot"),
            ("#comment", "_x0023_comment"),
            ("1abc", "_x0031_abc"),
            ("a1", "a1"),
            ("ro:ot", "ro:ot"),
            ("ro\"ot", "ro_x0022_ot"),
            ("a_x0020_b", "a_x005F_x0020_b"),
            ("_x0041_", "_x005F_x0041_"),
            ("_x12", "_x12"),
            ("é", "é"),
            ("😀", "_x0001F600_"),
            ("-a", "_x002D_a"),
            ("a-b.c", "a-b.c"),
            ("", ""),
        ] {
            assert_eq!(encode_name(name), encoded, "{name}");
        }
    }

    #[test]
    fn decodes_names_as_dotnet_does() {
        for (encoded, name) in [
            ("ro_x0020_ot", "ro ot"),
            ("_x0023_comment", "#comment"),
            ("a_x005F_x0020_b", "a_x0020_b"),
            ("_X0041_", "A"),
            ("_x0001F600_", "😀"),
            ("_x00000041_", "_x00000041_"),
            ("_xD800_", "_xD800_"),
            ("_x004", "_x004"),
            ("plain", "plain"),
        ] {
            assert_eq!(decode_name(encoded), name, "{encoded}");
        }
        for name in ["a b", "#x", "1", "_x0020_", "x:y z", "ü ö"] {
            assert_eq!(decode_name(&encode_name(name)), name);
        }
    }

    #[test]
    fn character_classes() {
        assert!(is_ncname("a-b.c_d"));
        assert!(!is_ncname("a:b"));
        assert!(!is_ncname("1a"));
        assert!(!is_ncname(""));
        assert!(is_name("a:b"));
        assert!(is_xml_char('\n'));
        assert!(!is_xml_char('\u{1}'));
        assert!(!is_xml_char('\u{FFFE}'));
        assert!(is_xml_whitespace(" \t\r\n"));
        assert!(!is_xml_whitespace(" a "));
    }
}
