import Foundation
import GRDB
import MamiService
import Testing

@testable import MamiGateway

/// Conversations stored before the message tree become one straight branch each, nothing lost.
@Suite struct MessageTreeMigrationTests {
    @Test func anExistingConversationBecomesOneStraightBranch() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tree-\(UUID().uuidString).db").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let old = try DatabaseQueue(path: path)
        try GatewayMigrations.migrator.migrate(old, upTo: "0005_message_sources")
        try await old.write { db in
            try db.execute(sql: "INSERT INTO users (id, username, password_hash, role, created_at) VALUES ('u', 'umay', 'x', 'user', 0)")
            for conversation in ["a", "b"] {
                try db.execute(sql: "INSERT INTO conversations (id, user_id, title, created_at, updated_at) VALUES (?, 'u', ?, 0, 0)",
                               arguments: [conversation, conversation])
            }
            // Interleaved, as concurrent conversations are stored.
            for (index, (conversation, role)) in [("a", "user"), ("b", "user"), ("a", "assistant"), ("a", "user"), ("b", "assistant"), ("a", "assistant")].enumerated() {
                try db.execute(sql: """
                    INSERT INTO messages (id, conversation_id, role, content, kind, status, created_at) VALUES (?, ?, ?, ?, 'text', 'complete', ?)
                    """, arguments: ["m\(index)", conversation, role, "text \(index)", Double(index)])
            }
        }
        try old.close()

        let database = try await ServiceDatabase.open(path: path, migrator: GatewayMigrations.migrator)
        let store = ConversationStore(database: database)
        let a = try await store.branch(conversationID: "a", before: nil, limit: 50)
        #expect(a.map(\.id) == ["m5", "m3", "m2", "m0"])
        #expect(a.map(\.parentID) == ["m3", "m2", "m0", nil])
        #expect(a.allSatisfy { $0.siblings?.count == 1 })
        #expect(a.map(\.content) == ["text 5", "text 3", "text 2", "text 0"])
        let b = try await store.branch(conversationID: "b", before: nil, limit: 50)
        #expect(b.map(\.id) == ["m4", "m1"])
        // Pages of the branch follow one another by cursor.
        let page = try await store.branch(conversationID: "a", before: a[1].seq, limit: 50)
        #expect(page.map(\.id) == ["m2", "m0"])
    }
}
