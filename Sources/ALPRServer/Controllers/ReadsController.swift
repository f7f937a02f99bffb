import ALPRCore
import ALPRStorage
import Foundation
import Hummingbird

/// Reads in (R1, R7) in three formats, and reads out one at a time (audited as `access`, R9).
struct ReadsController {
    let services: ServerServices

    var routes: [AppRoute] {
        [
            AppRoute(.post, "/api/v1/reads", .reader, ingestNative),
            AppRoute(.post, "/api/v1/webhooks/openalpr", .reader, ingestOpenALPR),
            AppRoute(.post, "/api/v1/webhooks/platerecognizer", .reader, ingestPlateRecognizer),
            AppRoute(.get, "/api/v1/reads/:id", .user(.searchReads), show),
            AppRoute(.get, "/api/v1/images/:sha", .user(.searchReads), image),
        ]
    }

    @Sendable func ingestNative(_ request: Request, context: AppRequestContext) async throws -> Response {
        let reader = try context.requireReader()
        let mediaType = request.headers[.contentType].map(APIJSON.mediaTypeName) ?? ""
        let submissions: [ReadSubmission]
        switch mediaType {
        case "application/json":
            submissions = try NativeReadFormat.submissions(fromJSON: try await APIJSON.body(of: request, context: context))
        case "multipart/form-data":
            let form = try await Self.multipart(request, context: context)
            submissions = [try NativeReadFormat.submission(fromMultipart: form)]
        default:
            throw RequestError(.unsupportedMediaType, "send reads as application/json or multipart/form-data")
        }
        return try await respond(submissions, reader: reader, format: "native", context: context)
    }

    @Sendable func ingestOpenALPR(_ request: Request, context: AppRequestContext) async throws -> Response {
        let reader = try context.requireReader()
        switch try OpenALPRFormat.parse(try await APIJSON.body(of: request, context: context)) {
        case .reads(let submissions):
            return try await respond(submissions, reader: reader, format: "openalpr", context: context)
        case .ignored(let type):
            return try APIJSON.response(["ignored": type])
        }
    }

    @Sendable func ingestPlateRecognizer(_ request: Request, context: AppRequestContext) async throws -> Response {
        let reader = try context.requireReader()
        let mediaType = request.headers[.contentType].map(APIJSON.mediaTypeName) ?? ""
        let submissions: [ReadSubmission]
        if mediaType == "multipart/form-data" {
            let form = try await Self.multipart(request, context: context)
            guard let json = form.part(named: "json") else {
                throw ALPRError.invalid(field: "json", reason: "the multipart body needs a 'json' part")
            }
            submissions = try PlateRecognizerFormat.submissions(from: Data(json.body), frame: form.part(named: "upload")?.body)
        } else {
            submissions = try PlateRecognizerFormat.submissions(from: try await APIJSON.body(of: request, context: context), frame: nil)
        }
        return try await respond(submissions, reader: reader, format: "platerecognizer", context: context)
    }

    func respond(_ submissions: [ReadSubmission], reader: Reader, format: String, context: AppRequestContext) async throws -> Response {
        let result = try await services.ingestor.ingest(submissions, from: reader, format: format, logger: context.logger)
        // 201 when something new was stored; a pure retry is 200 with every status "duplicate".
        return try APIJSON.response(result, status: result.accepted > 0 ? .created : .ok)
    }

    static func multipart(_ request: Request, context: AppRequestContext) async throws -> MultipartFormData {
        guard let boundary = request.headers[.contentType].flatMap(MultipartFormData.boundary(fromContentType:)) else {
            throw RequestError(.badRequest, "multipart/form-data needs a boundary parameter")
        }
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        do {
            return try MultipartFormData(body: Array(buffer: buffer), boundary: boundary)
        } catch {
            throw RequestError(.badRequest, "malformed multipart body")
        }
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try context.parameters.require("id", as: UUID.self)
        guard let read = try await services.storage.reads.read(id: id) else {
            throw ALPRError.notFound(what: "read")
        }
        try await services.audit.record(
            .access, actor: user.username, subject: "read", resultIDs: [read.id.uuidString],
            caseNumber: request.uri.queryParameters["case"].map(String.init)
        )
        return try APIJSON.response(ReadView(read))
    }

    @Sendable func image(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let sha = try context.parameters.require("sha").lowercased()
        guard sha.count == 64, sha.allSatisfy(\.isHexDigit) else {
            throw ALPRError.invalid(field: "sha", reason: "must be 64 hexadecimal characters")
        }
        guard let type = ImageContentType.allCases.first(where: { services.storage.images.exists(sha256: sha, contentType: $0) }) else {
            throw ALPRError.notFound(what: "image")
        }
        let bytes = try services.storage.images.data(for: ImageRef(sha256: sha, contentType: type, byteCount: 0))
        try await services.audit.record(
            .access, actor: user.username, subject: "image", resultIDs: [sha],
            caseNumber: request.uri.queryParameters["case"].map(String.init)
        )
        return Response(
            status: .ok,
            headers: [.contentType: type.rawValue, .cacheControl: "private, no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }
}
