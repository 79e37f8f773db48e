//! `lantian alarm list|show|act`: the alarm queue (报警处置), an alarm's evidence, and its
//! lifecycle actions. `lantian verify frames` rechecks the evidence hash chains.

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Args as ClapArgs, Subcommand, ValueEnum};
use lantian_core::AlarmAction;
use lantian_core::device::format_micros;
use lantian_core::evidence::hex;
use lantian_store::{AlarmFilter, Store};

use crate::out;

/// `lantian alarm …`.
#[derive(Debug, Subcommand)]
pub(crate) enum AlarmCmd {
    /// List alarms, newest first.
    List(ListArgs),
    /// One alarm: its lifecycle and its evidence frames, verbatim, with their chain hashes.
    Show {
        /// Alarm id.
        id: i64,
    },
    /// Act on an alarm (确认, 派发, 处置, 办结, 驳回, 重新打开, 备注).
    Act(ActArgs),
}

/// Arguments of `lantian alarm list`.
#[derive(Debug, ClapArgs)]
pub(crate) struct ListArgs {
    /// Only open alarms.
    #[arg(long)]
    open: bool,
    /// Only this device.
    #[arg(long)]
    mn: Option<String>,
    /// At most this many.
    #[arg(long, default_value_t = 100)]
    limit: usize,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Action {
    Acknowledge,
    Dispatch,
    Handle,
    Close,
    Dismiss,
    Reopen,
    Comment,
}

/// Arguments of `lantian alarm act`.
#[derive(Debug, ClapArgs)]
pub(crate) struct ActArgs {
    /// Alarm id.
    id: i64,
    /// The action.
    action: Action,
    /// Who acts.
    #[arg(long)]
    actor: String,
    /// Note, reason, or (for dispatch) the town or department; a dispatch without it goes to
    /// the town (区镇) of the device's owner.
    #[arg(long, default_value = "")]
    note: String,
    /// Attachment (file name or URL) of a handling; repeatable.
    #[arg(long)]
    attach: Vec<String>,
}

fn when(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms + 8 * 3_600_000)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

pub(crate) fn run(store: &Store, cmd: &AlarmCmd) -> Result<ExitCode> {
    match cmd {
        AlarmCmd::List(a) => {
            let list = store.alarms(&AlarmFilter {
                open_only: a.open,
                mn: a.mn.clone(),
                id: None,
                limit: a.limit,
                ..AlarmFilter::default()
            })?;
            for r in list {
                out::line(&format!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}{}",
                    r.id,
                    when(r.raised_at_ms),
                    r.mn,
                    r.kind.zh(),
                    r.state.zh(),
                    r.factor.unwrap_or_default(),
                    r.detail,
                    if r.recovered_at_ms.is_some() {
                        "（已恢复）"
                    } else {
                        ""
                    }
                ))?;
            }
        }
        AlarmCmd::Show { id } => {
            let r = alarm(store, *id)?;
            out::line(&format!(
                "报警 {} · {} · {} · {}",
                r.id,
                r.mn,
                r.kind.zh(),
                r.state.zh()
            ))?;
            out::line(&format!("详情: {}", r.detail))?;
            if let (Some(v), Some(l)) = (r.value, r.limit) {
                out::line(&format!(
                    "数值 {} / 限值 {}",
                    format_micros(v),
                    format_micros(l)
                ))?;
            }
            out::line("处置记录:")?;
            for e in store.alarm_events(*id)? {
                out::line(&format!(
                    "  {}\t{}\t{}\t{} → {}\t{}{}",
                    when(e.at_ms),
                    e.actor,
                    e.action,
                    e.from,
                    e.to,
                    e.note,
                    if e.attachments.is_empty() {
                        String::new()
                    } else {
                        format!("\t附件: {}", e.attachments.join(", "))
                    }
                ))?;
            }
            out::line("证据报文 (seq, 接收时间, 链哈希, 前一哈希, 原文):")?;
            for f in store.alarm_evidence(*id)? {
                out::line(&format!(
                    "  {}\t{}\t{}\t{}\t{}",
                    f.seq,
                    when(f.received_at_ms),
                    hex(&f.hash),
                    hex(&f.prev_hash),
                    lantian_report::frame_text(&f.raw)
                ))?;
            }
        }
        AlarmCmd::Act(a) => {
            let mut note = a.note.clone();
            if matches!(a.action, Action::Dispatch) && note.trim().is_empty() {
                note = responsible_town(store, a.id)?;
            }
            let action = match a.action {
                Action::Acknowledge => AlarmAction::Acknowledge,
                Action::Dispatch => AlarmAction::Dispatch { to: note },
                Action::Handle => AlarmAction::Handle {
                    note,
                    attachments: a.attach.clone(),
                },
                Action::Close => AlarmAction::Close,
                Action::Dismiss => AlarmAction::Dismiss { reason: note },
                Action::Reopen => AlarmAction::Reopen { reason: note },
                Action::Comment => AlarmAction::Comment { note },
            };
            let state = store.alarm_action(
                a.id,
                &a.actor,
                &action,
                // The operator at the server's console acts for the office: no scope to check.
                &|_| Ok(()),
                jiff::Timestamp::now().as_millisecond(),
            )?;
            out::line(&format!("报警 {}: {}", a.id, state.zh()))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn alarm(store: &Store, id: i64) -> Result<lantian_store::AlarmRecord> {
    store
        .alarms(&AlarmFilter {
            id: Some(id),
            ..AlarmFilter::default()
        })?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no alarm with id {id}"))
}

/// The town of the owner of the alarm's device.
fn responsible_town(store: &Store, alarm_id: i64) -> Result<String> {
    let alarm = alarm(store, alarm_id)?;
    let town = store
        .devices()?
        .into_iter()
        .find(|d| d.device.mn == alarm.mn)
        .map(|d| d.device.owner.town)
        .unwrap_or_default();
    if town.is_empty() {
        bail!(
            "device {} has no town in the registry: give --note with the town or department",
            alarm.mn
        );
    }
    Ok(town)
}

/// `lantian verify frames`: recompute every device's frame hash chain.
pub(crate) fn verify_frames(store: &Store, mn: Option<&str>) -> Result<ExitCode> {
    let mut broken = 0;
    let mut frames = 0;
    for c in store.verify_frames(mn)? {
        frames += c.frames;
        if let Some(seq) = c.broken_at {
            broken += 1;
            out::line(&format!(
                "{}: chain broken at frame {seq} ({} verified before it)",
                c.mn, c.frames
            ))?;
        }
    }
    out::line(&format!("{frames} frames verified, {broken} broken chains"))?;
    Ok(if broken == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
