import MamiCore
import MamiWire
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What the server does with bad bytes: the offending connection is closed, everyone else is served.
@Suite struct FramingTests {
    @Test func zeroLengthFrameClosesTheConnection() async throws {
        let server = try await TestServer.start()
        let raw = try FrameConnection(path: server.path)
        raw.send([0, 0, 0, 0])
        let answer = try await raw.readFrame()
        #expect(answer?["error"]?["code"] == -32600)
        #expect(try await raw.isClosedByPeer())
        try await expectStillServing(server)
        await server.stop()
    }

    @Test func oversizedLengthIsRefusedRightAfterTheHeader() async throws {
        let server = try await TestServer.start(maxFrameBytes: 1024)
        let raw = try FrameConnection(path: server.path)
        raw.send([0, 0, 0x04, 0x01])  // 1025 bytes announced, none sent
        let answer = try await raw.readFrame()
        #expect(answer?["error"]?["code"] == -32600)
        #expect(answer?["error"]?["message"]?.stringValue?.contains("exceeds the maximum") == true)
        #expect(try await raw.isClosedByPeer())
        try await expectStillServing(server)
        await server.stop()
    }

    @Test func truncatedFrameThenEOFLeavesTheServiceServing() async throws {
        let server = try await TestServer.start()
        do {
            let raw = try FrameConnection(path: server.path)
            raw.send([0, 0, 0, 50] + Array(#"{"jsonrpc":"2.0","#.utf8))
            shutdown(raw.fd, Int32(SHUT_WR))
            #expect(try await raw.isClosedByPeer())
        }
        try await expectStillServing(server)
        await server.stop()
    }

    @Test func garbageBytesCloseTheConnection() async throws {
        let server = try await TestServer.start()
        let raw = try FrameConnection(path: server.path)
        raw.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))  // "GET " is a 1.19 GB length
        #expect(try await raw.isClosedByPeer())
        try await expectStillServing(server)
        await server.stop()
    }

    @Test func malformedJSONGetsParseErrorAndTheConnectionLivesOn() async throws {
        let server = try await TestServer.start()
        let raw = try FrameConnection(path: server.path)
        raw.sendFrame(#"{"jsonrpc":"2.0","id":1,"method":"#)
        let parseError = try await raw.readFrame()
        #expect(parseError?["error"]?["code"] == -32700)
        #expect(parseError?["id"] == .null)
        raw.sendFrame(#"{"jsonrpc":"2.0","id":2,"method":"echo","params":{"x":1}}"#)
        let answer = try await raw.readFrame()
        #expect(answer?["id"] == 2)
        #expect(answer?["result"] == ["x": 1])
        await server.stop()
    }

    @Test func unknownMethodAndBadParamsGetTheirCodes() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        await #expect(throws: RPCError.self) { try await client.call("no.such", timeout: .seconds(5)) }
        let unknown = await errorCode { try await client.call("no.such", timeout: .seconds(5)) }
        #expect(unknown == .methodNotFound)
        let missing = await errorCode { try await client.call("add", params: ["a": 1], timeout: .seconds(5)) }
        #expect(missing == .invalidParams)
        let illTyped = await errorCode { try await client.call("add", params: ["a": 1, "b": "two"], timeout: .seconds(5)) }
        #expect(illTyped == .invalidParams)
        let notAnObject = await errorCode { try await client.call("sleep", params: [1, 2], timeout: .seconds(5)) }
        #expect(notAnObject == .invalidParams)
        #expect(try await client.call("add", params: ["a": 1, "b": 2], timeout: .seconds(5)) == 3)
        await client.close()
        await server.stop()
    }

    @Test func requestWithoutMethodIsAnInvalidRequest() async throws {
        let server = try await TestServer.start()
        let raw = try FrameConnection(path: server.path)
        raw.sendFrame(#"{"jsonrpc":"2.0","id":9}"#)
        let answer = try await raw.readFrame()
        #expect(answer?["error"]?["code"] == -32600)
        #expect(answer?["id"] == 9)
        raw.sendFrame(#"[1,2,3]"#)
        #expect(try await raw.readFrame()?["error"]?["code"] == -32600)
        await server.stop()
    }
}

func expectStillServing(_ server: TestServer) async throws {
    let client = server.client()
    #expect(try await client.call("echo", params: ["still": true], timeout: .seconds(5)) == ["still": true])
    await client.close()
}

func errorCode(_ body: () async throws -> JSONValue) async -> RPCErrorCode? {
    do {
        _ = try await body()
        return nil
    } catch let error as RPCError {
        return error.code
    } catch {
        return nil
    }
}

@Suite struct FrameLimitTests {
    @Test func aClientRefusesToSendAnOversizedRequestAndTheConnectionLivesOn() async throws {
        let server = try await TestServer.start(maxFrameBytes: 1024)
        let client = RPCClient(configuration: .init(path: server.path, maxFrameBytes: 1024))
        let code = await errorCode { try await client.call("echo", params: ["big": .string(String(repeating: "x", count: 2000))], timeout: .seconds(5)) }
        #expect(code == .invalidRequest)
        #expect(try await client.call("echo", params: ["small": 1], timeout: .seconds(5)) == ["small": 1])
        await client.close()
        await server.stop()
    }

    @Test func anOversizedAnswerBecomesAnErrorNotABrokenConnection() async throws {
        let server = try await TestServer.start(maxFrameBytes: 1024) { methods in
            methods.register("grow") { _, params in .string(String(repeating: "x", count: Int(params?["n"]?.intValue ?? 0))) }
        }
        let client = RPCClient(configuration: .init(path: server.path, maxFrameBytes: 1024))
        let code = await errorCode { try await client.call("grow", params: ["n": 2000], timeout: .seconds(5)) }
        #expect(code == .internalError)
        #expect(try await client.call("echo", params: ["small": 1], timeout: .seconds(5)) == ["small": 1])
        await client.close()
        await server.stop()
    }
}
