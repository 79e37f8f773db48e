use jiff::civil::{Date, date};
use lantian_aq::{Concentration, Pollutant};
use lantian_store::{
    AlarmFilter, AlarmUpdate, Area, AreaMember, AuditEntry, DayItem, DayValues, IngestFrame,
    IngestOutcome, NewUser, Quantity, Reject, ReviewAction, ReviewMark, Station, StationLevel,
    Store, StoreError,
};

/// Runs `$body` with a fresh store of each engine.
macro_rules! contract {
    ($name:ident, |$store:ident| $body:block) => {
        mod $name {
            use super::*;

            fn run($store: &Store) $body

            #[test]
            fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("lantian.db");
                let store = Store::open(path.to_str().unwrap()).unwrap();
                run(&store);
            }

            #[test]
            fn postgres() {
                let Some(pg) = PgSchema::new(stringify!($name)) else { return };
                run(&pg.store);
            }
        }
    };
}

/// A PostgreSQL store in a schema of its own, dropped at the end.
struct PgSchema {
    store: Store,
    url: String,
    schema: String,
}

impl PgSchema {
    fn new(test: &str) -> Option<PgSchema> {
        let url = lantian_testdata::postgres_url(test)?;
        let schema = format!("lantian_test_{test}_{}", std::process::id());
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .unwrap();
        let store = Store::open_postgres_schema(&url, &schema).unwrap();
        Some(PgSchema { store, url, schema })
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.url, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema));
        }
    }
}

fn c(v: &str) -> Option<Concentration> {
    Some(Concentration::parse(v).unwrap())
}

fn station(code: &str, level: StationLevel) -> Station {
    Station {
        level,
        ..Station::unclassified(code, "test")
    }
}

fn pm25(code: &str, day: Date, hours: &[(usize, &str)]) -> DayItem {
    let mut values = DayValues::default();
    for (h, v) in hours {
        values.values[*h] = c(v);
    }
    DayItem {
        station: code.to_owned(),
        quantity: Quantity::Pollutant(Pollutant::Pm25),
        day,
        values,
        origin: "test.csv".to_owned(),
    }
}

fn setup(store: &Store) -> i64 {
    store
        .upsert_stations(&[
            station("2008A", StationLevel::National),
            station("2009A", StationLevel::National),
        ])
        .unwrap();
    store.begin_import("test", "contract").unwrap()
}

contract!(stations_are_upserted_by_code, |store| {
    let mut s = station("2008A", StationLevel::National);
    s.name = Some("海门市监测站".to_owned());
    s.lon = Some(121.173);
    s.lat = Some(31.896);
    assert_eq!(store.upsert_stations(std::slice::from_ref(&s)).unwrap(), 1);
    assert_eq!(
        store.upsert_stations(std::slice::from_ref(&s)).unwrap(),
        0,
        "unchanged"
    );
    s.city = Some("海门".to_owned());
    assert_eq!(store.upsert_stations(std::slice::from_ref(&s)).unwrap(), 1);
    assert_eq!(store.stations().unwrap(), vec![s.clone()]);
    // A partial record fills in, never blanks out; `unclassified` does not downgrade.
    let partial = Station {
        province: Some("江苏".to_owned()),
        ..Station::unclassified("2008A", "list")
    };
    assert_eq!(store.upsert_stations(&[partial]).unwrap(), 1);
    let got = &store.stations().unwrap()[0];
    assert_eq!(got.name.as_deref(), Some("海门市监测站"));
    assert_eq!(got.province.as_deref(), Some("江苏"));
    assert_eq!(got.level, StationLevel::National);
    assert_eq!(
        store
            .upsert_stations(&[Station::unclassified("2008A", "file")])
            .unwrap(),
        0
    );
});

contract!(areas_hold_their_members, |store| {
    setup(store);
    let area = Area {
        code: "320614".to_owned(),
        name: "海门区".to_owned(),
        kind: "district".to_owned(),
        alias: Some("haimen".to_owned()),
        members: vec![
            AreaMember {
                station: "2008A".to_owned(),
                counts: true,
            },
            AreaMember {
                station: "2009A".to_owned(),
                counts: false,
            },
        ],
    };
    store.put_area(&area).unwrap();
    assert_eq!(store.area("320614").unwrap(), Some(area.clone()));
    assert_eq!(
        store.area("320614").unwrap().unwrap().assessed_stations(),
        ["2008A"]
    );
    // Replacing the area replaces its members.
    let smaller = Area {
        members: area.members[..1].to_vec(),
        ..area.clone()
    };
    store.put_area(&smaller).unwrap();
    assert_eq!(store.areas().unwrap(), vec![smaller]);
    // A member must be a registered station; nothing changes when one is not.
    let bad = Area {
        members: vec![AreaMember {
            station: "9999Z".to_owned(),
            counts: true,
        }],
        ..area
    };
    assert!(matches!(store.put_area(&bad), Err(StoreError::UnknownStation(s)) if s == "9999Z"));
    assert_eq!(store.area("320614").unwrap().unwrap().members.len(), 1);
});

contract!(writing_is_idempotent_and_never_overwrites, |store| {
    let import = setup(store);
    let day = date(2019, 7, 1);
    let first = store
        .write_days(
            import,
            &[pm25("2008A", day, &[(0, "10"), (1, "12.5"), (23, "0.3")])],
        )
        .unwrap();
    assert_eq!((first.rows_inserted, first.values_added), (1, 3));
    let again = store
        .write_days(
            import,
            &[pm25("2008A", day, &[(0, "10"), (1, "12.5"), (23, "0.3")])],
        )
        .unwrap();
    assert_eq!(
        (
            again.rows_inserted,
            again.values_added,
            again.values_unchanged
        ),
        (0, 0, 3)
    );
    assert_eq!(again.conflicts, 0);
    // A different value for a stored hour is not stored; the conflict is recorded.
    let second_import = store.begin_import("test", "second").unwrap();
    let clash = store
        .write_days(
            second_import,
            &[pm25("2008A", day, &[(1, "13"), (2, "20")])],
        )
        .unwrap();
    assert_eq!(
        (clash.values_added, clash.conflicts, clash.rows_updated),
        (1, 1, 1)
    );
    let stored = store
        .read_days("2008A", Quantity::Pollutant(Pollutant::Pm25), day, day)
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].1.values[1], c("12.5"));
    assert_eq!(stored[0].1.values[2], c("20"));
    let conflicts = store.conflicts(Some(second_import)).unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].hour, 1);
    assert_eq!(conflicts[0].kept, c("12.5").unwrap());
    assert_eq!(conflicts[0].offered, c("13").unwrap());
    assert_eq!(conflicts[0].station, "2008A");
    assert_eq!(conflicts[0].origin, "test.csv");
    assert!(store.conflicts(Some(import)).unwrap().is_empty());
    assert_eq!(store.value_count(None).unwrap(), 4);
});

contract!(
    a_day_is_assembled_from_several_writes_and_one_batch,
    |store| {
        let import = setup(store);
        let day = date(2019, 1, 31);
        // CNEMC's file of 2019-02-01 carries the last hour of 2019-01-31; one batch may hold both
        // parts of a day, and another station's day.
        let s = store
            .write_days(
                import,
                &[
                    pm25("2008A", day, &[(0, "1"), (22, "2")]),
                    pm25("2009A", day, &[(5, "7")]),
                    pm25("2008A", day, &[(23, "3")]),
                    pm25("2008A", date(2019, 2, 1), &[(0, "4")]),
                ],
            )
            .unwrap();
        assert_eq!(s.values_added, 5);
        assert_eq!(s.rows_inserted, 3);
        let stored = store
            .read_days(
                "2008A",
                Quantity::Pollutant(Pollutant::Pm25),
                day,
                date(2019, 2, 1),
            )
            .unwrap();
        assert_eq!(stored.len(), 2);
        assert_eq!(stored[0].1.count(), 3);
        assert_eq!(stored[0].1.values[23], c("3"));
        assert_eq!(stored[1].0, date(2019, 2, 1));
        assert_eq!(
            store
                .value_count(Some(Quantity::Pollutant(Pollutant::Pm25)))
                .unwrap(),
            5
        );
    }
);

contract!(a_batch_with_an_unknown_station_stores_nothing, |store| {
    let import = setup(store);
    let day = date(2019, 7, 1);
    let err = store
        .write_days(
            import,
            &[
                pm25("2008A", day, &[(0, "1")]),
                pm25("1234Z", day, &[(0, "1")]),
            ],
        )
        .unwrap_err();
    assert!(
        matches!(err, StoreError::UnknownStation(ref s) if s == "1234Z"),
        "{err}"
    );
    assert_eq!(store.value_count(None).unwrap(), 0);
});

contract!(flags_and_the_reference_aqi_are_kept, |store| {
    let import = setup(store);
    let day = date(2026, 3, 1);
    let mut item = pm25("2008A", day, &[(3, "88"), (4, "90")]);
    item.values.flags[3] = b'N';
    item.values.flags[4] = b'T';
    let mut aqi = pm25("2008A", day, &[(3, "126")]);
    aqi.quantity = Quantity::CnemcAqi;
    store.write_days(import, &[item.clone(), aqi]).unwrap();
    let back = store.read_days("2008A", item.quantity, day, day).unwrap();
    assert_eq!(back[0].1, item.values);
    assert_eq!(
        store.value_count(None).unwrap(),
        2,
        "reference AQI is not an observation"
    );
    assert_eq!(store.value_count(Some(Quantity::CnemcAqi)).unwrap(), 1);
});

contract!(review_marks_sit_beside_values, |store| {
    let import = setup(store);
    let day = date(2019, 7, 1);
    store
        .write_days(import, &[pm25("2008A", day, &[(5, "999")])])
        .unwrap();
    let mark = ReviewMark {
        station: "2008A".to_owned(),
        quantity: Quantity::Pollutant(Pollutant::Pm25),
        day,
        hour: 5,
        action: ReviewAction::Correct(c("99").unwrap()),
        reviewer: "审核员甲".to_owned(),
        at: 1_700_000_000,
        reason: "小数点错位".to_owned(),
    };
    store.add_review_mark(&mark).unwrap();
    let invalidate = ReviewMark {
        action: ReviewAction::Invalidate,
        ..mark.clone()
    };
    store.add_review_mark(&invalidate).unwrap();
    let marks = store
        .review_marks("2008A", mark.quantity, day, day)
        .unwrap();
    assert_eq!(marks, vec![mark.clone(), invalidate]);
    // The value itself is untouched.
    let v = store.read_days("2008A", mark.quantity, day, day).unwrap();
    assert_eq!(v[0].1.values[5], c("999"));
    // Statistics see the marks, in order: corrected, then invalidated.
    let (frame, applied) = store.reviewed_frame("2008A", day, day).unwrap();
    assert_eq!(applied, 2);
    assert_eq!(frame.columns[Pollutant::Pm25][5], None);
    let confirm = ReviewMark {
        action: ReviewAction::Confirm,
        ..mark.clone()
    };
    store.add_review_mark(&confirm).unwrap();
    let (frame, _) = store.reviewed_frame("2008A", day, day).unwrap();
    assert_eq!(
        frame.columns[Pollutant::Pm25][5],
        c("999"),
        "confirm restores the stored value"
    );
    store.add_review_mark(&mark).unwrap();
    let days = store
        .daily_records("2008A", day, day, &lantian_aq::Config::default())
        .unwrap();
    assert_eq!(
        days[0].mean_24h[Pollutant::Pm25].value,
        Some(c("99").unwrap().exact())
    );
    assert!(
        !days[0].mean_24h[Pollutant::Pm25].valid,
        "one hour is not a valid day"
    );
});

contract!(hourly_frames_cover_the_requested_days, |store| {
    let import = setup(store);
    store
        .write_days(
            import,
            &[
                pm25("2008A", date(2019, 12, 31), &[(23, "40")]),
                pm25("2008A", date(2020, 1, 1), &[(0, "41")]),
            ],
        )
        .unwrap();
    let frame = store
        .hourly_frame("2008A", date(2019, 12, 31), date(2020, 1, 1))
        .unwrap();
    assert_eq!(frame.len(), 48);
    assert_eq!(frame.columns[Pollutant::Pm25][23], c("40"));
    assert_eq!(frame.columns[Pollutant::Pm25][24], c("41"));
    assert_eq!(frame.columns[Pollutant::So2].iter().flatten().count(), 0);
});

contract!(import_runs_are_recorded, |store| {
    let id = store
        .begin_import("cnemc", "china_sites_20190101.csv")
        .unwrap();
    store.finish_import(id, "{\"files\":1}").unwrap();
    let runs = store.import_runs().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].kind, "cnemc");
    assert!(runs[0].finished_at.is_some());
    assert_eq!(runs[0].summary.as_deref(), Some("{\"files\":1}"));
});

#[test]
fn sqlite_reopen_applies_no_migration_twice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lantian.db");
    let loc = path.to_str().unwrap();
    {
        let store = Store::open(loc).unwrap();
        let import = setup(&store);
        store
            .write_days(import, &[pm25("2008A", date(2019, 7, 1), &[(0, "1")])])
            .unwrap();
    }
    let store = Store::open(&format!("sqlite:{loc}")).unwrap();
    assert_eq!(store.value_count(None).unwrap(), 1);
    assert!(matches!(Store::open("sqlite:"), Err(StoreError::Url(..))));
}

// ---- Online monitoring ----

fn device(mn: &str) -> lantian_core::Device {
    serde_json::from_value(serde_json::json!({
        "mn": mn, "password": "123456", "kind": "oil_fume",
        "owner": {"kind": "restaurant", "name": "测试饭店", "town": "海门街道"},
        "factors": [{"code": "a34041", "name": "油烟", "unit": "mg/m3"}],
        "limits": [{"factor": "a34041", "window": "sample", "max": "2.0"}]
    }))
    .unwrap()
}

fn frame(device_id: i64, cn: u16, data_time: Option<i64>, at: i64, text: &str) -> IngestFrame {
    IngestFrame {
        device_id,
        received_at_ms: at,
        cn,
        qn: Some("20240101000000000".to_owned()),
        data_time,
        part: 0,
        raw: text.as_bytes().to_vec(),
        vals: lantian_core::reading::encode_values(&[lantian_core::FactorValue {
            code: "a34041".to_owned(),
            value: Some(2_500_000),
            flag: Some("N".to_owned()),
            ..Default::default()
        }]),
    }
}

contract!(devices_round_trip, |store| {
    let mut a = device("MN-A");
    let b = device("MN-B");
    assert_eq!(store.devices_version().unwrap(), (0, 0));
    assert_eq!(store.upsert_devices(&[a.clone(), b.clone()]).unwrap(), 2);
    let v1 = store.devices_version().unwrap();
    assert_eq!(v1.0, 2);
    assert_eq!(store.upsert_devices(&[a.clone()]).unwrap(), 0, "unchanged");
    assert_eq!(store.devices_version().unwrap(), v1);
    std::thread::sleep(std::time::Duration::from_millis(2));
    a.name = "改名".to_owned();
    assert_eq!(store.upsert_devices(&[a.clone()]).unwrap(), 1);
    assert_ne!(store.devices_version().unwrap(), v1);
    let list = store.devices().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].device, a);
    assert_eq!(list[1].device, b);
});

contract!(ingest_dedups_and_chains, |store| {
    store
        .upsert_devices(&[device("MN-A"), device("MN-B")])
        .unwrap();
    let ids: Vec<i64> = store.devices().unwrap().iter().map(|d| d.id).collect();
    let (a, b) = (ids[0], ids[1]);
    let batch = [
        frame(a, 2011, Some(1_700_000_000), 1, "##A1"),
        frame(a, 2011, Some(1_700_000_060), 2, "##A2"),
        frame(b, 2011, Some(1_700_000_000), 3, "##B1"),
        // Same (device, CN, DataTime) as the first, in the same batch: stored once.
        frame(a, 2011, Some(1_700_000_000), 4, "##A1-again"),
        // Same DataTime, other kind: kept apart.
        frame(a, 2061, Some(1_700_000_000), 5, "##A-hour"),
        // No DataTime (a notification): stored as a frame only.
        frame(a, 1013, None, 6, "##A-1013"),
        // The same again (same QN) in the same batch: a duplicate.
        frame(a, 1013, None, 6, "##A-1013"),
    ];
    let out = store.ingest(&batch).unwrap();
    let first = match out[0] {
        IngestOutcome::Stored { frame_id } => frame_id,
        other => panic!("{other:?}"),
    };
    assert!(matches!(out[1], IngestOutcome::Stored { .. }));
    assert!(matches!(out[2], IngestOutcome::Stored { .. }));
    assert_eq!(out[3], IngestOutcome::Duplicate { frame_id: first });
    assert!(matches!(out[4], IngestOutcome::Stored { .. }));
    assert!(matches!(out[5], IngestOutcome::Stored { .. }));
    let IngestOutcome::Stored { frame_id: undated } = out[5] else {
        unreachable!()
    };
    assert_eq!(out[6], IngestOutcome::Duplicate { frame_id: undated });
    // A later batch re-sending it: still a duplicate.
    let again = store
        .ingest(&[frame(a, 2011, Some(1_700_000_000), 7, "##A1")])
        .unwrap();
    assert_eq!(again, vec![IngestOutcome::Duplicate { frame_id: first }]);

    // The two parts of a split message (same DataTime) are both kept; a re-sent part is not.
    let part = |p: i64, at: i64| IngestFrame {
        part: p,
        ..frame(b, 2061, Some(1_700_003_600), at, &format!("##B-part{p}"))
    };
    let split = store.ingest(&[part(1, 8), part(2, 9)]).unwrap();
    assert!(
        split
            .iter()
            .all(|o| matches!(o, IngestOutcome::Stored { .. })),
        "{split:?}"
    );
    let again = store.ingest(&[part(2, 10)]).unwrap();
    assert_eq!(
        again,
        vec![split[1]]
            .into_iter()
            .map(|o| match o {
                IngestOutcome::Stored { frame_id } => IngestOutcome::Duplicate { frame_id },
                d => d,
            })
            .collect::<Vec<_>>()
    );
    let parts: Vec<i64> = store
        .readings(b, 2061, 0, i64::MAX)
        .unwrap()
        .iter()
        .map(|r| r.part)
        .collect();
    assert_eq!(parts, [1, 2]);

    let counts = store.monitoring_counts().unwrap();
    assert_eq!(counts.frames, 7);
    assert_eq!(counts.readings, [3, 0, 3, 0, 0]);
    let r = store.readings(a, 2011, 0, i64::MAX).unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].values[0].value, Some(2_500_000));
    assert_eq!(store.frame_raw(first).unwrap().unwrap(), b"##A1");

    let mut seen = store.devices_last_seen().unwrap();
    seen.sort_unstable();
    assert_eq!(seen, vec![(a, 6), (b, 9)]);

    // The latest reading per device within a window; split parts: the last part.
    let latest = store.latest_readings(2011, 0, i64::MAX).unwrap();
    let times: Vec<(i64, i64)> = latest.iter().map(|(d, r)| (*d, r.data_time)).collect();
    assert_eq!(times, vec![(a, 1_700_000_060), (b, 1_700_000_000)]);
    let early = store.latest_readings(2011, 0, 1_700_000_060).unwrap();
    assert_eq!(early[0].1.data_time, 1_700_000_000);
    let hourly = store
        .latest_readings(2061, 1_700_000_001, i64::MAX)
        .unwrap();
    assert_eq!(hourly.len(), 1);
    assert_eq!((hourly[0].0, hourly[0].1.part), (b, 2));
    assert!(store.latest_readings(2031, 0, i64::MAX).unwrap().is_empty());

    let checks = store.verify_frames(None).unwrap();
    assert_eq!(checks.len(), 2);
    assert_eq!((checks[0].frames, checks[0].broken_at), (4, None));
    assert_eq!((checks[1].frames, checks[1].broken_at), (3, None));
});

/// An office user's authority: every alarm.
fn anyone(_: &lantian_store::AlarmScopeRecord) -> Result<(), StoreError> {
    Ok(())
}

/// Raises one exceedance alarm on a fresh device `MN-A` (town 海门街道); returns its id.
fn one_alarm(store: &Store) -> i64 {
    use lantian_core::{AlarmCandidate, AlarmKind, ReadingKind};
    store.upsert_devices(&[device("MN-A")]).unwrap();
    let a = store.devices().unwrap()[0].id;
    store
        .ingest(&[frame(a, 2011, Some(100), 1, "##x0")])
        .unwrap();
    store
        .apply_alarm_updates(
            &[AlarmUpdate::Raise(AlarmCandidate {
                mn: "MN-A".to_owned(),
                kind: AlarmKind::Exceedance,
                factor: Some("a34041".to_owned()),
                start: 100,
                end: 100,
                value: Some(2_500_000),
                limit: Some(2_000_000),
                detail: "超标".to_owned(),
                evidence: vec![100],
                evidence_kind: Some(ReadingKind::RealTime),
            })],
            1000,
        )
        .unwrap()[0]
}

// Finding 10 of issue #22: the scope of a person's alarm action was checked on a row read
// before the write's transaction, so a dispatch to another town in between was not seen.
contract!(alarm_action_checks_scope_inside_the_transaction, |store| {
    use lantian_core::AlarmAction;
    use std::sync::{Arc, Mutex};
    let id = one_alarm(store);
    store
        .alarm_action(id, "办公室", &AlarmAction::Acknowledge, &anyone, 2000)
        .unwrap();
    store
        .alarm_action(
            id,
            "办公室",
            &AlarmAction::Dispatch {
                to: "三厂街道".to_owned(),
            },
            &anyone,
            3000,
        )
        .unwrap();
    // Only the town the alarm is dispatched to may handle it.
    let only = |town: &'static str| {
        move |s: &lantian_store::AlarmScopeRecord| {
            if s.alarm.assignee == town {
                Ok(())
            } else {
                Err(StoreError::Denied(format!("派发给{}", s.alarm.assignee)))
            }
        }
    };
    let handle = AlarmAction::Comment {
        note: "已到现场".to_owned(),
    };
    let events = store.alarm_events(id).unwrap().len();
    let audit = store.audit_log(100).unwrap().len();
    // The check sees the device's town and the assignee as stored now, and a refusal writes
    // nothing.
    let seen = Mutex::new(None);
    let refused = store.alarm_action(
        id,
        "海门街道",
        &handle,
        &|s| {
            *seen.lock().unwrap() = Some((s.town.clone(), s.alarm.assignee.clone()));
            only("海门街道")(s)
        },
        4000,
    );
    assert!(matches!(refused, Err(StoreError::Denied(_))), "{refused:?}");
    assert_eq!(
        seen.lock().unwrap().clone(),
        Some(("海门街道".to_owned(), "三厂街道".to_owned()))
    );
    assert_eq!(store.alarm_events(id).unwrap().len(), events);
    assert_eq!(store.audit_log(100).unwrap().len(), audit);
    // A dispatch to 海门街道 started while 三厂街道's action is being checked waits for that
    // action's transaction: it cannot land between the check and the write.
    let redispatch = Arc::new(Mutex::new(None));
    std::thread::scope(|scope| {
        store
            .alarm_action(
                id,
                "三厂街道",
                &handle,
                &|s| {
                    let r = Arc::clone(&redispatch);
                    scope.spawn(move || {
                        *r.lock().unwrap() = Some(store.alarm_action(
                            id,
                            "办公室",
                            &AlarmAction::Dispatch {
                                to: "海门街道".to_owned(),
                            },
                            &anyone,
                            5000,
                        ));
                    });
                    only("三厂街道")(s)
                },
                4500,
            )
            .unwrap();
    });
    assert!(matches!(*redispatch.lock().unwrap(), Some(Ok(_))));
    let log: Vec<(String, String)> = store
        .alarm_events(id)
        .unwrap()
        .into_iter()
        .skip(events)
        .map(|e| (e.actor, e.action))
        .collect();
    assert_eq!(
        log,
        [
            ("三厂街道".to_owned(), "comment".to_owned()),
            ("办公室".to_owned(), "dispatch".to_owned())
        ]
    );
    // Now 三厂街道 is refused, 海门街道 allowed.
    assert!(matches!(
        store.alarm_action(id, "三厂街道", &handle, &only("三厂街道"), 6000),
        Err(StoreError::Denied(_))
    ));
    store
        .alarm_action(id, "海门街道", &handle, &only("海门街道"), 6000)
        .unwrap();
});

contract!(rejects_are_recorded, |store| {
    let r = Reject {
        received_at_ms: 5,
        peer: "127.0.0.1:5000".to_owned(),
        mn: Some("NOPE".to_owned()),
        reason: "unknown_mn".to_owned(),
        excerpt: b"##0100QN=".to_vec(),
    };
    store.record_rejects(std::slice::from_ref(&r)).unwrap();
    assert_eq!(store.rejects(10).unwrap(), vec![r]);
});

// Finding 9 of issue #22: every refused frame (no authentication needed) added a row that was
// never removed. Detailed rows are now kept for a period and up to a count; older ones become
// per-day counts by reason and peer address.
contract!(refused_frames_are_folded_into_day_counts, |store| {
    // 2024-01-01T00:00:00+08:00.
    let day1 = 1_704_038_400_000;
    let reject = |at: i64, peer: &str, reason: &str| Reject {
        received_at_ms: at,
        peer: peer.to_owned(),
        mn: None,
        reason: reason.to_owned(),
        excerpt: b"##".to_vec(),
    };
    // A flood on day 1 from one address (a new port each connection), bigger than a batch.
    let flood: Vec<Reject> = (0..10_050)
        .map(|i| {
            reject(
                day1 + i,
                &format!("10.0.0.9:{}", 1024 + i % 60_000),
                "wrong_password",
            )
        })
        .collect();
    store.record_rejects(&flood).unwrap();
    store
        .record_rejects(&[
            reject(day1 + 3_600_000, "[2001:db8::1]:4000", "unknown_mn"),
            // Another address of the same IPv6 /64: one group.
            reject(day1 + 3_600_001, "[2001:db8::ffff:2]:4001", "unknown_mn"),
            reject(day1 + 86_400_000, "10.0.0.9:5000", "wrong_password"),
        ])
        .unwrap();
    // Five recent ones: the newest three are kept by the row cap, two are folded.
    let now = day1 + 40 * 86_400_000;
    let recent: Vec<Reject> = (0..5)
        .map(|i| reject(now - 10 + i, "10.0.0.7:6000", "bad_crc"))
        .collect();
    store.record_rejects(&recent).unwrap();
    let keep_from = now - 30 * 86_400_000;
    let done = store.prune_rejects(keep_from, 3, 0).unwrap();
    assert_eq!(done.folded, 10_050 + 3 + 2);
    assert_eq!(done.days_removed, 0);
    let left = store.rejects(100).unwrap();
    assert_eq!(left, recent[2..].iter().rev().cloned().collect::<Vec<_>>());
    assert_eq!(store.monitoring_counts().unwrap().rejects, 3);
    let days: Vec<(String, String, String, u64)> = store
        .reject_days(100)
        .unwrap()
        .into_iter()
        .map(|d| (d.day.to_string(), d.reason, d.peer_addr, d.rejects))
        .collect();
    let row = |d: &str, r: &str, a: &str, n: u64| (d.to_owned(), r.to_owned(), a.to_owned(), n);
    assert_eq!(
        days,
        [
            row("2024-02-09", "bad_crc", "10.0.0.7", 2),
            row("2024-01-02", "wrong_password", "10.0.0.9", 1),
            row("2024-01-01", "wrong_password", "10.0.0.9", 10_050),
            row("2024-01-01", "unknown_mn", "2001:db8::/64", 2),
        ]
    );
    let d = &store.reject_days(100).unwrap()[2];
    assert_eq!((d.first_at_ms, d.last_at_ms), (day1, day1 + 10_049));
    // Pruning again changes nothing; a later fold adds to the day's count.
    assert_eq!(store.prune_rejects(keep_from, 3, 0).unwrap().folded, 0);
    store
        .record_rejects(&[reject(day1 + 5, "10.0.0.9:7000", "wrong_password")])
        .unwrap();
    // It is old, and it pushed the oldest kept row past the cap of three.
    assert_eq!(store.prune_rejects(keep_from, 3, 0).unwrap().folded, 2);
    assert_eq!(store.reject_days(100).unwrap()[0].rejects, 3);
    assert_eq!(store.reject_days(100).unwrap()[2].rejects, 10_051);
    // Day counts older than their keep are removed.
    let done = store
        .prune_rejects(keep_from, 3, day1 + 86_400_000)
        .unwrap();
    assert_eq!(done.days_removed, 2);
    assert_eq!(store.reject_days(100).unwrap().len(), 2);
});

contract!(alarm_lifecycle_and_evidence, |store| {
    use lantian_core::{AlarmAction, AlarmCandidate, AlarmKind, AlarmState, ReadingKind};
    store.upsert_devices(&[device("MN-A")]).unwrap();
    let a = store.devices().unwrap()[0].id;
    store
        .ingest(&[
            frame(a, 2011, Some(100), 1, "##x0"),
            frame(a, 2011, Some(160), 2, "##x1"),
            frame(a, 2011, Some(220), 3, "##x2"),
        ])
        .unwrap();
    let cand = |end: i64, evidence: Vec<i64>| AlarmCandidate {
        mn: "MN-A".to_owned(),
        kind: AlarmKind::Exceedance,
        factor: Some("a34041".to_owned()),
        start: 160,
        end,
        value: Some(2_500_000),
        limit: Some(2_000_000),
        detail: "a34041 实时值 2.5 超过限值 2".to_owned(),
        evidence,
        evidence_kind: Some(ReadingKind::RealTime),
    };
    let raised = store
        .apply_alarm_updates(&[AlarmUpdate::Raise(cand(160, vec![160]))], 1000)
        .unwrap();
    assert_eq!(raised.len(), 1);
    let id = raised[0];
    // The condition continues: the same alarm is extended, not a new one.
    let again = store
        .apply_alarm_updates(&[AlarmUpdate::Raise(cand(220, vec![220]))], 2000)
        .unwrap();
    assert!(again.is_empty());
    let alarms = store.alarms(&AlarmFilter::default()).unwrap();
    assert_eq!(alarms.len(), 1);
    assert_eq!(
        (alarms[0].start, alarms[0].end, alarms[0].state),
        (160, 220, AlarmState::Raised)
    );

    let ev = store.alarm_evidence(id).unwrap();
    assert_eq!(ev.len(), 2);
    assert_eq!(ev[0].raw, b"##x1");
    assert_eq!(ev[1].prev_hash, ev[0].hash, "evidence frames are chained");
    let h = lantian_core::chain_hash(
        &ev[0].prev_hash.clone().try_into().unwrap(),
        ev[0].received_at_ms,
        &ev[0].raw,
    );
    assert_eq!(h.as_slice(), ev[0].hash.as_slice());

    store
        .apply_alarm_updates(
            &[AlarmUpdate::Recover {
                mn: "MN-A".to_owned(),
                kind: AlarmKind::Exceedance,
                factor: Some("a34041".to_owned()),
                at: 280,
            }],
            3000,
        )
        .unwrap();
    assert_eq!(
        store.alarms(&AlarmFilter::default()).unwrap()[0].recovered_at_ms,
        Some(280_000)
    );
    // After recovery a new episode is a new alarm.
    let third = store
        .apply_alarm_updates(&[AlarmUpdate::Raise(cand(400, vec![]))], 4000)
        .unwrap();
    assert_eq!(third.len(), 1);

    assert!(matches!(
        store.alarm_action(id, "张三", &AlarmAction::Close, &anyone, 5000),
        Err(StoreError::Transition(_))
    ));
    assert!(matches!(
        store.alarm_action(999_999, "张三", &AlarmAction::Acknowledge, &anyone, 5000),
        Err(StoreError::NotFound("alarm", 999_999))
    ));
    for action in [
        AlarmAction::Acknowledge,
        AlarmAction::Dispatch {
            to: "海门街道".to_owned(),
        },
        AlarmAction::Handle {
            note: "已清洗净化器".to_owned(),
            attachments: vec!["a.jpg".to_owned()],
        },
        AlarmAction::Close,
    ] {
        store
            .alarm_action(id, "张三", &action, &anyone, 6000)
            .unwrap();
    }
    let rec = store
        .alarms(&AlarmFilter {
            mn: Some("MN-A".to_owned()),
            ..AlarmFilter::default()
        })
        .unwrap();
    let closed = rec.iter().find(|r| r.id == id).unwrap();
    let one = store
        .alarms(&AlarmFilter {
            id: Some(id),
            ..AlarmFilter::default()
        })
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(&one[0], closed);
    assert_eq!(
        (closed.state, closed.assignee.as_str()),
        (AlarmState::Closed, "海门街道")
    );
    // The read scope, in the database: a town reads its devices' alarms and those dispatched
    // to it; a department those dispatched to it.
    let read = |town: Option<&str>, dept: Option<&str>| {
        let f = AlarmFilter {
            id: Some(id),
            reader_town: town.map(str::to_owned),
            reader_department: dept.map(str::to_owned),
            ..AlarmFilter::default()
        };
        (
            store.alarms(&f).unwrap().len(),
            store.alarms_found(&f).unwrap(),
        )
    };
    assert_eq!(read(Some("海门街道"), None), (1, 1));
    assert_eq!(read(Some("三厂街道"), None), (0, 0));
    assert_eq!(read(None, Some("生态环境局")), (0, 0));
    assert_eq!(read(None, Some("海门街道")), (1, 1), "dispatched to it");
    let open = store
        .alarms(&AlarmFilter {
            open_only: true,
            ..AlarmFilter::default()
        })
        .unwrap();
    assert_eq!(open.len(), 1);
    let events = store.alarm_events(id).unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "raise",
            "recover",
            "acknowledge",
            "dispatch",
            "handle",
            "close"
        ]
    );
    assert_eq!(events[4].attachments, vec!["a.jpg".to_owned()]);
    // Every person's action is in the audit log too, refused ones are not.
    let audit = store.audit_log(10).unwrap();
    let logged: Vec<(&str, &str)> = audit
        .iter()
        .rev()
        .map(|a| (a.entry.action.as_str(), a.entry.target.as_str()))
        .collect();
    let target = format!("alarm:{id}");
    assert_eq!(
        logged,
        [
            ("alarm.acknowledge", target.as_str()),
            ("alarm.dispatch", target.as_str()),
            ("alarm.handle", target.as_str()),
            ("alarm.close", target.as_str()),
        ]
    );
    assert!(audit[1].entry.detail.contains("已清洗净化器"));
});

contract!(users_sessions_and_audit, |store| {
    let audit = |at_ms: i64, target: &str| AuditEntry {
        at_ms,
        actor: "cli:root".to_owned(),
        action: "user.upsert".to_owned(),
        target: target.to_owned(),
        detail: "{}".to_owned(),
    };
    let mut user = NewUser {
        username: "wang".to_owned(),
        display_name: "王科长".to_owned(),
        password_hash: "$argon2id$x".to_owned(),
        role: "town".to_owned(),
        scope: Some("海门街道".to_owned()),
        active: true,
    };
    let id = store.upsert_user(&user, &audit(1, "user:wang")).unwrap();
    assert_eq!(store.user_by_name("nobody").unwrap(), None);
    let got = store.user_by_name("wang").unwrap().unwrap();
    assert_eq!((got.id, got.scope.as_deref()), (id, Some("海门街道")));

    store.create_session("aa", id, 1_000, 2_000).unwrap();
    assert_eq!(
        store.session_user("aa", 1_999).unwrap().map(|u| u.id),
        Some(id)
    );
    assert_eq!(store.session_user("aa", 2_000).unwrap(), None, "expired");
    assert_eq!(
        store.session_user("bb", 1_500).unwrap(),
        None,
        "unknown token"
    );
    // A new session clears expired ones.
    store.create_session("bb", id, 3_000, 9_000).unwrap();
    assert!(!store.delete_session("aa").unwrap());
    store.create_session("cc", id, 3_000, 9_000).unwrap();
    assert!(store.delete_session("cc").unwrap());
    assert_eq!(store.session_user("cc", 3_001).unwrap(), None, "logged out");

    // Updating by username keeps the id; deactivating ends the sessions.
    user.active = false;
    user.role = "viewer".to_owned();
    assert_eq!(
        store.upsert_user(&user, &audit(4, "user:wang")).unwrap(),
        id
    );
    assert_eq!(store.session_user("bb", 3_001).unwrap(), None);
    assert_eq!(store.users().unwrap().len(), 1);
    assert_eq!(store.users().unwrap()[0].role, "viewer");
    // Active again: a session survives a change of name, not a change of password.
    user.active = true;
    store.upsert_user(&user, &audit(4, "user:wang")).unwrap();
    store.create_session("dd", id, 3_000, 9_000).unwrap();
    user.display_name = "王处长".to_owned();
    store.upsert_user(&user, &audit(4, "user:wang")).unwrap();
    assert!(store.session_user("dd", 3_001).unwrap().is_some());
    user.password_hash = "$argon2id$y".to_owned();
    store.upsert_user(&user, &audit(4, "user:wang")).unwrap();
    assert_eq!(
        store.session_user("dd", 3_001).unwrap(),
        None,
        "new password"
    );

    let layer = lantian_store::MapLayer {
        name: "district".to_owned(),
        geojson: r#"{"type":"FeatureCollection","features":[]}"#.to_owned(),
        source_crs: "gcj02".to_owned(),
        source: "320684.json".to_owned(),
    };
    assert_eq!(store.map_layer("district").unwrap(), None);
    store
        .put_map_layer(&layer, &audit(5, "map:district"))
        .unwrap();
    store
        .put_map_layer(&layer, &audit(6, "map:district"))
        .unwrap();
    assert_eq!(store.map_layer("district").unwrap(), Some(layer));

    let log = store.audit_log(10).unwrap();
    assert_eq!(log.len(), 7);
    // The log is append-only, whoever asks: the database refuses changes.
    match store {
        Store::Sqlite(s) => {
            let conn = rusqlite::Connection::open(s.path()).unwrap();
            for sql in ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"] {
                let e = conn.execute(sql, []).unwrap_err();
                assert!(e.to_string().contains("append-only"), "{sql}: {e}");
            }
        }
        Store::Postgres(_) => {}
    }
    assert_eq!(log[0].entry.at_ms, 6, "newest first");
    assert!(log[0].id > log[1].id);
});

/// An edited, removed or truncated frame shows in the chain check (SQLite; the check itself is
/// shared by both engines).
#[test]
fn chain_check_finds_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let store = Store::open(path.to_str().unwrap()).unwrap();
    store
        .upsert_devices(&[device("MN-A"), device("MN-B")])
        .unwrap();
    let ids: Vec<i64> = store.devices().unwrap().iter().map(|d| d.id).collect();
    let batch: Vec<IngestFrame> = (0..6)
        .map(|i| {
            frame(
                ids[(i % 2) as usize],
                2011,
                Some(1000 + i),
                i,
                &format!("##f{i}"),
            )
        })
        .collect();
    store.ingest(&batch).unwrap();
    let ok = store.verify_frames(None).unwrap();
    assert!(
        ok.iter().all(|c| c.broken_at.is_none() && c.frames == 3),
        "{ok:?}"
    );

    let conn = rusqlite::Connection::open(&path).unwrap();
    // Edit the second frame of MN-A (its 3rd frame overall).
    conn.execute("UPDATE frames SET raw = x'2323' WHERE id = 3", [])
        .unwrap();
    let c = store.verify_frames(Some("MN-A")).unwrap();
    assert_eq!((c[0].frames, c[0].broken_at), (1, Some(2)));
    // Remove the last frame of MN-B: the chain ends before its recorded head.
    conn.execute("DELETE FROM frames WHERE id = 6", []).unwrap();
    let c = store.verify_frames(Some("MN-B")).unwrap();
    assert_eq!((c[0].frames, c[0].broken_at), (2, Some(3)));
}

contract!(plan_versions_reports_attachments_and_values, |store| {
    use lantian_plan::supervision::ReviewState;
    use lantian_store::{
        NewAttachment, NewIndicatorValue, NewTaskReport, PlanVersion, TaskReportFilter,
    };
    let audit = |action: &str| AuditEntry {
        at_ms: 1,
        actor: "office".into(),
        action: action.into(),
        target: String::new(),
        detail: "{}".into(),
    };
    let v = PlanVersion {
        id: 0,
        code: "haimen".into(),
        version: 1,
        sha256: "aa".into(),
        source: "[plan]".into(),
        loaded_at_ms: 5,
        loaded_by: "cli:root".into(),
    };
    let (id1, new) = store.put_plan_version(&v, &audit("plan.load")).unwrap();
    assert!(new);
    // The same text again: the same version, nothing new.
    assert_eq!(
        store.put_plan_version(&v, &audit("plan.load")).unwrap(),
        (id1, false)
    );
    let v2 = PlanVersion {
        sha256: "bb".into(),
        version: 2,
        ..v.clone()
    };
    let (id2, _) = store.put_plan_version(&v2, &audit("plan.load")).unwrap();
    let versions = store.plan_versions().unwrap();
    assert_eq!(
        versions.iter().map(|x| x.id).collect::<Vec<_>>(),
        [id2, id1]
    );

    // An attachment, by id, with its bytes.
    let att = store
        .put_attachment(
            &NewAttachment {
                sha256: "cc".into(),
                name: "现场照片.jpg".into(),
                mime: "image/jpeg".into(),
                data: vec![0xFF, 0xD8, 0xFF, 1, 2],
                uploaded_by: "dept".into(),
                scope: Some("交通运输局".into()),
                uploaded_at_ms: 6,
            },
            &audit("attachment.upload"),
        )
        .unwrap();
    let (meta, bytes) = store.attachment(att).unwrap().unwrap();
    assert_eq!(
        (meta.size, bytes.len(), meta.name.as_str()),
        (5, 5, "现场照片.jpg")
    );
    assert_eq!(store.attachments(&[999, att]).unwrap()[0].id, att);
    assert!(store.attachment(999).unwrap().is_none());

    // Submit → return → resubmit → accept; an accepted report is final.
    let report = NewTaskReport {
        plan_code: "haimen".into(),
        task: 13,
        party_kind: "department".into(),
        party: "交通运输局".into(),
        period: "2024Q3".into(),
        completed: false,
        body: "推进公转铁".into(),
        numbers: r#"{"rail":1}"#.into(),
        attachments: vec![att],
    };
    let r = store.submit_task_report(&report, "dept", 10).unwrap();
    assert_eq!(
        (r.state, r.first_submitted_at_ms),
        (ReviewState::Submitted, 10)
    );
    let r = store
        .review_task_report(r.id, false, "请补充数据", "office", 20)
        .unwrap();
    assert_eq!(
        (r.state, r.review_comment.as_str()),
        (ReviewState::Returned, "请补充数据")
    );
    // Returned cannot be reviewed again until resubmitted.
    assert!(matches!(
        store.review_task_report(r.id, true, "", "office", 21),
        Err(StoreError::Conflict(_))
    ));
    let again = NewTaskReport {
        body: "推进公转铁，补充货运量".into(),
        ..report.clone()
    };
    let r2 = store.submit_task_report(&again, "dept", 30).unwrap();
    assert_eq!(r2.id, r.id);
    assert_eq!(
        (r2.state, r2.first_submitted_at_ms, r2.updated_at_ms),
        (ReviewState::Submitted, 10, 30)
    );
    let r3 = store
        .review_task_report(r.id, true, "", "office", 40)
        .unwrap();
    assert_eq!(r3.state, ReviewState::Accepted);
    assert!(matches!(
        store.submit_task_report(&again, "dept", 50),
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.review_task_report(424_242, true, "", "office", 40),
        Err(StoreError::NotFound(..))
    ));
    let steps: Vec<(String, Option<String>, String)> = store
        .task_report_events(r.id)
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.from_state, e.to_state))
        .collect();
    assert_eq!(
        steps,
        [
            ("submit".into(), None, "submitted".into()),
            ("return".into(), Some("submitted".into()), "returned".into()),
            (
                "resubmit".into(),
                Some("returned".into()),
                "submitted".into()
            ),
            ("accept".into(), Some("submitted".into()), "accepted".into()),
        ]
    );
    // Every step is in the audit log with before and after.
    let log = store.audit_log(10).unwrap();
    let submit = log
        .iter()
        .find(|a| a.entry.action == "task_report.resubmit")
        .unwrap();
    assert_eq!(submit.entry.target, format!("task_report:{}", r.id));
    assert!(
        submit.entry.detail.contains("补充货运量") && submit.entry.detail.contains("\"before\"")
    );
    assert!(
        log.iter()
            .any(|a| a.entry.target == format!("attachment:{att}"))
    );

    // Filters.
    let other = NewTaskReport {
        task: 15,
        party: "公安局".into(),
        ..report.clone()
    };
    store.submit_task_report(&other, "police", 60).unwrap();
    let f = |task: Option<i64>, party: Option<&str>, state: Option<ReviewState>| {
        store
            .task_reports(&TaskReportFilter {
                plan_code: "haimen".into(),
                task,
                party: party.map(|p| ("department".to_owned(), p.to_owned())),
                period: Some("2024Q3".into()),
                state,
            })
            .unwrap()
            .len()
    };
    assert_eq!(f(None, None, None), 2);
    assert_eq!(f(Some(13), None, None), 1);
    assert_eq!(f(None, Some("公安局"), None), 1);
    assert_eq!(f(None, None, Some(ReviewState::Accepted)), 1);
    assert_eq!(f(Some(13), Some("公安局"), None), 0);

    // Indicator values: append-only, in order.
    for (as_of, value, id_at) in [
        ("2020-12-31", "1000", 70),
        ("2023-12-31", "950", 71),
        ("2023-12-31", "940", 72),
    ] {
        store
            .add_indicator_value(
                &NewIndicatorValue {
                    plan_code: "haimen".into(),
                    indicator: "nox_total".into(),
                    as_of: as_of.into(),
                    value: value.into(),
                    baseline: as_of.starts_with("2020"),
                    note: "清单".into(),
                    attachments: vec![att],
                    party: "生态环境局".into(),
                    reported_by: "env".into(),
                    reported_at_ms: id_at,
                },
                &audit("indicator.value"),
            )
            .unwrap();
    }
    let vals = store.indicator_values("haimen").unwrap();
    assert_eq!(
        vals.iter()
            .map(|v| v.value.value.as_str())
            .collect::<Vec<_>>(),
        ["1000", "950", "940"]
    );
    assert!(vals[0].value.baseline && !vals[1].value.baseline);
    assert_eq!(vals[2].value.attachments, [att]);
    assert!(store.indicator_values("other").unwrap().is_empty());
});

contract!(job_leases_move_when_they_run_out, |store| {
    use lantian_store::JobRun;
    // Free: the first node takes it; the second cannot while it is held.
    let a = store
        .try_lease("offline", "node-a", 60_000)
        .unwrap()
        .unwrap();
    assert_eq!((a.name.as_str(), a.holder.as_str()), ("offline", "node-a"));
    assert!(a.expires_at_ms >= a.acquired_at_ms + 60_000);
    assert!(
        store
            .try_lease("offline", "node-b", 60_000)
            .unwrap()
            .is_none()
    );
    // Renewal keeps the acquisition time and moves the expiry.
    std::thread::sleep(std::time::Duration::from_millis(5));
    let renewed = store
        .try_lease("offline", "node-a", 60_000)
        .unwrap()
        .unwrap();
    assert_eq!(renewed.acquired_at_ms, a.acquired_at_ms);
    assert!(renewed.expires_at_ms > a.expires_at_ms);
    // Another job is independent.
    assert!(
        store
            .try_lease("housekeeping", "node-b", 60_000)
            .unwrap()
            .is_some()
    );
    // A lease that ran out (node-a died) is taken by another node.
    store.try_lease("short", "node-a", 1).unwrap().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let taken = store.try_lease("short", "node-b", 60_000).unwrap().unwrap();
    assert_eq!(taken.holder, "node-b");
    assert!(
        store
            .try_lease("short", "node-a", 60_000)
            .unwrap()
            .is_none()
    );
    // Releasing hands it over at once; only the holder can release.
    assert!(!store.release_lease("offline", "node-b").unwrap());
    assert!(store.release_lease("offline", "node-a").unwrap());
    assert_eq!(
        store
            .try_lease("offline", "node-b", 60_000)
            .unwrap()
            .unwrap()
            .holder,
        "node-b"
    );
    let holders: Vec<(String, String)> = store
        .leases()
        .unwrap()
        .into_iter()
        .map(|l| (l.name, l.holder))
        .collect();
    assert_eq!(
        holders,
        [
            ("housekeeping".to_owned(), "node-b".to_owned()),
            ("offline".to_owned(), "node-b".to_owned()),
            ("short".to_owned(), "node-b".to_owned())
        ]
    );
    // Names are checked.
    assert!(matches!(
        store.try_lease("", "node-a", 1),
        Err(StoreError::Invalid(_))
    ));

    // Runs are logged, newest first, and pruned by age.
    for (i, node) in ["node-a", "node-b", "node-b"].iter().enumerate() {
        let at = 1_000 * (i as i64 + 1);
        store
            .record_job_run(&JobRun {
                name: "offline".to_owned(),
                node: (*node).to_owned(),
                started_at_ms: at,
                finished_at_ms: at + 5,
                ok: i != 1,
                detail: format!("run {i}"),
            })
            .unwrap();
    }
    let runs = store.job_runs(Some("offline"), 10).unwrap();
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[0].run.detail, "run 2");
    assert!(!runs[1].run.ok);
    assert!(store.job_runs(Some("other"), 10).unwrap().is_empty());
    assert_eq!(store.job_runs(None, 2).unwrap().len(), 2);
    assert_eq!(store.prune(2_500, 0).unwrap(), (2, 0));
    assert_eq!(store.job_runs(None, 10).unwrap().len(), 1);
});

contract!(
    offline_watch_reads_last_seen_and_open_offline_alarms,
    |store| {
        use lantian_core::{AlarmCandidate, AlarmKind};
        store
            .upsert_devices(&[device("MN-A"), device("MN-B")])
            .unwrap();
        let ids: Vec<i64> = store.devices().unwrap().iter().map(|d| d.id).collect();
        store
            .ingest(&[frame(ids[0], 2011, Some(100), 5_000, "##a")])
            .unwrap();
        let watch = store.offline_watch().unwrap();
        assert_eq!(watch.len(), 2);
        assert_eq!(
            (
                watch[0].device_id,
                watch[0].last_seen_ms,
                watch[0].offline_since
            ),
            (ids[0], Some(5_000), None)
        );
        assert_eq!(
            (watch[1].last_seen_ms, watch[1].offline_since),
            (None, None)
        );
        let offline = AlarmCandidate {
            mn: "MN-A".to_owned(),
            kind: AlarmKind::Offline,
            factor: None,
            start: 5,
            end: 500,
            value: None,
            limit: None,
            detail: "离线".to_owned(),
            evidence: Vec::new(),
            evidence_kind: None,
        };
        store
            .apply_alarm_updates(&[AlarmUpdate::Raise(offline.clone())], 500_000)
            .unwrap();
        assert_eq!(store.offline_watch().unwrap()[0].offline_since, Some(5));
        // Episodes a node takes over: unrecovered, offline ones excepted.
        assert!(store.unrecovered_alarms(None).unwrap().is_empty());
        let exceed = AlarmCandidate {
            kind: AlarmKind::Exceedance,
            factor: Some("a34041".to_owned()),
            ..offline.clone()
        };
        store
            .apply_alarm_updates(&[AlarmUpdate::Raise(exceed)], 500_000)
            .unwrap();
        assert_eq!(
            store.unrecovered_alarms(Some(ids[0])).unwrap(),
            [(ids[0], AlarmKind::Exceedance, Some("a34041".to_owned()))]
        );
        assert!(store.unrecovered_alarms(Some(ids[1])).unwrap().is_empty());
        assert_eq!(store.unrecovered_alarms(None).unwrap().len(), 1);
        store
            .apply_alarm_updates(
                &[AlarmUpdate::Recover {
                    mn: "MN-A".to_owned(),
                    kind: AlarmKind::Offline,
                    factor: None,
                    at: 600,
                }],
                600_000,
            )
            .unwrap();
        assert_eq!(store.offline_watch().unwrap()[0].offline_since, None);
    }
);

contract!(
    warnings_follow_their_workflow_with_history_and_audit,
    |store| {
        use lantian_emergency::{Level, WarningAction, WarningStatus};
        use lantian_store::{NewWarning, ReductionListRecord};
        let w = NewWarning {
            area: "haimen".into(),
            grading: "2024".into(),
            proposed_level: None,
            advisory: true,
            may_lift: false,
            forecast: r#"{"start":"2019-01-17T00:00:00"}"#.into(),
            proposal: r#"{"level":null}"#.into(),
        };
        let rec = store.open_warning(&w, "office", 1_000).unwrap();
        assert_eq!((rec.status, rec.level), (WarningStatus::Assessing, None));
        // Issuing yellow although the forecast proposes none needs a reason: refused, nothing
        // changes.
        let bare = WarningAction::Issue {
            level: Level::Yellow,
            reason: String::new(),
        };
        assert!(matches!(
            store.warning_step(rec.id, &bare, 2_000, "office", 2_000),
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(
            store.warning(rec.id).unwrap().status,
            WarningStatus::Assessing
        );
        let issue = WarningAction::Issue {
            level: Level::Yellow,
            reason: "接到长三角区域重污染天气预警".into(),
        };
        let rec = store
            .warning_step(rec.id, &issue, 2_000, "office", 2_000)
            .unwrap();
        assert_eq!(
            (rec.status, rec.level, rec.issued_at_ms),
            (WarningStatus::Issued, Some(Level::Yellow), Some(2_000))
        );
        // A new forecast, then raising to orange, then lifting when the forecast allows.
        let again = NewWarning {
            proposed_level: Some(Level::Orange),
            advisory: false,
            ..w.clone()
        };
        store
            .reassess_warning(rec.id, &again, "office", 3_000)
            .unwrap();
        let up = WarningAction::Adjust {
            level: Level::Orange,
            reason: "预测加重".into(),
        };
        store
            .warning_step(rec.id, &up, 4_000, "office", 4_000)
            .unwrap();
        let better = NewWarning {
            proposed_level: None,
            may_lift: true,
            ..w.clone()
        };
        store
            .reassess_warning(rec.id, &better, "office", 5_000)
            .unwrap();
        let lift = WarningAction::Lift {
            reason: String::new(),
        };
        let rec = store
            .warning_step(rec.id, &lift, 6_000, "office", 6_000)
            .unwrap();
        assert_eq!(
            (rec.status, rec.level, rec.lifted_at_ms),
            (WarningStatus::Lifted, Some(Level::Orange), Some(6_000))
        );
        // Nothing after lifting; a new forecast opens a new warning.
        assert!(matches!(
            store.warning_step(rec.id, &up, 7_000, "office", 7_000),
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            store.reassess_warning(rec.id, &w, "office", 7_000),
            Err(StoreError::Conflict(_))
        ));
        let steps: Vec<(String, String, Option<Level>)> = store
            .warning_events(rec.id)
            .unwrap()
            .into_iter()
            .map(|e| (e.action, e.to_status, e.to_level))
            .collect();
        assert_eq!(
            steps,
            [
                ("assess".to_owned(), "assessing".to_owned(), None),
                ("issue".into(), "issued".into(), Some(Level::Yellow)),
                ("reassess".into(), "issued".into(), Some(Level::Yellow)),
                ("adjust".into(), "issued".into(), Some(Level::Orange)),
                ("reassess".into(), "issued".into(), Some(Level::Orange)),
                ("lift".into(), "lifted".into(), Some(Level::Orange)),
            ]
        );
        let audit: Vec<String> = store
            .audit_log(100)
            .unwrap()
            .into_iter()
            .filter(|a| a.entry.target == format!("warning:{}", rec.id))
            .map(|a| a.entry.action)
            .collect();
        assert_eq!(audit.len(), 6);
        assert!(audit.contains(&"warning.issue".to_owned()));
        assert_eq!(store.warnings(Some("haimen"), 10).unwrap().len(), 1);
        assert!(store.warnings(Some("nantong"), 10).unwrap().is_empty());
        assert!(matches!(store.warning(999), Err(StoreError::NotFound(..))));

        // Lists: each distinct body once, newest first.
        let list = |sha: &str| ReductionListRecord {
            id: 0,
            sha256: sha.into(),
            name: "清单.xlsx".into(),
            body: r#"{"enterprises":[]}"#.into(),
            enterprises: 0,
            loaded_at_ms: 8_000,
            loaded_by: "office".into(),
        };
        let entry = AuditEntry {
            at_ms: 8_000,
            actor: "office".into(),
            action: "reduction_list.load".into(),
            target: String::new(),
            detail: "{}".into(),
        };
        let (a, new) = store.put_reduction_list(&list("aa"), &entry).unwrap();
        assert!(new);
        assert_eq!(
            store.put_reduction_list(&list("aa"), &entry).unwrap(),
            (a, false)
        );
        let (b, _) = store.put_reduction_list(&list("bb"), &entry).unwrap();
        let all = store.reduction_lists(false).unwrap();
        assert_eq!(all.iter().map(|l| l.id).collect::<Vec<_>>(), [b, a]);
        assert!(all[0].body.is_empty());
        assert_eq!(
            store.reduction_lists(true).unwrap()[0].body,
            r#"{"enterprises":[]}"#
        );
    }
);

fn fire_det(key: &str, lon: f64, at_ms: i64, source: &str) -> lantian_store::NewFireDetection {
    lantian_store::NewFireDetection {
        key: key.to_owned(),
        lon,
        lat: 31.9,
        at_ms,
        source: source.to_owned(),
        satellite: "N".to_owned(),
        confidence: "n".to_owned(),
        frp: Some(3.5),
        daynight: "D".to_owned(),
        file: "fires.csv".to_owned(),
        line: 2,
    }
}

contract!(
    fire_incidents_are_stored_once_and_follow_their_work_order,
    |store| {
        use lantian_fire::orders::{Finding, OrderAction, OrderState, Verification};
        use lantian_store::{FireBatchItem, FireFilter, FirePlace, FireStep, FireTarget};

        let import = store.begin_import("fire", "test").unwrap();
        let audit = AuditEntry {
            at_ms: 5_000,
            actor: "office".into(),
            action: "fire.import".into(),
            target: "import".into(),
            detail: "{}".into(),
        };
        let inside = FirePlace {
            region: Some("320614".into()),
            town_code: Some("t1".into()),
            town: Some("海门街道".into()),
            ..FirePlace::default()
        };
        let near = FirePlace {
            near_region: Some("320614".into()),
            near_km: Some(2.5),
            ..FirePlace::default()
        };
        let batch = [
            FireBatchItem {
                target: FireTarget::New {
                    place: inside.clone(),
                    dispatch_to: Some("海门街道".into()),
                },
                detections: vec![
                    fire_det("a", 121.10, 1_000, "VIIRS"),
                    fire_det("b", 121.11, 3_000, "MODIS"),
                ],
            },
            FireBatchItem {
                target: FireTarget::New {
                    place: near,
                    dispatch_to: None,
                },
                detections: vec![fire_det("c", 121.5, 2_000, "VIIRS")],
            },
        ];
        let out = store
            .put_fire_batch(import, &batch, "office", 5_000, &audit)
            .unwrap();
        assert_eq!((out.stored, out.duplicates), (3, 0));
        assert_eq!(out.created.len(), 2);
        assert_eq!(out.dispatched, [out.created[0]]);
        let id = out.created[0];
        let rec = store.fire_incident(id).unwrap();
        assert_eq!(
            (rec.first_at_ms, rec.last_at_ms, rec.detections),
            (1_000, 3_000, 2)
        );
        assert!((rec.lon - 121.105).abs() < 1e-9);
        assert_eq!(rec.sources, ["MODIS", "VIIRS"]);
        assert_eq!(rec.state, Some(OrderState::Dispatched));
        assert_eq!(rec.assignee.as_deref(), Some("海门街道"));
        assert_eq!(rec.dispatched_at_ms, Some(5_000));
        let watch = store.fire_incident(out.created[1]).unwrap();
        assert!(watch.near_border());
        assert_eq!((watch.state, watch.state_zh()), (None, "边界外临近"));

        // A second file: one duplicate, one new detection of the first incident, and a new
        // incident made only of a duplicate is not created.
        let again = [
            FireBatchItem {
                target: FireTarget::Existing(id),
                detections: vec![
                    fire_det("b", 121.11, 3_000, "MODIS"),
                    fire_det("d", 121.12, 4_000, "视频塔"),
                ],
            },
            FireBatchItem {
                target: FireTarget::New {
                    place: inside.clone(),
                    dispatch_to: Some("海门街道".into()),
                },
                detections: vec![fire_det("c", 121.5, 2_000, "VIIRS")],
            },
        ];
        let out2 = store
            .put_fire_batch(import, &again, "office", 6_000, &audit)
            .unwrap();
        assert_eq!((out2.stored, out2.duplicates), (1, 2));
        assert_eq!(out2.extended, [id]);
        assert!(out2.created.is_empty() && out2.dispatched.is_empty());
        let rec = store.fire_incident(id).unwrap();
        assert_eq!((rec.last_at_ms, rec.detections), (4_000, 3));
        assert_eq!(rec.sources, ["MODIS", "VIIRS", "视频塔"]);
        assert_eq!(store.fire_detections_of(id).unwrap().len(), 3);
        assert_eq!(
            store.fire_detections_between(2_000, 3_000).unwrap().len(),
            2
        );
        assert_eq!(
            store
                .fire_incidents(&FireFilter {
                    near_border: Some(false),
                    ..FireFilter::default()
                })
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            store
                .fire_incidents(&FireFilter {
                    town: Some("三厂街道".into()),
                    ..FireFilter::default()
                })
                .unwrap()
                .len(),
            0
        );

        // The work order: a refused check leaves it as it was; verify, return, verify, close.
        let ok = |_: &lantian_store::FireIncidentRecord| Ok(());
        let deny = |_: &lantian_store::FireIncidentRecord| Err(StoreError::Denied("no".into()));
        let real = FireStep::Order(OrderAction::Verify(Verification {
            finding: Finding::RealFire,
            burned_mu: Some(1.5),
            action: "已扑灭".into(),
            photos: vec![4],
        }));
        assert!(matches!(
            store.fire_step(id, &real, &deny, "town", 65_000),
            Err(StoreError::Denied(_))
        ));
        assert_eq!(
            store.fire_incident(id).unwrap().state,
            Some(OrderState::Dispatched)
        );
        assert!(matches!(
            store.fire_step(
                id,
                &FireStep::Order(OrderAction::Close),
                &ok,
                "office",
                65_000
            ),
            Err(StoreError::Conflict(_))
        ));
        let v = store
            .fire_step(id, &real, &ok, "town", 5_000 + 45 * 60_000)
            .unwrap();
        assert_eq!(v.state, Some(OrderState::Verified));
        assert_eq!(v.response_min(None), Some(45));
        assert_eq!(v.verification.as_ref().unwrap().photos, [4]);
        let back = FireStep::Order(OrderAction::Return("照片不清".into()));
        store
            .fire_step(id, &back, &ok, "office", 3_000_000)
            .unwrap();
        let v2 = store.fire_step(id, &real, &ok, "town", 4_000_000).unwrap();
        // The response time keeps the first verification.
        assert_eq!(v2.first_verified_at_ms, Some(5_000 + 45 * 60_000));
        assert_eq!(v2.verified_at_ms, Some(4_000_000));
        let closed = store
            .fire_step(
                id,
                &FireStep::Order(OrderAction::Close),
                &ok,
                "office",
                5_000_000,
            )
            .unwrap();
        assert_eq!(closed.state, Some(OrderState::Closed));
        assert_eq!(closed.closed_at_ms, Some(5_000_000));
        let actions: Vec<String> = store
            .fire_order_events(id)
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions,
            ["create", "dispatch", "verify", "return", "verify", "close"]
        );
        // Near-border incidents are not dispatched until the office decides; then they are.
        let w = watch.id;
        assert!(matches!(
            store.fire_step(w, &real, &ok, "town", 1),
            Err(StoreError::Conflict(_))
        ));
        let d = store
            .fire_step(
                w,
                &FireStep::Dispatch("三厂街道".into()),
                &ok,
                "office",
                7_000,
            )
            .unwrap();
        assert_eq!(d.assignee.as_deref(), Some("三厂街道"));
        assert!(matches!(
            store.fire_step(
                w,
                &FireStep::Dispatch("三厂街道".into()),
                &ok,
                "office",
                7_000
            ),
            Err(StoreError::Conflict(_))
        ));
        let audit: Vec<String> = store
            .audit_log(100)
            .unwrap()
            .into_iter()
            .map(|a| a.entry.action)
            .filter(|a| a.starts_with("fire."))
            .collect();
        // Two imports, four steps of the first order and one dispatch; refused steps leave none.
        assert_eq!(audit.len(), 2 + 4 + 1);
    }
);

contract!(inventory_years_are_kept_version_by_version, |store| {
    use lantian_store::NewInventoryVersion;
    let v = |year: i32, sha: &str| NewInventoryVersion {
        year,
        sha256: sha.into(),
        name: "2020.csv".into(),
        note: "导入".into(),
        body: format!("{{\"year\":{year}}}"),
        totals: "{\"NOx\":\"6722.22\"}".into(),
        example: true,
        loaded_at_ms: 1_000,
        loaded_by: "office".into(),
    };
    let audit = AuditEntry {
        at_ms: 1_000,
        actor: "office".into(),
        action: "inventory.import".into(),
        target: String::new(),
        detail: "{}".into(),
    };
    let (a, new) = store.put_inventory_version(&v(2020, "aa"), &audit).unwrap();
    assert!(new);
    // The same body again is the same version; another body is a new one, the first kept.
    assert_eq!(
        store.put_inventory_version(&v(2020, "aa"), &audit).unwrap(),
        (a, false)
    );
    let (b, new) = store.put_inventory_version(&v(2020, "bb"), &audit).unwrap();
    assert!(new && b > a);
    // Going back to the first body is a third version (the ledger keeps the order).
    let (c, _) = store.put_inventory_version(&v(2020, "aa"), &audit).unwrap();
    assert!(c > b);
    store.put_inventory_version(&v(2024, "cc"), &audit).unwrap();
    let all = store.inventory_versions(None, false).unwrap();
    assert_eq!(
        all.iter()
            .map(|r| (r.version.year, r.id))
            .collect::<Vec<_>>(),
        [(2024, c + 1), (2020, c), (2020, b), (2020, a)]
    );
    assert!(all.iter().all(|r| r.version.body.is_empty()));
    let y2020 = store.inventory_versions(Some(2020), true).unwrap();
    assert_eq!(y2020.len(), 3);
    assert_eq!(y2020[0].version.body, "{\"year\":2020}");
    assert!(y2020[0].version.example);
    assert_eq!(store.inventory_version(b).unwrap().version.sha256, "bb");
    assert!(matches!(
        store.inventory_version(999),
        Err(StoreError::NotFound(..))
    ));
    let audited = store
        .audit_log(10)
        .unwrap()
        .into_iter()
        .filter(|r| r.entry.action == "inventory.import")
        .count();
    assert_eq!(audited, 4);
});

contract!(assessment_rules_and_results_are_kept, |store| {
    use lantian_store::{NewAssessmentResult, NewAssessmentRules};
    let rules = |version: u32, sha: &str| NewAssessmentRules {
        code: "towns".into(),
        version,
        sha256: sha.into(),
        body: format!("# v{version}"),
        period: "month".into(),
        valid_from: "2026-01-01".into(),
        valid_to: (version == 1).then(|| "2026-06-30".into()),
        example: true,
        loaded_at_ms: 1_000,
        loaded_by: "office".into(),
    };
    let audit = AuditEntry {
        at_ms: 1_000,
        actor: "office".into(),
        action: "assessment.rules.load".into(),
        target: String::new(),
        detail: String::new(),
    };
    let (one, new) = store.put_assessment_rules(&rules(1, "aa"), &audit).unwrap();
    assert!(new);
    // The same version and text again is a no-op; the same version with another text is refused.
    assert_eq!(
        store.put_assessment_rules(&rules(1, "aa"), &audit).unwrap(),
        (one, false)
    );
    assert!(matches!(
        store.put_assessment_rules(&rules(1, "bb"), &audit),
        Err(StoreError::Conflict(_))
    ));
    let (two, _) = store.put_assessment_rules(&rules(2, "bb"), &audit).unwrap();
    let all = store.assessment_rules().unwrap();
    assert_eq!(all.iter().map(|r| r.id).collect::<Vec<_>>(), [two, one]);
    assert_eq!(all[1].rules, rules(1, "aa"));
    assert_eq!(all[0].rules.valid_to, None);
    let result = |period: &str| NewAssessmentResult {
        rules_id: one,
        period: period.into(),
        figures: "{\"f\":1}".into(),
        result: "{\"r\":1}".into(),
        computed_at_ms: 2_000,
        computed_by: "office".into(),
    };
    let a = store
        .put_assessment_result(&result("2026-03"), &audit)
        .unwrap();
    let b = store
        .put_assessment_result(&result("2026-03"), &audit)
        .unwrap();
    let c = store
        .put_assessment_result(&result("2026-04"), &audit)
        .unwrap();
    assert_eq!(
        store
            .assessment_results(Some("2026-03"))
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect::<Vec<_>>(),
        [b, a]
    );
    assert_eq!(store.assessment_results(None).unwrap().len(), 3);
    assert_eq!(
        store.assessment_result(c).unwrap().result,
        result("2026-04")
    );
    assert!(matches!(
        store.assessment_result(999),
        Err(StoreError::NotFound(..))
    ));
    let audited = store
        .audit_log(20)
        .unwrap()
        .iter()
        .filter(|r| r.entry.target.starts_with("assessment_"))
        .count();
    assert_eq!(audited, 5);
});

contract!(
    cases_and_credit_records_are_appended_after_their_checks,
    |store| {
        use lantian_enforcement::case::{CaseEvent, Decision, Step};
        use lantian_enforcement::credit::{
            CreditEvent, CreditRecord, CreditRules, Dated, Violation,
        };
        use lantian_enforcement::{Origin, Party, PartyKind};
        use lantian_store::{CaseFilter, NewCase, NewCredit};
        let day = |m: i8, d: i8| date(2026, m, d);
        let ev = |on, step| CaseEvent {
            on,
            step,
            actor: "office".into(),
        };
        let audit = AuditEntry {
            at_ms: 1_000,
            actor: "office".into(),
            action: "case".into(),
            target: String::new(),
            detail: String::new(),
        };
        let party = Party {
            kind: PartyKind::Enterprise,
            name: "某化工有限公司".into(),
            credit_code: Some("91320684XXXXXXXXXX".into()),
        };
        let new = NewCase {
            origin: Origin::Alarm { id: 3 },
            party: party.clone(),
            department: "生态环境局".into(),
            town: "海门街道".into(),
            source: Some("MN-A".into()),
            detected_on: Some(day(3, 1)),
            title: "VOCs超标排放".into(),
            registered: ev(day(3, 2), Step::Register),
        };
        // A case opens only with its registration.
        let mut wrong = new.clone();
        wrong.registered = ev(day(3, 2), Step::File);
        assert!(matches!(
            store.open_case(&wrong, 1_000, &audit),
            Err(StoreError::Conflict(_))
        ));
        let id = store.open_case(&new, 1_000, &audit).unwrap();
        let ok = |_: &lantian_store::CaseRecord| Ok(());
        // Out of order: refused with the reason, nothing written.
        let e = store
            .case_step(id, &ev(day(3, 3), Step::Close), &ok, 2_000, &audit)
            .unwrap_err();
        assert!(e.to_string().contains("不能结案"), "{e}");
        // The caller's check sees the case read in the transaction.
        let deny = |c: &lantian_store::CaseRecord| {
            Err(StoreError::Denied(format!("not {}", c.case.department)))
        };
        assert!(matches!(
            store.case_step(id, &ev(day(3, 3), Step::File), &deny, 2_000, &audit),
            Err(StoreError::Denied(_))
        ));
        // A credit record needs a decision.
        let record = CreditRecord {
            party: party.clone(),
            violation: Violation::DataFraud,
            case_id: id,
            decision_ref: "海环罚〔2026〕3号".into(),
            summary: "篡改监测数据".into(),
            events: Vec::new(),
        };
        assert!(matches!(
            store.add_credit(
                &NewCredit {
                    record: record.clone()
                },
                3_000,
                "office",
                &audit
            ),
            Err(StoreError::Conflict(_))
        ));
        for (on, step) in [
            (day(3, 5), Step::File),
            (day(3, 20), Step::Investigate),
            (
                day(3, 25),
                Step::Decide(Decision::Penalty {
                    amount: rust_decimal::Decimal::from(100_000),
                    order_to_correct: true,
                }),
            ),
        ] {
            store
                .case_step(id, &ev(on, step), &ok, 2_000, &audit)
                .unwrap();
        }
        let c = store.enforcement_case(id).unwrap();
        assert_eq!(c.events.len(), 4);
        assert_eq!(c.state(), Some(lantian_enforcement::CaseState::Decided));
        assert_eq!(c.case, new);
        // Another party's record is refused; the case's party's is kept.
        let mut stranger = record.clone();
        stranger.party.credit_code = Some("other".into());
        assert!(
            store
                .add_credit(&NewCredit { record: stranger }, 3_000, "office", &audit)
                .is_err()
        );
        let rid = store
            .add_credit(
                &NewCredit {
                    record: record.clone(),
                },
                3_000,
                "office",
                &audit,
            )
            .unwrap();
        let rules = CreditRules::default();
        let dated = |on, event| Dated {
            on,
            event,
            actor: "office".into(),
        };
        store
            .credit_step(
                rid,
                &dated(day(4, 1), CreditEvent::Publish),
                &rules,
                4_000,
                &audit,
            )
            .unwrap();
        let e = store
            .credit_step(
                rid,
                &dated(
                    day(4, 2),
                    CreditEvent::RepairApplied {
                        note: "整改".into(),
                    },
                ),
                &rules,
                4_000,
                &audit,
            )
            .unwrap_err();
        assert!(e.to_string().contains("个月后方可申请信用修复"), "{e}");
        let rows = store.credit_records(Some(&party.key())).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].record.events.len(), 1);
        assert_eq!(rows[0].record.decision_ref, "海环罚〔2026〕3号");
        assert!(store.credit_records(Some("nobody")).unwrap().is_empty());
        let listed = store
            .enforcement_cases(&CaseFilter {
                town: Some("海门街道".into()),
                ..CaseFilter::default()
            })
            .unwrap();
        assert_eq!(listed.iter().map(|c| c.id).collect::<Vec<_>>(), [id]);
        assert!(
            store
                .enforcement_cases(&CaseFilter {
                    department: Some("交通运输局".into()),
                    ..CaseFilter::default()
                })
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            store.enforcement_case(999),
            Err(StoreError::NotFound(..))
        ));
    }
);

/// Measures folding refused frames (run by hand: `cargo test -p lantian-store --test it
/// measure_reject_folding -- --ignored --nocapture`): a flood of 1,000,000 refusals with
/// 256-byte excerpts from 1,000 addresses over 10 days, then the retention job's fold.
#[test]
#[ignore = "a measurement, not a check"]
fn measure_reject_folding() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let run = |store: &Store, engine: &str, size: &dyn Fn() -> u64| {
        let t0 = 1_704_038_400_000_i64;
        let base = size();
        for chunk in 0..100 {
            let rows: Vec<Reject> = (0..10_000)
                .map(|i| {
                    let n = chunk * 10_000 + i;
                    Reject {
                        received_at_ms: t0 + n * 864,
                        peer: format!("10.0.{}.{}:{}", n % 1000 / 250, n % 250, 1024 + n % 60_000),
                        mn: None,
                        reason: "wrong_password".to_owned(),
                        excerpt: vec![b'#'; 256],
                    }
                })
                .collect();
            store.record_rejects(&rows).unwrap();
        }
        let full = size();
        let started = std::time::Instant::now();
        let done = store
            .prune_rejects(t0 + 11 * 86_400_000, 1_000_000, 0)
            .unwrap();
        let took = started.elapsed();
        let days = store.reject_days(100_000).unwrap().len();
        eprintln!(
            "{engine}: 1,000,000 refusals took {} bytes ({} per row); folded {} rows in {took:?} \
             ({:.0} rows/s) into {days} day counts; {} bytes after",
            full - base,
            (full - base) / 1_000_000,
            done.folded,
            done.folded as f64 / took.as_secs_f64(),
            size()
        );
    };
    let store = Store::open(path.to_str().unwrap()).unwrap();
    let file = || {
        std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
            + std::fs::metadata(dir.path().join("m.db-wal"))
                .map(|m| m.len())
                .unwrap_or(0)
    };
    run(&store, "SQLite", &file);
    if let Some(pg) = PgSchema::new("measure_reject_folding") {
        let size = || {
            let mut c = postgres::Client::connect(&pg.url, postgres::NoTls).unwrap();
            let q = format!(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = '{}' AND c.relkind = 'r'",
                pg.schema
            );
            c.query_one(&q, &[]).unwrap().get::<_, i64>(0) as u64
        };
        run(&pg.store, "PostgreSQL", &size);
    }
}
