//! Who may do what (权限): roles, their scope, and the checks every write goes through.
//!
//! The roles follow the plan's organisation: the district bureau and its air-pollution office
//! (攻坚办) run the system; towns and streets (区镇/街道) handle what is dispatched to them;
//! departments (部门) report on their own tasks; viewers only read. A scoped role acts only
//! within its town or department.

use std::fmt;
use std::str::FromStr;

use crate::AlarmAction;

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// 系统管理员: everything, including users.
    Admin,
    /// 攻坚办/生态环境局: every alarm and device; not users.
    Office,
    /// 区镇/街道: alarms of devices in its town, or dispatched to it.
    Town,
    /// 责任部门: its own tasks (plan supervision); reads the rest.
    Department,
    /// 只读: reads only.
    Viewer,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Office,
        Role::Town,
        Role::Department,
        Role::Viewer,
    ];

    /// Its name in the store and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Office => "office",
            Role::Town => "town",
            Role::Department => "department",
            Role::Viewer => "viewer",
        }
    }

    /// Its Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::Office => "攻坚办",
            Role::Town => "区镇/街道",
            Role::Department => "责任部门",
            Role::Viewer => "只读",
        }
    }

    /// Whether the role must name a town or department.
    pub fn is_scoped(self) -> bool {
        matches!(self, Role::Town | Role::Department)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown role name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?} (admin, office, town, department or viewer)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// A person acting: their role and, for scoped roles, their town or department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Login name (recorded in the audit log).
    pub username: String,
    /// Role.
    pub role: Role,
    /// Town or department of a scoped role.
    pub scope: Option<String>,
}

/// Why an action is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The role never may.
    #[error("role {role} may not {what}")]
    Role {
        /// The actor's role.
        role: Role,
        /// What was attempted.
        what: &'static str,
    },
    /// The target is outside the actor's town or department.
    #[error("{what} is outside {scope}")]
    Scope {
        /// The actor's scope.
        scope: String,
        /// What was attempted.
        what: &'static str,
    },
}

/// Where an alarm belongs: its device's town and whom it was dispatched to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlarmScope<'a> {
    /// The device's town.
    pub town: Option<&'a str>,
    /// The current assignee (town or department), if dispatched.
    pub assignee: Option<&'a str>,
}

impl Actor {
    fn in_scope(&self, alarm: AlarmScope<'_>) -> bool {
        let Some(scope) = self.scope.as_deref() else {
            return false;
        };
        alarm.town == Some(scope) || alarm.assignee == Some(scope)
    }

    /// May this actor take `action` on an alarm that belongs to `alarm`?
    ///
    /// Admin and office: any action. Town and department: acknowledge, handle and comment on
    /// alarms of their town or dispatched to them; dispatching, closing, dismissing and
    /// reopening stay with the office, which judges the handling. Viewers: nothing.
    pub fn may_act_on_alarm(
        &self,
        action: &AlarmAction,
        alarm: AlarmScope<'_>,
    ) -> Result<(), Denied> {
        const WHAT: &str = "act on this alarm";
        match self.role {
            Role::Admin | Role::Office => Ok(()),
            Role::Viewer => Err(Denied::Role {
                role: self.role,
                what: WHAT,
            }),
            Role::Town | Role::Department => {
                let allowed = matches!(
                    action,
                    AlarmAction::Acknowledge
                        | AlarmAction::Handle { .. }
                        | AlarmAction::Comment { .. }
                );
                if !allowed {
                    return Err(Denied::Role {
                        role: self.role,
                        what: "dispatch, close, dismiss or reopen alarms",
                    });
                }
                if self.in_scope(alarm) {
                    Ok(())
                } else {
                    Err(Denied::Scope {
                        scope: self.scope.clone().unwrap_or_default(),
                        what: "this alarm",
                    })
                }
            }
        }
    }

    /// May this actor manage users?
    pub fn may_manage_users(&self) -> Result<(), Denied> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(Denied::Role {
                role: self.role,
                what: "manage users",
            })
        }
    }

    /// The party this actor reports for in plan supervision: a department user's department
    /// or a town user's town.
    pub fn party(&self) -> Option<Party<'_>> {
        let scope = self.scope.as_deref()?;
        match self.role {
            Role::Department => Some(Party::Department(scope)),
            Role::Town => Some(Party::Town(scope)),
            _ => None,
        }
    }

    /// May this actor submit a progress report (or an indicator value) for `party`?
    ///
    /// Only the department or town itself: a department user for its department, a town user
    /// for its town. The office reviews reports and does not write them; viewers only read.
    pub fn may_report_for(&self, party: Party<'_>) -> Result<(), Denied> {
        const WHAT: &str = "report for this department or town";
        match (self.role, self.party()) {
            (Role::Department | Role::Town, Some(mine)) if mine == party => Ok(()),
            (Role::Department | Role::Town, _) => Err(Denied::Scope {
                scope: self.scope.clone().unwrap_or_default(),
                what: WHAT,
            }),
            (role, _) => Err(Denied::Role { role, what: WHAT }),
        }
    }

    /// May this actor read reports of `party`? The office, admins and viewers read all; a
    /// department or town only its own.
    pub fn may_read_reports_of(&self, party: Party<'_>) -> Result<(), Denied> {
        match self.role {
            Role::Admin | Role::Office | Role::Viewer => Ok(()),
            Role::Department | Role::Town => {
                self.may_report_for(party).map_err(|_| Denied::Scope {
                    scope: self.scope.clone().unwrap_or_default(),
                    what: "another department's or town's reports",
                })
            }
        }
    }

    /// May this actor review (accept or return) reports? The office and admins.
    pub fn may_review_reports(&self) -> Result<(), Denied> {
        match self.role {
            Role::Admin | Role::Office => Ok(()),
            role => Err(Denied::Role {
                role,
                what: "review reports",
            }),
        }
    }

    /// Heavy-pollution warnings (研判, 发布, 调整, 解除) are the office's (and admins').
    pub fn may_manage_warnings(&self) -> Result<(), Denied> {
        match self.role {
            Role::Admin | Role::Office => Ok(()),
            role => Err(Denied::Role {
                role,
                what: "issue or change heavy-pollution warnings",
            }),
        }
    }

    /// The emission inventory (排放清单) is imported, rolled forward and measured by the office
    /// (and admins).
    pub fn may_manage_inventory(&self) -> Result<(), Denied> {
        match self.role {
            Role::Admin | Role::Office => Ok(()),
            role => Err(Denied::Role {
                role,
                what: "change the emission inventory",
            }),
        }
    }

    /// The town assessment (区镇考核): its rules are loaded and its results computed and stored
    /// by the office (and admins); everyone logged in reads them.
    pub fn may_run_assessment(&self) -> Result<(), Denied> {
        match self.role {
            Role::Admin | Role::Office => Ok(()),
            role => Err(Denied::Role {
                role,
                what: "run the town assessment",
            }),
        }
    }

    /// Fire-point work orders are imported, dispatched (派发), closed and sent back by the
    /// office (and admins).
    pub fn may_dispatch_orders(&self) -> Result<(), Denied> {
        match self.role {
            Role::Admin | Role::Office => Ok(()),
            role => Err(Denied::Role {
                role,
                what: "dispatch, close or return fire-point work orders",
            }),
        }
    }

    /// An enforcement case (执法案件) is opened and taken step by step by the office, or by a
    /// department for the cases it is in charge of (joint enforcement, task 38).
    pub fn may_enforce(&self, department: &str) -> Result<(), Denied> {
        match (self.role, self.scope.as_deref()) {
            (Role::Admin | Role::Office, _) => Ok(()),
            (Role::Department, Some(mine)) if mine == department => Ok(()),
            (Role::Department, Some(mine)) => Err(Denied::Scope {
                scope: mine.to_owned(),
                what: "this case",
            }),
            (role, _) => Err(Denied::Role {
                role,
                what: "open or step enforcement cases",
            }),
        }
    }

    /// Credit records (信用记录) are added, published, repaired and appealed by the office
    /// (and admins).
    pub fn may_keep_credit(&self) -> Result<(), Denied> {
        match self.role {
            Role::Admin | Role::Office => Ok(()),
            role => Err(Denied::Role {
                role,
                what: "keep credit records",
            }),
        }
    }

    /// A work order dispatched to `town` is verified (核查) by that town; the office may also
    /// enter a verification reported to it.
    pub fn may_verify_order(&self, town: &str) -> Result<(), Denied> {
        match (self.role, self.scope.as_deref()) {
            (Role::Admin | Role::Office, _) => Ok(()),
            (Role::Town, Some(mine)) if mine == town => Ok(()),
            (Role::Town, Some(mine)) => Err(Denied::Scope {
                scope: mine.to_owned(),
                what: "this work order",
            }),
            (role, _) => Err(Denied::Role {
                role,
                what: "verify fire-point work orders",
            }),
        }
    }
}

/// How far a scoped role reads (读取范围): configuration (`lantian serve --read-scope`,
/// `docs/assumptions.md` W13). The plan holds each town accountable for its own area (§二十三)
/// and each department for its own tasks, so by default a town reads the alarms, fire-point
/// work orders and enforcement cases of its own area, and a department those dispatched to it
/// or in its charge; the office, admins and viewers read everything. `All` restores the
/// district-wide reading of earlier versions for a district that wants towns to see each other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReadScope {
    /// Scoped roles read their own town or department only.
    #[default]
    Own,
    /// Everyone logged in reads everything.
    All,
}

impl FromStr for ReadScope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "own" => Ok(ReadScope::Own),
            "all" => Ok(ReadScope::All),
            other => Err(format!("unknown read scope {other:?} (own or all)")),
        }
    }
}

/// What an actor reads of records that belong to towns and departments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads<'a> {
    /// Everything.
    All,
    /// What belongs to this town.
    Town(&'a str),
    /// What is dispatched to, or in the charge of, this department.
    Department(&'a str),
}

impl Reads<'_> {
    /// The town a list must be narrowed to, if any.
    pub fn town(&self) -> Option<&str> {
        match self {
            Reads::Town(t) => Some(t),
            _ => None,
        }
    }
}

impl Actor {
    /// What this actor reads under `policy`.
    pub fn reads(&self, policy: ReadScope) -> Reads<'_> {
        match (policy, self.role, self.scope.as_deref()) {
            (ReadScope::Own, Role::Town, Some(t)) => Reads::Town(t),
            (ReadScope::Own, Role::Department, Some(d)) => Reads::Department(d),
            _ => Reads::All,
        }
    }

    /// May this actor read an alarm that belongs to `alarm`? A town reads the alarms of its
    /// town's devices and those dispatched to it; a department those dispatched to it.
    pub fn may_read_alarm(&self, alarm: AlarmScope<'_>, policy: ReadScope) -> bool {
        match self.reads(policy) {
            Reads::All => true,
            Reads::Town(t) => alarm.town == Some(t) || alarm.assignee == Some(t),
            Reads::Department(d) => alarm.assignee == Some(d),
        }
    }

    /// May this actor read a fire point's incident and work order, lying in `town` and
    /// dispatched to `assignee`? Towns read those in their town or dispatched to them;
    /// departments read all (burning is supervised by departments district-wide: tasks
    /// 农业农村局 leads).
    pub fn may_read_fire(
        &self,
        town: Option<&str>,
        assignee: Option<&str>,
        policy: ReadScope,
    ) -> bool {
        match self.reads(policy) {
            Reads::All | Reads::Department(_) => true,
            Reads::Town(t) => town == Some(t) || assignee == Some(t),
        }
    }

    /// The town a list of alarms, fire points or cases is narrowed to, given the town `asked`
    /// for: a town reads its own (asking for another is refused), others read what they ask.
    pub fn town_to_list(
        &self,
        policy: ReadScope,
        asked: Option<&str>,
    ) -> Result<Option<String>, Denied> {
        let asked = asked.map(str::trim).filter(|t| !t.is_empty());
        match (self.reads(policy).town(), asked) {
            (Some(mine), Some(t)) if t != mine => Err(Denied::Scope {
                scope: mine.to_owned(),
                what: "another town's list",
            }),
            (Some(mine), _) => Ok(Some(mine.to_owned())),
            (None, t) => Ok(t.map(str::to_owned)),
        }
    }

    /// May this actor read an enforcement case of `town`, in the charge of `department`, with
    /// `joined` departments? A town reads its town's cases; a department the cases it is in
    /// charge of or joined.
    pub fn may_read_case(
        &self,
        town: &str,
        department: &str,
        joined: &[&str],
        policy: ReadScope,
    ) -> bool {
        match self.reads(policy) {
            Reads::All => true,
            Reads::Town(t) => town == t,
            Reads::Department(d) => department == d || joined.contains(&d),
        }
    }
}

/// Who a plan report is for: a department or a town (by name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party<'a> {
    /// A department.
    Department(&'a str),
    /// A town.
    Town(&'a str),
}

impl Party<'_> {
    /// `department` or `town`.
    pub fn kind(&self) -> &'static str {
        match self {
            Party::Department(_) => "department",
            Party::Town(_) => "town",
        }
    }

    /// The name.
    pub fn name(&self) -> &str {
        match self {
            Party::Department(n) | Party::Town(n) => n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, scope: Option<&str>) -> Actor {
        Actor {
            username: "u".into(),
            role,
            scope: scope.map(str::to_owned),
        }
    }

    const HAIMEN: AlarmScope<'static> = AlarmScope {
        town: Some("海门街道"),
        assignee: None,
    };

    #[test]
    fn office_and_admin_do_anything() {
        for role in [Role::Admin, Role::Office] {
            let a = actor(role, None);
            assert_eq!(a.may_act_on_alarm(&AlarmAction::Close, HAIMEN), Ok(()));
        }
    }

    #[test]
    fn viewer_does_nothing() {
        let a = actor(Role::Viewer, None);
        assert!(
            a.may_act_on_alarm(&AlarmAction::Acknowledge, HAIMEN)
                .is_err()
        );
        assert!(a.may_manage_users().is_err());
    }

    #[test]
    fn town_handles_its_own_alarms_only() {
        let a = actor(Role::Town, Some("海门街道"));
        let handle = AlarmAction::Handle {
            note: "n".into(),
            attachments: vec![],
        };
        assert_eq!(a.may_act_on_alarm(&handle, HAIMEN), Ok(()));
        assert!(matches!(
            a.may_act_on_alarm(&AlarmAction::Close, HAIMEN),
            Err(Denied::Role { .. })
        ));
        let elsewhere = AlarmScope {
            town: Some("三厂街道"),
            assignee: None,
        };
        assert!(matches!(
            a.may_act_on_alarm(&handle, elsewhere),
            Err(Denied::Scope { .. })
        ));
        // Dispatched to it from elsewhere: in scope.
        let dispatched = AlarmScope {
            town: Some("三厂街道"),
            assignee: Some("海门街道"),
        };
        assert_eq!(a.may_act_on_alarm(&handle, dispatched), Ok(()));
        // A scoped role without a scope acts nowhere.
        let lost = actor(Role::Town, None);
        assert!(lost.may_act_on_alarm(&handle, HAIMEN).is_err());
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn plan_reports_stay_within_the_party() {
        let dept = actor(Role::Department, Some("交通运输局"));
        let town = actor(Role::Town, Some("海门街道"));
        let office = actor(Role::Office, None);
        let viewer = actor(Role::Viewer, None);
        let own = Party::Department("交通运输局");
        let other = Party::Department("公安局");
        assert_eq!(dept.may_report_for(own), Ok(()));
        assert!(matches!(
            dept.may_report_for(other),
            Err(Denied::Scope { .. })
        ));
        // A department is not a town of the same name.
        assert!(dept.may_report_for(Party::Town("交通运输局")).is_err());
        assert_eq!(town.may_report_for(Party::Town("海门街道")), Ok(()));
        assert!(town.may_report_for(Party::Town("三厂街道")).is_err());
        assert_eq!(town.may_verify_order("海门街道"), Ok(()));
        assert!(matches!(
            town.may_verify_order("三厂街道"),
            Err(Denied::Scope { .. })
        ));
        assert!(town.may_dispatch_orders().is_err());
        assert!(dept.may_verify_order("海门街道").is_err());
        assert_eq!(
            actor(Role::Office, None).may_verify_order("三厂街道"),
            Ok(())
        );
        assert_eq!(actor(Role::Office, None).may_dispatch_orders(), Ok(()));
        assert!(actor(Role::Viewer, None).may_dispatch_orders().is_err());
        assert!(actor(Role::Office, None).may_manage_inventory().is_ok());
        assert!(dept.may_manage_inventory().is_err());
        assert!(actor(Role::Office, None).may_run_assessment().is_ok());
        assert!(dept.may_enforce("交通运输局").is_ok());
        assert!(dept.may_enforce("生态环境局").is_err());
        assert!(
            actor(Role::Town, Some("海门街道"))
                .may_enforce("生态环境局")
                .is_err()
        );
        assert!(dept.may_keep_credit().is_err());
        assert!(
            actor(Role::Town, Some("海门街道"))
                .may_run_assessment()
                .is_err()
        );
        assert!(matches!(
            office.may_report_for(own),
            Err(Denied::Role { .. })
        ));
        assert!(viewer.may_report_for(own).is_err());
        assert_eq!(dept.may_read_reports_of(own), Ok(()));
        assert!(dept.may_read_reports_of(other).is_err());
        assert_eq!(viewer.may_read_reports_of(other), Ok(()));
        assert_eq!(office.may_review_reports(), Ok(()));
        assert!(dept.may_review_reports().is_err());
        assert!(viewer.may_review_reports().is_err());
        assert_eq!(own.kind(), "department");
    }

    #[test]
    fn towns_and_departments_read_their_own_unless_configured_otherwise() {
        let town = actor(Role::Town, Some("三厂街道"));
        let dept = actor(Role::Department, Some("市场监管局"));
        let own = ReadScope::Own;
        let mine = AlarmScope {
            town: Some("三厂街道"),
            assignee: None,
        };
        let other = AlarmScope {
            town: Some("临江镇"),
            assignee: None,
        };
        let sent_to_me = AlarmScope {
            town: Some("临江镇"),
            assignee: Some("三厂街道"),
        };
        assert!(town.may_read_alarm(mine, own));
        assert!(!town.may_read_alarm(other, own));
        assert!(town.may_read_alarm(sent_to_me, own));
        assert!(!dept.may_read_alarm(mine, own));
        let to_dept = AlarmScope {
            town: Some("临江镇"),
            assignee: Some("市场监管局"),
        };
        assert!(dept.may_read_alarm(to_dept, own));
        assert!(town.may_read_fire(Some("三厂街道"), None, own));
        assert!(!town.may_read_fire(Some("临江镇"), None, own));
        assert!(town.may_read_fire(Some("临江镇"), Some("三厂街道"), own));
        assert!(!town.may_read_fire(None, None, own));
        assert!(dept.may_read_fire(Some("临江镇"), None, own));
        assert_eq!(
            town.town_to_list(own, None),
            Ok(Some("三厂街道".to_owned()))
        );
        assert!(town.town_to_list(own, Some("临江镇")).is_err());
        assert_eq!(
            dept.town_to_list(own, Some("临江镇")),
            Ok(Some("临江镇".to_owned()))
        );
        assert!(town.may_read_case("三厂街道", "生态环境局", &[], own));
        assert!(!town.may_read_case("临江镇", "生态环境局", &[], own));
        assert!(dept.may_read_case("临江镇", "市场监管局", &[], own));
        assert!(dept.may_read_case("临江镇", "生态环境局", &["市场监管局"], own));
        assert!(!dept.may_read_case("临江镇", "生态环境局", &["公安局"], own));
        // The office, admins and viewers read everything; `all` widens the scoped roles.
        for r in [Role::Admin, Role::Office, Role::Viewer] {
            let a = actor(r, None);
            assert_eq!(a.reads(own), Reads::All);
            assert!(a.may_read_alarm(other, own));
        }
        assert!(town.may_read_alarm(other, ReadScope::All));
        assert!(dept.may_read_case("临江镇", "公安局", &[], ReadScope::All));
        assert_eq!("all".parse::<ReadScope>(), Ok(ReadScope::All));
        assert!("some".parse::<ReadScope>().is_err());
    }
}
