import Foundation

/// A minimal `multipart/form-data` (RFC 7578) parser: enough for a read's JSON part and its
/// image files. Parts are kept as bytes; nothing is written to disk here.
struct MultipartFormData {
    struct Part {
        var name: String
        var filename: String?
        var contentType: String?
        var body: [UInt8]
    }

    var parts: [Part]

    func part(named name: String) -> Part? { parts.first { $0.name == name } }

    static func boundary(fromContentType header: String) -> String? {
        for parameter in header.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            let value = pair[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return value.isEmpty ? nil : value
        }
        return nil
    }

    init(body: [UInt8], boundary: String) throws(MultipartError) {
        let delimiter = Array("--\(boundary)".utf8)
        let separator: [UInt8] = Array("\r\n".utf8)
        let headerEnd: [UInt8] = Array("\r\n\r\n".utf8)
        guard var position = Self.find(delimiter, in: body, from: 0) else { throw .malformed("no opening boundary") }
        var parts: [Part] = []
        while true {
            position += delimiter.count
            // "--" after a delimiter closes the body.
            if body.count >= position + 2, body[position] == UInt8(ascii: "-"), body[position + 1] == UInt8(ascii: "-") { break }
            guard body.count >= position + 2, Array(body[position..<position + 2]) == separator else {
                throw .malformed("boundary not followed by a line break")
            }
            position += 2
            guard let headersEnd = Self.find(headerEnd, in: body, from: position) else { throw .malformed("part headers do not end") }
            guard let headerText = String(bytes: body[position..<headersEnd], encoding: .utf8) else { throw .malformed("part headers are not UTF-8") }
            let contentStart = headersEnd + headerEnd.count
            guard let next = Self.find(separator + delimiter, in: body, from: contentStart) else { throw .malformed("part does not end with a boundary") }
            var name: String?
            var filename: String?
            var contentType: String?
            for line in headerText.components(separatedBy: "\r\n") {
                let pair = line.split(separator: ":", maxSplits: 1)
                guard pair.count == 2 else { continue }
                let field = pair[0].trimmingCharacters(in: .whitespaces).lowercased()
                let value = pair[1].trimmingCharacters(in: .whitespaces)
                if field == "content-disposition" {
                    name = Self.parameter("name", in: value)
                    filename = Self.parameter("filename", in: value)
                } else if field == "content-type" {
                    contentType = value
                }
            }
            guard let name else { throw .malformed("a part has no name") }
            parts.append(Part(name: name, filename: filename, contentType: contentType, body: Array(body[contentStart..<next])))
            position = next + separator.count
        }
        self.parts = parts
    }

    static func parameter(_ key: String, in header: String) -> String? {
        for item in header.split(separator: ";").dropFirst() {
            let pair = item.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == key else { continue }
            return pair[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var index = start
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first, haystack[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}

enum MultipartError: Error, Equatable {
    case malformed(String)
}
