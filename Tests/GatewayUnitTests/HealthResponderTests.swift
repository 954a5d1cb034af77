import HTTPTypes
import MamiCore
import MamiService
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

@testable import MamiGateway

/// `/health` answered in the pipeline: on the event loop, in order with the router's answers.
@Suite struct HealthResponderTests {
    let channel = EmbeddedChannel()

    init() throws {
        let endpoint = HealthEndpoint(own: HealthState(service: .gateway, staleAfter: .seconds(5)),
                                      dependencies: DependencyHealth(clients: [:], deadline: .milliseconds(100)), group: channel.eventLoop)
        try channel.pipeline.syncOperations.addHandler(HealthResponder(endpoint: endpoint))
    }

    func request(_ path: String) throws {
        try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .get, scheme: nil, authority: "mami", path: path)))
        try channel.writeInbound(HTTPRequestPart.end(nil))
    }

    /// What left the handler toward the client: each response's status.
    func statuses() throws -> [Int] {
        var statuses: [Int] = []
        while let part = try channel.readOutbound(as: HTTPResponsePart.self) {
            if case .head(let head) = part { statuses.append(head.status.code) }
        }
        return statuses
    }

    /// What went on to the router: request paths.
    func passedOn() throws -> [String] {
        var paths: [String] = []
        while let part = try channel.readInbound(as: HTTPRequestPart.self) {
            if case .head(let head) = part { paths.append(head.path ?? "") }
        }
        return paths
    }

    @Test func healthIsAnsweredHereAndOtherRequestsGoOn() throws {
        try request("/health")
        channel.embeddedEventLoop.run()
        // No check has run yet: the gateway reports itself failing (503), without waiting on anything.
        #expect(try statuses() == [503])
        try request("/api/v1/conversations")
        #expect(try passedOn() == ["/api/v1/conversations"])
        #expect(try statuses() == [])
    }

    @Test func aHealthRequestBehindAnUnfinishedOneGoesToTheRouterInOrder() throws {
        try request("/api/v1/auth/me")
        try request("/health")
        #expect(try passedOn() == ["/api/v1/auth/me", "/health"], "the router answers both, in order")
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .unauthorized)))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        _ = try statuses()
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        _ = try statuses()
        try request("/health")
        channel.embeddedEventLoop.run()
        #expect(try passedOn() == [], "with nothing in flight, health is answered here again")
        #expect(try statuses() == [503])
    }
}
