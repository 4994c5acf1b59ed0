//! Load benchmark of the push endpoint (issue 6 targets: at least 500 uploads/s and p99 under 50 ms for 200 KB
//! signed PDFs with full validation, on SQLite, on a 2-core machine).
//!
//! A real hub (SQLite in a temporary directory, the filesystem PDF cache, the demo registries and PKI) serves HTTP
//! on 127.0.0.1; `ECERT_BENCH_CONCURRENCY` clients (default 16) push `ECERT_BENCH_UPLOADS` distinct signed
//! documents (default 2,000) through multipart uploads. Clients and server share the machine, as they would
//! in a single-box deployment. Side by side in the same run, the bench also measures the validator alone on
//! the same files, so the ratio shows what the HTTP, storage and durability layers add to validation.
//!
//! Two rounds of uploads are measured on the same hub:
//! - the first on a hub just started;
//! - the second after every PDF of the first was deleted, as a Model A hub deletes each PDF once it was
//!   received: the state of a hub that has been running for a while.
//!
//! The deletions between the rounds go through the same `BlobStore::delete` as the hub's deletion jobs and
//! are timed too.
//!
//! Run: `cargo bench -p ecert-server --bench push_load`

use ecert_hub::{ExchangeServices, ExchangeSettings, Hub};
use ecert_pdf::samples::generate;
use ecert_pdf::sign::{SignOptions, sign_pdf};
use ecert_pki::testpki::{TestPki, TestSigner};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const ATTACHMENT_BYTES: usize = 190 * 1024;
const WARM_UP: usize = 50;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Incompressible filler so the signed file really is about 200 KB on the wire.
fn filler(seed: usize) -> Vec<u8> {
    let mut state = (seed as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..ATTACHMENT_BYTES)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

struct Upload {
    metadata: String,
    pdf: bytes::Bytes,
}

fn documents(pki: &TestPki, count: usize) -> Vec<Upload> {
    let today = time::OffsetDateTime::now_utc().date();
    let creds = &pki.signer(TestSigner::ValidRsa).credentials;
    (0..count)
        .map(|i| {
            let (mut sample, metadata) = ecert_hub::demo::demo_test_report(&format!("KZ-LOAD-{i:06}"), today);
            sample.attachment = Some(("measurements.bin".into(), filler(i)));
            let pdf = sign_pdf(&generate(&sample), &SignOptions::new(creds)).expect("sign");
            Upload { metadata: serde_json::to_string(&metadata).expect("metadata"), pdf: bytes::Bytes::from(pdf) }
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing and expects a quick smoke run.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let uploads = if smoke { 60 } else { env_usize("ECERT_BENCH_UPLOADS", 2_000) };
    let concurrency = if smoke { 4 } else { env_usize("ECERT_BENCH_CONCURRENCY", 16) };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = TestPki::generate().expect("test PKI");
    eprintln!("signing {} documents of about 200 KB ...", WARM_UP + 2 * uploads);
    let docs = Arc::new(documents(&pki, WARM_UP + 2 * uploads));
    let size = docs[0].pdf.len();

    // Side by side: the validator alone, single-threaded, over the same files.
    let trust = {
        let mut t = ecert_verify::trust::TrustContext::empty();
        t.add_anchor_der(pki.ca.certificate.der()).expect("anchor");
        t
    };
    let policy = ecert_verify::policy::ValidationPolicy::default();
    let sample = docs.len().min(200);
    let started = Instant::now();
    for d in docs.iter().take(sample) {
        let report = ecert_verify::validate_pdf(&d.pdf, &policy, &trust, None);
        assert_eq!(report.exit_code(), 0, "{report}");
    }
    let validate_each = started.elapsed() / sample as u32;

    let (base, cab_key, blobs) = runtime.block_on(async {
        let store = ecert_store::open(None, dir.path()).await.expect("store");
        let log_key = ecert_hub::load_or_create_log_key(dir.path(), "bench.ecert.local/log").expect("log key");
        let exchange = ExchangeServices::for_data_dir(dir.path(), ExchangeSettings::default()).expect("exchange");
        let blobs = exchange.blobs.clone();
        let hub = Hub::new(store, log_key, exchange);
        hub.prepare_log().await.expect("log");
        let demo = hub.seed_demo(Some(&pki)).await.expect("demo");
        let app = ecert_server::app(hub, &ecert_server::HttpLimits::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
                .await
                .expect("serve")
        });
        (base, demo.cab_key, blobs)
    });

    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build().expect("client");
    let push = {
        let (client, base, cab_key, docs) = (client.clone(), base.clone(), cab_key.clone(), docs.clone());
        move |i: usize| {
            let (client, base, cab_key, docs) = (client.clone(), base.clone(), cab_key.clone(), docs.clone());
            async move {
                let d = &docs[i];
                let form = reqwest::multipart::Form::new()
                    .part(
                        "metadata",
                        reqwest::multipart::Part::text(d.metadata.clone()).mime_str("application/json").unwrap(),
                    )
                    .part(
                        "pdf",
                        reqwest::multipart::Part::stream(d.pdf.clone())
                            .file_name("doc.pdf")
                            .mime_str("application/pdf")
                            .unwrap(),
                    );
                let started = Instant::now();
                let r = client
                    .post(format!("{base}/api/v1/documents"))
                    .bearer_auth(&cab_key)
                    .multipart(form)
                    .send()
                    .await
                    .expect("send");
                let status = r.status();
                let body = r.bytes().await.expect("body");
                assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
                started.elapsed()
            }
        }
    };
    runtime.block_on(async {
        for i in 0..WARM_UP {
            push(i).await;
        }
    });

    let run_round = |first: usize| {
        let next = Arc::new(AtomicUsize::new(first));
        let started = Instant::now();
        let mut latencies: Vec<Duration> = runtime.block_on(async {
            let tasks: Vec<_> = (0..concurrency)
                .map(|_| {
                    let (next, push) = (next.clone(), push.clone());
                    tokio::spawn(async move {
                        let mut mine = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::SeqCst);
                            if i >= first + uploads {
                                return mine;
                            }
                            mine.push(push(i).await);
                        }
                    })
                })
                .collect();
            let mut all = Vec::with_capacity(uploads);
            for t in tasks {
                all.extend(t.await.expect("client task"));
            }
            all
        });
        let wall = started.elapsed();
        latencies.sort();
        (uploads as f64 / wall.as_secs_f64(), wall, latencies)
    };
    let report = |label: &str, (throughput, wall, latencies): (f64, Duration, Vec<Duration>)| {
        println!("  {label}");
        println!("    throughput      {throughput:.0} uploads/s  (wall {:.2} s)", wall.as_secs_f64());
        println!(
            "    latency         p50 {:.1} ms   p90 {:.1} ms   p99 {:.1} ms   max {:.1} ms",
            ms(percentile(&latencies, 0.50)),
            ms(percentile(&latencies, 0.90)),
            ms(percentile(&latencies, 0.99)),
            ms(*latencies.last().expect("latencies"))
        );
        throughput
    };

    let first = run_round(WARM_UP);
    // What the deletion jobs do once the receivers have the PDFs: every cached PDF goes.
    let (deleted, deleting) = runtime.block_on(async {
        let keys = blobs.list_older_than(time::OffsetDateTime::now_utc() + time::Duration::hours(1), usize::MAX);
        let keys = keys.await.expect("list");
        let started = Instant::now();
        for key in &keys {
            assert!(blobs.delete(key).await.expect("delete"));
        }
        (keys.len(), started.elapsed())
    });
    let second = run_round(WARM_UP + uploads);

    println!("push_load: {uploads} uploads of {size} bytes, {concurrency} concurrent clients, SQLite, full validation");
    let first_throughput = report("first round, on a hub just started", first);
    let second_throughput = report("second round, after the first round's PDFs were deleted", second);
    println!(
        "  between the rounds, {deleted} PDFs deleted one after another: {:.2} ms each",
        ms(deleting) / deleted.max(1) as f64
    );
    let throughput = first_throughput.min(second_throughput);
    println!(
        "  validator alone {:.2} ms per file on one core = {:.0} files/s per core; push (slower round)/validate-only \
         ratio {:.2}",
        ms(validate_each),
        1.0 / validate_each.as_secs_f64(),
        throughput / (1.0 / validate_each.as_secs_f64())
    );
    drop(runtime);
}
