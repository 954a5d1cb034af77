import Crypto
import Foundation
import JWTKit
import MamiCore
import NIOConcurrencyHelpers

/// The claims of an access token. Every one is checked: issuer, audience,
/// subject, expiry, issue time, token id, and the session (refresh family).
struct AccessClaims: JWTPayload, Equatable {
    static let issuer = "mami"
    static let audience = "mami-api"

    var iss: IssuerClaim
    var aud: AudienceClaim
    var sub: SubjectClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var jti: IDClaim
    /// The refresh-token family (login session) this token belongs to.
    var sid: String
    var role: String

    func verify(using algorithm: some JWTAlgorithm) async throws {
        guard iss.value == Self.issuer else { throw JWTError.claimVerificationFailure(failedClaim: iss, reason: "wrong issuer") }
        try aud.verifyIntendedAudience(includes: Self.audience)
        try exp.verifyNotExpired()
        guard iat.value <= Date().addingTimeInterval(60) else { throw JWTError.claimVerificationFailure(failedClaim: iat, reason: "issued in the future") }
        guard !sub.value.isEmpty, !jti.value.isEmpty, !sid.isEmpty else {
            throw JWTError.claimVerificationFailure(failedClaim: sub, reason: "missing subject, id or session")
        }
    }
}

/// Signs and verifies access tokens with one Ed25519 key (EdDSA; the algorithm is
/// pinned: a token naming any other, `none` included, is refused). The key is kept
/// in the state directory (mode 0600), so tokens survive a restart.
struct AccessTokens: Sendable {
    let keys: JWTKeyCollection
    let lifetime: TimeInterval
    static let keyID = JWKIdentifier(string: "mami-ed25519")
    /// Tokens whose signature and claims were verified, so a client's every request does not pay
    /// for an Ed25519 verification; an entry is used only until its token expires.
    let verified = VerifiedTokens(capacity: 10_000)

    static func load(stateDirectory: String, lifetime: TimeInterval) async throws -> AccessTokens {
        let path = (stateDirectory as NSString).appendingPathComponent("gateway-signing.key")
        let key = try await blocking { try loadOrCreateKey(at: path) }
        let keys = JWTKeyCollection()
        await keys.add(eddsa: EdDSA.PrivateKey(backing: key), kid: keyID)
        return AccessTokens(keys: keys, lifetime: lifetime)
    }

    private static func loadOrCreateKey(at path: String) throws -> Curve25519.Signing.PrivateKey {
        if let data = FileManager.default.contents(atPath: path), let raw = Data(base64Encoded: data) {
            return try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        }
        let key = Curve25519.Signing.PrivateKey()
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: key.rawRepresentation.base64EncodedData(), attributes: [.posixPermissions: 0o600]),
              rename(temporary, path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        return key
    }

    /// A token for `user` in session `family`, valid for ``lifetime``.
    func issue(for user: User, family: String) async throws -> (token: String, expiresAt: Date) {
        let now = Date()
        let expires = now.addingTimeInterval(lifetime)
        let claims = AccessClaims(
            iss: .init(value: AccessClaims.issuer), aud: .init(value: [AccessClaims.audience]), sub: .init(value: user.id),
            exp: .init(value: expires), iat: .init(value: now), jti: .init(value: UUID().uuidString.lowercased()), sid: family,
            role: user.role.rawValue)
        return (try await keys.sign(claims, kid: Self.keyID), expires)
    }

    /// The claims of a valid token; throws for a bad signature, another algorithm, or a failed claim.
    func verify(_ token: String) async throws -> AccessClaims {
        if let claims = verified.claims(of: token) { return claims }
        let claims = try await keys.verify(token, as: AccessClaims.self)
        verified.insert(claims, for: token)
        return claims
    }
}

/// A bounded map from verified token strings to their claims; emptied when full
/// (tokens live 15 minutes, so a full table is mostly stale ones).
final class VerifiedTokens: Sendable {
    private let capacity: Int
    private let entries = NIOLockedValueBox<[String: AccessClaims]>([:])

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The claims of `token` if it was verified and has not expired since.
    func claims(of token: String) -> AccessClaims? {
        guard let claims = entries.withLockedValue({ $0[token] }), claims.exp.value > Date() else { return nil }
        return claims
    }

    func insert(_ claims: AccessClaims, for token: String) {
        entries.withLockedValue { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[token] = claims
        }
    }
}
