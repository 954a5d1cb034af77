import GRDB
import MamiService

/// memory.db's schema history. Append new migrations; never edit an applied one.
enum MemoryMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator.mamiService
        migrator.registerMigration("0002_memories") { db in
            try db.execute(sql: """
                CREATE TABLE memories (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    owner TEXT NOT NULL,
                    scope TEXT NOT NULL CHECK (scope IN ('user', 'conversation', 'global')),
                    conversation_id TEXT,
                    text TEXT NOT NULL,
                    text_hash TEXT NOT NULL,
                    embedding BLOB NOT NULL,
                    source_id TEXT,
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL
                );
                CREATE INDEX memories_by_owner ON memories (owner, seq);
                CREATE INDEX memories_by_hash ON memories (owner, text_hash);
                -- The first answer to an add that carried a source_id, replayed on a repeat (G4).
                CREATE TABLE add_receipts (
                    owner TEXT NOT NULL,
                    source_id TEXT NOT NULL,
                    answer TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    PRIMARY KEY (owner, source_id)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("0003_documents") { db in
            try db.execute(sql: """
                CREATE TABLE documents (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    owner TEXT NOT NULL,
                    scope TEXT NOT NULL CHECK (scope IN ('user', 'conversation', 'global')),
                    conversation_id TEXT,
                    title TEXT NOT NULL,
                    chunk_count INTEGER NOT NULL,
                    created_at REAL NOT NULL
                );
                CREATE INDEX documents_by_owner ON documents (owner, seq);
                CREATE TABLE doc_chunks (
                    seq INTEGER PRIMARY KEY,
                    document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
                    owner TEXT NOT NULL,
                    scope TEXT NOT NULL,
                    conversation_id TEXT,
                    ordinal INTEGER NOT NULL,
                    text TEXT NOT NULL,
                    embedding BLOB NOT NULL,
                    created_at REAL NOT NULL
                );
                CREATE INDEX doc_chunks_by_owner ON doc_chunks (owner, seq);
                CREATE INDEX doc_chunks_by_document ON doc_chunks (document_id);
                """)
        }
        migrator.registerMigration("0004_reindex") { db in
            // Vectors of the embedder being switched to, beside the ones in use, until the
            // switch-over copies them in (docs/protocol.md, "Changing the embedder").
            try db.execute(sql: """
                CREATE TABLE reindex_vectors (
                    kind TEXT NOT NULL CHECK (kind IN ('memory', 'chunk')),
                    seq INTEGER NOT NULL,
                    embedding BLOB NOT NULL,
                    PRIMARY KEY (kind, seq)
                ) WITHOUT ROWID;
                CREATE TRIGGER memories_leave_reindex AFTER DELETE ON memories BEGIN
                    DELETE FROM reindex_vectors WHERE kind = 'memory' AND seq = OLD.seq;
                END;
                CREATE TRIGGER doc_chunks_leave_reindex AFTER DELETE ON doc_chunks BEGIN
                    DELETE FROM reindex_vectors WHERE kind = 'chunk' AND seq = OLD.seq;
                END;
                """)
        }
        migrator.registerMigration("0005_memory_history") { db in
            // A memory's topic (a newer memory of the same topic replaces it), the message it was said in,
            // and the texts it held before (docs/protocol.md, "Updating a memory").
            try db.execute(sql: """
                ALTER TABLE memories ADD COLUMN topic TEXT;
                ALTER TABLE memories ADD COLUMN origin_message_id TEXT;
                ALTER TABLE memories ADD COLUMN origin_conversation_id TEXT;
                CREATE INDEX memories_by_topic ON memories (owner, topic) WHERE topic IS NOT NULL;
                CREATE TABLE memory_history (
                    seq INTEGER PRIMARY KEY,
                    memory_id TEXT NOT NULL,
                    owner TEXT NOT NULL,
                    text TEXT NOT NULL,
                    source_id TEXT,
                    origin_message_id TEXT,
                    origin_conversation_id TEXT,
                    said_at REAL NOT NULL,
                    replaced_at REAL NOT NULL
                );
                CREATE INDEX memory_history_by_memory ON memory_history (memory_id, seq);
                CREATE INDEX memory_history_by_owner ON memory_history (owner);
                """)
        }
        migrator.registerMigration("0006_document_ingest") { db in
            // Documents are embedded in the background: their chunks wait here, with their vectors once
            // embedded, until all are, then move to doc_chunks in one transaction (docs/protocol.md, `doc.ingest`).
            try db.execute(sql: """
                ALTER TABLE documents ADD COLUMN status TEXT NOT NULL DEFAULT 'ready' CHECK (status IN ('pending', 'ready'));
                CREATE INDEX documents_pending ON documents (seq) WHERE status = 'pending';
                CREATE TABLE pending_chunks (
                    document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
                    ordinal INTEGER NOT NULL,
                    text TEXT NOT NULL,
                    embedding BLOB,
                    embedder TEXT,
                    PRIMARY KEY (document_id, ordinal)
                ) WITHOUT ROWID;
                """)
        }
        return migrator
    }
}
