import NIOConcurrencyHelpers

/// What the index keeps vectors of: one owner's memories, or one owner's document chunks.
struct IndexKey: Hashable, Sendable {
    enum Kind: Hashable, Sendable {
        case memories
        case documents
    }

    var kind: Kind
    var owner: String

    static func memories(_ owner: String) -> IndexKey { IndexKey(kind: .memories, owner: owner) }
    static func documents(_ owner: String) -> IndexKey { IndexKey(kind: .documents, owner: owner) }
}

/// The in-memory search index: each owner's vectors, loaded lazily from
/// memory.db and kept under a byte budget with least-recently-used eviction.
///
/// memory.db stays the truth: writes go to the database first, then here.
/// A load that raced with a write for the same owner is not kept (its
/// snapshot may lack the write); the next search loads again.
final class VectorIndex: Sendable {
    struct Statistics: Sendable {
        var bytes = 0
        var owners = 0
        var hits = 0
        var misses = 0
        var evictions = 0
    }

    private struct Entry {
        var vectors: OwnerVectors
        var lastUsed: UInt64
    }

    private struct State {
        var entries: [IndexKey: Entry] = [:]
        var versions: [IndexKey: UInt64] = [:]
        var clock: UInt64 = 0
        var statistics = Statistics()
    }

    let budgetBytes: Int
    private let state = NIOLockedValueBox(State())

    init(budgetBytes: Int) {
        self.budgetBytes = budgetBytes
    }

    /// The owner's vectors if loaded (a hit), and the write version to hand to ``store(_:for:ifVersion:)`` after a miss.
    func lookup(_ owner: IndexKey) -> (vectors: OwnerVectors?, version: UInt64) {
        state.withLockedValue { state in
            state.clock += 1
            let version = state.versions[owner, default: 0]
            guard state.entries[owner] != nil else {
                state.statistics.misses += 1
                return (nil, version)
            }
            state.entries[owner]!.lastUsed = state.clock
            state.statistics.hits += 1
            return (state.entries[owner]!.vectors, version)
        }
    }

    /// The key's vectors: from the index, or from `load` (kept when no write raced it and the budget allows).
    func vectors(for key: IndexKey, load: () async throws -> OwnerVectors) async throws -> OwnerVectors {
        let (cached, version) = lookup(key)
        if let cached { return cached }
        let loaded = try await load()
        store(loaded, for: key, ifVersion: version)
        return loaded
    }

    /// Keeps a freshly loaded snapshot unless a write for the owner happened since `version`.
    func store(_ vectors: OwnerVectors, for owner: IndexKey, ifVersion version: UInt64) {
        state.withLockedValue { state in
            guard state.versions[owner, default: 0] == version, vectors.bytes <= budgetBytes else { return }
            state.clock += 1
            if let old = state.entries[owner] { state.statistics.bytes -= old.vectors.bytes }
            state.entries[owner] = Entry(vectors: vectors, lastUsed: state.clock)
            state.statistics.bytes += vectors.bytes
            Self.evict(&state, budget: budgetBytes, keeping: owner)
        }
    }

    /// Applies a committed write to the owner's vectors, if they are loaded.
    func update(_ owner: IndexKey, _ change: (inout OwnerVectors) -> Void) {
        state.withLockedValue { state in
            state.versions[owner, default: 0] += 1
            guard let before = state.entries[owner]?.vectors.bytes else { return }
            // Mutate in place: a copied-out entry would make every append copy the owner's whole array.
            change(&state.entries[owner]!.vectors)
            state.statistics.bytes += state.entries[owner]!.vectors.bytes - before
            Self.evict(&state, budget: budgetBytes, keeping: nil)
        }
    }

    /// Drops an owner's vectors (after a failed write, or when the owner is forgotten).
    func invalidate(_ owner: IndexKey) {
        state.withLockedValue { state in
            state.versions[owner, default: 0] += 1
            if let old = state.entries.removeValue(forKey: owner) { state.statistics.bytes -= old.vectors.bytes }
        }
    }

    /// Drops everything; returns the bytes freed.
    func clear() -> Int {
        state.withLockedValue { state in
            let freed = state.statistics.bytes
            for owner in state.entries.keys { state.versions[owner, default: 0] += 1 }
            state.entries.removeAll()
            state.statistics.bytes = 0
            return freed
        }
    }

    var statistics: Statistics {
        state.withLockedValue { state in
            var statistics = state.statistics
            statistics.owners = state.entries.count
            return statistics
        }
    }

    private static func evict(_ state: inout State, budget: Int, keeping kept: IndexKey?) {
        while state.statistics.bytes > budget {
            guard let victim = state.entries.filter({ $0.key != kept }).min(by: { $0.value.lastUsed < $1.value.lastUsed }) else { return }
            state.entries[victim.key] = nil
            state.statistics.bytes -= victim.value.vectors.bytes
            state.statistics.evictions += 1
        }
    }
}
