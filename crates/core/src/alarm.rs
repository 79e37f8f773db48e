//! Alarms (报警): what was found ([`AlarmCandidate`], by a rule in [`crate::monitor`]) and the
//! lifecycle an alarm goes through until it is closed ([`AlarmState`], [`AlarmAction`]).
//!
//! ```text
//! raised ──acknowledge──> acknowledged ──dispatch──> dispatched ──handle──> handled ──close──> closed
//!    │                        │                         │   ^                  │
//!    └──────────dismiss───────┴─────────dismiss─────────┘   └────reopen────────┘
//! ```
//!
//! Dismissing needs a reason, handling a note; dispatching names the town or department.

/// What kind of alarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlarmKind {
    /// 超标: a valid value above the device's limit over the limit's averaging window.
    Exceedance,
    /// 超量程: a value flagged `T` (above the instrument's range); a possible exceedance.
    OverRange,
    /// 离线: no data for the configured number of expected intervals.
    Offline,
    /// 恒值: the same value for hours.
    ConstantValue,
    /// 零值: a run of zeros.
    ZeroRun,
    /// 满量程: values pinned at the instrument's range end.
    PinnedAtRange,
    /// 突变: a sudden step between consecutive values.
    SuddenStep,
    /// 长时间维护/校准: a long run of maintenance or calibration flags.
    FlagRun,
    /// 时钟偏差: the device's clock is far from ours.
    ClockSkew,
    /// 应急减排未落实: during a heavy-pollution warning, a listed enterprise's monitors do not
    /// show the reduction its measure requires.
    EmergencyReduction,
    /// 认证失败: repeated frames with a registered device's MN and a wrong password (or CRC
    /// variant), across connections: someone guessing its password, or a misconfigured
    /// device. Raised by the receiver, recovered when the device authenticates again.
    AuthFailures,
}

impl AlarmKind {
    /// All kinds.
    pub const ALL: [AlarmKind; 11] = [
        AlarmKind::Exceedance,
        AlarmKind::OverRange,
        AlarmKind::Offline,
        AlarmKind::ConstantValue,
        AlarmKind::ZeroRun,
        AlarmKind::PinnedAtRange,
        AlarmKind::SuddenStep,
        AlarmKind::FlagRun,
        AlarmKind::ClockSkew,
        AlarmKind::EmergencyReduction,
        AlarmKind::AuthFailures,
    ];

    /// Stable machine name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmKind::Exceedance => "exceedance",
            AlarmKind::OverRange => "over_range",
            AlarmKind::Offline => "offline",
            AlarmKind::ConstantValue => "constant_value",
            AlarmKind::ZeroRun => "zero_run",
            AlarmKind::PinnedAtRange => "pinned_at_range",
            AlarmKind::SuddenStep => "sudden_step",
            AlarmKind::FlagRun => "flag_run",
            AlarmKind::ClockSkew => "clock_skew",
            AlarmKind::EmergencyReduction => "emergency_reduction",
            AlarmKind::AuthFailures => "auth_failures",
        }
    }

    /// Chinese name.
    #[must_use]
    pub fn zh(self) -> &'static str {
        match self {
            AlarmKind::Exceedance => "超标",
            AlarmKind::OverRange => "超量程",
            AlarmKind::Offline => "离线",
            AlarmKind::ConstantValue => "数据恒值",
            AlarmKind::ZeroRun => "连续零值",
            AlarmKind::PinnedAtRange => "量程上限恒值",
            AlarmKind::SuddenStep => "数据突变",
            AlarmKind::FlagRun => "长时间维护/校准",
            AlarmKind::ClockSkew => "设备时钟偏差",
            AlarmKind::EmergencyReduction => "应急减排未落实",
            AlarmKind::AuthFailures => "认证失败",
        }
    }

    /// Parses [`AlarmKind::as_str`].
    #[must_use]
    pub fn parse(s: &str) -> Option<AlarmKind> {
        AlarmKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Abnormal-data kinds suggest tampering or failure, not pollution.
    #[must_use]
    pub fn is_abnormal_data(self) -> bool {
        matches!(
            self,
            AlarmKind::ConstantValue
                | AlarmKind::ZeroRun
                | AlarmKind::PinnedAtRange
                | AlarmKind::SuddenStep
                | AlarmKind::FlagRun
                | AlarmKind::ClockSkew
        )
    }
}

/// An alarm a rule found, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmCandidate {
    /// Device MN.
    pub mn: String,
    /// Kind.
    pub kind: AlarmKind,
    /// Factor code, for factor rules.
    pub factor: Option<String>,
    /// Start of the evidence window (Unix seconds, UTC).
    pub start: i64,
    /// End of the evidence window.
    pub end: i64,
    /// The value that triggered it (millionths), e.g. the window mean.
    pub value: Option<i64>,
    /// The limit it was compared with (millionths).
    pub limit: Option<i64>,
    /// Human-readable detail in Chinese, with the numbers.
    pub detail: String,
    /// `DataTime`s (Unix seconds) of the readings that are the evidence, of kind
    /// `evidence_kind`; the store resolves them to stored frames.
    pub evidence: Vec<i64>,
    /// Kind of the evidence readings.
    pub evidence_kind: Option<crate::ReadingKind>,
}

impl AlarmCandidate {
    /// The key under which an alarm stays one alarm while its condition lasts: the same device,
    /// kind and factor.
    #[must_use]
    pub fn key(&self) -> (String, AlarmKind, Option<String>) {
        (self.mn.clone(), self.kind, self.factor.clone())
    }
}

/// Where an alarm is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlarmState {
    /// 待处理: raised by a rule.
    Raised,
    /// 已确认: someone in the office has seen it.
    Acknowledged,
    /// 已派发: sent to the responsible town or department.
    Dispatched,
    /// 已处置: handled, with a note.
    Handled,
    /// 已办结: closed.
    Closed,
    /// 已驳回: dismissed with a reason (false alarm, known maintenance).
    Dismissed,
}

impl AlarmState {
    /// All states.
    pub const ALL: [AlarmState; 6] = [
        AlarmState::Raised,
        AlarmState::Acknowledged,
        AlarmState::Dispatched,
        AlarmState::Handled,
        AlarmState::Closed,
        AlarmState::Dismissed,
    ];

    /// Stable machine name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmState::Raised => "raised",
            AlarmState::Acknowledged => "acknowledged",
            AlarmState::Dispatched => "dispatched",
            AlarmState::Handled => "handled",
            AlarmState::Closed => "closed",
            AlarmState::Dismissed => "dismissed",
        }
    }

    /// Chinese name.
    #[must_use]
    pub fn zh(self) -> &'static str {
        match self {
            AlarmState::Raised => "待处理",
            AlarmState::Acknowledged => "已确认",
            AlarmState::Dispatched => "已派发",
            AlarmState::Handled => "已处置",
            AlarmState::Closed => "已办结",
            AlarmState::Dismissed => "已驳回",
        }
    }

    /// Parses [`AlarmState::as_str`].
    #[must_use]
    pub fn parse(s: &str) -> Option<AlarmState> {
        AlarmState::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Open alarms still need someone to act.
    #[must_use]
    pub fn is_open(self) -> bool {
        !matches!(self, AlarmState::Closed | AlarmState::Dismissed)
    }
}

/// Something a person does to an alarm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlarmAction {
    /// 确认.
    Acknowledge,
    /// 派发 to a town or department.
    Dispatch {
        /// Town or department name.
        to: String,
    },
    /// 处置 with a note and attachment references (file names or URLs).
    Handle {
        /// What was done.
        note: String,
        /// Attachments.
        attachments: Vec<String>,
    },
    /// 办结.
    Close,
    /// 驳回 with a reason.
    Dismiss {
        /// Why.
        reason: String,
    },
    /// 重新打开 a handled alarm whose handling was not accepted.
    Reopen {
        /// Why.
        reason: String,
    },
    /// 备注: a comment; does not change the state.
    Comment {
        /// Text.
        note: String,
    },
}

impl AlarmAction {
    /// Stable machine name.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            AlarmAction::Acknowledge => "acknowledge",
            AlarmAction::Dispatch { .. } => "dispatch",
            AlarmAction::Handle { .. } => "handle",
            AlarmAction::Close => "close",
            AlarmAction::Dismiss { .. } => "dismiss",
            AlarmAction::Reopen { .. } => "reopen",
            AlarmAction::Comment { .. } => "comment",
        }
    }

    /// The text recorded with the action (note, reason, target).
    #[must_use]
    pub fn note(&self) -> &str {
        match self {
            AlarmAction::Dispatch { to } => to,
            AlarmAction::Handle { note, .. }
            | AlarmAction::Comment { note }
            | AlarmAction::Dismiss { reason: note }
            | AlarmAction::Reopen { reason: note } => note,
            AlarmAction::Acknowledge | AlarmAction::Close => "",
        }
    }
}

/// An action that the alarm's state does not allow, or that lacks its text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// Not allowed from this state.
    #[error("cannot {action} an alarm that is {state}")]
    NotAllowed {
        /// Action name.
        action: &'static str,
        /// State name.
        state: &'static str,
    },
    /// A note, reason or target is required and was empty.
    #[error("{0} needs a non-empty note")]
    EmptyNote(&'static str),
}

impl AlarmState {
    /// The state after `action`.
    ///
    /// # Errors
    ///
    /// [`TransitionError`] when the action is not allowed here or lacks its text.
    pub fn apply(self, action: &AlarmAction) -> Result<AlarmState, TransitionError> {
        use AlarmState as S;
        let needs_text = !matches!(action, AlarmAction::Acknowledge | AlarmAction::Close);
        if needs_text && action.note().trim().is_empty() {
            return Err(TransitionError::EmptyNote(action.as_str()));
        }
        let next = match (self, action) {
            (S::Raised, AlarmAction::Acknowledge) => S::Acknowledged,
            (S::Raised | S::Acknowledged | S::Dispatched, AlarmAction::Dispatch { .. }) => {
                S::Dispatched
            }
            (S::Raised | S::Acknowledged | S::Dispatched, AlarmAction::Handle { .. }) => S::Handled,
            (S::Handled, AlarmAction::Close) => S::Closed,
            (S::Raised | S::Acknowledged | S::Dispatched, AlarmAction::Dismiss { .. }) => {
                S::Dismissed
            }
            (S::Handled | S::Dismissed, AlarmAction::Reopen { .. }) => S::Dispatched,
            (s, AlarmAction::Comment { .. }) => s,
            (s, a) => {
                return Err(TransitionError::NotAllowed {
                    action: a.as_str(),
                    state: s.as_str(),
                });
            }
        };
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_lifecycle() {
        let mut s = AlarmState::Raised;
        for a in [
            AlarmAction::Acknowledge,
            AlarmAction::Dispatch {
                to: "三厂街道".to_owned(),
            },
            AlarmAction::Comment {
                note: "已电话通知".to_owned(),
            },
            AlarmAction::Handle {
                note: "现场检查，净化器已清洗".to_owned(),
                attachments: vec!["photo1.jpg".to_owned()],
            },
            AlarmAction::Close,
        ] {
            s = s.apply(&a).unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(s, AlarmState::Closed);
        assert!(!s.is_open());
    }

    #[test]
    fn refusals() {
        assert_eq!(
            AlarmState::Raised.apply(&AlarmAction::Close),
            Err(TransitionError::NotAllowed {
                action: "close",
                state: "raised"
            })
        );
        assert_eq!(
            AlarmState::Raised.apply(&AlarmAction::Dismiss {
                reason: "  ".to_owned()
            }),
            Err(TransitionError::EmptyNote("dismiss"))
        );
        assert!(AlarmState::Closed.apply(&AlarmAction::Acknowledge).is_err());
        assert!(
            AlarmState::Acknowledged
                .apply(&AlarmAction::Acknowledge)
                .is_err()
        );
        assert_eq!(
            AlarmState::Dismissed.apply(&AlarmAction::Reopen {
                reason: "误驳回".to_owned()
            }),
            Ok(AlarmState::Dispatched)
        );
    }

    #[test]
    fn names_round_trip() {
        for k in AlarmKind::ALL {
            assert_eq!(AlarmKind::parse(k.as_str()), Some(k));
        }
        for s in AlarmState::ALL {
            assert_eq!(AlarmState::parse(s.as_str()), Some(s));
        }
    }
}
