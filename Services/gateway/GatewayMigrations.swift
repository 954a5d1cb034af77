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
        migrator.registerMigration("0006_message_tree") { db in
            // A message answers or follows its parent (NULL: the first of a branch); siblings share a parent.
            // A conversation shows one branch: the path up from `current_id`. Existing conversations become
            // one straight branch. `stopped`: an answer the person ended.
            try db.execute(sql: """
                CREATE TABLE messages_tree (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
                    parent_id TEXT,
                    role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
                    content TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('text', 'image')),
                    job_id TEXT,
                    status TEXT NOT NULL CHECK (status IN ('complete', 'streaming', 'stopped', 'failed', 'queued', 'running', 'succeeded', 'cancelled')),
                    error TEXT,
                    created_at REAL NOT NULL,
                    sources TEXT
                );
                INSERT INTO messages_tree (seq, id, conversation_id, parent_id, role, content, kind, job_id, status, error, created_at, sources)
                    SELECT seq, id, conversation_id, LAG(id) OVER (PARTITION BY conversation_id ORDER BY seq),
                           role, content, kind, job_id, status, error, created_at, sources
                    FROM messages;
                DROP TABLE messages;
                ALTER TABLE messages_tree RENAME TO messages;
                CREATE INDEX messages_by_conversation ON messages (conversation_id, seq);
                CREATE INDEX messages_by_parent ON messages (parent_id, seq) WHERE parent_id IS NOT NULL;
                CREATE INDEX messages_by_job ON messages (job_id) WHERE job_id IS NOT NULL;
                CREATE INDEX messages_open_jobs ON messages (status) WHERE kind = 'image' AND status IN ('queued', 'running');
                CREATE INDEX messages_streaming ON messages (status) WHERE status = 'streaming';
                ALTER TABLE conversations ADD COLUMN current_id TEXT;
                UPDATE conversations SET current_id = (SELECT id FROM messages WHERE conversation_id = conversations.id ORDER BY seq DESC LIMIT 1);
                """)
        }
        migrator.registerMigration("0007_search") { db in
            // Full-text search over message texts and conversation titles (FTS5, external content: the
            // index only). Diacritics and case are folded (Çiçekler → cicekler); Turkish ı and İ are indexed
            // as i, so a query typed on any keyboard finds them. An answer is indexed once it ends. Prefixes of
            // 2 to 6 letters have indexes of their own: a typed word is a prefix query, and without one a short
            // prefix would merge the postings of every word it starts (measured: BENCHMARKS.md, search).
            let fold = { (column: String) in "replace(replace(\(column), 'ı', 'i'), 'İ', 'i')" }
            try db.execute(sql: """
                CREATE VIRTUAL TABLE message_search USING fts5(
                    content, content = 'messages', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4 5 6');
                INSERT INTO message_search (rowid, content) SELECT seq, \(fold("content")) FROM messages WHERE kind = 'text' AND status != 'streaming';
                CREATE TRIGGER message_search_insert AFTER INSERT ON messages WHEN new.kind = 'text' AND new.status != 'streaming' BEGIN
                    INSERT INTO message_search (rowid, content) VALUES (new.seq, \(fold("new.content")));
                END;
                CREATE TRIGGER message_search_update AFTER UPDATE OF content, status ON messages WHEN new.kind = 'text' BEGIN
                    INSERT INTO message_search (message_search, rowid, content)
                        SELECT 'delete', old.seq, \(fold("old.content")) WHERE old.status != 'streaming';
                    INSERT INTO message_search (rowid, content) SELECT new.seq, \(fold("new.content")) WHERE new.status != 'streaming';
                END;
                CREATE TRIGGER message_search_delete AFTER DELETE ON messages WHEN old.kind = 'text' AND old.status != 'streaming' BEGIN
                    INSERT INTO message_search (message_search, rowid, content) VALUES ('delete', old.seq, \(fold("old.content")));
                END;
                CREATE VIRTUAL TABLE conversation_search USING fts5(
                    title, content = 'conversations', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
                INSERT INTO conversation_search (rowid, title) SELECT seq, \(fold("title")) FROM conversations;
                CREATE TRIGGER conversation_search_insert AFTER INSERT ON conversations BEGIN
                    INSERT INTO conversation_search (rowid, title) VALUES (new.seq, \(fold("new.title")));
                END;
                CREATE TRIGGER conversation_search_update AFTER UPDATE OF title ON conversations BEGIN
                    INSERT INTO conversation_search (conversation_search, rowid, title) VALUES ('delete', old.seq, \(fold("old.title")));
                    INSERT INTO conversation_search (rowid, title) VALUES (new.seq, \(fold("new.title")));
                END;
                CREATE TRIGGER conversation_search_delete AFTER DELETE ON conversations BEGIN
                    INSERT INTO conversation_search (conversation_search, rowid, title) VALUES ('delete', old.seq, \(fold("old.title")));
                END;
                """)
        }
        migrator.registerMigration("0008_title_source") { db in
            // Who named a conversation: `person` (given or renamed), `model` (proposed after the first
            // exchange), `default` (nobody yet: the model may). Existing conversations keep their titles.
            try db.execute(sql: """
                ALTER TABLE conversations ADD COLUMN title_source TEXT NOT NULL DEFAULT 'person'
                    CHECK (title_source IN ('person', 'model', 'default'));
                """)
        }
        migrator.registerMigration("0009_conversation_settings") { db in
            // A conversation's own system prompt and temperature; NULL: the gateway's prompt, the model's temperature.
            try db.execute(sql: """
                ALTER TABLE conversations ADD COLUMN system_prompt TEXT;
                ALTER TABLE conversations ADD COLUMN temperature REAL CHECK (temperature IS NULL OR temperature BETWEEN 0 AND 2);
                """)
        }
        migrator.registerMigration("0010_image_prompt") { db in
            // An image message's prompt as its job got it: `{"prompt","negative_prompt","by"}` (`by`: model or
            // person); its `content` stays the person's words. NULL: the words themselves (older messages).
            try db.execute(sql: "ALTER TABLE messages ADD COLUMN image_prompt TEXT")
        }
        migrator.registerMigration("0011_archive_pin") { db in
            // When the person archived or pinned a conversation; NULL: not.
            try db.execute(sql: """
                ALTER TABLE conversations ADD COLUMN archived_at REAL;
                ALTER TABLE conversations ADD COLUMN pinned_at REAL;
                """)
        }
        migrator.registerMigration("0012_parent_seq") { db in
            // The parent's row number beside its id: walking a branch by rowid reads neighbouring rows (a branch
            // grows by seq) where the id index scattered the reads; a page of a million-message branch went from
            // 2 to 4.4 ms at p50 (BENCHMARKS.md, Gateway). `parent_id` stays what the API shows.
            try db.execute(sql: """
                ALTER TABLE messages ADD COLUMN parent_seq INTEGER;
                UPDATE messages SET parent_seq = (SELECT p.seq FROM messages p WHERE p.id = messages.parent_id) WHERE parent_id IS NOT NULL;
                DROP INDEX messages_by_parent;
                CREATE INDEX messages_by_parent ON messages (parent_seq, seq) WHERE parent_seq IS NOT NULL;
                CREATE INDEX messages_roots ON messages (conversation_id, seq) WHERE parent_seq IS NULL;
                """)
        }
        return migrator
    }
}
