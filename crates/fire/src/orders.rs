//! Work orders (工单) of fire incidents: an incident is dispatched to its town, the town
//! verifies it on the ground (real fire, false alarm, or outside the district; burned area,
//! photos, action taken), and the office closes it or sends it back. The response time is
//! from dispatch to verification. Statistics count incidents by town, month and source for the
//! town assessment.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Where a work order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// 已派发: waiting for the town.
    Dispatched,
    /// 已核查: the town reported; waiting for the office.
    Verified,
    /// 已办结.
    Closed,
}

impl OrderState {
    /// Every state.
    pub const ALL: [OrderState; 3] = [
        OrderState::Dispatched,
        OrderState::Verified,
        OrderState::Closed,
    ];

    /// `dispatched`, `verified`, `closed` (its serde name; the store and the API use it).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::Dispatched => "dispatched",
            OrderState::Verified => "verified",
            OrderState::Closed => "closed",
        }
    }

    /// From [`OrderState::as_str`].
    #[must_use]
    pub fn parse(s: &str) -> Option<OrderState> {
        OrderState::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// 已派发, 已核查, 已办结.
    #[must_use]
    pub fn zh(self) -> &'static str {
        match self {
            OrderState::Dispatched => "已派发",
            OrderState::Verified => "已核查",
            OrderState::Closed => "已办结",
        }
    }
}

/// What the town found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// 属实: a real fire (counts against the town).
    RealFire,
    /// 误报: no fire (a factory, a reflection, …).
    FalseAlarm,
    /// 不在辖区: the fire is outside the district.
    OutsideDistrict,
}

impl Finding {
    /// Every finding.
    pub const ALL: [Finding; 3] = [
        Finding::RealFire,
        Finding::FalseAlarm,
        Finding::OutsideDistrict,
    ];

    /// `real_fire`, `false_alarm`, `outside_district` (its serde name; the store and the API
    /// use it).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Finding::RealFire => "real_fire",
            Finding::FalseAlarm => "false_alarm",
            Finding::OutsideDistrict => "outside_district",
        }
    }

    /// From [`Finding::as_str`].
    #[must_use]
    pub fn parse(s: &str) -> Option<Finding> {
        Finding::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// 属实, 误报, 不在辖区.
    #[must_use]
    pub fn zh(self) -> &'static str {
        match self {
            Finding::RealFire => "属实",
            Finding::FalseAlarm => "误报",
            Finding::OutsideDistrict => "不在辖区",
        }
    }
}

/// The town's verification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    /// What was found.
    pub finding: Finding,
    /// Burned area, mu (亩), for a real fire.
    pub burned_mu: Option<f64>,
    /// What was done (extinguished, the farmer fined, …).
    pub action: String,
    /// Attachment ids (photos).
    pub photos: Vec<i64>,
}

/// A step of a work order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OrderAction {
    /// The town reports its verification.
    Verify(Verification),
    /// The office accepts it.
    Close,
    /// The office sends it back with a reason.
    Return(String),
}

/// A step the workflow refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// Not possible in this state.
    #[error("a work order that is {0} cannot take this step")]
    NotAllowed(&'static str),
    /// A verification that is incomplete.
    #[error("{0}")]
    Incomplete(&'static str),
}

/// The state after `action`.
pub fn apply(state: OrderState, action: &OrderAction) -> Result<OrderState, OrderError> {
    match (state, action) {
        (OrderState::Dispatched, OrderAction::Verify(v)) => {
            if v.action.trim().is_empty() {
                return Err(OrderError::Incomplete("say what was done (处置情况)"));
            }
            if v.finding == Finding::RealFire && v.burned_mu.is_none_or(|m| m.is_nan() || m < 0.0) {
                return Err(OrderError::Incomplete(
                    "a real fire needs its burned area (亩, 0 or more)",
                ));
            }
            if v.finding == Finding::RealFire && v.photos.is_empty() {
                return Err(OrderError::Incomplete(
                    "a real fire needs at least one photo",
                ));
            }
            Ok(OrderState::Verified)
        }
        (OrderState::Verified, OrderAction::Close) => Ok(OrderState::Closed),
        (OrderState::Verified, OrderAction::Return(r)) => {
            if r.trim().is_empty() {
                Err(OrderError::Incomplete("say why it is sent back"))
            } else {
                Ok(OrderState::Dispatched)
            }
        }
        (s, _) => Err(OrderError::NotAllowed(s.zh())),
    }
}

/// A work order as statistics see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderFacts {
    /// The town it was dispatched to.
    pub town: String,
    /// `YYYY-MM` of the incident's first detection (Beijing).
    pub month: String,
    /// The sources that saw it.
    pub sources: Vec<String>,
    /// The town's finding, once verified.
    pub finding: Option<Finding>,
    /// Minutes from dispatch to the (first) verification.
    pub response_min: Option<i64>,
}

/// Counts for one town and month.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TownMonth {
    /// Incidents dispatched.
    pub incidents: u32,
    /// Found real (count against the town).
    pub real: u32,
    /// False alarms.
    pub false_alarms: u32,
    /// Outside the district.
    pub outside: u32,
    /// Not yet verified.
    pub open: u32,
    /// Incidents seen by each source.
    pub by_source: BTreeMap<String, u32>,
    /// Median response time (minutes) of the verified ones.
    pub median_response_min: Option<i64>,
}

/// Statistics by (town, month).
#[must_use]
pub fn statistics(orders: &[OrderFacts]) -> BTreeMap<(String, String), TownMonth> {
    let mut out: BTreeMap<(String, String), TownMonth> = BTreeMap::new();
    let mut times: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
    for o in orders {
        let key = (o.town.clone(), o.month.clone());
        let t = out.entry(key.clone()).or_default();
        t.incidents += 1;
        match o.finding {
            Some(Finding::RealFire) => t.real += 1,
            Some(Finding::FalseAlarm) => t.false_alarms += 1,
            Some(Finding::OutsideDistrict) => t.outside += 1,
            None => t.open += 1,
        }
        for s in &o.sources {
            *t.by_source.entry(s.clone()).or_default() += 1;
        }
        if let Some(r) = o.response_min {
            times.entry(key).or_default().push(r);
        }
    }
    for (k, mut v) in times {
        v.sort_unstable();
        if let Some(t) = out.get_mut(&k) {
            // The lower median for an even count (a whole minute).
            t.median_response_min = v.get((v.len() - 1) / 2).copied();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn real(mu: Option<f64>, photos: Vec<i64>) -> OrderAction {
        OrderAction::Verify(Verification {
            finding: Finding::RealFire,
            burned_mu: mu,
            action: "已扑灭，约谈农户".into(),
            photos,
        })
    }

    #[test]
    fn dispatch_verify_return_close() {
        let s = OrderState::Dispatched;
        assert!(matches!(
            apply(s, &real(None, vec![1])),
            Err(OrderError::Incomplete(_))
        ));
        assert!(matches!(
            apply(s, &real(Some(-1.0), vec![1])),
            Err(OrderError::Incomplete(_))
        ));
        assert!(matches!(
            apply(s, &real(Some(f64::NAN), vec![1])),
            Err(OrderError::Incomplete(_))
        ));
        assert!(matches!(
            apply(s, &real(Some(2.5), vec![])),
            Err(OrderError::Incomplete(_))
        ));
        let v = apply(s, &real(Some(2.5), vec![7])).unwrap();
        assert_eq!(v, OrderState::Verified);
        assert_eq!(
            apply(v, &OrderAction::Return("照片不清".into())).unwrap(),
            OrderState::Dispatched
        );
        assert!(apply(v, &OrderAction::Return(" ".into())).is_err());
        let c = apply(v, &OrderAction::Close).unwrap();
        assert_eq!(c, OrderState::Closed);
        assert_eq!(
            apply(c, &OrderAction::Close).unwrap_err().to_string(),
            "a work order that is 已办结 cannot take this step"
        );
        assert!(apply(s, &OrderAction::Close).is_err());
        // A false alarm needs no area or photo, only what was done.
        let f = OrderAction::Verify(Verification {
            finding: Finding::FalseAlarm,
            burned_mu: None,
            action: "现场为工厂烟囱".into(),
            photos: vec![],
        });
        assert_eq!(apply(s, &f).unwrap(), OrderState::Verified);
    }

    #[test]
    fn statistics_by_town_and_month() {
        let o = |town: &str, month: &str, src: &[&str], f: Option<Finding>, r: Option<i64>| {
            OrderFacts {
                town: town.into(),
                month: month.into(),
                sources: src.iter().map(|s| (*s).to_owned()).collect(),
                finding: f,
                response_min: r,
            }
        };
        let s = statistics(&[
            o(
                "常乐镇",
                "2026-06",
                &["MODIS", "VIIRS"],
                Some(Finding::RealFire),
                Some(40),
            ),
            o(
                "常乐镇",
                "2026-06",
                &["视频塔"],
                Some(Finding::FalseAlarm),
                Some(90),
            ),
            o("常乐镇", "2026-06", &["MODIS"], None, None),
            o(
                "常乐镇",
                "2026-06",
                &["MODIS"],
                Some(Finding::RealFire),
                Some(20),
            ),
            o(
                "悦来镇",
                "2026-06",
                &["MODIS"],
                Some(Finding::OutsideDistrict),
                Some(30),
            ),
        ]);
        let c = &s[&("常乐镇".to_owned(), "2026-06".to_owned())];
        assert_eq!(
            (c.incidents, c.real, c.false_alarms, c.outside, c.open),
            (4, 2, 1, 0, 1)
        );
        assert_eq!(c.by_source["MODIS"], 3);
        assert_eq!(c.median_response_min, Some(40), "20, 40, 90");
        assert_eq!(s[&("悦来镇".to_owned(), "2026-06".to_owned())].outside, 1);
    }

    /// The verification the store keeps in a work order's history, pinned (issue #23 item 4):
    /// a renamed field or finding fails here instead of silently changing stored history, and
    /// the stored text reads back.
    #[test]
    fn stored_verification_json_is_pinned() {
        let stored = [
            (
                Finding::RealFire,
                r#"{"finding":"real_fire","burned_mu":2.5,"action":"已扑灭","photos":[3,4]}"#,
            ),
            (
                Finding::FalseAlarm,
                r#"{"finding":"false_alarm","burned_mu":2.5,"action":"已扑灭","photos":[3,4]}"#,
            ),
            (
                Finding::OutsideDistrict,
                r#"{"finding":"outside_district","burned_mu":2.5,"action":"已扑灭","photos":[3,4]}"#,
            ),
        ];
        for (finding, text) in stored {
            let v = Verification {
                finding,
                burned_mu: Some(2.5),
                action: "已扑灭".into(),
                photos: vec![3, 4],
            };
            assert_eq!(serde_json::to_string(&v).unwrap(), text);
            assert_eq!(serde_json::from_str::<Verification>(text).unwrap(), v);
        }
    }
}
