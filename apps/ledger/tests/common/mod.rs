//! What the ledger's tests share: an isolated ledger on the real services (its own schema,
//! queues and Redis keys, removed at the end), `ledger` processes with their logs, and
//! waiting with a deadline.

#![allow(dead_code, unreachable_pub)]

pub mod proxy;

use std::future::Future;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jobq_conformance::services::{Service, reachable};
use lapin::options::{BasicAckOptions, BasicGetOptions};
use ledger::publisher::Publisher;
use ledger::{Settings, amqp};

/// The seed's four rows after its example message.
pub const SEED_ROWS_AFTER_EXAMPLE: [(i64, i32, &str); 4] =
    [(1, 1, "100"), (2, 1, "200"), (3, 2, "-200"), (4, 1, "600")];

/// A ledger of its own on the real services.
pub struct Env {
    pub settings: Settings,
    pub jobq_schema: String,
    pub dir: tempfile::TempDir,
}

impl Env {
    /// A ledger named after `tag`, or `None` (with a loud SKIPPED line) when a service is
    /// unreachable outside CI.
    pub fn new(tag: &str) -> Option<Self> {
        let amqp = reachable(Service::RabbitMq)?;
        let postgres = reachable(Service::Postgres)?;
        let redis = reachable(Service::Redis)?;
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let unique = format!("{tag}_{}_{nanos}", std::process::id());
        let schema = format!("lt_{unique}");
        let settings = Settings::new(
            &amqp,
            &postgres,
            &redis,
            None,
            &schema,
            &format!("incoming_transactions_{unique}"),
            &format!("{unique}:"),
        )
        .unwrap();
        Some(Self {
            jobq_schema: format!("{schema}_jobq"),
            settings,
            dir: tempfile::tempdir().unwrap(),
        })
    }

    /// The options that point `ledger` at this ledger (the services' URLs included).
    pub fn args(&self) -> Vec<String> {
        let s = &self.settings;
        [
            ("--amqp", &s.amqp_url),
            ("--postgres", &s.postgres_url),
            ("--redis", &s.redis_url),
            ("--url", &s.jobq_url),
            ("--schema", &s.schema),
            ("--queue", &s.queue),
            ("--redis-prefix", &s.redis_prefix),
        ]
        .into_iter()
        .flat_map(|(k, v)| [k.to_owned(), v.clone()])
        .collect()
    }

    /// `ledger ARGS…` for this ledger, with no LEDGER_ or JOBQ_ variable inherited.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ledger"));
        for var in [
            "LEDGER_AMQP_URL",
            "LEDGER_POSTGRES_URL",
            "LEDGER_REDIS_URL",
            "JOBQ_URL",
        ] {
            cmd.env_remove(var);
        }
        cmd.args(args).args(self.args());
        cmd
    }

    /// Runs `ledger ARGS…` to the end: (exit code, standard output, standard error).
    pub fn ledger(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.command(args).output().expect("ledger runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// `ledger setup`, which must succeed.
    pub fn setup(&self) -> String {
        let (code, out, err) = self.ledger(&["setup"]);
        assert_eq!(code, 0, "ledger setup: {out}{err}");
        out
    }

    /// Starts `ledger run --name NAME EXTRA…`, its standard error in a file.
    pub fn start(&self, name: &str, extra: &[&str]) -> Instance {
        self.start_with(name, extra, self.args())
    }

    /// Starts `ledger run` with other service options (through a proxy, say).
    pub fn start_with(&self, name: &str, extra: &[&str], services: Vec<String>) -> Instance {
        let log = self.dir.path().join(format!("{name}.log"));
        let file = std::fs::File::create(&log).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ledger"));
        for var in [
            "LEDGER_AMQP_URL",
            "LEDGER_POSTGRES_URL",
            "LEDGER_REDIS_URL",
            "JOBQ_URL",
        ] {
            cmd.env_remove(var);
        }
        let child = cmd
            .args(["run", "--name", name])
            .args(extra)
            .args(services)
            .env(
                "LEDGER_LOG",
                "info,ledger=debug,lapin=warn,tokio_postgres=warn",
            )
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("ledger run starts");
        Instance {
            name: name.to_owned(),
            child,
            log,
        }
    }

    /// A PostgreSQL connection.
    pub async fn pg(&self) -> tokio_postgres::Client {
        let (client, conn) =
            tokio_postgres::connect(&self.settings.postgres_url, tokio_postgres::NoTls)
                .await
                .expect("PostgreSQL");
        tokio::spawn(conn);
        client
    }

    /// Every row of `historical_transactions`, by id, amounts as text.
    pub async fn rows(&self) -> Vec<(i64, i32, String)> {
        let sql = format!(
            "SELECT id, provider_id, transaction_value::text FROM \"{}\".historical_transactions \
             ORDER BY id",
            self.settings.schema
        );
        self.pg()
            .await
            .query(&sql, &[])
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect()
    }

    /// How many transactions came from messages with an id, and how many distinct ids.
    pub async fn message_counts(&self) -> (i64, i64) {
        let sql = format!(
            "SELECT count(*), count(DISTINCT message_id) FROM \"{}\".ledger_messages \
             WHERE message_id IS NOT NULL",
            self.settings.schema
        );
        let row = self.pg().await.query_one(&sql, &[]).await.unwrap();
        (row.get(0), row.get(1))
    }

    /// A Redis connection.
    pub async fn redis(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.settings.redis_url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .expect("Redis")
    }

    /// The balance key of a provider, with this ledger's prefix.
    pub fn key(&self, id: i32, name: &str) -> String {
        self.settings.balance_key(id, name)
    }

    /// The values of the seed's two keys.
    pub async fn balances(
        &self,
        conn: &mut redis::aio::MultiplexedConnection,
    ) -> (Option<String>, Option<String>) {
        redis::cmd("MGET")
            .arg(self.key(1, "Visa"))
            .arg(self.key(2, "Mastercard"))
            .query_async(conn)
            .await
            .unwrap()
    }

    /// A publisher to this ledger's queue.
    pub async fn publisher(&self) -> Publisher {
        Publisher::connect(&self.settings).await.expect("RabbitMQ")
    }

    /// Takes every message in the dead-letter queue: (body, reason header).
    pub async fn dead_letters(&self) -> Vec<(String, String)> {
        let conn = amqp::connect(&self.settings.amqp_url, "ledger test")
            .await
            .unwrap();
        let channel = amqp::channel(&conn, false).await.unwrap();
        let queue = self.settings.dead_letter_queue();
        let mut letters = Vec::new();
        while let Some(msg) = channel
            .basic_get(queue.as_str().into(), BasicGetOptions::default())
            .await
            .unwrap()
        {
            let reason = amqp::header_text(&msg.delivery.properties, amqp::REASON_HEADER)
                .unwrap_or_default();
            letters.push((
                String::from_utf8_lossy(&msg.delivery.data).into_owned(),
                reason,
            ));
            msg.delivery
                .acker
                .ack(BasicAckOptions::default())
                .await
                .unwrap();
        }
        let _ = conn.close(200, "done".into()).await;
        letters
    }

    /// Removes the schemas, the queues and the keys, on a thread of its own (so that it
    /// also runs when a test panics inside its runtime).
    fn clean_up(&self) {
        let settings = self.settings.clone();
        let jobq_schema = self.jobq_schema.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                if let Ok((client, conn)) =
                    tokio_postgres::connect(&settings.postgres_url, tokio_postgres::NoTls).await
                {
                    tokio::spawn(conn);
                    let sql = format!(
                        "DROP SCHEMA IF EXISTS \"{}\" CASCADE; DROP SCHEMA IF EXISTS \"{jobq_schema}\" CASCADE",
                        settings.schema
                    );
                    let _ = client.batch_execute(&sql).await;
                }
                if let Ok(conn) = amqp::connect(&settings.amqp_url, "ledger test cleanup").await {
                    if let Ok(channel) = amqp::channel(&conn, false).await {
                        let _ = amqp::delete(&channel, &settings.queue).await;
                        let _ = amqp::delete(&channel, &settings.dead_letter_queue()).await;
                    }
                    let _ = conn.close(200, "done".into()).await;
                }
                if let Ok(client) = redis::Client::open(settings.redis_url.as_str())
                    && let Ok(mut conn) = client.get_multiplexed_async_connection().await
                {
                    let keys: Vec<String> = redis::cmd("KEYS")
                        .arg(format!("{}*", settings.redis_prefix))
                        .query_async(&mut conn)
                        .await
                        .unwrap_or_default();
                    if !keys.is_empty() {
                        let _: redis::RedisResult<()> =
                            redis::cmd("DEL").arg(keys).query_async(&mut conn).await;
                    }
                }
            });
        });
        let _ = thread.join();
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        self.clean_up();
    }
}

/// A `ledger run` process, SIGKILLed when dropped; its log is printed then when the test
/// failed, or when `LEDGER_TEST_LOGS` is set.
pub struct Instance {
    pub name: String,
    pub child: Child,
    pub log: PathBuf,
}

impl Instance {
    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Whether it says it is the active instance.
    pub fn is_active(&self) -> bool {
        self.log()
            .contains("active: this instance holds the ledger lock")
    }

    /// SIGKILL: no chance to acknowledge, commit or let the lock go.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits for it to exit; its exit code.
    pub fn stop(&mut self) -> Option<i32> {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        self.child.wait().ok().and_then(|s| s.code())
    }

    /// Waits for it to exit by itself; its exit code.
    pub async fn exited(&mut self, within: Duration) -> Option<i32> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(
                Instant::now() < deadline,
                "{} still runs:\n{}",
                self.name,
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Whether it is still running.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().ok().flatten().is_none()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() || std::env::var_os("LEDGER_TEST_LOGS").is_some() {
            eprintln!("---- log of {} ----\n{}", self.name, self.log());
        }
    }
}

/// Polls `check` every 10 ms until it gives a value, failing with `what` after `within`.
pub async fn eventually<T, F, Fut>(what: &str, within: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Now, as microseconds since the Unix epoch.
pub fn now_micros() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_micros(),
    )
    .unwrap()
}

/// How long after the last multiple of `period` (since the epoch) `at_micros` is.
pub fn after_boundary(at_micros: i64, period: Duration) -> Duration {
    let p = i64::try_from(period.as_micros()).unwrap();
    Duration::from_micros(u64::try_from(at_micros.rem_euclid(p)).unwrap())
}

/// Watches the seed's two keys every 2 ms until they are `want`; returns when that was
/// first seen (microseconds since the epoch).
pub async fn wait_for_balances(env: &Env, want: (&str, &str), within: Duration) -> i64 {
    let mut conn = env.redis().await;
    let deadline = Instant::now() + within;
    loop {
        let (visa, master) = env.balances(&mut conn).await;
        if visa.as_deref() == Some(want.0) && master.as_deref() == Some(want.1) {
            return now_micros();
        }
        assert!(
            Instant::now() < deadline,
            "Redis never held {want:?} within {within:?}: 1_Visa={visa:?}, 2_Mastercard={master:?}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}
