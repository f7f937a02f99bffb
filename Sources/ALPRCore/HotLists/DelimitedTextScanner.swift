import Foundation

/// Splits the bytes of a comma-separated hot list file into numbered lines and fields without
/// building a String per line. Handles a UTF-8 byte order mark, LF and CRLF line ends, quoted
/// fields with doubled quotes, and rejects (by line number) lines that are not UTF-8 or hold
/// control characters.
///
/// A quoted field must close on its own line: hot list records never span lines, and an
/// unclosed quote would otherwise swallow every following record as one bad field.
struct DelimitedTextScanner {
    struct Field {
        var start: Int
        var end: Int
        var quoted: Bool
        var hasDoubledQuotes: Bool
    }

    enum Line {
        case fields
        case blank
        case rejected(HotListRejectReason)
    }

    /// Calls `body` for each line with its 1-based number, what was found, the fields (valid
    /// when `.fields`), the bytes and whether the line ended with a line break.
    static func scan(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ body: (_ lineNumber: Int, _ line: Line, _ fields: [Field], _ bytes: UnsafeBufferPointer<UInt8>, _ terminated: Bool) -> Void
    ) {
        var position = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
        var lineNumber = 0
        var fields: [Field] = []
        fields.reserveCapacity(16)
        while position < bytes.count {
            lineNumber += 1
            let start = position
            var end = start
            var combined: UInt8 = 0
            var controlCount = 0
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") {
                let byte = bytes[end]
                combined |= byte
                if byte < 0x20, byte != UInt8(ascii: "\t") { controlCount += 1 }
                end += 1
            }
            let terminated = end < bytes.count
            position = terminated ? end + 1 : end
            var contentEnd = end
            if contentEnd > start, bytes[contentEnd - 1] == UInt8(ascii: "\r") {
                contentEnd -= 1
                controlCount -= 1  // the CR of a CRLF line end
            }
            let line = Line(rebasing: bytes[start..<contentEnd], combined: combined, hasControl: controlCount > 0, fields: &fields)
            body(lineNumber, line, fields, bytes, terminated)
        }
    }
}

extension DelimitedTextScanner.Line {
    fileprivate init(rebasing slice: Slice<UnsafeBufferPointer<UInt8>>, combined: UInt8, hasControl: Bool, fields: inout [DelimitedTextScanner.Field]) {
        fields.removeAll(keepingCapacity: true)
        if combined >= 0x80, String(validating: slice, as: UTF8.self) == nil {
            self = .rejected(.invalidUTF8)
            return
        }
        if hasControl {
            self = .rejected(.controlCharacter)
            return
        }
        if slice.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) {
            self = .blank
            return
        }
        if let problem = DelimitedTextScanner.split(slice, into: &fields) {
            self = .rejected(problem)
            return
        }
        self = .fields
    }
}

extension DelimitedTextScanner {
    /// Splits one line at commas outside quotes.
    static func split(_ slice: Slice<UnsafeBufferPointer<UInt8>>, into fields: inout [Field]) -> HotListRejectReason? {
        let buffer = slice.base
        var position = slice.startIndex
        let end = slice.endIndex
        while true {
            var fieldStart = position
            while fieldStart < end, buffer[fieldStart] == UInt8(ascii: " ") { fieldStart += 1 }
            if fieldStart < end, buffer[fieldStart] == UInt8(ascii: "\"") {
                var cursor = fieldStart + 1
                var doubled = false
                var closed = false
                while cursor < end {
                    if buffer[cursor] == UInt8(ascii: "\"") {
                        if cursor + 1 < end, buffer[cursor + 1] == UInt8(ascii: "\"") {
                            doubled = true
                            cursor += 2
                            continue
                        }
                        closed = true
                        break
                    }
                    cursor += 1
                }
                guard closed else { return .unterminatedQuote }
                fields.append(Field(start: fieldStart + 1, end: cursor, quoted: true, hasDoubledQuotes: doubled))
                cursor += 1
                while cursor < end, buffer[cursor] == UInt8(ascii: " ") { cursor += 1 }
                if cursor == end { return nil }
                guard buffer[cursor] == UInt8(ascii: ",") else { return .textAfterQuotedField }
                position = cursor + 1
            } else {
                var cursor = position
                while cursor < end, buffer[cursor] != UInt8(ascii: ",") { cursor += 1 }
                fields.append(Field(start: position, end: cursor, quoted: false, hasDoubledQuotes: false))
                if cursor == end { return nil }
                position = cursor + 1
            }
        }
    }

    /// The field's bytes without surrounding spaces (unquoted) and without its quotes.
    static func bytes(of field: Field, in buffer: UnsafeBufferPointer<UInt8>) -> Slice<UnsafeBufferPointer<UInt8>> {
        var start = field.start
        var end = field.end
        if !field.quoted {
            while start < end, buffer[start] == UInt8(ascii: " ") || buffer[start] == UInt8(ascii: "\t") { start += 1 }
            while end > start, buffer[end - 1] == UInt8(ascii: " ") || buffer[end - 1] == UInt8(ascii: "\t") { end -= 1 }
        }
        return buffer[start..<end]
    }

    /// The field as text, with doubled quotes undone.
    static func string(of field: Field, in buffer: UnsafeBufferPointer<UInt8>) -> String {
        let text = String(decoding: bytes(of: field, in: buffer), as: UTF8.self)
        return field.hasDoubledQuotes ? text.replacingOccurrences(of: "\"\"", with: "\"") : text
    }
}
