// The transparency log over audit events, shared by both backends like common.rs (included after it, so its
// imports and `Db`, `DbConn`, `DbPool`, `This` are in scope).
//
// Leaf i is `audit_events.leaf` of seq i; `log_nodes` holds every complete subtree hash, level 0 being the leaf
// hashes. An append reads the O(log n) existing nodes `ecert_translog::append_plan` names in one query and inserts
// the nodes it completes, inside the transaction that inserts the events, so the tree never lags the events.

use crate::log::{APPEND_ROUND, AuditLogStore, MAX_EXPORT_PAGE, MAX_NODE_READ, StoredCheckpoint};
use ecert_translog::{ExportedLeaf, Hash, NewNode, NodeId, append_plan, complete_append, leaf_hash};


fn db_int(what: &str, v: u64) -> Result<i64> {
    i64::try_from(v).map_err(|_| StoreError::Corrupt(format!("{what} {v} does not fit the database")))
}

fn db_uint(what: &str, v: i64) -> Result<u64> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt(format!("negative {what} {v}")))
}

fn translog_corrupt(e: ecert_translog::Error) -> StoreError {
    StoreError::Corrupt(format!("transparency log: {e}"))
}

fn stored_hash(what: impl std::fmt::Display, bytes: &[u8]) -> Result<Hash> {
    <[u8; 32]>::try_from(bytes)
        .map(Hash::from_bytes)
        .map_err(|_| StoreError::Corrupt(format!("{what}: stored hash has {} bytes, not 32", bytes.len())))
}

/// Appends `events` as consecutive leaves inside the caller's transaction. The `log_head` update comes first: it
/// takes the row lock that orders appends across processes, and its old size is the first new leaf index.
async fn append_events(conn: &mut DbConn, events: &[AuditEvent]) -> Result<Vec<Receipt>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let count = db_int("batch size", events.len() as u64)?;
    let row = sqlx::query("UPDATE log_head SET size = size + $1 WHERE id = 1 RETURNING size - $1")
        .bind(count)
        .fetch_one(&mut *conn)
        .await?;
    let first = db_uint("log size", row.try_get(0)?)?;
    let mut receipts = Vec::with_capacity(events.len());
    let mut next = first;
    for round in events.chunks(APPEND_ROUND) {
        let leaves: Vec<Vec<u8>> = round.iter().map(AuditEvent::canonical_bytes).collect();
        for (offset, chunk) in round.chunks(INSERT_CHUNK).enumerate() {
            let start = next + (offset * INSERT_CHUNK) as u64;
            let chunk_leaves = leaves.get(offset * INSERT_CHUNK..).unwrap_or_default();
            insert_event_rows(conn, start, chunk, chunk_leaves).await?;
        }
        let hashes: Vec<Hash> = leaves.iter().map(|l| leaf_hash(l)).collect();
        append_hashes(conn, next, &hashes).await?;
        receipts.extend((next..next + round.len() as u64).map(|leaf_index| Receipt { leaf_index }));
        next += round.len() as u64;
    }
    Ok(receipts)
}

async fn insert_event_rows(conn: &mut DbConn, first: u64, events: &[AuditEvent], leaves: &[Vec<u8>]) -> Result<()> {
    let rows: Vec<String> = (0..events.len())
        .map(|i| format!("(${}, ${}, ${}, ${}, ${}, ${})", i * 6 + 1, i * 6 + 2, i * 6 + 3, i * 6 + 4, i * 6 + 5, i * 6 + 6))
        .collect();
    let sql = format!(
        "INSERT INTO audit_events (seq, event_type, actor, subject_institution, time_ms, leaf) VALUES {}",
        rows.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for ((i, event), leaf) in events.iter().enumerate().zip(leaves) {
        query = query
            .bind(db_int("leaf index", first + i as u64)?)
            .bind(event.event_type.code())
            .bind(event.actor.map(|a| a.to_string()))
            .bind(event.subject_institution.map(|s| s.to_string()))
            .bind(event.time_ms)
            .bind(leaf.as_slice());
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// Extends the tree of `size` leaves by `hashes` (at most `APPEND_ROUND`): one batched read, one insert per chunk.
async fn append_hashes(conn: &mut DbConn, size: u64, hashes: &[Hash]) -> Result<()> {
    let needed = append_plan(size, hashes.len()).map_err(translog_corrupt)?;
    let existing = read_nodes(&mut *conn, &needed).await?;
    let nodes = complete_append(size, hashes, &existing).map_err(translog_corrupt)?;
    for chunk in nodes.chunks(INSERT_CHUNK) {
        insert_nodes(conn, chunk).await?;
    }
    Ok(())
}

async fn insert_nodes(conn: &mut DbConn, nodes: &[NewNode]) -> Result<()> {
    if nodes.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = (0..nodes.len()).map(|i| format!("(${}, ${}, ${})", i * 3 + 1, i * 3 + 2, i * 3 + 3)).collect();
    let sql = format!("INSERT INTO log_nodes (lvl, idx, hash) VALUES {}", rows.join(", "));
    let mut query = sqlx::query(&sql);
    for node in nodes {
        query = query
            .bind(i64::from(node.id.level))
            .bind(db_int("node index", node.id.index)?)
            .bind(node.hash.as_bytes().as_slice());
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// The hashes of `ids`, in that order, in one query.
async fn read_nodes<'e, E>(executor: E, ids: &[NodeId]) -> Result<Vec<Hash>>
where
    E: sqlx::Executor<'e, Database = Db>,
{
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    if ids.len() > MAX_NODE_READ {
        return Err(StoreError::Corrupt(format!("{} log nodes requested at once (at most {MAX_NODE_READ})", ids.len())));
    }
    // OR of primary-key equalities: both backends answer each term from the primary key index.
    let terms: Vec<String> = (0..ids.len()).map(|i| format!("(lvl = ${} AND idx = ${})", i * 2 + 1, i * 2 + 2)).collect();
    let sql = format!("SELECT lvl, idx, hash FROM log_nodes WHERE {}", terms.join(" OR "));
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(i64::from(id.level)).bind(db_int("node index", id.index)?);
    }
    let rows = query.fetch_all(executor).await?;
    let mut found = std::collections::HashMap::with_capacity(rows.len());
    for row in &rows {
        let level = u8::try_from(row.try_get::<i64, _>(0)?).map_err(|_| StoreError::Corrupt("node level".into()))?;
        let id = NodeId::new(level, db_uint("node index", row.try_get(1)?)?);
        let hash = stored_hash(format_args!("log node {id}"), &row.try_get::<Vec<u8>, _>(2)?)?;
        found.insert(id, hash);
    }
    ids.iter()
        .map(|id| found.get(id).copied().ok_or_else(|| StoreError::Corrupt(format!("log node {id} is missing"))))
        .collect()
}

fn checkpoint_from_row(row: &DbRow) -> Result<StoredCheckpoint> {
    let tree_size = db_uint("checkpoint size", row.try_get("tree_size")?)?;
    Ok(StoredCheckpoint {
        tree_size,
        root: stored_hash(format_args!("checkpoint {tree_size}"), &row.try_get::<Vec<u8>, _>("root")?)?,
        note: row.try_get("note")?,
        created_at: from_ms(row.try_get("created_ms")?)?,
    })
}

/// The first leaf index without a stored leaf hash.
async fn tree_size(conn: &mut DbConn) -> Result<u64> {
    let row = sqlx::query("SELECT COALESCE(MAX(idx) + 1, 0) FROM log_nodes WHERE lvl = 0").fetch_one(&mut *conn).await?;
    db_uint("tree size", row.try_get(0)?)
}

/// One catch-up round in its own transaction: hashes up to `APPEND_ROUND` events that have no leaf yet.
async fn catch_up_round(pool: &DbPool) -> Result<u64> {
    let mut tx = pool.begin().await?;
    // A no-op update takes the same lock as appends, so no append interleaves with the catch-up.
    let head = sqlx::query("UPDATE log_head SET size = size WHERE id = 1 RETURNING size").fetch_one(&mut *tx).await?;
    let head = db_uint("log size", head.try_get(0)?)?;
    let size = tree_size(&mut tx).await?;
    if size >= head {
        return Ok(0);
    }
    let rows = sqlx::query("SELECT seq, leaf FROM audit_events WHERE seq >= $1 ORDER BY seq LIMIT $2")
        .bind(db_int("leaf index", size)?)
        .bind(APPEND_ROUND as i64)
        .fetch_all(&mut *tx)
        .await?;
    let mut hashes = Vec::with_capacity(rows.len());
    for row in &rows {
        let seq = db_uint("leaf index", row.try_get("seq")?)?;
        let expected = size + hashes.len() as u64;
        if seq != expected {
            return Err(StoreError::Corrupt(format!("audit event {expected} is missing")));
        }
        hashes.push(leaf_hash(&row.try_get::<Vec<u8>, _>("leaf")?));
    }
    if hashes.is_empty() {
        return Err(StoreError::Corrupt(format!("audit event {size} is missing")));
    }
    append_hashes(&mut tx, size, &hashes).await?;
    tx.commit().await?;
    Ok(hashes.len() as u64)
}

#[async_trait]
impl AuditLogStore for This {
    async fn append_audit_events(&self, events: &[AuditEvent]) -> Result<Vec<Receipt>> {
        let mut tx = self.write_pool().begin().await?;
        let receipts = append_events(&mut tx, events).await?;
        tx.commit().await?;
        Ok(receipts)
    }

    async fn log_size(&self) -> Result<u64> {
        let row = sqlx::query("SELECT size FROM log_head WHERE id = 1").fetch_one(self.read_pool()).await?;
        db_uint("log size", row.try_get(0)?)
    }

    async fn log_nodes(&self, ids: &[NodeId]) -> Result<Vec<Hash>> {
        read_nodes(self.read_pool(), ids).await
    }

    async fn log_catch_up(&self) -> Result<u64> {
        let mut added = 0;
        loop {
            let round = catch_up_round(self.write_pool()).await?;
            if round == 0 {
                return Ok(added);
            }
            added += round;
        }
    }

    async fn insert_checkpoint(&self, checkpoint: &StoredCheckpoint) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO log_checkpoints (tree_size, root, note, created_ms) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (tree_size) DO NOTHING",
        )
        .bind(db_int("checkpoint size", checkpoint.tree_size)?)
        .bind(checkpoint.root.as_bytes().as_slice())
        .bind(&checkpoint.note)
        .bind(ms(checkpoint.created_at))
        .execute(self.write_pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>> {
        let row = sqlx::query(
            "SELECT tree_size, root, note, created_ms FROM log_checkpoints ORDER BY tree_size DESC LIMIT 1",
        )
        .fetch_optional(self.read_pool())
        .await?;
        row.map(|r| checkpoint_from_row(&r)).transpose()
    }

    async fn list_checkpoints(&self, after_size: Option<u64>, limit: u32) -> Result<Vec<StoredCheckpoint>> {
        let rows = sqlx::query(
            "SELECT tree_size, root, note, created_ms FROM log_checkpoints WHERE ($1 IS NULL OR tree_size > $1) \
             ORDER BY tree_size LIMIT $2",
        )
        .bind(after_size.map(|s| db_int("checkpoint size", s)).transpose()?)
        .bind(i64::from(limit.min(MAX_EXPORT_PAGE)))
        .fetch_all(self.read_pool())
        .await?;
        rows.iter().map(checkpoint_from_row).collect()
    }

    async fn export_leaves(&self, from: u64, limit: u32) -> Result<Vec<ExportedLeaf>> {
        // LEFT JOIN: an event whose leaf hash was deleted is reported by index, not silently skipped.
        let rows = sqlx::query(
            "SELECT e.seq, e.leaf, n.hash FROM audit_events e \
             LEFT JOIN log_nodes n ON n.lvl = 0 AND n.idx = e.seq \
             WHERE e.seq >= $1 ORDER BY e.seq LIMIT $2",
        )
        .bind(db_int("leaf index", from)?)
        .bind(i64::from(limit.min(MAX_EXPORT_PAGE)))
        .fetch_all(self.read_pool())
        .await?;
        rows.iter()
            .map(|row| {
                let index = db_uint("leaf index", row.try_get("seq")?)?;
                let hash: Option<Vec<u8>> = row.try_get("hash")?;
                let hash = hash.ok_or_else(|| StoreError::Corrupt(format!("leaf {index} has no stored leaf hash")))?;
                Ok(ExportedLeaf {
                    index,
                    data: row.try_get("leaf")?,
                    stored_leaf_hash: stored_hash(format_args!("leaf {index}"), &hash)?,
                })
            })
            .collect()
    }
}
