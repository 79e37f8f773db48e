//! Every worked example of standards.md §1.7, §2.5 and §3.2, as data.

use lantian_aq::iaqi::{Column, Lookup, lookup_micros};
use lantian_aq::{AqiStandard, Concentration};

fn iaqi(std: AqiStandard, col: Column, value: &str) -> Lookup {
    lookup_micros(std, col, Concentration::parse(value).unwrap().micros())
}

#[test]
fn section_1_7_single_pollutants() {
    use AqiStandard::*;
    use Column::*;
    let table: &[(AqiStandard, Column, &str, u16)] = &[
        (Hj633_2012, Pm25_24h, "35", 50),
        (Hj633_2012, Pm25_24h, "36", 52),
        (Hj633_2012, Pm25_24h, "60", 82),
        (Hj633_2012, Pm25_24h, "61", 83),
        (Hj633_2012, Pm25_24h, "75", 100),
        (Hj633_2012, Pm25_24h, "76", 102),
        (Hj633_2012, Pm25_24h, "100", 132),
        (Hj633_2012, Pm25_24h, "120", 158),
        (Hj633_2012, Pm25_24h, "150", 200),
        (Hj633_2012, Pm25_24h, "250", 300),
        (Hj633_2026, Pm25_24h, "35", 50),
        (Hj633_2026, Pm25_24h, "36", 52),
        (Hj633_2026, Pm25_24h, "60", 100),
        (Hj633_2026, Pm25_24h, "61", 101),
        (Hj633_2026, Pm25_24h, "75", 114),
        (Hj633_2026, Pm25_24h, "76", 115),
        (Hj633_2026, Pm25_24h, "100", 137),
        (Hj633_2026, Pm25_24h, "120", 158),
        (Hj633_2026, Pm25_24h, "150", 200),
        (Hj633_2026, Pm25_24h, "250", 300),
        (Hj633_2012, Pm10_24h, "120", 85),
        (Hj633_2012, Pm10_24h, "150", 100),
        (Hj633_2012, Pm10_24h, "200", 125),
        (Hj633_2026, Pm10_24h, "120", 100),
        (Hj633_2026, Pm10_24h, "150", 112),
        (Hj633_2026, Pm10_24h, "200", 131),
        (Hj633_2012, Co_24h, "0.9", 23),
        (Hj633_2012, O3_8h, "172", 111),
        (Hj633_2012, O3_1h, "210", 105),
        (Hj633_2012, No2_24h, "45", 57),
        (Hj633_2012, So2_24h, "523", 158),
    ];
    for &(std, col, v, want) in table {
        assert_eq!(iaqi(std, col, v), Lookup::Iaqi(want), "{std:?} {col:?} {v}");
    }
}

#[test]
fn python_aqi_counter_examples() {
    // standards.md §11 (peers): python-aqi truncates and uses gapped breakpoints, giving 50 for
    // PM2.5 35.5 and 100 for 75.9; HJ 633 interpolation gives 51 (良) and 102 (轻度污染).
    assert_eq!(
        iaqi(AqiStandard::Hj633_2012, Column::Pm25_24h, "35.5"),
        Lookup::Iaqi(51)
    );
    assert_eq!(
        iaqi(AqiStandard::Hj633_2012, Column::Pm25_24h, "75.9"),
        Lookup::Iaqi(102)
    );
}

#[test]
fn aqi_hub_so2_24h_table_is_not_ours() {
    // aqi-hub filled SO2 24-h with the 1-h breakpoints; the correct IAQI of 150 µg/m³ is 100,
    // not 50.
    assert_eq!(
        iaqi(AqiStandard::Hj633_2012, Column::So2_24h, "150"),
        Lookup::Iaqi(100)
    );
    assert_eq!(
        iaqi(AqiStandard::Hj633_2012, Column::So2_1h, "150"),
        Lookup::Iaqi(50)
    );
}
