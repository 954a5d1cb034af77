import GRDB
import MamiService

/// gateway.db's schema history. Append new migrations; never edit an applied one.
enum GatewayMigrations {
    static var migrator: DatabaseMigrator {
        // The service's own migrations are registered after the shared first one.
        DatabaseMigrator.mamiService
    }
}
