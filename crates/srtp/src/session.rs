//! Keys from DTLS-SRTP (RFC 5764 §4.2): one context for what we send, one for what we receive.

use crate::{Config, Context, Error, Profile};

/// Our role in the DTLS handshake, which decides whose half of the keying material is ours
/// (RFC 5764 §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// DTLS client: we send with the client write key.
    Client,
    /// DTLS server: we send with the server write key.
    Server,
}

/// The two contexts of one DTLS-SRTP association.
#[derive(Debug)]
pub struct Session {
    /// Protects what we send (`protect_rtp`, `protect_rtcp`).
    pub outbound: Context,
    /// Unprotects what we receive (`unprotect_rtp`, `unprotect_rtcp`).
    pub inbound: Context,
}

impl Session {
    /// Length of the keying material to export with the label `EXTRACTOR-dtls_srtp`
    /// (RFC 5764 §4.2): 2 * (key + salt).
    pub fn keying_material_len(profile: Profile) -> usize {
        2 * (profile.master_key_len() + profile.master_salt_len())
    }

    /// RFC 5764 §4.2: splits `material` as client_write_SRTP_master_key,
    /// server_write_SRTP_master_key, client_write_SRTP_master_salt,
    /// server_write_SRTP_master_salt and builds both contexts.
    pub fn from_dtls(
        profile: Profile,
        material: &[u8],
        role: Role,
        config: Config,
    ) -> Result<Self, Error> {
        if material.len() != Self::keying_material_len(profile) {
            return Err(Error::KeyingMaterialLength);
        }
        let (k, s) = (profile.master_key_len(), profile.master_salt_len());
        let (client_key, rest) = material.split_at(k);
        let (server_key, rest) = rest.split_at(k);
        let (client_salt, server_salt) = rest.split_at(s);
        let client = Context::new(profile, client_key, client_salt, config.clone())?;
        let server = Context::new(profile, server_key, server_salt, config)?;
        Ok(match role {
            Role::Client => Session {
                outbound: client,
                inbound: server,
            },
            Role::Server => Session {
                outbound: server,
                inbound: client,
            },
        })
    }
}
