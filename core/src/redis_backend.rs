//! Redis as Bulwark's shared store sees it, whatever the topology: one server (`redis://`,
//! `rediss://` with TLS), a Redis Cluster (`redis+cluster://`) or a master found through Sentinel
//! (`redis+sentinel://`). The rate limiter, the `limits`-shaped counters and the OTP replay guard
//! all go through it, so every one of them gets the same topologies, the same TLS rules and the
//! same failure behaviour:
//!
//! - **One deadline per decision.** Connecting, the handshake, every redirect and the command
//!   itself share the store's timeout; a hung server costs one timeout, never a multiple.
//! - **A circuit breaker per server.** After `breaker_failures` consecutive failures to reach a
//!   server, calls to it fail at once for `breaker_cooldown`; then one call probes it, and its
//!   outcome closes or reopens the breaker. The caller's failure policy decides meanwhile.
//! - **TLS on rustls with aws-lc-rs**, server verified by default (the system's roots, or
//!   `ssl_ca_certs`), client certificates for mTLS; skipping verification only by a name that
//!   says it is insecure.
//! - **Cluster**: key slots computed here (every key of one decision carries the same hash tag,
//!   so one script touches one slot), `MOVED` and `ASK` followed, the slot map refreshed after a
//!   failover, a connection pool per node.
//! - **Sentinel**: the master asked of the sentinels, and asked again when it stops answering or
//!   turns into a replica (`READONLY`).
//!
//! Everything a URI or option can get wrong is refused when the store is opened, never at the
//! first request.

use crate::{Error, Result};
use redis::{Client, Connection, FromRedisValue, RedisError, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// Connections kept per server.
const POOL_MAX: usize = 16;
/// Attempts one call makes across redirects and cluster failovers, within its deadline.
const MAX_ATTEMPTS: usize = 5;
/// The most often the cluster's slot map (or Sentinel's master) is asked for again without a
/// `MOVED` that says it changed.
const REDISCOVER_EVERY: Duration = Duration::from_millis(100);
/// Redis Cluster's number of hash slots.
const SLOTS: u16 = 16384;

/// How Bulwark reaches Redis beyond the URI: TLS files and the circuit breaker. TLS settings may
/// also come from the URI's query, spelled as redis-py and `limits` spell them (`ssl_ca_certs`,
/// `ssl_certfile`, `ssl_keyfile`, `ssl_cert_reqs=required`); a setting given both ways must agree.
#[derive(Debug, Clone)]
pub struct RedisOptions {
    /// PEM file of the certificate authorities that verify the server (default: the system's).
    pub ssl_ca_certs: Option<PathBuf>,
    /// PEM client certificate chain, for servers that require mutual TLS.
    pub ssl_certfile: Option<PathBuf>,
    /// PEM private key of `ssl_certfile`.
    pub ssl_keyfile: Option<PathBuf>,
    /// Accept any server certificate (no verification at all). Insecure: for tests against
    /// throw-away servers only; the URI spells it `insecure_skip_verify=true`.
    pub insecure_skip_verify: bool,
    /// Consecutive failures to reach a server that open its circuit breaker (0: never open).
    pub breaker_failures: u32,
    /// How long an open breaker fails calls at once before one call probes the server again.
    pub breaker_cooldown: Duration,
}

impl Default for RedisOptions {
    fn default() -> Self {
        Self {
            ssl_ca_certs: None,
            ssl_certfile: None,
            ssl_keyfile: None,
            insecure_skip_verify: false,
            breaker_failures: 3,
            breaker_cooldown: Duration::from_secs(1),
        }
    }
}

impl RedisOptions {
    /// Refuses TLS settings given for a store that is not Redis (`memory://`): a setting the
    /// caller believes is in force must be.
    ///
    /// # Errors
    /// `InvalidInput` naming the storage when any TLS setting is set.
    pub fn refuse_tls_for(&self, storage: &str) -> Result<()> {
        if self.ssl_ca_certs.is_some()
            || self.ssl_certfile.is_some()
            || self.ssl_keyfile.is_some()
            || self.insecure_skip_verify
        {
            let scheme: String = storage
                .split("://")
                .next()
                .unwrap_or("")
                .chars()
                .take(32)
                .collect();
            return Err(Error::invalid_input(format!(
                "TLS settings (ssl_ca_certs, ssl_certfile, ssl_keyfile, insecure_skip_verify) \
                 need a TLS Redis URI (rediss://...), not {scheme}://"
            )));
        }
        Ok(())
    }
}

/// Microseconds on a monotonic clock (since the first call), for the breakers.
fn mono_us() -> u64 {
    static BASE: OnceLock<Instant> = OnceLock::new();
    let base = *BASE.get_or_init(Instant::now);
    u64::try_from(base.elapsed().as_micros()).unwrap_or(u64::MAX)
}

/// One server's circuit breaker.
struct Breaker {
    failures: AtomicU32,
    /// 0 when closed; else when (on [`mono_us`]) the next probe may go.
    open_until_us: AtomicU64,
    probing: AtomicBool,
    threshold: u32,
    cooldown_us: u64,
}

enum Admit {
    Go,
    Open(u64),
}

impl Breaker {
    fn new(options: &RedisOptions) -> Self {
        Self {
            failures: AtomicU32::new(0),
            open_until_us: AtomicU64::new(0),
            probing: AtomicBool::new(false),
            threshold: options.breaker_failures,
            cooldown_us: u64::try_from(options.breaker_cooldown.as_micros()).unwrap_or(u64::MAX),
        }
    }

    fn admit(&self) -> Admit {
        let until = self.open_until_us.load(Ordering::Acquire);
        if until == 0 {
            return Admit::Go;
        }
        let now = mono_us();
        if now < until {
            return Admit::Open(until - now);
        }
        // Cool-down over: exactly one call probes; the others keep failing fast until it ends.
        if self
            .probing
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            Admit::Go
        } else {
            Admit::Open(0)
        }
    }

    fn success(&self) {
        self.failures.store(0, Ordering::Release);
        self.open_until_us.store(0, Ordering::Release);
        self.probing.store(false, Ordering::Release);
    }

    fn failure(&self) {
        let n = self
            .failures
            .fetch_add(1, Ordering::AcqRel)
            .saturating_add(1);
        if self.threshold > 0 && n >= self.threshold {
            let until = mono_us().saturating_add(self.cooldown_us).max(1);
            self.open_until_us.store(until, Ordering::Release);
        }
        self.probing.store(false, Ordering::Release);
    }

    fn is_open(&self) -> bool {
        let until = self.open_until_us.load(Ordering::Acquire);
        until != 0 && mono_us() < until
    }
}

/// Whether an error means the server could not be reached or did not answer (what the breaker
/// counts), as opposed to an answer that was an error.
fn unreachable(e: &RedisError) -> bool {
    e.is_io_error() || e.is_timeout() || e.is_connection_dropped() || e.is_connection_refusal()
}

/// How to open a connection to any server of the topology: scheme, credentials, database and
/// TLS material (read from their files once, when the store is opened).
#[derive(Clone)]
struct Template {
    tls: bool,
    insecure: bool,
    /// The URI's `user:password` as written (percent-encoded), wiped when dropped.
    userinfo: Option<Zeroizing<String>>,
    db: i64,
    certs: Option<redis::TlsCertificates>,
}

impl Template {
    fn url(&self, host: &str, port: u16, with_auth: bool) -> Zeroizing<String> {
        let host = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]")
        } else {
            host.to_owned()
        };
        let auth = match (&self.userinfo, with_auth) {
            (Some(u), true) => format!("{}@", u.as_str()),
            _ => String::new(),
        };
        Zeroizing::new(format!(
            "{}://{auth}{host}:{port}/{}{}",
            if self.tls { "rediss" } else { "redis" },
            if with_auth { self.db } else { 0 },
            if self.insecure { "#insecure" } else { "" }
        ))
    }

    fn client(&self, host: &str, port: u16, with_auth: bool) -> Result<Client> {
        let bad =
            |e: RedisError| Error::invalid_input(format!("bad Redis address {host}:{port}: {e}"));
        let url = self.url(host, port, with_auth);
        let info = redis::IntoConnectionInfo::into_connection_info(url.as_str()).map_err(bad)?;
        // No CLIENT SETINFO round trips when connecting: one fewer wait inside the deadline.
        let settings = info.redis_settings().clone().set_skip_set_lib_name();
        let info = info.set_redis_settings(settings);
        match &self.certs {
            Some(certs) => Client::build_with_tls(info, certs.clone()),
            None => Client::open(info),
        }
        .map_err(bad)
    }
}

/// One server: its client, pooled connections and breaker.
struct Node {
    addr: String,
    client: Client,
    pool: Mutex<Vec<Connection>>,
    breaker: Breaker,
}

/// Why a call to one node failed.
enum NodeError {
    /// Its breaker is open: not tried.
    Open { addr: String, retry_in_us: u64 },
    /// Tried; this is what Redis (or the network) said.
    Redis { addr: String, error: RedisError },
}

impl NodeError {
    fn into_error(self) -> Error {
        match self {
            Self::Open { addr, retry_in_us } => Error::backend(format!(
                "redis {addr}: circuit open after repeated failures (next probe in {} ms)",
                retry_in_us.div_ceil(1000)
            )),
            Self::Redis { addr, error } => Error::backend(format!("redis {addr}: {error}")),
        }
    }
}

fn remaining(deadline: Instant) -> Option<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    (left >= Duration::from_millis(1)).then_some(left)
}

fn timed_out(addr: &str) -> NodeError {
    NodeError::Redis {
        addr: addr.to_owned(),
        error: RedisError::from(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "the call's deadline passed",
        )),
    }
}

type Call<'a, T> = dyn FnMut(&mut Connection) -> redis::RedisResult<T> + 'a;

impl Node {
    fn new(addr: String, client: Client, options: &RedisOptions) -> Arc<Self> {
        Arc::new(Self {
            addr,
            client,
            pool: Mutex::new(Vec::new()),
            breaker: Breaker::new(options),
        })
    }

    fn fresh(&self, deadline: Instant) -> std::result::Result<Connection, NodeError> {
        let left = remaining(deadline).ok_or_else(|| timed_out(&self.addr))?;
        self.client
            .get_connection_with_timeout(left)
            .map_err(|error| NodeError::Redis {
                addr: self.addr.clone(),
                error,
            })
    }

    /// Runs `f` on a connection to this node within `deadline`; the breaker counts the outcome.
    fn run<T>(&self, deadline: Instant, f: &mut Call<'_, T>) -> std::result::Result<T, NodeError> {
        if let Admit::Open(retry_in_us) = self.breaker.admit() {
            return Err(NodeError::Open {
                addr: self.addr.clone(),
                retry_in_us,
            });
        }
        let pooled = self.pool.lock().ok().and_then(|mut p| p.pop());
        let reused = pooled.is_some();
        let result = match pooled {
            Some(con) => self.call(con, deadline, f),
            None => self
                .fresh(deadline)
                .and_then(|con| self.call(con, deadline, f)),
        };
        let result = match result {
            // A pooled connection the server closed meanwhile (a restart, an idle timeout): one
            // more try on a fresh one, within the same deadline.
            Err(NodeError::Redis { error, .. })
                if reused
                    && (error.is_connection_dropped() || error.is_io_error())
                    && !error.is_timeout() =>
            {
                self.fresh(deadline)
                    .and_then(|con| self.call(con, deadline, f))
            }
            other => other,
        };
        match &result {
            Err(NodeError::Redis { error, .. }) if unreachable(error) => self.breaker.failure(),
            Err(NodeError::Open { .. }) => {}
            _ => self.breaker.success(),
        }
        result
    }

    fn call<T>(
        &self,
        mut con: Connection,
        deadline: Instant,
        f: &mut Call<'_, T>,
    ) -> std::result::Result<T, NodeError> {
        let err = |error| NodeError::Redis {
            addr: self.addr.clone(),
            error,
        };
        let left = remaining(deadline).ok_or_else(|| timed_out(&self.addr))?;
        con.set_read_timeout(Some(left)).map_err(err)?;
        con.set_write_timeout(Some(left)).map_err(err)?;
        match f(&mut con) {
            Ok(v) => {
                self.give_back(con);
                Ok(v)
            }
            Err(error) => {
                // An answer that was an error leaves the connection usable; anything else does not.
                if !unreachable(&error) && error.code().is_some() {
                    self.give_back(con);
                }
                Err(err(error))
            }
        }
    }

    fn give_back(&self, con: Connection) {
        if let Ok(mut pool) = self.pool.lock() {
            if pool.len() < POOL_MAX {
                pool.push(con);
            }
        }
    }
}

/// Redis Cluster's slot of `key`: CRC16/XMODEM of its hash tag (the text between the first `{`
/// and the next `}`, when not empty) or of the whole key.
#[must_use]
pub fn key_slot(key: &[u8]) -> u16 {
    let tagged = key.iter().position(|&b| b == b'{').and_then(|open| {
        let rest = key.get(open + 1..)?;
        let close = rest.iter().position(|&b| b == b'}')?;
        rest.get(..close).filter(|tag| !tag.is_empty())
    });
    crc16::State::<crc16::XMODEM>::calculate(tagged.unwrap_or(key)) % SLOTS
}

/// Which node serves which slots.
#[derive(Default)]
struct SlotMap {
    /// (first slot, last slot, node address), sorted.
    ranges: Vec<(u16, u16, String)>,
}

impl SlotMap {
    fn node_for(&self, slot: u16) -> Option<&str> {
        let i = self.ranges.partition_point(|(_, last, _)| *last < slot);
        self.ranges
            .get(i)
            .filter(|(first, _, _)| *first <= slot)
            .map(|(_, _, addr)| addr.as_str())
    }

    fn masters(&self) -> Vec<String> {
        let mut out: Vec<String> = self.ranges.iter().map(|(_, _, a)| a.clone()).collect();
        out.sort();
        out.dedup();
        out
    }
}

/// Parses a `CLUSTER SLOTS` reply; `asked_host` stands in for an empty address.
fn parse_slots(reply: &Value, asked_host: &str) -> Option<SlotMap> {
    let Value::Array(entries) = reply else {
        return None;
    };
    let mut ranges = Vec::with_capacity(entries.len());
    for entry in entries {
        let Value::Array(parts) = entry else {
            return None;
        };
        let int = |v: Option<&Value>| match v {
            Some(Value::Int(i)) => u16::try_from(*i).ok(),
            _ => None,
        };
        let (first, last) = (int(parts.first())?, int(parts.get(1))?);
        let Some(Value::Array(master)) = parts.get(2) else {
            return None;
        };
        let host = match master.first() {
            Some(Value::BulkString(b)) => String::from_utf8(b.clone()).ok()?,
            Some(Value::SimpleString(s)) => s.clone(),
            _ => return None,
        };
        let host = if host.is_empty() || host == "?" {
            asked_host.to_owned()
        } else {
            host
        };
        let port = int(master.get(1))?;
        if first > last || last >= SLOTS {
            return None;
        }
        ranges.push((first, last, join_addr(&host, port)));
    }
    ranges.sort();
    Some(SlotMap { ranges })
}

fn join_addr(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn split_addr(addr: &str) -> Option<(String, u16)> {
    let (host, port) = addr.rsplit_once(':')?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Some((host.to_owned(), port.parse().ok()?))
}

/// The servers of one topology, by address, created on first use and kept (with their breakers).
struct Nodes {
    template: Template,
    options: RedisOptions,
    by_addr: RwLock<HashMap<String, Arc<Node>>>,
    with_auth: bool,
}

impl Nodes {
    fn get(&self, addr: &str) -> Result<Arc<Node>> {
        if let Some(n) = self.by_addr.read().ok().and_then(|m| m.get(addr).cloned()) {
            return Ok(n);
        }
        let (host, port) = split_addr(addr)
            .ok_or_else(|| Error::backend(format!("redis: bad node address {addr:?}")))?;
        let node = Node::new(
            addr.to_owned(),
            self.template.client(&host, port, self.with_auth)?,
            &self.options,
        );
        let mut map = self
            .by_addr
            .write()
            .map_err(|_| Error::backend("redis: node table poisoned"))?;
        Ok(map.entry(addr.to_owned()).or_insert(node).clone())
    }
}

struct ClusterState {
    nodes: Nodes,
    seeds: Vec<String>,
    slots: RwLock<SlotMap>,
    stale: AtomicBool,
    last_refresh_us: AtomicU64,
}

struct SentinelState {
    masters: Nodes,
    sentinels: Vec<Arc<Node>>,
    service: String,
    master: RwLock<Option<Arc<Node>>>,
    last_ask_us: AtomicU64,
}

enum Topology {
    Single(Arc<Node>),
    Cluster(ClusterState),
    Sentinel(SentinelState),
}

/// A Redis deployment as one store: see the module documentation.
pub(crate) struct Redis {
    topology: Topology,
    timeout: Duration,
    shown: String,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

/// The URI schemes [`Redis::open`] reads (every door's storage check uses this list).
pub const SCHEMES: &[&str] = &[
    "redis://",
    "rediss://",
    "redis+unix://",
    "unix://",
    "redis+cluster://",
    "rediss+cluster://",
    "redis+sentinel://",
    "rediss+sentinel://",
];

/// Whether `uri` names a Redis store (any topology).
#[must_use]
pub fn is_redis_uri(uri: &str) -> bool {
    SCHEMES.iter().any(|s| uri.starts_with(s))
}

fn percent_decode(text: &str) -> Result<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| Error::invalid_input(format!("bad %-escape in {text:?}")))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map_err(|_| Error::invalid_input(format!("{text:?} is not UTF-8 once decoded")))
}

fn truthy(name: &str, v: &str) -> Result<bool> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" => Ok(true),
        "0" | "false" | "no" => Ok(false),
        _ => Err(Error::invalid_input(format!(
            "Redis option {name}={v:?}: use true or false"
        ))),
    }
}

/// Options from a URI query merged with the caller's (a setting given both ways must agree).
fn merge_query(query: &str, options: &RedisOptions) -> Result<RedisOptions> {
    let mut merged = options.clone();
    let set_path = |slot: &mut Option<PathBuf>, name: &str, v: &str| -> Result<()> {
        let p = PathBuf::from(percent_decode(v)?);
        match slot {
            Some(existing) if *existing != p => Err(Error::invalid_input(format!(
                "Redis option {name} given twice with different values"
            ))),
            _ => {
                *slot = Some(p);
                Ok(())
            }
        }
    };
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match name {
            "ssl_ca_certs" => set_path(&mut merged.ssl_ca_certs, name, value)?,
            "ssl_certfile" => set_path(&mut merged.ssl_certfile, name, value)?,
            "ssl_keyfile" => set_path(&mut merged.ssl_keyfile, name, value)?,
            "ssl_cert_reqs" => check_ssl_cert_reqs(value)?,
            "insecure_skip_verify" => {
                merged.insecure_skip_verify |= truthy(name, value)?;
            }
            _ => {
                let shown: String = name.chars().take(40).collect();
                return Err(Error::invalid_input(format!(
                    "unknown Redis URI option {shown:?} (known: ssl_ca_certs, ssl_certfile, \
                     ssl_keyfile, ssl_cert_reqs, insecure_skip_verify)"
                )));
            }
        }
    }
    Ok(merged)
}

/// redis-py's `ssl_cert_reqs`: only `required` (`CERT_REQUIRED`) is accepted. Bulwark always
/// verifies the server; the one way not to is `insecure_skip_verify`, whose name says so.
///
/// # Errors
/// `InvalidInput` for `none`, `optional` or anything else.
pub fn check_ssl_cert_reqs(value: &str) -> Result<()> {
    match value.to_ascii_lowercase().as_str() {
        "required" | "cert_required" => Ok(()),
        other => {
            let shown: String = other.chars().take(32).collect();
            Err(Error::invalid_input(format!(
                "ssl_cert_reqs={shown:?} would not verify the server; Bulwark always verifies it \
                 (for a throw-away test server only: insecure_skip_verify=true)"
            )))
        }
    }
}

fn read_file(what: &str, path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        Error::invalid_input(format!(
            "cannot read the Redis {what} {}: {e}",
            path.display()
        ))
    })
}

/// The TLS material of `options`, read and checked now.
fn tls_material(tls: bool, options: &RedisOptions) -> Result<Option<redis::TlsCertificates>> {
    let any = options.ssl_ca_certs.is_some()
        || options.ssl_certfile.is_some()
        || options.ssl_keyfile.is_some()
        || options.insecure_skip_verify;
    if !tls {
        return if any {
            Err(Error::invalid_input(
                "TLS options need a TLS URI (rediss://, rediss+cluster://, rediss+sentinel://)",
            ))
        } else {
            Ok(None)
        };
    }
    if options.insecure_skip_verify && options.ssl_ca_certs.is_some() {
        return Err(Error::invalid_input(
            "insecure_skip_verify and ssl_ca_certs contradict each other: give one",
        ));
    }
    let root_cert = match &options.ssl_ca_certs {
        Some(p) => {
            let pem = read_file("CA file (ssl_ca_certs)", p)?;
            if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
                return Err(Error::invalid_input(format!(
                    "the Redis CA file {} holds no PEM certificate",
                    p.display()
                )));
            }
            Some(pem)
        }
        None => None,
    };
    let client_tls = match (&options.ssl_certfile, &options.ssl_keyfile) {
        (Some(c), Some(k)) => Some(redis::ClientTlsConfig {
            client_cert: read_file("client certificate (ssl_certfile)", c)?,
            client_key: read_file("client key (ssl_keyfile)", k)?,
        }),
        (None, None) => None,
        _ => {
            return Err(Error::invalid_input(
                "ssl_certfile and ssl_keyfile go together (mutual TLS needs both)",
            ))
        }
    };
    if root_cert.is_none() && client_tls.is_none() {
        return Ok(None);
    }
    Ok(Some(redis::TlsCertificates {
        client_tls,
        root_cert,
    }))
}

fn parse_hosts(list: &str, default_port: u16) -> Result<Vec<(String, u16)>> {
    let mut out = Vec::new();
    for item in list.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(Error::invalid_input(
                "empty host in the Redis URI's host list",
            ));
        }
        let (host, port) = if let Some(rest) = item.strip_prefix('[') {
            let (h, after) = rest
                .split_once(']')
                .ok_or_else(|| Error::invalid_input(format!("bad IPv6 host {item:?}")))?;
            let port = match after.strip_prefix(':') {
                Some(p) => Some(p),
                None if after.is_empty() => None,
                None => return Err(Error::invalid_input(format!("bad host {item:?}"))),
            };
            (h.to_owned(), port)
        } else {
            match item.rsplit_once(':') {
                Some((h, p)) => (h.to_owned(), Some(p)),
                None => (item.to_owned(), None),
            }
        };
        let port = match port {
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| Error::invalid_input(format!("bad port in {item:?}")))?,
            None => default_port,
        };
        if host.is_empty() {
            return Err(Error::invalid_input(format!("no host in {item:?}")));
        }
        out.push((host, port));
    }
    Ok(out)
}

impl Redis {
    /// The store `uri` names, with `timeout` as the deadline of every call. Nothing connects
    /// yet, but the URI, the options and the TLS files are all checked now.
    ///
    /// # Errors
    /// `InvalidInput` naming the problem: a malformed URI, an unknown scheme or option, a
    /// missing or unreadable certificate file, a zero timeout.
    pub(crate) fn open(uri: &str, timeout: Duration, options: &RedisOptions) -> Result<Self> {
        if timeout.is_zero() {
            return Err(Error::invalid_input(
                "the store timeout must be positive (a zero timeout would wait for ever)",
            ));
        }
        let (scheme, rest) = uri
            .split_once("://")
            .ok_or_else(|| Error::invalid_input("a Redis URI needs a scheme (redis://...)"))?;
        if rest.contains('#') {
            return Err(Error::invalid_input(
                "a Redis URI takes no #fragment (to skip TLS verification on a test server: \
                 insecure_skip_verify=true)",
            ));
        }
        if matches!(scheme, "redis+unix" | "unix") {
            // A local socket: redis-rs reads the whole URI (`?db=N`, credentials); no TLS.
            tls_material(false, options)?;
            let client = Client::open(uri)
                .map_err(|e| Error::invalid_input(format!("bad Redis URL: {e}")))?;
            return Ok(Self {
                topology: Topology::Single(Node::new("unix socket".to_owned(), client, options)),
                timeout,
                shown: "redis unix socket".to_owned(),
            });
        }
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let options = merge_query(query, options)?;
        let tls = scheme.starts_with("rediss");
        let certs = tls_material(tls, &options)?;
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (userinfo, hosts) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(Zeroizing::new(u.to_owned())), h),
            None => (None, authority),
        };
        let bad_db = |db: &str| Error::invalid_input(format!("bad Redis database {db:?}"));
        let parse_db = |db: &str| -> Result<i64> {
            if db.is_empty() {
                Ok(0)
            } else {
                db.parse::<i64>()
                    .ok()
                    .filter(|d| *d >= 0)
                    .ok_or_else(|| bad_db(db))
            }
        };
        let template = |db| Template {
            tls,
            insecure: options.insecure_skip_verify,
            userinfo: userinfo.clone(),
            db,
            certs: certs.clone(),
        };
        let topology = match scheme {
            "redis" | "rediss" => {
                let db = parse_db(path)?;
                let hosts = parse_hosts(hosts, 6379)?;
                let [(host, port)] = hosts.as_slice() else {
                    return Err(Error::invalid_input(
                        "redis:// names one server; for several use redis+cluster:// or \
                         redis+sentinel://",
                    ));
                };
                let t = template(db);
                let node = Node::new(
                    join_addr(host, *port),
                    t.client(host, *port, true)?,
                    &options,
                );
                Topology::Single(node)
            }
            "redis+cluster" | "rediss+cluster" => {
                if !matches!(path, "" | "0") {
                    return Err(Error::invalid_input(
                        "a Redis Cluster has only database 0 (no /db in the URI)",
                    ));
                }
                let seeds = parse_hosts(hosts, 6379)?;
                let nodes = Nodes {
                    template: template(0),
                    options: options.clone(),
                    by_addr: RwLock::new(HashMap::new()),
                    with_auth: true,
                };
                let seeds: Vec<String> = seeds.iter().map(|(h, p)| join_addr(h, *p)).collect();
                for s in &seeds {
                    nodes.get(s)?;
                }
                Topology::Cluster(ClusterState {
                    nodes,
                    seeds,
                    slots: RwLock::new(SlotMap::default()),
                    stale: AtomicBool::new(true),
                    last_refresh_us: AtomicU64::new(0),
                })
            }
            "redis+sentinel" | "rediss+sentinel" => {
                let (service, db) = path.split_once('/').unwrap_or((path, ""));
                if service.is_empty() {
                    return Err(Error::invalid_input(
                        "redis+sentinel:// needs the service name: \
                         redis+sentinel://host:26379[,host:port...]/service_name[/db]",
                    ));
                }
                let db = parse_db(db)?;
                let sentinel_template = template(0);
                let sentinels = parse_hosts(hosts, 26379)?
                    .into_iter()
                    .map(|(h, p)| {
                        Ok(Node::new(
                            join_addr(&h, p),
                            sentinel_template.client(&h, p, false)?,
                            &options,
                        ))
                    })
                    .collect::<Result<Vec<_>>>()?;
                Topology::Sentinel(SentinelState {
                    masters: Nodes {
                        template: template(db),
                        options: options.clone(),
                        by_addr: RwLock::new(HashMap::new()),
                        with_auth: true,
                    },
                    sentinels,
                    service: percent_decode(service)?,
                    master: RwLock::new(None),
                    last_ask_us: AtomicU64::new(0),
                })
            }
            other => {
                let shown: String = other.chars().take(32).collect();
                return Err(Error::invalid_input(format!(
                    "unknown Redis scheme {shown:?}: use redis://, rediss://, redis+cluster://, \
                     redis+sentinel:// (rediss+... for TLS) or redis+unix://"
                )));
            }
        };
        let name = if tls { "rediss" } else { "redis" };
        let shown = match &topology {
            Topology::Single(n) => format!("{name} {}", n.addr),
            Topology::Cluster(c) => format!("{name} cluster {}", c.seeds.join(",")),
            Topology::Sentinel(s) => format!(
                "{name} sentinel {} service {}",
                s.sentinels
                    .iter()
                    .map(|n| n.addr.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                s.service
            ),
        };
        Ok(Self {
            topology,
            timeout,
            shown,
        })
    }

    /// What the store points at (never a password).
    pub(crate) fn addr(&self) -> &str {
        &self.shown
    }

    /// Whether this is a Redis Cluster (multi-key commands must then stay within one slot).
    pub(crate) fn is_cluster(&self) -> bool {
        matches!(self.topology, Topology::Cluster(_))
    }

    /// Runs a script whose keys all share `route_key`'s slot.
    ///
    /// # Errors
    /// `Backend` when Redis fails, cannot be reached in time, or its breaker is open.
    pub(crate) fn invoke<T: FromRedisValue>(
        &self,
        route_key: &str,
        invocation: &redis::ScriptInvocation<'_>,
    ) -> Result<T> {
        self.run(Some(route_key.as_bytes()), &mut |con| {
            invocation.invoke(con)
        })
    }

    /// Runs one command on the server of `route_key`'s slot.
    ///
    /// # Errors
    /// As [`Redis::invoke`].
    pub(crate) fn query<T: FromRedisValue>(&self, route_key: &str, cmd: &redis::Cmd) -> Result<T> {
        self.run(Some(route_key.as_bytes()), &mut |con| cmd.query(con))
    }

    /// Deletes `keys` (one `DEL` per slot on a cluster); how many existed.
    ///
    /// # Errors
    /// As [`Redis::invoke`].
    pub(crate) fn del(&self, keys: &[String]) -> Result<u64> {
        let mut groups: Vec<(u16, Vec<&String>)> = Vec::new();
        for k in keys {
            let slot = if self.is_cluster() {
                key_slot(k.as_bytes())
            } else {
                0
            };
            match groups.iter_mut().find(|(s, _)| *s == slot) {
                Some((_, g)) => g.push(k),
                None => groups.push((slot, vec![k])),
            }
        }
        let mut total = 0u64;
        for (_, group) in groups {
            let Some(first) = group.first() else { continue };
            let n: u64 = self.query(first, redis::cmd("DEL").arg(&group))?;
            total = total.saturating_add(n);
        }
        Ok(total)
    }

    /// Deletes every key matching `pattern` on every master; how many there were.
    ///
    /// # Errors
    /// As [`Redis::invoke`] (each master gets its own deadline: this is maintenance, not a
    /// decision).
    pub(crate) fn delete_matching(&self, pattern: &str) -> Result<u64> {
        let masters: Vec<Arc<Node>> = match &self.topology {
            Topology::Single(n) => vec![n.clone()],
            Topology::Sentinel(s) => vec![self.sentinel_master(s, self.deadline())?],
            Topology::Cluster(c) => {
                self.refresh_slots(c, self.deadline(), true)?;
                let addrs = c
                    .slots
                    .read()
                    .map_err(|_| Error::backend("redis: slot map poisoned"))?
                    .masters();
                addrs
                    .iter()
                    .map(|a| c.nodes.get(a))
                    .collect::<Result<Vec<_>>>()?
            }
        };
        let cluster = self.is_cluster();
        let mut dropped = 0u64;
        for node in masters {
            let mut cursor = 0u64;
            loop {
                let deadline = self.deadline();
                let (next, keys): (u64, Vec<String>) = node
                    .run(deadline, &mut |con| {
                        redis::cmd("SCAN")
                            .arg(cursor)
                            .arg("MATCH")
                            .arg(pattern)
                            .arg("COUNT")
                            .arg(1000)
                            .query(con)
                    })
                    .map_err(NodeError::into_error)?;
                for group in keys.chunks(if cluster { 1 } else { 1000 }) {
                    if group.is_empty() {
                        continue;
                    }
                    let n: u64 = node
                        .run(self.deadline(), &mut |con| {
                            redis::cmd("DEL").arg(group).query(con)
                        })
                        .map_err(NodeError::into_error)?;
                    dropped = dropped.saturating_add(n);
                }
                cursor = next;
                if cursor == 0 {
                    break;
                }
            }
        }
        Ok(dropped)
    }

    /// Whether every master answers `PING`.
    pub(crate) fn ping(&self) -> bool {
        match &self.topology {
            Topology::Cluster(c) => {
                if self.refresh_slots(c, self.deadline(), true).is_err() {
                    return false;
                }
                let Ok(masters) = c.slots.read().map(|m| m.masters()) else {
                    return false;
                };
                !masters.is_empty()
                    && masters.iter().all(|a| {
                        c.nodes.get(a).is_ok_and(|n| {
                            n.run(self.deadline(), &mut |con| {
                                redis::cmd("PING").query::<String>(con)
                            })
                            .is_ok_and(|p| p == "PONG")
                        })
                    })
            }
            _ => self
                .run(None, &mut |con| redis::cmd("PING").query::<String>(con))
                .is_ok_and(|p| p == "PONG"),
        }
    }

    fn deadline(&self) -> Instant {
        Instant::now() + self.timeout
    }

    fn run<T>(&self, route: Option<&[u8]>, f: &mut Call<'_, T>) -> Result<T> {
        let deadline = self.deadline();
        match &self.topology {
            Topology::Single(node) => node.run(deadline, f).map_err(NodeError::into_error),
            Topology::Cluster(c) => self.run_cluster(c, route, deadline, f),
            Topology::Sentinel(s) => self.run_sentinel(s, deadline, f),
        }
    }

    fn run_cluster<T>(
        &self,
        c: &ClusterState,
        route: Option<&[u8]>,
        deadline: Instant,
        f: &mut Call<'_, T>,
    ) -> Result<T> {
        let slot = route.map(key_slot).unwrap_or(0);
        let mut redirect: Option<(String, bool)> = None;
        let mut last: Option<Error> = None;
        for _ in 0..MAX_ATTEMPTS {
            if remaining(deadline).is_none() {
                break;
            }
            if c.stale.load(Ordering::Acquire) {
                if let Err(e) = self.refresh_slots(c, deadline, false) {
                    last = Some(e);
                }
            }
            let (addr, asking) = match redirect.take() {
                Some(r) => r,
                None => {
                    let found = c
                        .slots
                        .read()
                        .ok()
                        .and_then(|m| m.node_for(slot).map(str::to_owned));
                    match found {
                        Some(a) => (a, false),
                        None => {
                            c.stale.store(true, Ordering::Release);
                            if last.is_none() {
                                last = Some(Error::backend(format!(
                                    "redis cluster: no node serves slot {slot} (cluster down?)"
                                )));
                            }
                            // Refreshing is rate-limited: wait a little within the deadline.
                            std::thread::sleep(
                                Duration::from_millis(10)
                                    .min(deadline.saturating_duration_since(Instant::now())),
                            );
                            continue;
                        }
                    }
                }
            };
            let node = c.nodes.get(&addr)?;
            let result = node.run(deadline, &mut |con| {
                if asking {
                    redis::cmd("ASKING").query::<()>(con)?;
                }
                f(con)
            });
            match result {
                Ok(v) => return Ok(v),
                Err(NodeError::Redis { error, addr }) => {
                    match (error.code(), error.redirect_node()) {
                        (Some("MOVED"), Some((to, moved_slot))) => {
                            let to = to.to_owned();
                            if let Ok(mut map) = c.slots.write() {
                                set_slot(&mut map, moved_slot, &to);
                            }
                            c.stale.store(true, Ordering::Release);
                            redirect = Some((to, false));
                        }
                        (Some("ASK"), Some((to, _))) => redirect = Some((to.to_owned(), true)),
                        (Some("TRYAGAIN" | "CLUSTERDOWN" | "MASTERDOWN" | "READONLY"), _) => {
                            c.stale.store(true, Ordering::Release);
                            last = Some(NodeError::Redis { addr, error }.into_error());
                            std::thread::sleep(
                                Duration::from_millis(10)
                                    .min(deadline.saturating_duration_since(Instant::now())),
                            );
                        }
                        _ if unreachable(&error) => {
                            c.stale.store(true, Ordering::Release);
                            last = Some(NodeError::Redis { addr, error }.into_error());
                        }
                        _ => return Err(NodeError::Redis { addr, error }.into_error()),
                    }
                }
                Err(open @ NodeError::Open { .. }) => {
                    // The node is down: ask the cluster whether another took its slots over
                    // (rate-limited), else fail now with the breaker's word.
                    c.stale.store(true, Ordering::Release);
                    let before = addr.clone();
                    let _ = self.refresh_slots(c, deadline, false);
                    let now = c
                        .slots
                        .read()
                        .ok()
                        .and_then(|m| m.node_for(slot).map(str::to_owned));
                    if now.as_deref() == Some(before.as_str()) || now.is_none() {
                        return Err(open.into_error());
                    }
                    last = Some(open.into_error());
                }
            }
        }
        Err(last.unwrap_or_else(|| timed_out("cluster").into_error()))
    }

    /// Asks the cluster for its slot map (from the first node that answers), at most once per
    /// [`REDISCOVER_EVERY`] unless `force`.
    fn refresh_slots(&self, c: &ClusterState, deadline: Instant, force: bool) -> Result<()> {
        let now = mono_us();
        let last = c.last_refresh_us.load(Ordering::Acquire);
        let every = u64::try_from(REDISCOVER_EVERY.as_micros()).unwrap_or(u64::MAX);
        if !force && last != 0 && now.saturating_sub(last) < every {
            return Ok(());
        }
        if c.last_refresh_us
            .compare_exchange(last, now.max(1), Ordering::AcqRel, Ordering::Acquire)
            .is_err()
            && !force
        {
            return Ok(()); // another thread is refreshing
        }
        let mut candidates: Vec<String> = c.slots.read().map(|m| m.masters()).unwrap_or_default();
        for s in &c.seeds {
            if !candidates.contains(s) {
                candidates.push(s.clone());
            }
        }
        if let Ok(known) = c.nodes.by_addr.read() {
            for a in known.keys() {
                if !candidates.contains(a) {
                    candidates.push(a.clone());
                }
            }
        }
        let mut last_err = Error::backend("redis cluster: no node could be asked for its slots");
        for addr in candidates {
            let node = c.nodes.get(&addr)?;
            if node.breaker.is_open() {
                continue;
            }
            let host = split_addr(&addr).map(|(h, _)| h).unwrap_or_default();
            match node.run(deadline, &mut |con| {
                redis::cmd("CLUSTER").arg("SLOTS").query::<Value>(con)
            }) {
                Ok(reply) => {
                    let Some(map) = parse_slots(&reply, &host) else {
                        last_err = Error::backend(format!(
                            "redis {addr}: CLUSTER SLOTS gave an unexpected reply (is it a cluster?)"
                        ));
                        continue;
                    };
                    if map.ranges.is_empty() {
                        last_err = Error::backend(format!("redis {addr}: no slots assigned"));
                        continue;
                    }
                    if let Ok(mut m) = c.slots.write() {
                        *m = map;
                    }
                    c.stale.store(false, Ordering::Release);
                    return Ok(());
                }
                Err(e) => last_err = e.into_error(),
            }
            if remaining(deadline).is_none() {
                break;
            }
        }
        Err(last_err)
    }

    fn run_sentinel<T>(
        &self,
        s: &SentinelState,
        deadline: Instant,
        f: &mut Call<'_, T>,
    ) -> Result<T> {
        let mut master = self.sentinel_master(s, deadline)?;
        for attempt in 0..2 {
            match master.run(deadline, f) {
                Ok(v) => return Ok(v),
                Err(NodeError::Redis { error, addr }) => {
                    let stale = unreachable(&error) || error.code() == Some("READONLY");
                    if stale {
                        // Forget the master: the next call asks the sentinels again.
                        if let Ok(mut m) = s.master.write() {
                            *m = None;
                        }
                    }
                    let err = NodeError::Redis { addr, error }.into_error();
                    if !stale || attempt == 1 || remaining(deadline).is_none() {
                        return Err(err);
                    }
                    master = self.sentinel_master(s, deadline)?;
                }
                Err(open @ NodeError::Open { .. }) => {
                    // Its breaker is open: a failover may have named another master since.
                    let before = master.addr.clone();
                    if let Ok(mut m) = s.master.write() {
                        *m = None;
                    }
                    let now = self.sentinel_master(s, deadline)?;
                    if now.addr == before || attempt == 1 {
                        return Err(open.into_error());
                    }
                    master = now;
                }
            }
        }
        Err(timed_out(&master.addr).into_error())
    }

    /// The master the sentinels name now (cached; asked again after a failure, at most once per
    /// [`REDISCOVER_EVERY`]).
    fn sentinel_master(&self, s: &SentinelState, deadline: Instant) -> Result<Arc<Node>> {
        if let Some(m) = s.master.read().ok().and_then(|m| m.clone()) {
            return Ok(m);
        }
        let now = mono_us();
        let last = s.last_ask_us.load(Ordering::Acquire);
        let every = u64::try_from(REDISCOVER_EVERY.as_micros()).unwrap_or(u64::MAX);
        let mut last_err = Error::backend(format!(
            "redis sentinel: no sentinel answered for service {:?}",
            s.service
        ));
        if last != 0 && now.saturating_sub(last) < every {
            // Asked very recently and got no master: use the one asked before, if any.
            if let Some(n) = s
                .masters
                .by_addr
                .read()
                .ok()
                .and_then(|m| (m.len() == 1).then(|| m.values().next().cloned()).flatten())
            {
                return Ok(n);
            }
        }
        s.last_ask_us.store(now.max(1), Ordering::Release);
        for sentinel in &s.sentinels {
            let reply = sentinel.run(deadline, &mut |con| {
                redis::cmd("SENTINEL")
                    .arg("get-master-addr-by-name")
                    .arg(&s.service)
                    .query::<Option<(String, String)>>(con)
            });
            match reply {
                Ok(Some((host, port))) => {
                    let port: u16 = port.parse().map_err(|_| {
                        Error::backend(format!(
                            "redis sentinel {}: bad port {port:?}",
                            sentinel.addr
                        ))
                    })?;
                    let node = s.masters.get(&join_addr(&host, port))?;
                    if let Ok(mut m) = s.master.write() {
                        *m = Some(node.clone());
                    }
                    return Ok(node);
                }
                Ok(None) => {
                    last_err = Error::backend(format!(
                        "redis sentinel {}: no master named {:?}",
                        sentinel.addr, s.service
                    ));
                }
                Err(e) => last_err = e.into_error(),
            }
            if remaining(deadline).is_none() {
                break;
            }
        }
        Err(last_err)
    }
}

fn set_slot(map: &mut SlotMap, slot: u16, addr: &str) {
    // Split the range holding `slot` so that just this slot points at `addr`; a full refresh
    // follows soon after and replaces the whole map.
    let i = map.ranges.partition_point(|(_, last, _)| *last < slot);
    match map.ranges.get(i).cloned() {
        Some((first, last, old)) if first <= slot => {
            let mut parts = Vec::with_capacity(3);
            if first < slot {
                parts.push((first, slot - 1, old.clone()));
            }
            parts.push((slot, slot, addr.to_owned()));
            if slot < last {
                parts.push((slot + 1, last, old));
            }
            map.ranges.splice(i..=i, parts);
        }
        _ => map.ranges.insert(i, (slot, slot, addr.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_follow_hash_tags() {
        // Redis's own examples (cluster spec): "123456789" is slot 12739.
        assert_eq!(key_slot(b"123456789"), 12739);
        assert_eq!(
            key_slot(b"{user1000}.following"),
            key_slot(b"{user1000}.followers")
        );
        assert_eq!(key_slot(b"foo{}{bar}"), key_slot(b"foo{}{bar}"));
        assert_ne!(key_slot(b"foo{}{bar}"), key_slot(b"bar"));
        assert_eq!(key_slot(b"foo{{bar}}zap"), key_slot(b"{bar"));
        assert_eq!(key_slot(b"foo{bar}{zap}"), key_slot(b"bar"));
    }

    #[test]
    fn slot_map_lookup_and_moves() {
        let mut m = SlotMap {
            ranges: vec![
                (0, 5460, "a:1".into()),
                (5461, 10922, "b:2".into()),
                (10923, 16383, "c:3".into()),
            ],
        };
        assert_eq!(m.node_for(0), Some("a:1"));
        assert_eq!(m.node_for(5461), Some("b:2"));
        assert_eq!(m.node_for(16383), Some("c:3"));
        set_slot(&mut m, 6000, "d:4");
        assert_eq!(m.node_for(5999), Some("b:2"));
        assert_eq!(m.node_for(6000), Some("d:4"));
        assert_eq!(m.node_for(6001), Some("b:2"));
        assert_eq!(m.masters(), vec!["a:1", "b:2", "c:3", "d:4"]);
        let empty = SlotMap::default();
        assert_eq!(empty.node_for(1), None);
    }

    #[test]
    fn bad_uris_and_options_are_refused_at_open() {
        let t = Duration::from_millis(100);
        let o = RedisOptions::default();
        let err = |uri: &str| Redis::open(uri, t, &o).unwrap_err().to_string();
        assert!(err("redis://h/x").contains("database"));
        assert!(err("redis://h:99999").contains("port"));
        assert!(err("redis://a,b").contains("redis+cluster"));
        assert!(err("redis://h?ssl_ca_certs=/x").contains("TLS URI"));
        assert!(err("rediss://h?ssl_ca_certs=/does/not/exist").contains("cannot read"));
        assert!(err("rediss://h?ssl_cert_reqs=none").contains("insecure_skip_verify"));
        assert!(err("rediss://h?bogus=1").contains("unknown Redis URI option"));
        assert!(err("rediss://h#insecure").contains("fragment"));
        assert!(err("redis+sentinel://h:26379").contains("service name"));
        assert!(err("redis+cluster://h:7000/3").contains("database 0"));
        assert!(err("memcached://h").contains("unknown Redis scheme"));
        assert!(err("rediss://h?ssl_certfile=/x").contains("go together"));
        assert!(Redis::open("redis://h", Duration::ZERO, &o).is_err());
        // Good ones open without connecting.
        for uri in [
            "redis://127.0.0.1:1/0",
            "rediss://localhost:6380?ssl_cert_reqs=required",
            "rediss://localhost:6380?insecure_skip_verify=true",
            "redis+cluster://127.0.0.1:7000,127.0.0.1:7001",
            "redis+sentinel://127.0.0.1:26379,[::1]:26380/mymaster/2",
            "redis://:secret@127.0.0.1:6379/1",
            "redis+unix:///tmp/redis.sock?db=1",
        ] {
            let r = Redis::open(uri, t, &o).unwrap();
            assert!(!format!("{r:?}").contains("secret"), "{r:?}");
        }
    }

    #[test]
    fn breaker_opens_after_failures_and_lets_one_probe_through() {
        let o = RedisOptions {
            breaker_failures: 2,
            breaker_cooldown: Duration::from_millis(50),
            ..RedisOptions::default()
        };
        let b = Breaker::new(&o);
        assert!(matches!(b.admit(), Admit::Go));
        b.failure();
        assert!(matches!(b.admit(), Admit::Go));
        b.failure();
        assert!(matches!(b.admit(), Admit::Open(_)));
        std::thread::sleep(Duration::from_millis(60));
        assert!(matches!(b.admit(), Admit::Go)); // the probe
        assert!(matches!(b.admit(), Admit::Open(_))); // everyone else meanwhile
        b.failure(); // the probe failed: open again
        assert!(matches!(b.admit(), Admit::Open(_)));
        std::thread::sleep(Duration::from_millis(60));
        assert!(matches!(b.admit(), Admit::Go));
        b.success();
        assert!(matches!(b.admit(), Admit::Go));
        assert!(matches!(b.admit(), Admit::Go));
    }

    /// A server that accepts connections and never answers (as a SIGSTOPped Redis does): a call
    /// costs one deadline, not one per phase, and the breaker then fails calls at once.
    #[test]
    fn a_hung_server_costs_one_deadline_then_the_breaker_answers() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let keep = std::thread::spawn(move || {
            let mut held = Vec::new();
            for s in listener.incoming().take(8).flatten() {
                held.push(s);
            }
            std::thread::sleep(Duration::from_secs(3));
        });
        let timeout = Duration::from_millis(200);
        let r = Redis::open(
            &format!("redis://127.0.0.1:{port}"),
            timeout,
            &RedisOptions::default(),
        )
        .unwrap();
        for _ in 0..3 {
            let t0 = Instant::now();
            assert!(r.query::<String>("k", &redis::cmd("PING")).is_err());
            let took = t0.elapsed();
            assert!(took < timeout * 2, "{took:?}");
        }
        let e = r.query::<String>("k", &redis::cmd("PING")).unwrap_err();
        assert!(e.to_string().contains("circuit open"), "{e}");
        drop(keep);
    }
}
