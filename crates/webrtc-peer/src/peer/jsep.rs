//! JSEP commands of the Peer (RFC 8829 §4.1): offers, answers, descriptions, trickle.

use super::*;

impl Peer {
    /// RFC 8829 §5.2: an offer with one BUNDLEd transport: our media sections (Opus, VP8),
    /// the data-channel section, our ICE credentials, fingerprint, `a=setup:actpass` and the
    /// candidates gathered so far. A subsequent offer (§5.2.2, renegotiation) keeps every
    /// m-line, mid and the ICE credentials and appends sections for tracks added since.
    pub fn create_offer(&mut self) -> Result<Description, Error> {
        self.check_open()?;
        if self.signaling != SignalingState::Stable {
            return Err(Error::InvalidState("create_offer needs the stable state"));
        }
        self.ensure_ice(true)?;
        self.offerer = Some(true);
        let mut next = self
            .mline_order
            .iter()
            .filter_map(|m| m.parse::<u32>().ok())
            .max()
            .map_or(0, |m| m + 1);
        let mut fresh = |order: &mut Vec<String>| {
            while order.contains(&next.to_string()) {
                next += 1; // the peer's mids need not be numbers
            }
            let mid = next.to_string();
            next += 1;
            order.push(mid.clone());
            mid
        };
        for i in 0..self.tracks.len() {
            if self.tracks[i].mid.is_some() {
                continue;
            }
            let mid = fresh(&mut self.mline_order);
            let codec = self.tracks[i].codec;
            self.tracks[i].mid = Some(mid.clone());
            self.sections
                .push(MediaSection::offered(mid, codec, Some(TrackId(i as u32))));
        }
        if self.data_mid.is_none() {
            self.data_mid = Some(fresh(&mut self.mline_order));
        }
        self.pump();
        Ok(Description::offer(self.build(SdpType::Offer)))
    }

    /// RFC 8829 §5.3: an answer to the remote offer: its data m-section accepted, other
    /// m-sections rejected (port 0), `a=setup:active` (or `passive` against an active offer).
    pub fn create_answer(&mut self) -> Result<Description, Error> {
        self.check_open()?;
        if self.signaling != SignalingState::HaveRemoteOffer {
            return Err(Error::InvalidState("create_answer needs a remote offer"));
        }
        self.negotiate_answer_media();
        self.pump();
        Ok(Description::answer(self.build(SdpType::Answer)))
    }

    /// Applies a description this peer created (munging is not supported: the text is not
    /// re-read).
    pub fn set_local_description(&mut self, desc: &Description) -> Result<(), Error> {
        self.check_open()?;
        match (desc.kind, self.signaling) {
            (SdpType::Offer, SignalingState::Stable) if self.offerer == Some(true) => {
                self.signaling = SignalingState::HaveLocalOffer;
            }
            (SdpType::Answer, SignalingState::HaveRemoteOffer) => {
                self.signaling = SignalingState::Stable;
            }
            _ => return Err(Error::InvalidState("set_local_description")),
        }
        self.local_kind = Some(desc.kind);
        if desc.kind == SdpType::Answer {
            self.announce_remote_tracks();
        }
        self.pump();
        Ok(())
    }

    /// Applies the peer's description: ICE credentials and candidates, fingerprints (checked
    /// by DTLS, fail closed), `a=setup` (deciding our DTLS role), the data m-section.
    pub fn set_remote_description(&mut self, desc: &Description) -> Result<(), Error> {
        self.check_open()?;
        let remote = parse_remote(&desc.sdp)?;
        let role = match (desc.kind, self.signaling) {
            (SdpType::Offer, SignalingState::Stable) => {
                // RFC 8842 §5.2: the answerer picks; we prefer active (DTLS client) as
                // Chromium does, and passive against an active offerer. A subsequent offer
                // keeps the established role (RFC 8842 §5.5).
                match (remote.setup, self.dtls_role) {
                    (Setup::Holdconn, _) => return Err(Error::Description("a=setup:holdconn")),
                    (Setup::Active, Some(Role::Client)) | (Setup::Passive, Some(Role::Server)) => {
                        return Err(Error::Description("a=setup would change the DTLS role"));
                    }
                    (_, Some(r)) => r,
                    (Setup::Active, None) => Role::Server,
                    (Setup::Actpass | Setup::Passive, None) => Role::Client,
                }
            }
            (SdpType::Answer, SignalingState::HaveLocalOffer) => match remote.setup {
                Setup::Active => Role::Server,
                Setup::Passive => Role::Client,
                // RFC 8842 §5.3: an answer must not say actpass.
                Setup::Actpass | Setup::Holdconn => {
                    return Err(Error::Description(
                        "answer with a=setup:actpass or holdconn",
                    ));
                }
            },
            _ => return Err(Error::InvalidState("set_remote_description")),
        };
        if self.dtls_role.is_some_and(|r| r != role) {
            return Err(Error::Description("a=setup would change the DTLS role"));
        }
        // JSEP §5.8/§5.9: a subsequent description keeps every m-line in order.
        let order: Vec<String> = remote.mlines.iter().map(|m| m.mid.clone()).collect();
        if !order.starts_with(&self.mline_order) {
            return Err(Error::Description("m-lines removed or reordered"));
        }
        if desc.kind == SdpType::Offer {
            self.ensure_ice(false)?;
            self.offerer = Some(false);
            self.signaling = SignalingState::HaveRemoteOffer;
            if self.data_mid.is_none() {
                self.data_mid = remote.data.as_ref().map(|d| d.mid.clone());
            }
            self.mline_order = order;
        } else {
            self.signaling = SignalingState::Stable;
            // RFC 8829 §5.10: sections the answer rejected carry nothing.
            for sec in &mut self.sections {
                sec.rejected = remote
                    .mlines
                    .iter()
                    .find(|m| m.mid == sec.mid)
                    .is_none_or(|m| m.rejected);
            }
            self.apply_answer_media(&remote);
        }
        self.learn_remote_ssrcs(&remote);
        let agent = self.ice.as_mut().expect("invariant: agent created above");
        agent.set_remote_credentials(&remote.ufrag, &remote.pwd);
        if remote.ice_lite {
            agent.set_remote_lite(true);
        }
        for c in &remote.candidates {
            // Candidates beyond the agent's bounds are refused and counted there.
            let _ = agent.add_remote_candidate(c.clone());
        }
        for (name, port) in &remote.mdns {
            let _ = agent.add_remote_mdns_candidate(name, *port);
        }
        if remote.end_of_candidates {
            agent.set_remote_end_of_candidates();
        }
        self.dtls_role = Some(role);
        self.remote = Some(remote);
        if desc.kind == SdpType::Answer {
            self.announce_remote_tracks();
        }
        self.pump();
        Ok(())
    }

    /// Adds a trickled remote candidate (`candidate:...` text, RFC 8838 §4.3); an empty
    /// string means end-of-candidates.
    pub fn add_ice_candidate(&mut self, candidate: &str) -> Result<(), Error> {
        self.check_open()?;
        let agent = self.ice.as_mut().ok_or(Error::InvalidState(
            "add_ice_candidate before a description",
        ))?;
        if candidate.trim().is_empty() {
            agent.set_remote_end_of_candidates();
        } else {
            let c = strata_sdp::Candidate::parse(candidate)?;
            match crate::jsep::ice_candidate(&c) {
                Ok(Some(c)) => agent.add_remote_candidate(c)?,
                Ok(None) => {}
                Err(name) => agent.add_remote_mdns_candidate(&name, c.port)?,
            }
        }
        self.pump();
        Ok(())
    }

    /// The current local description, rebuilt with every candidate gathered so far (what a
    /// non-trickle application sends once [`Event::IceGatheringComplete`] came).
    pub fn local_description(&self) -> Option<Description> {
        let kind = self.local_kind?;
        Some(Description {
            kind,
            sdp: self.build(kind),
        })
    }

    fn build(&self, kind: SdpType) -> String {
        let agent = self
            .ice
            .as_ref()
            .expect("invariant: agent exists once JSEP started");
        let creds = agent.local_credentials();
        let candidates: Vec<_> = agent
            .local_candidates()
            .filter(|c| c.kind != strata_ice::CandidateKind::PeerReflexive)
            .cloned()
            .collect();
        let setup = match (kind, self.dtls_role) {
            (SdpType::Offer, _) => Setup::Actpass,
            (SdpType::Answer, Some(Role::Server)) => Setup::Passive,
            (SdpType::Answer, _) => Setup::Active,
        };
        let p = LocalParams {
            session_id: self.session_id,
            session_version: self.session_version,
            ufrag: &creds.ufrag,
            pwd: &creds.pwd,
            fingerprint: &self.fingerprint,
            setup,
            candidates: &candidates,
            gathering_complete: self.gathering_complete,
            sctp_port: self.config.sctp_port,
            max_message_size: self.config.max_message_size,
            sections: &self.sections,
            tracks: &self.tracks,
            data_mid: self.data_mid.as_deref(),
            order: &self.mline_order,
        };
        match (kind, &self.remote) {
            (SdpType::Answer, Some(r)) if self.offerer == Some(false) => p.answer(r),
            _ => p.offer(),
        }
    }

    fn ensure_ice(&mut self, controlling: bool) -> Result<(), Error> {
        if self.ice.is_some() {
            return Ok(());
        }
        let mut cfg = self.config.ice.clone();
        cfg.controlling = controlling;
        cfg.seed = Some(seed32(&mut self.rng));
        cfg.stun_servers
            .extend(self.config.stun_servers.iter().copied());
        for (addr, user, pass) in &self.config.turn_servers {
            cfg = cfg.with_turn_server(*addr, user, pass);
        }
        cfg.relay_only |= self.config.relay_only;
        let mut agent = Agent::new(cfg, self.now);
        for a in &self.config.host_addrs {
            agent.add_local_host(*a)?;
        }
        self.ice = Some(agent);
        Ok(())
    }
}
