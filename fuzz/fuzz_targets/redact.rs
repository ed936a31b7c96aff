//! The redactor: for any secret (4 characters or more) and any text around it, no form of
//! the secret survives redaction — as written, percent-encoded, JSON-escaped or in base64.
//! Input: the secret, NUL, the text before, NUL, the text after. (A secret that is the mask,
//! `[redacted]`, is not one: `Redactor::add` ignores it.)
#![no_main]

use base64::Engine as _;
use flowexpr::runtime::Redactor;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut parts = text.splitn(3, '\0');
    let secret = parts.next().unwrap_or("");
    let (before, after) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    // The mask itself is no secret: records passed through again hold it.
    if secret.chars().count() < 4 || secret.len() > 256 || secret == "[redacted]" {
        return;
    }
    let mut r = Redactor::new();
    r.add(secret);
    let json = serde_json::to_string(secret).unwrap_or_default();
    for form in [
        secret.to_string(),
        percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC).to_string(),
        json.get(1..json.len().saturating_sub(1)).unwrap_or_default().to_string(),
        base64::engine::general_purpose::STANDARD.encode(secret),
    ] {
        let out = r.redact_text(&format!("{before}{form}{after}"));
        // The form may survive only where the surrounding text rebuilt it.
        assert!(
            !out.contains(&form)
                || before.contains(&form)
                || after.contains(&form)
                || "[redacted]".contains(form.as_str()),
            "{form:?} survives in {out:?}"
        );
    }
});
