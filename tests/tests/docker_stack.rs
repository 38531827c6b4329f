//! The Docker dev stack (`docker-compose.yml`, `Dockerfile`) agrees with what the binaries accept
//! (no Docker engine needed): the emulator's `command` starts `clerk-testkit` as written (its
//! flags parsed by the real binary) and serves the official packages; the app's `environment`
//! passes the app's settings and Clerk's configuration check, names no variable the app does not
//! read, and points the browser at the emulator's published port (brief 23a, item 2: the stack's
//! `/client` and `/sign-in` load the SDK offline).

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_yaml::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn compose() -> Value {
    let text = std::fs::read_to_string(root().join("docker-compose.yml")).expect("docker-compose.yml");
    serde_yaml::from_str(&text).expect("docker-compose.yml is YAML")
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_sequence()
        .expect("a list")
        .iter()
        .map(|item| item.as_str().expect("a string").to_owned())
        .collect()
}

/// The newest modification time of the files under `dir` (recursively).
fn newest(dir: &Path) -> std::time::SystemTime {
    let mut newest = std::time::SystemTime::UNIX_EPOCH;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return newest;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let time = if path.is_dir() {
            self::newest(&path)
        } else {
            entry.metadata().and_then(|m| m.modified()).unwrap_or(newest)
        };
        newest = newest.max(time);
    }
    newest
}

/// The `clerk-testkit` binary of this build: the one `cargo test --workspace` built beside this
/// test when it is newer than its sources, else built here.
fn testkit_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>");
    let binary = profile_dir.join("clerk-testkit");
    let sources = ["crates/clerk-testkit", "crates/clerk-core", "Cargo.lock"]
        .iter()
        .map(|dir| {
            let path = root().join(dir);
            if path.is_dir() {
                newest(&path)
            } else {
                std::fs::metadata(&path)
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::SystemTime::UNIX_EPOCH)
            }
        })
        .max()
        .unwrap_or(std::time::SystemTime::UNIX_EPOCH);
    let built_at = std::fs::metadata(&binary).and_then(|m| m.modified()).ok();
    if built_at.is_some_and(|built| built > sources) {
        return binary;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let built = Command::new(cargo)
        .args(["build", "-p", "clerk-testkit", "--bin", "clerk-testkit"])
        .current_dir(root())
        .status()
        .expect("cargo runs");
    assert!(built.success(), "cargo build -p clerk-testkit failed");
    assert!(binary.exists(), "{} was not built", binary.display());
    binary
}

/// `host:container` of a service's first published port.
fn published(service: &Value) -> (u16, u16) {
    let ports = strings(&service["ports"]);
    let first = ports.first().expect("a published port");
    let mut parts = first.rsplit(':');
    let container = parts.next().and_then(|p| p.parse().ok()).expect("container port");
    let host = parts.next().and_then(|p| p.parse().ok()).expect("host port");
    (host, container)
}

#[test]
fn the_compose_stack_agrees_with_the_binaries() {
    let compose = compose();
    let services = &compose["services"];
    let emulator = &services["emulator"];
    let app = &services["app"];

    // The emulator: its command, as the real binary parses it, on a free loopback port.
    let command = strings(&emulator["command"]);
    assert_eq!(command[..2], ["clerk-testkit", "serve"], "{command:?}");
    let flag = |name: &str| {
        command
            .iter()
            .find_map(|arg| arg.strip_prefix(&format!("--{name}=")))
            .unwrap_or_else(|| panic!("the emulator's command has --{name}=: {command:?}"))
            .to_owned()
    };
    let emulator_port: u16 = flag("port").parse().expect("--port");
    let npm_dir_in_image = flag("npm-dir");
    let args: Vec<String> = command[1..]
        .iter()
        .map(|arg| {
            if arg.starts_with("--port=") {
                "--port=0".to_owned()
            } else if arg.starts_with("--host=") {
                "--host=127.0.0.1".to_owned()
            } else if arg.starts_with("--npm-dir=") {
                format!("--npm-dir={}", e2e::npm_dir().display())
            } else {
                arg.clone()
            }
        })
        .collect();
    let mut child = Command::new(testkit_binary())
        .args(&args)
        .env_remove("CLERK_TESTKIT_NPM_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("clerk-testkit runs");
    let mut printed: HashMap<String, String> = HashMap::new();
    // Kept open until the emulator is stopped: it writes to it after its settings.
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    for line in lines.by_ref() {
        let Ok(line) = line else { break };
        if let Some((key, value)) = line.split_once('=') {
            printed.insert(key.to_owned(), value.to_owned());
        }
        if line.starts_with("CLERK_INSTANCE_ID=") {
            break;
        }
    }
    let base = printed.get("CLERK_API_URL").cloned();
    let script = base.as_ref().map(|base| {
        let url = format!("{base}/npm/@clerk/clerk-js@6/dist/clerk.browser.js");
        let output = Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", &url])
            .output()
            .expect("curl runs");
        String::from_utf8_lossy(&output.stdout).into_owned()
    });
    // Stop the emulator this test started, by its handle.
    let _ = child.kill();
    let _ = child.wait();
    drop(lines);
    assert!(
        base.is_some(),
        "the emulator did not start with {args:?}: {printed:?}"
    );
    assert_eq!(script.as_deref(), Some("200"), "clerk-js served with --npm-dir");

    // The image carries the packages where the command says.
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).expect("Dockerfile");
    assert!(
        dockerfile.contains(&format!("COPY --from=npm /clerk-npm {npm_dir_in_image}")),
        "the emulator image copies the packages to {npm_dir_in_image}"
    );
    assert!(dockerfile.contains("scripts/clerk-js.sh") && dockerfile.contains("clerk-npm.txt"));

    // The app's environment: every variable read by the app or by Clerk's configuration.
    let environment: HashMap<String, String> = app["environment"]
        .as_mapping()
        .expect("the app's environment")
        .iter()
        .map(|(k, v)| {
            let value = match v {
                Value::String(s) => s.clone(),
                other => serde_yaml::to_string(other).expect("a scalar").trim().to_owned(),
            };
            (k.as_str().expect("a name").to_owned(), value)
        })
        .collect();
    let settings = app::configuration::Settings::load_from(
        None,
        config::Environment::default()
            .try_parsing(true)
            .source(Some(environment.clone())),
    )
    .expect("the app's settings load");
    let asked = RefCell::new(BTreeSet::new());
    let clerk = clerk_actix::ClerkConfig::from_lookup(|name| {
        asked.borrow_mut().insert(name.to_owned());
        settings.clerk_value(name)
    })
    .expect("Clerk's settings parse");
    clerk.check().expect("Clerk's configuration check passes");
    // The settings' own field names, exactly (a substring match took `PORT` for
    // `app_admin_port`): the top-level lines of the pretty Debug output.
    let pretty = format!("{settings:#?}");
    let fields: BTreeSet<&str> = pretty
        .lines()
        .filter_map(|line| line.strip_prefix("    "))
        .filter(|line| !line.starts_with(' '))
        .filter_map(|line| line.split_once(": ").map(|(name, _)| name))
        .collect();
    for name in environment.keys() {
        assert!(
            fields.contains(name.to_ascii_lowercase().as_str()) || asked.borrow().contains(name),
            "{name} is read neither by the app nor by Clerk's configuration"
        );
    }

    // The keys are the emulator's fixed instance's; the webhook secret is the emulator's.
    assert_eq!(
        printed.get("CLERK_SECRET_KEY"),
        environment.get("CLERK_SECRET_KEY")
    );
    assert_eq!(
        printed.get("CLERK_PUBLISHABLE_KEY"),
        environment.get("CLERK_PUBLISHABLE_KEY")
    );
    assert_eq!(
        Some(flag("webhook-secret")),
        environment.get("CLERK_WEBHOOK_SIGNING_SECRET").cloned()
    );
    // The app reaches the emulator inside the network; the host's browser at its published port.
    assert_eq!(
        environment.get("CLERK_API_URL").map(String::as_str),
        Some(format!("http://emulator:{emulator_port}").as_str())
    );
    let (host_port, container_port) = published(emulator);
    assert_eq!(container_port, emulator_port);
    assert_eq!(
        environment.get("CLERK_PROXY_URL").map(String::as_str),
        Some(format!("http://localhost:{host_port}").as_str()),
        "the pages load clerk-js from the emulator's published port"
    );
    let (app_host_port, app_port) = published(app);
    assert_eq!(environment.get("PORT"), Some(&app_port.to_string()));
    let parties = environment
        .get("CLERK_AUTHORIZED_PARTIES")
        .expect("CLERK_AUTHORIZED_PARTIES");
    assert!(
        parties
            .split(',')
            .any(|p| p == format!("http://localhost:{app_host_port}")),
        "{parties}"
    );
}
