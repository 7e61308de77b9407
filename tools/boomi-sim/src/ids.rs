//! Deterministic identifiers and the base64 the simulator needs (Basic auth and the
//! conceptual ids Boomi synthesizes from two other ids).

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A UUID-shaped id, unique per `(kind, n)`: `kind` is two hex digits naming the object
/// type, so ids of different types never collide and a reader can tell them apart.
pub(crate) fn uuid_like(kind: u8, n: u64) -> String {
    format!("{kind:02x}{:06x}-0000-4000-8000-{n:012x}", n & 0xff_ffff)
}

fn encode(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..4 {
            if i < chars {
                out.push(char::from(alphabet[((n >> (18 - 6 * i)) & 63) as usize]));
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

/// Standard base64 with padding (the alphabet of Boomi's query tokens).
pub(crate) fn base64(bytes: &[u8]) -> String {
    encode(bytes, STANDARD, true)
}

/// URL-safe base64 without padding: used for synthesized ids, which travel in URL path
/// segments, so that no proxy between client and simulator has to keep `%2F` intact.
pub(crate) fn base64_url(bytes: &[u8]) -> String {
    encode(bytes, URL_SAFE, false)
}

/// Decodes standard base64 (padding optional); `None` on any invalid input.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in text.bytes() {
        let v = STANDARD.iter().position(|&a| a == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    // A single leftover character cannot encode a byte.
    if text.len() % 4 == 1 {
        return None;
    }
    Some(out)
}

/// The conceptual id Boomi synthesizes for an object that belongs to a pair, such as the
/// schedules of a process on a runtime (`CPS` + atom + process, as Boomi's own ids are
/// built), or the attachment of a runtime to an environment.
pub(crate) fn synthesized(prefix: &str, first: &str, second: &str) -> String {
    base64_url(format!("{prefix}{first}:{second}").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for text in ["", "f", "fo", "foo", "foob", "fooba", "foobar", "BOOMI_TOKEN.ci@example.com:demo-token"] {
            let encoded = base64(text.as_bytes());
            assert_eq!(decode_base64(&encoded).as_deref(), Some(text.as_bytes()), "{text}");
        }
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(decode_base64("not base64!"), None);
        assert_eq!(decode_base64("Z"), None);
    }

    #[test]
    fn url_safe_ids_need_no_escaping() {
        let id = synthesized("CPS", "a0000001-0000-4000-8000-000000000001", "c0000001-0000-4000-8000-000000000001");
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{id}");
        assert_ne!(id, synthesized("CPS", "a0000002-0000-4000-8000-000000000002", "c0000001-0000-4000-8000-000000000001"));
    }

    #[test]
    fn uuid_like_ids_are_distinct_per_kind() {
        assert_eq!(uuid_like(0xc0, 1), "c0000001-0000-4000-8000-000000000001");
        assert_ne!(uuid_like(0xc0, 1), uuid_like(0xe0, 1));
    }
}
