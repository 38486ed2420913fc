//! The shared runtime suite (`ts3q_runtime::suite`) on the tokio runtime.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use ts3q_runtime::suite::AsyncAdapter;
use ts3q_runtime::{Error, Options};
use ts3q_tokio::transfer::{self, Download, Progress, Transferred, Upload};
use ts3q_tokio::Connection;

struct Tokio;

/// A new file, or the end of the existing one when continuing from `seekpos`.
async fn output(path: &Path, seekpos: u64) -> std::io::Result<tokio::fs::File> {
    match seekpos {
        0 => tokio::fs::File::create(path).await,
        _ => tokio::fs::OpenOptions::new().append(true).open(path).await,
    }
}

impl AsyncAdapter for Tokio {
    type Conn = Connection;
    type Runtime = ts3q_tokio::Tokio;

    fn block_on<T>(f: impl Future<Output = T>) -> T {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build();
        rt.expect("tokio runtime").block_on(f)
    }
    async fn connect(o: Options) -> Result<Connection, Error> {
        Connection::connect(o).await
    }
    async fn upload(
        c: &mut Connection,
        path: &Path,
        request: &Upload,
        reports: &mut Vec<Transferred>,
    ) -> Result<u64, Error> {
        let mut file = tokio::fs::File::open(path).await?;
        c.upload_with_progress(request, &mut file, |t| reports.push(t))
            .await
    }
    async fn download(
        c: &mut Connection,
        path: &Path,
        request: &Download,
        reports: &mut Vec<Transferred>,
    ) -> Result<u64, Error> {
        let mut file = output(path, request.seekpos).await?;
        c.download_with_progress(request, &mut file, |t| reports.push(t))
            .await
    }
    async fn download_by_key(
        path: &Path,
        host: &str,
        port: u16,
        key: &str,
        progress: Progress,
    ) -> Result<u64, Error> {
        let mut file = output(path, progress.start).await?;
        let timeouts = transfer::Timeouts::default();
        transfer::download_from(host, port, key, &mut file, progress, timeouts, |_| {}).await
    }
    async fn upload_file(
        c: &mut Connection,
        path: &Path,
        request: &Upload,
        reports: &mut Vec<Transferred>,
    ) -> Result<u64, Error> {
        c.upload_file_with_progress(request, path, |t| reports.push(t))
            .await
    }
    async fn download_file(
        c: &mut Connection,
        path: &Path,
        request: &Download,
        reports: &mut Vec<Transferred>,
    ) -> Result<u64, Error> {
        c.download_file_with_progress(request, path, |t| reports.push(t))
            .await
    }
    async fn sleep(d: Duration) {
        tokio::time::sleep(d).await;
    }
}

ts3q_runtime::runtime_suite!(Tokio);

/// The typed stream (async runtimes only).
#[test]
fn typed_notification_stream() {
    ts3q_runtime::suite::typed_stream::<Tokio>();
}

/// `upload_file` / `download_file` through the disk threads (async runtimes only).
#[test]
fn disk_transfers() {
    ts3q_runtime::suite::disk_transfers::<Tokio>();
}
