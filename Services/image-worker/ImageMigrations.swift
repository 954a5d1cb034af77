import GRDB
import MamiService

/// image.db's schema history. Append new migrations; never edit an applied one.
enum ImageMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator.mamiService
        migrator.registerMigration("0002_jobs") { db in
            try db.execute(sql: """
                CREATE TABLE jobs (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    owner TEXT NOT NULL,
                    conversation_id TEXT,
                    message_id TEXT,
                    idempotency_key TEXT NOT NULL UNIQUE,
                    prompt TEXT NOT NULL,
                    params TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
                    progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    error_code TEXT,
                    error_message TEXT,
                    placeholder TEXT,
                    result_path TEXT,
                    -- The change number of the job's last change (events.subscribe "since").
                    change_seq INTEGER NOT NULL UNIQUE,
                    -- The change number at which it was (re)queued: the queue's order.
                    queue_order INTEGER NOT NULL,
                    created_at REAL NOT NULL,
                    started_at REAL,
                    finished_at REAL
                );
                CREATE INDEX jobs_queue ON jobs (status, queue_order);
                CREATE INDEX jobs_by_owner ON jobs (owner, seq);
                CREATE INDEX jobs_by_owner_status ON jobs (owner, status, seq);
                CREATE INDEX jobs_finished ON jobs (status, finished_at);
                """)
        }
        return migrator
    }
}
