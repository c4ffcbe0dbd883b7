//! Build script of the `cip` binary: lays out the functions its everyday
//! commands run next to each other in the executable.
//!
//! Why: a render runs about 3 MB of the 11.9 MB of machine code, scattered
//! across all of it. The kernel maps a file-backed page with its neighbours
//! (64 KB at a time), so the scatter made 7.4 MB of code resident for one
//! render: most of the process's 13.4 MB peak memory. With the functions
//! that `scripts/symbol-order` saw running packed together, a render with
//! signing peaks at about 8 MB (README "Benchmarks").
//!
//! The list names symbols exactly as the `dist` profile mangles them, so it
//! only takes effect in that profile and with the toolchain it was made with
//! (other builds find almost none of its names, which the linker is told to
//! ignore). It changes where functions sit, never what they do.
//!
//! Only LLD understands `--symbol-ordering-file`; rustc links this target
//! with its bundled LLD by default since 1.90. The flag is left out when
//! another target, an older rustc or a configured linker could mean another
//! linker (GNU ld would refuse the flag), or when `CIP_NO_SYMBOL_ORDER` is
//! set.

use std::env;
use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=scripts/build.rs");
    println!("cargo:rerun-if-changed=scripts/symbol-order.txt");
    println!("cargo:rerun-if-env-changed=CIP_NO_SYMBOL_ORDER");
    if env::var_os("CIP_NO_SYMBOL_ORDER").is_some() || !links_with_bundled_lld() {
        return;
    }
    let Some(dir) = env::var_os("CARGO_MANIFEST_DIR") else {
        return;
    };
    let list = Path::new(&dir).join("scripts/symbol-order.txt");
    if !list.is_file() {
        return;
    }
    println!(
        "cargo:rustc-link-arg-bin=cip=-Wl,--symbol-ordering-file={}",
        list.display()
    );
    println!("cargo:rustc-link-arg-bin=cip=-Wl,--no-warn-symbol-ordering");
}

/// True where rustc links with its bundled LLD unless told otherwise:
/// x86_64 Linux (GNU) from rustc 1.90, with no linker configured through
/// Cargo (`RUSTC_LINKER`) or rustc flags (`-C linker…`).
fn links_with_bundled_lld() -> bool {
    if env::var("TARGET").ok().as_deref() != Some("x86_64-unknown-linux-gnu") {
        return false;
    }
    if env::var_os("RUSTC_LINKER").is_some() {
        return false;
    }
    if env::var("CARGO_ENCODED_RUSTFLAGS").is_ok_and(|flags| flags.contains("link")) {
        return false;
    }
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let Ok(out) = Command::new(rustc).arg("-V").output() else {
        return false;
    };
    // "rustc 1.95.0 (59807616e 2026-04-14)"
    let version = String::from_utf8_lossy(&out.stdout);
    let mut parts = version
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .split('.')
        .map(|n| n.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) >= (1, 90)
}
