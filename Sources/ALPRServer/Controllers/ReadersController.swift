import ALPRCore
import ALPRStorage
import Foundation
import Hummingbird

/// Readers and their active periods (R7, R14, R16): fixed readers report by start/stop or
/// heartbeats; a mobile reader collects only while a trained officer is logged in to it.
struct ReadersController {
    let services: ServerServices

    var routes: [AppRoute] {
        [
            AppRoute(.post, "/api/v1/readers/heartbeat", .reader, heartbeat),
            AppRoute(.get, "/api/v1/readers/me", .reader, me),
            AppRoute(.post, "/api/v1/readers/start", .reader, start),
            AppRoute(.post, "/api/v1/readers/stop", .reader, stop),
            AppRoute(.post, "/api/v1/officer/login", .reader, officerLogin),
            AppRoute(.post, "/api/v1/readers", .user(.manageReaders), register),
            AppRoute(.get, "/api/v1/readers", .user(.manageReaders), list),
        ]
    }

    struct PeriodView: Codable {
        var id: UUID
        var readerId: UUID
        var source: String
        var startedAt: Date
        var endedAt: Date?
        var lastHeartbeatAt: Date?
        init(_ period: ActivePeriod) {
            id = period.id; readerId = period.readerID; source = period.source.rawValue
            startedAt = period.startedAt; endedAt = period.endedAt; lastHeartbeatAt = period.lastHeartbeatAt
        }
    }

    func requireFixed(_ reader: Reader) throws {
        guard reader.kind == .fixed else {
            throw ALPRError.conflict(reason: "a mobile reader collects only while a trained officer is logged in to it (R7); use /api/v1/officer/login")
        }
    }

    @Sendable func start(_ request: Request, context: AppRequestContext) async throws -> Response {
        let reader = try context.requireReader()
        try requireFixed(reader)
        let period = ActivePeriod(readerID: reader.id, source: .startStop, startedAt: Date())
        try await services.storage.readers.openActivePeriod(period)
        context.logger.info("reader started", metadata: ["reader": "\(reader.id)"])
        return try APIJSON.response(PeriodView(period), status: .created)
    }

    @Sendable func stop(_ request: Request, context: AppRequestContext) async throws -> Response {
        let reader = try context.requireReader()
        guard let period = try await services.storage.readers.closeActivePeriod(readerID: reader.id, at: Date()) else {
            throw ALPRError.conflict(reason: "the reader is not collecting")
        }
        return try APIJSON.response(PeriodView(period))
    }

    struct OfficerLogin: Decodable {
        var username: String
        var password: String
        var readerId: UUID?
    }

    struct OfficerSession: Encodable {
        var token: String
        var expiresAt: Date
        var username: String
        var activePeriod: PeriodView
    }

    /// R7: the reader authenticates with its credential, the officer with their password; the
    /// officer needs the operate-reader permission (training and authorization on record).
    @Sendable func officerLogin(_ request: Request, context: AppRequestContext) async throws -> Response {
        let reader = try context.requireReader()
        let body = try await APIJSON.decode(OfficerLogin.self, from: request, context: context)
        if let readerID = body.readerId, readerID != reader.id {
            throw ALPRError.invalid(field: "reader_id", reason: "does not match the reader's credential")
        }
        guard reader.kind == .mobile else {
            throw ALPRError.conflict(reason: "officers log in to mobile readers; fixed readers use start/stop or heartbeats")
        }
        let user = try await services.sessions.verify(username: body.username, password: body.password, address: context.remoteAddress)
        if case .deny(let rule, let reason) = AccessPolicy.decide(user, .operateReader) {
            try await services.audit.record(
                .denied, actor: user.username, subject: "reader",
                criteria: "officer login to reader \(reader.id.uuidString)", reason: reason
            )
            throw ALPRError.forbidden(rule: rule, reason: reason)
        }
        let now = Date()
        let period = ActivePeriod(readerID: reader.id, source: .officerLogin, operatorUserID: user.id, startedAt: now)
        try await services.storage.readers.openActivePeriod(period)
        let loggedIn = try await services.sessions.open(for: user, readerID: reader.id, now: now)
        return try APIJSON.response(
            OfficerSession(token: loggedIn.token.value, expiresAt: loggedIn.session.expiresAt, username: user.username, activePeriod: PeriodView(period)),
            status: .created
        )
    }

    struct Registration: Decodable {
        var name: String
        var kind: ReaderKind
        var latitude: Double?
        var longitude: Double?
        var locationDescription: String?
        var locationWithheld: Bool?
        var unit: String?
        var installedAt: Date?
    }

    struct ReaderView: Codable {
        var id: UUID
        var name: String
        var kind: String
        var latitude: Double?
        var longitude: Double?
        var locationDescription: String?
        var locationWithheld: Bool
        var unit: String?
        var installedAt: Date
        var firstUsedAt: Date?
        var bcaReportedAt: Date?
        var retiredAt: Date?
        init(_ reader: Reader) {
            id = reader.id; name = reader.name; kind = reader.kind.rawValue
            latitude = reader.location?.latitude; longitude = reader.location?.longitude
            locationDescription = reader.locationDescription; locationWithheld = reader.locationWithheld
            unit = reader.unit; installedAt = reader.installedAt; firstUsedAt = reader.firstUsedAt
            bcaReportedAt = reader.bcaReportedAt; retiredAt = reader.retiredAt
        }
    }

    struct Registered: Encodable {
        var reader: ReaderView
        /// The reader's `Authorization: Bearer` value. Shown once; only its hash is stored.
        var credential: String
    }

    @Sendable func register(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try await APIJSON.decode(Registration.self, from: request, context: context)
        let reader = try Self.makeReader(body)
        let registered = try await Self.register(reader, storage: services.storage, audit: services.audit, actor: user.username)
        return try APIJSON.response(registered, status: .created)
    }

    static func makeReader(_ body: Registration, now: Date = Date()) throws -> Reader {
        let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(name.count) else {
            throw ALPRError.invalid(field: "name", reason: "must be 1 to 100 characters")
        }
        var location: GeoPoint?
        switch (body.latitude, body.longitude) {
        case (nil, nil): break
        case (let latitude?, let longitude?): location = try GeoPoint(latitude: latitude, longitude: longitude)
        default: throw ALPRError.invalid(field: "latitude", reason: "give both latitude and longitude, or neither")
        }
        if body.kind == .fixed, location == nil {
            // R14 and R16 publish and report where fixed readers are.
            throw ALPRError.invalid(field: "latitude", reason: "a fixed reader needs its location")
        }
        if body.kind == .mobile, location != nil {
            throw ALPRError.invalid(field: "latitude", reason: "a mobile reader has no fixed location")
        }
        return Reader(
            name: name, kind: body.kind, location: location, locationDescription: body.locationDescription,
            locationWithheld: body.locationWithheld ?? false, unit: body.unit, installedAt: body.installedAt ?? now, createdAt: now
        )
    }

    static func register(_ reader: Reader, storage: Storage, audit: AuditLog, actor: String) async throws -> Registered {
        if try await storage.readers.reader(named: reader.name) != nil {
            throw ALPRError.conflict(reason: "a reader with this name already exists")
        }
        let credential = ReaderCredential.generate()
        try await storage.readers.create(reader, credentialHash: credential.hash, audit: audit.draft(
            .enter, actor: actor, subject: "reader", criteria: "kind=\(reader.kind.rawValue)", resultIDs: [reader.id.uuidString]
        ))
        return Registered(reader: ReaderView(reader), credential: credential.bearer(readerID: reader.id))
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let readers = try await services.storage.readers.all()
        return try APIJSON.response(["readers": readers.map(ReaderView.init)])
    }
}
