/// Bounds how many heavy tests (a whole stack of processes each) run at once, so
/// a 2-core machine running the suites in parallel is not starved and the
/// timing-sensitive tests beside them keep meaningful bounds.
public actor TestSlots {
    /// Slots for tests that start the whole product.
    public static let stacks = TestSlots(2)

    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init(_ count: Int) {
        free = count
    }

    public func acquire() async {
        guard free == 0 else {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    public func release() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}
