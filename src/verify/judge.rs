//! The policy on top of a report: may a verified file be relied on?

use super::*;

/// Whether a verified file can be relied on (archived, answered with a
/// letter): at least one
/// signature, every signature valid with nothing but signatures added after
/// it, the manifest matching (or absent), and with `require_trusted` every
/// signer trusted. `Err` lists the reasons.
pub fn judge(report: &VerifyReport, require_trusted: bool) -> Result<(), Vec<String>> {
    let mut reasons = Vec::new();
    if report.signatures.is_empty() {
        reasons.push("the file is not signed".to_string());
    }
    for s in &report.signatures {
        let who = s
            .signer
            .as_ref()
            .and_then(|p| p.name.clone())
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        if !s.valid {
            let why = if s.problems.is_empty() {
                "no detail".to_string()
            } else {
                s.problems.join("; ")
            };
            reasons.push(format!("signature {}{who} is not valid: {why}", s.field));
            continue;
        }
        if !matches!(
            s.later_changes.kind,
            ChangeKind::None | ChangeKind::SignaturesOnly
        ) {
            reasons.push(format!(
                "signature {}{who}: {} after signing",
                s.field, s.later_changes.kind
            ));
        }
        if require_trusted && !s.trusted {
            reasons.push(format!("signature {}{who}: signer {}", s.field, s.trust));
        }
        if let Some(t) = s
            .timestamp
            .as_ref()
            .filter(|t| require_trusted && !t.trusted)
        {
            reasons.push(format!(
                "signature {}{who}: timestamp authority {}",
                s.field, t.trust
            ));
        }
        reasons.extend(
            s.problems
                .iter()
                .filter(|p| p.contains("no later document timestamp"))
                .map(|p| format!("signature {}{who}: {p}", s.field)),
        );
    }
    for d in report.document_timestamps.iter().filter(|d| !d.ok) {
        let mut why: Vec<String> = d.problems.clone();
        why.extend(d.timestamp.problems.iter().cloned());
        if why.is_empty() {
            why.push(d.later_changes.kind.to_string());
        }
        reasons.push(format!(
            "document timestamp {} is not valid: {}",
            d.field,
            why.join("; ")
        ));
    }
    reasons.extend(report.problems.iter().cloned());
    if !report.manifest.ok() {
        let mut m = format!("manifest: {:?}", report.manifest.status).to_lowercase();
        if !report.manifest.problems.is_empty() {
            m.push_str(": ");
            m.push_str(&report.manifest.problems.join("; "));
        }
        reasons.push(m);
    }
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(reasons)
    }
}
