import ArgumentParser
import Foundation
import MamiCore
import MamiEncoder

/// The memory service's sentence encoder alone, in this process: how long the
/// model file takes to read and parse, and one embedding of a 20-word sentence
/// and of a short question, in each language, one after another on one thread.
struct EncoderBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "encoder", abstract: "Model load and per-sentence embedding time of e5-small.")

    @Option(help: "The e5-small-q4.bin model file.") var model: String
    @Option(help: "Embeddings timed per text.") var count = 200

    static let texts: [(name: String, text: String, role: E5Tokenizer.Role)] = [
        ("20 words, English", "Last summer my sister and I drove from Izmir to Ankara to visit our grandmother, who still lives near the castle.", .passage),
        ("20 words, Turkish", "Geçen yaz kız kardeşimle birlikte İzmir'den Ankara'ya arabayla gittik, çünkü babaannemiz hâlâ kalenin yakınındaki eski evinde yaşıyor ve bizi bekliyordu.", .passage),
        ("question, English", "What do I do for a living?", .query),
        ("question, Turkish", "Hangi şehirde yaşıyorum?", .query),
    ]

    func run() async throws {
        let started = ContinuousClock.now
        let file = try E5ModelFile(path: model)
        let encoder = try E5Encoder(file: file)
        let load = (ContinuousClock.now - started).seconds * 1000
        var results: [JSONValue] = []
        for sample in Self.texts {
            _ = encoder.embed(sample.text, role: sample.role)
            var samples: [Double] = []
            for _ in 0..<count {
                let start = ContinuousClock.now
                _ = encoder.embed(sample.text, role: sample.role)
                samples.append((ContinuousClock.now - start).seconds * 1000)
            }
            results.append(["text": .string(sample.name), "words": .int(Int64(sample.text.split(separator: " ").count)),
                            "tokens": .int(Int64(encoder.tokenizer.ids(sample.text, role: sample.role).count)), "embed_ms": percentiles(samples)])
        }
        print(JSONValue.object(["mode": "encoder", "load_ms": .double((load * 10).rounded() / 10), "texts": .array(results)]).jsonText)
    }
}
