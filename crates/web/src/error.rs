//! API errors: a status, a stable code, a message that says what is wrong, and the field when
//! one is to blame. Nothing the user sends leads to a 500; store failures do, and are logged.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lantian_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code: `bad_request`, `unauthorized`, `forbidden`, `not_found`, `conflict`,
    /// `too_large`, `internal`.
    pub code: &'static str,
    /// Human-readable message.
    pub message: String,
    /// The query parameter or body field at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An error answered to the client.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    field: Option<String>,
}

impl ApiError {
    /// 400 naming the field.
    pub fn field(field: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "bad_request",
            message: format!("{field}: {}", message.into()),
            field: Some(field.to_owned()),
        }
    }

    /// 400 without a single field.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "bad_request",
            message: message.into(),
            field: None,
        }
    }

    /// 401.
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: "unauthorized",
            message: message.into(),
            field: None,
        }
    }

    /// 403.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::FORBIDDEN,
            code: "forbidden",
            message: message.into(),
            field: None,
        }
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            message: message.into(),
            field: None,
        }
    }

    /// 409.
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::CONFLICT,
            code: "conflict",
            message: message.into(),
            field: None,
        }
    }

    /// 500, logged; the client learns nothing of the internals.
    pub fn internal(error: impl std::fmt::Display) -> ApiError {
        tracing::error!(%error, "request failed");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            message: "internal error (logged)".to_owned(),
            field: None,
        }
    }

    /// With another status (for rejections of the request's shape).
    pub fn with_status(status: StatusCode, message: impl Into<String>) -> ApiError {
        let code = match status {
            StatusCode::PAYLOAD_TOO_LARGE => "too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
            s if s.is_server_error() => "internal",
            _ => "bad_request",
        };
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what, id) => ApiError::not_found(format!("no {what} {id}")),
            StoreError::Transition(t) => ApiError::conflict(t.to_string()),
            StoreError::Conflict(m) => ApiError::conflict(m),
            StoreError::Invalid(m) => ApiError::bad_request(m),
            StoreError::Denied(m) => ApiError::forbidden(m),
            e => ApiError::internal(e),
        }
    }
}

impl From<lantian_report::ReportError> for ApiError {
    fn from(e: lantian_report::ReportError) -> Self {
        use lantian_report::ReportError as R;
        match e {
            R::NotFound(m) => ApiError::not_found(m),
            R::Period => ApiError::bad_request("the period has no days"),
            R::Input(m) => ApiError::bad_request(m),
            R::Store(e) => e.into(),
            e => ApiError::internal(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
                field: self.field,
            },
        };
        (self.status, Json(body)).into_response()
    }
}
