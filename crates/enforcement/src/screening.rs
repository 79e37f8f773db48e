//! Project screening (项目准入) of new construction projects, from the plan (§一 and §十六):
//!
//! * 严禁核准或备案焦化、电解铝、水泥（熟料）、平板玻璃（不含光伏平板玻璃）和炼化（纳入国家产业规划
//!   除外）等行业新增产能的项目 — new capacity in a banned industry is refused, unless the
//!   project is of the industry's exception (photovoltaic glass; refining in the national plan);
//! * 落实"两高"项目管理目录 — a project in the 两高 catalogue is managed by list (flagged);
//! * 对省界两侧20公里内的涉气重点行业新建项目，以及对下风向空气质量影响大的新建高架源项目，开展环评
//!   一致性会商 — a project of a key air-emitting industry within 20 km of the provincial border
//!   (20 km itself included), or a tall stack with the border downwind, needs the consultation.
//!
//! The industries, the catalogue, the distance, the stack height and the downwind sectors are
//! data (`ScreeningRules`, `config/screening/rules.toml`); the distance to the border is
//! measured by the shell from the configured boundary.

use serde::{Deserialize, Serialize};

/// An industry of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Industry {
    /// A stable code (`coking`, `cement_clinker`, …).
    pub code: String,
    /// Name (焦化).
    pub name: String,
    /// Exceptions by name (光伏平板玻璃), each needing `exception` set on the project.
    #[serde(default)]
    pub exceptions: Vec<String>,
}

/// The screening rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreeningRules {
    /// Where the rules come from.
    pub source: String,
    /// No new capacity.
    pub banned: Vec<Industry>,
    /// The 两高 catalogue.
    #[serde(default)]
    pub two_high: Vec<Industry>,
    /// Key air-emitting industries (涉气重点行业) for the border consultation.
    #[serde(default)]
    pub key_air: Vec<Industry>,
    /// The border distance (km) within which (inclusive) a key-industry project needs the
    /// consultation.
    pub border_km: f64,
    /// A stack at least this tall (m) is a tall stack (高架源; UNVERIFIED).
    pub tall_stack_m: f64,
    /// Compass sectors (degrees, `[from, to]` clockwise) the wind blows toward most: the
    /// border lying in one of them from the project is downwind (UNVERIFIED; the district's
    /// wind rose decides).
    #[serde(default)]
    pub downwind_sectors: Vec<[f64; 2]>,
    /// A tall stack further than this (km) from the border is not screened for it.
    pub tall_stack_km: f64,
}

/// The shipped rules (`config/screening/rules.toml`).
pub const SHIPPED: &str = include_str!("../../../config/screening/rules.toml");

impl ScreeningRules {
    /// From TOML, checked: codes unique in each list, distances and height above 0, sectors
    /// within 0–360.
    pub fn from_toml(text: &str) -> Result<ScreeningRules, Vec<String>> {
        let r: ScreeningRules = toml::from_str(text).map_err(|e| vec![e.to_string()])?;
        let mut errors = Vec::new();
        for (list, items) in [
            ("banned", &r.banned),
            ("two_high", &r.two_high),
            ("key_air", &r.key_air),
        ] {
            let mut seen = std::collections::BTreeSet::new();
            for i in items {
                if !seen.insert(i.code.as_str()) {
                    errors.push(format!("{list}: {} given twice", i.code));
                }
            }
        }
        for (name, v) in [
            ("border_km", r.border_km),
            ("tall_stack_m", r.tall_stack_m),
            ("tall_stack_km", r.tall_stack_km),
        ] {
            if !(v.is_finite() && v > 0.0) {
                errors.push(format!("{name} must be above 0"));
            }
        }
        for s in &r.downwind_sectors {
            if !s.iter().all(|d| (0.0..=360.0).contains(d)) {
                errors.push(format!("downwind sector {s:?}: degrees 0–360"));
            }
        }
        if errors.is_empty() {
            Ok(r)
        } else {
            Err(errors)
        }
    }
}

/// A project to screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Project {
    /// Name.
    pub name: String,
    /// Its industry's code.
    pub industry: String,
    /// The exception it claims (光伏平板玻璃), if any.
    #[serde(default)]
    pub exception: Option<String>,
    /// New capacity (新增产能), not a like-for-like replacement.
    pub new_capacity: bool,
    /// Its tallest stack (m), if any.
    #[serde(default)]
    pub stack_m: Option<f64>,
}

/// Where the project lies against the border, measured by the shell.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BorderGeometry {
    /// Distance to the provincial border (km).
    pub km: f64,
    /// Bearing from the project to the border's nearest point (degrees clockwise from north).
    pub bearing_deg: f64,
}

/// The outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Screening {
    /// Refused: new capacity in a banned industry.
    pub banned: bool,
    /// In the 两高 catalogue.
    pub two_high: bool,
    /// 环评一致性会商 required.
    pub consultation: bool,
    /// Every reason, in words.
    pub reasons: Vec<String>,
}

fn find<'a>(list: &'a [Industry], code: &str) -> Option<&'a Industry> {
    list.iter().find(|i| i.code == code)
}

fn in_sector(bearing: f64, [from, to]: [f64; 2]) -> bool {
    let b = bearing.rem_euclid(360.0);
    if from <= to {
        (from..=to).contains(&b)
    } else {
        b >= from || b <= to
    }
}

/// Screens `project` (lying at `border`, when its place is known).
#[must_use]
pub fn screen(
    rules: &ScreeningRules,
    project: &Project,
    border: Option<BorderGeometry>,
) -> Screening {
    let mut out = Screening {
        banned: false,
        two_high: false,
        consultation: false,
        reasons: Vec::new(),
    };
    if let Some(i) = find(&rules.banned, &project.industry) {
        let excepted = project
            .exception
            .as_ref()
            .filter(|e| i.exceptions.contains(e));
        match (project.new_capacity, excepted) {
            (true, None) => {
                out.banned = true;
                out.reasons
                    .push(format!("{}行业新增产能项目，严禁核准或备案", i.name));
            }
            (true, Some(e)) => out
                .reasons
                .push(format!("{}行业，属“{e}”例外，不在禁止之列", i.name)),
            (false, _) => out.reasons.push(format!("{}行业，非新增产能", i.name)),
        }
    }
    if let Some(i) = find(&rules.two_high, &project.industry) {
        out.two_high = true;
        out.reasons
            .push(format!("属“两高”项目管理目录（{}），实行清单管理", i.name));
    }
    match border {
        Some(b) => {
            if let Some(i) = find(&rules.key_air, &project.industry)
                && b.km <= rules.border_km
            {
                out.consultation = true;
                out.reasons.push(format!(
                    "涉气重点行业（{}）新建项目，距省界 {:.2} km，在 {} km 以内，须开展环评一致性会商",
                    i.name, b.km, rules.border_km
                ));
            }
            if let Some(h) = project.stack_m
                && h >= rules.tall_stack_m
                && b.km <= rules.tall_stack_km
                && rules
                    .downwind_sectors
                    .iter()
                    .any(|s| in_sector(b.bearing_deg, *s))
            {
                out.consultation = true;
                out.reasons.push(format!(
                    "高架源（排气筒 {h} m）新建项目，省界位于主导风下风向（方位 {:.0}°，{:.2} km），须开展环评一致性会商",
                    b.bearing_deg, b.km
                ));
            }
        }
        None => out
            .reasons
            .push("未提供项目位置，未判定省界距离".to_owned()),
    }
    out
}
