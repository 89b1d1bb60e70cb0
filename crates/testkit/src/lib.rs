//! Test support shared by Strata's crates (not published): the real programs our interop
//! tests run against, started on 127.0.0.1 and removed again on drop. Missing programs make
//! the test fail (never skip) with a message naming `cargo xtask setup`.

use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The long-term credentials coturn is started with.
pub const USER: &str = "test";
/// See [`USER`].
pub const PASSWORD: &str = "secret";
/// See [`USER`].
pub const REALM: &str = "strata.test";

/// A coturn (`turnserver`) process on 127.0.0.1 and its scratch directory, both removed on
/// drop.
pub struct Coturn {
    child: Child,
    dir: PathBuf,
    /// Where it listens (UDP).
    pub addr: SocketAddr,
}

impl Coturn {
    /// Starts coturn on a free port with long-term credentials ([`USER`], [`PASSWORD`],
    /// [`REALM`]), loopback peers allowed, and 20 relay ports from `relay_base` offset by the
    /// process id, so that parallel test binaries do not collide. `name` tells scratch
    /// directories apart; `extra` are more `turnserver` arguments.
    pub fn start(name: &str, relay_base: u16, extra: &[&str]) -> Coturn {
        let port = free_udp_port();
        let min = relay_base + (std::process::id() % 400) as u16 * 20;
        let dir = std::env::temp_dir().join(format!(
            "strata-{name}-coturn-{}-{port}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let child = Command::new("turnserver")
            .args([
                "-n",
                "--listening-ip=127.0.0.1",
                "--relay-ip=127.0.0.1",
                &format!("--listening-port={port}"),
                "--allow-loopback-peers",
                "--lt-cred-mech",
                "--fingerprint",
                &format!("--user={USER}:{PASSWORD}"),
                &format!("--realm={REALM}"),
                "--no-tls",
                "--no-dtls",
                "--no-cli",
                &format!("--min-port={min}"),
                &format!("--max-port={}", min + 19),
                "--simple-log",
                "--no-stdout-log",
            ])
            .args(extra)
            .arg(format!("--log-file={}", dir.join("turn.log").display()))
            .arg(format!("--pidfile={}", dir.join("turn.pid").display()))
            .arg(format!("--userdb={}", dir.join("turndb").display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start `turnserver` ({e}): coturn is not installed; run `cargo xtask setup` (it installs coturn)")
            });
        Coturn {
            child,
            dir,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    }

    /// Everything coturn has logged so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains("log"))
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .collect()
    }

    /// Panics, with coturn's log, if it has exited.
    pub fn check_alive(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("turnserver exited ({status}); its log:\n{}", self.log());
        }
    }
}

impl Drop for Coturn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A UDP port on 127.0.0.1 that was free a moment ago.
pub fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
