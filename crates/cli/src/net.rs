//! Network flags shared by the subcommands, turned into a peer `Config`.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use clap::Args;
use webrtc_peer::Config;

/// `--bind`, `--ice-server`, `--relay-only`.
#[derive(Args, Debug, Clone)]
pub struct NetArgs {
    /// Local address for host candidates (nothing else is gathered).
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// STUN or TURN server: `stun:HOST:PORT` or `turn:USER:PASS@HOST:PORT` (repeatable).
    #[arg(long = "ice-server")]
    pub ice_servers: Vec<String>,
    /// Use relayed candidates only (W3C iceTransportPolicy "relay").
    #[arg(long)]
    pub relay_only: bool,
}

fn resolve(hostport: &str) -> Result<SocketAddr, String> {
    hostport
        .to_socket_addrs()
        .map_err(|e| format!("{hostport}: {e}"))?
        .find(SocketAddr::is_ipv4)
        .ok_or_else(|| format!("{hostport}: no IPv4 address"))
}

impl NetArgs {
    /// The peer configuration these flags describe.
    pub fn config(&self) -> Result<Config, String> {
        let mut c = Config::default();
        for s in &self.ice_servers {
            if let Some(hp) = s.strip_prefix("stun:") {
                c = c.with_stun_server(resolve(hp)?);
            } else if let Some(rest) = s.strip_prefix("turn:") {
                let (cred, hp) = rest
                    .rsplit_once('@')
                    .ok_or_else(|| format!("{s}: expected turn:USER:PASS@HOST:PORT"))?;
                let (user, pass) = cred
                    .split_once(':')
                    .ok_or_else(|| format!("{s}: expected turn:USER:PASS@HOST:PORT"))?;
                c.turn_servers
                    .push((resolve(hp)?, user.to_owned(), pass.to_owned()));
            } else {
                return Err(format!("{s}: expected stun: or turn:"));
            }
        }
        c.relay_only = self.relay_only;
        c.unix_time = unix_now();
        Ok(c)
    }
}

/// Seconds since the epoch, for certificate validity.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
