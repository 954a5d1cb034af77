import Hummingbird
import MamiCore

/// Forge's `/sdapi/v1` routes (../docs/simulator.md lists what is simulated).
enum ForgeRoutes {
    static func errorBody(_ message: String) -> JSONValue {
        ["error": "RuntimeError", "detail": "", "body": "", "message": .string(message)]
    }

    static func add(to router: Router<SimContext>, forge: ForgeSimulator) {
        router.post("/sdapi/v1/txt2img") { request, _ in
            do {
                let parsed = try Txt2ImgRequest(try await SimResponse.body(request))
                return SimResponse.json(await forge.txt2img(parsed))
            } catch let invalid as Txt2ImgRequest.Invalid {
                return SimResponse.json(invalid.json, status: .unprocessableContent)
            }
        }
        router.get("/sdapi/v1/progress") { _, _ in SimResponse.json(await forge.progressJSON()) }
        router.post("/sdapi/v1/interrupt") { _, _ in
            await forge.interrupt()
            return SimResponse.json([:])
        }
        router.get("/sdapi/v1/options") { _, _ in
            SimResponse.json(["sd_model_checkpoint": .string(await forge.current.title), "samples_format": "png"])
        }
        router.post("/sdapi/v1/options") { request, _ in try await setOptions(request, forge: forge) }
        router.get("/sdapi/v1/sd-models") { _, _ in
            SimResponse.json(.array(forge.checkpoints.map { checkpoint in
                [
                    "title": .string(checkpoint.title), "model_name": .string(checkpoint.name), "hash": .string(checkpoint.hash),
                    "sha256": .string(String(repeating: checkpoint.hash, count: 8)),
                    "filename": .string("/models/Stable-diffusion/\(checkpoint.name).safetensors"), "config": nil,
                ]
            }))
        }
        router.get("/sdapi/v1/sd-modules") { _, _ in
            SimResponse.json(.array(["ae", "clip_l", "t5xxl_fp16"].map { name in
                ["model_name": .string(name), "filename": .string("/models/VAE/\(name).safetensors")]
            }))
        }
        router.post("/sdapi/v1/unload-checkpoint") { _, _ in
            await forge.unload()
            return SimResponse.json([:])
        }
        router.post("/sdapi/v1/reload-checkpoint") { _, _ in
            await forge.reload()
            return SimResponse.json([:])
        }
    }

    /// `POST /sdapi/v1/options`: an unknown checkpoint is a 500, as in Forge.
    static func setOptions(_ request: Request, forge: ForgeSimulator) async throws -> Response {
        let body = try await SimResponse.body(request)
        if let name = body["sd_model_checkpoint"]?.stringValue {
            guard let checkpoint = await forge.checkpoint(named: name) else {
                return SimResponse.json(errorBody("model '\(name)' not found"), status: .internalServerError)
            }
            await forge.select(checkpoint)
        }
        return SimResponse.json([:])
    }
}
