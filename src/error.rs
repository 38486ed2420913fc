//! The errors of the layers under the machine (parsing, fields, commands, the codec); a
//! refusal ([`QueryError`](crate::QueryError)) is in [`parse`](crate::parse), and the machine's
//! own errors in [`client`](crate::client). One per layer. None of them ever carries a parameter value, so a password or
//! API key can never leak through an error message or its `Debug` output.

/// Why a line could not be read as what it claimed to be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// An `error` line without an `id`.
    #[error("error line has no id")]
    MissingErrorId,
    /// An `error` line whose `id` is not an unsigned integer.
    #[error("error line id is not a number")]
    InvalidErrorId,
    /// A line longer than the configured maximum; it was skipped.
    #[error("line of {len} bytes exceeds the maximum of {max}")]
    LineTooLong {
        /// Length of the skipped line.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
    /// Input larger than the 4 GiB an index can address.
    #[error("input of {len} bytes is too large to index")]
    TooLarge {
        /// Its length.
        len: usize,
    },
}

/// Why a field of an item could not be read as the requested type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldError {
    /// The item has no such key.
    #[error("missing field `{key}`")]
    Missing {
        /// The key asked for.
        key: String,
    },
    /// The value is not valid UTF-8.
    #[error("field `{key}` is not valid UTF-8")]
    NotUtf8 {
        /// The key asked for.
        key: String,
    },
    /// The value does not parse as the requested type (the value itself is not repeated here).
    #[error("field `{key}` is not a valid {ty}")]
    Invalid {
        /// The key asked for.
        key: String,
        /// The requested type.
        ty: &'static str,
    },
}

/// A command that cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// The name is empty or holds characters other than ASCII letters, digits and `_`.
    #[error("invalid command name {name:?}")]
    InvalidName {
        /// The name, as given.
        name: String,
    },
    /// The name is not in the command set of the query interface (see [`crate::Mode`]).
    #[error(
        "unknown {set} command {name:?} (use allow_unknown() for commands newer than this list)"
    )]
    InvalidCommand {
        /// The name, as given.
        name: String,
        /// The set it was checked against.
        set: crate::Mode,
    },
    /// A parameter key is empty or holds characters other than ASCII letters, digits and `_`.
    #[error("invalid parameter key {key:?}")]
    InvalidKey {
        /// The key, as given.
        key: String,
    },
    /// An option is empty or holds characters other than ASCII letters, digits and `_`.
    #[error("invalid option {option:?}")]
    InvalidOption {
        /// The option, as given (without the leading `-`).
        option: String,
    },
}

/// A line that does not parse as a command (server side).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The line is empty or only spaces (servers ignore it).
    #[error("empty command line")]
    Empty,
    /// The first word is not a command name.
    #[error("invalid command name")]
    InvalidName,
    /// The line is too large to index.
    #[error(transparent)]
    Parse(#[from] ParseError),
}
