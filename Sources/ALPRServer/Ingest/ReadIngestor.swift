import ALPRCore
import ALPRStorage
import Foundation
import Logging

/// The one path by which reads enter the system (HTTP formats and the demo alike).
/// Validates every read (R1, §13.824 subd. 2(a)), requires the reader to have been actively
/// collecting when each was captured (R7), stores the images, then stores the reads and their
/// `enter` audit entry in one transaction (R9). A request with any bad read stores nothing.
/// Each new read is matched against the live hot lists in that same transaction, so a read
/// is never stored without its hits; the hits go to the live alert connections before the
/// reader gets its answer. A duplicate (retried) read is not matched again.
public struct ReadIngestor: Sendable {
    public static let maximumBatch = 500
    public static let maximumCandidates = 10

    let storage: Storage
    let audit: AuditLog
    let retention: Retention
    let maxImageBytes: Int
    let metrics: AppMetrics?
    let hotLists: HotListIndexStore?
    let alerts: AlertHub?

    public init(
        storage: Storage, retention: Retention, maxImageBytes: Int, metrics: AppMetrics? = nil,
        hotLists: HotListIndexStore? = nil, alerts: AlertHub? = nil
    ) {
        self.storage = storage
        self.audit = AuditLog(repository: storage.audit)
        self.retention = retention
        self.maxImageBytes = maxImageBytes
        self.metrics = metrics
        self.hotLists = hotLists
        self.alerts = alerts
    }

    public struct Outcome: Sendable, Codable, Equatable {
        public var id: UUID
        public var status: String
    }

    public struct Result: Sendable, Codable, Equatable {
        public var accepted: Int
        public var duplicates: Int
        public var results: [Outcome]
    }

    public func ingest(
        _ submissions: [ReadSubmission], from reader: Reader, format: String,
        now: Date = Date(), logger: Logger
    ) async throws -> Result {
        do {
            return try await validateAndStore(submissions, from: reader, format: format, now: now, logger: logger)
        } catch {
            metrics?.readsRefused.increment()
            throw error
        }
    }

    func validateAndStore(
        _ submissions: [ReadSubmission], from reader: Reader, format: String, now: Date, logger: Logger
    ) async throws -> Result {
        guard submissions.count <= Self.maximumBatch else {
            throw ALPRError.invalid(field: "reads", reason: "at most \(Self.maximumBatch) reads per request")
        }
        guard !submissions.isEmpty else {
            return Result(accepted: 0, duplicates: 0, results: [])
        }
        var seen = Set<UUID>()
        var validated: [(read: Read, plateImage: [UInt8]?, vehicleImage: [UInt8]?)] = []
        for (index, submission) in submissions.enumerated() {
            let prefix = submissions.count > 1 ? "reads[\(index)]." : ""
            guard seen.insert(submission.id).inserted else {
                throw ALPRError.invalid(field: "\(prefix)id", reason: "the same id appears twice in one request")
            }
            do throws(ALPRError) {
                let read = try validate(submission, reader: reader, now: now)
                validated.append((read, submission.plateImage, submission.vehicleImage))
            } catch {
                throw Self.prefixed(error, prefix)
            }
            guard let period = try await storage.readers.activePeriod(readerID: reader.id, at: submission.capturedAt) else {
                throw ALPRError.conflict(
                    reason: "\(prefix)captured_at: reader '\(reader.name)' was not actively collecting at that time (R7: "
                        + (reader.kind == .mobile ? "a trained officer must be logged in to a mobile reader" : "start the reader or send heartbeats")
                        + ")"
                )
            }
            validated[validated.count - 1].read.activePeriodID = period.id
        }

        // Images first: a read must never point at a missing file. Files this request created
        // are removed again if the reads are not stored.
        var createdImages: [ImageRef] = []
        do {
            for index in validated.indices {
                let prefix = submissions.count > 1 ? "reads[\(index)]." : ""
                if let bytes = validated[index].plateImage {
                    let ref = try storeImage(bytes, field: "\(prefix)plate_image", created: &createdImages)
                    validated[index].read.plateImage = ref
                }
                if let bytes = validated[index].vehicleImage {
                    let ref = try storeImage(bytes, field: "\(prefix)vehicle_image", created: &createdImages)
                    validated[index].read.vehicleImage = ref
                }
            }
            let reads = validated.map(\.read)
            let entry = audit.draft(
                .enter, actor: "reader:\(reader.name)", subject: "read", criteria: "format=\(format)",
                resultIDs: reads.map(\.id.uuidString), resultCount: reads.count
            )
            let index = hotLists?.current ?? HotListIndex.empty
            let hits = storage.hits, alerts = self.alerts
            // Store and publish under one lock so alerts leave in commit (sequence) order.
            let storeAndAlert: @Sendable () async throws -> MatchedInsertResult = {
                let matched = try await hits.insertMatching(reads, audit: entry, matchedAt: now) { read in
                    index.match(read, now: now)
                }
                if !matched.hits.isEmpty {
                    logger.info("hot list hits", metadata: ["reader": "\(reader.id)", "hits": "\(matched.hits.count)"])
                    let readsByID = Dictionary(reads.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
                    await alerts?.publish(matched.hits.map { AlertMessage($0, read: readsByID[$0.readID], readerKind: reader.kind) })
                }
                return matched
            }
            let matched: MatchedInsertResult
            if let alerts {
                matched = try await alerts.commitOrder.withLock(storeAndAlert)
            } else {
                matched = try await storeAndAlert()
            }
            let outcomes = matched.outcomes
            let result = Result(
                accepted: outcomes.filter { $0 == .inserted }.count,
                duplicates: outcomes.filter { $0 == .duplicate }.count,
                results: zip(reads, outcomes).map { Outcome(id: $0.id, status: $1.rawValue) }
            )
            logger.info("reads ingested", metadata: [
                "reader": "\(reader.id)", "format": "\(format)",
                "accepted": "\(result.accepted)", "duplicates": "\(result.duplicates)",
            ])
            logger.debug("plates ingested", metadata: ["plates": "\(reads.map(\.plate.value))"])
            metrics?.readsAccepted.increment(by: Int64(result.accepted))
            metrics?.readsDuplicate.increment(by: Int64(result.duplicates))
            try await recordFirstUse(of: reader, reads: reads)
            return result
        } catch {
            for ref in createdImages { storage.images.remove(sha256: ref.sha256, contentType: ref.contentType) }
            throw error
        }
    }

    func storeImage(_ bytes: [UInt8], field: String, created: inout [ImageRef]) throws -> ImageRef {
        guard bytes.count <= maxImageBytes else {
            throw ALPRError.invalid(field: field, reason: "image is larger than \(maxImageBytes) bytes")
        }
        let type = try CollectionLimits.imageContentType(of: bytes, field: field)
        let existed = storage.images.exists(sha256: ImageStore.sha256Hex(bytes), contentType: type)
        let ref = try storage.images.put(bytes, field: field)
        if !existed { created.append(ref) }
        return ref
    }

    /// R1: only what a read may hold, each value checked.
    func validate(_ submission: ReadSubmission, reader: Reader, now: Date) throws(ALPRError) -> Read {
        let plate = try PlateNumber(submission.plate)
        var state: String?
        if let raw = submission.state?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            let upper = raw.uppercased()
            guard upper.count == 2, upper.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) }) else {
                throw .invalid(field: "state", reason: "must be a two-letter state or province code")
            }
            state = upper
        }
        try CollectionLimits.validateConfidence(submission.confidence)
        guard submission.candidates.count <= Self.maximumCandidates else {
            throw .invalid(field: "candidates", reason: "at most \(Self.maximumCandidates) candidates")
        }
        var candidates: [PlateCandidate] = []
        for candidate in submission.candidates {
            let text: PlateNumber
            do throws(ALPRError) { text = try PlateNumber(candidate.text) } catch {
                throw .invalid(field: "candidates", reason: "a candidate plate is not valid")
            }
            do throws(ALPRError) { try CollectionLimits.validateConfidence(candidate.confidence) } catch {
                throw .invalid(field: "candidates", reason: "a candidate confidence is not between 0 and 1")
            }
            candidates.append(PlateCandidate(text: text.value, confidence: candidate.confidence))
        }
        try CollectionLimits.validateCaptureTime(submission.capturedAt, now: now, retention: retention)
        var location: GeoPoint?
        switch (submission.latitude, submission.longitude) {
        case (nil, nil): location = reader.kind == .fixed ? reader.location : nil
        case (let latitude?, let longitude?): location = try GeoPoint(latitude: latitude, longitude: longitude)
        default: throw .invalid(field: "latitude", reason: "give both latitude and longitude, or neither")
        }
        if let heading = submission.headingDegrees, !(heading.isFinite && heading >= 0 && heading < 360) {
            throw .invalid(field: "heading", reason: "must be degrees from 0 up to 360")
        }
        if let speed = submission.speedKmh, !(speed.isFinite && speed >= 0 && speed <= 400) {
            throw .invalid(field: "speed", reason: "must be between 0 and 400 km/h")
        }
        if let box = submission.plateBox {
            let values = [box.x, box.y, box.width, box.height]
            guard values.allSatisfy({ $0.isFinite && $0 >= 0 }), box.width > 0, box.height > 0 else {
                throw .invalid(field: "plate_box", reason: "needs non-negative x, y and positive width, height")
            }
        }
        return Read(
            id: submission.id, readerID: reader.id, plate: plate, state: state,
            confidence: submission.confidence, candidates: candidates, capturedAt: submission.capturedAt,
            receivedAt: now, location: location, headingDegrees: submission.headingDegrees,
            speedKmh: submission.speedKmh, plateBox: submission.plateBox
        )
    }

    /// R16 (§13.824 subd. 8): the reader's first use is recorded for the BCA notice.
    func recordFirstUse(of reader: Reader, reads: [Read]) async throws {
        guard reader.firstUsedAt == nil, let first = reads.map(\.capturedAt).min() else { return }
        // Re-read: another request may have recorded it meanwhile.
        guard var current = try await storage.readers.reader(id: reader.id), current.firstUsedAt == nil else { return }
        current.firstUsedAt = first
        try await storage.readers.update(current, audit: audit.draft(
            .update, actor: "reader:\(reader.name)", subject: "reader", criteria: "first_used_at",
            resultIDs: [reader.id.uuidString]
        ))
    }

    static func prefixed(_ error: ALPRError, _ prefix: String) -> ALPRError {
        guard case .invalid(let field, let reason) = error else { return error }
        return .invalid(field: prefix + field, reason: reason)
    }
}
