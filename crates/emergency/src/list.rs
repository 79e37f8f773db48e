//! The emergency-reduction list (应急减排清单): one entry per enterprise with its plan for each
//! level (一厂一策), validated as a whole (nothing of a list with an error is used), and the
//! list's checks: every air-emitting enterprise of the registry is on it or has a recorded
//! reason; each level's total reduction reaches the required share (standards.md §4.2, 10 /
//! 20 / 30 % by default, configurable); each measure fits the enterprise's performance grade
//! (§4.3). Its spreadsheet layout (one row per enterprise, Chinese headers) is [`HEADERS`].

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::grading::Level;

/// Performance grade (绩效分级).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Grade {
    /// A级.
    A,
    /// 绩效引领性.
    Leading,
    /// B级.
    B,
    /// B-级.
    BMinus,
    /// C级.
    C,
    /// D级.
    D,
    /// 非重点行业 (一厂一策 outside the guide's industries).
    NonKey,
}

impl Grade {
    /// Every grade.
    pub const ALL: [Grade; 7] = [
        Grade::A,
        Grade::Leading,
        Grade::B,
        Grade::BMinus,
        Grade::C,
        Grade::D,
        Grade::NonKey,
    ];

    /// As written in lists: A级, 引领性, B级, B-级, C级, D级, 非重点.
    #[must_use]
    pub fn zh(self) -> &'static str {
        match self {
            Grade::A => "A级",
            Grade::Leading => "引领性",
            Grade::B => "B级",
            Grade::BMinus => "B-级",
            Grade::C => "C级",
            Grade::D => "D级",
            Grade::NonKey => "非重点",
        }
    }

    /// From the written forms (A, A级, 引领性, 绩效引领性, B-, 非重点行业, …).
    #[must_use]
    pub fn parse(s: &str) -> Option<Grade> {
        let s = s.trim().trim_end_matches('级');
        Some(match s {
            "A" => Grade::A,
            "引领性" | "绩效引领性" | "引领" => Grade::Leading,
            "B" => Grade::B,
            "B-" | "B－" => Grade::BMinus,
            "C" => Grade::C,
            "D" => Grade::D,
            "非重点" | "非重点行业" | "其他" => Grade::NonKey,
            _ => return None,
        })
    }
}

/// Why an enterprise is exempt at a level.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Exemption {
    /// 民生保障 (livelihood guarantee).
    Livelihood,
    /// 以热定产 (heat-led production of a heating supplier).
    HeatLed,
    /// Another written reason.
    Other(String),
}

/// A measure's kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    /// 停产.
    Stop,
    /// 限产 by this percentage (1–99).
    Limit(u8),
    /// 错峰生产.
    Stagger,
    /// 自主减排 (A-grade and 引领性 enterprises).
    SelfDetermined,
    /// 豁免.
    Exempt(Exemption),
}

impl Action {
    /// As written: 停产, 限产30%, 错峰生产, 自主减排, 豁免（民生保障）.
    #[must_use]
    pub fn zh(&self) -> String {
        match self {
            Action::Stop => "停产".to_owned(),
            Action::Limit(p) => format!("限产{p}%"),
            Action::Stagger => "错峰生产".to_owned(),
            Action::SelfDetermined => "自主减排".to_owned(),
            Action::Exempt(Exemption::Livelihood) => "豁免（民生保障）".to_owned(),
            Action::Exempt(Exemption::HeatLed) => "豁免（以热定产）".to_owned(),
            Action::Exempt(Exemption::Other(r)) => format!("豁免（{r}）"),
        }
    }

    /// The kind without its parameter, for the grade rules.
    #[must_use]
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Stop => ActionKind::Stop,
            Action::Limit(_) => ActionKind::Limit,
            Action::Stagger => ActionKind::Stagger,
            Action::SelfDetermined => ActionKind::SelfDetermined,
            Action::Exempt(_) => ActionKind::Exempt,
        }
    }

    /// From the written forms above (also `限产 30%`, `限产30`, `停产停工`).
    pub fn parse(s: &str) -> Result<Action, String> {
        let s = s.trim();
        if s.starts_with("停产") || s == "停工" {
            return Ok(Action::Stop);
        }
        if let Some(rest) = s.strip_prefix("限产") {
            let p = rest.trim().trim_end_matches(['%', '％']).trim();
            let p: u8 = p
                .parse()
                .map_err(|_| format!("{s:?}：限产须写明比例，如 限产30%"))?;
            if !(1..=99).contains(&p) {
                return Err(format!("{s:?}：限产比例为1–99%（100%即停产）"));
            }
            return Ok(Action::Limit(p));
        }
        if s.starts_with("错峰") {
            return Ok(Action::Stagger);
        }
        if s == "自主减排" {
            return Ok(Action::SelfDetermined);
        }
        if let Some(rest) = s.strip_prefix("豁免") {
            let r = rest
                .trim()
                .trim_start_matches(['（', '('])
                .trim_end_matches(['）', ')'])
                .trim();
            return Ok(Action::Exempt(match r {
                "民生保障" => Exemption::Livelihood,
                "以热定产" => Exemption::HeatLed,
                "" => return Err(format!("{s:?}：豁免须写明理由，如 豁免（民生保障）")),
                other => Exemption::Other(other.to_owned()),
            }));
        }
        Err(format!(
            "{s:?} 不是减排措施（停产、限产x%、错峰生产、自主减排、豁免（理由））"
        ))
    }
}

/// A measure's kind (the grade rules allow kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// 停产.
    Stop,
    /// 限产.
    Limit,
    /// 错峰生产.
    Stagger,
    /// 自主减排.
    SelfDetermined,
    /// 豁免.
    Exempt,
}

/// The four pollutants of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Pollutant {
    /// SO2.
    So2,
    /// NOx.
    Nox,
    /// Particulate matter (颗粒物).
    Pm,
    /// VOCs.
    Vocs,
}

impl Pollutant {
    /// All four.
    pub const ALL: [Pollutant; 4] = [
        Pollutant::So2,
        Pollutant::Nox,
        Pollutant::Pm,
        Pollutant::Vocs,
    ];

    /// SO2, NOx, 颗粒物, VOCs.
    #[must_use]
    pub fn zh(self) -> &'static str {
        match self {
            Pollutant::So2 => "SO2",
            Pollutant::Nox => "NOx",
            Pollutant::Pm => "颗粒物",
            Pollutant::Vocs => "VOCs",
        }
    }
}

/// Daily emissions of the four pollutants, kg/d.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Emissions {
    /// SO2.
    pub so2: Decimal,
    /// NOx.
    pub nox: Decimal,
    /// 颗粒物.
    pub pm: Decimal,
    /// VOCs.
    pub vocs: Decimal,
}

impl Emissions {
    /// One pollutant.
    #[must_use]
    pub fn get(&self, p: Pollutant) -> Decimal {
        match p {
            Pollutant::So2 => self.so2,
            Pollutant::Nox => self.nox,
            Pollutant::Pm => self.pm,
            Pollutant::Vocs => self.vocs,
        }
    }

    fn slot(&mut self, p: Pollutant) -> &mut Decimal {
        match p {
            Pollutant::So2 => &mut self.so2,
            Pollutant::Nox => &mut self.nox,
            Pollutant::Pm => &mut self.pm,
            Pollutant::Vocs => &mut self.vocs,
        }
    }

    /// Sum, saturating at the decimal's range.
    #[must_use]
    pub fn plus(&self, o: &Emissions) -> Emissions {
        let mut out = *self;
        for p in Pollutant::ALL {
            *out.slot(p) = self.get(p).saturating_add(o.get(p));
        }
        out
    }
}

/// One level's measure of an enterprise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure {
    /// What it does.
    pub action: Action,
    /// Its description (which lines, which processes).
    pub text: String,
    /// What it cuts, kg/d.
    pub reduction: Emissions,
}

/// An enterprise on the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enterprise {
    /// Name.
    pub name: String,
    /// 统一社会信用代码 (18 characters).
    pub uscc: String,
    /// Town (区镇).
    pub town: String,
    /// Industry.
    pub industry: String,
    /// Performance grade.
    pub grade: Grade,
    /// Production lines or processes.
    pub lines: String,
    /// Its online monitors (MN), for the verification.
    pub devices: Vec<String>,
    /// Baseline daily emissions, kg/d (from the inventory or permits).
    pub baseline: Emissions,
    /// Yellow, orange, red.
    pub measures: [Measure; 3],
    /// The spreadsheet row it came from (0 when built in code).
    pub row: usize,
}

impl Enterprise {
    /// The measure at `level`.
    #[must_use]
    pub fn measure(&self, level: Level) -> &Measure {
        &self.measures[level.index()]
    }
}

/// A whole list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReductionList {
    /// The enterprises, in list order.
    pub enterprises: Vec<Enterprise>,
}

/// Something wrong in a list, with where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("第{row}行 {field}：{message}")]
pub struct ListError {
    /// Spreadsheet row (1 = the header).
    pub row: usize,
    /// The column.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// Which measures each grade may take (standards.md §4.3: A级 and 引领性 自主减排; B级 以限代停;
/// C级 以停代限; D级 停产). The mapping beyond that table is UNVERIFIED and configurable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeRules {
    /// Allowed kinds per grade.
    pub allowed: HashMap<Grade, Vec<ActionKind>>,
}

impl Default for GradeRules {
    fn default() -> Self {
        use ActionKind::*;
        let all = vec![Stop, Limit, Stagger, SelfDetermined, Exempt];
        let mut allowed = HashMap::new();
        allowed.insert(Grade::A, all.clone());
        allowed.insert(Grade::Leading, all);
        allowed.insert(Grade::B, vec![Limit, Stagger, Stop, Exempt]);
        allowed.insert(Grade::BMinus, vec![Limit, Stagger, Stop, Exempt]);
        allowed.insert(Grade::C, vec![Stop, Limit, Exempt]);
        allowed.insert(Grade::D, vec![Stop, Exempt]);
        allowed.insert(Grade::NonKey, vec![Stop, Limit, Stagger, Exempt]);
        GradeRules { allowed }
    }
}

impl GradeRules {
    fn allows(&self, g: Grade, k: ActionKind) -> bool {
        self.allowed.get(&g).is_some_and(|l| l.contains(&k))
    }
}

/// Checks a list as a whole: identities, numbers, measures against grades. Every error is
/// returned; a list with any is not to be used.
#[must_use]
pub fn validate(list: &ReductionList, rules: &GradeRules) -> Vec<ListError> {
    let mut errors = Vec::new();
    let mut err = |row: usize, field: &str, message: String| {
        errors.push(ListError {
            row,
            field: field.to_owned(),
            message,
        });
    };
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for e in &list.enterprises {
        let r = e.row;
        if e.name.trim().is_empty() {
            err(r, "企业名称", "不能为空".to_owned());
        }
        if !valid_uscc(&e.uscc) {
            err(
                r,
                "统一社会信用代码",
                format!("{:?} 不是18位统一社会信用代码", e.uscc),
            );
        } else if let Some(first) = seen.insert(e.uscc.as_str(), r) {
            err(
                r,
                "统一社会信用代码",
                format!("{} 与第{first}行重复：同一企业在清单中出现两次", e.uscc),
            );
        }
        for p in Pollutant::ALL {
            if e.baseline.get(p) < Decimal::ZERO {
                err(r, &format!("基准{}", p.zh()), "不能为负".to_owned());
            }
        }
        for level in Level::ALL {
            let m = e.measure(level);
            let field = format!("{}措施", level.zh());
            if !rules.allows(e.grade, m.action.kind()) {
                err(
                    r,
                    &field,
                    format!(
                        "{}企业不适用“{}”（{}）",
                        e.grade.zh(),
                        m.action.zh(),
                        grade_hint(e.grade)
                    ),
                );
            }
            for p in Pollutant::ALL {
                let v = m.reduction.get(p);
                let f = format!("{}减排{}", level.zh(), p.zh());
                if v < Decimal::ZERO {
                    err(r, &f, "不能为负".to_owned());
                } else if v > e.baseline.get(p) {
                    err(r, &f, format!("{v} 大于基准排放 {}", e.baseline.get(p)));
                }
            }
        }
        for (lower, higher) in [(Level::Yellow, Level::Orange), (Level::Orange, Level::Red)] {
            for p in Pollutant::ALL {
                let (a, b) = (
                    e.measure(lower).reduction.get(p),
                    e.measure(higher).reduction.get(p),
                );
                if b < a {
                    err(
                        r,
                        &format!("{}减排{}", higher.zh(), p.zh()),
                        format!("{b} 小于{}的 {a}：预警级别越高减排不能越少", lower.zh()),
                    );
                }
            }
        }
    }
    errors.sort_by_key(|e| e.row);
    errors
}

fn grade_hint(g: Grade) -> &'static str {
    match g {
        Grade::A | Grade::Leading => "A级、引领性企业自主减排",
        Grade::B | Grade::BMinus => "B级企业以限代停",
        Grade::C => "C级企业以停代限",
        Grade::D => "D级企业停产",
        Grade::NonKey => "非重点行业一厂一策",
    }
}

/// A 统一社会信用代码 (GB 32100-2015): 18 characters of 0–9 and A–Z without I, O, S, V, Z,
/// the last being the check character of the first 17.
#[must_use]
pub fn valid_uscc(s: &str) -> bool {
    s.len() == 18
        && s.is_char_boundary(17)
        && uscc_check_char(&s[..17]).is_some_and(|c| s[17..].starts_with(c))
}

/// The check character of a code's first 17 characters (GB 32100-2015 §4.2), `None` if they
/// are not 17 allowed characters.
#[must_use]
pub fn uscc_check_char(first17: &str) -> Option<char> {
    const CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        let v = CHARS.find(c)?;
        sum += u32::try_from(v).ok()? * w;
    }
    let check = usize::try_from((31 - sum % 31) % 31).ok()?;
    CHARS.chars().nth(check)
}

/// An enterprise of the registry (企业档案): whether it emits to air, and why it is not on the
/// list if it is not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryEnterprise {
    /// 统一社会信用代码.
    pub uscc: String,
    /// Name.
    pub name: String,
    /// 涉气 (emits to air).
    pub emits_air: bool,
    /// Recorded reason for not being on the list (e.g. 已关停, 无生产工序).
    pub not_listed_reason: Option<String>,
}

/// The share of emissions each level's list must cut (standards.md §4.2: ≥ 10 / 20 / 30 % of
/// SO2, NOx, PM and VOCs; the baseline, all emissions or the listed enterprises', is
/// UNVERIFIED: `region_total` when given, else the listed enterprises' baseline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequiredShares {
    /// Percent per level (yellow, orange, red), the same for the four pollutants.
    pub percent: [Decimal; 3],
    /// The region's total daily emissions (全社会排放量, from the inventory), if known.
    pub region_total: Option<Emissions>,
}

impl Default for RequiredShares {
    fn default() -> Self {
        RequiredShares {
            percent: [Decimal::from(10), Decimal::from(20), Decimal::from(30)],
            region_total: None,
        }
    }
}

/// One level's total for one pollutant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelTotal {
    /// The level.
    pub level: Level,
    /// The pollutant.
    pub pollutant: Pollutant,
    /// The baseline the share is of, kg/d.
    pub baseline: Decimal,
    /// The list's reduction, kg/d.
    pub reduction: Decimal,
    /// reduction / baseline, percent (two decimals), `None` without a baseline.
    pub share: Option<Decimal>,
    /// Required percent.
    pub required: Decimal,
    /// The share reaches the requirement (a pollutant with no baseline counts as met).
    pub met: bool,
}

/// The result of [`check`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListCheck {
    /// Air-emitting enterprises of the registry neither on the list nor with a reason.
    pub missing: Vec<RegistryEnterprise>,
    /// Enterprises on the list that the registry does not know.
    pub unknown: Vec<String>,
    /// Per level and pollutant.
    pub totals: Vec<LevelTotal>,
}

impl ListCheck {
    /// Every check passes.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.missing.is_empty() && self.totals.iter().all(|t| t.met)
    }
}

/// The list's checks against the registry and the required shares.
#[must_use]
pub fn check(
    list: &ReductionList,
    registry: &[RegistryEnterprise],
    shares: &RequiredShares,
) -> ListCheck {
    let listed: HashMap<&str, ()> = list
        .enterprises
        .iter()
        .map(|e| (e.uscc.as_str(), ()))
        .collect();
    let known: HashMap<&str, ()> = registry.iter().map(|e| (e.uscc.as_str(), ())).collect();
    let missing = registry
        .iter()
        .filter(|r| {
            r.emits_air
                && !listed.contains_key(r.uscc.as_str())
                && r.not_listed_reason
                    .as_deref()
                    .is_none_or(|s| s.trim().is_empty())
        })
        .cloned()
        .collect();
    let unknown = list
        .enterprises
        .iter()
        .filter(|e| !registry.is_empty() && !known.contains_key(e.uscc.as_str()))
        .map(|e| format!("{}（{}）", e.name, e.uscc))
        .collect();
    let listed_baseline = list
        .enterprises
        .iter()
        .fold(Emissions::default(), |a, e| a.plus(&e.baseline));
    let base = shares.region_total.unwrap_or(listed_baseline);
    let mut totals = Vec::new();
    for level in Level::ALL {
        let reduction = list.enterprises.iter().fold(Emissions::default(), |a, e| {
            a.plus(&e.measure(level).reduction)
        });
        for p in Pollutant::ALL {
            let (b, r) = (base.get(p), reduction.get(p));
            let required = shares.percent[level.index()];
            let share = (b > Decimal::ZERO).then(|| {
                (r * Decimal::from(100) / b)
                    .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointNearestEven)
            });
            // Compared exactly, not on the rounded share.
            let met = b <= Decimal::ZERO || r * Decimal::from(100) >= required * b;
            totals.push(LevelTotal {
                level,
                pollutant: p,
                baseline: b,
                reduction: r,
                share,
                required,
                met,
            });
        }
    }
    ListCheck {
        missing,
        unknown,
        totals,
    }
}

/// The spreadsheet layout, one row per enterprise.
pub const HEADERS: [&str; 29] = [
    "企业名称",
    "统一社会信用代码",
    "所在区镇",
    "行业",
    "绩效等级",
    "生产线/工序",
    "监测设备MN",
    "基准SO2(kg/d)",
    "基准NOx(kg/d)",
    "基准颗粒物(kg/d)",
    "基准VOCs(kg/d)",
    "黄色措施",
    "黄色措施说明",
    "黄色减排SO2(kg/d)",
    "黄色减排NOx(kg/d)",
    "黄色减排颗粒物(kg/d)",
    "黄色减排VOCs(kg/d)",
    "橙色措施",
    "橙色措施说明",
    "橙色减排SO2(kg/d)",
    "橙色减排NOx(kg/d)",
    "橙色减排颗粒物(kg/d)",
    "橙色减排VOCs(kg/d)",
    "红色措施",
    "红色措施说明",
    "红色减排SO2(kg/d)",
    "红色减排NOx(kg/d)",
    "红色减排颗粒物(kg/d)",
    "红色减排VOCs(kg/d)",
];

/// Reads a list from spreadsheet cells: `headers` (any order, every column of [`HEADERS`]
/// present; others ignored) and data rows (row 2 on). Every error is returned with its row and
/// column; nothing of a list with errors is returned. Validation ([`validate`]) is applied.
pub fn from_rows(
    headers: &[String],
    rows: &[Vec<String>],
    rules: &GradeRules,
) -> Result<ReductionList, Vec<ListError>> {
    let mut errors = Vec::new();
    let col: HashMap<&str, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim(), i))
        .collect();
    let missing: Vec<&str> = HEADERS
        .iter()
        .copied()
        .filter(|h| !col.contains_key(h))
        .collect();
    if !missing.is_empty() {
        return Err(vec![ListError {
            row: 1,
            field: "表头".to_owned(),
            message: format!("缺少列：{}", missing.join("、")),
        }]);
    }
    let mut list = ReductionList::default();
    for (i, cells) in rows.iter().enumerate() {
        let row = i + 2;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let get = |h: &str| -> &str {
            col.get(h)
                .and_then(|&i| cells.get(i))
                .map_or("", |s| s.trim())
        };
        let num = |h: &str, errors: &mut Vec<ListError>| -> Decimal {
            let s = get(h);
            if s.is_empty() {
                return Decimal::ZERO;
            }
            s.parse::<Decimal>().unwrap_or_else(|_| {
                errors.push(ListError {
                    row,
                    field: h.to_owned(),
                    message: format!("{s:?} 不是数值"),
                });
                Decimal::ZERO
            })
        };
        let grade = Grade::parse(get("绩效等级")).unwrap_or_else(|| {
            errors.push(ListError {
                row,
                field: "绩效等级".to_owned(),
                message: format!(
                    "{:?} 不是绩效等级（A级、引领性、B级、B-级、C级、D级、非重点）",
                    get("绩效等级")
                ),
            });
            Grade::NonKey
        });
        let baseline = Emissions {
            so2: num("基准SO2(kg/d)", &mut errors),
            nox: num("基准NOx(kg/d)", &mut errors),
            pm: num("基准颗粒物(kg/d)", &mut errors),
            vocs: num("基准VOCs(kg/d)", &mut errors),
        };
        let measure = |level: Level, errors: &mut Vec<ListError>| -> Measure {
            let z = level.zh();
            let field = format!("{z}措施");
            let action = Action::parse(get(&field)).unwrap_or_else(|m| {
                errors.push(ListError {
                    row,
                    field: field.clone(),
                    message: m,
                });
                Action::Stop
            });
            Measure {
                action,
                text: get(&format!("{z}措施说明")).to_owned(),
                reduction: Emissions {
                    so2: num(&format!("{z}减排SO2(kg/d)"), errors),
                    nox: num(&format!("{z}减排NOx(kg/d)"), errors),
                    pm: num(&format!("{z}减排颗粒物(kg/d)"), errors),
                    vocs: num(&format!("{z}减排VOCs(kg/d)"), errors),
                },
            }
        };
        let measures = [
            measure(Level::Yellow, &mut errors),
            measure(Level::Orange, &mut errors),
            measure(Level::Red, &mut errors),
        ];
        list.enterprises.push(Enterprise {
            name: get("企业名称").to_owned(),
            uscc: get("统一社会信用代码").to_uppercase(),
            town: get("所在区镇").to_owned(),
            industry: get("行业").to_owned(),
            grade,
            lines: get("生产线/工序").to_owned(),
            devices: get("监测设备MN")
                .split([';', '；', ',', '，', ' '])
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            baseline,
            measures,
            row,
        });
    }
    errors.extend(validate(&list, rules));
    if errors.is_empty() {
        Ok(list)
    } else {
        errors.sort_by_key(|e| e.row);
        errors.dedup();
        Err(errors)
    }
}

/// The list in the spreadsheet layout: [`HEADERS`], then one row per enterprise.
#[must_use]
pub fn to_rows(list: &ReductionList) -> Vec<Vec<String>> {
    list.enterprises
        .iter()
        .map(|e| {
            let mut r = vec![
                e.name.clone(),
                e.uscc.clone(),
                e.town.clone(),
                e.industry.clone(),
                e.grade.zh().to_owned(),
                e.lines.clone(),
                e.devices.join(";"),
            ];
            r.extend(
                Pollutant::ALL
                    .iter()
                    .map(|p| e.baseline.get(*p).normalize().to_string()),
            );
            for m in &e.measures {
                r.push(m.action.zh());
                r.push(m.text.clone());
                r.extend(
                    Pollutant::ALL
                        .iter()
                        .map(|p| m.reduction.get(*p).normalize().to_string()),
                );
            }
            r
        })
        .collect()
}

/// The enterprise registry (企业档案) from a table with 统一社会信用代码, 企业名称, 涉气 (是/否)
/// and optionally 未列入原因; every bad row is named, and nothing is returned if any.
pub fn registry_from_rows(
    headers: &[String],
    rows: &[Vec<String>],
) -> Result<Vec<RegistryEnterprise>, Vec<String>> {
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(code), Some(name), Some(air)) =
        (col("统一社会信用代码"), col("企业名称"), col("涉气"))
    else {
        return Err(vec![
            "第1行 表头：须有 统一社会信用代码、企业名称、涉气".to_owned(),
        ]);
    };
    let reason = col("未列入原因");
    let get = |r: &Vec<String>, i: usize| r.get(i).map_or(String::new(), |s| s.trim().to_owned());
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let emits_air = match get(r, air).as_str() {
            "是" | "1" | "true" | "yes" => true,
            "否" | "0" | "false" | "no" => false,
            other => {
                errors.push(format!("第{}行 涉气：{other:?} 应为 是 或 否", i + 2));
                continue;
            }
        };
        out.push(RegistryEnterprise {
            uscc: get(r, code).to_uppercase(),
            name: get(r, name),
            emits_air,
            not_listed_reason: reason.map(|x| get(r, x)).filter(|s| !s.is_empty()),
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid code ending in `n` (its check character computed).
    pub(crate) fn uscc(n: u32) -> String {
        let first = format!("91320684MA1M{n:05}");
        format!("{first}{}", uscc_check_char(&first).unwrap())
    }

    #[test]
    fn uscc_check_character() {
        // A published example: 91350100M000100Y43.
        assert!(valid_uscc("91350100M000100Y43"));
        assert!(!valid_uscc("91350100M000100Y44"));
        assert!(!valid_uscc("91350100M000100Y4"));
        assert!(!valid_uscc("91350100M000100I43"));
    }

    #[test]
    fn actions_and_grades_read_as_written() {
        assert_eq!(Action::parse("限产 30%"), Ok(Action::Limit(30)));
        assert_eq!(Action::parse("限产30"), Ok(Action::Limit(30)));
        assert_eq!(Action::parse("停产"), Ok(Action::Stop));
        assert_eq!(
            Action::parse("豁免（以热定产）"),
            Ok(Action::Exempt(Exemption::HeatLed))
        );
        assert!(Action::parse("限产100%").unwrap_err().contains("停产"));
        assert!(Action::parse("豁免").unwrap_err().contains("理由"));
        assert!(Action::parse("减产").is_err());
        for g in Grade::ALL {
            assert_eq!(Grade::parse(g.zh()), Some(g));
        }
        assert_eq!(Grade::parse("绩效引领性"), Some(Grade::Leading));
        assert_eq!(Grade::parse("B-"), Some(Grade::BMinus));
    }

    fn row(
        name: &str,
        code: &str,
        grade: &str,
        base: [&str; 4],
        measures: [(&str, [&str; 4]); 3],
    ) -> Vec<String> {
        let mut r: Vec<String> = vec![
            name.into(),
            code.into(),
            "海门街道".into(),
            "化工".into(),
            grade.into(),
            "1号线".into(),
            "CEMS0001".into(),
        ];
        r.extend(base.iter().map(|s| (*s).to_owned()));
        for (a, red) in measures {
            r.push(a.into());
            r.push(String::new());
            r.extend(red.iter().map(|s| (*s).to_owned()));
        }
        r
    }

    fn headers() -> Vec<String> {
        HEADERS.iter().map(|h| (*h).to_owned()).collect()
    }

    fn two() -> Vec<Vec<String>> {
        vec![
            row(
                "甲化工",
                &uscc(1),
                "B级",
                ["10", "100", "20", "50"],
                [
                    ("限产20%", ["2", "20", "4", "10"]),
                    ("限产30%", ["3", "30", "6", "15"]),
                    ("限产50%", ["5", "50", "10", "25"]),
                ],
            ),
            row(
                "乙建材",
                &uscc(2),
                "D级",
                ["0", "50", "30", "0"],
                [
                    ("停产", ["0", "50", "30", "0"]),
                    ("停产", ["0", "50", "30", "0"]),
                    ("停产", ["0", "50", "30", "0"]),
                ],
            ),
        ]
    }

    #[test]
    fn a_list_round_trips_through_its_spreadsheet_layout() {
        let list = from_rows(&headers(), &two(), &GradeRules::default()).unwrap();
        assert_eq!(list.enterprises.len(), 2);
        assert_eq!(
            list.enterprises[0].measure(Level::Orange).action,
            Action::Limit(30)
        );
        assert_eq!(list.enterprises[1].row, 3);
        let again = from_rows(&headers(), &to_rows(&list), &GradeRules::default()).unwrap();
        assert_eq!(to_rows(&again), to_rows(&list));
    }

    #[test]
    fn bad_lists_are_refused_whole_with_rows_and_columns() {
        let mut rows = two();
        // The same enterprise twice; a measure that does not fit the grade; less at red.
        rows.push(rows[0].clone());
        rows[1][11] = "自主减排".into();
        rows[0][25] = "1".into(); // red SO2 1 < orange 3
        let errs = from_rows(&headers(), &rows, &GradeRules::default()).unwrap_err();
        let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "第2行 红色减排SO2：1 小于橙色的 3：预警级别越高减排不能越少".to_owned(),
                "第3行 黄色措施：D级企业不适用“自主减排”（D级企业停产）".to_owned(),
                format!(
                    "第4行 统一社会信用代码：{} 与第2行重复：同一企业在清单中出现两次",
                    uscc(1)
                ),
            ]
        );
        let mut rows = two();
        rows[0][1] = "913206841234".into();
        rows[0][8] = "abc".into();
        rows[0][13] = "20".into(); // yellow SO2 reduction 20 > baseline 10
        rows[0][4] = "E级".into();
        let text: Vec<String> = from_rows(&headers(), &rows, &GradeRules::default())
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(
            text.contains(&"第2行 基准NOx(kg/d)：\"abc\" 不是数值".to_owned()),
            "{text:?}"
        );
        assert!(
            text.contains(
                &"第2行 绩效等级：\"E级\" 不是绩效等级（A级、引领性、B级、B-级、C级、D级、非重点）"
                    .to_owned()
            ),
            "{text:?}"
        );
        assert!(
            text.contains(
                &"第2行 统一社会信用代码：\"913206841234\" 不是18位统一社会信用代码".to_owned()
            ),
            "{text:?}"
        );
        assert!(
            text.contains(&"第2行 黄色减排SO2：20 大于基准排放 10".to_owned()),
            "{text:?}"
        );
        let e = from_rows(&headers()[1..], &two(), &GradeRules::default()).unwrap_err();
        assert_eq!(e[0].to_string(), "第1行 表头：缺少列：企业名称");
    }

    #[test]
    fn coverage_and_required_shares() {
        let list = from_rows(&headers(), &two(), &GradeRules::default()).unwrap();
        let reg = |n: u32, air: bool, reason: Option<&str>| RegistryEnterprise {
            uscc: uscc(n),
            name: format!("企业{n}"),
            emits_air: air,
            not_listed_reason: reason.map(str::to_owned),
        };
        let registry = [
            reg(1, true, None),
            reg(2, true, None),
            reg(3, true, None),           // missing
            reg(4, true, Some("已关停")), // recorded reason
            reg(5, false, None),          // does not emit to air
        ];
        let c = check(&list, &registry, &RequiredShares::default());
        assert_eq!(c.missing.len(), 1);
        assert_eq!(c.missing[0].uscc, uscc(3));
        assert!(c.unknown.is_empty());
        assert!(!c.passed());
        // Listed baseline: SO2 10, NOx 150, PM 50, VOCs 50. Yellow cuts NOx 20 + 50 = 70:
        // 46.67 % ≥ 10 %; SO2 2 of 10 = 20 %.
        let t = |l: Level, p: Pollutant| {
            c.totals
                .iter()
                .find(|t| t.level == l && t.pollutant == p)
                .unwrap()
        };
        let y = t(Level::Yellow, Pollutant::Nox);
        assert_eq!(
            (y.reduction, y.share, y.met),
            (Decimal::from(70), Some("46.67".parse().unwrap()), true)
        );
        // Red SO2: 5 of 10 = 50 % ≥ 30 %. VOCs at orange: 15 of 50 = 30 % ≥ 20 %.
        assert!(t(Level::Red, Pollutant::So2).met);
        // Against a region total of 1,000 kg/d NOx, yellow's 70 is 7 % < 10 %.
        let shares = RequiredShares {
            region_total: Some(Emissions {
                so2: Decimal::from(10),
                nox: Decimal::from(1000),
                pm: Decimal::from(50),
                vocs: Decimal::from(50),
            }),
            ..RequiredShares::default()
        };
        let c = check(&list, &registry, &shares);
        let y = c
            .totals
            .iter()
            .find(|t| t.level == Level::Yellow && t.pollutant == Pollutant::Nox)
            .unwrap();
        assert_eq!((y.share, y.met), (Some(Decimal::from(7)), false));
        // Exactly at the share is met: 100 of 1,000 at yellow.
        let mut rows = two();
        rows[0][14] = "50".into();
        rows[0][20] = "50".into();
        rows[0][26] = "50".into();
        let list = from_rows(&headers(), &rows, &GradeRules::default()).unwrap();
        let c = check(&list, &registry, &shares);
        let y = c
            .totals
            .iter()
            .find(|t| t.level == Level::Yellow && t.pollutant == Pollutant::Nox)
            .unwrap();
        assert_eq!((y.reduction, y.met), (Decimal::from(100), true));
    }
}
