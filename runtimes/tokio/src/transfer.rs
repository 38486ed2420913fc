//! The file transfer port on tokio: the byte loops are `ts3q_runtime::transfer`'s, over
//! tokio's readers and writers through [`TokioIo`]. By ticket (the connection's
//! `upload_plan` / `download_plan`) or by address and key (py-ts3's class-level
//! `TS3FileTransfer.upload` / `download`): [`upload_to`], [`download_from`]. Every socket has
//! connect, read and write timeouts; two fixed 256 KiB buffers (the next chunk moves while
//! this one is written), whatever the file's size.

ts3q_runtime::transfer_glue! {
    runtime: crate::Tokio,
    io: tokio::io,
    tcp: tokio::net::TcpStream,
    wrapper: TokioIo,
    shutdown: |s| {
        let _ = s.shutdown().await;
    },
}
