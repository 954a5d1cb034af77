import Foundation
import MamiCore
import ServiceTestSupport
import Testing

/// Documents in the answer (RAG): passages of the person's documents reach the prompt, numbered, and the
/// stored answer names them as its sources. Real processes, the sentence encoder; mami-sim answers.
@Suite struct DocumentAnswerTests {
    static let manual = """
        # Boiler
        The boiler password is written on the blue card in the kitchen drawer. Reset the boiler by holding the red button for five seconds.

        # Garden
        Water the tomatoes every morning in July and weed the beds on Sundays.
        """
    static let contract = "The flat's rent is 12 000 lira a month, paid on the first working day of the month to the landlord's bank account."

    @Test func anAnswerIsGivenWithThePassagesItUsedAndStoresThemAsSources() async throws {
        let stack = try await Stack.start()
        let session = try await stack.register("nur")
        let manual = try await ingest(stack, session, title: "House manual", text: Self.manual)
        _ = try await ingest(stack, session, title: "Rental contract", text: Self.contract)
        let conversation = try await stack.conversation(session)

        let answer = try await stack.chat(session, conversation, "Where is the boiler password written?")
        #expect(answer.status == 200)
        let sources = answer.body["message"]?["sources"]?.arrayValue ?? []
        #expect(sources.first?["document_id"] == manual, "the manual is the first source")
        #expect(sources.first?["title"] == "House manual")
        #expect(sources.first?["number"] == 1)
        #expect(sources.first?["excerpt"]?.stringValue?.contains("blue card") == true)
        #expect(sources.first?["chunk_id"]?.stringValue?.hasPrefix(manual.stringValue ?? "?") == true)

        let system = try await lastPrompt(stack)
        #expect(system.contains("[1] House manual: "), "the passage is in the prompt under its number")
        #expect(system.contains("blue card in the kitchen drawer"))

        let unrelated = try await stack.chat(session, conversation, "Can you suggest a name for my new kitten?")
        #expect(unrelated.body["message"]?["sources"] == [], "a question no document answers is given none")
        #expect(!(try await lastPrompt(stack)).contains("Passages from the person's documents"))

        // The database is the truth: the stored answer carries the same sources.
        let page = try await stack.json("GET", "/api/v1/conversations/\(conversation)/messages", token: session.access)
        let stored = page.body["items"]?.arrayValue?.first { $0["id"] == answer.body["message"]?["id"] }
        #expect(stored?["sources"] == answer.body["message"]?["sources"])
        #expect(page.body["items"]?.arrayValue?.first { $0["role"] == "user" }?["sources"] == [])
        await stack.stop()
    }

    /// A Markdown file, an HTML page and a PDF, uploaded as files: each is the source of the answer to a question it answers.
    @Test func uploadedFilesAreTheSourcesOfTheAnswersTheyAnswer() async throws {
        let stack = try await Stack.start()
        let session = try await stack.register("ozan")
        let files = [
            FilePart(filename: "greenhouse.md", contentType: "text/markdown", bytes: Array(DocumentUploadTests.markdown.utf8)),
            FilePart(filename: "bikes.html", contentType: "text/html", bytes: Array(DocumentUploadTests.html.utf8)),
            FilePart(filename: "lighthouse-notes.pdf", contentType: "application/pdf", bytes: minimalPDF(saying: DocumentUploadTests.pdfSentence)),
        ]
        for file in files { #expect(try await stack.upload(file, token: session.access).status == 201) }
        let conversation = try await stack.conversation(session)
        for (question, title) in [("When do the tomato seedlings move to the greenhouse?", "Greenhouse handbook"),
                                  ("What should I do about a squeaking bicycle chain?", "Bicycle repair & care"),
                                  ("Who writes the tide tables?", "lighthouse-notes")] {
            let answer = try await stack.chat(session, conversation, question)
            #expect(answer.status == 200)
            #expect(answer.body["message"]?["sources"]?.arrayValue?.first?["title"] == .string(title), "\(question)")
        }
        await stack.stop()
    }

    /// Without `?wait=true` the upload is 202 at once; `GET /documents/{id}` follows it to `ready`, then answers cite it.
    @Test func anUploadIsAcceptedAtOnceAndFollowedToReady() async throws {
        let stack = try await Stack.start()
        let session = try await stack.register("ipek")
        let accepted = try await stack.json("POST", "/api/v1/documents", ["title": "Rental contract", "text": .string(Self.contract)],
                                            token: session.access)
        #expect(accepted.status == 202)
        #expect(accepted.body["status"] == "pending")
        let id = try #require(accepted.body["id"]?.stringValue)
        var document: JSONValue = .null
        for _ in 0..<600 {
            document = try await stack.json("GET", "/api/v1/documents/\(id)", token: session.access).body
            if document["status"] == "ready" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(document["status"] == "ready")
        #expect(document["embedded"] == document["chunks"])
        let other = try await stack.register("kaan")
        #expect(try await stack.json("GET", "/api/v1/documents/\(id)", token: other.access).status == 404, "another person's document")
        let conversation = try await stack.conversation(session)
        let answer = try await stack.chat(session, conversation, "How much is the rent of the flat?")
        #expect(answer.body["message"]?["sources"]?.arrayValue?.first?["title"] == "Rental contract")
        await stack.stop()
    }

    /// Tens of chats at once, each asking about a document of its own writer: every answer names its writer's document only.
    @Test func concurrentChatsEachGetTheirOwnDocuments() async throws {
        let stack = try await Stack.start()
        let people = try await withThrowingTaskGroup(of: (Session, JSONValue, String).self) { group in
            for index in 0..<20 {
                group.addTask {
                    let session = try await stack.register("reader\(index)")
                    let id = try await ingest(stack, session, title: "Notes \(index)", text: "The spare key of house \(index) is under the flower pot by the door.")
                    return (session, id, try await stack.conversation(session))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let answers = try await withThrowingTaskGroup(of: (JSONValue, JSONValue).self) { group in
            for (session, document, conversation) in people {
                group.addTask { (document, try await stack.chat(session, conversation, "Where is the spare key?").body) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.count == 20)
        for (document, body) in answers {
            let sources = body["message"]?["sources"]?.arrayValue ?? []
            #expect(body["message"]?["status"] == "complete")
            #expect(sources.allSatisfy { $0["document_id"] == document }, "another person's document")
        }
        #expect(answers.filter { !($0.1["message"]?["sources"]?.arrayValue ?? []).isEmpty }.count >= 15,
                "most answers had their passage (a recall past its budget under this load goes without)")
        await stack.stop()
    }

    func lastPrompt(_ stack: Stack) async throws -> String {
        let prompts = try await stack.sim.calls(to: "/api/chat").filter { $0["body"]?["format"] == nil }
        return prompts.last?["body"]?["messages"]?.arrayValue?.first?["content"]?.stringValue ?? ""
    }
}

/// Ingests a document through the API (JSON); its id.
func ingest(_ stack: Stack, _ session: Session, title: String, text: String) async throws -> JSONValue {
    let answer = try await stack.json("POST", "/api/v1/documents?wait=true", ["title": .string(title), "text": .string(text)], token: session.access)
    #expect(answer.status == 201)
    return answer.body["id"] ?? .null
}
