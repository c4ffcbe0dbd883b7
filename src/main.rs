fn main() {
    println!("cip {}", env!("CARGO_PKG_VERSION"));
}
