//! `ecert admin bootstrap` and `ecert serve` as a user runs them: the printed key works against the running server,
//! configuration comes from file and environment, and failures are one readable line.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn ecert() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ecert"));
    c.env("ECERT_LOG", "off").env_remove("ECERT_LISTEN").env_remove("ECERT_DATA_DIR").env_remove("ECERT_DATABASE_URL");
    c
}

#[test]
fn bootstrap_then_serve_with_env_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let out = ecert()
        .args(["admin", "bootstrap", "--country", "KZ", "--country-name", "Kazakhstan", "--name", "Hub Operator"])
        .env("ECERT_DATA_DIR", &data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let key = stdout.lines().find_map(|l| l.split(": ").nth(1).filter(|k| k.starts_with("ecert_"))).unwrap().to_owned();

    // A second bootstrap with the same name is refused in one line and changes nothing.
    let again = ecert()
        .args([
            "admin",
            "bootstrap",
            "--country",
            "KZ",
            "--country-name",
            "Kazakhstan",
            "--name",
            "Hub Operator",
            "--data-dir",
        ])
        .arg(&data)
        .output()
        .unwrap();
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("already exists"), "{err}");

    let config = dir.path().join("hub.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:1\"\n[http]\nmax_json_body = 4096\n").unwrap();
    let mut server = ecert()
        .args(["serve", "--config"])
        .arg(&config)
        .env("ECERT_DATA_DIR", &data)
        .env("ECERT_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let listening = lines.next().unwrap().unwrap();
    let data_line = lines.next().unwrap().unwrap();
    let base = listening.split_whitespace().find(|w| w.starts_with("http://")).unwrap().to_owned();
    assert!(data_line.contains(data.file_name().unwrap().to_str().unwrap()), "{data_line}");

    let client = reqwest::blocking::Client::new();
    let me: serde_json::Value =
        client.get(format!("{base}/api/v1/me")).bearer_auth(&key).send().unwrap().json().unwrap();
    assert_eq!(me["roles"], serde_json::json!(["hub_operator"]));
    assert_eq!(me["status"], "active");
    // The file's body limit (4096 bytes) is in force.
    let big = format!("{{\"code\":\"KG\",\"name\":\"{}\"}}", "x".repeat(5000));
    let r = client
        .post(format!("{base}/api/v1/countries"))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .unwrap();
    assert_eq!(r.status(), 413);
    server.kill().unwrap();
    server.wait().unwrap();
}

#[test]
fn a_bad_configuration_is_one_readable_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("hub.toml");
    std::fs::write(&config, "lisen = \"127.0.0.1:0\"\n").unwrap();
    let out = ecert().args(["serve", "--config"]).arg(&config).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("unknown field") && err.contains("lisen"), "{err}");

    let out = ecert()
        .args(["serve", "--data-dir"])
        .arg(dir.path())
        .env("ECERT_DATABASE_URL", "mysql://x/y")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("unsupported database url"), "{err}");
}
