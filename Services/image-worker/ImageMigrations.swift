import GRDB
import MamiService

/// image.db's schema history. Append new migrations; never edit an applied one.
enum ImageMigrations {
    static var migrator: DatabaseMigrator {
        // The service's own migrations are registered after the shared first one.
        DatabaseMigrator.mamiService
    }
}
