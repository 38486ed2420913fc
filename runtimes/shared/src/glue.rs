//! The file transfer glue every async runtime needs, written once: a wrapper that shows the
//! runtime's readers and writers to [`crate::transfer`]'s loops, the transfer socket, the
//! address-and-key functions, and the connection's file methods. Each runtime invokes the two
//! macros with its own I/O traits, TCP stream and runtime type; what differs between them is
//! only those names.

/// Declares, in the invoking module: the reader/writer wrapper `$wrapper`, `TransferSocket`
/// over `$tcp`, and `upload_to` / `download_from` by address and key on runtime `$runtime`.
/// `$io` is the module with the runtime's `AsyncRead`, `AsyncWrite`, `AsyncSeek` and their
/// `*Ext` traits; `$shutdown` closes the sending half of a `$tcp` named by `$s`.
#[doc(hidden)]
#[macro_export]
macro_rules! transfer_glue {
    (
        runtime: $runtime:ty,
        io: $($io:ident)::+,
        tcp: $tcp:ty,
        wrapper: $wrapper:ident,
        shutdown: |$s:ident| $shutdown:expr $(,)?
    ) => {
        use $($io)::+::{
            AsyncRead, AsyncReadExt, AsyncSeek, AsyncSeekExt, AsyncWrite, AsyncWriteExt,
        };
        pub use $crate::files::{ActiveTransfer, FileEntry};
        pub use $crate::transfer::{
            address, next_ftid, Download, Plan, Timeouts, Transferred, Upload,
        };
        pub use $crate::ts3q::filetransfer::Progress;

        /// One of this runtime's readers or writers as the shared transfer loops see it.
        #[derive(Debug)]
        pub struct $wrapper<T>(pub T);

        impl<T: AsyncRead + AsyncSeek + Unpin> $crate::transfer::Source for $wrapper<T> {
            async fn read(&mut self, buf: &mut [u8]) -> ::std::io::Result<usize> {
                self.0.read(buf).await
            }
            async fn seek(&mut self, pos: ::std::io::SeekFrom) -> ::std::io::Result<u64> {
                self.0.seek(pos).await
            }
        }

        impl<T: AsyncWrite + Unpin> $crate::transfer::Sink for $wrapper<T> {
            async fn write_all(&mut self, data: &[u8]) -> ::std::io::Result<()> {
                self.0.write_all(data).await
            }
            async fn flush(&mut self) -> ::std::io::Result<()> {
                self.0.flush().await
            }
        }

        /// A file transfer connection on this runtime.
        #[derive(Debug)]
        pub struct TransferSocket($tcp);

        impl $crate::transfer::Socket for TransferSocket {
            async fn connect(host: &str, port: u16) -> ::std::io::Result<TransferSocket> {
                let s = <$tcp>::connect((host, port)).await?;
                let _ = s.set_nodelay(true);
                Ok(TransferSocket(s))
            }
            async fn read(&mut self, buf: &mut [u8]) -> ::std::io::Result<usize> {
                self.0.read(buf).await
            }
            async fn write_all(&mut self, data: &[u8]) -> ::std::io::Result<()> {
                self.0.write_all(data).await
            }
            async fn shutdown_write(&mut self) {
                let $s = &mut self.0;
                $shutdown
            }
        }

        /// Sends `file` from `progress.start` to the transfer port `host:port` with `key`,
        /// reporting progress (at most every 50 ms, and at the end). The file's size once
        /// every byte went out; a cut connection is
        /// [`Error::TransferInterrupted`](ts3q_runtime::Error::TransferInterrupted) with the
        /// bytes that did.
        pub async fn upload_to(
            host: &str,
            port: u16,
            key: &str,
            file: &mut (impl AsyncRead + AsyncSeek + Unpin),
            progress: Progress,
            timeouts: Timeouts,
            report: impl FnMut(Transferred),
        ) -> Result<u64, $crate::Error> {
            let file = &mut $wrapper(file);
            $crate::transfer::upload_to::<$runtime>(
                host, port, key, file, progress, timeouts, report,
            )
            .await
        }

        /// Receives a file from the transfer port `host:port` with `key` into `out`,
        /// reporting progress. The file's size once every byte arrived.
        pub async fn download_from(
            host: &str,
            port: u16,
            key: &str,
            out: &mut (impl AsyncWrite + Unpin),
            progress: Progress,
            timeouts: Timeouts,
            report: impl FnMut(Transferred),
        ) -> Result<u64, $crate::Error> {
            let out = &mut $wrapper(out);
            $crate::transfer::download_from::<$runtime>(
                host, port, key, out, progress, timeouts, report,
            )
            .await
        }
    };
}

/// The file methods of an async runtime's `Connection` (a newtype that derefs to
/// [`crate::asynch::Connection`]), taking the runtime's readers and writers through `$wrapper`.
/// Invoke inside `impl Connection { .. }`, with `AsyncRead`, `AsyncSeek` and `AsyncWrite` in
/// scope.
#[doc(hidden)]
#[macro_export]
macro_rules! connection_file_methods {
    ($wrapper:path) => {
        /// Uploads `file` (from where the server asks: with `resume`, the size it has) and
        /// checks that the server stored all of it. The file's size.
        pub async fn upload(
            &self,
            request: &$crate::transfer::Upload,
            file: &mut (impl AsyncRead + AsyncSeek + Unpin),
        ) -> Result<u64, $crate::Error> {
            self.upload_with_progress(request, file, $crate::transfer::no_progress)
                .await
        }

        /// [`upload`](Self::upload), calling `report` with the bytes done and the total at
        /// most every 50 ms and once at the end.
        pub async fn upload_with_progress(
            &self,
            request: &$crate::transfer::Upload,
            file: &mut (impl AsyncRead + AsyncSeek + Unpin),
            report: impl FnMut($crate::transfer::Transferred),
        ) -> Result<u64, $crate::Error> {
            self.upload_from(request, &mut $wrapper(file), report).await
        }

        /// Downloads into `out`, from `request`'s seek position. The file's size.
        pub async fn download(
            &self,
            request: &$crate::transfer::Download,
            out: &mut (impl AsyncWrite + Unpin),
        ) -> Result<u64, $crate::Error> {
            self.download_with_progress(request, out, $crate::transfer::no_progress)
                .await
        }

        /// [`download`](Self::download), calling `report` with the bytes done and the total
        /// at most every 50 ms and once at the end.
        pub async fn download_with_progress(
            &self,
            request: &$crate::transfer::Download,
            out: &mut (impl AsyncWrite + Unpin),
            report: impl FnMut($crate::transfer::Transferred),
        ) -> Result<u64, $crate::Error> {
            self.download_into(request, &mut $wrapper(out), report)
                .await
        }

        /// Uploads the file at `path`, read ahead by a thread of its own
        /// ([`DiskSource`]($crate::disk::DiskSource)): the fast way to send a file from disk,
        /// as this runtime's own async files hop to a blocking pool for every read. The file's
        /// size.
        pub async fn upload_file(
            &self,
            request: &$crate::transfer::Upload,
            path: impl AsRef<::std::path::Path>,
        ) -> Result<u64, $crate::Error> {
            self.upload_file_with_progress(request, path, $crate::transfer::no_progress)
                .await
        }

        /// [`upload_file`](Self::upload_file), calling `report` with the bytes done and the
        /// total at most every 50 ms and once at the end.
        pub async fn upload_file_with_progress(
            &self,
            request: &$crate::transfer::Upload,
            path: impl AsRef<::std::path::Path>,
            report: impl FnMut($crate::transfer::Transferred),
        ) -> Result<u64, $crate::Error> {
            let mut file = $crate::disk::DiskSource::open(path)?;
            self.upload_from(request, &mut file, report).await
        }

        /// Downloads into the file at `path`, written behind by a thread of its own
        /// ([`DiskSink`]($crate::disk::DiskSink)). The file is created (or truncated) once the
        /// server granted the download; with a seek position, it is continued from there
        /// instead (a resumed download). The file's size.
        pub async fn download_file(
            &self,
            request: &$crate::transfer::Download,
            path: impl AsRef<::std::path::Path>,
        ) -> Result<u64, $crate::Error> {
            self.download_file_with_progress(request, path, $crate::transfer::no_progress)
                .await
        }

        /// [`download_file`](Self::download_file), calling `report` with the bytes done and
        /// the total at most every 50 ms and once at the end.
        pub async fn download_file_with_progress(
            &self,
            request: &$crate::transfer::Download,
            path: impl AsRef<::std::path::Path>,
            report: impl FnMut($crate::transfer::Transferred),
        ) -> Result<u64, $crate::Error> {
            let plan = self.init_download(request).await?;
            let mut out = match request.seekpos {
                0 => $crate::disk::DiskSink::create(path)?,
                at => $crate::disk::DiskSink::resume(path, at)?,
            };
            self.download_plan_into(&plan, &mut out, report).await
        }

        /// Sends the bytes of a granted upload (`init_upload`), without the check that the
        /// server stored them.
        pub async fn upload_plan(
            &self,
            plan: &$crate::transfer::Plan,
            file: &mut (impl AsyncRead + AsyncSeek + Unpin),
            report: impl FnMut($crate::transfer::Transferred),
        ) -> Result<u64, $crate::Error> {
            self.upload_plan_from(plan, &mut $wrapper(file), report)
                .await
        }

        /// Receives the bytes of a granted download (`init_download`).
        pub async fn download_plan(
            &self,
            plan: &$crate::transfer::Plan,
            out: &mut (impl AsyncWrite + Unpin),
            report: impl FnMut($crate::transfer::Transferred),
        ) -> Result<u64, $crate::Error> {
            self.download_plan_into(plan, &mut $wrapper(out), report)
                .await
        }
    };
}
