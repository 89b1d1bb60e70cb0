//! Round-trip laws on generated models and parse-never-panics on arbitrary text.

use std::net::IpAddr;

use proptest::prelude::*;
use strata_sdp::*;

fn token() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9][a-zA-Z0-9._~+-]{0,8}"
}

fn printable() -> impl Strategy<Value = String> {
    "[ -~]{0,16}"
}

fn word() -> impl Strategy<Value = String> {
    "[!-~]{1,12}"
}

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(IpAddr::from),
        any::<[u8; 16]>().prop_map(IpAddr::from),
    ]
}

fn address() -> impl Strategy<Value = Address> {
    prop_oneof![
        3 => ip().prop_map(Address::Ip),
        1 => "[a-z0-9]{1,8}(-[a-z0-9]{1,4})?\\.local".prop_map(Address::Fqdn),
    ]
}

fn decimal() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        any::<u32>().prop_map(Decimal::from_int),
        (any::<u32>(), 1u8..=9).prop_flat_map(|(i, d)| {
            (0..10u32.pow(d.into())).prop_map(move |f| Decimal::new(i, f, d).unwrap())
        }),
    ]
}

fn direction() -> impl Strategy<Value = Direction> {
    prop_oneof![
        Just(Direction::SendRecv),
        Just(Direction::SendOnly),
        Just(Direction::RecvOnly),
        Just(Direction::Inactive)
    ]
}

fn fingerprint() -> impl Strategy<Value = Fingerprint> {
    prop_oneof![
        Just(HashFunction::Sha1),
        Just(HashFunction::Sha224),
        Just(HashFunction::Sha256),
        Just(HashFunction::Sha384),
        Just(HashFunction::Sha512),
        Just(HashFunction::Md5),
        "x-[a-z0-9]{1,4}".prop_map(HashFunction::Other),
    ]
    .prop_flat_map(|hash| {
        let n = hash
            .output_len()
            .map_or(1..40usize, |n| usize::from(n)..usize::from(n) + 1);
        prop::collection::vec(any::<u8>(), n).prop_map(move |value| Fingerprint {
            hash: hash.clone(),
            value,
        })
    })
}

fn candidate() -> impl Strategy<Value = Candidate> {
    (
        "[a-zA-Z0-9+/]{1,32}",
        1u16..=999,
        prop_oneof![
            Just(Transport::UDP),
            Just(Transport::TCP),
            Just(Transport("UDP".into()))
        ],
        any::<u32>(),
        address(),
        any::<u16>(),
        prop_oneof![
            Just(CandidateType::Host),
            Just(CandidateType::Srflx),
            Just(CandidateType::Prflx),
            Just(CandidateType::Relay),
            "x[a-z]{1,5}".prop_map(CandidateType::Other),
        ],
        (
            prop::option::of(address()),
            prop::option::of(any::<u16>()),
            prop::option::of(prop_oneof![
                Just(TcpType::Active),
                Just(TcpType::Passive),
                Just(TcpType::So)
            ]),
            prop::option::of(any::<u32>()),
            prop::option::of("[a-zA-Z0-9+/]{1,8}"),
            prop::option::of(any::<u32>()),
            prop::option::of(any::<u32>()),
            prop::collection::vec(("x-[a-z]{1,6}", word()), 0..3),
        ),
    )
        .prop_map(|(f, comp, tr, prio, addr, port, kind, ext)| {
            let mut c = Candidate::new(f, comp, tr, prio, addr, port, kind);
            (
                c.related_address,
                c.related_port,
                c.tcp_type,
                c.generation,
                c.ufrag,
                c.network_id,
                c.network_cost,
                c.extensions,
            ) = ext;
            c
        })
}

fn both_level_attribute() -> impl Strategy<Value = Attribute> {
    prop_oneof![
        "[a-zA-Z0-9+/]{4,12}".prop_map(Attribute::IceUfrag),
        "[a-zA-Z0-9+/]{22,30}".prop_map(Attribute::IcePwd),
        prop::collection::vec(token(), 1..3).prop_map(Attribute::IceOptions),
        fingerprint().prop_map(Attribute::Fingerprint),
        prop_oneof![
            Just(Setup::Active),
            Just(Setup::Passive),
            Just(Setup::Actpass),
            Just(Setup::Holdconn)
        ]
        .prop_map(Attribute::Setup),
        word().prop_map(Attribute::TlsId),
        (
            prop_oneof![1u16..=255, 4096u16..=4351],
            prop::option::of(direction()),
            word(),
            prop::option::of("[!-~][ -~]{0,10}")
        )
            .prop_map(
                |(id, direction, uri, attributes)| Attribute::Extmap(Extmap {
                    id,
                    direction,
                    uri: uri.into(),
                    attributes
                })
            ),
        Just(Attribute::ExtmapAllowMixed),
        direction().prop_map(Attribute::Direction),
        Just(Attribute::EndOfCandidates),
        ("x-[a-z0-9-]{1,8}", prop::option::of(printable()))
            .prop_map(|(name, value)| Attribute::Other { name, value }),
    ]
}

fn session_attribute() -> impl Strategy<Value = Attribute> {
    prop_oneof![
        3 => both_level_attribute(),
        1 => (token(), prop::collection::vec(token(), 0..4))
            .prop_map(|(semantics, mids)| Attribute::Group(Group { semantics, mids })),
        1 => (any::<bool>(), token(), prop::collection::vec(token(), 0..3)).prop_map(
            |(space_after_colon, semantic, identifiers)| Attribute::MsidSemantic(MsidSemantic {
                space_after_colon,
                semantic,
                identifiers
            })
        ),
        1 => Just(Attribute::IceLite),
        1 => any::<u32>().prop_map(Attribute::IcePacing),
    ]
}

fn pt_attribute(pts: Vec<u8>) -> impl Strategy<Value = Attribute> {
    let pt = prop::sample::select(pts);
    prop_oneof![
        (
            pt.clone(),
            token(),
            any::<u32>(),
            prop::option::of(any::<u16>())
        )
            .prop_map(
                |(payload_type, encoding, clock_rate, channels)| Attribute::Rtpmap(Rtpmap {
                    payload_type,
                    encoding: encoding.into(),
                    clock_rate,
                    channels
                })
            ),
        (pt.clone(), "[!-~][ -~]{0,20}").prop_map(|(payload_type, parameters)| {
            Attribute::Fmtp(Fmtp {
                payload_type,
                parameters,
            })
        }),
        (
            prop::option::of(pt),
            token(),
            prop::option::of("[!-~][ -~]{0,10}")
        )
            .prop_map(|(payload_type, kind, parameter)| Attribute::RtcpFb(RtcpFb {
                payload_type,
                kind: kind.into(),
                parameter: parameter.map(Into::into),
            })),
    ]
}

fn media_attribute(pts: Vec<u8>) -> BoxedStrategy<Attribute> {
    let rid_id = "[a-zA-Z0-9_-]{1,6}";
    let sc_list = prop::collection::vec(
        prop::collection::vec(
            (rid_id, any::<bool>()).prop_map(|(id, paused)| SimulcastRid { id, paused }),
            1..3,
        ),
        1..3,
    );
    let base = prop_oneof![
        3 => both_level_attribute(),
        1 => token().prop_map(Attribute::Mid),
        1 => (any::<u32>(), "[a-z][a-z-]{0,6}", prop::option::of(printable()))
            .prop_map(|(ssrc, attribute, value)| Attribute::Ssrc(Ssrc { ssrc, attribute: attribute.into(), value })),
        1 => (token(), prop::collection::vec(any::<u32>(), 0..4))
            .prop_map(|(semantics, ssrcs)| Attribute::SsrcGroup(SsrcGroup { semantics, ssrcs })),
        1 => (token(), prop::option::of(token()))
            .prop_map(|(stream_id, track_id)| Attribute::Msid(Msid { stream_id, track_id })),
        1 => (rid_id, any::<bool>(), prop::option::of(word())).prop_map(|(id, send, params)| {
            Attribute::Rid(Rid { id, direction: if send { RidDirection::Send } else { RidDirection::Recv }, params })
        }),
        1 => (sc_list.clone(), prop::option::of(sc_list)).prop_map(|(send, recv)| {
            Attribute::Simulcast(Simulcast { send, recv: recv.unwrap_or_default() })
        }),
        1 => any::<u16>().prop_map(Attribute::SctpPort),
        1 => any::<u64>().prop_map(Attribute::MaxMessageSize),
        1 => (any::<u16>(), token(), prop::option::of(any::<u32>()))
            .prop_map(|(port, protocol, streams)| Attribute::Sctpmap(Sctpmap { port, protocol, streams })),
        1 => word().prop_map(Attribute::SctpInit),
        2 => candidate().prop_map(|c| Attribute::Candidate(Box::new(c))),
        1 => Just(Attribute::BundleOnly),
        1 => Just(Attribute::IceMismatch),
        1 => Just(Attribute::RtcpMux),
        1 => Just(Attribute::RtcpMuxOnly),
        1 => Just(Attribute::RtcpRsize),
        1 => decimal().prop_map(Attribute::Ptime),
        1 => decimal().prop_map(Attribute::Maxptime),
        1 => decimal().prop_map(Attribute::Framerate),
        1 => (any::<u16>(), prop::option::of(ip())).prop_map(|(port, ip)| Attribute::Rtcp(Rtcp {
            port, address: ip.map(|ip| (AddrType::of(ip), Address::Ip(ip)))
        })),
    ];
    if pts.is_empty() {
        base.boxed()
    } else {
        prop_oneof![5 => base, 2 => pt_attribute(pts)].boxed()
    }
}

fn connection() -> impl Strategy<Value = Connection> {
    (
        ip(),
        prop::option::of(any::<u8>()),
        prop::option::of(any::<u32>()),
    )
        .prop_map(|(ip, ttl, count)| {
            let mut c = Connection::new(ip);
            if ip.is_ipv4() {
                c.ttl = ttl;
                c.count = if ttl.is_some() { count } else { None };
            } else {
                c.count = count;
            }
            c
        })
}

fn bandwidth() -> impl Strategy<Value = Bandwidth> {
    (token().prop_map(|t| t.replace(':', "")), any::<u64>())
        .prop_filter("non-empty", |(k, _)| !k.is_empty())
        .prop_map(|(kind, value)| Bandwidth { kind, value })
}

fn media() -> impl Strategy<Value = MediaDescription> {
    (
        prop_oneof![
            Just(MediaType::Audio),
            Just(MediaType::Video),
            Just(MediaType::Application),
            "x[a-z]{1,5}".prop_map(MediaType::Other)
        ],
        any::<u16>(),
        prop::option::of(any::<u16>()),
        "[A-Z]{1,4}(/[A-Z]{1,5}){0,3}".prop_map(std::borrow::Cow::<str>::Owned),
        prop::collection::vec(
            prop_oneof![3 => (0u8..128).prop_map(|p| p.to_string()), 1 => word()]
                .prop_map(std::borrow::Cow::<str>::Owned),
            1..6,
        ),
        prop::option::of(printable()),
        prop::option::of(connection()),
        prop::collection::vec(bandwidth(), 0..2),
        prop::option::of(printable()),
    )
        .prop_flat_map(
            |(media, port, port_count, protocol, formats, title, connection, bandwidths, key)| {
                let pts: Vec<u8> = formats
                    .iter()
                    .filter_map(|f| f.parse().ok())
                    .filter(|p| *p < 128)
                    .collect();
                prop::collection::vec(media_attribute(pts), 0..12).prop_map(move |attributes| {
                    MediaDescription {
                        media: media.clone(),
                        port,
                        port_count,
                        protocol: protocol.clone(),
                        formats: formats.clone(),
                        title: title.clone(),
                        connection: connection.clone(),
                        bandwidths: bandwidths.clone(),
                        encryption_key: key.clone(),
                        attributes,
                    }
                })
            },
        )
}

fn session() -> impl Strategy<Value = SessionDescription> {
    (
        ("[a-zA-Z0-9-]{1,8}", any::<u64>(), any::<u64>(), ip()),
        printable(),
        (prop::option::of(printable()), prop::option::of(printable())),
        (
            prop::collection::vec(printable(), 0..2),
            prop::collection::vec(printable(), 0..2),
        ),
        prop::option::of(connection()),
        prop::collection::vec(bandwidth(), 0..2),
        prop::collection::vec(
            (
                any::<u64>(),
                any::<u64>(),
                prop::collection::vec("[!-~][ -~]{0,10}", 0..2),
            ),
            1..3,
        ),
        (prop::option::of(word()), prop::option::of(word())),
        prop::collection::vec(session_attribute(), 0..8),
        prop::collection::vec(media(), 0..4),
    )
        .prop_map(
            |(o, s, (i, u), (e, p), c, b, t, (z, k), attributes, media)| SessionDescription {
                // RFC 8866 §5.7: c= at session level or in every m-section.
                connection: if media.iter().all(|m| m.connection.is_some()) {
                    c
                } else {
                    c.or_else(|| Some(Connection::unspecified()))
                },
                origin: Origin {
                    username: o.0,
                    session_id: o.1,
                    session_version: o.2,
                    addr_type: AddrType::of(o.3),
                    address: Address::Ip(o.3),
                },
                session_name: s,
                session_info: i,
                uri: u,
                emails: e,
                phones: p,
                bandwidths: b,
                timings: t
                    .into_iter()
                    .map(|(start, stop, repeats)| Timing {
                        start,
                        stop,
                        repeats,
                    })
                    .collect(),
                time_zones: z,
                encryption_key: k,
                attributes,
                media,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parse_of_serialize_is_identity(sd in session()) {
        let text = sd.serialize();
        let back = SessionDescription::parse(&text);
        prop_assert!(back.is_ok(), "{:?}\n{}", back.err(), text);
        let back = back.unwrap();
        prop_assert_eq!(&back, &sd);
        // And the text is canonical: writing it again gives the same bytes.
        prop_assert_eq!(back.serialize(), text);
    }

    #[test]
    fn candidate_round_trips_alone(c in candidate()) {
        let text = c.to_string();
        prop_assert_eq!(Candidate::parse(&text).unwrap(), c);
    }

    #[test]
    fn unknown_lines_survive_lenient_round_trip(
        sd in session(),
        letter in prop::sample::select(b"fghjlnqwxy".to_vec()),
        value in printable(),
    ) {
        let mut sd = sd;
        let line = Attribute::UnknownLine { letter, value };
        match sd.media.last_mut() {
            Some(m) => m.attributes.push(line),
            None => sd.attributes.push(line),
        }
        let text = sd.serialize();
        let p = SessionDescription::parse_with(&text, Mode::Lenient).unwrap();
        prop_assert_eq!(p.warnings.len(), 1);
        prop_assert_eq!(p.warnings[0].kind, ErrorKind::UnknownLineType(letter));
        prop_assert_eq!(&p.description, &sd);
        prop_assert!(SessionDescription::parse(&text).is_err());
    }

    #[test]
    fn arbitrary_text_never_panics(s in "(?s).{0,400}") {
        let _ = SessionDescription::parse(&s);
        let _ = SessionDescription::parse_with(&s, Mode::Lenient);
        let _ = Candidate::parse(&s);
    }

    #[test]
    fn sdp_like_text_never_panics(
        lines in prop::collection::vec(("[a-z]", "=", "[ -~]{0,40}"), 0..30),
    ) {
        let s: String = lines.into_iter().map(|(a, b, c)| format!("{a}{b}{c}\r\n")).collect();
        for mode in [Mode::Strict, Mode::Lenient] {
            if let Ok(p) = SessionDescription::parse_with(&s, mode) {
                // Whatever parses must survive its own round trip.
                let again = SessionDescription::parse_with(&p.description.serialize(), Mode::Lenient).unwrap();
                prop_assert_eq!(again.description, p.description);
            }
        }
    }

    #[test]
    fn mutated_browser_offer_never_panics(
        cuts in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut b = include_str!("data/chrome_offer.sdp").as_bytes().to_vec();
        for (i, byte) in cuts {
            let at = i.index(b.len());
            b[at] = byte;
        }
        let s = String::from_utf8_lossy(&b);
        for mode in [Mode::Strict, Mode::Lenient] {
            if let Ok(p) = SessionDescription::parse_with(&s, mode) {
                let again = SessionDescription::parse_with(&p.description.serialize(), Mode::Lenient).unwrap();
                prop_assert_eq!(again.description, p.description);
            }
        }
    }
}
