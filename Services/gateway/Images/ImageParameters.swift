import MamiCore
import MamiWire

/// The parameters a person may give an image job, and those of a message's previous job (for a regenerate).
struct ImageParameters: Sendable {
    var worker: RPCClient
    static let fields = ["width", "height", "steps", "seed", "model", "negative_prompt", "cfg_scale", "distilled_cfg_scale", "sampler_name", "scheduler"]

    /// The fields of `body` that are image parameters.
    static func given(in body: [String: JSONValue]) -> [String: JSONValue] {
        body.filter { fields.contains($0.key) }
    }

    /// The parameters of `message`'s job but its seed, so the next image differs; none when the job is unknown.
    func previous(of message: Message, owner: String) async -> [String: JSONValue] {
        guard let jobID = message.jobID, !jobID.isEmpty,
              let job = try? await worker.call("image.get", params: ["id": .string(jobID), "owner": .string(owner)], timeout: .seconds(5)) else { return [:] }
        return Self.given(in: job["params"]?.objectValue ?? [:]).filter { $0.key != "seed" }
    }
}
