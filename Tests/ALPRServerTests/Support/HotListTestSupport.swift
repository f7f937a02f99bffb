import ALPRCore
import ALPRStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import ALPRServer

/// Hot list files and requests for the server tests.
enum HotListFiles {
    /// One line of the MN NCIC extract (R4 layout).
    static func ncicRow(code: String = "V", nic: String = "V123456789", plate: String, state: String = "MN") -> String {
        "\(code)\(nic),MN0270100,20250115,\(plate),\(state),2025,PC,2015,TOYT,CAM,4D,BLK"
    }

    /// A stolen vehicle in MN, a stolen plate from WI, a wanted person (person-based) in MN,
    /// and a registered owner with a revoked license.
    static let standardRows = [
        ncicRow(code: "V", nic: "V000000001", plate: "ABC123", state: "MN"),
        ncicRow(code: "P", nic: "P000000002", plate: "DEF456", state: "WI"),
        ncicRow(code: "W", nic: "W000000003", plate: "XYZ789", state: "MN"),
    ]

    static func text(_ rows: [String]) -> String { rows.joined(separator: "\n") + "\n" }
}

extension TestClientProtocol {
    func uploadHotList(_ text: String, query: String = "format=ncic", token: String) async throws -> TestResponse {
        try await execute(
            uri: "/api/v1/hotlists?\(query)", method: .post,
            headers: [.contentType: "text/plain", .authorization: "Bearer \(token)"], body: ByteBuffer(string: text)
        )
    }

    /// Posts one read (no alternative readings unless given) and returns the response.
    @discardableResult
    func postRead(plate: String, state: String = "MN", candidates: [String] = [], id: UUID = UUID(), bearer: String) async throws -> TestResponse {
        let read = nativeRead(id: id, plate: plate, extra: [
            "state": state, "candidates": candidates.map { ["plate": $0, "confidence": 0.05] },
        ])
        let response = try await execute(uri: "/api/v1/reads", method: .post, headers: .json(bearer: bearer), body: .json(read))
        try #require(response.status == .created || response.status == .ok, "read refused: \(response.text)")
        return response
    }
}

extension TestServer {
    /// Every stored hit, oldest first.
    func storedHits() async throws -> [StoredHit] {
        try await storage.hits.hits(HitQuery(afterSequence: 0, limit: 10_000))
    }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: TimeInterval, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(25))
    }
    return try await condition()
}
