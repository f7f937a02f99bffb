import ALPRCore
import ALPRStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import ALPRServer

/// Reads in (R1, R7): formats, idempotency, validation, and nothing partially written.
@Suite struct IngestTests {
    @Test func aSingleReadIsStoredStampedAndAudited() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (reader, bearer) = try await server.collectingReader()
        let id = UUID()
        try await server.app().test(.router) { client in
            let response = try await client.execute(uri: "/api/v1/reads", method: .post, headers: .json(bearer: bearer), body: .json(nativeRead(id: id)))
            #expect(response.status == .created)
            #expect(response.json["accepted"] as? Int == 1)
        }
        let stored = try #require(try await server.storage.reads.read(id: id))
        #expect(stored.plate.value == "ABC123" && stored.readerID == reader.id && stored.state == "MN")
        #expect(stored.activePeriodID == (try await server.storage.readers.activePeriod(readerID: reader.id, at: Date()))?.id)
        #expect(stored.plateBox == PlateBox(x: 410, y: 300, width: 120, height: 40))
        let enter = try #require(try await server.auditEntries().last { $0.action == .enter && $0.subject == "read" })
        #expect(enter.resultIDs == [id.uuidString] && enter.actor == "reader:\(reader.name)")
        // R16: the first use is recorded.
        #expect(try await server.storage.readers.reader(id: reader.id)?.firstUsedAt != nil)
    }

    @Test func aRetryIsADuplicateNotASecondRead() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (_, bearer) = try await server.collectingReader()
        let read = try ByteBuffer.json(nativeRead())
        try await server.app().test(.router) { client in
            let first = try await client.execute(uri: "/api/v1/reads", method: .post, headers: .json(bearer: bearer), body: read)
            #expect(first.status == .created)
            let retry = try await client.execute(uri: "/api/v1/reads", method: .post, headers: .json(bearer: bearer), body: read)
            #expect(retry.status == .ok)
            let results = try #require(retry.json["results"] as? [[String: Any]])
            #expect(results.first?["status"] as? String == "duplicate")
        }
        #expect(try await server.storage.reads.count() == 1)
    }

    @Test func aBatchIsStoredWhole() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (_, bearer) = try await server.collectingReader()
        let reads = try ByteBuffer.json((0..<5).map { nativeRead(plate: "BAT\($0)00") })
        try await server.app().test(.router) { client in
            let response = try await client.execute(uri: "/api/v1/reads", method: .post, headers: .json(bearer: bearer), body: reads)
            #expect(response.status == .created)
            #expect(response.json["accepted"] as? Int == 5)
        }
        #expect(try await server.storage.reads.count() == 5)
    }

    /// The decision for a batch with one bad read: the whole request is refused, the error names
    /// the bad item's index, and nothing is stored.
    @Test func aBatchWithOneBadReadStoresNothing() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (_, bearer) = try await server.collectingReader()
        var reads = (0..<4).map { nativeRead(plate: "GOOD\($0)") }
        reads[2]["plate"] = "NOT A PLATE!!"
        let body = try ByteBuffer.json(reads)
        try await server.app().test(.router) { client in
            let response = try await client.execute(uri: "/api/v1/reads", method: .post, headers: .json(bearer: bearer), body: body)
            #expect(response.status == .unprocessableContent)
            #expect(response.errorField == "reads[2].plate")
        }
        #expect(try await server.storage.reads.count() == 0)
        #expect(!(try await server.auditEntries().contains { $0.action == .enter && $0.subject == "read" }))
    }

    @Test(arguments: ["owner", "make", "vehicle_model", "colour", "color", "vin"])
    func aForbiddenFieldIsRefusedByName(field: String) async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (_, bearer) = try await server.collectingReader()
        try await server.app().test(.router) { client in
            let response = try await client.execute(
                uri: "/api/v1/reads", method: .post, headers: .json(bearer: bearer), body: .json(nativeRead(extra: [field: "x"]))
            )
            #expect(response.status == .unprocessableContent)
            #expect(response.errorField == field)
            #expect(response.errorReason.contains("R1"))
        }
        #expect(try await server.storage.reads.count() == 0)
    }

    @Test func anUnknownFieldIsRefused() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (_, bearer) = try await server.collectingReader()
        try await server.app().test(.router) { client in
            let response = try await client.execute(
                uri: "/api/v1/reads", method: .post, headers: .json(bearer: bearer), body: .json(nativeRead(extra: ["notes": "blue sedan"]))
            )
            #expect(response.status == .unprocessableContent && response.errorField == "notes")
        }
        #expect(try await server.storage.reads.count() == 0)
    }

    struct BadInput: Sendable, CustomTestStringConvertible {
        var name: String
        var contentType: String
        var body: [UInt8]
        var status: HTTPResponse.Status
        var testDescription: String { name }
    }

    static let badInputs: [BadInput] = [
        BadInput(name: "malformed JSON", contentType: "application/json", body: Array("{\"id\": ".utf8), status: .badRequest),
        BadInput(name: "wrong content type", contentType: "text/plain", body: Array("ABC123".utf8), status: .unsupportedMediaType),
        BadInput(name: "missing id", contentType: "application/json", body: Array("{\"plate\":\"ABC123\",\"confidence\":0.9,\"captured_at\":\"2030-01-01T00:00:00Z\"}".utf8), status: .unprocessableContent),
        BadInput(name: "not an object", contentType: "application/json", body: Array("[1, 2]".utf8), status: .unprocessableContent),
    ]

    @Test(arguments: badInputs)
    func badBodiesAreRefusedWithAReason(input: BadInput) async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (_, bearer) = try await server.collectingReader()
        try await server.app().test(.router) { client in
            let response = try await client.execute(
                uri: "/api/v1/reads", method: .post,
                headers: [.contentType: input.contentType, .authorization: "Bearer \(bearer)"], body: ByteBuffer(bytes: input.body)
            )
            #expect(response.status == input.status)
            #expect(!response.errorReason.isEmpty)
        }
        #expect(try await server.storage.reads.count() == 0)
    }

    @Test(arguments: [
        ("confidence", "1.5"), ("latitude", "123.0"), ("heading", "400"), ("state", "\"Minnesota\""),
        ("captured_at", "\"2020-01-01T00:00:00Z\""), ("captured_at", "\"2999-01-01T00:00:00Z\""),
    ])
    func implausibleValuesAreRefused(field: String, jsonValue: String) async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (_, bearer) = try await server.collectingReader(since: Date(timeIntervalSince1970: 0))
        let value = try JSONSerialization.jsonObject(with: Data(jsonValue.utf8), options: .fragmentsAllowed)
        let body = try ByteBuffer.json(nativeRead(extra: [field: value]))
        try await server.app().test(.router) { client in
            let response = try await client.execute(
                uri: "/api/v1/reads", method: .post, headers: .json(bearer: bearer), body: body
            )
            #expect(response.status == .unprocessableContent)
            #expect(response.errorField == field)
        }
        #expect(try await server.storage.reads.count() == 0)
    }

    @Test func imagesMustBeJPEGOrPNGWithinTheLimit() async throws {
        let server = try TestServer(maxImageBytes: 8 * 1024)
        defer { server.remove() }
        let (_, bearer) = try await server.collectingReader()
        try await server.app().test(.router) { client in
            let notAnImage = Data("GIF89a not allowed".utf8).base64EncodedString()
            let refused = try await client.execute(
                uri: "/api/v1/reads", method: .post, headers: .json(bearer: bearer), body: .json(nativeRead(extra: ["plate_image": notAnImage]))
            )
            #expect(refused.status == .unprocessableContent && refused.errorField == "plate_image")

            let oversized = Data(jpegBytes(count: 9 * 1024)).base64EncodedString()
            let tooBig = try await client.execute(
                uri: "/api/v1/reads", method: .post, headers: .json(bearer: bearer), body: .json(nativeRead(extra: ["vehicle_image": oversized]))
            )
            #expect(tooBig.status == .unprocessableContent && tooBig.errorField == "vehicle_image")

            let good = jpegBytes(count: 4096)
            let id = UUID()
            let accepted = try await client.execute(
                uri: "/api/v1/reads", method: .post, headers: .json(bearer: bearer),
                body: .json(nativeRead(id: id, extra: ["plate_image": Data(good).base64EncodedString()]))
            )
            #expect(accepted.status == .created)
            let read = try #require(try await server.storage.reads.read(id: id))
            let ref = try #require(read.plateImage)
            let storedBytes = Array(try server.storage.images.data(for: ref))
            #expect(ref.contentType == .jpeg)
            #expect(storedBytes == good)
        }
        #expect(try await server.storage.reads.count() == 1)
    }

    @Test func aBodyOverTheRequestLimitIs413() async throws {
        let server = try TestServer(maxRequestBytes: 64 * 1024)
        defer { server.remove() }
        let (_, bearer) = try await server.collectingReader()
        try await server.app().test(.router) { client in
            let huge = Data(jpegBytes(count: 100 * 1024)).base64EncodedString()
            let response = try await client.execute(
                uri: "/api/v1/reads", method: .post, headers: .json(bearer: bearer), body: .json(nativeRead(extra: ["plate_image": huge]))
            )
            #expect(response.status == .contentTooLarge)
        }
        #expect(try await server.storage.reads.count() == 0)
    }

    @Test func multipartCarriesTheReadAndItsImages() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (_, bearer) = try await server.collectingReader()
        let id = UUID()
        let plate = jpegBytes(count: 2048, seed: 7), vehicle = jpegBytes(count: 8192, seed: 8)
        let boundary = "alpr-boundary-\(UUID().uuidString)"
        var body: [UInt8] = []
        func part(_ name: String, _ headers: String, _ content: [UInt8]) {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\(headers)\r\n\r\n".utf8) + content + Array("\r\n".utf8)
        }
        part("read", "\r\nContent-Type: application/json", Array(try JSONSerialization.data(withJSONObject: nativeRead(id: id))))
        part("plate_image", "; filename=\"plate.jpg\"\r\nContent-Type: image/jpeg", plate)
        part("vehicle_image", "; filename=\"vehicle.jpg\"\r\nContent-Type: image/jpeg", vehicle)
        body += Array("--\(boundary)--\r\n".utf8)
        let multipartBody = ByteBuffer(bytes: body)
        try await server.app().test(.router) { client in
            let response = try await client.execute(
                uri: "/api/v1/reads", method: .post,
                headers: [.contentType: "multipart/form-data; boundary=\(boundary)", .authorization: "Bearer \(bearer)"],
                body: multipartBody
            )
            #expect(response.status == .created, "\(response.text)")
        }
        let read = try #require(try await server.storage.reads.read(id: id))
        let plateRef = try #require(read.plateImage), vehicleRef = try #require(read.vehicleImage)
        let storedPlate = Array(try server.storage.images.data(for: plateRef))
        let storedVehicle = Array(try server.storage.images.data(for: vehicleRef))
        #expect(storedPlate == plate)
        #expect(storedVehicle == vehicle)
    }

    @Test func readersMustPresentTheirOwnCredential() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (reader, _) = try await server.collectingReader()
        let wrong = ReaderCredential.generate().bearer(readerID: reader.id)
        let unknown = ReaderCredential.generate().bearer(readerID: UUID())
        try await server.app().test(.router) { client in
            for headers in [HTTPFields.json(bearer: wrong), .json(bearer: unknown), .json(bearer: "garbage"), .json()] {
                let response = try await client.execute(uri: "/api/v1/reads", method: .post, headers: headers, body: .json(nativeRead()))
                #expect(response.status == .unauthorized)
                #expect(!response.errorReason.isEmpty)
            }
        }
        #expect(try await server.storage.reads.count() == 0)
    }

    @Test func readsOutsideAnActivePeriodAreRefused() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (reader, bearer) = try await server.registerReader()
        try await server.app().test(.router) { client in
            let idle = try await client.execute(uri: "/api/v1/reads", method: .post, headers: .json(bearer: bearer), body: .json(nativeRead()))
            #expect(idle.status == .conflict)
            #expect(idle.errorReason.contains("R7"))
            // Collecting since 10 minutes ago: a read from an hour ago is still outside.
            try await server.storage.readers.openActivePeriod(ActivePeriod(readerID: reader.id, source: .startStop, startedAt: Date().addingTimeInterval(-600)))
            let before = try await client.execute(
                uri: "/api/v1/reads", method: .post, headers: .json(bearer: bearer), body: .json(nativeRead(capturedAt: Date().addingTimeInterval(-3600)))
            )
            #expect(before.status == .conflict)
            let during = try await client.execute(uri: "/api/v1/reads", method: .post, headers: .json(bearer: bearer), body: .json(nativeRead()))
            #expect(during.status == .created)
        }
        #expect(try await server.storage.reads.count() == 1)
    }

    // MARK: Vendor webhooks

    @Test func openALPRGroupIsStoredWithoutVehicleDescription() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (_, bearer) = try await server.collectingReader()
        let epoch = (Date().addingTimeInterval(-120).timeIntervalSince1970 * 1000).rounded()
        let group: [String: Any] = [
            "data_type": "alpr_group", "version": 2, "epoch_start": epoch, "epoch_end": epoch + 900,
            "camera_id": 1_234_567, "agent_uid": "UHdX8pTxYdG5t8pY", "best_uuid": "UHdX8pTxYdG5t8pY-1234567-1489187205520",
            "best_plate_number": "7ABC123", "best_confidence": 91.5, "best_region": "us-mn",
            "candidates": [["plate": "7ABC123", "confidence": 91.5], ["plate": "7A8C123", "confidence": 80.2]],
            "gps_latitude": 45.0311, "gps_longitude": -93.3611, "travel_direction": 270.0,
            "vehicle_crop_jpeg": Data(jpegBytes(count: 3000, seed: 3)).base64EncodedString(),
            "best_plate": ["coordinates": [["x": 10, "y": 20], ["x": 130, "y": 20], ["x": 130, "y": 60], ["x": 10, "y": 60]]],
            "vehicle": [
                "color": [["name": "SILVERFOXCOLOUR", "confidence": 90]], "make": [["name": "ZANZIBARMAKE", "confidence": 88]],
                "make_model": [["name": "ZANZIBARMODEL", "confidence": 70]], "body_type": [["name": "sedan-standard", "confidence": 80]],
            ],
        ]
        let groupBody = try ByteBuffer.json(group)
        try await server.app().test(.router) { client in
            let response = try await client.execute(uri: "/api/v1/webhooks/openalpr", method: .post, headers: .json(bearer: bearer), body: groupBody)
            #expect(response.status == .created, "\(response.text)")
            let retry = try await client.execute(uri: "/api/v1/webhooks/openalpr", method: .post, headers: .json(bearer: bearer), body: groupBody)
            #expect(retry.status == .ok)
        }
        let id = ReadSubmission.derivedID("openalpr", "UHdX8pTxYdG5t8pY-1234567-1489187205520")
        let read = try #require(try await server.storage.reads.read(id: id))
        #expect(read.plate.value == "7ABC123" && read.state == "MN" && abs(read.confidence - 0.915) < 1e-9)
        #expect(read.candidates.count == 2 && read.plateBox == PlateBox(x: 10, y: 20, width: 120, height: 40))
        #expect(read.vehicleImage != nil && read.location?.latitude == 45.0311)
        #expect(try await server.storage.reads.count() == 1)
        // R1: the vehicle description never reaches the disk.
        let files = try FileManager.default.contentsOfDirectory(at: server.directory.url, includingPropertiesForKeys: nil)
        for file in files where file.lastPathComponent.hasPrefix("alpr.sqlite") {
            let bytes = try Data(contentsOf: file)
            for marker in ["ZANZIBARMAKE", "ZANZIBARMODEL", "SILVERFOXCOLOUR"] {
                #expect(bytes.range(of: Data(marker.utf8)) == nil, "\(marker) found in \(file.lastPathComponent)")
            }
        }
    }

    @Test func openALPRFrameResultsBecomeOneReadEach() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (_, bearer) = try await server.collectingReader()
        let frame: [String: Any] = [
            "data_type": "alpr_results", "epoch_time": (Date().addingTimeInterval(-30).timeIntervalSince1970 * 1000).rounded(),
            "uuid": "frame-42", "camera_id": 9,
            "results": [
                ["plate": "AAA111", "confidence": 88.0, "region": "us-wi", "coordinates": [["x": 1, "y": 2], ["x": 50, "y": 20]]],
                ["plate": "BBB222", "confidence": 77.0, "candidates": [["plate": "BBB222", "confidence": 77.0]]],
            ],
        ]
        let frameBody = try ByteBuffer.json(frame)
        try await server.app().test(.router) { client in
            let response = try await client.execute(uri: "/api/v1/webhooks/openalpr", method: .post, headers: .json(bearer: bearer), body: frameBody)
            #expect(response.status == .created && response.json["accepted"] as? Int == 2)
            let heartbeat = try await client.execute(
                uri: "/api/v1/webhooks/openalpr", method: .post, headers: .json(bearer: bearer), body: .json(["data_type": "heartbeat"])
            )
            #expect(heartbeat.status == .ok && heartbeat.json["ignored"] as? String == "heartbeat")
        }
        #expect(try await server.storage.reads.read(id: ReadSubmission.derivedID("openalpr", "frame-42", "0"))?.state == "WI")
        #expect(try await server.storage.reads.count() == 2)
    }

    @Test func plateRecognizerJSONAndMultipart() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (_, bearer) = try await server.collectingReader()
        let timestamp = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-45)).replacingOccurrences(of: "Z", with: ".524586Z")
        let payload: [String: Any] = [
            "hook": ["target": "http://example.invalid", "id": "camera-1", "event": "recognition"],
            "data": [
                "camera_id": "camera-1", "filename": "camera-1_screenshots/frame.jpg", "timestamp": timestamp,
                "results": [[
                    "plate": "xyz789", "score": 0.904, "dscore": 0.8, "region": ["code": "us-mn", "score": 0.9],
                    "box": ["xmin": 100, "ymin": 200, "xmax": 220, "ymax": 240],
                    "candidates": [["plate": "xyz789", "score": 0.904], ["plate": "xyz78g", "score": 0.1]],
                    "vehicle": ["type": "Sedan", "score": 0.8], "model_make": [["make": "PRMAKEMARKER", "model": "PRMODEL", "score": 0.5]],
                    "color": [["color": "PRCOLOURMARKER", "score": 0.7]],
                ]],
            ],
        ]
        let payloadJSON = try JSONSerialization.data(withJSONObject: payload)
        try await server.app().test(.router) { client in
            let response = try await client.execute(uri: "/api/v1/webhooks/platerecognizer", method: .post, headers: .json(bearer: bearer), body: ByteBuffer(bytes: payloadJSON))
            #expect(response.status == .created, "\(response.text)")

            // The same event as multipart with the frame attached: recognised as a duplicate.
            let boundary = "prboundary"
            var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"json\"\r\n\r\n".utf8)
            body += Array(payloadJSON)
            body += Array("\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"frame.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n".utf8)
            body += jpegBytes(count: 5000, seed: 11) + Array("\r\n--\(boundary)--\r\n".utf8)
            let multipart = try await client.execute(
                uri: "/api/v1/webhooks/platerecognizer", method: .post,
                headers: [.contentType: "multipart/form-data; boundary=\(boundary)", .authorization: "Bearer \(bearer)"], body: ByteBuffer(bytes: body)
            )
            #expect(multipart.status == .ok, "\(multipart.text)")
        }
        let reads = try await server.storage.reads.search(ReadQuery(plate: .exact(PlateNumber("XYZ789"))))
        let read = try #require(reads.first)
        #expect(reads.count == 1 && read.state == "MN" && read.plateBox == PlateBox(x: 100, y: 200, width: 120, height: 40))
        #expect(read.candidates.map(\.text) == ["XYZ789", "XYZ78G"])
    }

    @Test func theMultipartParserSplitsParts() throws {
        let body = Array("preamble\r\n--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nfirst\r\n--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\r\n--\r\n--b--\r\n".utf8)
        let form = try MultipartFormData(body: body, boundary: "b")
        #expect(form.parts.map(\.name) == ["a", "f"])
        #expect(form.part(named: "a")?.body == Array("first".utf8))
        #expect(form.part(named: "f")?.body == Array("\r\n--".utf8) && form.part(named: "f")?.filename == "x.jpg")
        #expect(throws: MultipartError.self) { try MultipartFormData(body: Array("--b\r\nno headers end".utf8), boundary: "b") }
        #expect(MultipartFormData.boundary(fromContentType: "multipart/form-data; boundary=\"q r\"") == "q r")
    }
}
