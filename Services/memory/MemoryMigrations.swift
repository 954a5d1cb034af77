import GRDB

/// memory.db's schema history. Append new migrations; never edit an applied one.
enum MemoryMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001_service_meta") { db in
            try db.create(table: "service_meta") { table in
                table.primaryKey("key", .text)
                table.column("value", .text).notNull()
            }
            try db.execute(sql: "INSERT INTO service_meta (key, value) VALUES ('created_at', datetime('now'))")
        }
        return migrator
    }
}
