import MamiCore

/// Forge's checkpoints, cached for a minute: names are checked here before a
/// job is queued and before a switch, because Forge silently ignores unknown ones.
actor ModelCatalog {
    enum Lookup: Sendable, Equatable {
        case found(title: String)
        case unknown(available: [String])
        /// Forge could not be asked; the name is checked again when the job runs.
        case unavailable
    }

    static let freshness: Duration = .seconds(60)
    private let forge: ForgeClient
    private var cached: [ForgeCheckpoint] = []
    private var fetchedAt: ContinuousClock.Instant?

    init(forge: ForgeClient) {
        self.forge = forge
    }

    /// Finds `name` (title, model name or file name), refreshing a stale or missing list once.
    func lookup(_ name: String) async -> Lookup {
        if let fetchedAt, ContinuousClock.now - fetchedAt < Self.freshness, let hit = cached.first(where: { $0.matches(name) }) {
            return .found(title: hit.title)
        }
        guard let checkpoints = try? await forge.checkpoints(timeout: .seconds(3)) else {
            return .unavailable
        }
        cached = checkpoints
        fetchedAt = .now
        if let hit = checkpoints.first(where: { $0.matches(name) }) { return .found(title: hit.title) }
        return .unknown(available: checkpoints.map(\.modelName))
    }
}
