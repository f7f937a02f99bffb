import ALPRCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// JSON as the API speaks it: snake_case keys, ISO 8601 dates.
enum APIJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = ISO8601.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO 8601 date")
            }
            return date
        }
        return decoder
    }()

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let data = try encoder.encode(value)
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Collects the body (refusing more than the context allows) after checking it is JSON.
    static func body(of request: Request, context: AppRequestContext) async throws -> Data {
        try requireContentType(request, "application/json")
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        return Data(buffer: buffer)
    }

    static func decode<T: Decodable>(_ type: T.Type, from request: Request, context: AppRequestContext) async throws -> T {
        try decoder.decode(T.self, from: try await body(of: request, context: context))
    }

    static func requireContentType(_ request: Request, _ expected: String...) throws {
        let mediaType = request.headers[.contentType].map(mediaTypeName) ?? ""
        guard expected.contains(mediaType) else {
            throw RequestError(
                .unsupportedMediaType,
                "expected Content-Type \(expected.joined(separator: " or ")), got \(mediaType.isEmpty ? "none" : mediaType)"
            )
        }
    }

    /// `multipart/form-data; boundary=x` → `multipart/form-data`.
    static func mediaTypeName(_ header: String) -> String {
        header.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }
}

/// ISO 8601 as cameras write it: with or without fractional seconds (of any precision).
enum ISO8601 {
    static func parse(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = fractional.date(from: text) { return date }
        // Trim sub-millisecond digits (Plate Recognizer sends microseconds).
        guard let dot = text.firstIndex(of: ".") else { return nil }
        let digits = text[text.index(after: dot)...].prefix { $0.isNumber }
        guard digits.count > 3 else { return nil }
        let rest = text[text.index(after: dot)...].dropFirst(digits.count)
        return fractional.date(from: String(text[...dot]) + digits.prefix(3) + rest)
    }

    static func string(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: date)
    }
}
