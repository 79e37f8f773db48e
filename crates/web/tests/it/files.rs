//! Hostile files over the API (issue #22, finding 1): a 1.6 KB sparse workbook and a zip bomb
//! are refused with a 400 that names the file and the sheet, every upload that reads a table
//! refuses them the same way, and the server goes on answering.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use super::{Answer, Fixture, call, error_field, fixture, get, login};

async fn upload(f: &Fixture, token: &str, uri: &str, body: Vec<u8>) -> Answer {
    call(
        f,
        Request::post(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_workbooks_are_refused_with_the_sheet_named() {
    let f = fixture();
    let office = login(&f, "office").await;
    let sparse = lantian_testdata::hostile::sparse_xlsx();
    for uri in [
        "/api/v1/emergency/list/upload?name=sparse.xlsx",
        "/api/v1/inventory/import?name=sparse.xlsx",
    ] {
        let a = upload(&f, &office, uri, sparse.clone()).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{uri}");
        let e = error_field(&a);
        assert_eq!(e, "body", "{uri}");
        let text = String::from_utf8_lossy(&a.body).into_owned();
        assert!(
            text.contains("sparse.xlsx") && text.contains("台账") && text.contains("16384 列"),
            "{uri}: {text}"
        );
    }
    // A bomb within the upload's size: 300 MB of zeros inflate past the 256 MiB bound.
    let bomb = lantian_testdata::hostile::zip_bomb_xlsx(300 << 20);
    assert!(bomb.len() < 1 << 20, "{} bytes", bomb.len());
    let a = upload(
        &f,
        &office,
        "/api/v1/emergency/list/upload?name=bomb.xlsx",
        bomb,
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let text = String::from_utf8_lossy(&a.body).into_owned();
    assert!(text.contains("解压后超过"), "{text}");
    // Nothing was stored, and the server still answers.
    let list = get(&f, "/api/v1/emergency/list", Some(&office)).await;
    assert_eq!(list.status, StatusCode::NOT_FOUND, "no list was stored");
    assert_eq!(
        get(&f, "/api/v1/stations", Some(&office)).await.status,
        StatusCode::OK
    );
}
