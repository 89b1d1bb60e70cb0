//! The tokio driver: one `Peer`, one UDP socket, the sans-IO run loop.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;
use webrtc_peer::{Config, Description, Event, MediaKind, Peer, TrackId};

/// A peer and the socket it owns.
pub struct Driver {
    /// The sans-IO peer; give it commands between [`Driver::step`]s.
    pub peer: Peer,
    socket: UdpSocket,
    local: SocketAddr,
    buf: Vec<u8>,
}

impl Driver {
    /// Binds `bind:0` and creates a peer with that host address.
    pub async fn bind(bind: std::net::IpAddr, config: Config) -> io::Result<Self> {
        let socket = UdpSocket::bind(SocketAddr::new(bind, 0)).await?;
        let local = socket.local_addr()?;
        let peer = Peer::new(config.with_host(local), Instant::now());
        Ok(Driver {
            peer,
            socket,
            local,
            buf: vec![0; 65_536],
        })
    }

    /// Sends everything the peer has queued.
    pub async fn flush(&mut self) -> io::Result<()> {
        let now = Instant::now();
        while let Some(t) = self.peer.poll_transmit(now) {
            if let Err(e) = self.socket.send_to(&t.data, t.to).await {
                // A lost datagram is the protocols' business; an unreachable peer is not fatal.
                if e.kind() != io::ErrorKind::ConnectionRefused {
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// One turn: flush output, wait for a datagram or the peer's deadline (at most `max`),
    /// feed it in, and append the events to `events`.
    pub async fn step(&mut self, max: Duration, events: &mut Vec<Event>) -> io::Result<()> {
        self.flush().await?;
        let now = Instant::now();
        let deadline = self
            .peer
            .poll_timeout()
            .map_or(now + max, |d| d.min(now + max));
        let sleep = tokio::time::sleep_until(deadline.into());
        tokio::select! {
            r = self.socket.recv_from(&mut self.buf) => {
                match r {
                    Ok((n, from)) => {
                        let now = Instant::now();
                        let _ = self.peer.handle_datagram(now, from, self.local, &self.buf[..n]);
                        // Drain what else is waiting without sleeping, answering every few
                        // datagrams: one SACK per 64 datagrams would starve a sender that
                        // honours Max.Burst (RFC 9260 §6.1).
                        for i in 1..=64 {
                            match self.socket.try_recv_from(&mut self.buf) {
                                Ok((n, from)) => {
                                    let _ = self.peer.handle_datagram(now, from, self.local, &self.buf[..n]);
                                }
                                Err(_) => break,
                            }
                            if i % 8 == 0 {
                                self.flush().await?;
                            }
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {}
                    Err(e) => return Err(e),
                }
            }
            () = sleep => {}
        }
        let now = Instant::now();
        if self.peer.poll_timeout().is_some_and(|d| d <= now) {
            self.peer.handle_timeout(now);
        }
        while let Some(e) = self.peer.poll_event() {
            events.push(e);
        }
        Ok(())
    }

    /// Answers `offer` with one audio and one video sender named `stream_id` (each attaches to
    /// an offered section of its kind), then gathers. Returns the two tracks and the answer SDP.
    pub async fn answer_av(
        &mut self,
        offer: &str,
        stream_id: &str,
    ) -> Result<(TrackId, TrackId, String), String> {
        let err = |e: webrtc_peer::Error| e.to_string();
        self.peer
            .set_remote_description(&Description::offer(offer))
            .map_err(err)?;
        let audio = self
            .peer
            .add_track(MediaKind::Audio, stream_id)
            .map_err(err)?;
        let video = self
            .peer
            .add_track(MediaKind::Video, stream_id)
            .map_err(err)?;
        let answer = self.peer.create_answer().map_err(err)?;
        self.peer.set_local_description(&answer).map_err(err)?;
        self.gather(Duration::from_secs(5))
            .await
            .map_err(|e| e.to_string())?;
        let sdp = self
            .peer
            .local_description()
            .ok_or("no local description")?
            .sdp;
        Ok((audio, video, sdp))
    }

    /// Steps until gathering completes (immediate with host candidates only).
    pub async fn gather(&mut self, timeout: Duration) -> io::Result<()> {
        let end = Instant::now() + timeout;
        let mut events = Vec::new();
        while !self.peer.is_gathering_complete() {
            if Instant::now() > end {
                break; // send what we have
            }
            self.step(Duration::from_millis(20), &mut events).await?;
        }
        Ok(())
    }
}
