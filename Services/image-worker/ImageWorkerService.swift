import GRDB
import MamiCore
import MamiService

/// The image worker as the host runs it.
enum ImageWorkerService {
    static var definition: ServiceDefinition {
        ServiceDefinition(name: .imageWorker, migrator: ImageMigrations.migrator)
    }
}
