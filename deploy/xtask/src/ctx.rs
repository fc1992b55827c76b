//! Where things live and which ports they use.

use std::env;
use std::path::{Path, PathBuf};

use crate::Result;

/// One of the five platform services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    pub name: &'static str,
    pub port: u16,
}

impl Service {
    pub fn binary(self) -> String {
        format!("qmf-{}", self.name)
    }

    pub fn database(self) -> String {
        format!("qmf_{}", self.name)
    }

    pub fn base_url(self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

pub const SERVICES: [Service; 5] = [
    Service {
        name: "directory",
        port: 8081,
    },
    Service {
        name: "case",
        port: 8082,
    },
    Service {
        name: "committee",
        port: 8083,
    },
    Service {
        name: "dialogue",
        port: 8084,
    },
    Service {
        name: "training",
        port: 8085,
    },
];

pub const DIRECTORY: Service = SERVICES[0];

/// Repository root, state directory and infrastructure ports of this invocation.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub root: PathBuf,
    pub state: PathBuf,
    pub pg_port: u16,
    pub amqp_port: u16,
}

impl Ctx {
    pub fn from_env() -> Result<Self> {
        let root = repo_root()?;
        let state = match env::var_os("QMF_STATE_DIR").filter(|v| !v.is_empty()) {
            Some(dir) => {
                let dir = PathBuf::from(dir);
                if dir.is_absolute() {
                    dir
                } else {
                    env::current_dir()?.join(dir)
                }
            }
            None => root.join(".qmf"),
        };
        let pg_port = port_from_env("QMF_PG_PORT", 55432)?;
        let amqp_port = port_from_env("QMF_AMQP_PORT", 5673)?;
        if amqp_port > u16::MAX - 20000 {
            return Err(format!(
                "QMF_AMQP_PORT={amqp_port} is too high: the management port is AMQP+10000 \
                 and the Erlang distribution port AMQP+20000"
            )
            .into());
        }
        Ok(Ctx {
            root,
            state,
            pg_port,
            amqp_port,
        })
    }

    pub fn postgres_dir(&self) -> PathBuf {
        self.state.join("postgres")
    }

    pub fn rabbitmq_dir(&self) -> PathBuf {
        self.state.join("rabbitmq")
    }

    pub fn logs_dir(&self) -> PathBuf {
        self.state.join("logs")
    }

    pub fn secret_file(&self) -> PathBuf {
        self.state.join("dev-secret")
    }

    /// The development encryption key of the case service's personal data.
    pub fn case_key_file(&self) -> PathBuf {
        self.state.join("case-key")
    }

    pub fn database_url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.pg_port)
    }

    pub fn amqp_url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.amqp_port)
    }

    pub fn management_port(&self) -> u16 {
        self.amqp_port + 10000
    }

    pub fn dist_port(&self) -> u16 {
        self.amqp_port + 20000
    }

    pub fn rabbit_node(&self) -> String {
        format!("rmq{}@localhost", self.amqp_port)
    }

    /// A path for messages: relative to the repository root where possible.
    pub fn display_path(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

fn port_from_env(name: &str, default: u16) -> Result<u16> {
    match env::var(name) {
        Ok(value) if !value.trim().is_empty() => value
            .trim()
            .parse()
            .map_err(|e| format!("{name}={value}: not a port number ({e})").into()),
        _ => Ok(default),
    }
}

/// The workspace root: the nearest ancestor of the current directory holding the xtask crate,
/// or else the checkout this binary was built from.
fn repo_root() -> Result<PathBuf> {
    let is_root = |dir: &Path| {
        dir.join("Cargo.toml").is_file() && dir.join("deploy/xtask/Cargo.toml").is_file()
    };
    let cwd = env::current_dir()?;
    if let Some(dir) = cwd.ancestors().find(|dir| is_root(dir)) {
        return Ok(dir.to_path_buf());
    }
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if is_root(&built_from) {
        return Ok(built_from.canonicalize()?);
    }
    Err("cannot find the workspace root (a directory with deploy/xtask/Cargo.toml)".into())
}
