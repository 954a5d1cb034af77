import MamiWire
import Testing

@Suite struct PeerPolicyTests {
    @Test func admitsOnlyListedUIDs() {
        let policy = PeerPolicy(allowedUIDs: [0, 1000])
        #expect(policy.admits(PeerCredentials(pid: 1, uid: 0, gid: 0)))
        #expect(policy.admits(PeerCredentials(pid: 1, uid: 1000, gid: 1000)))
        #expect(!policy.admits(PeerCredentials(pid: 1, uid: 65534, gid: 65534)))
    }
}
