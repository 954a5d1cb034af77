import MamiCore

/// The OpenAPI 3.1 description served at `/api/v1/openapi.json` (the same document as docs/openapi.yaml).
enum OpenAPIDocument {
    static let json: JSONValue = ["openapi": "3.1.0", "info": ["title": "Mami gateway", "version": .string(MamiVersion.current)], "paths": [:]]
}
