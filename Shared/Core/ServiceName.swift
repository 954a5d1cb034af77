/// The three Mami services, by the name operators use for them.
public enum ServiceName: String, Sendable, CaseIterable, Codable {
    case gateway
    case imageWorker = "image-worker"
    case memory

    /// The file name of the service's Unix socket inside the runtime directory.
    public var socketFileName: String { "\(rawValue).sock" }

    /// The file name of the service's SQLite database inside its state directory.
    public var databaseFileName: String {
        switch self {
        case .gateway: return "gateway.db"
        case .imageWorker: return "image.db"
        case .memory: return "memory.db"
        }
    }
}

/// The version every Mami executable reports.
public enum MamiVersion {
    public static let current = "0.1.0"
}
