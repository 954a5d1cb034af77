extension JSONValue {
    /// Writes compact JSON text as UTF-8 bytes. Non-finite doubles become `null`,
    /// since JSON cannot express them.
    public func serialize(into output: inout [UInt8]) {
        switch self {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value): Self.serialize(value, into: &output)
        case .double(let value): Self.serialize(value, into: &output)
        case .string(let value): Self.serialize(value, into: &output)
        case .array(let elements): Self.serialize(elements, into: &output)
        case .object(let members): Self.serialize(members, into: &output)
        }
    }

    /// Compact JSON text as bytes.
    public func serialized() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(128)
        serialize(into: &output)
        return output
    }

    /// Compact JSON text as a string.
    public var jsonText: String { String(decoding: serialized(), as: UTF8.self) }

    /// Decimal digits written straight into the output, without an intermediate String.
    static func serialize(_ value: Int64, into output: inout [UInt8]) {
        if value < 0 { output.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits = 1
        var probe = magnitude
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        let start = output.count
        output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digits))
        var index = start + digits - 1
        repeat {
            output[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
            index -= 1
        } while magnitude > 0
    }

    static func serialize(_ value: Double, into output: inout [UInt8]) {
        guard value.isFinite else {
            output.append(contentsOf: "null".utf8)
            return
        }
        output.append(contentsOf: value.description.utf8)
    }

    static func serialize(_ elements: [JSONValue], into output: inout [UInt8]) {
        output.append(UInt8(ascii: "["))
        for (position, element) in elements.enumerated() {
            if position > 0 { output.append(UInt8(ascii: ",")) }
            element.serialize(into: &output)
        }
        output.append(UInt8(ascii: "]"))
    }

    static func serialize(_ members: [String: JSONValue], into output: inout [UInt8]) {
        output.append(UInt8(ascii: "{"))
        var first = true
        for (key, value) in members {
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            serialize(key, into: &output)
            output.append(UInt8(ascii: ":"))
            value.serialize(into: &output)
        }
        output.append(UInt8(ascii: "}"))
    }

    static func serialize(_ string: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        let copiedWhole = string.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            output.append(contentsOf: bytes)
            return true
        }
        if copiedWhole != true { appendEscaped(string, into: &output) }
        output.append(UInt8(ascii: "\""))
    }

    static func appendEscaped(_ string: String, into output: inout [UInt8]) {
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20: appendControlEscape(byte, into: &output)
            default: output.append(byte)
            }
        }
    }

    static func appendControlEscape(_ byte: UInt8, into output: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        output.append(contentsOf: "\\u00".utf8)
        output.append(hex[Int(byte >> 4)])
        output.append(hex[Int(byte & 0x0F)])
    }
}
