//! The query builder (py-ts3's `conn.query(..).params(..).pipe(..).fetch()`), one type for
//! every runtime: what runs it is the [`Exec`] it was made from.

use std::time::Duration;

use ts3q::{Command, OwnedItem, ParamValue, Response};

use crate::Error;

/// A command with its own response timeout (`None`: the connection's default).
#[derive(Debug, Clone)]
pub struct Request {
    /// The command.
    pub command: Command,
    /// The response timeout for this command only.
    pub timeout: Option<Duration>,
}

/// Something that runs a [`Request`]: a blocking connection (`Output<T> = T`) or an async one
/// (`Output<T>` is a future of `T`). Runtimes implement it on a reference to their connection.
pub trait Exec: Sized {
    /// What running gives: the result itself, or a future of it.
    type Output<T: Send + 'static>;
    /// Runs the request: its response, or a refusal (`error id != 0`) as [`Error::Query`].
    fn exec_request(self, request: Request) -> Self::Output<Result<Response, Error>>;
    /// Applies `f` to the result, once there is one.
    fn map_output<T: Send + 'static, U: Send + 'static>(
        out: Self::Output<T>,
        f: fn(T) -> U,
    ) -> Self::Output<U>;
}

/// A command being built on a connection. Made by the runtimes' `query(name)`; finished with
/// [`fetch`](Self::fetch), [`first`](Self::first) or [`all`](Self::all), which return the
/// result on a blocking connection and a future of it on an async one.
///
/// ```
/// # let sim = ts3_sim::Sim::start(ts3_sim::SimConfig { demo: true, ..Default::default() }).unwrap();
/// # let uri = format!("telnet://serveradmin:{}@{}", sim.password(), sim.query_addr());
/// let mut conn = ts3q_blocking::Connection::open(&uri)?;
/// conn.query("use").param("sid", 1).fetch()?;
/// let clients = conn.query("clientlist").option("away").all()?;       // Vec<OwnedItem>
/// let nobody = conn.query("clientfind").param("pattern", "nobody").first()?; // 1281: None
/// assert!(nobody.is_none());
/// # Ok::<(), ts3q_runtime::Error>(())
/// ```
#[must_use = "a query does nothing until fetch(), first() or all()"]
pub struct Query<E> {
    exec: E,
    request: Request,
}

impl<E: Exec> Query<E> {
    /// A query for command `name` on `exec`.
    pub fn new(exec: E, name: &str) -> Query<E> {
        Query {
            exec,
            request: Request {
                command: Command::new(name),
                timeout: None,
            },
        }
    }

    /// Adds `key=value` to the current pipe.
    pub fn param(mut self, key: &str, value: impl ParamValue) -> Self {
        self.request.command.push_param(key, value);
        self
    }

    /// Adds `-option` to the current pipe.
    pub fn option(mut self, option: &str) -> Self {
        self.request.command.push_option(option);
        self
    }

    /// Starts a new pipe (`|`).
    pub fn pipe(mut self) -> Self {
        self.request.command.push_pipe();
        self
    }

    /// Allows a command name the interface's list does not know.
    pub fn allow_unknown(mut self) -> Self {
        self.request.command = self.request.command.allow_unknown();
        self
    }

    /// Waits at most `t` for this command's response (instead of the connection's default).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.request.timeout = Some(t);
        self
    }

    /// Runs it: the whole response.
    pub fn fetch(self) -> E::Output<Result<Response, Error>> {
        self.exec.exec_request(self.request)
    }

    /// Runs it: the first item, if any (an empty result set, error 1281, is `None`).
    pub fn first(self) -> E::Output<Result<Option<OwnedItem>, Error>> {
        E::map_output(self.fetch(), |r| match r {
            Ok(r) => Ok(r.into_first()),
            Err(Error::Query(q)) if q.is_empty_result() => Ok(None),
            Err(e) => Err(e),
        })
    }

    /// Runs it: every item as a `T` (feature `serde`; see `ts3q::de` for the mapping). An
    /// empty result set (1281) is an empty list; an item that does not fit is
    /// [`Error::Deserialize`], naming the key.
    #[cfg(feature = "serde")]
    pub fn all_as<T: serde::de::DeserializeOwned + Send + 'static>(
        self,
    ) -> E::Output<Result<Vec<T>, Error>> {
        E::map_output(self.fetch(), |r| match r {
            Ok(r) => r.deserialize().map_err(Error::Deserialize),
            Err(Error::Query(q)) if q.is_empty_result() => Ok(Vec::new()),
            Err(e) => Err(e),
        })
    }

    /// Runs it: the first item as a `T`, if any (feature `serde`).
    #[cfg(feature = "serde")]
    pub fn first_as<T: serde::de::DeserializeOwned + Send + 'static>(
        self,
    ) -> E::Output<Result<Option<T>, Error>> {
        E::map_output(self.fetch(), |r| match r {
            Ok(r) => match r.first() {
                Some(item) => item.deserialize().map(Some).map_err(Error::Deserialize),
                None => Ok(None),
            },
            Err(Error::Query(q)) if q.is_empty_result() => Ok(None),
            Err(e) => Err(e),
        })
    }

    /// Runs it: every item as a typed struct (see `ts3q::typed`; an empty result set, 1281,
    /// is an empty list; an item that does not fit is [`Error::Field`], naming the key).
    ///
    /// ```
    /// # let sim = ts3_sim::Sim::start(ts3_sim::SimConfig { demo: true, ..Default::default() }).unwrap();
    /// # let uri = format!("telnet://serveradmin:{}@{}", sim.password(), sim.query_addr());
    /// use ts3q::typed::results::{ClientListEntry, Whoami};
    /// let mut conn = ts3q_blocking::Connection::open(&uri)?;
    /// conn.query("use").param("sid", 1).fetch()?;
    /// let me = conn.query("whoami").first_typed::<Whoami>()?.unwrap();
    /// let clients = conn.query("clientlist").option("away").all_typed::<ClientListEntry>()?;
    /// assert!(clients.iter().any(|c| c.clid == me.client_id && c.client_away.is_some()));
    /// # Ok::<(), ts3q_runtime::Error>(())
    /// ```
    pub fn all_typed<T: ts3q::typed::FromItem + Send + 'static>(
        self,
    ) -> E::Output<Result<Vec<T>, Error>> {
        E::map_output(self.fetch(), |r| match r {
            Ok(r) => r.typed().map_err(Error::Field),
            Err(Error::Query(q)) if q.is_empty_result() => Ok(Vec::new()),
            Err(e) => Err(e),
        })
    }

    /// Runs it: the first item as a typed struct, if any.
    pub fn first_typed<T: ts3q::typed::FromItem + Send + 'static>(
        self,
    ) -> E::Output<Result<Option<T>, Error>> {
        E::map_output(self.fetch(), |r| match r {
            Ok(r) => r.first_typed().map_err(Error::Field),
            Err(Error::Query(q)) if q.is_empty_result() => Ok(None),
            Err(e) => Err(e),
        })
    }

    /// Runs it: every item (an empty result set, error 1281, is an empty list).
    pub fn all(self) -> E::Output<Result<Vec<OwnedItem>, Error>> {
        E::map_output(self.fetch(), |r| match r {
            Ok(r) => Ok(r.into_items()),
            Err(Error::Query(q)) if q.is_empty_result() => Ok(Vec::new()),
            Err(e) => Err(e),
        })
    }
}
