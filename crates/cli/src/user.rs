//! `lantian user`: console users (add or change, list). Passwords are hashed with argon2id
//! before they reach the store; every change is in the audit log.

use std::io::Read as _;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args as ClapArgs, Subcommand};
use lantian_core::Role;
use lantian_store::{AuditEntry, NewUser, Store};

use crate::out;

/// `lantian user …`.
#[derive(Debug, Subcommand)]
pub(crate) enum UserCmd {
    /// Add a user, or change one (by login name).
    Add(AddArgs),
    /// List users.
    List,
    /// Disable a user: they cannot log in and their sessions end.
    Disable {
        /// Login name.
        username: String,
    },
    /// Enable a disabled user again.
    Enable {
        /// Login name.
        username: String,
    },
    /// Set a new password (printed once, or read with --password-stdin); sessions end.
    ResetPassword {
        /// Login name.
        username: String,
        /// Read the password from standard input (first line).
        #[arg(long)]
        password_stdin: bool,
    },
}

/// Arguments of `lantian user add`.
#[derive(Debug, ClapArgs)]
pub(crate) struct AddArgs {
    /// Login name.
    username: String,
    /// Role: admin, office (攻坚办), town (区镇/街道), department (部门) or viewer.
    #[arg(long)]
    role: Role,
    /// The town or department of a town or department user.
    #[arg(long)]
    scope: Option<String>,
    /// Name shown (default: the login name).
    #[arg(long)]
    display_name: Option<String>,
    /// Read the password from standard input (first line); without it a random password is
    /// generated and printed once.
    #[arg(long)]
    password_stdin: bool,
    /// Disable the user (ends their sessions).
    #[arg(long)]
    disabled: bool,
}

pub(crate) fn run(store: &Store, cmd: &UserCmd) -> Result<ExitCode> {
    match cmd {
        UserCmd::Add(a) => add(store, a),
        UserCmd::Disable { username } => set_active(store, username, false),
        UserCmd::Enable { username } => set_active(store, username, true),
        UserCmd::ResetPassword {
            username,
            password_stdin,
        } => reset_password(store, username, *password_stdin),
        UserCmd::List => {
            for u in store.users()? {
                out::line(&format!(
                    "{}\t{}\t{}\t{}\t{}",
                    u.username,
                    u.display_name,
                    u.role,
                    u.scope.unwrap_or_default(),
                    if u.active { "active" } else { "disabled" }
                ))?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn add(store: &Store, a: &AddArgs) -> Result<ExitCode> {
    if a.username.is_empty()
        || a.username.len() > 64
        || a.username
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        bail!("username: 1 to 64 characters, no spaces");
    }
    if a.role.is_scoped() && a.scope.as_deref().is_none_or(str::is_empty) {
        bail!(
            "--scope: a {} user needs the town or department it acts for",
            a.role
        );
    }
    // A department or town must be one of the plan's, when a plan is loaded.
    let mut scope = a.scope.clone();
    if let (Some(s), Some((_, plan))) = (&a.scope, store.active_plan()?) {
        match a.role {
            Role::Department => match plan.department(s) {
                Some(d) => scope = Some(d.name.clone()),
                None => bail!(
                    "--scope {s:?}: not a department of the plan {} (lantian plan show --departments)",
                    plan.meta.code
                ),
            },
            Role::Town if !plan.has_town(s) => bail!(
                "--scope {s:?}: not a town of the plan {} (lantian plan show --towns)",
                plan.meta.code
            ),
            _ => {}
        }
    }
    let (password, generated) = password(a.password_stdin)?;
    let hash = lantian_web::auth::hash_password(&password).map_err(anyhow::Error::msg)?;
    let user = NewUser {
        username: a.username.clone(),
        display_name: a.display_name.clone().unwrap_or_else(|| a.username.clone()),
        password_hash: hash,
        role: a.role.as_str().to_owned(),
        scope,
        active: !a.disabled,
    };
    let audit = AuditEntry {
        at_ms: jiff::Timestamp::now().as_millisecond(),
        actor: cli_actor(),
        action: "user.upsert".to_owned(),
        target: format!("user:{}", a.username),
        detail: serde_json::json!({
            "before": store.user_by_name(&a.username)?.map(|u| serde_json::json!({
                "display_name": u.display_name,
                "role": u.role,
                "scope": u.scope,
                "active": u.active,
            })),
            "after": {
                "display_name": user.display_name,
                "role": user.role,
                "scope": user.scope,
                "active": user.active,
            },
            "password_changed": true,
        })
        .to_string(),
    };
    store.upsert_user(&user, &audit)?;
    out::line(&format!(
        "user {} ({}) saved",
        a.username,
        a.role.label_zh()
    ))?;
    if generated {
        out::line(&format!("password: {password}"))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The audit log's actor for the command line.
pub(crate) fn cli_actor() -> String {
    format!("cli:{}", std::env::var("USER").unwrap_or_default())
}

/// A password from standard input (`true`), or a generated one; and whether it was generated.
fn password(stdin: bool) -> Result<(String, bool)> {
    if stdin {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("cannot read the password from standard input")?;
        let pw = s.lines().next().unwrap_or_default().to_owned();
        if pw.chars().count() < 8 {
            bail!("password: at least 8 characters");
        }
        Ok((pw, false))
    } else {
        let token = lantian_web::auth::new_token().map_err(anyhow::Error::msg)?;
        Ok((token[..16].to_owned(), true))
    }
}

fn existing(store: &Store, username: &str) -> Result<lantian_store::UserRecord> {
    store
        .user_by_name(username)?
        .with_context(|| format!("no user {username:?} (lantian user list)"))
}

fn save(
    store: &Store,
    u: lantian_store::UserRecord,
    action: &str,
    detail: serde_json::Value,
) -> Result<()> {
    let user = NewUser {
        username: u.username.clone(),
        display_name: u.display_name,
        password_hash: u.password_hash,
        role: u.role,
        scope: u.scope,
        active: u.active,
    };
    let audit = AuditEntry {
        at_ms: jiff::Timestamp::now().as_millisecond(),
        actor: cli_actor(),
        action: action.to_owned(),
        target: format!("user:{}", u.username),
        detail: detail.to_string(),
    };
    store.upsert_user(&user, &audit)?;
    Ok(())
}

fn set_active(store: &Store, username: &str, active: bool) -> Result<ExitCode> {
    let mut u = existing(store, username)?;
    let before = u.active;
    u.active = active;
    save(
        store,
        u,
        if active {
            "user.enable"
        } else {
            "user.disable"
        },
        serde_json::json!({"before": {"active": before}, "after": {"active": active}}),
    )?;
    out::line(&format!(
        "user {username} {}",
        if active {
            "enabled"
        } else {
            "disabled; their sessions ended"
        }
    ))?;
    Ok(ExitCode::SUCCESS)
}

fn reset_password(store: &Store, username: &str, stdin: bool) -> Result<ExitCode> {
    let mut u = existing(store, username)?;
    let (pw, generated) = password(stdin)?;
    u.password_hash = lantian_web::auth::hash_password(&pw).map_err(anyhow::Error::msg)?;
    // The store ends every session when the hash changes.
    save(store, u, "user.reset_password", serde_json::json!({}))?;
    out::line(&format!("user {username}: password reset; sessions ended"))?;
    if generated {
        out::line(&format!("password: {pw}"))?;
    }
    Ok(ExitCode::SUCCESS)
}
