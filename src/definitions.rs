//! The constants of the TeamSpeak 3 Server Manual (py-ts3's `ts3.definitions`) as enums.
//!
//! Each converts to and from its integer and can be passed directly as a parameter value:
//!
//! ```
//! use ts3q::{Command, Mode, definitions::TextMessageTargetMode};
//! let cmd = Command::new("sendtextmessage")
//!     .param("targetmode", TextMessageTargetMode::Server)
//!     .param("target", 0)
//!     .param("msg", "Hello World!");
//! assert_eq!(cmd.compile(Mode::ServerQuery).unwrap(), "sendtextmessage targetmode=3 target=0 msg=Hello\\sWorld!\n");
//! assert_eq!(TextMessageTargetMode::try_from(2), Ok(TextMessageTargetMode::Channel));
//! assert_eq!(u32::from(TextMessageTargetMode::Client), 1);
//! ```

use bytes::BytesMut;

use crate::command::ParamValue;

/// An integer that is not a value of the enum it was converted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{value} is not a valid {enum_name}")]
pub struct UnknownValue {
    /// The integer.
    pub value: u32,
    /// The enum's name.
    pub enum_name: &'static str,
}

macro_rules! ts3_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $var:ident = $val:expr,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u32)]
        pub enum $name {
            $($(#[$vmeta])* $var = $val,)*
        }

        impl $name {
            /// Every variant, in order of value.
            pub const ALL: &'static [$name] = &[$($name::$var),*];

            /// The integer value.
            pub const fn value(self) -> u32 {
                self as u32
            }
        }

        impl From<$name> for u32 {
            fn from(v: $name) -> u32 {
                v as u32
            }
        }

        impl TryFrom<u32> for $name {
            type Error = UnknownValue;
            fn try_from(value: u32) -> Result<$name, UnknownValue> {
                match value {
                    $($val => Ok($name::$var),)*
                    _ => Err(UnknownValue { value, enum_name: stringify!($name) }),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownValue;
            /// Parses the integer form, as found in responses.
            fn from_str(s: &str) -> Result<$name, UnknownValue> {
                let value: u32 = s.parse().map_err(|_| UnknownValue { value: u32::MAX, enum_name: stringify!($name) })?;
                $name::try_from(value)
            }
        }

        /// Reads the integer form (feature `serde`).
        #[cfg(feature = "serde")]
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let value = <u32 as serde::Deserialize>::deserialize(d)?;
                $name::try_from(value).map_err(serde::de::Error::custom)
            }
        }

        impl ParamValue for $name {
            fn write_escaped(&self, out: &mut BytesMut) {
                (*self as u32).write_escaped(out)
            }
        }
    };
}

ts3_enum! {
    /// How the host message is shown (`virtualserver_hostmessage_mode`).
    HostMessageMode {
        /// Don't display anything.
        None = 0,
        /// Display the message in the chat log.
        Log = 1,
        /// Display the message in a modal dialog.
        Modal = 2,
        /// Display the message in a modal dialog and close the connection.
        ModalQuit = 3,
    }
}

ts3_enum! {
    /// How the host banner is scaled (`virtualserver_hostbanner_mode`).
    HostBannerMode {
        /// Do not adjust.
        NoAdjust = 0,
        /// Adjust, ignoring the aspect ratio.
        IgnoreAspect = 1,
        /// Adjust, keeping the aspect ratio.
        KeepAspect = 2,
    }
}

ts3_enum! {
    /// Voice codec (`channel_codec`).
    Codec {
        /// Speex narrowband (mono, 16 bit, 8 kHz).
        SpeexNarrowband = 0,
        /// Speex wideband (mono, 16 bit, 16 kHz).
        SpeexWideband = 1,
        /// Speex ultra-wideband (mono, 16 bit, 32 kHz).
        SpeexUltrawideband = 2,
        /// CELT mono (mono, 16 bit, 48 kHz).
        CeltMono = 3,
        /// Opus voice (manual 3.x).
        OpusVoice = 4,
        /// Opus music (manual 3.x).
        OpusMusic = 5,
    }
}

ts3_enum! {
    /// Voice encryption (`virtualserver_codec_encryption_mode`).
    CodecEncryptionMode {
        /// Configure per channel.
        Individual = 0,
        /// Globally disabled.
        Disabled = 1,
        /// Globally enabled.
        Enabled = 2,
    }
}

ts3_enum! {
    /// Target of `sendtextmessage` (`targetmode`).
    TextMessageTargetMode {
        /// A client.
        Client = 1,
        /// A channel.
        Channel = 2,
        /// The virtual server.
        Server = 3,
    }
}

ts3_enum! {
    /// Log level (`logadd loglevel=`).
    LogLevel {
        /// Everything that is really bad.
        Error = 1,
        /// Everything that might be bad.
        Warning = 2,
        /// Output that might help find a problem.
        Debug = 3,
        /// Informational output.
        Info = 4,
    }
}

ts3_enum! {
    /// Kick reason (`clientkick reasonid=`).
    ReasonIdentifier {
        /// Kick from the channel.
        KickChannel = 4,
        /// Kick from the server.
        KickServer = 5,
    }
}

ts3_enum! {
    /// Database type of a permission group.
    PermissionGroupDatabaseTypes {
        /// Template group (used for new virtual servers).
        Template = 0,
        /// Regular group (used for regular clients).
        Regular = 1,
        /// Global query group (used for ServerQuery clients).
        Query = 2,
    }
}

ts3_enum! {
    /// Type of a permission group.
    PermissionGroupTypes {
        /// Server group permission.
        ServerGroup = 0,
        /// Client specific permission.
        GlobalClient = 1,
        /// Channel specific permission.
        Channel = 2,
        /// Channel group permission.
        ChannelGroup = 3,
        /// Channel-client specific permission.
        ChannelClient = 4,
    }
}

ts3_enum! {
    /// Type of a privilege key (`tokentype`).
    TokenType {
        /// Server group token (`id1` = group id, `id2` = 0).
        ServerGroup = 0,
        /// Channel group token (`id1` = group id, `id2` = channel id).
        ChannelGroup = 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for v in LogLevel::ALL {
            assert_eq!(LogLevel::try_from(v.value()), Ok(*v));
            assert_eq!(v.value().to_string().parse::<LogLevel>(), Ok(*v));
        }
        assert_eq!(PermissionGroupTypes::ALL.len(), 5);
        assert!(ReasonIdentifier::try_from(3).is_err());
        assert!("x".parse::<Codec>().is_err());
        assert_eq!(HostMessageMode::ModalQuit.value(), 3);
        assert_eq!(TokenType::ChannelGroup.value(), 1);
        assert_eq!(HostBannerMode::KeepAspect.value(), 2);
        assert_eq!(CodecEncryptionMode::Enabled.value(), 2);
        assert_eq!(PermissionGroupDatabaseTypes::Query.value(), 2);
    }
}
