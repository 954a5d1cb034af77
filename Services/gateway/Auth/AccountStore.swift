import Crypto
import Foundation
import GRDB
import MamiCore
import MamiService

/// A signed-up person.
struct User: Sendable, Equatable {
    enum Role: String, Sendable { case user, admin }
    var id: String
    var username: String
    var role: Role

    var json: JSONValue { ["id": .string(id), "username": .string(username), "role": .string(role.rawValue)] }
}

/// A refresh token handed out: the opaque secret (shown once) and its family.
struct IssuedRefresh: Sendable {
    var token: String
    var familyID: String
    var expiresAt: Date
}

/// Why a refresh token was refused.
enum RefreshRefusal: Error, Equatable {
    case unknown, expired, revoked
    /// A token already rotated came back: its whole family is now revoked.
    case reused
}

/// gateway.db's users, refresh tokens (hashed, in families, rotated on use) and API keys (hashed).
struct AccountStore: Sendable {
    let database: ServiceDatabase
    var refreshLifetime: TimeInterval = 30 * 24 * 3600

    static func now() -> Double { Date().timeIntervalSince1970 }

    /// 32 random bytes, base64url: a refresh token or an API key's secret.
    static func secret() -> String {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return bytes.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Creates a user; the first one ever is the admin. Nil when the name is taken.
    func createUser(username: String, passwordHash: String) async throws -> User? {
        try await database.write { db in
            guard try Row.fetchOne(db, sql: "SELECT 1 FROM users WHERE username = ?", arguments: [username]) == nil else { return nil }
            let isFirst = try Int.fetchOne(db, sql: "SELECT count(*) FROM users") == 0
            let user = User(id: UUID().uuidString.lowercased(), username: username, role: isFirst ? .admin : .user)
            try db.execute(sql: "INSERT INTO users (id, username, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [user.id, username, passwordHash, user.role.rawValue, Self.now()])
            return user
        }
    }

    /// The user and their password hash, by name (case-insensitive).
    func credentials(username: String) async throws -> (User, String)? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT id, username, role, password_hash FROM users WHERE username = ?", arguments: [username]).map { row in
                (Self.user(row), row["password_hash"] as String)
            }
        }
    }

    func user(id: String) async throws -> User? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT id, username, role FROM users WHERE id = ?", arguments: [id]).map(Self.user)
        }
    }

    /// The user, unless their session `family` is revoked: one read for every authenticated request.
    func user(id: String, unlessRevoked family: String) async throws -> User? {
        try await database.read { db in
            let statement = try db.cachedStatement(sql: """
                SELECT id, username, role FROM users WHERE id = ? AND NOT EXISTS (SELECT 1 FROM revoked_families WHERE family_id = ?)
                """)
            return try Row.fetchOne(statement, arguments: [id, family]).map(Self.user)
        }
    }

    static func user(_ row: Row) -> User {
        User(id: row["id"], username: row["username"], role: User.Role(rawValue: row["role"]) ?? .user)
    }

    /// Starts a new token family (a login).
    func issueRefresh(userID: String) async throws -> IssuedRefresh {
        try await database.write { db in try insertRefresh(db, userID: userID, familyID: UUID().uuidString.lowercased(), parent: nil) }
    }

    private func insertRefresh(_ db: Database, userID: String, familyID: String, parent: String?) throws -> IssuedRefresh {
        let token = Self.secret()
        let expires = Date().addingTimeInterval(refreshLifetime)
        try db.execute(sql: """
            INSERT INTO refresh_tokens (token_hash, user_id, family_id, parent_hash, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [Self.hash(token), userID, familyID, parent, expires.timeIntervalSince1970, Self.now()])
        return IssuedRefresh(token: token, familyID: familyID, expiresAt: expires)
    }

    /// Rotates `token`: it is spent and a child is issued in its family. A token
    /// presented a second time revokes its whole family (theft detection).
    func rotate(_ token: String) async throws -> Result<(userID: String, refresh: IssuedRefresh), RefreshRefusal> {
        try await database.write { db in
            let hash = Self.hash(token)
            guard let row = try Row.fetchOne(db, sql: "SELECT user_id, family_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = ?",
                                             arguments: [hash]) else { return .failure(.unknown) }
            let family: String = row["family_id"]
            let familyRevoked = try Self.isRevoked(db, family: family)
            if row["revoked_at"] as Double? != nil || familyRevoked { return .failure(.revoked) }
            if row["used_at"] as Double? != nil {
                try Self.revoke(db, family: family, reason: "refresh token reused")
                return .failure(.reused)
            }
            if (row["expires_at"] as Double) < Self.now() { return .failure(.expired) }
            try db.execute(sql: "UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ?", arguments: [Self.now(), hash])
            let userID: String = row["user_id"]
            return .success((userID, try insertRefresh(db, userID: userID, familyID: family, parent: hash)))
        }
    }

    /// Revokes the family of `token` (logout); false when the token is unknown.
    func revokeFamily(of token: String) async throws -> Bool {
        try await database.write { db in
            guard let family = try String.fetchOne(db, sql: "SELECT family_id FROM refresh_tokens WHERE token_hash = ?", arguments: [Self.hash(token)]) else {
                return false
            }
            try Self.revoke(db, family: family, reason: "logout")
            return true
        }
    }

    /// A new password hash; every refresh family of the user is revoked (their sessions end).
    func setPassword(userID: String, hash: String) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE users SET password_hash = ? WHERE id = ?", arguments: [hash, userID])
            let families = try String.fetchAll(db, sql: "SELECT DISTINCT family_id FROM refresh_tokens WHERE user_id = ? AND revoked_at IS NULL", arguments: [userID])
            for family in families { try Self.revoke(db, family: family, reason: "password changed") }
        }
    }

    static func revoke(_ db: Database, family: String, reason: String) throws {
        try db.execute(sql: "INSERT OR IGNORE INTO revoked_families (family_id, revoked_at, reason) VALUES (?, ?, ?)", arguments: [family, now(), reason])
        try db.execute(sql: "UPDATE refresh_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE family_id = ?", arguments: [now(), family])
    }

    static func isRevoked(_ db: Database, family: String) throws -> Bool {
        try Row.fetchOne(db, sql: "SELECT 1 FROM revoked_families WHERE family_id = ?", arguments: [family]) != nil
    }

    func isRevoked(family: String) async throws -> Bool {
        try await database.read { db in try Self.isRevoked(db, family: family) }
    }

    // MARK: API keys

    /// Creates a key for `userID`; the secret is returned once and stored hashed.
    func createAPIKey(userID: String, name: String) async throws -> (id: String, key: String, json: JSONValue) {
        let key = "mami_" + Self.secret()
        let id = UUID().uuidString.lowercased()
        let now = Self.now()
        try await database.write { db in
            try db.execute(sql: "INSERT INTO api_keys (id, user_id, name, key_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [id, userID, name, Self.hash(key), String(key.prefix(12)), now])
        }
        return (id, key, Self.apiKeyJSON(id: id, name: name, prefix: String(key.prefix(12)), created: now, revoked: nil))
    }

    func apiKeys(userID: String) async throws -> [JSONValue] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, prefix, created_at, revoked_at FROM api_keys WHERE user_id = ? ORDER BY created_at DESC",
                             arguments: [userID]).map { row in
                Self.apiKeyJSON(id: row["id"], name: row["name"], prefix: row["prefix"], created: row["created_at"], revoked: row["revoked_at"])
            }
        }
    }

    func revokeAPIKey(userID: String, id: String) async throws -> Bool {
        try await database.write { db in
            try db.execute(sql: "UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND user_id = ?", arguments: [Self.now(), id, userID])
            return db.changesCount == 1
        }
    }

    /// The owner of a live API key.
    func user(apiKey: String) async throws -> User? {
        try await database.read { db in
            try Row.fetchOne(db, sql: """
                SELECT u.id, u.username, u.role FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ? AND k.revoked_at IS NULL
                """, arguments: [Self.hash(apiKey)]).map(Self.user)
        }
    }

    static func apiKeyJSON(id: String, name: String, prefix: String, created: Double, revoked: Double?) -> JSONValue {
        ["id": .string(id), "name": .string(name), "prefix": .string(prefix),
         "created_at": .string(Date(timeIntervalSince1970: created).formatted(.iso8601)),
         "revoked": .bool(revoked != nil)]
    }
}
