import MamiCore
import Testing

@Suite struct JSONTests {
    @Test func roundTripsEveryKindOfValue() throws {
        let text = #"{"a":[1,-2,3.5,true,false,null],"s":"\"q\" \\ \n \u00e9 \ud83d\ude00","o":{}}"#
        let value = try JSONValue(parsing: text)
        #expect(value["a"] == [1, -2, 3.5, true, false, nil])
        #expect(value["s"]?.stringValue == "\"q\" \\ \n é 😀")
        #expect(try JSONValue(parsing: value.jsonText) == value)
    }
}
