//! The shared runtime suite (`ts3q_runtime::suite`) on the smol runtime.

ts3q_runtime::async_runtime_suite! {
    adapter: Smol,
    crate: ts3q_smol,
    runtime: ts3q_smol::Smol,
    fs: smol::fs,
    block_on: |f| smol::block_on(f),
    sleep: |d| smol::Timer::after(d),
}
