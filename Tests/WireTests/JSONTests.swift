import Foundation
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

@Suite struct JSONNumberTests {
    @Test func numbersParseExactlyAsTheStandardLibraryDoes() async throws {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<5000 {
            // CPU-bound: leave the cooperative pool to the tests that wait on deadlines.
            if round % 250 == 0 { await Task.yield() }
            let value = Double.random(in: -1000...1000, using: &generator)
            for text in [value.description, String(format: "%.6f", value), String(format: "%.15g", value), Float(value).description] {
                let parsed = try JSONValue(parsing: text)
                #expect(parsed.doubleValue == Double(text), "\(text)")
            }
        }
    }

    @Test func edgeCasesKeepTheirType() throws {
        #expect(try JSONValue(parsing: "0") == .int(0))
        #expect(try JSONValue(parsing: "-17") == .int(-17))
        #expect(try JSONValue(parsing: "9223372036854775807") == .int(Int64.max))
        #expect(try JSONValue(parsing: "-0.5") == .double(-0.5))
        #expect(try JSONValue(parsing: "1e5") == .double(100_000))
        #expect(try JSONValue(parsing: "2.5E-3") == .double(0.0025))
        #expect(try JSONValue(parsing: "0.1") == .double(0.1))
        #expect(try JSONValue(parsing: "123456789.123456789") == .double(123456789.123456789))
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: "01") }
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: "1.") }
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: "1e999") }
    }
}
