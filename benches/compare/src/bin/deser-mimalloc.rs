//! The `deser` harness with mimalloc as the global allocator instead of the system's (glibc's
//! on Linux): the deserialized structs allocate (a `String` for each escaped nickname, a `Vec`
//! for each group list, the `Vec` of structs), reading the values does not, so the ratio of the
//! two moves with the allocator. This shows by how much.
//!
//! ```sh
//! cargo run --release --manifest-path benches/compare/Cargo.toml --bin deser-mimalloc -- CORPUS_DIR
//! ```

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "deser.rs"]
mod deser;

fn main() {
    deser::main()
}
