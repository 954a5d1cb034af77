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
        return migrator
    }
}
