//! The one HTTP exchange RFC 3161 needs: POST a `application/timestamp-query`,
//! read a `application/timestamp-reply`. Blocking (`ureq`), with a timeout
//! for the whole exchange and a few retries on transport failures and 5xx
//! answers. Plain http only: the token is signed, so TLS adds no proof,
//! and leaving rustls out keeps the build small; an https URL is refused
//! with that explanation rather than failing obscurely.

use std::time::Duration;

use super::{MAX_RESPONSE, TimestampError};

pub(super) fn post(
    url: &str,
    body: &[u8],
    timeout: Duration,
    retries: u32,
) -> Result<Vec<u8>, TimestampError> {
    check_url(url)?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into();
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

fn check_url(url: &str) -> Result<(), TimestampError> {
    let bad = |reason: &str| TimestampError::BadUrl {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    if url.starts_with("https://") {
        return Err(bad(
            "https is not supported by this build (a timestamp token is signed by the TSA, so plain http loses no proof; use the TSA's http:// address)",
        ));
    }
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| bad("expected http://host[:port]/path"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(bad("no host"));
    }
    Ok(())
}
