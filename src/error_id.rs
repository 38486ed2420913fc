//! The server's error ids (the `id` of `error id=N msg=...`), one table shared by the client
//! side ([`QueryError::code`](crate::QueryError::code)) and the simulator's replies.
//!
//! The ids and names are those of the public TeamSpeak 3 SDK declarations; the messages are
//! the text a 3.x server puts in `msg=`. Ids a server may add later read as
//! [`ErrorId::Other`].
//!
//! ```
//! use ts3q::ErrorId;
//! assert_eq!(ErrorId::from(768), ErrorId::ChannelInvalidId);
//! assert_eq!(ErrorId::ChannelInvalidId.message(), "invalid channelID");
//! assert_eq!(ErrorId::ChannelInvalidId.name(), "channel_invalid_id");
//! assert_eq!(u32::from(ErrorId::DatabaseEmptyResult), 1281);
//! assert_eq!(ErrorId::from(0xBEEF), ErrorId::Other(0xBEEF));
//! ```

use std::fmt;

macro_rules! error_ids {
    ($($var:ident = $id:literal, $name:literal, $msg:literal;)*) => {
        /// A server error id. `#[non_exhaustive]`: match with a wildcard arm.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum ErrorId {
            $(
                #[doc = concat!("`", $id, "` ", $name, ": \"", $msg, "\"")]
                $var,
            )*
            /// An id not in this table.
            Other(u32),
        }

        impl ErrorId {
            /// Every id in the table, in order.
            pub const ALL: &'static [ErrorId] = &[$(ErrorId::$var),*];

            /// The number on the wire.
            pub const fn id(self) -> u32 {
                match self {
                    $(ErrorId::$var => $id,)*
                    ErrorId::Other(id) => id,
                }
            }

            /// The id for a number (`Other` when it is not in the table).
            pub const fn from_id(id: u32) -> ErrorId {
                match id {
                    $($id => ErrorId::$var,)*
                    other => ErrorId::Other(other),
                }
            }

            /// The declaration's name without its `ERROR_` prefix (`"client_invalid_id"`);
            /// `"unknown"` for [`ErrorId::Other`].
            pub const fn name(self) -> &'static str {
                match self {
                    $(ErrorId::$var => $name,)*
                    ErrorId::Other(_) => "unknown",
                }
            }

            /// The message a server sends with it (`"invalid clientID"`); `"unknown error"`
            /// for [`ErrorId::Other`].
            pub const fn message(self) -> &'static str {
                match self {
                    $(ErrorId::$var => $msg,)*
                    ErrorId::Other(_) => "unknown error",
                }
            }
        }
    };
}

error_ids! {
    Ok = 0, "ok", "ok";
    Undefined = 1, "undefined", "undefined error";
    NotImplemented = 2, "not_implemented", "not implemented";
    OkNoUpdate = 3, "ok_no_update", "ok, no update";
    DontNotify = 4, "dont_notify", "don't notify";
    LibTimeLimitReached = 5, "lib_time_limit_reached", "library time limit reached";
    OutOfMemory = 6, "out_of_memory", "out of memory";
    Canceled = 7, "canceled", "canceled";
    CommandNotFound = 256, "command_not_found", "command not found";
    UnableToBindNetworkPort = 257, "unable_to_bind_network_port", "unable to bind network port";
    NoNetworkPortAvailable = 258, "no_network_port_available", "no network port available";
    PortAlreadyInUse = 259, "port_already_in_use", "port already in use";
    ClientInvalidId = 512, "client_invalid_id", "invalid clientID";
    ClientNicknameInuse = 513, "client_nickname_inuse", "nickname is already in use";
    ClientInvalidErrorCode = 514, "client_invalid_error_code", "invalid error code";
    ClientProtocolLimitReached = 515, "client_protocol_limit_reached", "max clients protocol limit reached";
    ClientInvalidType = 516, "client_invalid_type", "invalid client type";
    ClientAlreadySubscribed = 517, "client_already_subscribed", "already subscribed";
    ClientNotLoggedIn = 518, "client_not_logged_in", "not logged in";
    ClientCouldNotValidateIdentity = 519, "client_could_not_validate_identity", "could not validate client identity";
    ClientInvalidPassword = 520, "client_invalid_password", "invalid loginname or password";
    ClientTooManyClonesConnected = 521, "client_too_many_clones_connected", "too many clones already connected";
    ClientVersionOutdated = 522, "client_version_outdated", "client version outdated, please update";
    ClientIsOnline = 523, "client_is_online", "client is online";
    ClientIsFlooding = 524, "client_is_flooding", "client is flooding";
    ClientHacked = 525, "client_hacked", "client is modified";
    ClientCannotVerifyNow = 526, "client_cannot_verify_now", "can not verify client at this moment";
    ClientLoginNotPermitted = 527, "client_login_not_permitted", "client is not permitted to log in";
    ClientNotSubscribed = 528, "client_not_subscribed", "client is not subscribed to the channel";
    ChannelInvalidId = 768, "channel_invalid_id", "invalid channelID";
    ChannelProtocolLimitReached = 769, "channel_protocol_limit_reached", "max channels protocol limit reached";
    ChannelAlreadyIn = 770, "channel_already_in", "already member of channel";
    ChannelNameInuse = 771, "channel_name_inuse", "channel name is already in use";
    ChannelNotEmpty = 772, "channel_not_empty", "channel not empty";
    ChannelCanNotDeleteDefault = 773, "channel_can_not_delete_default", "can not delete default channel";
    ChannelDefaultRequirePermanent = 774, "channel_default_require_permanent", "default channel requires permanent";
    ChannelInvalidFlags = 775, "channel_invalid_flags", "invalid channel flags";
    ChannelParentNotPermanent = 776, "channel_parent_not_permanent", "permanent channel can not be child of non permanent channel";
    ChannelMaxclientsReached = 777, "channel_maxclients_reached", "channel maxclient reached";
    ChannelMaxfamilyReached = 778, "channel_maxfamily_reached", "channel maxfamily reached";
    ChannelInvalidOrder = 779, "channel_invalid_order", "invalid channel order";
    ChannelNoFiletransferSupported = 780, "channel_no_filetransfer_supported", "channel does not support filetransfers";
    ChannelInvalidPassword = 781, "channel_invalid_password", "invalid channel password";
    ChannelIsPrivateChannel = 782, "channel_is_private_channel", "channel is private channel";
    ChannelInvalidSecurityHash = 783, "channel_invalid_security_hash", "invalid security hash supplied by client";
    ServerInvalidId = 1024, "server_invalid_id", "invalid serverID";
    ServerRunning = 1025, "server_running", "server is running";
    ServerIsShuttingDown = 1026, "server_is_shutting_down", "server is shutting down";
    ServerMaxclientsReached = 1027, "server_maxclients_reached", "server maxclient reached";
    ServerInvalidPassword = 1028, "server_invalid_password", "invalid server password";
    ServerDeploymentActive = 1029, "server_deployment_active", "deployment active";
    ServerUnableToStopOwnServer = 1030, "server_unable_to_stop_own_server", "unable to stop own server in your connection class";
    ServerIsVirtual = 1031, "server_is_virtual", "server is virtual";
    ServerWrongMachineid = 1032, "server_wrong_machineid", "server wrong machineID";
    ServerIsNotRunning = 1033, "server_is_not_running", "server is not running";
    ServerIsBooting = 1034, "server_is_booting", "server is booting up";
    ServerStatusInvalid = 1035, "server_status_invalid", "server got an invalid status for this operation";
    ServerModalQuit = 1036, "server_modal_quit", "server modal quit";
    ServerVersionOutdated = 1037, "server_version_outdated", "server version is too old for command";
    ServerDuplicateRunning = 1038, "server_duplicate_running", "server duplicate running";
    Database = 1280, "database", "database error";
    DatabaseEmptyResult = 1281, "database_empty_result", "database empty result set";
    DatabaseDuplicateEntry = 1282, "database_duplicate_entry", "database duplicate entry";
    DatabaseNoModifications = 1283, "database_no_modifications", "database no modifications";
    DatabaseConstraint = 1284, "database_constraint", "database invalid constraint";
    DatabaseReinvoke = 1285, "database_reinvoke", "database reinvoke command";
    ParameterQuote = 1536, "parameter_quote", "invalid quote";
    ParameterInvalidCount = 1537, "parameter_invalid_count", "invalid parameter count";
    ParameterInvalid = 1538, "parameter_invalid", "invalid parameter";
    ParameterNotFound = 1539, "parameter_not_found", "parameter not found";
    ParameterConvert = 1540, "parameter_convert", "convert error";
    ParameterInvalidSize = 1541, "parameter_invalid_size", "invalid parameter size";
    ParameterMissing = 1542, "parameter_missing", "missing required parameter";
    ParameterChecksum = 1543, "parameter_checksum", "invalid checksum";
    VsCritical = 1792, "vs_critical", "virtual server got a critical error";
    ConnectionLost = 1793, "connection_lost", "Connection lost";
    NotConnected = 1794, "not_connected", "not connected";
    NoCachedConnectionInfo = 1795, "no_cached_connection_info", "no cached connection info";
    CurrentlyNotPossible = 1796, "currently_not_possible", "currently not possible";
    FailedConnectionInitialisation = 1797, "failed_connection_initialisation", "failed connection initialization";
    CouldNotResolveHostname = 1798, "could_not_resolve_hostname", "could not resolve hostname";
    InvalidServerConnectionHandlerId = 1799, "invalid_server_connection_handler_id", "invalid serverconnectionhandlerID";
    CouldNotInitialiseInputManager = 1800, "could_not_initialise_input_manager", "could not initialize Input Manager";
    ClientlibraryNotInitialised = 1801, "clientlibrary_not_initialised", "client library not initialized";
    ServerlibraryNotInitialised = 1802, "serverlibrary_not_initialised", "server library not initialized";
    WhisperTooManyTargets = 1803, "whisper_too_many_targets", "too many whisper targets";
    WhisperNoTargets = 1804, "whisper_no_targets", "no whisper targets found";
    FileInvalidName = 2048, "file_invalid_name", "invalid file name";
    FileInvalidPermissions = 2049, "file_invalid_permissions", "invalid file permissions";
    FileAlreadyExists = 2050, "file_already_exists", "file already exists";
    FileNotFound = 2051, "file_not_found", "file not found";
    FileIoError = 2052, "file_io_error", "file input/output error";
    FileInvalidTransferId = 2053, "file_invalid_transfer_id", "invalid file transfer ID";
    FileInvalidPath = 2054, "file_invalid_path", "invalid file path";
    FileNoFilesAvailable = 2055, "file_no_files_available", "no files available";
    FileOverwriteExcludesResume = 2056, "file_overwrite_excludes_resume", "overwrite excludes resume";
    FileInvalidSize = 2057, "file_invalid_size", "invalid file size";
    FileAlreadyInUse = 2058, "file_already_in_use", "file already in use";
    FileCouldNotOpenConnection = 2059, "file_could_not_open_connection", "could not open file transfer connection";
    FileNoSpaceLeftOnDevice = 2060, "file_no_space_left_on_device", "no space left on device (disk full?)";
    FileExceedsFileSystemMaximumSize = 2061, "file_exceeds_file_system_maximum_size", "file exceeds file system's maximum file size";
    FileTransferConnectionTimeout = 2062, "file_transfer_connection_timeout", "file transfer connection timeout";
    FileConnectionLost = 2063, "file_connection_lost", "lost file transfer connection";
    FileExceedsSuppliedSize = 2064, "file_exceeds_supplied_size", "file exceeds supplied file size";
    FileTransferComplete = 2065, "file_transfer_complete", "file transfer complete";
    FileTransferCanceled = 2066, "file_transfer_canceled", "file transfer canceled";
    FileTransferInterrupted = 2067, "file_transfer_interrupted", "file transfer interrupted";
    FileTransferServerQuotaExceeded = 2068, "file_transfer_server_quota_exceeded", "file transfer server quota exceeded";
    FileTransferClientQuotaExceeded = 2069, "file_transfer_client_quota_exceeded", "file transfer client quota exceeded";
    FileTransferReset = 2070, "file_transfer_reset", "file transfer reset";
    FileTransferLimitReached = 2071, "file_transfer_limit_reached", "file transfer limit reached";
    SoundPreprocessorDisabled = 2304, "sound_preprocessor_disabled", "preprocessor disabled";
    SoundInternalPreprocessor = 2305, "sound_internal_preprocessor", "internal preprocessor";
    SoundInternalEncoder = 2306, "sound_internal_encoder", "internal encoder";
    SoundInternalPlayback = 2307, "sound_internal_playback", "internal playback";
    SoundNoCaptureDeviceAvailable = 2308, "sound_no_capture_device_available", "no capture device available";
    SoundNoPlaybackDeviceAvailable = 2309, "sound_no_playback_device_available", "no playback device available";
    SoundCouldNotOpenCaptureDevice = 2310, "sound_could_not_open_capture_device", "could not open capture device";
    SoundCouldNotOpenPlaybackDevice = 2311, "sound_could_not_open_playback_device", "could not open playback device";
    SoundHandlerHasDevice = 2312, "sound_handler_has_device", "ServerConnectionHandler has a device registered";
    SoundInvalidCaptureDevice = 2313, "sound_invalid_capture_device", "invalid capture device";
    SoundInvalidPlaybackDevice = 2314, "sound_invalid_playback_device", "invalid playback device";
    SoundInvalidWave = 2315, "sound_invalid_wave", "invalid wave file";
    SoundUnsupportedWave = 2316, "sound_unsupported_wave", "wave file type not supported";
    SoundOpenWave = 2317, "sound_open_wave", "could not open wave file";
    SoundInternalCapture = 2318, "sound_internal_capture", "internal capture";
    SoundDeviceInUse = 2319, "sound_device_in_use", "device still in use";
    SoundDeviceAlreadyRegisterred = 2320, "sound_device_already_registerred", "device already registered";
    SoundUnknownDevice = 2321, "sound_unknown_device", "device not registered/known";
    SoundUnsupportedFrequency = 2322, "sound_unsupported_frequency", "unsupported frequency";
    SoundInvalidChannelCount = 2323, "sound_invalid_channel_count", "invalid channel count";
    SoundReadWave = 2324, "sound_read_wave", "read error in wave";
    SoundNeedMoreData = 2325, "sound_need_more_data", "sound need more data";
    SoundDeviceBusy = 2326, "sound_device_busy", "sound device busy";
    SoundNoData = 2327, "sound_no_data", "there is no sound data for this period";
    SoundChannelMaskMismatch = 2328, "sound_channel_mask_mismatch", "Channelmask set bits count (speakers) is not the same as channel count";
    PermissionInvalidGroupId = 2560, "permission_invalid_group_id", "invalid group ID";
    PermissionDuplicateEntry = 2561, "permission_duplicate_entry", "duplicate entry";
    PermissionInvalidPermId = 2562, "permission_invalid_perm_id", "invalid permission ID";
    PermissionEmptyResult = 2563, "permission_empty_result", "empty result set";
    PermissionDefaultGroupForbidden = 2564, "permission_default_group_forbidden", "access to default group is forbidden";
    PermissionInvalidSize = 2565, "permission_invalid_size", "invalid size";
    PermissionInvalidValue = 2566, "permission_invalid_value", "invalid value";
    PermissionsGroupNotEmpty = 2567, "permissions_group_not_empty", "group is not empty";
    PermissionsClientInsufficient = 2568, "permissions_client_insufficient", "insufficient client permissions";
    PermissionsInsufficientGroupPower = 2569, "permissions_insufficient_group_power", "insufficient group modify power";
    PermissionsInsufficientPermissionPower = 2570, "permissions_insufficient_permission_power", "insufficient permission modify power";
    PermissionTemplateGroupIsUsed = 2571, "permission_template_group_is_used", "template group is currently used";
    Permissions = 2572, "permissions", "permission error";
    AccountingVirtualserverLimitReached = 2816, "accounting_virtualserver_limit_reached", "virtualserver limit reached";
    AccountingSlotLimitReached = 2817, "accounting_slot_limit_reached", "max slot limit reached";
    AccountingLicenseFileNotFound = 2818, "accounting_license_file_not_found", "license file not found";
    AccountingLicenseDateNotOk = 2819, "accounting_license_date_not_ok", "license date not ok";
    AccountingUnableToConnectToServer = 2820, "accounting_unable_to_connect_to_server", "unable to connect to accounting server";
    AccountingUnknownError = 2821, "accounting_unknown_error", "unknown accounting error";
    AccountingServerError = 2822, "accounting_server_error", "accounting server error";
    AccountingInstanceLimitReached = 2823, "accounting_instance_limit_reached", "instance limit reached";
    AccountingInstanceCheckError = 2824, "accounting_instance_check_error", "instance check error";
    AccountingLicenseFileInvalid = 2825, "accounting_license_file_invalid", "license file invalid";
    AccountingRunningElsewhere = 2826, "accounting_running_elsewhere", "virtualserver is running elsewhere";
    AccountingInstanceDuplicated = 2827, "accounting_instance_duplicated", "virtualserver running in same instance already";
    AccountingAlreadyStarted = 2828, "accounting_already_started", "virtualserver already started";
    AccountingNotStarted = 2829, "accounting_not_started", "virtualserver not started";
    AccountingToManyStarts = 2830, "accounting_to_many_starts", "too many starts";
    MessageInvalidId = 3072, "message_invalid_id", "invalid message id";
    BanInvalidId = 3328, "ban_invalid_id", "invalid ban id";
    ConnectFailedBanned = 3329, "connect_failed_banned", "connection failed, you are banned";
    RenameFailedBanned = 3330, "rename_failed_banned", "rename failed, new name is banned";
    BanFlooding = 3331, "ban_flooding", "flood ban";
    TtsUnableToInitialize = 3584, "tts_unable_to_initialize", "unable to initialize tts";
    PrivilegeKeyInvalid = 3840, "privilege_key_invalid", "invalid privilege key";
    VoipPjsua = 4096, "voip_pjsua", "voip pjsua error";
    VoipAlreadyInitialized = 4097, "voip_already_initialized", "voip already initialized";
    VoipTooManyAccounts = 4098, "voip_too_many_accounts", "voip too many accounts";
    VoipInvalidAccount = 4099, "voip_invalid_account", "voip invalid account";
    VoipInternalError = 4100, "voip_internal_error", "voip internal error";
    VoipInvalidConnectionId = 4101, "voip_invalid_connection_id", "voip invalid connection id";
    VoipCannotAnswerInitiatedCall = 4102, "voip_cannot_answer_initiated_call", "voip cannot answer initiated call";
    VoipNotInitialized = 4103, "voip_not_initialized", "voip not initialized";
    ProvisioningInvalidPassword = 4352, "provisioning_invalid_password", "invalid password";
    ProvisioningInvalidRequest = 4353, "provisioning_invalid_request", "invalid request";
    ProvisioningNoSlotsAvailable = 4354, "provisioning_no_slots_available", "no (more) slots available";
    ProvisioningPoolMissing = 4355, "provisioning_pool_missing", "pool missing";
    ProvisioningPoolUnknown = 4356, "provisioning_pool_unknown", "pool unknown";
    ProvisioningUnknownIpLocation = 4357, "provisioning_unknown_ip_location", "unknown ip location (perhaps LAN ip?)";
    ProvisioningInternalTriesExceeded = 4358, "provisioning_internal_tries_exceeded", "internal error (tried exceeded)";
    ProvisioningTooManySlotsRequested = 4359, "provisioning_too_many_slots_requested", "too many slots requested";
    ProvisioningTooManyReserved = 4360, "provisioning_too_many_reserved", "too many reserved";
    ProvisioningCouldNotConnect = 4361, "provisioning_could_not_connect", "could not connect to provisioning server";
    ProvisioningAuthServerNotConnected = 4368, "provisioning_auth_server_not_connected", "authentication server not connected";
    ProvisioningAuthDataTooLarge = 4369, "provisioning_auth_data_too_large", "authentication data too large";
    ProvisioningAlreadyInitialized = 4370, "provisioning_already_initialized", "already initialized";
    ProvisioningNotInitialized = 4371, "provisioning_not_initialized", "not initialized";
    ProvisioningConnecting = 4372, "provisioning_connecting", "already connecting";
    ProvisioningAlreadyConnected = 4373, "provisioning_already_connected", "already connected";
    ProvisioningNotConnected = 4374, "provisioning_not_connected", "not connected";
    ProvisioningIoError = 4375, "provisioning_io_error", "io error";
    ProvisioningInvalidTimeout = 4376, "provisioning_invalid_timeout", "invalid timeout";
    ProvisioningTs3serverNotFound = 4377, "provisioning_ts3server_not_found", "ts3server not found";
    ProvisioningNoPermission = 4378, "provisioning_no_permission", "unknown permissionID";
}

impl From<u32> for ErrorId {
    fn from(id: u32) -> ErrorId {
        ErrorId::from_id(id)
    }
}

impl From<ErrorId> for u32 {
    fn from(id: ErrorId) -> u32 {
        id.id()
    }
}

impl PartialEq<u32> for ErrorId {
    fn eq(&self, other: &u32) -> bool {
        self.id() == *other
    }
}

impl fmt::Display for ErrorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message(), self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_round_trips_and_has_no_duplicates() {
        assert_eq!(ErrorId::ALL.len(), 200);
        let mut ids: Vec<u32> = ErrorId::ALL.iter().map(|e| e.id()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), ErrorId::ALL.len());
        for &e in ErrorId::ALL {
            assert_eq!(ErrorId::from(e.id()), e);
            assert!(!matches!(e, ErrorId::Other(_)));
            assert!(!e.message().is_empty() && !e.name().is_empty());
        }
        assert_eq!(
            ErrorId::from(0x0a08),
            ErrorId::PermissionsClientInsufficient
        );
        assert_eq!(
            ErrorId::PermissionsClientInsufficient.message(),
            "insufficient client permissions"
        );
        assert_eq!(ErrorId::from(70_000).id(), 70_000);
        assert_eq!(ErrorId::ClientIsFlooding, 524);
    }
}
