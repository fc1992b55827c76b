//! Encryption at rest of personal data (names, dates of birth, custody holders, documents).
//!
//! XChaCha20-Poly1305 with a random nonce per value. Every value records the id of the key that
//! sealed it, so keys can rotate: new values use the current key, old ones stay readable while
//! their key is configured. The case id is bound in as associated data, so a sealed value
//! cannot be moved to another case.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

const NONCE_LEN: usize = 24;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("no key with id {0:?} is configured")]
    UnknownKey(String),
    #[error("the value cannot be decrypted (wrong key, wrong case or tampered)")]
    Corrupt,
}

/// The configured keys and the one new values are sealed with.
#[derive(Clone)]
pub struct Keyring {
    current: String,
    keys: HashMap<String, XChaCha20Poly1305>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &self.current)
            .field("key_ids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Keyring {
    /// Parses `id:base64key[,id:base64key…]` (32-byte keys); `current` defaults to the first id.
    pub fn parse(spec: &str, current: Option<&str>) -> Result<Keyring, String> {
        let mut keys = HashMap::new();
        let mut first = None;
        for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (id, encoded) = entry.split_once(':').ok_or_else(|| {
                format!(
                    "entry {:?} is not id:base64key",
                    entry.split(':').next().unwrap_or("")
                )
            })?;
            let bytes = STANDARD
                .decode(encoded.trim())
                .map_err(|_| format!("key {id:?} is not base64"))?;
            if bytes.len() != 32 {
                return Err(format!(
                    "key {id:?} must be 32 bytes, it has {}",
                    bytes.len()
                ));
            }
            let cipher = XChaCha20Poly1305::new_from_slice(&bytes)
                .map_err(|_| format!("key {id:?} is unusable"))?;
            first.get_or_insert_with(|| id.to_string());
            keys.insert(id.to_string(), cipher);
        }
        let current = match current {
            Some(id) => id.to_string(),
            None => first.ok_or("no key configured")?,
        };
        if !keys.contains_key(&current) {
            return Err(format!("the current key {current:?} is not among the keys"));
        }
        Ok(Keyring { current, keys })
    }

    /// A fresh random 32-byte key, base64-encoded (for development set-ups).
    pub fn generate_key() -> String {
        STANDARD.encode(XChaCha20Poly1305::generate_key(&mut OsRng))
    }

    /// Seals `plaintext` for the case `case_id`; returns the key id and nonce‖ciphertext.
    pub fn seal(&self, case_id: uuid::Uuid, plaintext: &[u8]) -> (String, Vec<u8>) {
        let cipher = &self.keys[&self.current];
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: case_id.as_bytes(),
                },
            )
            .unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        (self.current.clone(), out)
    }

    pub fn open(
        &self,
        case_id: uuid::Uuid,
        key_id: &str,
        sealed: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let cipher = self
            .keys
            .get(key_id)
            .ok_or_else(|| CryptoError::UnknownKey(key_id.to_string()))?;
        if sealed.len() < NONCE_LEN {
            return Err(CryptoError::Corrupt);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::Corrupt)?;
        cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: body,
                    aad: case_id.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Corrupt)
    }

    /// Seals a serialisable value as JSON.
    pub fn seal_json<T: serde::Serialize>(
        &self,
        case_id: uuid::Uuid,
        value: &T,
    ) -> (String, Vec<u8>) {
        self.seal(case_id, &serde_json::to_vec(value).unwrap_or_default())
    }

    pub fn open_json<T: serde::de::DeserializeOwned>(
        &self,
        case_id: uuid::Uuid,
        key_id: &str,
        sealed: &[u8],
    ) -> Result<T, CryptoError> {
        serde_json::from_slice(&self.open(case_id, key_id, sealed)?)
            .map_err(|_| CryptoError::Corrupt)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use uuid::Uuid;

    #[test]
    fn sealed_values_open_only_for_their_case_and_key() {
        let spec = format!(
            "new:{},old:{}",
            Keyring::generate_key(),
            Keyring::generate_key()
        );
        let ring = Keyring::parse(&spec, None).unwrap();
        let case = Uuid::now_v7();
        let (kid, sealed) = ring.seal(case, b"Mia Beispiel, 2014-03-02");
        assert_eq!(kid, "new");
        assert!(
            !sealed.windows(3).any(|w| w == b"Mia"),
            "no plaintext in the sealed value"
        );
        assert_eq!(
            ring.open(case, &kid, &sealed).unwrap(),
            b"Mia Beispiel, 2014-03-02"
        );
        assert!(matches!(
            ring.open(Uuid::now_v7(), &kid, &sealed),
            Err(CryptoError::Corrupt)
        ));
        assert!(matches!(
            ring.open(case, "old", &sealed),
            Err(CryptoError::Corrupt)
        ));
        assert!(matches!(
            ring.open(case, "gone", &sealed),
            Err(CryptoError::UnknownKey(_))
        ));
        let mut tampered = sealed.clone();
        tampered[30] ^= 1;
        assert!(matches!(
            ring.open(case, &kid, &tampered),
            Err(CryptoError::Corrupt)
        ));
    }

    #[test]
    fn rotation_keeps_old_values_readable() {
        let old_key = Keyring::generate_key();
        let before = Keyring::parse(&format!("k1:{old_key}"), None).unwrap();
        let case = Uuid::now_v7();
        let (kid, sealed) = before.seal(case, b"x");
        let after = Keyring::parse(
            &format!("k2:{},k1:{old_key}", Keyring::generate_key()),
            Some("k2"),
        )
        .unwrap();
        assert_eq!(after.open(case, &kid, &sealed).unwrap(), b"x");
        assert_eq!(after.seal(case, b"y").0, "k2");
    }

    #[test]
    fn bad_key_specifications_are_refused() {
        assert!(Keyring::parse("", None).is_err());
        assert!(Keyring::parse("k1:not-base64!", None).is_err());
        assert!(Keyring::parse("k1:AAAA", None).is_err());
        assert!(Keyring::parse(&format!("k1:{}", Keyring::generate_key()), Some("k9")).is_err());
    }
}
