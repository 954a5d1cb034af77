import MamiCore
import Testing

@testable import MamiGateway

/// A socket that comes back with the last event id it saw gets exactly what it missed, or is told to read
/// its state again when that is no longer kept.
@Suite struct EventFanoutTests {
    private func publish(_ fanout: EventFanout, _ count: Int, to owner: String) {
        for index in 0..<count { fanout.publish(["type": "image_progress", "n": .int(Int64(index))], to: owner) }
    }

    @Test func aReturningSocketGetsTheEventsAfterTheLastItSaw() async {
        let fanout = EventFanout()
        publish(fanout, 3, to: "ayse")
        publish(fanout, 2, to: "bora")
        let first = fanout.open(owner: "ayse", after: "\(fanout.epoch).1")
        #expect(first.missed?.map { $0["n"] } == [1, 2])
        #expect(first.missed?.map { $0["event_id"]?.stringValue } == ["\(fanout.epoch).2", "\(fanout.epoch).3"])
        first.cancel()
        #expect(fanout.open(owner: "ayse", after: "\(fanout.epoch).3").missed?.isEmpty == true)
        #expect(fanout.open(owner: "bora", after: "\(fanout.epoch).1").missed?.map { $0["n"] } == [1])
    }

    @Test func idsOfAnotherRunOrNoLongerKeptAskForAResync() {
        let fanout = EventFanout()
        publish(fanout, EventFanout.keptPerOwner + 10, to: "cem")
        #expect(fanout.open(owner: "cem", after: "\(fanout.epoch).5").missed == nil)
        #expect(fanout.open(owner: "cem", after: "\(fanout.epoch).20").missed?.count == EventFanout.keptPerOwner - 10)
        #expect(fanout.open(owner: "cem", after: "1.5").missed == nil)
        #expect(fanout.open(owner: "cem", after: "\(fanout.epoch).999999").missed == nil)
        #expect(fanout.open(owner: "cem", after: "garbage").missed == nil)
        #expect(fanout.open(owner: "cem").missed == nil)
    }

    @Test func liveEventsFollowTheReplayWithoutGapOrRepeat() async {
        let fanout = EventFanout()
        publish(fanout, 2, to: "deniz")
        let opened = fanout.open(owner: "deniz", after: "\(fanout.epoch).1")
        publish(fanout, 1, to: "deniz")
        opened.cancel()
        var live: [JSONValue] = []
        for await event in opened.events { live.append(event) }
        let ids = (opened.missed ?? []).map { $0["event_id"]?.stringValue } + live.map { $0["event_id"]?.stringValue }
        #expect(ids == ["\(fanout.epoch).2", "\(fanout.epoch).3"])
    }
}
