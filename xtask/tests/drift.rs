//! The checked-in generated code is exactly what the generator writes from the checked-in
//! inputs (spec, overrides, `@clerk/backend`'s names): a hand edit of a generated file, or an
//! input changed without running `cargo xtask codegen`, fails here.

use std::path::Path;

#[test]
fn the_checked_in_generated_code_is_what_the_generator_writes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let stale = xtask::drift(&root).expect("the generator runs");
    assert!(
        stale.is_empty(),
        "generated files differ from what `cargo xtask codegen` writes (run it and review the diff): {stale:?}"
    );
}
