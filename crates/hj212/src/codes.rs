//! Code tables as data: factor codes (监测因子编码, HJ 212-2017 Appendix B) with Chinese and
//! English names, default units and the HJ/T 212-2005 code (原编码); system codes (ST).
//!
//! Sources: `shared/docs/hj212.md` §9-§10 (read from the 2017 and 2005 texts); the water rows
//! beyond those listed there were cross-checked against a public transcription of Table B.1.
//! Units are the standard's *default* units ("缺省计量单位"): devices often send others
//! (µg/m³ vs mg/m³, hPa vs kPa). The 2017 table prints 纳克/立方米 (ng/m³) for TSP, PM10, PM2.5,
//! PM1, NH3 and methane, which no device uses; those rows carry the printed unit and
//! [`FactorInfo::unit_doubtful`]. Never convert units on the strength of this table alone.

use std::fmt;

/// Which table a factor belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FactorCategory {
    /// Air pollution source / stack (CEMS) factors and flue-gas parameters (Table B.2).
    AirSource,
    /// Volatile organic compounds (Table B.2).
    Vocs,
    /// Ambient air, dust and meteorology (Table B.2 and HJ 524 `a05024` O3).
    Ambient,
    /// Noise (Table B.3, GB 3096-2008).
    Noise,
    /// Water (Table B.1).
    Water,
}

/// One factor code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FactorInfo {
    /// HJ 212-2017 code (`a21026`).
    pub code: &'static str,
    /// HJ/T 212-2005 code (原编码), if any (`02`).
    pub code_2005: Option<&'static str>,
    /// Chinese name as in the standard.
    pub name_zh: &'static str,
    /// English name.
    pub name_en: &'static str,
    /// Default concentration unit ("" when dimensionless).
    pub unit: &'static str,
    /// Unit of `-Cou` (emission amount or volume), if any.
    pub cou_unit: Option<&'static str>,
    /// The table.
    pub category: FactorCategory,
    /// The printed unit is implausible (ng/m³ for particulates etc.).
    pub unit_doubtful: bool,
}

const fn f(
    code: &'static str,
    code_2005: Option<&'static str>,
    name_zh: &'static str,
    name_en: &'static str,
    unit: &'static str,
    cou_unit: Option<&'static str>,
    category: FactorCategory,
) -> FactorInfo {
    FactorInfo {
        code,
        code_2005,
        name_zh,
        name_en,
        unit,
        cou_unit,
        category,
        unit_doubtful: false,
    }
}

const fn doubtful(mut i: FactorInfo) -> FactorInfo {
    i.unit_doubtful = true;
    i
}

use FactorCategory::{AirSource as A, Ambient as M, Noise as N, Vocs as V, Water as W};

const KG: Option<&str> = Some("kg");
const MG3: &str = "mg/m³";

/// All known factor codes.
pub static FACTORS: &[FactorInfo] = &[
    // Air source (Table B.2).
    f(
        "a00000",
        Some("B02"),
        "废气",
        "flue-gas flow",
        "m³/s",
        Some("m³"),
        A,
    ),
    f(
        "a01010",
        Some("37"),
        "林格曼黑度",
        "Ringelmann blackness",
        "",
        None,
        A,
    ),
    f(
        "a01011",
        Some("S02"),
        "烟气流速",
        "flue-gas velocity",
        "m/s",
        None,
        A,
    ),
    f(
        "a01012",
        Some("S03"),
        "烟气温度",
        "flue-gas temperature",
        "°C",
        None,
        A,
    ),
    f(
        "a01013",
        Some("S08"),
        "烟气压力",
        "flue-gas pressure",
        "kPa",
        None,
        A,
    ),
    f(
        "a01014",
        Some("S05"),
        "烟气湿度",
        "flue-gas humidity",
        "%",
        None,
        A,
    ),
    f(
        "a01015",
        Some("S06"),
        "制冷温度",
        "cooler temperature",
        "°C",
        None,
        A,
    ),
    f(
        "a01016",
        Some("S07"),
        "烟道截面积",
        "duct cross-section",
        "m²",
        None,
        A,
    ),
    f(
        "a01017",
        Some("S04"),
        "烟气动压",
        "flue-gas dynamic pressure",
        "kPa",
        None,
        A,
    ),
    f(
        "a01901",
        None,
        "垃圾焚烧炉膛内焚烧平均温度",
        "incinerator furnace mean temperature",
        "°C",
        None,
        A,
    ),
    f(
        "a01902",
        None,
        "垃圾焚烧炉膛内DCS温度",
        "incinerator furnace DCS temperature",
        "°C",
        None,
        A,
    ),
    f(
        "a19001",
        Some("S01"),
        "氧气含量",
        "oxygen content",
        "%",
        None,
        A,
    ),
    f(
        "a34013",
        Some("01"),
        "烟尘",
        "smoke (particulate matter)",
        MG3,
        KG,
        A,
    ),
    f(
        "a21026",
        Some("02"),
        "二氧化硫",
        "sulphur dioxide (SO2)",
        MG3,
        KG,
        A,
    ),
    f(
        "a21002",
        Some("03"),
        "氮氧化物",
        "nitrogen oxides (NOx as NO2)",
        MG3,
        KG,
        A,
    ),
    f("a21003", None, "一氧化氮", "nitric oxide (NO)", MG3, KG, A),
    f(
        "a21004",
        None,
        "二氧化氮",
        "nitrogen dioxide (NO2)",
        MG3,
        KG,
        A,
    ),
    f(
        "a21005",
        Some("04"),
        "一氧化碳",
        "carbon monoxide (CO)",
        MG3,
        KG,
        A,
    ),
    f(
        "a21028",
        Some("05"),
        "硫化氢",
        "hydrogen sulphide (H2S)",
        MG3,
        KG,
        A,
    ),
    f("a21018", Some("06"), "氟化物", "fluoride", MG3, KG, A),
    f("a21017", Some("07"), "氰化物", "cyanide", MG3, KG, A),
    f(
        "a21024",
        Some("08"),
        "氯化氢",
        "hydrogen chloride (HCl)",
        MG3,
        KG,
        A,
    ),
    f("a34038", Some("09"), "沥青烟", "asphalt fume", MG3, KG, A),
    doubtful(f(
        "a21001",
        Some("10"),
        "氨（氨气）",
        "ammonia (NH3)",
        "ng/m³",
        Some("g"),
        A,
    )),
    f("a21022", Some("11"), "氯气", "chlorine (Cl2)", MG3, KG, A),
    f(
        "a99051",
        Some("12"),
        "二硫化碳",
        "carbon disulphide (CS2)",
        MG3,
        KG,
        A,
    ),
    f("a30022", Some("13"), "硫醇", "mercaptans", MG3, KG, A),
    f(
        "a34039",
        Some("14"),
        "硫酸雾",
        "sulphuric-acid mist",
        MG3,
        KG,
        A,
    ),
    f(
        "a34040",
        Some("15"),
        "铬酸雾",
        "chromic-acid mist",
        MG3,
        KG,
        A,
    ),
    f(
        "a05001",
        Some("30"),
        "二氧化碳",
        "carbon dioxide (CO2)",
        MG3,
        KG,
        A,
    ),
    f(
        "a20057",
        Some("31"),
        "汞及其化合物",
        "mercury and compounds",
        MG3,
        KG,
        A,
    ),
    f(
        "a20043",
        Some("32"),
        "铅及其化合物",
        "lead and compounds",
        MG3,
        KG,
        A,
    ),
    f(
        "a20025",
        Some("33"),
        "镉及其化合物",
        "cadmium and compounds",
        MG3,
        KG,
        A,
    ),
    f(
        "a20091",
        Some("34"),
        "锡及其化合物",
        "tin and compounds",
        MG3,
        KG,
        A,
    ),
    f(
        "a20063",
        Some("35"),
        "镍及其化合物",
        "nickel and compounds",
        MG3,
        KG,
        A,
    ),
    f(
        "a20016",
        Some("36"),
        "铍及其化合物",
        "beryllium and compounds",
        MG3,
        KG,
        A,
    ),
    f("a34017", None, "炭黑尘", "carbon-black dust", MG3, KG, A),
    // VOCs (Table B.2).
    f(
        "a24088",
        None,
        "非甲烷总烃",
        "non-methane hydrocarbons (NMHC)",
        MG3,
        KG,
        V,
    ),
    f(
        "a24087",
        Some("25"),
        "碳氢化合物",
        "total hydrocarbons",
        MG3,
        KG,
        V,
    ),
    doubtful(f("a05002", None, "甲烷", "methane", "ng/m³", Some("g"), V)),
    f("a25002", None, "苯", "benzene", MG3, KG, V),
    f("a25003", Some("17"), "甲苯", "toluene", MG3, KG, V),
    f("a25004", None, "乙苯", "ethylbenzene", MG3, KG, V),
    f("a25005", Some("18"), "二甲苯", "xylene", MG3, KG, V),
    f("a25006", None, "1,2-二甲基苯", "o-xylene", MG3, KG, V),
    f("a25007", None, "1,3-二甲基苯", "m-xylene", MG3, KG, V),
    f("a25008", None, "1,4-二甲基苯", "p-xylene", MG3, KG, V),
    f("a25038", None, "乙烯基苯", "styrene", MG3, KG, V),
    f("a31001", Some("19"), "甲醛", "formaldehyde", MG3, KG, V),
    f("a31002", Some("26"), "乙醛", "acetaldehyde", MG3, KG, V),
    f("a31024", None, "丙酮", "acetone", MG3, KG, V),
    f("a30001", Some("28"), "甲醇", "methanol", MG3, KG, V),
    f("a30008", None, "异丙醇", "isopropanol", MG3, KG, V),
    f("a29017", None, "乙酸乙酯", "ethyl acetate", MG3, KG, V),
    f("a24046", Some("29"), "氯乙烯", "vinyl chloride", MG3, KG, V),
    f("a23001", Some("27"), "酚类", "phenols", MG3, KG, V),
    f("a25010", Some("23"), "氯苯", "chlorobenzene", MG3, KG, V),
    f("a25023", Some("22"), "硝基苯", "nitrobenzene", MG3, KG, V),
    f(
        "a25044",
        Some("20"),
        "苯并[a]芘",
        "benzo[a]pyrene",
        MG3,
        KG,
        V,
    ),
    f("a26001", Some("21"), "苯胺类", "anilines", MG3, KG, V),
    f("a99049", Some("24"), "光气", "phosgene", MG3, KG, V),
    f("a24003", None, "二氯甲烷", "dichloromethane", MG3, KG, V),
    f("a24004", None, "三氯甲烷", "chloroform", MG3, KG, V),
    f(
        "a24005",
        None,
        "四氯甲烷",
        "carbon tetrachloride",
        MG3,
        KG,
        V,
    ),
    f("a24015", None, "氯乙烷", "chloroethane", MG3, KG, V),
    f(
        "a24016",
        None,
        "1,1-二氯乙烷",
        "1,1-dichloroethane",
        MG3,
        KG,
        V,
    ),
    f(
        "a24017",
        None,
        "1,2-二氯乙烷",
        "1,2-dichloroethane",
        MG3,
        KG,
        V,
    ),
    f(
        "a24018",
        None,
        "1,1,1-三氯乙烷",
        "1,1,1-trichloroethane",
        MG3,
        KG,
        V,
    ),
    f("a24036", None, "环己烷", "cyclohexane", MG3, KG, V),
    f("a24042", None, "正己烷", "n-hexane", MG3, KG, V),
    f("a24043", None, "正庚烷", "n-heptane", MG3, KG, V),
    f("a24049", None, "三氯乙烯", "trichloroethylene", MG3, KG, V),
    f(
        "a24050",
        None,
        "四氯乙烯",
        "tetrachloroethylene",
        MG3,
        KG,
        V,
    ),
    f("a24053", None, "丙烯", "propylene", MG3, KG, V),
    f("a24078", None, "1,3-丁二烯", "1,3-butadiene", MG3, KG, V),
    f("a24099", None, "氯甲烷", "chloromethane", MG3, KG, V),
    // Ambient air, dust, meteorology.
    doubtful(f(
        "a34001",
        None,
        "总悬浮颗粒物",
        "total suspended particulates (TSP)",
        "ng/m³",
        None,
        M,
    )),
    doubtful(f("a34002", None, "可吸入颗粒物", "PM10", "ng/m³", None, M)),
    doubtful(f("a34004", None, "细微颗粒物", "PM2.5", "ng/m³", None, M)),
    doubtful(f("a34005", None, "亚微米颗粒物", "PM1.0", "ng/m³", None, M)),
    f(
        "a34011",
        None,
        "降尘",
        "dust fall",
        "t/(km²·month)",
        None,
        M,
    ),
    f(
        "a05024",
        None,
        "臭氧",
        "ozone (O3, HJ 524 code)",
        "",
        None,
        M,
    ),
    f("a01001", None, "温度", "air temperature", "°C", None, M),
    f("a01002", None, "湿度", "relative humidity", "%", None, M),
    f("a01006", None, "气压", "air pressure", "kPa", None, M),
    f("a01007", None, "风速", "wind speed", "m/s", None, M),
    f("a01008", None, "风向", "wind direction", "°", None, M),
    // Noise (Table B.3).
    f(
        "LA",
        Some("B03"),
        "A权声级",
        "A-weighted sound level",
        "dB",
        None,
        N,
    ),
    f(
        "L5",
        None,
        "累计百分声级L5",
        "percentile level L5",
        "dB",
        None,
        N,
    ),
    f(
        "L10",
        None,
        "累计百分声级L10",
        "percentile level L10",
        "dB",
        None,
        N,
    ),
    f(
        "L50",
        None,
        "累计百分声级L50",
        "percentile level L50",
        "dB",
        None,
        N,
    ),
    f(
        "L90",
        None,
        "累计百分声级L90",
        "percentile level L90",
        "dB",
        None,
        N,
    ),
    f(
        "L95",
        None,
        "累计百分声级L95",
        "percentile level L95",
        "dB",
        None,
        N,
    ),
    f(
        "Leq",
        None,
        "等效声级",
        "equivalent level Leq",
        "dB",
        None,
        N,
    ),
    f(
        "Ldn",
        None,
        "昼夜等效声级",
        "day-night level Ldn",
        "dB",
        None,
        N,
    ),
    f(
        "Ld",
        None,
        "昼间等效声级",
        "daytime level Ld",
        "dB",
        None,
        N,
    ),
    f(
        "Ln",
        None,
        "夜间等效声级",
        "night-time level Ln",
        "dB",
        None,
        N,
    ),
    f(
        "LMx",
        None,
        "最大的瞬时声级",
        "maximum instantaneous level",
        "dB",
        None,
        N,
    ),
    f(
        "LMn",
        None,
        "最小的瞬时声级",
        "minimum instantaneous level",
        "dB",
        None,
        N,
    ),
    // Water (Table B.1).
    f(
        "w00000",
        Some("B01"),
        "污水",
        "wastewater flow",
        "L/s",
        Some("m³"),
        W,
    ),
    f("w01001", Some("001"), "pH值", "pH", "", None, W),
    f("w01002", Some("002"), "色度", "colour", "degree", None, W),
    f(
        "w01006",
        None,
        "溶解性总固体",
        "total dissolved solids",
        "mg/L",
        KG,
        W,
    ),
    f(
        "w01009",
        None,
        "溶解氧",
        "dissolved oxygen",
        "mg/L",
        None,
        W,
    ),
    f("w01010", None, "水温", "water temperature", "°C", None, W),
    f(
        "w01012",
        Some("003"),
        "悬浮物",
        "suspended solids",
        "mg/L",
        KG,
        W,
    ),
    f("w01014", None, "电导率", "conductivity", "µS/cm", None, W),
    f(
        "w01017",
        Some("010"),
        "五日生化需氧量",
        "BOD5",
        "mg/L",
        KG,
        W,
    ),
    f(
        "w01018",
        Some("011"),
        "化学需氧量",
        "chemical oxygen demand (COD)",
        "mg/L",
        KG,
        W,
    ),
    f(
        "w01019",
        None,
        "高锰酸盐指数",
        "permanganate index",
        "mg/L",
        KG,
        W,
    ),
    f(
        "w01020",
        Some("015"),
        "总有机碳",
        "total organic carbon",
        "mg/L",
        KG,
        W,
    ),
    f(
        "w02003",
        Some("550"),
        "粪大肠菌群",
        "faecal coliforms",
        "个/L",
        None,
        W,
    ),
    f(
        "w19002",
        Some("520"),
        "阴离子表面活性剂",
        "anionic surfactants",
        "mg/L",
        KG,
        W,
    ),
    f(
        "w20111",
        Some("020"),
        "总汞",
        "total mercury",
        "µg/L",
        Some("g"),
        W,
    ),
    f(
        "w20115",
        Some("022"),
        "总镉",
        "total cadmium",
        "µg/L",
        Some("g"),
        W,
    ),
    f(
        "w20116",
        Some("023"),
        "总铬",
        "total chromium",
        "mg/L",
        KG,
        W,
    ),
    f(
        "w20117",
        Some("024"),
        "六价铬",
        "hexavalent chromium",
        "µg/L",
        Some("g"),
        W,
    ),
    f(
        "w20119",
        Some("026"),
        "总砷",
        "total arsenic",
        "µg/L",
        Some("g"),
        W,
    ),
    f(
        "w20120",
        Some("027"),
        "总铅",
        "total lead",
        "µg/L",
        Some("g"),
        W,
    ),
    f("w20121", Some("028"), "总镍", "total nickel", "mg/L", KG, W),
    f("w20122", Some("029"), "总铜", "total copper", "mg/L", KG, W),
    f("w20123", Some("030"), "总锌", "total zinc", "mg/L", KG, W),
    f(
        "w20124",
        Some("031"),
        "总锰",
        "total manganese",
        "mg/L",
        KG,
        W,
    ),
    f("w20125", Some("032"), "总铁", "total iron", "mg/L", KG, W),
    f("w20126", Some("033"), "总银", "total silver", "mg/L", KG, W),
    f(
        "w20127",
        Some("034"),
        "总铍",
        "total beryllium",
        "µg/L",
        Some("g"),
        W,
    ),
    f(
        "w20128",
        Some("035"),
        "总硒",
        "total selenium",
        "µg/L",
        Some("g"),
        W,
    ),
    f(
        "w21001",
        Some("065"),
        "总氮",
        "total nitrogen",
        "mg/L",
        KG,
        W,
    ),
    f(
        "w21003",
        Some("060"),
        "氨氮",
        "ammonia nitrogen",
        "mg/L",
        KG,
        W,
    ),
    f(
        "w21004",
        Some("062"),
        "凯氏氮",
        "Kjeldahl nitrogen",
        "mg/L",
        KG,
        W,
    ),
    f("w21006", Some("063"), "亚硝酸盐", "nitrite", "mg/L", KG, W),
    f("w21007", Some("064"), "硝酸盐", "nitrate", "mg/L", KG, W),
    f(
        "w21011",
        Some("101"),
        "总磷",
        "total phosphorus",
        "mg/L",
        KG,
        W,
    ),
    f("w21016", Some("070"), "氰化物", "cyanide", "mg/L", KG, W),
    f("w21017", Some("072"), "氟化物", "fluoride", "mg/L", KG, W),
    f("w21019", Some("071"), "硫化物", "sulphide", "mg/L", KG, W),
    f("w21022", Some("090"), "氯化物", "chloride", "mg/L", KG, W),
    f(
        "w22001",
        Some("080"),
        "石油类",
        "petroleum oils",
        "mg/L",
        KG,
        W,
    ),
    f(
        "w23002",
        Some("110"),
        "挥发酚",
        "volatile phenols",
        "mg/L",
        KG,
        W,
    ),
    f(
        "w99001",
        Some("061"),
        "有机氮",
        "organic nitrogen",
        "mg/L",
        KG,
        W,
    ),
];

/// Look a factor up by its 2017 code.
///
/// ```
/// let so2 = lantian_hj212::codes::factor("a21026").unwrap();
/// assert_eq!((so2.name_zh, so2.code_2005), ("二氧化硫", Some("02")));
/// ```
#[must_use]
pub fn factor(code: &str) -> Option<&'static FactorInfo> {
    FACTORS.iter().find(|f| f.code == code)
}

/// The 2017 factor for an HJ/T 212-2005 code (原编码): `02` → `a21026`, `B01` → `w00000`.
///
/// 2005 codes are only unique within a system: water codes are 3 digits, air codes 2 digits or
/// `S0x`/`B0x`. Codes with no 2017 equivalent (`16` 苯系物) and vendor codes give `None`: keep
/// the code as it came.
#[must_use]
pub fn from_2005(code: &str) -> Option<&'static FactorInfo> {
    FACTORS.iter().find(|f| f.code_2005 == Some(code))
}

/// The 2017 code to store for a code as received: itself when it is a 2017 code, the mapped
/// code for a known 2005 code, else `None` (vendor code: map by configuration).
#[must_use]
pub fn canonical_code(code: &str) -> Option<&'static str> {
    factor(code).or_else(|| from_2005(code)).map(|f| f.code)
}

/// A system code (系统编码, ST; HJ 212-2017 Table 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SystemInfo {
    /// The code (`31`).
    pub code: &'static str,
    /// Chinese name.
    pub name_zh: &'static str,
    /// English name.
    pub name_en: &'static str,
}

const fn st(code: &'static str, name_zh: &'static str, name_en: &'static str) -> SystemInfo {
    SystemInfo {
        code,
        name_zh,
        name_en,
    }
}

/// HJ 212-2017 system codes. Unknown values (`99`, `101`, `80` seen) are never rejected; map
/// ST to a source type per MN in configuration.
pub static SYSTEMS: &[SystemInfo] = &[
    st("21", "地表水质量监测", "surface-water quality"),
    st("22", "空气质量监测", "ambient air quality"),
    st("23", "声环境质量监测", "ambient noise"),
    st("24", "地下水质量监测", "groundwater quality"),
    st("25", "土壤质量监测", "soil quality"),
    st("26", "海水质量监测", "seawater quality"),
    st("27", "挥发性有机物监测", "VOC monitoring"),
    st("31", "大气环境污染源", "air pollution source"),
    st("32", "地表水体环境污染源", "surface-water pollution source"),
    st("33", "地下水体环境污染源", "groundwater pollution source"),
    st("34", "海洋环境污染源", "marine pollution source"),
    st("35", "土壤环境污染源", "soil pollution source"),
    st("36", "声环境污染源", "noise source"),
    st("37", "振动环境污染源", "vibration source"),
    st("38", "放射性环境污染源", "radioactive source"),
    st("39", "工地扬尘污染源", "construction-site dust source"),
    st("41", "电磁环境污染源", "electromagnetic source"),
    st("51", "烟气排放过程监控", "flue-gas process monitoring"),
    st("52", "污水排放过程监控", "wastewater process monitoring"),
    st("91", "系统交互", "system interaction"),
];

/// Look a system code up.
#[must_use]
pub fn system(code: &str) -> Option<&'static SystemInfo> {
    SYSTEMS.iter().find(|s| s.code == code)
}

impl fmt::Display for FactorInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.name_zh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for f in FACTORS {
            assert!(seen.insert(f.code), "duplicate {}", f.code);
        }
        let mut seen = std::collections::HashSet::new();
        for f in FACTORS.iter().filter_map(|f| f.code_2005) {
            assert!(seen.insert(f), "duplicate 2005 code {f}");
        }
    }

    #[test]
    fn mapping() {
        assert_eq!(canonical_code("B01"), Some("w00000"));
        assert_eq!(canonical_code("011"), Some("w01018"));
        assert_eq!(canonical_code("060"), Some("w21003"));
        assert_eq!(canonical_code("S01"), Some("a19001"));
        assert_eq!(canonical_code("a34004"), Some("a34004"));
        assert_eq!(canonical_code("ua19004"), None);
        assert_eq!(system("39").map(|s| s.name_zh), Some("工地扬尘污染源"));
        assert!(system("99").is_none());
    }
}
