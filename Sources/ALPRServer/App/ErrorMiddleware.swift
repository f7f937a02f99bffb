import ALPRCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The one place that turns errors into responses: JSON (`{"error": {"reason": ...}}`) for the
/// API, an HTML page for the web pages. Unexpected errors are logged with the request id and
/// answered with a generic 500 that names only the request id.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let pages: WebPages

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let failure = Self.describe(error)
            if failure.status.code >= 500 {
                context.logger.error("request failed", metadata: [
                    "error": "\(String(reflecting: error))", "path": "\(request.uri.path)",
                ])
            } else {
                context.logger.info("request refused", metadata: [
                    "status": "\(failure.status.code)", "path": "\(request.uri.path)",
                ])
            }
            if Self.wantsHTML(request) {
                if failure.status == .unauthorized {
                    // A browser without a valid session goes to the login page.
                    return Response(status: .seeOther, headers: [.location: "/login"])
                }
                return pages.errorPage(status: failure.status, reason: failure.reason, requestID: context.requestID)
            }
            return Self.jsonResponse(failure, requestID: context.requestID)
        }
    }

    struct Failure {
        var status: HTTPResponse.Status
        var reason: String
        var field: String?
        var rule: String?
        var headers: HTTPFields = [:]
    }

    static func describe(_ error: any Error) -> Failure {
        switch error {
        case let error as ALPRError:
            switch error {
            case .invalid(let field, let reason):
                return Failure(status: .unprocessableContent, reason: "\(field): \(reason)", field: field)
            case .forbidden(let rule, let reason):
                return Failure(status: .forbidden, reason: "\(reason) (\(rule))", rule: rule)
            case .notFound(let what):
                return Failure(status: .notFound, reason: "\(what) not found")
            case .conflict(let reason):
                return Failure(status: .conflict, reason: reason)
            case .unauthenticated(let reason):
                return Failure(status: .unauthorized, reason: reason)
            }
        case let error as RequestError:
            return Failure(status: error.status, reason: error.reason, headers: error.headers)
        case let error as DecodingError:
            return Failure(status: .badRequest, reason: "malformed request body: \(Self.describe(decoding: error))")
        case let error as any HTTPResponseError:
            // Hummingbird's own errors (404 for unknown routes, 413 for bodies over the limit).
            var reason = error.status.reasonPhrase
            if let httpError = error as? HTTPError, let message = httpError.body { reason = message }
            return Failure(status: error.status, reason: reason)
        default:
            return Failure(status: .internalServerError, reason: "internal error")
        }
    }

    /// Names the field and problem without echoing values.
    static func describe(decoding error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
                .trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return "missing field '\(parent.isEmpty ? key.stringValue : parent + "." + key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "field '\(path(context.codingPath))' has the wrong type"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "field '\(path(context.codingPath))' is not valid"
        @unknown default:
            return "not valid"
        }
    }

    static func wantsHTML(_ request: Request) -> Bool {
        let path = request.uri.path
        if path.hasPrefix("/api/") || path == "/health" || path == "/metrics" { return false }
        return true
    }

    static func jsonResponse(_ failure: Failure, requestID: String) -> Response {
        var error: [String: String] = ["reason": failure.reason, "request_id": requestID]
        error["field"] = failure.field
        error["rule"] = failure.rule
        let body = (try? JSONSerialization.data(withJSONObject: ["error": error], options: [.sortedKeys])) ?? Data()
        var headers = failure.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: failure.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// A refusal raised by the HTTP layer itself (content type, body size, throttling), carrying
/// a reason safe to show to the client.
public struct RequestError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var reason: String
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ reason: String, headers: HTTPFields = [:]) {
        self.status = status; self.reason = reason; self.headers = headers
    }
}
