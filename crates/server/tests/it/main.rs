//! The receiver over real sockets.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod abuse;
mod alarms;
mod receiver;
