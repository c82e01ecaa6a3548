//! The window's TypeScript declarations (`ui/src/lib/bindings.ts`) are those the Rust
//! types give now. CI fails here when a type changed and the file was not regenerated:
//! `UPDATE_BINDINGS=1 cargo test -p outpost-desktop --test bindings` rewrites it.

#[test]
fn the_windows_bindings_are_current() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(outpost_desktop::bindings::PATH);
    let want = outpost_desktop::bindings::render();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &want).expect("bindings written");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{} is stale: run UPDATE_BINDINGS=1 cargo test -p outpost-desktop --test bindings",
        path.display()
    );
}
