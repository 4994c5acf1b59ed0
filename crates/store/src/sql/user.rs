// Portal users, sessions and recovery codes, shared by both backends (included after common.rs and log.rs, so
// their imports, helpers and `Db`, `DbConn`, `DbPool`, `This` are in scope).
//
// Every audited write changes its rows first and appends its events last, the order every other user write
// follows too, so on PostgreSQL two of them never wait for each other's locks in opposite order.

use crate::user::*;
use ecert_domain::ids::UserId;
use ecert_domain::user::{SessionStage, User, UserStatus};

const USER_COLUMNS: &str = "id, institution_id, username, display_name, roles, status, password_hash, \
    totp_secret_enc, totp_last_step, failed_logins, locked_until_ms, created_ms, updated_ms";

const SESSION_COLUMNS: &str =
    "token_hash, user_id, stage, pending_totp_secret_enc, created_ms, last_seen_ms, expires_ms";

fn roles_text(roles: &[Role]) -> String {
    let mut codes: Vec<&str> = roles.iter().map(|r| r.code()).collect();
    codes.sort_unstable();
    codes.join(",")
}

fn user_record_from_row(row: &DbRow) -> Result<UserRecord> {
    let roles: String = row.try_get("roles")?;
    let totp_secret_enc: Option<Vec<u8>> = row.try_get("totp_secret_enc")?;
    let failed: i64 = row.try_get("failed_logins")?;
    let user = User {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        institution: parse_id(&row.try_get::<String, _>("institution_id")?)?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        roles: roles
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| parse_code("role", s, Role::parse))
            .collect::<Result<_>>()?,
        status: parse_code("user status", &row.try_get::<String, _>("status")?, UserStatus::parse)?,
        totp_enrolled: totp_secret_enc.is_some(),
        locked_until: row.try_get::<Option<i64>, _>("locked_until_ms")?.map(from_ms).transpose()?,
        created_at: from_ms(row.try_get("created_ms")?)?,
        updated_at: from_ms(row.try_get("updated_ms")?)?,
    };
    Ok(UserRecord {
        user,
        password_hash: row.try_get("password_hash")?,
        totp_secret_enc,
        totp_last_step: row.try_get("totp_last_step")?,
        failed_logins: u32::try_from(failed).map_err(|_| StoreError::Corrupt(format!("failed logins {failed}")))?,
    })
}

fn session_from_row(row: &DbRow) -> Result<SessionRecord> {
    Ok(SessionRecord {
        token_hash: row.try_get("token_hash")?,
        user: parse_id(&row.try_get::<String, _>("user_id")?)?,
        stage: parse_code("session stage", &row.try_get::<String, _>("stage")?, SessionStage::parse)?,
        pending_totp_secret_enc: row.try_get("pending_totp_secret_enc")?,
        created_at: from_ms(row.try_get("created_ms")?)?,
        last_seen_at: from_ms(row.try_get("last_seen_ms")?)?,
        expires_at: from_ms(row.try_get("expires_ms")?)?,
    })
}

async fn insert_session_row(conn: &mut DbConn, s: &SessionRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO user_sessions (token_hash, user_id, stage, pending_totp_secret_enc, created_ms, last_seen_ms, \
         expires_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&s.token_hash)
    .bind(s.user.to_string())
    .bind(s.stage.code())
    .bind(s.pending_totp_secret_enc.as_deref())
    .bind(ms(s.created_at))
    .bind(ms(s.last_seen_at))
    .bind(ms(s.expires_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Deletes the old session of `user` and inserts the new one; false (nothing written) if the old one is gone.
async fn rotate_session(conn: &mut DbConn, user: UserId, rotation: &SessionRotation<'_>) -> Result<bool> {
    let deleted = sqlx::query("DELETE FROM user_sessions WHERE token_hash = $1 AND user_id = $2")
        .bind(rotation.old_token_hash)
        .bind(user.to_string())
        .execute(&mut *conn)
        .await?;
    if deleted.rows_affected() != 1 {
        return Ok(false);
    }
    insert_session_row(conn, rotation.new).await?;
    Ok(true)
}

async fn delete_sessions_of(conn: &mut DbConn, user: UserId) -> Result<()> {
    sqlx::query("DELETE FROM user_sessions WHERE user_id = $1").bind(user.to_string()).execute(&mut *conn).await?;
    Ok(())
}

fn user_not_found(id: UserId) -> StoreError {
    StoreError::NotFound(format!("user {id}"))
}

#[async_trait]
impl crate::user::UserStore for This {
    async fn insert_user(&self, record: &UserRecord, audit: &AuditEvent) -> Result<Receipt> {
        let u = &record.user;
        audited!(self, audit, |tx| {
            sqlx::query(&format!(
                "INSERT INTO users ({USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
            ))
            .bind(u.id.to_string())
            .bind(u.institution.to_string())
            .bind(&u.username)
            .bind(&u.display_name)
            .bind(roles_text(&u.roles))
            .bind(u.status.code())
            .bind(&record.password_hash)
            .bind(record.totp_secret_enc.as_deref())
            .bind(record.totp_last_step)
            .bind(i64::from(record.failed_logins))
            .bind(u.locked_until.map(ms))
            .bind(ms(u.created_at))
            .bind(ms(u.updated_at))
            .execute(&mut *tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Conflict("username".into()),
                other => other,
            })?;
        })
    }

    async fn get_user(&self, id: UserId) -> Result<Option<UserRecord>> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(self.read_pool())
            .await?;
        row.map(|r| user_record_from_row(&r)).transpose()
    }

    async fn find_user_by_username(&self, username: &str) -> Result<Option<UserRecord>> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1"))
            .bind(username)
            .fetch_optional(self.read_pool())
            .await?;
        row.map(|r| user_record_from_row(&r)).transpose()
    }

    async fn list_users(&self, institution: Option<InstitutionId>) -> Result<Vec<User>> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE ($1 IS NULL OR institution_id = $1) ORDER BY username LIMIT $2"
        ))
        .bind(institution.map(|i| i.to_string()))
        .bind(i64::from(MAX_USERS_LISTED))
        .fetch_all(self.read_pool())
        .await?;
        rows.iter().map(|r| user_record_from_row(r).map(|u| u.user)).collect()
    }

    async fn set_user_status(
        &self,
        id: UserId,
        status: UserStatus,
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<Receipt> {
        audited!(self, audit, |tx| {
            let done = sqlx::query("UPDATE users SET status = $1, updated_ms = $2 WHERE id = $3")
                .bind(status.code())
                .bind(ms(at))
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() != 1 {
                return Err(user_not_found(id));
            }
            if status == UserStatus::Disabled {
                delete_sessions_of(&mut tx, id).await?;
            }
        })
    }

    async fn reset_second_factor(&self, id: UserId, at: OffsetDateTime, audit: &AuditEvent) -> Result<Receipt> {
        audited!(self, audit, |tx| {
            let done = sqlx::query(
                "UPDATE users SET totp_secret_enc = NULL, totp_last_step = NULL, updated_ms = $1 WHERE id = $2",
            )
            .bind(ms(at))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(user_not_found(id));
            }
            sqlx::query("DELETE FROM user_recovery_codes WHERE user_id = $1")
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
            delete_sessions_of(&mut tx, id).await?;
        })
    }

    async fn record_login_failure(&self, failure: &LoginFailureRecord<'_>) -> Result<Option<OffsetDateTime>> {
        let mut tx = self.write_pool().begin().await?;
        let row =
            sqlx::query("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins")
                .bind(failure.user.to_string())
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| user_not_found(failure.user))?;
        let count: i64 = row.try_get(0)?;
        let locks = count >= i64::from(failure.threshold.max(1));
        let mut events = vec![failure.failed.clone()];
        if locks {
            // The count restarts: after the lock ends the user has the full number of attempts again.
            sqlx::query("UPDATE users SET failed_logins = 0, locked_until_ms = $1 WHERE id = $2")
                .bind(ms(failure.lock_until))
                .bind(failure.user.to_string())
                .execute(&mut *tx)
                .await?;
            events.push(failure.locked.clone());
        }
        append_events(&mut tx, &events).await?;
        tx.commit().await?;
        Ok(locks.then_some(failure.lock_until))
    }

    async fn count_unused_recovery_codes(&self, user: UserId) -> Result<u64> {
        let row = sqlx::query("SELECT COUNT(*) FROM user_recovery_codes WHERE user_id = $1 AND used_ms IS NULL")
            .bind(user.to_string())
            .fetch_one(self.read_pool())
            .await?;
        db_uint("recovery code count", row.try_get(0)?)
    }

    async fn insert_session(&self, session: &SessionRecord) -> Result<()> {
        let mut conn = self.write_pool().acquire().await?;
        insert_session_row(&mut conn, session).await
    }

    async fn get_session(&self, token_hash: &[u8]) -> Result<Option<SessionRecord>> {
        let row = sqlx::query(&format!("SELECT {SESSION_COLUMNS} FROM user_sessions WHERE token_hash = $1"))
            .bind(token_hash)
            .fetch_optional(self.read_pool())
            .await?;
        row.map(|r| session_from_row(&r)).transpose()
    }

    async fn touch_session(&self, token_hash: &[u8], at: OffsetDateTime) -> Result<()> {
        // Never moves backwards: two requests finishing out of order keep the later time.
        sqlx::query("UPDATE user_sessions SET last_seen_ms = $1 WHERE token_hash = $2 AND last_seen_ms < $1")
            .bind(ms(at))
            .bind(token_hash)
            .execute(self.write_pool())
            .await?;
        Ok(())
    }

    async fn set_pending_totp_secret(&self, token_hash: &[u8], secret_enc: &[u8]) -> Result<()> {
        let done = sqlx::query("UPDATE user_sessions SET pending_totp_secret_enc = $1 WHERE token_hash = $2")
            .bind(secret_enc)
            .bind(token_hash)
            .execute(self.write_pool())
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Stale("the session has ended".into()));
        }
        Ok(())
    }

    async fn complete_second_factor(&self, c: &SecondFactorCompletion<'_>) -> Result<SecondFactorOutcome> {
        let mut tx = self.write_pool().begin().await?;
        let user = c.user.to_string();
        match &c.proof {
            SecondFactorProof::TotpStep(step) => {
                // The compare-and-set that makes a code single use: of two concurrent uses, one updates the row.
                let done = sqlx::query(
                    "UPDATE users SET totp_last_step = $1, failed_logins = 0, locked_until_ms = NULL \
                     WHERE id = $2 AND totp_secret_enc IS NOT NULL AND (totp_last_step IS NULL OR totp_last_step < $1)",
                )
                .bind(step)
                .bind(&user)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Ok(SecondFactorOutcome::StepAlreadyUsed);
                }
            }
            SecondFactorProof::RecoveryCode(hash) => {
                let done = sqlx::query(
                    "UPDATE user_recovery_codes SET used_ms = $1 WHERE user_id = $2 AND code_hash = $3 \
                     AND used_ms IS NULL",
                )
                .bind(ms(c.at))
                .bind(&user)
                .bind(hash)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Ok(SecondFactorOutcome::RecoveryCodeNotUsable);
                }
                sqlx::query("UPDATE users SET failed_logins = 0, locked_until_ms = NULL WHERE id = $1")
                    .bind(&user)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        if !rotate_session(&mut tx, c.user, &c.rotation).await? {
            return Ok(SecondFactorOutcome::SessionGone);
        }
        let receipts = append_events(&mut tx, c.events).await?;
        tx.commit().await?;
        Ok(SecondFactorOutcome::Accepted(receipts))
    }

    async fn enrol_totp(&self, e: &TotpEnrolmentRecord<'_>) -> Result<Vec<Receipt>> {
        let mut tx = self.write_pool().begin().await?;
        let user = e.user.to_string();
        let done = sqlx::query(
            "UPDATE users SET totp_secret_enc = $1, totp_last_step = $2, failed_logins = 0, locked_until_ms = NULL, \
             updated_ms = $3 WHERE id = $4",
        )
        .bind(e.secret_enc)
        .bind(e.last_step)
        .bind(ms(e.at))
        .bind(&user)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(user_not_found(e.user));
        }
        sqlx::query("DELETE FROM user_recovery_codes WHERE user_id = $1").bind(&user).execute(&mut *tx).await?;
        for hash in e.recovery_code_hashes {
            sqlx::query("INSERT INTO user_recovery_codes (user_id, code_hash, used_ms) VALUES ($1, $2, NULL)")
                .bind(&user)
                .bind(hash)
                .execute(&mut *tx)
                .await?;
        }
        if !rotate_session(&mut tx, e.user, &e.rotation).await? {
            return Err(StoreError::Stale("the session has ended".into()));
        }
        let receipts = append_events(&mut tx, e.events).await?;
        tx.commit().await?;
        Ok(receipts)
    }

    async fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
        sqlx::query("DELETE FROM user_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(self.write_pool())
            .await?;
        Ok(())
    }

    async fn delete_expired_sessions(
        &self,
        now: OffsetDateTime,
        idle_cutoff: OffsetDateTime,
        limit: u32,
    ) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM user_sessions WHERE token_hash IN (SELECT token_hash FROM user_sessions \
             WHERE expires_ms <= $1 OR last_seen_ms <= $2 LIMIT $3)",
        )
        .bind(ms(now))
        .bind(ms(idle_cutoff))
        .bind(i64::from(limit))
        .execute(self.write_pool())
        .await?;
        Ok(done.rows_affected())
    }
}
