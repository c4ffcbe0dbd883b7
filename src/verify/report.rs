//! What verification reports: per signature, per signer, and for the file.

use super::*;

#[derive(Clone, Debug, Default)]
pub struct VerifyOptions {
    /// Trust anchors: a signer is trusted when its certificate or an issuer
    /// in its chain is one of these.
    pub trust: Vec<Certificate>,
    /// Folder with the supporting documents, compared with the manifest.
    pub docs_dir: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("unreadable PDF: {0}")]
    Pdf(#[from] PdfError),
}

#[derive(Clone, Debug, Serialize)]
pub struct VerifyReport {
    pub file_size: usize,
    pub revisions: usize,
    pub signatures: Vec<SignatureReport>,
    /// Document timestamps (`/DocTimeStamp`), oldest first.
    pub document_timestamps: Vec<DocTimestampReport>,
    /// The Document Security Store (long-term validation data), if any.
    pub dss: Option<DssReport>,
    /// The time validity was judged at: `--at`, else the time of the run.
    pub evaluated_at: String,
    /// The end of the revision whose embedded files (plan, manifest, letter
    /// data) are the signed content: the first signed revision. `None` for
    /// an unsigned file, whose content is the whole file.
    pub content_revision_end: Option<usize>,
    pub manifest: ManifestReport,
    /// `plan.toml` as the content revision embeds it (read once, with the
    /// manifest): what a letter or a revision reads without parsing the
    /// file again. Not in the JSON report.
    #[serde(skip)]
    pub signed_plan_toml: Option<Vec<u8>>,
    /// Problems of the file as a whole (e.g. signed revisions that embed
    /// different plans).
    pub problems: Vec<String>,
    pub ok: bool,
}

impl VerifyReport {
    /// Every signature valid and trusted, nothing but signatures added after
    /// each, at least one signature, and the manifest matching (or absent).
    pub fn ok(&self) -> bool {
        self.ok
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct SignerReport {
    pub name: Option<String>,
    pub title: Option<String>,
    pub organization: Option<String>,
    pub email: Option<String>,
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub cert_sha256: String,
    pub not_before: String,
    pub not_after: String,
    pub self_signed: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trust {
    Trusted,
    /// Valid, self-signed, and not among the trust anchors.
    UntrustedSelfSigned,
    /// Valid, but no chain to a trust anchor.
    Untrusted,
    /// Not judged because the signature is not valid.
    NotChecked,
}

impl std::fmt::Display for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Trust::Trusted => "trusted",
            Trust::UntrustedSelfSigned => "valid but untrusted (self-signed)",
            Trust::Untrusted => "valid but untrusted (no chain to a --trust certificate)",
            Trust::NotChecked => "not checked",
        })
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct SignatureReport {
    pub field: String,
    pub signer: Option<SignerReport>,
    pub signing_time: Option<String>,
    pub algorithm: Option<String>,
    pub digest_algorithm: Option<DigestAlg>,
    pub sub_filter: Option<String>,
    pub reason: Option<String>,
    pub location: Option<String>,
    pub byte_range: Option<[u64; 4]>,
    /// End of the revision this signature signs.
    pub signed_revision_end: Option<usize>,
    pub covers_whole_revision: bool,
    pub covers_whole_file: bool,
    /// The CMS message digest equals the digest of the signed bytes.
    pub intact: bool,
    /// The CMS signature verifies with the certificate's public key.
    pub signature_verified: bool,
    pub cert_valid_at_signing_time: bool,
    /// All of the above.
    pub valid: bool,
    pub trusted: bool,
    pub trust: Trust,
    pub later_changes: LaterChanges,
    /// The signature timestamp (PAdES B-T), if any.
    pub timestamp: Option<TimestampReport>,
    /// The time the certificate's validity was judged at, and why that
    /// time: "timestamp", "document timestamp", "--at date" or "claimed
    /// signing time".
    pub validity_judged_at: Option<String>,
    pub validity_basis: Option<String>,
    /// The DSS has a /VRI entry for this signature.
    pub vri: bool,
    /// What the DSS's CRLs say about the signer's certificate (`None`
    /// when the file carries no CRLs).
    pub revocation: Option<super::RevocationReport>,
    pub problems: Vec<String>,
    pub ok: bool,
}

impl SignatureReport {
    pub(super) fn new(field: &str) -> Self {
        SignatureReport {
            field: field.to_string(),
            signer: None,
            signing_time: None,
            algorithm: None,
            digest_algorithm: None,
            sub_filter: None,
            reason: None,
            location: None,
            byte_range: None,
            signed_revision_end: None,
            covers_whole_revision: false,
            covers_whole_file: false,
            intact: false,
            signature_verified: false,
            cert_valid_at_signing_time: false,
            valid: false,
            trusted: false,
            trust: Trust::NotChecked,
            later_changes: LaterChanges::none(),
            timestamp: None,
            validity_judged_at: None,
            validity_basis: None,
            vri: false,
            revocation: None,
            problems: Vec::new(),
            ok: false,
        }
    }
}
