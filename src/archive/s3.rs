//! The object store on S3 (AWS, or an S3-compatible store run on
//! premises): key `PREFIX/objects/ab/cdef…`, written once with Object Lock
//! in compliance mode, so that nobody, not even the bucket's owner, can
//! delete or overwrite a stored version before its retention date.
//!
//! Every put is conditional (`If-None-Match: *`: refused when the key
//! exists) and carries the SHA-256 (`x-amz-checksum-sha256`), which the
//! store checks against the bytes it received. "Already exists" (412) is
//! answered by reading the stored object's checksum and comparing it with
//! the key, as the folder store re-hashes an existing file.
//!
//! Requests are signed by `rusty-s3` (SigV4, query-string signing, with the
//! headers above among the signed ones) and sent by `ureq`. Credentials
//! come from the usual variables (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`); they are never printed:
//! errors name the bucket and key, never a signed URL.

use std::path::PathBuf;
use std::time::Duration;

use base64ct::{Base64, Encoding as _};
use rusty_s3::{Bucket, Credentials, S3Action as _, UrlStyle};

use super::backend::{Found, ObjectStore, Put, StoreError};
use super::store::{MAX_FILE_BYTES, is_sha256};

/// How long a signed request stays valid (it is sent at once).
const SIGNED_FOR: Duration = Duration::from_secs(300);
/// The default retention: the 5 years of 19 CFR 163.4 plus a margin.
pub const DEFAULT_RETENTION_DAYS: u32 = 6 * 365 + 2;
/// `CIP_ARCHIVE_RETENTION_DAYS`: the Object Lock retention of new objects.
pub const ENV_RETENTION: &str = "CIP_ARCHIVE_RETENTION_DAYS";

/// `s3://bucket/prefix`, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Url {
    pub bucket: String,
    /// Empty, or ending in `/`.
    pub prefix: String,
}

impl S3Url {
    pub fn parse(s: &str) -> Result<S3Url, String> {
        let rest = s
            .strip_prefix("s3://")
            .ok_or_else(|| format!("{s:?} is not an s3:// URL (s3://BUCKET/PREFIX)"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !valid_bucket {
            return Err(format!(
                "{s:?}: the bucket name {bucket:?} is not valid (3 to 63 lowercase letters, digits, '-' or '.')"
            ));
        }
        let prefix = prefix.trim_matches('/');
        if prefix.split('/').any(|p| p == "." || p == "..")
            || prefix.contains("//")
            || prefix.chars().any(char::is_control)
        {
            return Err(format!("{s:?}: the prefix {prefix:?} is not a plain path"));
        }
        Ok(S3Url {
            bucket: bucket.to_string(),
            prefix: if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}/")
            },
        })
    }
}

impl std::fmt::Display for S3Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "s3://{}/{}",
            self.bucket,
            self.prefix.trim_end_matches('/')
        )
    }
}

pub struct S3Store {
    url: S3Url,
    bucket: Bucket,
    credentials: Option<Credentials>,
    agent: ureq::Agent,
    retention_days: u32,
}

impl std::fmt::Debug for S3Store {
    // Not derived: the credentials must never be printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Store")
            .field("url", &self.url)
            .field("endpoint", &self.bucket.base_url().as_str())
            .field("retention_days", &self.retention_days)
            .finish_non_exhaustive()
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl S3Store {
    /// The store at `url`, configured from the environment: the endpoint
    /// (`AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL`, else AWS in
    /// `AWS_REGION`), the credentials and the retention period.
    pub fn from_env(url: &S3Url) -> Result<S3Store, String> {
        let region = env("AWS_REGION")
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|| "us-east-1".into());
        let custom = env("AWS_ENDPOINT_URL_S3").or_else(|| env("AWS_ENDPOINT_URL"));
        // A store of one's own is addressed by path (its name service has
        // no bucket names); AWS by virtual host.
        let (endpoint, style) = match &custom {
            Some(e) => (e.clone(), UrlStyle::Path),
            None => (
                format!("https://s3.{region}.amazonaws.com"),
                UrlStyle::VirtualHost,
            ),
        };
        let endpoint = endpoint
            .parse()
            .map_err(|e| format!("the S3 endpoint {endpoint:?} is not a URL: {e}"))?;
        let bucket = Bucket::new(endpoint, style, url.bucket.clone(), region)
            .map_err(|e| format!("{url}: {e}"))?;
        let credentials = match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
            (Some(k), Some(s)) => Some(match env("AWS_SESSION_TOKEN") {
                Some(t) => Credentials::new_with_token(k, s, t),
                None => Credentials::new(k, s),
            }),
            (None, None) => None,
            _ => {
                return Err(
                    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together".into(),
                );
            }
        };
        let retention_days = match env(ENV_RETENTION) {
            None => DEFAULT_RETENTION_DAYS,
            Some(v) => match v.trim().parse::<u32>() {
                Ok(d) if (1..=36_500).contains(&d) => d,
                _ => {
                    return Err(format!(
                        "{ENV_RETENTION}={v:?}: the retention is a number of days from 1 to 36500"
                    ));
                }
            },
        };
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        Ok(S3Store {
            url: url.clone(),
            bucket,
            credentials,
            agent,
            retention_days,
        })
    }

    fn key(&self, sha256: &str) -> String {
        let (a, b) = sha256.split_at(2.min(sha256.len()));
        format!("{}objects/{a}/{b}", self.url.prefix)
    }

    fn key_location(&self, key: &str) -> PathBuf {
        PathBuf::from(format!("s3://{}/{key}", self.url.bucket))
    }

    fn remote(&self, key: &str, message: impl Into<String>) -> StoreError {
        StoreError::Remote {
            location: self.key_location(key).display().to_string(),
            message: message.into(),
        }
    }

    /// The retain-until date of an object stored now.
    fn retain_until(&self) -> String {
        let until = chrono::Utc::now() + chrono::Duration::days(i64::from(self.retention_days));
        until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    fn read_body(
        &self,
        key: &str,
        resp: &mut ureq::http::Response<ureq::Body>,
        limit: u64,
    ) -> Result<Vec<u8>, StoreError> {
        resp.body_mut()
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| self.remote(key, format!("cannot read the answer: {e}")))
    }

    /// S3's error code from an error answer (`<Code>…</Code>`), or the
    /// HTTP status.
    fn failure(
        &self,
        key: &str,
        what: &str,
        mut resp: ureq::http::Response<ureq::Body>,
    ) -> StoreError {
        let status = resp.status();
        let body = self
            .read_body(key, &mut resp, 64 * 1024)
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&body);
        let tag = |t: &str| {
            let open = format!("<{t}>");
            let start = text.find(&open)? + open.len();
            let end = text[start..].find(&format!("</{t}>"))? + start;
            Some(text[start..end].to_string())
        };
        let detail = match (tag("Code"), tag("Message")) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (Some(c), None) => c,
            _ => status.to_string(),
        };
        self.remote(
            key,
            format!("{what} refused (HTTP {}): {detail}", status.as_u16()),
        )
    }

    fn send_err(&self, key: &str, e: ureq::Error) -> StoreError {
        // ureq's errors name the URL, which carries the signature: print the
        // kind only.
        let kind = match e {
            ureq::Error::Io(io) => io.to_string(),
            ureq::Error::Timeout(t) => format!("timed out ({t})"),
            ureq::Error::HostNotFound => "host not found".into(),
            ureq::Error::ConnectionFailed => "connection failed".into(),
            other => {
                let s = other.to_string();
                match s.find("http") {
                    Some(i) => s[..i].trim().to_string(),
                    None => s,
                }
            }
        };
        self.remote(
            key,
            format!(
                "cannot reach the S3 endpoint {}: {kind}",
                self.bucket.base_url()
            ),
        )
    }

    /// The stored SHA-256 checksum of `key` (base64), `None` when the
    /// object was stored without one, or `Err(Missing)`.
    fn head_checksum(&self, key: &str) -> Result<Option<String>, StoreError> {
        let mut head = self.bucket.head_object(self.credentials.as_ref(), key);
        head.headers_mut().insert("x-amz-checksum-mode", "ENABLED");
        let url = head.sign(SIGNED_FOR);
        let resp = self
            .agent
            .head(url.as_str())
            .header("x-amz-checksum-mode", "ENABLED")
            .call()
            .map_err(|e| self.send_err(key, e))?;
        match resp.status().as_u16() {
            200 => Ok(resp
                .headers()
                .get("x-amz-checksum-sha256")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)),
            404 => Err(StoreError::Missing {
                path: self.key_location(key),
            }),
            _ => Err(self.failure(key, "HeadObject", resp)),
        }
    }

    /// Is the existing object at `key` the one named `sha256`? Its stored
    /// checksum says so; an object stored without one is read and hashed.
    fn check_existing(&self, key: &str, sha256: &str) -> Result<Put, StoreError> {
        let same = match self.head_checksum(key)? {
            Some(b64) => Base64::decode_vec(&b64).ok().map(hex::encode).as_deref() == Some(sha256),
            None => super::sha256_hex(&self.read_key(key)?) == sha256,
        };
        if same {
            Ok(Put::Present)
        } else {
            Err(StoreError::Conflict {
                path: self.key_location(key),
            })
        }
    }

    fn read_key(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        let url = self
            .bucket
            .get_object(self.credentials.as_ref(), key)
            .sign(SIGNED_FOR);
        let mut resp = self
            .agent
            .get(url.as_str())
            .call()
            .map_err(|e| self.send_err(key, e))?;
        match resp.status().as_u16() {
            200 => {
                let bytes = self.read_body(key, &mut resp, MAX_FILE_BYTES + 1)?;
                if bytes.len() as u64 > MAX_FILE_BYTES {
                    return Err(self.remote(
                        key,
                        format!("larger than an archived PDF can be ({MAX_FILE_BYTES} bytes)"),
                    ));
                }
                Ok(bytes)
            }
            404 => Err(StoreError::Missing {
                path: self.key_location(key),
            }),
            _ => Err(self.failure(key, "GetObject", resp)),
        }
    }
}

impl ObjectStore for S3Store {
    fn location(&self) -> PathBuf {
        PathBuf::from(self.url.to_string())
    }

    fn object_location(&self, sha256: &str) -> PathBuf {
        self.key_location(&self.key(sha256))
    }

    fn put(&self, sha256: &str, bytes: &[u8]) -> Result<Put, StoreError> {
        let key = self.key(sha256);
        let Ok(digest) = hex::decode(sha256) else {
            return Err(self.remote(&key, "not a SHA-256"));
        };
        let checksum = Base64::encode_string(&digest);
        let until = self.retain_until();
        let headers = [
            ("if-none-match", "*".to_string()),
            ("x-amz-checksum-sha256", checksum),
            // Object Lock puts must carry an integrity header; this one
            // says which checksum it is.
            ("x-amz-sdk-checksum-algorithm", "SHA256".to_string()),
            ("x-amz-object-lock-mode", "COMPLIANCE".to_string()),
            ("x-amz-object-lock-retain-until-date", until),
        ];
        // A concurrent conditional write of the same key may be answered
        // 409 (ConditionalRequestConflict): try again, then it is a 412.
        for attempt in 0..5u64 {
            let mut put = self.bucket.put_object(self.credentials.as_ref(), &key);
            for (k, v) in &headers {
                put.headers_mut().insert(*k, v.clone());
            }
            let url = put.sign(SIGNED_FOR);
            let mut req = self.agent.put(url.as_str());
            for (k, v) in &headers {
                req = req.header(*k, v.as_str());
            }
            let resp = req.send(bytes).map_err(|e| self.send_err(&key, e))?;
            match resp.status().as_u16() {
                200 | 201 | 204 => return Ok(Put::Written),
                412 => return self.check_existing(&key, sha256),
                409 if attempt < 4 => {
                    std::thread::sleep(Duration::from_millis(50 * (attempt + 1)));
                }
                _ => return Err(self.failure(&key, "PutObject", resp)),
            }
        }
        Err(self.remote(&key, "PutObject kept conflicting with another writer"))
    }

    fn read(&self, sha256: &str) -> Result<Vec<u8>, StoreError> {
        self.read_key(&self.key(sha256))
    }

    fn list(&self) -> Result<Vec<Found>, StoreError> {
        let base = format!("{}objects/", self.url.prefix);
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut list = self.bucket.list_objects_v2(self.credentials.as_ref());
            list.with_prefix(base.clone());
            if let Some(t) = &token {
                list.with_continuation_token(t.clone());
            }
            let url = list.sign(SIGNED_FOR);
            let mut resp = self
                .agent
                .get(url.as_str())
                .call()
                .map_err(|e| self.send_err(&base, e))?;
            if resp.status().as_u16() != 200 {
                return Err(self.failure(&base, "ListObjectsV2", resp));
            }
            let body = self.read_body(&base, &mut resp, 64 * 1024 * 1024)?;
            let body = std::str::from_utf8(&body)
                .map_err(|e| self.remote(&base, format!("unreadable listing: {e}")))?;
            let parsed = rusty_s3::actions::ListObjectsV2::parse_response(body)
                .map_err(|e| self.remote(&base, format!("unreadable listing: {e}")))?;
            for c in parsed.contents {
                let key = percent_decode(&c.key);
                let rest = key.strip_prefix(&base).unwrap_or(&key);
                let sha = rest.replacen('/', "", 1);
                let shaped = rest.len() == 65 && rest.as_bytes().get(2) == Some(&b'/');
                if shaped && is_sha256(&sha) {
                    out.push(Found::Object {
                        sha256: sha,
                        path: self.key_location(&key),
                    });
                } else {
                    out.push(Found::Unexpected {
                        path: self.key_location(&key),
                    });
                }
            }
            match parsed.next_continuation_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => break,
            }
        }
        out.sort_by(|a, b| {
            let p = |f: &Found| match f {
                Found::Object { path, .. } | Found::Unexpected { path } => path.clone(),
            };
            p(a).cmp(&p(b))
        });
        Ok(out)
    }
}

/// Keys come back URL-encoded (`encoding-type=url`).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = S3Url::parse("s3://cip-archive/office/ny/").unwrap();
        assert_eq!(u.bucket, "cip-archive");
        assert_eq!(u.prefix, "office/ny/");
        assert_eq!(u.to_string(), "s3://cip-archive/office/ny");
        assert_eq!(S3Url::parse("s3://cip-archive").unwrap().prefix, "");
        assert!(S3Url::parse("cip-archive").is_err());
        assert!(S3Url::parse("s3://UPPER/x").is_err());
        assert!(S3Url::parse("s3://ok-bucket/../x").is_err());
        assert_eq!(percent_decode("objects%2Fab%2Fcd"), "objects/ab/cd");
        assert_eq!(percent_decode("a%2"), "a%2");
    }
}
