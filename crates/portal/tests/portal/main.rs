//! The portal served by `ecert_portal::router` on a real TCP listener, driven over HTTP like a browser without
//! JavaScript would: cookies kept by hand (they are `Secure`, and this is plain http on 127.0.0.1), forms posted
//! urlencoded or multipart, redirects followed one by one.

mod auth;
mod cab;
mod harness;
mod operator;
mod receiver;
mod security;
