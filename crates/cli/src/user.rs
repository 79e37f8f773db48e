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
    let (password, generated) = if a.password_stdin {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("cannot read the password from standard input")?;
        let pw = s.lines().next().unwrap_or_default().to_owned();
        if pw.chars().count() < 8 {
            bail!("password: at least 8 characters");
        }
        (pw, false)
    } else {
        let token = lantian_web::auth::new_token().map_err(anyhow::Error::msg)?;
        (token[..16].to_owned(), true)
    };
    let hash = lantian_web::auth::hash_password(&password).map_err(anyhow::Error::msg)?;
    let user = NewUser {
        username: a.username.clone(),
        display_name: a.display_name.clone().unwrap_or_else(|| a.username.clone()),
        password_hash: hash,
        role: a.role.as_str().to_owned(),
        scope: a.scope.clone(),
        active: !a.disabled,
    };
    let audit = AuditEntry {
        at_ms: jiff::Timestamp::now().as_millisecond(),
        actor: format!("cli:{}", std::env::var("USER").unwrap_or_default()),
        action: "user.upsert".to_owned(),
        target: format!("user:{}", a.username),
        detail: serde_json::json!({
            "role": user.role,
            "scope": user.scope,
            "active": user.active,
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
