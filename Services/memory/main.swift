import Foundation
import MamiService

/// mami-memory: long-term memory and RAG behind `memory.sock`.
let status = await ServiceHost.run(MemoryService.definition)
exit(status)
