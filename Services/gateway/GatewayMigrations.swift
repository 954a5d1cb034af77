import GRDB
import MamiService

/// gateway.db's schema history. Append new migrations; never edit an applied one.
enum GatewayMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator.mamiService
        migrator.registerMigration("0002_accounts") { db in
            try db.execute(sql: """
                CREATE TABLE users (
                    id TEXT PRIMARY KEY,
                    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    password_hash TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('user', 'admin')),
                    created_at REAL NOT NULL
                ) WITHOUT ROWID;
                -- Opaque refresh tokens, stored as SHA-256; one family per login, rotated on every use.
                CREATE TABLE refresh_tokens (
                    token_hash TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    family_id TEXT NOT NULL,
                    parent_hash TEXT,
                    expires_at REAL NOT NULL,
                    used_at REAL,
                    revoked_at REAL,
                    created_at REAL NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);
                CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires_at);
                -- A family is revoked as a whole (logout, reuse); access tokens name their family.
                CREATE TABLE revoked_families (
                    family_id TEXT PRIMARY KEY,
                    revoked_at REAL NOT NULL,
                    reason TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    key_hash TEXT NOT NULL UNIQUE,
                    prefix TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    revoked_at REAL
                ) WITHOUT ROWID;
                CREATE INDEX api_keys_by_user ON api_keys (user_id, created_at);
                """)
        }
        migrator.registerMigration("0003_conversations") { db in
            try db.execute(sql: """
                CREATE TABLE conversations (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    title TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL
                );
                CREATE INDEX conversations_by_user ON conversations (user_id, seq);
                CREATE TABLE messages (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
                    role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
                    content TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('text', 'image')),
                    job_id TEXT,
                    status TEXT NOT NULL CHECK (status IN ('complete', 'streaming', 'failed', 'queued', 'running', 'succeeded', 'cancelled')),
                    error TEXT,
                    created_at REAL NOT NULL
                );
                CREATE INDEX messages_by_conversation ON messages (conversation_id, seq);
                CREATE INDEX messages_by_job ON messages (job_id) WHERE job_id IS NOT NULL;
                CREATE INDEX messages_open_jobs ON messages (status) WHERE kind = 'image' AND status IN ('queued', 'running');
                """)
        }
        migrator.registerMigration("0004_conversation_model") { db in
            // NULL: the gateway's default model (MAMI_CHAT_MODEL).
            try db.execute(sql: "ALTER TABLE conversations ADD COLUMN model TEXT")
        }
        migrator.registerMigration("0005_message_sources") { db in
            // An answer's document passages, as JSON `[{"number","document_id","title","chunk_id","excerpt"}]`; NULL: none.
            try db.execute(sql: "ALTER TABLE messages ADD COLUMN sources TEXT")
        }
        return migrator
    }
}
