//! The shared runtime suite (`ts3q_runtime::suite`) on the tokio runtime.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use ts3q_runtime::suite::AsyncAdapter;
use ts3q_runtime::{Error, Options};
use ts3q_tokio::Connection;

struct Tokio;

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
        name: &str,
        cid: u32,
        overwrite: bool,
        resume: bool,
    ) -> Result<u64, Error> {
        let mut file = tokio::fs::File::open(path).await?;
        c.upload(&mut file, name, cid, "", overwrite, resume).await
    }
    async fn download(
        c: &mut Connection,
        path: &Path,
        name: &str,
        cid: u32,
        seekpos: u64,
    ) -> Result<u64, Error> {
        let mut file = tokio::fs::File::create(path).await?;
        c.download(&mut file, name, cid, "", seekpos).await
    }
    async fn sleep(d: Duration) {
        tokio::time::sleep(d).await;
    }
}

ts3q_runtime::runtime_suite!(Tokio);
