//! Round-trip laws and robustness: `parse(emit(m)) == m` for messages with every attribute
//! kind, canonical bytes reproduce, and arbitrary bytes never panic.

use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use strata_stun::credentials::IntegrityKey;
use strata_stun::{
    AddressFamily, AttrType, AttrTypeList, Attribute, ChannelData, ChannelDataRepr, ChannelNumber,
    Class, ErrorCode, Message, MessageBuilder, MessageRepr, Method, PasswordAlgorithm,
    PasswordAlgorithmList, TransactionId,
};

/// An attribute with owned data, turned into a borrowed [`Attribute`] for encoding.
#[derive(Debug, Clone)]
enum Owned {
    Addr(u8, SocketAddr),
    Text(u8, String),
    Bytes(u16, Vec<u8>),
    U32(u8, u32),
    U64(bool, u64),
    Flag(bool),
    Error(bool, u8, u16, String),
    Userhash([u8; 32]),
    Token([u8; 8]),
    Family(bool, u8),
    EvenPort(bool),
    Transport(u8),
    Channel(u16),
    Algorithm(u16, Vec<u8>),
    Algorithms(Vec<u8>),
    Unknowns(Vec<u8>),
    Icmp(u8, u8, u32),
}

impl Owned {
    fn attr(&self) -> Attribute<'_> {
        match self {
            Owned::Addr(k, a) => match k % 5 {
                0 => Attribute::MappedAddress(*a),
                1 => Attribute::XorMappedAddress(*a),
                2 => Attribute::AlternateServer(*a),
                3 => Attribute::XorPeerAddress(*a),
                _ => Attribute::XorRelayedAddress(*a),
            },
            Owned::Text(k, s) => match k % 5 {
                0 => Attribute::Username(s),
                1 => Attribute::Realm(s),
                2 => Attribute::Nonce(s),
                3 => Attribute::Software(s),
                _ => Attribute::AlternateDomain(s),
            },
            Owned::Bytes(t, v) if *t == 0 => Attribute::Data(v),
            // Unknown types of both comprehension ranges, kept verbatim.
            Owned::Bytes(t, v) => Attribute::Unknown {
                typ: AttrType(*t),
                value: v,
            },
            Owned::U32(k, v) => match k % 2 {
                0 => Attribute::Priority(*v),
                _ => Attribute::Lifetime(*v),
            },
            Owned::U64(c, v) if *c => Attribute::IceControlling(*v),
            Owned::U64(_, v) => Attribute::IceControlled(*v),
            Owned::Flag(u) if *u => Attribute::UseCandidate,
            Owned::Flag(_) => Attribute::DontFragment,
            Owned::Error(addr, class, num, reason) => {
                let code = ErrorCode(u16::from(3 + class % 4) * 100 + num % 100);
                if *addr {
                    Attribute::AddressErrorCode {
                        family: AddressFamily::IPV6,
                        code,
                        reason,
                    }
                } else {
                    Attribute::ErrorCode { code, reason }
                }
            }
            Owned::Userhash(h) => Attribute::Userhash(*h),
            Owned::Token(t) => Attribute::ReservationToken(*t),
            Owned::Family(req, f) if *req => Attribute::RequestedAddressFamily(AddressFamily(*f)),
            Owned::Family(_, f) => Attribute::AdditionalAddressFamily(AddressFamily(*f)),
            Owned::EvenPort(r) => Attribute::EvenPort(*r),
            Owned::Transport(p) => Attribute::RequestedTransport(*p),
            Owned::Channel(n) => Attribute::ChannelNumber(ChannelNumber(*n)),
            Owned::Algorithm(a, p) => Attribute::PasswordAlgorithm {
                algorithm: PasswordAlgorithm(*a),
                params: p,
            },
            Owned::Algorithms(w) => {
                Attribute::PasswordAlgorithms(PasswordAlgorithmList::from_wire(w).unwrap())
            }
            Owned::Unknowns(w) => Attribute::UnknownAttributes(AttrTypeList::from_wire(w).unwrap()),
            Owned::Icmp(t, c, d) => Attribute::Icmp {
                icmp_type: t & 0x7f,
                icmp_code: c & 0x7f,
                error_data: *d,
            },
        }
    }
}

fn socket_addr() -> impl Strategy<Value = SocketAddr> {
    prop_oneof![
        (any::<[u8; 4]>(), any::<u16>())
            .prop_map(|(ip, p)| SocketAddr::new(IpAddr::V4(Ipv4Addr::from(ip)), p)),
        (any::<[u8; 16]>(), any::<u16>())
            .prop_map(|(ip, p)| SocketAddr::new(IpAddr::V6(Ipv6Addr::from(ip)), p)),
    ]
}

fn unknown_type() -> impl Strategy<Value = u16> {
    // 0 stands for DATA; others are types this crate does not know.
    any::<u16>().prop_filter("unknown", |t| *t == 0 || !AttrType(*t).is_known())
}

fn algorithms_wire() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        (any::<u16>(), prop::collection::vec(any::<u8>(), 0..6)),
        0..4,
    )
    .prop_map(|list| {
        let mut w = Vec::new();
        for (a, p) in list {
            w.extend_from_slice(&a.to_be_bytes());
            w.extend_from_slice(&(p.len() as u16).to_be_bytes());
            w.extend_from_slice(&p);
            w.resize(w.len().next_multiple_of(4), 0);
        }
        w
    })
}

fn owned() -> impl Strategy<Value = Owned> {
    prop_oneof![
        (any::<u8>(), socket_addr()).prop_map(|(k, a)| Owned::Addr(k, a)),
        (any::<u8>(), "\\PC{0,40}").prop_map(|(k, s)| Owned::Text(k, s)),
        (unknown_type(), prop::collection::vec(any::<u8>(), 0..40))
            .prop_map(|(t, v)| Owned::Bytes(t, v)),
        (any::<u8>(), any::<u32>()).prop_map(|(k, v)| Owned::U32(k, v)),
        (any::<bool>(), any::<u64>()).prop_map(|(c, v)| Owned::U64(c, v)),
        any::<bool>().prop_map(Owned::Flag),
        (any::<bool>(), any::<u8>(), any::<u16>(), "\\PC{0,20}")
            .prop_map(|(a, c, n, r)| Owned::Error(a, c, n, r)),
        any::<[u8; 32]>().prop_map(Owned::Userhash),
        any::<[u8; 8]>().prop_map(Owned::Token),
        (any::<bool>(), any::<u8>()).prop_map(|(r, f)| Owned::Family(r, f)),
        any::<bool>().prop_map(Owned::EvenPort),
        any::<u8>().prop_map(Owned::Transport),
        any::<u16>().prop_map(Owned::Channel),
        (any::<u16>(), prop::collection::vec(any::<u8>(), 0..6))
            .prop_map(|(a, p)| Owned::Algorithm(a, p)),
        algorithms_wire().prop_map(Owned::Algorithms),
        prop::collection::vec(any::<u8>(), 0..5)
            .prop_map(|v| Owned::Unknowns(v.iter().flat_map(|b| [0, *b]).collect())),
        (any::<u8>(), any::<u8>(), any::<u32>()).prop_map(|(t, c, d)| Owned::Icmp(t, c, d)),
    ]
}

#[derive(Debug, Clone)]
struct Msg {
    class: u8,
    method: u16,
    tid: [u8; 12],
    attrs: Vec<Owned>,
    mi: Option<[u8; 20]>,
    mi256: Option<Vec<u8>>,
    fingerprint: Option<u32>,
}

fn msg() -> impl Strategy<Value = Msg> {
    (
        any::<u8>(),
        0u16..0x1000,
        any::<[u8; 12]>(),
        prop::collection::vec(owned(), 0..12),
        proptest::option::of(any::<[u8; 20]>()),
        proptest::option::of(
            (4usize..=8).prop_flat_map(|n| prop::collection::vec(any::<u8>(), n * 4)),
        ),
        proptest::option::of(any::<u32>()),
    )
        .prop_map(|(class, method, tid, attrs, mi, mi256, fingerprint)| Msg {
            class,
            method,
            tid,
            attrs,
            mi,
            mi256,
            fingerprint,
        })
}

impl Msg {
    fn repr(&self) -> MessageRepr<'_> {
        let mut attributes: Vec<Attribute<'_>> = self.attrs.iter().map(Owned::attr).collect();
        attributes.extend(self.mi.map(Attribute::MessageIntegrity));
        attributes.extend(self.mi256.as_deref().map(Attribute::MessageIntegritySha256));
        attributes.extend(self.fingerprint.map(Attribute::Fingerprint));
        MessageRepr {
            class: Class::from_bits(self.class),
            method: Method(self.method),
            transaction_id: TransactionId(self.tid),
            attributes,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parse_emit_round_trips(m in msg()) {
        let repr = m.repr();
        let mut buf = Vec::new();
        let len = repr.emit(&mut buf).unwrap();
        prop_assert_eq!(len, buf.len());
        let view = Message::new_checked(&buf[..]).unwrap();
        let parsed = MessageRepr::parse(&view).unwrap();
        prop_assert_eq!(&parsed, &repr);
        // And canonical bytes reproduce: emit(parse(b)) == b.
        let mut again = Vec::new();
        parsed.emit(&mut again).unwrap();
        prop_assert_eq!(again, buf);
    }

    #[test]
    fn computed_tags_verify(m in msg(), key in prop::collection::vec(any::<u8>(), 0..70)) {
        let mut buf = Vec::new();
        let mut b = MessageBuilder::new(&mut buf, Class::from_bits(m.class), Method(m.method), TransactionId(m.tid));
        for a in &m.attrs {
            b.add(&a.attr());
        }
        b.message_integrity(&key).message_integrity_sha256(&key).fingerprint();
        b.finish().unwrap();
        let view = Message::new_checked(&buf[..]).unwrap();
        prop_assert!(view.verify_integrity(&key).is_ok());
        prop_assert!(view.verify_integrity_sha256(&key).is_ok());
        prop_assert!(view.verify_fingerprint().is_ok());
        // A prepared key computes and checks the very same tags.
        let prepared = IntegrityKey::new(&key);
        prop_assert!(view.verify_integrity_with(&prepared).is_ok());
        prop_assert!(view.verify_integrity_sha256_with(&prepared).is_ok());
        let mut again = Vec::new();
        let mut b = MessageBuilder::new(&mut again, Class::from_bits(m.class), Method(m.method), TransactionId(m.tid));
        for a in &m.attrs {
            b.add(&a.attr());
        }
        b.message_integrity_with(&prepared).message_integrity_sha256_with(&prepared).fingerprint();
        b.finish().unwrap();
        prop_assert_eq!(&again, &buf);
        // And a different key fails both.
        let mut other = key.clone();
        other.push(1);
        prop_assert!(view.verify_integrity_with(&IntegrityKey::new(&other)).is_err());
        prop_assert!(view.verify_integrity_sha256(&other).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..300)) {
        exercise(&data);
    }

    #[test]
    fn mutated_messages_never_panic(m in msg(), flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..6)) {
        let mut buf = Vec::new();
        m.repr().emit(&mut buf).unwrap();
        for (i, x) in flips {
            let n = buf.len();
            buf[i % n] ^= x;
        }
        exercise(&buf);
    }

    #[test]
    fn channel_data_round_trips(n in 0x4000u16..=0x4fff, data in prop::collection::vec(any::<u8>(), 0..100), padded: bool) {
        let r = ChannelDataRepr { channel: ChannelNumber(n), data: &data };
        let mut buf = vec![0; r.buffer_len(padded)];
        r.emit(&mut buf, padded).unwrap();
        let v = ChannelData::new_checked(&buf[..]).unwrap();
        prop_assert_eq!(ChannelDataRepr::parse(&v), r);
    }
}

fn exercise(data: &[u8]) {
    if let Ok(m) = Message::new_checked(data) {
        let _ = m.message_type();
        let _ = m.attributes().count();
        let _ = m.unknown_required().count();
        let _ = m.verify_integrity(b"k");
        let _ = m.verify_integrity_sha256(b"k");
        let _ = m.verify_fingerprint();
        if let Ok(r) = MessageRepr::parse(&m) {
            let mut out = Vec::new();
            r.emit(&mut out).expect("a parsed message re-encodes");
            let again = Message::new_checked(&out[..]).expect("re-encoding parses");
            assert_eq!(MessageRepr::parse(&again).unwrap(), r);
        }
    }
    if let Ok(c) = ChannelData::new_checked(data) {
        let _ = c.data();
    }
    let server = strata_stun::BindingServer {
        fingerprint: true,
        ..Default::default()
    };
    let _ = server.respond("127.0.0.1:1".parse().unwrap(), data, &mut Vec::new());
}
