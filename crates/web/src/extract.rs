//! Extractors whose rejections are [`ApiError`]s with a message naming what is wrong.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::ApiError;

/// Query parameters; a malformed one is a 400 naming it (`field`), an unknown one a 400 saying
/// which parameters there are.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded_parse(query));
        serde_path_to_error::deserialize(de)
            .map(Query)
            .map_err(|e| {
                let field = e.path().to_string();
                let message = e.into_inner().to_string();
                if field.is_empty() || field == "." {
                    ApiError::bad_request(format!("query: {message}"))
                } else {
                    ApiError::field(&field, format!("{field}: {message}"))
                }
            })
    }
}

/// The query string's pairs, percent-decoded (what `serde_urlencoded::from_str` reads).
fn form_urlencoded_parse(query: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(query.as_bytes())
}

/// A JSON body; a malformed one is a 400 (or 413, 415) saying where.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(e @ (JsonRejection::JsonDataError(_) | JsonRejection::JsonSyntaxError(_))) => {
                Err(ApiError::bad_request(e.body_text()))
            }
            Err(e) => Err(ApiError::with_status(e.status(), e.body_text())),
        }
    }
}
