//! Every file reader under hostile input (issue #22): random bytes and random edits of valid
//! files, for the table reader (CSV and xlsx, and the list and inventory parsers behind it),
//! GeoJSON layers, the plan's TOML, FIRMS fire points and AQI forecasts. Each case must end in
//! a value or an error, never a panic, and the peak of memory held while it runs must stay
//! under a stated bound (`allocation_counter`, this thread's allocations). The case count is
//! fixed, so the run is bounded in time (`PROPTEST_CASES` raises it for a longer hunt).

#![allow(clippy::unwrap_used)]

use lantian_report::table::{self, Sheet, TableLimits};
use proptest::prelude::*;

/// The bound on memory held at once while one input of at most 64 KiB is read: 64 MiB. A reader
/// that trusts a declared size (a dense sheet range, a zip member's length) asks for gigabytes.
const PEAK_BYTES: u64 = 64 << 20;

/// Runs `f`, failing the case if it held more than [`PEAK_BYTES`] at once.
fn bounded(what: &str, f: impl FnOnce()) -> Result<(), TestCaseError> {
    let info = allocation_counter::measure(f);
    prop_assert!(
        info.bytes_max <= PEAK_BYTES,
        "{what}: held {} bytes at once",
        info.bytes_max
    );
    Ok(())
}

/// Up to 16 edits (replace, insert, delete a byte; or truncate) at random places of `seed`.
fn edited(seed: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec((any::<u32>(), 0u8..4, any::<u8>()), 1..16).prop_map(move |edits| {
        let mut b = seed.clone();
        for (at, op, byte) in edits {
            if b.is_empty() {
                b.push(byte);
                continue;
            }
            let i = at as usize % b.len();
            match op {
                0 => b[i] = byte,
                1 => b.insert(i, byte),
                2 => {
                    b.remove(i);
                }
                _ => b.truncate(i),
            }
        }
        b
    })
}

fn workbook() -> Vec<u8> {
    lantian_report::xlsx_workbook(&[lantian_report::Sheet {
        name: "清单".into(),
        table: lantian_report::Tabular {
            headers: lantian_emergency::list::HEADERS
                .iter()
                .map(|h| (*h).to_owned())
                .collect(),
            rows: vec![vec!["甲化工".into(), "91320684MA1M00001X".into()]; 3],
        },
    }])
    .unwrap()
}

fn csv_seed() -> Vec<u8> {
    let (gbk, _, _) = encoding_rs::GBK.encode(
        "企业名称,统一社会信用代码,镇\n甲化工,91320684MA1M00001X,三厂街道\n乙建材,,临江镇\n",
    );
    gbk.into_owned()
}

/// Reads a table and hands it to the parsers that take tables.
fn read_table(name: &str, bytes: &[u8]) {
    if let Ok(t) = table::read(name, bytes, Sheet::First, &TableLimits::default()) {
        let (h, rows) = t.into_grid();
        let _ = lantian_emergency::list::from_rows(
            &h,
            &rows,
            &lantian_emergency::list::GradeRules::default(),
        );
        let _ = lantian_emergency::list::registry_from_rows(&h, &rows);
        let _ = lantian_inventory::exchange::from_rows(&h, &rows, None, None);
    }
}

const SQUARE: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"三厂街道","adcode":"320684001"},"geometry":{"type":"Polygon","coordinates":[[[121.0,31.75],[121.5,31.75],[121.5,32.15],[121.0,32.15],[121.0,31.75]]]}},{"type":"Feature","properties":{"name":"临江镇","code":"2"},"geometry":{"type":"MultiPolygon","coordinates":[[[[121.5,31.75],[121.9,31.75],[121.9,32.0],[121.5,31.75]]]]}}]}"#;

const FIRMS: &str = "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,instrument,confidence,version,bright_ti5,frp,daynight\n31.9,121.2,330.1,0.4,0.4,2024-06-01,0512,N,VIIRS,n,2.0NRT,290.2,3.1,D\n";

const FORECAST: &str = "time,aqi\n2026-01-10 00,120\n2026-01-10 01,201\n2026-01-10 02,99\n";

fn plan_text() -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/plans/haimen.toml"),
    )
    .unwrap()
}

fn text_readers(text: &str) {
    let _ = lantian_fire::attribution::regions_from_geojson(text, "town", |x, y| (x, y));
    let _ = lantian_fire::firms::parse(text);
    let _ = lantian_emergency::forecast::Forecast::parse_csv(text);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn random_bytes_are_refused_or_read_in_bounded_memory(
        bytes in proptest::collection::vec(any::<u8>(), 0..4096),
    ) {
        bounded("csv", || read_table("x.csv", &bytes))?;
        bounded("xlsx", || read_table("x.xlsx", &bytes))?;
        let text = String::from_utf8_lossy(&bytes);
        bounded("text readers", || text_readers(&text))?;
        bounded("plan", || { let _ = lantian_plan::load(&text); })?;
    }

    #[test]
    fn edited_workbooks_are_refused_or_read_in_bounded_memory(b in edited(workbook())) {
        bounded("xlsx", || read_table("清单.xlsx", &b))?;
    }

    #[test]
    fn edited_csv_is_refused_or_read_in_bounded_memory(b in edited(csv_seed())) {
        bounded("csv", || read_table("台账.csv", &b))?;
    }

    #[test]
    fn edited_text_files_are_refused_or_read_in_bounded_memory(
        geo in edited(SQUARE.as_bytes().to_vec()),
        firms in edited(FIRMS.as_bytes().to_vec()),
        forecast in edited(FORECAST.as_bytes().to_vec()),
    ) {
        for b in [geo, firms, forecast] {
            let text = String::from_utf8_lossy(&b).into_owned();
            bounded("text readers", || text_readers(&text))?;
        }
    }

}

proptest! {
    // Writing each workbook costs ~0.1 s in a debug build: fewer cases.
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    /// Sheets with cells anywhere in the 2^20 × 2^14 grid: read or refused, never dense.
    #[test]
    fn cells_anywhere_are_read_sparsely(
        cells in proptest::collection::vec((0u32..1_048_576, 0u16..16_384), 1..8),
    ) {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (r, c) in &cells {
            sheet.write_string(*r, *c, "x").unwrap();
        }
        let bytes = book.save_to_buffer().unwrap();
        bounded("sparse xlsx", || read_table("s.xlsx", &bytes))?;
    }
}

proptest! {
    // The plan file is 49 KB: fewer cases, each a full load.
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn edited_plans_are_refused_or_loaded_in_bounded_memory(b in edited(plan_text().into_bytes())) {
        let text = String::from_utf8_lossy(&b).into_owned();
        bounded("plan", || { let _ = lantian_plan::load(&text); })?;
    }
}
