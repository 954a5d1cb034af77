import GRDB
import MamiCore
import MamiService

/// The memory service as the host runs it.
enum MemoryService {
    static var definition: ServiceDefinition {
        ServiceDefinition(name: .memory, migrator: MemoryMigrations.migrator)
    }
}
