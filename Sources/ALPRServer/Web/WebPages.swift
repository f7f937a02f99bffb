import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// Renders the Mustache templates in `Templates/` (HTML-escaped by default).
public struct WebPages: Sendable {
    let library: MustacheLibrary

    public static func load() async throws -> WebPages {
        guard let directory = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Templates"])
        }
        return WebPages(library: try await MustacheLibrary(directory: directory.path))
    }

    func render(_ template: String, _ values: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        var context = values
        context["misuse_warning"] = MisuseWarning.text
        if context["title"] == nil { context["title"] = Self.titles[template] ?? "ALPR" }
        let html = library.render(context, withTemplate: template) ?? "<!doctype html><title>alpr</title><p>page missing"
        return Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .contentSecurityPolicy: "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
            ],
            body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }

    static let titles = ["login": "Log in", "search": "Search stored reads", "hits": "Hits", "hit": "Hit"]

    func errorPage(status: HTTPResponse.Status, reason: String, requestID: String) -> Response {
        render("error", ["status": status.code, "title": status.reasonPhrase, "reason": reason, "request_id": requestID], status: status)
    }
}
