//! AQI levels (级别), categories (类别), colours and health advice: HJ 633-2012 Table 2 and
//! Appendix A; HJ 633-2026 Table 1, Table 2 and Appendix A (standards.md §1.6).

use std::fmt;

use crate::pollutant::Pollutant;
use crate::rules::AqiStandard;

/// One of the six AQI levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AqiLevel {
    /// 一级, 优: AQI 0 (2026: 1) – 50.
    Excellent = 1,
    /// 二级, 良: 51–100.
    Good = 2,
    /// 三级, 轻度污染: 101–150.
    LightlyPolluted = 3,
    /// 四级, 中度污染: 151–200.
    ModeratelyPolluted = 4,
    /// 五级, 重度污染: 201–300.
    HeavilyPolluted = 5,
    /// 六级, 严重污染: > 300.
    SeverelyPolluted = 6,
}

/// An sRGB colour with its print equivalent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Colour {
    /// Chinese name (绿色, 黄色, …).
    pub name_zh: &'static str,
    /// Red, green, blue.
    pub rgb: (u8, u8, u8),
    /// Cyan, magenta, yellow, black, percent.
    pub cmyk: (u8, u8, u8, u8),
}

impl Colour {
    /// `#RRGGBB`.
    pub fn hex(&self) -> String {
        format!("#{:02X}{:02X}{:02X}", self.rgb.0, self.rgb.1, self.rgb.2)
    }
}

impl AqiLevel {
    /// All levels, best first.
    pub const ALL: [AqiLevel; 6] = [
        AqiLevel::Excellent,
        AqiLevel::Good,
        AqiLevel::LightlyPolluted,
        AqiLevel::ModeratelyPolluted,
        AqiLevel::HeavilyPolluted,
        AqiLevel::SeverelyPolluted,
    ];

    /// The level of an AQI value.
    pub const fn from_aqi(aqi: u16) -> AqiLevel {
        match aqi {
            0..=50 => AqiLevel::Excellent,
            51..=100 => AqiLevel::Good,
            101..=150 => AqiLevel::LightlyPolluted,
            151..=200 => AqiLevel::ModeratelyPolluted,
            201..=300 => AqiLevel::HeavilyPolluted,
            _ => AqiLevel::SeverelyPolluted,
        }
    }

    /// 1 to 6.
    pub const fn number(self) -> u8 {
        self as u8
    }

    /// 一级 … 六级.
    pub const fn level_zh(self) -> &'static str {
        match self {
            AqiLevel::Excellent => "一级",
            AqiLevel::Good => "二级",
            AqiLevel::LightlyPolluted => "三级",
            AqiLevel::ModeratelyPolluted => "四级",
            AqiLevel::HeavilyPolluted => "五级",
            AqiLevel::SeverelyPolluted => "六级",
        }
    }

    /// The category (类别): 优, 良, 轻度污染, 中度污染, 重度污染, 严重污染.
    pub const fn category_zh(self) -> &'static str {
        match self {
            AqiLevel::Excellent => "优",
            AqiLevel::Good => "良",
            AqiLevel::LightlyPolluted => "轻度污染",
            AqiLevel::ModeratelyPolluted => "中度污染",
            AqiLevel::HeavilyPolluted => "重度污染",
            AqiLevel::SeverelyPolluted => "严重污染",
        }
    }

    /// English category name.
    pub const fn category_en(self) -> &'static str {
        match self {
            AqiLevel::Excellent => "excellent",
            AqiLevel::Good => "good",
            AqiLevel::LightlyPolluted => "lightly polluted",
            AqiLevel::ModeratelyPolluted => "moderately polluted",
            AqiLevel::HeavilyPolluted => "heavily polluted",
            AqiLevel::SeverelyPolluted => "severely polluted",
        }
    }

    /// The AQI range of the level under a standard (2026 starts 优 at 1).
    pub const fn range(self, standard: AqiStandard) -> (u16, Option<u16>) {
        match self {
            AqiLevel::Excellent => (
                match standard {
                    AqiStandard::Hj633_2012 => 0,
                    AqiStandard::Hj633_2026 => 1,
                },
                Some(50),
            ),
            AqiLevel::Good => (51, Some(100)),
            AqiLevel::LightlyPolluted => (101, Some(150)),
            AqiLevel::ModeratelyPolluted => (151, Some(200)),
            AqiLevel::HeavilyPolluted => (201, Some(300)),
            AqiLevel::SeverelyPolluted => (301, None),
        }
    }

    /// Whether the day counts as good (优良: AQI ≤ 100).
    pub const fn is_good(self) -> bool {
        matches!(self, AqiLevel::Excellent | AqiLevel::Good)
    }

    /// Whether it is heavy pollution or worse (重度及以上: AQI > 200).
    pub const fn is_heavy_or_worse(self) -> bool {
        matches!(self, AqiLevel::HeavilyPolluted | AqiLevel::SeverelyPolluted)
    }

    /// The colour (the same in both generations, Appendix A Table A.1).
    pub const fn colour(self) -> Colour {
        match self {
            AqiLevel::Excellent => Colour {
                name_zh: "绿色",
                rgb: (0, 228, 0),
                cmyk: (40, 0, 100, 0),
            },
            AqiLevel::Good => Colour {
                name_zh: "黄色",
                rgb: (255, 255, 0),
                cmyk: (0, 0, 100, 0),
            },
            AqiLevel::LightlyPolluted => Colour {
                name_zh: "橙色",
                rgb: (255, 126, 0),
                cmyk: (0, 52, 100, 0),
            },
            AqiLevel::ModeratelyPolluted => Colour {
                name_zh: "红色",
                rgb: (255, 0, 0),
                cmyk: (0, 100, 100, 0),
            },
            AqiLevel::HeavilyPolluted => Colour {
                name_zh: "紫色",
                rgb: (153, 0, 76),
                cmyk: (10, 100, 40, 30),
            },
            AqiLevel::SeverelyPolluted => Colour {
                name_zh: "褐红色",
                rgb: (126, 0, 35),
                cmyk: (30, 100, 100, 30),
            },
        }
    }

    /// 对健康影响情况: the health effect text of the standard.
    ///
    /// The 2026 texts are HJ 633-2026 Table 1 (\[S2\]). The 2012 texts are HJ 633-2012 Table 2 as
    /// widely quoted (\[recalled\]; standards.md notes they differ in 易感人群/心脏病 wording).
    pub const fn health_effect(self, standard: AqiStandard) -> &'static str {
        match standard {
            AqiStandard::Hj633_2026 => match self {
                AqiLevel::Excellent => "空气质量令人满意，基本无空气污染",
                AqiLevel::Good => {
                    "空气质量可接受，但某些污染物可能对极少数异常敏感人群健康有较弱影响"
                }
                AqiLevel::LightlyPolluted => "敏感人群症状有轻度加剧，健康人群出现刺激症状",
                AqiLevel::ModeratelyPolluted => {
                    "进一步加剧敏感人群症状，可能对健康人群心血管系统、呼吸系统有影响"
                }
                AqiLevel::HeavilyPolluted => {
                    "心血管系统和呼吸系统患者症状显著加剧，运动耐受力降低，健康人群普遍出现症状"
                }
                AqiLevel::SeverelyPolluted => {
                    "健康人群运动耐受力降低，有明显强烈症状，提前出现某些疾病"
                }
            },
            AqiStandard::Hj633_2012 => match self {
                AqiLevel::Excellent => "空气质量令人满意，基本无空气污染",
                AqiLevel::Good => {
                    "空气质量可接受，但某些污染物可能对极少数异常敏感人群健康有较弱影响"
                }
                AqiLevel::LightlyPolluted => "易感人群症状有轻度加剧，健康人群出现刺激症状",
                AqiLevel::ModeratelyPolluted => {
                    "进一步加剧易感人群症状，可能对健康人群心脏、呼吸系统有影响"
                }
                AqiLevel::HeavilyPolluted => {
                    "心脏病和肺病患者症状显著加剧，运动耐受力降低，健康人群普遍出现症状"
                }
                AqiLevel::SeverelyPolluted => {
                    "健康人群运动耐受力降低，有明显强烈症状，提前出现某些疾病"
                }
            },
        }
    }

    /// 建议采取的措施: the advice text of the standard (sources as for
    /// [`AqiLevel::health_effect`]).
    pub const fn advice(self, standard: AqiStandard) -> &'static str {
        match standard {
            AqiStandard::Hj633_2026 => match self {
                AqiLevel::Excellent => "各类人群可正常活动",
                AqiLevel::Good => "极少数异常敏感人群应减少户外活动",
                AqiLevel::LightlyPolluted => {
                    "青少年儿童、老年人及心血管系统疾病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼"
                }
                AqiLevel::ModeratelyPolluted => {
                    "青少年儿童、老年人及心血管系统疾病、呼吸系统疾病患者避免长时间、高强度的户外锻炼，一般人群适量减少户外运动"
                }
                AqiLevel::HeavilyPolluted => {
                    "青少年儿童、老年人和心血管系统疾病、呼吸系统疾病患者应停留在室内，停止户外运动，一般人群减少户外运动"
                }
                AqiLevel::SeverelyPolluted => {
                    "青少年儿童、老年人和病人应当留在室内，避免体力消耗，一般人群应避免户外活动"
                }
            },
            AqiStandard::Hj633_2012 => match self {
                AqiLevel::Excellent => "各类人群可正常活动",
                AqiLevel::Good => "极少数异常敏感人群应减少户外活动",
                AqiLevel::LightlyPolluted => {
                    "儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼"
                }
                AqiLevel::ModeratelyPolluted => {
                    "儿童、老年人及心脏病、呼吸系统疾病患者避免长时间、高强度的户外锻炼，一般人群适量减少户外运动"
                }
                AqiLevel::HeavilyPolluted => {
                    "儿童、老年人和心脏病、肺病患者应停留在室内，停止户外运动，一般人群减少户外运动"
                }
                AqiLevel::SeverelyPolluted => {
                    "儿童、老年人和病人应当留在室内，避免体力消耗，一般人群应避免户外活动"
                }
            },
        }
    }
}

impl fmt::Display for AqiLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.category_zh())
    }
}

/// Sensitive groups (敏感人群) for a pollutant whose IAQI exceeds 100: HJ 633-2026 Table 2
/// (new in 2026; HJ 633-2012 has no such table).
pub const fn sensitive_groups(pollutant: Pollutant) -> &'static str {
    match pollutant {
        Pollutant::So2 => "患有哮喘的人、青少年儿童以及老年人",
        Pollutant::No2 => "患有呼吸系统疾病（如哮喘）的人、青少年儿童以及老年人",
        Pollutant::Co => "患有心血管系统疾病的人",
        Pollutant::O3 => "患有呼吸系统疾病（如哮喘）的人、青少年儿童、户外活动频繁的人以及老年人",
        Pollutant::Pm10 | Pollutant::Pm25 => {
            "患有心血管系统疾病或呼吸系统疾病（如哮喘）的人、青少年儿童、户外活动频繁的人以及老年人"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_edges() {
        let cases = [
            (0, 1),
            (50, 1),
            (51, 2),
            (100, 2),
            (101, 3),
            (150, 3),
            (151, 4),
            (200, 4),
            (201, 5),
            (300, 5),
            (301, 6),
            (500, 6),
        ];
        for (aqi, level) in cases {
            assert_eq!(AqiLevel::from_aqi(aqi).number(), level, "AQI {aqi}");
        }
        assert!(AqiLevel::from_aqi(100).is_good());
        assert!(!AqiLevel::from_aqi(101).is_good());
        assert!(AqiLevel::from_aqi(201).is_heavy_or_worse());
        assert!(!AqiLevel::from_aqi(200).is_heavy_or_worse());
    }

    #[test]
    fn colours() {
        let hex: Vec<String> = AqiLevel::ALL.iter().map(|l| l.colour().hex()).collect();
        assert_eq!(
            hex,
            [
                "#00E400", "#FFFF00", "#FF7E00", "#FF0000", "#99004C", "#7E0023"
            ]
        );
    }

    #[test]
    fn ranges_follow_the_generation() {
        assert_eq!(
            AqiLevel::Excellent.range(AqiStandard::Hj633_2012),
            (0, Some(50))
        );
        assert_eq!(
            AqiLevel::Excellent.range(AqiStandard::Hj633_2026),
            (1, Some(50))
        );
        assert_eq!(
            AqiLevel::SeverelyPolluted.range(AqiStandard::Hj633_2026),
            (301, None)
        );
    }
}
