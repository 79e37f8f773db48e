//! Console pages of enforcement and disclosure (执法与信用): the cases with the next step's
//! deadline, the effectiveness by department, the credit records with their status, and the
//! forms (open a case, a credit record's events, screen a project); one case with its history,
//! its alarm's evidence frames and the step form.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use super::{Nav, PageUser, nav, page};
use crate::api::enforcement::today;
use crate::{ApiError, AppState};

struct CaseLine {
    id: i64,
    title: String,
    party: String,
    department: String,
    town: String,
    state: String,
    deadline: String,
    overdue: bool,
}

struct EffectLine {
    group: String,
    cases: String,
    ended: String,
    median: String,
    late: String,
    repeat: String,
    recurred: String,
}

struct CreditLine {
    id: i64,
    party: String,
    violation: String,
    decision_ref: String,
    published: String,
    status: String,
    shown: bool,
}

#[derive(Template)]
#[template(path = "enforcement.html")]
struct EnforcementPage {
    nav: Nav,
    may_open: bool,
    may_credit: bool,
    cases: Vec<CaseLine>,
    effect: Vec<EffectLine>,
    credits: Vec<CreditLine>,
}

pub(super) async fn index(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    let nav = nav(&state, &user, "enforcement");
    // The office, or a department (for its own cases).
    let may_open = user.actor.may_keep_credit().is_ok()
        || user
            .actor
            .scope
            .as_deref()
            .is_some_and(|d| user.actor.may_enforce(d).is_ok());
    let may_credit = user.actor.may_keep_credit().is_ok();
    let (reader, policy) = (user.actor.clone(), state.config.read_scope);
    let result = state
        .blocking(move |store| {
            let today = today();
            let limits = lantian_enforcement::Limits::default();
            let all = store.enforcement_cases(&lantian_store::CaseFilter::default())?;
            let cases = all
                .iter()
                .filter(|c| crate::api::enforcement::may_read(&reader, policy, c))
                .map(|c| {
                    let d = lantian_enforcement::case::deadline(&c.events, &limits, today);
                    CaseLine {
                        id: c.id,
                        title: c.case.title.clone(),
                        party: c.case.party.name.clone(),
                        department: c.case.department.clone(),
                        town: c.case.town.clone(),
                        state: c.state().map_or("—", |s| s.label_zh()).to_owned(),
                        overdue: d.as_ref().is_some_and(|d| d.days_left < 0),
                        deadline: d.map(|d| d.describe_zh()).unwrap_or_default(),
                    }
                })
                .collect();
            let effect = lantian_report::enforcement::effect(store, false, 365)?
                .into_iter()
                .map(|(group, e)| EffectLine {
                    group,
                    cases: e.cases.to_string(),
                    ended: e.ended.to_string(),
                    median: e.median_days.map_or("—".to_owned(), |d| d.to_string()),
                    late: e.late_steps.to_string(),
                    repeat: e.repeat_parties.len().to_string(),
                    recurred: e.recurred.to_string(),
                })
                .collect();
            let rules = lantian_enforcement::CreditRules::default();
            let credits = store
                .credit_records(None)?
                .iter()
                .map(|r| {
                    let s = r.record.status(&rules, today);
                    CreditLine {
                        id: r.id,
                        party: r.record.party.name.clone(),
                        violation: r.record.violation.label_zh().to_owned(),
                        decision_ref: r.record.decision_ref.clone(),
                        published: r
                            .record
                            .published_on()
                            .map_or("—".to_owned(), |d| d.to_string()),
                        status: s.label_zh().to_owned(),
                        shown: s.shown(),
                    }
                })
                .collect();
            Ok::<_, ApiError>((cases, effect, credits))
        })
        .await;
    match result {
        Ok((cases, effect, credits)) => page(&EnforcementPage {
            nav,
            may_open,
            may_credit,
            cases,
            effect,
            credits,
        }),
        Err(e) => e.into_response(),
    }
}

struct EventLine {
    on: String,
    step: String,
    actor: String,
}

struct FrameLine {
    seq: String,
    received: String,
    hash: String,
    raw: String,
}

#[derive(Template)]
#[template(path = "enforcement_case.html")]
struct CasePage {
    nav: Nav,
    may_step: bool,
    id: i64,
    title: String,
    party: String,
    origin: String,
    department: String,
    town: String,
    state: String,
    deadline: String,
    late: Vec<String>,
    events: Vec<EventLine>,
    frames: Vec<FrameLine>,
}

pub(super) async fn case(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> Response {
    let nav = nav(&state, &user, "enforcement");
    let actor = user.actor.clone();
    let (reader, policy) = (user.actor.clone(), state.config.read_scope);
    let result = state
        .blocking(move |store| {
            let c = store.enforcement_case(id)?;
            crate::api::enforcement::readable(&reader, policy, &c)?;
            let limits = lantian_enforcement::Limits::default();
            let d = lantian_enforcement::case::deadline(&c.events, &limits, today());
            let frames = match c.case.origin {
                lantian_enforcement::Origin::Alarm { id } => store
                    .alarm_evidence(id)?
                    .iter()
                    .map(|f| FrameLine {
                        seq: f.seq.to_string(),
                        received: lantian_report::beijing_minute(f.received_at_ms),
                        hash: f.hash.iter().map(|b| format!("{b:02x}")).collect(),
                        raw: lantian_report::frame_text(&f.raw),
                    })
                    .collect(),
                _ => Vec::new(),
            };
            Ok::<_, ApiError>(CasePage {
                nav,
                may_step: actor.may_enforce(&c.case.department).is_ok(),
                id,
                title: c.case.title.clone(),
                party: c.case.party.name.clone(),
                origin: c.case.origin.describe_zh(),
                department: c.case.department.clone(),
                town: c.case.town.clone(),
                state: c.state().map_or("—", |s| s.label_zh()).to_owned(),
                deadline: d.map(|d| d.describe_zh()).unwrap_or_default(),
                late: lantian_enforcement::case::late_steps(&c.events, &limits)
                    .into_iter()
                    .map(|(s, n)| format!("{s} 超出时限 {n} 天"))
                    .collect(),
                events: c
                    .events
                    .iter()
                    .map(|e| EventLine {
                        on: e.on.to_string(),
                        step: e.step.describe_zh(),
                        actor: e.actor.clone(),
                    })
                    .collect(),
                frames,
            })
        })
        .await;
    match result {
        Ok(p) => page(&p),
        Err(e) => e.into_response(),
    }
}
