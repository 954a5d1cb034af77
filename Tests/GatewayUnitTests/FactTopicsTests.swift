import Testing
@testable import MamiGateway

@Suite struct FactTopicsTests {
    @Test(arguments: [
        ("The person lives in İzmir.", "self/home"),
        ("The person moved to Ankara.", "self/home"),
        ("We moved to Ankara", "self/home"),
        ("Kişi Ankara'da yaşıyor.", "self/home"),
        ("Ankara'ya taşındık.", "self/home"),
        ("The person's sister lives in Bursa.", "sister/home"),
        ("Kişinin kız kardeşi Bursa'da yaşıyor.", "sibling/home"),
        ("The person works as a nurse.", "self/job"),
        ("Kişi hemşire olarak çalışıyor.", "self/job"),
        ("The person works at a bakery.", "self/workplace"),
        ("My name is Deniz.", "self/name"),
        ("The person has a cat named Pamuk.", "cat/name"),
        ("The person is 34 years old.", "self/age"),
        ("Kişi 34 yaşında.", "self/age"),
        ("The person's birthday is on 14 March.", "self/birthday"),
        ("The person's parents live in Bursa.", "parents/home"),
        ("My neighbour's name is Ali.", "neighbour/name"),
        ("The person's name is Deniz.", "self/name"),
        ("Benim adım Deniz.", "self/name"),
    ])
    func singleValuedFactsHaveATopic(fact: String, topic: String) {
        #expect(FactTopics.topic(of: fact) == topic)
    }

    @Test(arguments: [
        "The person loves cats.",
        "The person used to live in İzmir.",
        "The person plans to move to Paris.",
        "We are going to move to Ankara next year.",
        "The person wants to work as a pilot.",
        "Ankara'ya taşınacağız.",
        "Kişi kedileri seviyor.",
        "I live in İzmir and I love cats and my sister has two dogs and a garden with roses.",
    ])
    func otherFactsHaveNone(fact: String) {
        #expect(FactTopics.topic(of: fact) == nil)
    }
}
