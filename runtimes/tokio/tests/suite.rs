//! The shared runtime suite (`ts3q_runtime::suite`) on the tokio runtime.

ts3q_runtime::async_runtime_suite! {
    adapter: Tokio,
    crate: ts3q_tokio,
    runtime: ts3q_tokio::Tokio,
    fs: tokio::fs,
    block_on: |f| {
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build();
        rt.expect("tokio runtime").block_on(f)
    },
    sleep: |d| tokio::time::sleep(d),
}
