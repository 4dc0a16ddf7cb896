//! The raw PostgreSQL limit: the row writes jobq makes for a job (the job's row, and a
//! history row for each transition) done with plain SQL in the same transaction sizes, in a
//! scratch schema of the same database (dropped afterwards), committed the same way
//! (`synchronous_commit` as the server has it). Batches use set-based statements (arrays),
//! as a careful application would; one job per transaction uses one statement per row.

use std::time::Instant;

use jobq::Error;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Row, Statement};

use crate::cycle::{PAYLOAD, batches};
use crate::figures::Raw;
use crate::{Settings, rate};

const SCHEMA: &str = "
    CREATE TABLE {s}.jobs (
        seq bigserial PRIMARY KEY, id text NOT NULL UNIQUE, queue text NOT NULL,
        state text NOT NULL, priority integer NOT NULL, run_at timestamptz NOT NULL,
        attempts integer NOT NULL, max_attempts integer NOT NULL, lease_token text,
        lease_until timestamptz, worker text, last_error text, created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL, payload bytea NOT NULL);
    CREATE INDEX ON {s}.jobs (queue, priority DESC, run_at, seq) WHERE state = 'queued';
    CREATE TABLE {s}.events (job bigint NOT NULL, at timestamptz NOT NULL, kind text NOT NULL,
        state text NOT NULL, attempt integer NOT NULL);
    CREATE INDEX ON {s}.events (job);
";

/// Inserts `$1` jobs (ids `$2`…) with their `submitted` events.
const INSERT: &str = "
    WITH j AS (
        INSERT INTO {s}.jobs (id, queue, state, priority, run_at, attempts, max_attempts,
                              created_at, updated_at, payload)
        SELECT id, 'raw', 'queued', 0, now(), 0, 3, now(), now(), $2
        FROM unnest($1::text[]) AS id
        RETURNING seq)
    INSERT INTO {s}.events (job, at, kind, state, attempt)
    SELECT seq, now(), 'submitted', 'queued', 0 FROM j";

/// Claims up to `$1` ready jobs, with their `taken` events; returns their seqs.
const CLAIM: &str = "
    WITH c AS (
        SELECT seq FROM {s}.jobs WHERE state = 'queued' AND queue = 'raw' AND run_at <= now()
        ORDER BY priority DESC, run_at, seq LIMIT $1 FOR UPDATE SKIP LOCKED),
    u AS (
        UPDATE {s}.jobs AS j SET state = 'running', attempts = attempts + 1,
            lease_token = md5(random()::text), lease_until = now(), updated_at = now()
        FROM c WHERE j.seq = c.seq RETURNING j.seq),
    e AS (
        INSERT INTO {s}.events (job, at, kind, state, attempt)
        SELECT seq, now(), 'taken', 'running', 1 FROM u)
    SELECT seq FROM u";

/// Completes the jobs `$1`, with their `completed` events.
const COMPLETE: &str = "
    WITH u AS (
        UPDATE {s}.jobs SET state = 'done', lease_token = NULL, lease_until = NULL,
            updated_at = now()
        WHERE seq = ANY($1) RETURNING seq)
    INSERT INTO {s}.events (job, at, kind, state, attempt)
    SELECT seq, now(), 'completed', 'done', 1 FROM u";

/// Measures every raw limit once in a scratch schema of the database at `url`.
pub(crate) async fn postgres(url: &str, s: &Settings) -> jobq::Result<Raw> {
    let db = |e: tokio_postgres::Error| {
        Error::backend("measuring the raw PostgreSQL limit", e.to_string())
    };
    // jobq's own URL options (schema=…) mean nothing to the driver.
    let plain = url.split('?').next().unwrap_or(url);
    let (client, connection) = tokio_postgres::connect(plain, NoTls).await.map_err(db)?;
    tokio::spawn(connection);
    let schema = format!("jobq_bench_raw_{}", std::process::id());
    let sql = |text: &str| text.replace("{s}", &schema);
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};"
        ))
        .await
        .map_err(db)?;
    let measured = measure(&client, s, &sql).await;
    let dropped = client
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .map_err(db);
    let raw = measured.map_err(db)?;
    dropped?;
    Ok(raw)
}

/// The three prepared statements, and the next id.
struct Rw<'a> {
    client: &'a Client,
    insert: Statement,
    claim: Statement,
    complete: Statement,
    next: usize,
}

impl Rw<'_> {
    /// Runs `stmt` with `params` in a transaction of its own.
    async fn in_tx(
        &self,
        stmt: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, tokio_postgres::Error> {
        self.client.batch_execute("BEGIN").await?;
        let rows = self.client.query(stmt, params).await?;
        self.client.batch_execute("COMMIT").await?;
        Ok(rows)
    }

    /// Inserts `n` jobs in one transaction.
    async fn insert(&mut self, n: usize) -> Result<(), tokio_postgres::Error> {
        let ids: Vec<String> = (self.next..self.next + n)
            .map(|i| format!("raw-{i}"))
            .collect();
        self.next += n;
        self.in_tx(&self.insert, &[&ids, &PAYLOAD]).await.map(drop)
    }

    /// Inserts `n` jobs, claims them and completes them: three transactions.
    async fn cycle(&mut self, n: usize) -> Result<(), tokio_postgres::Error> {
        self.insert(n).await?;
        let limit = i64::try_from(n).unwrap_or(i64::MAX);
        let claimed = self.in_tx(&self.claim, &[&limit]).await?;
        let seqs: Vec<i64> = claimed.iter().map(|r| r.get(0)).collect();
        self.in_tx(&self.complete, &[&seqs]).await.map(drop)
    }
}

async fn measure(
    client: &Client,
    s: &Settings,
    sql: &impl Fn(&str) -> String,
) -> Result<Raw, tokio_postgres::Error> {
    client.batch_execute(&sql(SCHEMA)).await?;
    let mut rw = Rw {
        client,
        insert: client.prepare(&sql(INSERT)).await?,
        claim: client.prepare(&sql(CLAIM)).await?,
        complete: client.prepare(&sql(COMPLETE)).await?,
        next: 0,
    };
    let started = Instant::now();
    for _ in 0..s.single_jobs {
        rw.insert(1).await?;
    }
    let submit_single = rate(s.single_jobs, started.elapsed());
    let started = Instant::now();
    for chunk in batches(s.jobs, s.batch) {
        rw.insert(chunk).await?;
    }
    let submit_batched = rate(s.jobs, started.elapsed());
    client
        .batch_execute(&sql("TRUNCATE {s}.jobs, {s}.events"))
        .await?;
    let started = Instant::now();
    for chunk in batches(s.jobs, s.batch) {
        rw.cycle(chunk).await?;
    }
    let cycle_batched = rate(s.jobs, started.elapsed());
    let started = Instant::now();
    for _ in 0..s.single_jobs {
        rw.cycle(1).await?;
    }
    let cycle_single = rate(s.single_jobs, started.elapsed());
    Ok(Raw {
        submit_single,
        submit_batched,
        cycle_batched,
        cycle_single,
    })
}
