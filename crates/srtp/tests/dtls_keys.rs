//! Keys from DTLS-SRTP keying material (RFC 5764 §4.2).

use strata_srtp::{Config, Context, Error, Profile, ProtectionProfileId, Role, Session};

#[test]
fn rfc5764_4_2_layout_client_key_server_key_client_salt_server_salt() {
    for profile in [Profile::AesCm128HmacSha1_80, Profile::AeadAes256Gcm] {
        let (k, s) = (profile.master_key_len(), profile.master_salt_len());
        let material: Vec<u8> = (0..Session::keying_material_len(profile) as u8).collect();
        assert_eq!(material.len(), 2 * (k + s));
        let mut client =
            Session::from_dtls(profile, &material, Role::Client, Config::default()).unwrap();
        // Hand-built contexts from the four slices.
        let mut server_rx = Context::new(
            profile,
            &material[..k],
            &material[2 * k..2 * k + s],
            Config::default(),
        )
        .unwrap();
        let mut client_rx = Context::new(
            profile,
            &material[k..2 * k],
            &material[2 * k + s..],
            Config::default(),
        )
        .unwrap();
        let plain = vec![0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 1, 2, 3];
        let mut p = plain.clone();
        client.outbound.protect_rtp(&mut p).unwrap();
        server_rx.unprotect_rtp(&mut p).unwrap();
        assert_eq!(p, plain);
        let mut server =
            Session::from_dtls(profile, &material, Role::Server, Config::default()).unwrap();
        let mut p = plain.clone();
        server.outbound.protect_rtp(&mut p).unwrap();
        let mut q = p.clone();
        client_rx.unprotect_rtp(&mut p).unwrap();
        assert_eq!(p, plain);
        client.inbound.unprotect_rtp(&mut q).unwrap();
        assert_eq!(q, plain);
    }
}

#[test]
fn keying_material_length_is_checked() {
    let profile = Profile::AeadAes128Gcm;
    assert_eq!(Session::keying_material_len(profile), 56);
    assert_eq!(
        Session::keying_material_len(Profile::AesCm128HmacSha1_80),
        60
    );
    assert_eq!(
        Session::from_dtls(profile, &[0; 55], Role::Client, Config::default()).err(),
        Some(Error::KeyingMaterialLength)
    );
}

#[test]
fn dtls_profile_ids_round_trip() {
    for profile in Profile::ALL {
        if let Some(id) = profile.id() {
            assert_eq!(Profile::from_id(id), Some(profile));
        }
    }
    assert_eq!(
        Profile::from_id(ProtectionProfileId(0x0007)),
        Some(Profile::AeadAes128Gcm)
    );
    assert_eq!(Profile::from_id(ProtectionProfileId(0x1234)), None);
}
