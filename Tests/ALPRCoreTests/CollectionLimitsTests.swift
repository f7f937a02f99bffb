import ALPRCore
import Foundation
import Testing

/// R1 (§13.824 subd. 2(a)).
@Suite struct CollectionLimitsTests {
    @Test(arguments: ["make", "Vehicle-Color", "vehicle_make", "OwnerName", "registered_owner", "face", "occupants", "VIN", "body type", "colour", "dob"])
    func ownerAndVehicleFingerprintFieldsAreForbidden(_ field: String) {
        #expect(CollectionLimits.isForbidden(fieldName: field))
    }

    @Test(arguments: ["plate", "best_plate_number", "confidence", "candidates", "gps_latitude", "epoch_start", "camera_id", "heading", "vehicle_crop_jpeg", "coordinates"])
    func permittedFieldsPass(_ field: String) {
        #expect(!CollectionLimits.isForbidden(fieldName: field))
    }

    @Test func forbiddenFieldsAreListedSorted() {
        #expect(CollectionLimits.forbiddenFields(in: ["plate", "model", "make", "confidence"]) == ["make", "model"])
    }

    @Test func onlyJPEGAndPNGAreAccepted() throws {
        #expect(try CollectionLimits.imageContentType(of: [0xFF, 0xD8, 0xFF, 0xE0, 1, 2], field: "img") == .jpeg)
        #expect(try CollectionLimits.imageContentType(of: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0], field: "img") == .png)
        let gif = Array("GIF89a....".utf8), bmp = Array("BM......".utf8)
        for bytes in [gif, bmp, [0xFF, 0xD8]] {
            #expect(throws: ALPRError.self) { try CollectionLimits.imageContentType(of: bytes, field: "img") }
        }
    }

    @Test func emptyAndOversizedImagesAreRefused() {
        #expect(throws: ALPRError.self) { try CollectionLimits.imageContentType(of: [UInt8](), field: "img") }
        var large = [UInt8](repeating: 0, count: CollectionLimits.maximumImageBytes + 1)
        large[0] = 0xFF; large[1] = 0xD8; large[2] = 0xFF
        #expect(throws: ALPRError.self) { try CollectionLimits.imageContentType(of: large, field: "img") }
        #expect(throws: Never.self) { try CollectionLimits.imageContentType(of: large.dropLast(), field: "img") }
    }

    @Test func captureTimeMustBeNeitherFutureNorPastRetention() throws {
        let now = Date(timeIntervalSince1970: 1_780_000_000)
        let retention = try Retention(days: 30)
        #expect(throws: Never.self) { try CollectionLimits.validateCaptureTime(now.addingTimeInterval(-29 * 86_400), now: now, retention: retention) }
        #expect(throws: Never.self) { try CollectionLimits.validateCaptureTime(now.addingTimeInterval(60), now: now, retention: retention) }
        #expect(throws: ALPRError.self) { try CollectionLimits.validateCaptureTime(now.addingTimeInterval(CollectionLimits.allowedClockSkew + 1), now: now, retention: retention) }
        #expect(throws: ALPRError.self) { try CollectionLimits.validateCaptureTime(now.addingTimeInterval(-31 * 86_400), now: now, retention: retention) }
    }

    @Test(arguments: [-0.01, 1.01, Double.nan, Double.infinity])
    func confidenceOutsideZeroToOneIsRefused(_ value: Double) {
        #expect(throws: ALPRError.self) { try CollectionLimits.validateConfidence(value) }
    }
}
