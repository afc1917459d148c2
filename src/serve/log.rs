//! The server's log, on stderr, one line per event: every connection, login failure, refused
//! statement, cancel and timeout, with the user and the client's address. Never a password,
//! verifier or query result; a refused statement is named by its first words only.

use std::net::SocketAddr;

fn line(event: &str, detail: std::fmt::Arguments) {
    let now = chrono::Local::now().format("%Y-%m-%d %H:%M:%S");
    eprintln!("{now} serve: {event}: {detail}");
}

pub fn listening(addr: SocketAddr, tls: bool, users: usize) {
    line(
        "listening",
        format_args!(
            "{addr}{}, {users} user{}",
            if tls {
                " with TLS"
            } else {
                " without TLS (loopback only)"
            },
            if users == 1 { "" } else { "s" }
        ),
    );
}

pub fn connected(user: &str, peer: SocketAddr, tls: bool) {
    line(
        "connection",
        format_args!(
            "user {user:?} from {peer}{}",
            if tls { " over TLS" } else { "" }
        ),
    );
}

pub fn disconnected(user: &str, peer: SocketAddr) {
    line("disconnection", format_args!("user {user:?} from {peer}"));
}

pub fn login_failed(user: &str, peer: SocketAddr, reason: &str) {
    line(
        "login failed",
        format_args!("user {user:?} from {peer}: {reason}"),
    );
}

pub fn too_many(peer: SocketAddr, max: usize) {
    line(
        "connection refused",
        format_args!("{peer}: already {max} connections (--max-connections)"),
    );
}

pub fn refused(user: &str, peer: SocketAddr, code: &str, message: &str) {
    line(
        "statement refused",
        format_args!("user {user:?} from {peer}: {code} {message}"),
    );
}

pub fn stopped(user: &str, peer: SocketAddr, message: &str) {
    line(
        "statement stopped",
        format_args!("user {user:?} from {peer}: {message}"),
    );
}

pub fn cancel_request(pid: i32, found: bool) {
    line(
        "cancel request",
        format_args!(
            "for connection {pid}{}",
            if found { "" } else { ": no such connection" }
        ),
    );
}

pub fn failed(peer: SocketAddr, error: &dyn std::fmt::Display) {
    line("connection error", format_args!("{peer}: {error}"));
}

pub fn users_file_kept(error: &str) {
    line(
        "users file not reloaded",
        format_args!("{error}; the users read before stay in force"),
    );
}
