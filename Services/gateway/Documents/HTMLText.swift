/// The text of an HTML page, for retrieval.
///
/// Drops comments, `<script>`, `<style>`, `<noscript>`, `<template>` and what `<head>`
/// holds except `<title>`; block elements become paragraph or line breaks; `<h1>`–`<h6>`
/// become Markdown heading lines (`## …`), so the chunker sees the page's sections;
/// entities are decoded and whitespace collapsed. A small reader for documents, not a
/// browser: it does not repair broken markup beyond not failing on it.
///
/// ```swift
/// let page = HTMLText("<title>Tea</title><h1>Brewing</h1><p>Steep &amp; wait.</p>")
/// page.title  // "Tea"
/// page.text   // "# Brewing\n\nSteep & wait."
/// ```
struct HTMLText: Sendable {
    private(set) var title: String?
    private(set) var text: String

    init(_ html: String) {
        var reader = HTMLReader(Array(html.utf8))
        reader.read()
        title = reader.title
        text = String(decoding: reader.output.bytes, as: UTF8.self)
    }

    /// Elements whose content is never text.
    static let hidden: Set<String> = ["script", "style", "noscript", "template"]
    /// Elements that stand as paragraphs of their own.
    static let paragraphs: Set<String> = [
        "p", "div", "section", "article", "header", "footer", "main", "nav", "aside", "blockquote", "pre", "ul", "ol",
        "dl", "table", "form", "fieldset", "figure", "figcaption", "address", "details", "summary", "hr", "body",
    ]
    /// Elements that start a line.
    static let lines: Set<String> = ["br", "li", "tr", "dt", "dd", "caption", "option"]
    static let cells: Set<String> = ["td", "th"]

    /// 1 to 6 for `h1` to `h6`.
    static func headingLevel(_ name: String) -> Int? {
        guard name.count == 2, name.hasPrefix("h"), let level = Int(name.dropFirst()), (1...6).contains(level) else { return nil }
        return level
    }
}

/// Reads the page's bytes once, from `<` to `<`.
private struct HTMLReader {
    let bytes: [UInt8]
    var index = 0
    var output = TextWriter()
    var title: String?
    var inHead = false

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func read() {
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "<") {
                readMarkup()
            } else {
                let end = bytes[index...].firstIndex(of: UInt8(ascii: "<")) ?? bytes.count
                if !inHead { output.write(Entities.decode(bytes[index..<end])) }
                index = end
            }
        }
    }

    /// A comment, a declaration, a tag, or a `<` that is only text.
    private mutating func readMarkup() {
        if starts(with: "<!--") {
            index = find("-->", from: index + 4).map { $0 + 3 } ?? bytes.count
        } else if starts(with: "<!") || starts(with: "<?") {
            skipPast(">")
        } else if let tag = HTMLTag(bytes, at: index) {
            index = tag.end
            handle(tag)
        } else {
            if !inHead { output.write([UInt8(ascii: "<")]) }
            index += 1
        }
    }

    private mutating func handle(_ tag: HTMLTag) {
        switch tag.name {
        case "head": inHead = !tag.closing
        case "body" where !tag.closing: inHead = false
        case "title" where !tag.closing: readTitle()
        case let name where HTMLText.hidden.contains(name) && !tag.closing: skipContent(of: name)
        case let name where HTMLText.headingLevel(name) != nil: output.heading(tag.closing ? nil : HTMLText.headingLevel(name))
        case let name where HTMLText.paragraphs.contains(name): output.breakLine(paragraph: true)
        case let name where HTMLText.lines.contains(name): output.breakLine(paragraph: false)
        case let name where HTMLText.cells.contains(name): output.write([UInt8(ascii: " ")])
        default: break
        }
    }

    /// The first `<title>`'s text becomes the title; the page's text does not hold it.
    private mutating func readTitle() {
        let end = closing("title")
        var writer = TextWriter()
        writer.write(Entities.decode(bytes[index..<end.start]))
        let text = String(decoding: writer.bytes, as: UTF8.self)
        if title == nil, !text.isEmpty { title = text }
        index = end.after
    }

    private mutating func skipContent(of name: String) { index = closing(name).after }

    /// Where `</name …>` starts and where it ends (the end of the page when it never comes).
    private func closing(_ name: String) -> (start: Int, after: Int) {
        var from = index
        while let start = find("</", from: from) {
            if let tag = HTMLTag(bytes, at: start), tag.closing, tag.name == name { return (start, tag.end) }
            from = start + 2
        }
        return (bytes.count, bytes.count)
    }

    private mutating func skipPast(_ marker: String) {
        index = find(marker, from: index).map { $0 + marker.utf8.count } ?? bytes.count
    }

    private func starts(with prefix: String) -> Bool {
        bytes[index...].starts(with: prefix.utf8)
    }

    private func find(_ marker: String, from: Int) -> Int? {
        bytes.firstOffset(of: Array(marker.utf8), from: from)
    }
}

/// One tag: `<name attributes…>` or `</name>`, its name lowercased; attributes are skipped (quotes respected).
struct HTMLTag: Equatable {
    var name: String
    var closing: Bool
    /// The offset just past its `>`.
    var end: Int

    /// The tag at `start` (a `<`), or nil when what follows is no tag name.
    init?(_ bytes: [UInt8], at start: Int) {
        var index = start + 1
        closing = index < bytes.count && bytes[index] == UInt8(ascii: "/")
        if closing { index += 1 }
        let nameStart = index
        while index < bytes.count, Self.isNameByte(bytes[index], first: index == nameStart) { index += 1 }
        guard index > nameStart else { return nil }
        name = String(decoding: bytes[nameStart..<index], as: UTF8.self).lowercased()
        end = Self.end(of: bytes, from: index)
    }

    private static func isNameByte(_ byte: UInt8, first: Bool) -> Bool {
        let letter = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
        return letter || (!first && ((UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ":")))
    }

    /// Past the `>` that closes the tag, skipping quoted attribute values.
    private static func end(of bytes: [UInt8], from start: Int) -> Int {
        var quote: UInt8?
        for index in start..<bytes.count {
            let byte = bytes[index]
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: ">") {
                return index + 1
            }
        }
        return bytes.count
    }
}

/// Text with collapsed whitespace, paragraph and line breaks, and Markdown heading lines.
struct TextWriter {
    private(set) var bytes: [UInt8] = []
    private var pendingSpace = false
    private var pendingBreaks = 0
    /// The level of a heading opened but not written yet (it is written with its first text).
    private var pendingHeading: Int?
    private var inHeading = false

    /// Appends text; runs of whitespace become one space (or the pending break).
    mutating func write(_ text: [UInt8]) {
        for byte in text {
            if Self.isSpace(byte) {
                pendingSpace = true
            } else {
                flushPending()
                bytes.append(byte)
            }
        }
    }

    /// A line break or a paragraph break (a blank line) before the next text; a space inside a heading.
    mutating func breakLine(paragraph: Bool) {
        guard !inHeading else { pendingSpace = true; return }
        pendingBreaks = max(pendingBreaks, paragraph ? 2 : 1)
    }

    /// Opens a heading of `level` (1–6), or closes the open one with nil.
    mutating func heading(_ level: Int?) {
        inHeading = false
        breakLine(paragraph: true)
        pendingHeading = level
        inHeading = level != nil
    }

    private mutating func flushPending() {
        if !bytes.isEmpty {
            if pendingBreaks > 0 {
                bytes.append(contentsOf: Array(repeating: UInt8(ascii: "\n"), count: pendingBreaks))
            } else if pendingSpace {
                bytes.append(UInt8(ascii: " "))
            }
        }
        if let level = pendingHeading {
            bytes.append(contentsOf: Array(repeating: UInt8(ascii: "#"), count: level) + [UInt8(ascii: " ")])
        }
        pendingHeading = nil
        pendingSpace = false
        pendingBreaks = 0
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C
    }
}

/// HTML character references: `&amp; &lt; &gt; &quot; &apos; &nbsp;` and `&#N;` / `&#xH;`.
/// Unknown or unterminated references stay as written.
enum Entities {
    static let named: [String: Unicode.Scalar] = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " "]

    static func decode(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(text.count)
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == UInt8(ascii: "&"), let (scalar, end) = reference(text, at: index) {
                result.append(contentsOf: Array(String(Character(scalar)).utf8))
                index = end
            } else {
                result.append(text[index])
                index += 1
            }
        }
        return result
    }

    /// The character `&…;` at `start` stands for and the offset past its `;`.
    private static func reference(_ text: ArraySlice<UInt8>, at start: Int) -> (Unicode.Scalar, Int)? {
        let limit = min(text.endIndex, start + 12)
        guard let semicolon = text[start..<limit].firstIndex(of: UInt8(ascii: ";")) else { return nil }
        let name = String(decoding: text[(start + 1)..<semicolon], as: UTF8.self)
        guard let scalar = name.hasPrefix("#") ? numeric(name.dropFirst()) : named[name] else { return nil }
        return (scalar, semicolon + 1)
    }

    /// `39` or `x27`; a number that is no character (0, a surrogate, past U+10FFFF) is U+FFFD.
    private static func numeric(_ digits: Substring) -> Unicode.Scalar? {
        let hex = digits.first == "x" || digits.first == "X"
        guard let value = UInt32(hex ? digits.dropFirst() : digits, radix: hex ? 16 : 10) else { return nil }
        guard value != 0, let scalar = Unicode.Scalar(value) else { return "\u{FFFD}" }
        return scalar
    }
}
