import ArgumentParser
import Hummingbird
import Logging
import MamiCore
import ServiceLifecycle

/// mami-sim: Forge and Ollama as Mami sees them, with controllable pace and
/// faults (docs/simulator.md). A development and test tool; the product talks to
/// the real services when `MAMI_FORGE_URL` / `MAMI_OLLAMA_URL` point at them.
@main
struct MamiSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mami-sim",
        abstract: "Simulates Stable Diffusion WebUI Forge and Ollama on loopback, for development and tests."
    )

    @Option(help: "Port of the Forge API (0: do not serve it).")
    var forgePort = 7860

    @Option(help: "Port of the Ollama API (0: do not serve it).")
    var ollamaPort = 11434

    @Option(help: "Delay of each sampling step of txt2img, in milliseconds.")
    var stepMs = 50

    @Option(help: "Delay before each streamed token, in milliseconds.")
    var tokenMs = 20

    @Option(help: "Comma-separated Forge checkpoints; the first is loaded.")
    var checkpoints = "flux1-dev-bnb-nf4-v2,sd_xl_base_1.0"

    @Option(help: "Comma-separated Ollama models.")
    var models = "llama3.2,all-minilm,nomic-embed-text"

    func run() async throws {
        var logger = Logger(label: "mami.sim")
        logger.logLevel = .info
        let control = SimControl(stepDelay: .milliseconds(stepMs), tokenDelay: .milliseconds(tokenMs))
        var services: [any Service] = []
        if forgePort != 0 {
            let forge = ForgeSimulator(checkpoints: list(checkpoints), control: control)
            let router = router(control, service: "forge") { _, message in ForgeRoutes.errorBody(message) }
            ForgeRoutes.add(to: router, forge: forge)
            services.append(application(router, port: forgePort, name: "forge", logger: logger))
        }
        if ollamaPort != 0 {
            let ollama = OllamaSimulator(models: list(models))
            // Ollama serves the OpenAI protocol under /v1 too; so does the simulator.
            let router = router(control, service: "ollama") { path, message in
                path.hasPrefix("/v1/") ? OpenAISimRoutes.errorBody(message) : OllamaRoutes.errorBody(message)
            }
            OllamaRoutes.add(to: router, ollama: ollama, control: control)
            OpenAISimRoutes.add(to: router, ollama: ollama, control: control)
            services.append(application(router, port: ollamaPort, name: "ollama", logger: logger))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    private func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private func router(_ control: SimControl, service: String,
                        errorBody: @escaping @Sendable (_ path: String, _ message: String) -> JSONValue) -> Router<SimContext> {
        let router = Router(context: SimContext.self)
        router.add(middleware: SimMiddleware(control: control, service: service, errorBody: errorBody))
        router.addControlRoutes(control)
        return router
    }

    private func application(_ router: Router<SimContext>, port: Int, name: String, logger: Logger) -> some Service {
        Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "mami-sim"),
            onServerRunning: { _ in logger.info("serving", metadata: ["api": "\(name)", "port": "\(port)"]) },
            logger: logger)
    }
}
