//! A DNS resolver for the outbound client that drops forbidden addresses, so the
//! connection can only go to an address the guard approved at that very moment (no
//! window between the check and the connect for DNS to change its answer).

use std::net::{IpAddr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::address_policy::forbidden_kind;

/// A host whose every address is forbidden (`Display` says only that it was refused;
/// the details are for the log).
#[derive(Debug, thiserror::Error)]
#[error("refused: {}", licentia_ports::HOST_REFUSED)]
pub(crate) struct RefusedHost {
    pub host: String,
    pub address: IpAddr,
    pub kind: &'static str,
}

/// A host that does not resolve at all.
#[derive(Debug, thiserror::Error)]
#[error("refused: {}", licentia_ports::HOST_REFUSED)]
pub(crate) struct UnresolvedHost {
    pub host: String,
}

/// Resolves with the system resolver and keeps only the addresses webhooks may call.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GuardedResolver {
    pub allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let resolved: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|_| UnresolvedHost { host: host.clone() })?
                .collect();
            let mut refused = None;
            let allowed: Vec<SocketAddr> = resolved
                .into_iter()
                .filter(
                    |address| match forbidden_kind(address.ip(), allow_private) {
                        None => true,
                        Some(kind) => {
                            refused.get_or_insert((address.ip(), kind));
                            false
                        }
                    },
                )
                .collect();
            match (allowed.is_empty(), refused) {
                (false, _) => Ok(Box::new(allowed.into_iter()) as Addrs),
                (true, Some((address, kind))) => Err(Box::new(RefusedHost {
                    host,
                    address,
                    kind,
                })
                    as Box<dyn std::error::Error + Send + Sync>),
                (true, None) => Err(Box::new(UnresolvedHost { host }) as _),
            }
        })
    }
}
