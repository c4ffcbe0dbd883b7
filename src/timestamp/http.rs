//! The HTTP exchanges the proof needs: RFC 3161's POST of an
//! `application/timestamp-query` answered by an `application/timestamp-reply`,
//! and a GET for a CRL. Blocking (`ureq`), with a timeout for the whole
//! exchange, a size limit on the answer and, for timestamps, a few retries
//! on transport failures and 5xx answers.
//!
//! https needs rustls, which the `shared-archive` feature (on by default)
//! brings for S3; a build without it refuses https URLs with that
//! explanation rather than failing obscurely. The token and the CRL are
//! signed, so TLS adds privacy, not proof; plain http is what most TSAs
//! and CAs serve.

use std::time::Duration;

use super::{MAX_RESPONSE, TimestampError};

/// The agent for one exchange. `tls_roots` (DER), when given, replace the
/// public web roots for https: a private TSA behind a private CA.
fn agent(timeout: Duration, tls_roots: &[Vec<u8>]) -> ureq::Agent {
    let builder = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false);
    #[cfg(feature = "shared-archive")]
    let builder = if tls_roots.is_empty() {
        builder
    } else {
        use std::sync::Arc;
        use ureq::tls::{Certificate, RootCerts, TlsConfig};
        let roots: Vec<Certificate<'static>> = tls_roots
            .iter()
            .map(|d| Certificate::from_der(d).to_owned())
            .collect();
        builder.tls_config(
            TlsConfig::builder()
                .root_certs(RootCerts::Specific(Arc::new(roots)))
                .build(),
        )
    };
    #[cfg(not(feature = "shared-archive"))]
    let _ = tls_roots;
    builder.build().into()
}

pub(super) fn post(
    url: &str,
    body: &[u8],
    timeout: Duration,
    retries: u32,
    tls_roots: &[Vec<u8>],
) -> Result<Vec<u8>, TimestampError> {
    check_url(url).map_err(|reason| TimestampError::BadUrl {
        url: url.to_string(),
        reason,
    })?;
    let agent = agent(timeout, tls_roots);
    let attempts = retries.saturating_add(1);
    let mut last = String::new();
    for attempt in 0..attempts {
        if attempt > 0 {
            // 250 ms, 500 ms, 1 s ...: a TSA restarting or briefly busy.
            std::thread::sleep(Duration::from_millis(250 << attempt.min(4)));
        }
        let sent = agent
            .post(url)
            .header("Content-Type", "application/timestamp-query")
            .send(body);
        let mut resp = match sent {
            Ok(r) => r,
            Err(e) => {
                last = e.to_string();
                continue;
            }
        };
        let status = resp.status().as_u16();
        if status >= 500 {
            last = format!("HTTP {status}");
            continue;
        }
        if status != 200 {
            return Err(TimestampError::Rejected {
                url: url.to_string(),
                reason: format!("HTTP {status}"),
            });
        }
        return resp
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE)
            .read_to_vec()
            .map_err(|e| TimestampError::Rejected {
                url: url.to_string(),
                reason: format!("unreadable answer: {e}"),
            });
    }
    Err(TimestampError::Unreachable {
        url: url.to_string(),
        attempts,
        reason: last,
    })
}

/// GET `url` (one attempt: a CA's CRL server is not a TSA under load, and
/// the caller names the URL in its error). The body, at most `limit` bytes.
pub(super) fn get(url: &str, timeout: Duration, limit: u64) -> Result<Vec<u8>, String> {
    check_url(url)?;
    let mut resp = agent(timeout, &[])
        .get(url)
        .call()
        .map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    if status != 200 {
        return Err(format!("HTTP {status}"));
    }
    resp.body_mut()
        .with_config()
        .limit(limit)
        .read_to_vec()
        .map_err(|e| format!("unreadable answer: {e}"))
}

fn check_url(url: &str) -> Result<(), String> {
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        if !cfg!(feature = "shared-archive") {
            return Err(
                "https is not supported by this build (built without the shared-archive feature, which brings TLS); use the http:// address (timestamp tokens and CRLs are signed, so plain http loses no proof)".into(),
            );
        }
        rest
    } else {
        url.strip_prefix("http://")
            .ok_or("expected http://host[:port]/path or https://...")?
    };
    if rest.is_empty() || rest.starts_with('/') {
        return Err("no host".into());
    }
    Ok(())
}
