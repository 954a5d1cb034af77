import GRDB
import MamiService

/// memory.db's schema history. Append new migrations; never edit an applied one.
enum MemoryMigrations {
    static var migrator: DatabaseMigrator {
        // The service's own migrations are registered after the shared first one.
        DatabaseMigrator.mamiService
    }
}
