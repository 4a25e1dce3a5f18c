//! The Windows service: registration with the Service Control Manager (`service install`), and
//! the service entry point the SCM starts (`service run`). Reports Running promptly, stops on
//! the SCM's Stop/Shutdown after the file in flight, and resolves every path from the
//! executable and the configuration file, never from the working directory (System32).

use std::ffi::OsString;
use std::path::Path;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use windows_service::service::{
    ServiceAccess, ServiceAction, ServiceActionType, ServiceControl, ServiceControlAccept,
    ServiceErrorControl, ServiceExitCode, ServiceFailureActions, ServiceFailureResetPeriod,
    ServiceInfo, ServiceStartType, ServiceState, ServiceStatus, ServiceType,
};
use windows_service::service_control_handler::{self, ServiceControlHandlerResult};
use windows_service::service_manager::{ServiceManager, ServiceManagerAccess};
use windows_service::{define_windows_service, service_dispatcher};

use crate::config::Config;

/// The service's name in the SCM.
pub const NAME: &str = "fortnox-bridge";
const DISPLAY_NAME: &str = "fortnox-bridge (Fortnox uploader)";
const SERVICE_TYPE: ServiceType = ServiceType::OWN_PROCESS;

/// The configuration `main` loaded (once) for the service, handed to the thread the SCM starts.
static CONFIG: Mutex<Option<Config>> = Mutex::new(None);

/// Registers the service to start automatically and restart on failure, then starts it.
pub fn install(config_path: &Path, config: &Config) -> Result<(), String> {
    for warning in drive_letter_warnings(config) {
        eprintln!("warning: {warning}");
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let manager = ServiceManager::local_computer(
        None::<&str>,
        ServiceManagerAccess::CONNECT | ServiceManagerAccess::CREATE_SERVICE,
    )
    .map_err(|e| format!("cannot open the service manager: {e} (hint: run as Administrator)"))?;
    let info = ServiceInfo {
        name: OsString::from(NAME),
        display_name: OsString::from(DISPLAY_NAME),
        service_type: SERVICE_TYPE,
        start_type: ServiceStartType::AutoStart,
        error_control: ServiceErrorControl::Normal,
        executable_path: exe,
        launch_arguments: vec![
            OsString::from("service"),
            OsString::from("run"),
            OsString::from("-c"),
            config_path.as_os_str().to_os_string(),
        ],
        dependencies: vec![],
        account_name: None,
        account_password: None,
    };
    let service = manager
        .create_service(&info, ServiceAccess::CHANGE_CONFIG | ServiceAccess::START)
        .map_err(|e| format!("cannot create the service: {e}"))?;
    let _ = service.set_description(
        "Posts SIE files, Z-reports and order exports dropped in a folder to Fortnox, exactly once.",
    );
    let restart =
        ServiceAction { action_type: ServiceActionType::Restart, delay: Duration::from_secs(10) };
    service
        .update_failure_actions(ServiceFailureActions {
            reset_period: ServiceFailureResetPeriod::After(Duration::from_hours(24)),
            reboot_msg: None,
            command: None,
            actions: Some(vec![restart.clone(), restart.clone(), restart]),
        })
        .map_err(|e| format!("cannot set restart on failure: {e}"))?;
    service.start::<&str>(&[]).map_err(|e| format!("installed, but cannot start: {e}"))?;
    Ok(())
}

/// Stops and removes the service.
pub fn uninstall() -> Result<(), String> {
    let manager = ServiceManager::local_computer(None::<&str>, ServiceManagerAccess::CONNECT)
        .map_err(|e| {
            format!("cannot open the service manager: {e} (hint: run as Administrator)")
        })?;
    let service = manager
        .open_service(
            NAME,
            ServiceAccess::QUERY_STATUS | ServiceAccess::STOP | ServiceAccess::DELETE,
        )
        .map_err(|e| format!("service `{NAME}` not found: {e}"))?;
    if let Ok(status) = service.query_status()
        && status.current_state != ServiceState::Stopped
    {
        let _ = service.stop();
    }
    service.delete().map_err(|e| format!("cannot remove the service: {e}"))
}

/// Services see no mapped drive letters (they belong to a logged-in user's session).
fn drive_letter_warnings(config: &Config) -> Vec<String> {
    let mut out = Vec::new();
    for inbox in &config.inboxes {
        let text = inbox.path.display().to_string();
        let letter = text.chars().next().map(|c| c.to_ascii_uppercase());
        if text.chars().nth(1) == Some(':') && letter.is_some_and(|c| c != 'C') {
            out.push(format!(
                "inbox `{text}` is on drive {}: — if that is a mapped network drive the service \
                 will not see it; use the UNC path (\\\\server\\share\\folder) instead",
                letter.unwrap_or('?')
            ));
        }
    }
    out
}

/// The entry point when the SCM starts us (`service run -c CONFIG`), with the configuration
/// `main` already loaded (and logs by). Fails with the SCM's error 1063 when started from a
/// console: then say how to run in the foreground.
pub fn run_dispatcher(config: Config) -> Result<(), String> {
    *CONFIG.lock().unwrap_or_else(PoisonError::into_inner) = Some(config);
    service_dispatcher::start(NAME, ffi_service_main).map_err(|e| {
        format!(
            "not started by the service manager ({e}) (hint: use `fortnox-bridge run -c CONFIG` \
             in a console, or `fortnox-bridge service install`)"
        )
    })
}

define_windows_service!(ffi_service_main, service_main);

fn service_main(_arguments: Vec<OsString>) {
    if let Err(e) = run_service() {
        tracing::error!("service stopped: {e}");
    }
}

fn status(state: ServiceState, exit: u32) -> ServiceStatus {
    ServiceStatus {
        service_type: SERVICE_TYPE,
        current_state: state,
        controls_accepted: if state == ServiceState::Running {
            ServiceControlAccept::STOP | ServiceControlAccept::SHUTDOWN
        } else {
            ServiceControlAccept::empty()
        },
        exit_code: ServiceExitCode::Win32(exit),
        checkpoint: 0,
        wait_hint: if state == ServiceState::StopPending {
            Duration::from_mins(1)
        } else {
            Duration::default()
        },
        process_id: None,
    }
}

fn run_service() -> Result<(), String> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let handler = move |event| match event {
        ServiceControl::Stop | ServiceControl::Shutdown => {
            let _ = stop_tx.send(true);
            ServiceControlHandlerResult::NoError
        }
        ServiceControl::Interrogate => ServiceControlHandlerResult::NoError,
        _ => ServiceControlHandlerResult::NotImplemented,
    };
    let handle = service_control_handler::register(NAME, handler).map_err(|e| e.to_string())?;
    // Running right away: the SCM gives up on services that are slow to say so (error 1053).
    handle.set_service_status(status(ServiceState::Running, 0)).map_err(|e| e.to_string())?;
    let outcome = run_until_stopped(stop_rx);
    let _ = handle.set_service_status(status(ServiceState::StopPending, 0));
    let code = u32::from(outcome.is_err());
    let _ = handle.set_service_status(status(ServiceState::Stopped, code));
    outcome
}

fn run_until_stopped(mut stop: tokio::sync::watch::Receiver<bool>) -> Result<(), String> {
    let config = CONFIG
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
        .ok_or("no configuration given")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let lock = super::lock(&config).map_err(|e| e.to_string())?;
        let endpoint = super::endpoint(&config).await.map_err(|e| e.to_string())?;
        let shutdown = async move {
            let _ = stop.wait_for(|stopped| *stopped).await;
        };
        super::run_until(config, endpoint.client, false, lock, shutdown)
            .await
            .map_err(|e| e.to_string())?;
        if let Some(sandbox) = endpoint.sandbox {
            sandbox.stop().await;
        }
        Ok(())
    })
}
