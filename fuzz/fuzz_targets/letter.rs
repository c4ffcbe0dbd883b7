//! The letter path from a user's template folder: a tera template (or, with
//! the first byte odd, Markdown passed through verbatim) rendered with the
//! sample plan's context, parsed as Markdown, typeset and written as PDF.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::NaiveDate;
use cip::letter::templates::export_bundled;
use cip::letter::{AmProfile, Issuer, Kind, LetterData, LetterOptions, PlanInput, Templates};
use libfuzzer_sys::fuzz_target;

struct Fixture {
    /// The bundled templates (so `{% include %}` of their partials works)
    /// plus the fuzzed `fuzz.md.tera`.
    dir: PathBuf,
    plan: PlanInput,
    am: AmProfile,
    data: LetterData,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let samples = cip_fuzz::samples();
        let dir = cip_fuzz::scratch_dir("letter");
        export_bundled(&dir).expect("export the bundled templates");
        Fixture {
            dir,
            plan: PlanInput::load(&samples.join("acme.toml"), &[]).expect("sample plan"),
            am: AmProfile::load(&samples.join("am.toml")).expect("sample profile"),
            data: LetterData::load(&samples.join("letter.toml")).expect("sample data"),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let f = fixture();
    let mut template = Vec::with_capacity(body.len() + 32);
    if mode & 1 == 1 {
        template.extend_from_slice(b"{% raw %}");
        template.extend_from_slice(body);
        template.extend_from_slice(b"{% endraw %}");
    } else {
        template.extend_from_slice(body);
    }
    std::fs::write(f.dir.join("fuzz.md.tera"), &template).expect("write the template");
    let Ok(templates) = Templates::from_dir(&f.dir) else {
        return;
    };
    let issuer = Issuer {
        kind: Kind::parse("fuzz"),
        am: &f.am,
        data: &f.data,
        templates: &templates,
        options: LetterOptions {
            date: NaiveDate::from_ymd_opt(2027, 1, 10),
            force: true,
            ..Default::default()
        },
        signer: None,
    };
    let _ = issuer.issue(&f.plan);
});
