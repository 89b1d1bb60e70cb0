//! `strata stun HOST:PORT`: the server-reflexive address, found by the ICE agent's own
//! gathering (RFC 8445 §5.1.1.2) against that one server.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

use strata_ice::{Agent, CandidateKind, Config, Event};
use tokio::net::UdpSocket;

/// Prints `mapped address: IP:PORT` (and the local one); `Err` if no answer in `timeout`.
pub async fn run(server: &str, bind: IpAddr, timeout: Duration) -> Result<SocketAddr, String> {
    let server = server
        .to_socket_addrs()
        .map_err(|e| format!("{server}: {e}"))?
        .find(|a| a.is_ipv4() == bind.is_ipv4())
        .ok_or_else(|| format!("{server}: no address of the bind family"))?;
    let socket = UdpSocket::bind(SocketAddr::new(bind, 0))
        .await
        .map_err(|e| e.to_string())?;
    // Connecting a UDP socket sends nothing; it makes the kernel pick the source address,
    // which the agent needs as its host candidate (it refuses 0.0.0.0).
    socket.connect(server).await.map_err(|e| e.to_string())?;
    let local = socket.local_addr().map_err(|e| e.to_string())?;
    let t0 = Instant::now();
    let mut agent = Agent::new(Config::default().with_stun_server(server), t0);
    agent.add_local_host(local).map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 2048];
    loop {
        let now = Instant::now();
        if now - t0 > timeout {
            return Err(format!("no answer from {server} in {timeout:?}"));
        }
        while let Some(t) = agent.poll_transmit(now) {
            socket.send(&t.data).await.map_err(|e| e.to_string())?;
        }
        while let Some(e) = agent.poll_event() {
            match e {
                Event::LocalCandidate(c) if c.kind == CandidateKind::ServerReflexive => {
                    println!("local address: {local}");
                    println!("mapped address: {}", c.addr);
                    return Ok(c.addr);
                }
                Event::GatheringComplete if agent.stats().server_reflexive_answers == 0 => {
                    return Err(format!("no answer from {server}"));
                }
                Event::GatheringComplete => {
                    // A srflx equal to the host address is pruned as redundant (RFC 8445 §5.1.3).
                    println!("local address: {local}");
                    println!("mapped address: {local} (same as local: no NAT)");
                    return Ok(local);
                }
                _ => {}
            }
        }
        let deadline = agent
            .poll_timeout()
            .map_or(now + Duration::from_millis(100), |d| {
                d.min(now + Duration::from_millis(100))
            });
        tokio::select! {
            r = socket.recv(&mut buf) => {
                if let Ok(n) = r {
                    let from = server;
                    let _ = agent.handle_packet(Instant::now(), from, local, &buf[..n]);
                }
            }
            () = tokio::time::sleep_until(deadline.into()) => {}
        }
        agent.handle_timeout(Instant::now());
    }
}
