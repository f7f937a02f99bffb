import ALPRCore
import ALPRStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
@testable import ALPRServer

/// R3, R4: loading hot lists by upload, by the command line's code path and from the delivery
/// folder; a bad file never replaces a good one; every load is logged and audited.
@Suite struct HotListImportTests {
    @Test func anUploadedListIsLiveAndARefusedFileLeavesItInPlace() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.createUser("admin", roles: [.administrator])
        let (_, bearer) = try await server.collectingReader()
        try await server.app().test(.router) { client in
            let token = try await client.login("admin")
            let accepted = try await client.uploadHotList(HotListFiles.text(HotListFiles.standardRows), token: token)
            #expect(accepted.status == .created, "\(accepted.text)")
            #expect(accepted.json["outcome"] as? String == "accepted")
            #expect(accepted.json["version"] as? Int == 1 && accepted.json["entries"] as? Int == 3)

            // Mostly garbage: refused, with the rejected lines' numbers and reasons.
            let bad = HotListFiles.text([HotListFiles.ncicRow(plate: "NEW111"), "garbage", "Q1,2,3", "V9,too,few"])
            let refused = try await client.uploadHotList(bad, token: token)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.json["outcome"] as? String == "refused")
            let rejects = try #require(refused.json["rejects"] as? [[String: Any]])
            #expect(rejects.compactMap { $0["line"] as? Int } == [2, 3, 4])
            #expect(rejects.allSatisfy { !(($0["reason"] as? String) ?? "").isEmpty })

            // The first version is still the live one, and still matches.
            let listing = try await client.execute(uri: "/api/v1/hotlists", method: .get, headers: .bearer(token))
            let versions = try #require(listing.json["versions"] as? [[String: Any]])
            #expect(versions.count == 1 && versions.first?["live"] as? Bool == true && versions.first?["version"] as? Int == 1)
            #expect(listing.json["indexed_entries"] as? Int == 3)
            try await client.postRead(plate: "ABC123", bearer: bearer)
            try await client.postRead(plate: "NEW111", bearer: bearer)
        }
        let hits = try await server.storedHits()
        #expect(hits.map(\.hit.entry.plate.value) == ["ABC123"])
        let loads = try await server.auditEntries().filter { $0.subject == "hot_list" && $0.action == .enter }
        #expect(loads.count == 2)
        #expect(loads[0].actor == "admin" && loads[0].resultCount == 3 && loads[0].reason?.contains("accepted as version 1") == true)
        #expect(loads[1].reason?.contains("refused") == true && loads[1].resultCount == 0)
        #expect(loads[1].criteria?.contains("line 2:") == true)
    }

    @Test func aListOtherThanTheBCAFileNeedsACaseNumber() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.createUser("admin", roles: [.administrator])
        let csv = "plate,state,category,description\nSTK001,MN,stolen_vehicle,Burglary series suspect vehicle\n"
        try await server.app().test(.router) { client in
            let token = try await client.login("admin")
            let noCase = try await client.uploadHotList(csv, query: "format=csv&source=investigative&name=Burglaries", token: token)
            #expect(noCase.status == .forbidden && noCase.errorReason.contains("case number"))
            let asBCA = try await client.uploadHotList(csv, query: "format=csv", token: token)
            #expect(asBCA.status == .unprocessableContent)
            let withCase = try await client.uploadHotList(csv, query: "format=csv&source=investigative&name=Burglaries&case=2025-000123", token: token)
            #expect(withCase.status == .created, "\(withCase.text)")
            #expect(withCase.json["case_number"] as? String == "2025-000123")
        }
        let versions = try await server.storage.hotLists.versions(limit: 10)
        #expect(versions.map(\.version.source) == [.investigative(name: "Burglaries", caseNumber: "2025-000123")])
    }

    /// `alpr hotlist import` uses `HotListImporter` without a running server; the server loads
    /// what it stored at startup, and a running one picks it up at its next poll.
    @Test func theCommandLinePathStoresAVersionTheServerPicksUp() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let logger = TestServer.logger
        let commandLine = HotListImporter(storage: server.storage, catalog: nil, logger: logger)
        let first = try await commandLine.load(
            Array(HotListFiles.text(HotListFiles.standardRows).utf8), format: .ncicExtract, source: .bcaLicensePlateDataFile,
            origin: "cli:test.txt", actor: "cli:system"
        )
        #expect(first.outcome == .accepted && first.version == 1)

        // A server started now has it.
        let catalog = HotListCatalog(storage: server.storage, logger: logger)
        try await catalog.loadFromStorage()
        #expect(!catalog.index.current.match(plate: try PlateNumber("ABC123"), state: "MN").isEmpty)

        // A second file loaded by hand while that server runs: picked up by the poll.
        let second = try await commandLine.load(
            Array(HotListFiles.text(HotListFiles.standardRows + [HotListFiles.ncicRow(nic: "V000000009", plate: "LATE99")]).utf8),
            format: .ncicExtract, source: .bcaLicensePlateDataFile, origin: "cli:test2.txt", actor: "cli:system"
        )
        #expect(second.outcome == .accepted && second.version == 2)
        #expect(catalog.index.current.match(plate: try PlateNumber("LATE99"), state: "MN").isEmpty)
        try await catalog.refreshIfStorageChanged()
        #expect(catalog.index.current.match(plate: try PlateNumber("LATE99"), state: "MN").first?.matchKind == .exact)
        // Only the live version keeps its entries.
        #expect(try await server.storage.hotLists.liveLists().map(\.entries.count) == [4])
        #expect(try await server.storage.hotLists.versions(limit: 10).map(\.isLive) == [true, false])
    }

    /// R4: the scheduled retrieval loads a new file in the delivery folder once, and a file
    /// that did not change is not loaded again.
    @Test func theDeliveryFolderIsPolled() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let folder = server.directory.url.appendingPathComponent("bca-delivery", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let catalog = HotListCatalog(storage: server.storage, logger: TestServer.logger)
        let service = HotListImportService(
            importer: HotListImporter(storage: server.storage, catalog: catalog, logger: TestServer.logger), catalog: catalog,
            folder: folder, url: nil, interval: 3600, logger: TestServer.logger
        )
        try await service.pollOnce()
        #expect(try await server.storage.hotLists.versions(limit: 10).isEmpty)

        try HotListFiles.text(HotListFiles.standardRows).write(to: folder.appendingPathComponent("mn-hotlist.txt"), atomically: true, encoding: .utf8)
        try await service.pollOnce()
        try await service.pollOnce()
        let versions = try await server.storage.hotLists.versions(limit: 10)
        #expect(versions.count == 1 && versions.first?.loadedBy == HotListImportService.actor)
        #expect(catalog.index.current.entryCount == 3)
        let loads = try await server.auditEntries().filter { $0.subject == "hot_list" }
        #expect(loads.count == 1 && loads.first?.criteria?.contains("folder:mn-hotlist.txt") == true)
    }
}
