import Foundation
import MamiCore

/// A txt2img request as Forge reads it: every field optional, unknown keys ignored.
struct Txt2ImgRequest: Sendable {
    var body: JSONValue
    var prompt: String
    var steps: Int
    var width: Int
    var height: Int
    var seed: Int64
    var batchSize: Int
    var checkpoint: String?

    /// Reads the body; a field of the wrong type is Forge's 422 `detail`.
    init(_ body: JSONValue) throws(Txt2ImgRequest.Invalid) {
        self.body = body
        prompt = body["prompt"]?.stringValue ?? ""
        steps = try Self.int(body, "steps", default: 50, in: 1...150)
        width = try Self.int(body, "width", default: 512, in: 64...2048)
        height = try Self.int(body, "height", default: 512, in: 64...2048)
        batchSize = try Self.int(body, "batch_size", default: 1, in: 1...8)
        let requested = body["seed"]?.intValue ?? -1
        seed = requested == -1 ? Int64.random(in: 0...4_294_967_295) : requested
        checkpoint = body["override_settings"]?["sd_model_checkpoint"]?.stringValue
    }

    struct Invalid: Error {
        var field: String
        var message: String
        var json: JSONValue {
            ["detail": [["loc": ["body", .string(field)], "msg": .string(message), "type": "type_error"]]]
        }
    }

    private static func int(_ body: JSONValue, _ field: String, default value: Int, in range: ClosedRange<Int>) throws(Invalid) -> Int {
        guard let member = body[field], member != .null else { return value }
        guard let number = member.intValue, range.contains(Int(number)) else {
            throw Invalid(field: field, message: "value is not a valid integer in \(range)")
        }
        return Int(number)
    }

    /// A PNG that depends only on prompt, seed and index; `completed` < 1 (an
    /// interrupted run) leaves the lower part as noise, as a partial image.
    func image(index: Int, completed: Double) -> String {
        var hash: UInt64 = 1_469_598_103_934_665_603
        for byte in prompt.utf8 { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        hash ^= UInt64(bitPattern: seed &+ Int64(index))
        hash = hash &* 0x9E37_79B9_7F4A_7C15
        let base = (UInt8(truncatingIfNeeded: hash), UInt8(truncatingIfNeeded: hash >> 8), UInt8(truncatingIfNeeded: hash >> 16))
        let finishedRows = Int(Double(height) * completed)
        let png = PNGEncoder.encode(width: width, height: height) { x, y in
            guard y < finishedRows else { return (UInt8(truncatingIfNeeded: x &* 31 ^ y &* 17), 128, 128) }
            return (base.0 &+ UInt8(truncatingIfNeeded: x), base.1 &+ UInt8(truncatingIfNeeded: y), base.2)
        }
        return Data(png).base64EncodedString()
    }

    func response(images: [String], checkpoint: ForgeSimulator.Checkpoint) -> JSONValue {
        let info: JSONValue = [
            "prompt": .string(prompt), "seed": .int(seed), "all_seeds": .array((0..<images.count).map { .int(seed + Int64($0)) }),
            "width": .int(Int64(width)), "height": .int(Int64(height)), "steps": .int(Int64(steps)),
            "sd_model_name": .string(checkpoint.name), "sd_model_hash": .string(checkpoint.hash),
        ]
        return ["images": .array(images.map(JSONValue.string)), "parameters": body, "info": .string(String(decoding: info.serialized(), as: UTF8.self))]
    }
}
