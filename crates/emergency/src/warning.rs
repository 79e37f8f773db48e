//! A warning's workflow (预警流程): 研判 (assessment, with the proposal) → 发布 (issued: level,
//! start) → 调整 (raised or lowered) → 解除 (lifted), or cancelled after assessment. Each step
//! is a transition of [`WarningStatus`] checked here; the store records it with its actor and
//! time and its audit entry. A warning may not be issued or raised merely to meet targets
//! (standards.md §4.1): issuing at another level than proposed, any adjustment, and lifting
//! before the forecast allows it need a written reason.

use serde::{Deserialize, Serialize};

use crate::grading::Level;
use crate::list::{Action, ReductionList};

/// Where a warning stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningStatus {
    /// 研判中: proposed, not issued.
    Assessing,
    /// 已发布 (possibly adjusted).
    Issued,
    /// 已解除.
    Lifted,
    /// 研判后不发布.
    Cancelled,
}

impl WarningStatus {
    /// `assessing`, `issued`, `lifted`, `cancelled`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            WarningStatus::Assessing => "assessing",
            WarningStatus::Issued => "issued",
            WarningStatus::Lifted => "lifted",
            WarningStatus::Cancelled => "cancelled",
        }
    }

    /// 研判中, 已发布, 已解除, 不发布.
    #[must_use]
    pub fn zh(self) -> &'static str {
        match self {
            WarningStatus::Assessing => "研判中",
            WarningStatus::Issued => "已发布",
            WarningStatus::Lifted => "已解除",
            WarningStatus::Cancelled => "不发布",
        }
    }

    /// From [`WarningStatus::as_str`].
    #[must_use]
    pub fn parse(s: &str) -> Option<WarningStatus> {
        [
            WarningStatus::Assessing,
            WarningStatus::Issued,
            WarningStatus::Lifted,
            WarningStatus::Cancelled,
        ]
        .into_iter()
        .find(|w| w.as_str() == s)
    }
}

/// A step of the workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum WarningAction {
    /// 发布.
    Issue {
        /// The level issued.
        level: Level,
        /// Why (required when the level is not the proposed one).
        #[serde(default)]
        reason: String,
    },
    /// 调整 (raise or lower).
    Adjust {
        /// The new level.
        level: Level,
        /// Why (required).
        reason: String,
    },
    /// 解除.
    Lift {
        /// Why (required when the forecast does not yet allow lifting).
        #[serde(default)]
        reason: String,
    },
    /// 研判后不发布.
    Cancel {
        /// Why (required).
        reason: String,
    },
}

impl WarningAction {
    /// `issue`, `adjust`, `lift`, `cancel`.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            WarningAction::Issue { .. } => "issue",
            WarningAction::Adjust { .. } => "adjust",
            WarningAction::Lift { .. } => "lift",
            WarningAction::Cancel { .. } => "cancel",
        }
    }

    /// 发布, 调整, 解除, 不发布.
    #[must_use]
    pub fn zh(&self) -> &'static str {
        match self {
            WarningAction::Issue { .. } => "发布",
            WarningAction::Adjust { .. } => "调整",
            WarningAction::Lift { .. } => "解除",
            WarningAction::Cancel { .. } => "不发布",
        }
    }

    /// The written reason.
    #[must_use]
    pub fn reason(&self) -> &str {
        match self {
            WarningAction::Issue { reason, .. }
            | WarningAction::Adjust { reason, .. }
            | WarningAction::Lift { reason }
            | WarningAction::Cancel { reason } => reason,
        }
    }
}

/// A step the workflow refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WarningError {
    /// Not possible in this state.
    #[error("a warning that is {status} cannot be {action}")]
    NotAllowed {
        /// Current state (Chinese).
        status: &'static str,
        /// The step (Chinese).
        action: &'static str,
    },
    /// An adjustment to the level in force.
    #[error("the warning is already {0}")]
    SameLevel(&'static str),
    /// A reason is required.
    #[error("a reason is required: {0}")]
    ReasonRequired(&'static str),
}

/// A warning's state: its status and the level in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningState {
    /// Status.
    pub status: WarningStatus,
    /// The level issued (none while assessing or after a cancel).
    pub level: Option<Level>,
}

impl WarningState {
    /// A new warning under assessment.
    #[must_use]
    pub fn assessing() -> WarningState {
        WarningState {
            status: WarningStatus::Assessing,
            level: None,
        }
    }

    /// The state after `action`, given the level the forecast calls for (`proposed`) and
    /// whether it allows lifting (`may_lift`).
    pub fn apply(
        self,
        action: &WarningAction,
        proposed: Option<Level>,
        may_lift: bool,
    ) -> Result<WarningState, WarningError> {
        let refuse = || WarningError::NotAllowed {
            status: self.status.zh(),
            action: action.zh(),
        };
        let blank = action.reason().trim().is_empty();
        match (self.status, action) {
            (WarningStatus::Assessing, WarningAction::Issue { level, .. }) => {
                if Some(*level) != proposed && blank {
                    return Err(WarningError::ReasonRequired(
                        "发布级别与预测研判建议不一致，须说明理由",
                    ));
                }
                Ok(WarningState {
                    status: WarningStatus::Issued,
                    level: Some(*level),
                })
            }
            (WarningStatus::Assessing, WarningAction::Cancel { .. }) => {
                if blank {
                    return Err(WarningError::ReasonRequired("不发布须说明理由"));
                }
                Ok(WarningState {
                    status: WarningStatus::Cancelled,
                    level: None,
                })
            }
            (WarningStatus::Issued, WarningAction::Adjust { level, .. }) => {
                if self.level == Some(*level) {
                    return Err(WarningError::SameLevel(level.zh()));
                }
                if blank {
                    return Err(WarningError::ReasonRequired("调整预警级别须说明理由"));
                }
                Ok(WarningState {
                    status: WarningStatus::Issued,
                    level: Some(*level),
                })
            }
            (WarningStatus::Issued, WarningAction::Lift { .. }) => {
                if !may_lift && blank {
                    return Err(WarningError::ReasonRequired(
                        "预测未满足解除条件（低于黄色预警条件持续36小时），提前解除须说明理由",
                    ));
                }
                Ok(WarningState {
                    status: WarningStatus::Lifted,
                    level: self.level,
                })
            }
            _ => Err(refuse()),
        }
    }
}

/// Who is told of a warning at a level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    /// `department`, `town` or `enterprise`.
    pub kind: String,
    /// Name.
    pub name: String,
    /// What it must do (an enterprise's measure; empty for the others).
    pub duty: String,
}

/// The notification list (通知名单) of a warning at `level`: the plan's departments and towns,
/// and every listed enterprise with its measure at that level.
#[must_use]
pub fn recipients(
    level: Level,
    departments: &[String],
    towns: &[String],
    list: &ReductionList,
) -> Vec<Recipient> {
    let mut out: Vec<Recipient> = departments
        .iter()
        .map(|d| Recipient {
            kind: "department".to_owned(),
            name: d.clone(),
            duty: String::new(),
        })
        .chain(towns.iter().map(|t| Recipient {
            kind: "town".to_owned(),
            name: t.clone(),
            duty: String::new(),
        }))
        .collect();
    out.extend(list.enterprises.iter().map(|e| {
        let m = e.measure(level);
        let duty = match (&m.action, m.text.trim()) {
            (a @ Action::Exempt(_), _) => a.zh(),
            (a, "") => a.zh(),
            (a, t) => format!("{}：{t}", a.zh()),
        };
        Recipient {
            kind: "enterprise".to_owned(),
            name: e.name.clone(),
            duty,
        }
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue(level: Level, reason: &str) -> WarningAction {
        WarningAction::Issue {
            level,
            reason: reason.to_owned(),
        }
    }

    #[test]
    fn assess_issue_adjust_lift() {
        let s = WarningState::assessing();
        let s = s
            .apply(&issue(Level::Orange, ""), Some(Level::Orange), false)
            .unwrap();
        assert_eq!(
            (s.status, s.level),
            (WarningStatus::Issued, Some(Level::Orange))
        );
        let up = WarningAction::Adjust {
            level: Level::Red,
            reason: "预测加重".into(),
        };
        let s = s.apply(&up, Some(Level::Red), false).unwrap();
        assert_eq!(s.level, Some(Level::Red));
        let s = s
            .apply(
                &WarningAction::Lift {
                    reason: String::new(),
                },
                None,
                true,
            )
            .unwrap();
        assert_eq!(
            (s.status, s.level),
            (WarningStatus::Lifted, Some(Level::Red))
        );
        // Nothing after lifting.
        assert_eq!(
            s.apply(&up, None, true).unwrap_err().to_string(),
            "a warning that is 已解除 cannot be 调整"
        );
    }

    #[test]
    fn reasons_are_required_where_judgement_departs_from_the_forecast() {
        let s = WarningState::assessing();
        assert!(matches!(
            s.apply(&issue(Level::Red, " "), Some(Level::Orange), false),
            Err(WarningError::ReasonRequired(_))
        ));
        assert!(matches!(
            s.apply(&issue(Level::Yellow, ""), None, false),
            Err(WarningError::ReasonRequired(_))
        ));
        let s = s
            .apply(&issue(Level::Yellow, "区域预警"), None, false)
            .unwrap();
        assert!(matches!(
            s.apply(
                &WarningAction::Adjust {
                    level: Level::Yellow,
                    reason: "x".into()
                },
                None,
                false
            ),
            Err(WarningError::SameLevel("黄色"))
        ));
        assert!(matches!(
            s.apply(
                &WarningAction::Adjust {
                    level: Level::Orange,
                    reason: String::new()
                },
                None,
                false
            ),
            Err(WarningError::ReasonRequired(_))
        ));
        assert!(matches!(
            s.apply(
                &WarningAction::Lift {
                    reason: String::new()
                },
                Some(Level::Yellow),
                false
            ),
            Err(WarningError::ReasonRequired(_))
        ));
        assert!(
            s.apply(
                &WarningAction::Lift {
                    reason: "实况好转".into()
                },
                Some(Level::Yellow),
                false
            )
            .is_ok()
        );
        assert!(matches!(
            s.apply(&WarningAction::Cancel { reason: "x".into() }, None, true),
            Err(WarningError::NotAllowed { .. })
        ));
        let c = WarningState::assessing()
            .apply(
                &WarningAction::Cancel {
                    reason: "预报订正".into(),
                },
                None,
                true,
            )
            .unwrap();
        assert_eq!(c.status, WarningStatus::Cancelled);
    }
}
