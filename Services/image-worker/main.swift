import Foundation
import MamiService

/// mami-image-worker: the GPU owner behind `image-worker.sock`.
let status = await ServiceHost.run(ImageWorkerService.definition)
exit(status)
