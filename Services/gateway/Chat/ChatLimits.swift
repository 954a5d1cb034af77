/// How much one person, one script or one address may ask: chat messages per minute per user
/// (`MAMI_CHAT_PER_MINUTE`) and per client address (`MAMI_CHAT_PER_MINUTE_PER_IP`), in a sliding
/// window, so nobody monopolises the engine. Over either limit: 429 with `Retry-After`.
struct ChatLimits: Sendable {
    var perUser: RateLimiter
    var perAddress: RateLimiter

    init(perUser: Int, perAddress: Int) {
        self.perUser = RateLimiter(limit: perUser, window: 60)
        self.perAddress = RateLimiter(limit: perAddress, window: 60)
    }

    func admit(user: User, address: String) throws {
        let waits = [perUser.retryAfter(["chat-user:\(user.id)"]), perAddress.retryAfter(["chat-ip:\(address)"])].compactMap { $0 }
        if let wait = waits.max() {
            throw APIError(.tooManyRequests, "rate_limited", "too many messages; try again in \(wait) s", retryAfter: wait)
        }
    }
}
