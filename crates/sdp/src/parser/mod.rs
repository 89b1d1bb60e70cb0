//! The line-level parser: splits lines, enforces RFC 8866 §5 order, dispatches values to
//! the grammar in [`attr`], and applies the strict or lenient policy.

pub(crate) mod attr;

use crate::attribute::{Attribute, Scope, scope_of};
use crate::error::{ErrorKind, ParseError};
use crate::model::{MediaDescription, Origin, SessionDescription, Timing};

/// How to treat lines that are wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Any invalid line is an error.
    #[default]
    Strict,
    /// Invalid attribute lines are skipped and reported as warnings, as browsers do;
    /// unknown line types are kept; out-of-order and missing lines are tolerated where the
    /// model can still hold the description. Malformed `o=`, `c=`, `b=`, `t=`, `m=` lines
    /// are still errors.
    Lenient,
}

/// Result of a parse: the description and, in lenient mode, what was skipped or tolerated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The description.
    pub description: SessionDescription,
    /// Problems tolerated in lenient mode (always empty in strict mode).
    pub warnings: Vec<ParseError>,
}

struct State {
    mode: Mode,
    warnings: Vec<ParseError>,
    line: usize,
    /// Rank of the last line in the current section, for the order check.
    last_rank: u8,
    // Session fields not in the final struct until the end.
    seen_v: bool,
    origin: Option<Origin>,
    session_name: Option<String>,
    sd: SessionDescription,
    /// Payload types of the current m= line, as a 128-bit set.
    pts: [u64; 2],
    /// Non-blank lines seen so far.
    count: usize,
    /// Line number of each m= line, for errors found after the section ends.
    media_lines: Vec<usize>,
}

impl State {
    /// A problem: an error in strict mode, a warning in lenient mode.
    fn soft(&mut self, kind: ErrorKind) -> Result<(), ParseError> {
        let e = ParseError::new(self.line, kind);
        match self.mode {
            Mode::Strict => Err(e),
            Mode::Lenient => {
                self.warnings.push(e);
                Ok(())
            }
        }
    }

    fn hard(&self, kind: ErrorKind) -> ParseError {
        ParseError::new(self.line, kind)
    }

    fn in_media(&self) -> bool {
        !self.sd.media.is_empty()
    }

    fn attrs(&mut self) -> &mut Vec<Attribute> {
        match self.sd.media.last_mut() {
            Some(m) => &mut m.attributes,
            None => &mut self.sd.attributes,
        }
    }
}

// RFC 8866 §5 wants v o s first and a= after the other fields. The order among the other
// fields (c before t, ...) is widely ignored by real generators, so it is not enforced;
// each single-occurrence line is still checked for duplicates.
fn session_rank(c: u8) -> Option<u8> {
    Some(match c {
        b'v' => 0,
        b'o' => 1,
        b's' => 2,
        b'i' | b'u' | b'e' | b'p' | b'c' | b'b' | b't' | b'r' | b'z' | b'k' => 3,
        b'a' => 4,
        _ => return None,
    })
}

fn media_rank(c: u8) -> Option<u8> {
    Some(match c {
        b'i' | b'c' | b'b' | b'k' => 1,
        b'a' => 2,
        _ => return None,
    })
}

const KNOWN_LETTERS: &[u8] = b"vosiuepcbtrzkam";

pub(crate) fn parse(input: &str, mode: Mode) -> Result<Parsed, ParseError> {
    let mut st = State {
        mode,
        warnings: Vec::new(),
        line: 0,
        last_rank: 0,
        seen_v: false,
        origin: None,
        session_name: None,
        sd: SessionDescription {
            origin: Origin::jsep(0, 0),
            session_name: String::new(),
            session_info: None,
            uri: None,
            emails: Vec::new(),
            phones: Vec::new(),
            connection: None,
            bandwidths: Vec::new(),
            timings: Vec::new(),
            time_zones: None,
            encryption_key: None,
            attributes: Vec::new(),
            media: Vec::new(),
        },
        pts: [0; 2],
        count: 0,
        media_lines: Vec::new(),
    };
    let mut pending_blank: Option<usize> = None;
    let mut any = false;
    for (idx, raw) in input.split('\n').enumerate() {
        st.line = idx + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.is_empty() {
            // Only a final line end is normal; a blank line before more content is not.
            pending_blank.get_or_insert(st.line);
            continue;
        }
        if let Some(b) = pending_blank.take() {
            let here = st.line;
            st.line = b;
            st.soft(ErrorKind::BlankLine)?;
            st.line = here;
        }
        any = true;
        st.count += 1;
        line_(&mut st, line)?;
    }
    if !any {
        return Err(ParseError::new(0, ErrorKind::Empty));
    }
    st.line = 0;
    if !st.seen_v {
        st.soft(ErrorKind::MissingLine(b'v'))?;
    }
    let Some(origin) = st.origin.take() else {
        return Err(ParseError::new(0, ErrorKind::MissingLine(b'o')));
    };
    let session_name = match st.session_name.take() {
        Some(s) => s,
        None => {
            st.soft(ErrorKind::MissingLine(b's'))?;
            String::new()
        }
    };
    if st.sd.timings.is_empty() {
        st.soft(ErrorKind::MissingLine(b't'))?;
    }
    // RFC 8866 §5.7: a c= line at session level or in every m-section.
    if st.sd.connection.is_none() {
        let lines = std::mem::take(&mut st.media_lines);
        for (i, line) in lines.into_iter().enumerate() {
            if st.sd.media[i].connection.is_none() {
                st.line = line;
                st.soft(ErrorKind::MissingLine(b'c'))?;
            }
        }
    }
    let mut sd = st.sd;
    sd.origin = origin;
    sd.session_name = session_name;
    Ok(Parsed {
        description: sd,
        warnings: st.warnings,
    })
}

fn line_(st: &mut State, line: &str) -> Result<(), ParseError> {
    let b = line.as_bytes();
    if b.len() < 2 || b[1] != b'=' || !b[0].is_ascii_lowercase() {
        // Not even `x=`: nothing sensible to keep.
        return st.soft(ErrorKind::NotATypeValueLine);
    }
    let letter = b[0];
    let value = &line[2..];
    if !KNOWN_LETTERS.contains(&letter) {
        st.soft(ErrorKind::UnknownLineType(letter))?;
        st.attrs().push(Attribute::UnknownLine {
            letter,
            value: value.to_owned(),
        });
        return Ok(());
    }
    // Order (RFC 8866 §5): v must be first.
    if !st.seen_v && letter != b'v' {
        st.seen_v = true; // report once
        st.soft(ErrorKind::MissingLine(b'v'))?;
    }
    if letter == b'm' {
        return media_line(st, value);
    }
    let in_media = st.in_media();
    let rank = if in_media {
        media_rank(letter)
    } else {
        session_rank(letter)
    };
    let Some(rank) = rank else {
        // A session-only line inside an m-section: cannot be placed.
        return st.soft(ErrorKind::OutOfOrder(letter));
    };
    if rank < st.last_rank {
        st.soft(ErrorKind::OutOfOrder(letter))?;
    } else if rank == st.last_rank && rank < 3 && st.count > 1 && !in_media {
        // A second v, o or s.
        return st.soft(ErrorKind::Duplicate(letter));
    }
    st.last_rank = st.last_rank.max(rank);
    match letter {
        b'v' => {
            st.seen_v = true;
            if value != "0" {
                return Err(st.hard(ErrorKind::UnsupportedVersion));
            }
        }
        b'o' => {
            let (o, ok) = attr::origin(value).ok_or(st.hard(ErrorKind::Malformed("o=")))?;
            if !ok {
                st.soft(ErrorKind::AddressTypeMismatch)?;
            }
            if st.origin.is_none() {
                st.origin = Some(o);
            }
        }
        b's' => {
            if st.session_name.is_none() {
                st.session_name = Some(value.to_owned());
            }
        }
        b'i' => {
            return once(st, letter, slot_i, value.to_owned());
        }
        b'u' => {
            return once(st, letter, |sd| &mut sd.uri, value.to_owned());
        }
        b'e' => st.sd.emails.push(value.to_owned()),
        b'p' => st.sd.phones.push(value.to_owned()),
        b'c' => {
            let (c, ok) = attr::connection(value).ok_or(st.hard(ErrorKind::Malformed("c=")))?;
            if !ok {
                st.soft(ErrorKind::AddressTypeMismatch)?;
            }
            return once(st, letter, slot_c, c);
        }
        b'b' => {
            let bw = attr::bandwidth(value).ok_or(st.hard(ErrorKind::Malformed("b=")))?;
            match st.sd.media.last_mut() {
                Some(m) => m.bandwidths.push(bw),
                None => st.sd.bandwidths.push(bw),
            }
        }
        b't' => {
            let (start, stop) = attr::timing(value).ok_or(st.hard(ErrorKind::Malformed("t=")))?;
            st.sd.timings.push(Timing {
                start,
                stop,
                repeats: Vec::new(),
            });
        }
        b'r' => match st.sd.timings.last_mut() {
            Some(t) => t.repeats.push(value.to_owned()),
            None => return st.soft(ErrorKind::OutOfOrder(b'r')),
        },
        b'z' => {
            return once(st, letter, |sd| &mut sd.time_zones, value.to_owned());
        }
        b'k' => {
            return once(st, letter, slot_k, value.to_owned());
        }
        b'a' => return attribute_line(st, value),
        _ => unreachable!("invariant: letters are filtered by KNOWN_LETTERS"),
    }
    Ok(())
}

/// Fills a single-occurrence field; a second occurrence is a duplicate (lenient keeps the
/// first).
fn once<T>(
    st: &mut State,
    letter: u8,
    slot: fn(&mut SessionDescription) -> &mut Option<T>,
    v: T,
) -> Result<(), ParseError> {
    if slot(&mut st.sd).is_some() {
        return st.soft(ErrorKind::Duplicate(letter));
    }
    *slot(&mut st.sd) = Some(v);
    Ok(())
}

fn slot_i(sd: &mut SessionDescription) -> &mut Option<String> {
    match sd.media.last_mut() {
        Some(m) => &mut m.title,
        None => &mut sd.session_info,
    }
}

fn slot_c(sd: &mut SessionDescription) -> &mut Option<crate::model::Connection> {
    match sd.media.last_mut() {
        Some(m) => &mut m.connection,
        None => &mut sd.connection,
    }
}

fn slot_k(sd: &mut SessionDescription) -> &mut Option<String> {
    match sd.media.last_mut() {
        Some(m) => &mut m.encryption_key,
        None => &mut sd.encryption_key,
    }
}

fn media_line(st: &mut State, value: &str) -> Result<(), ParseError> {
    if st.origin.is_none() {
        st.soft(ErrorKind::MissingLine(b'o'))?;
    }
    let m: MediaDescription = attr::media(value).ok_or(st.hard(ErrorKind::Malformed("m=")))?;
    st.pts = [0; 2];
    for f in &m.formats {
        if let Ok(pt) = f.parse::<u8>()
            && pt < 128
        {
            st.pts[usize::from(pt >> 6)] |= 1 << (pt & 63);
        }
    }
    if st.sd.media.is_empty() && st.sd.timings.is_empty() && st.mode == Mode::Strict {
        return Err(st.hard(ErrorKind::MissingLine(b't')));
    }
    st.sd.media.push(m);
    st.media_lines.push(st.line);
    st.last_rank = 0;
    Ok(())
}

fn attribute_line(st: &mut State, value: &str) -> Result<(), ParseError> {
    let (name, val) = match value.bytes().position(|b| b == b':') {
        Some(i) => (&value[..i], Some(&value[i + 1..])),
        None => (value, None),
    };
    let a = match attr::attribute(name, val) {
        Ok(a) => a,
        Err(k) => return st.soft(k),
    };
    let in_media = st.in_media();
    let (scope, sname) = scope_of(&a);
    match (scope, in_media) {
        (Scope::Media, false) => return st.soft(ErrorKind::NotAtSessionLevel(sname)),
        (Scope::Session, true) => return st.soft(ErrorKind::NotAtMediaLevel(sname)),
        _ => {}
    }
    // rtpmap, fmtp and rtcp-fb describe formats of this m= line (RFC 8866 §6.6, §6.15,
    // RFC 4585 §4.2).
    let pt = match &a {
        Attribute::Rtpmap(r) => Some(r.payload_type),
        Attribute::Fmtp(f) => Some(f.payload_type),
        Attribute::RtcpFb(f) => f.payload_type,
        _ => None,
    };
    if let Some(pt) = pt
        && st.pts[usize::from(pt >> 6)] & (1 << (pt & 63)) == 0
    {
        return st.soft(ErrorKind::UnknownPayloadType(pt));
    }
    st.attrs().push(a);
    Ok(())
}
