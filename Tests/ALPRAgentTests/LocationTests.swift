@testable import ALPRAgent
import ALPRCore
import Foundation
import Synchronization
import Testing

@Suite struct NMEAParserTests {
    /// Appends the XOR checksum, as a receiver does.
    func sentence(_ body: String) -> String {
        let checksum = body.utf8.reduce(UInt8(0), ^)
        return "$\(body)*\(String(format: "%02X", checksum))"
    }

    @Test func parsesRMCWithSpeedAndCourse() throws {
        // The NMEA reference example: 48°07.038' N, 11°31.000' E, 22.4 knots, course 84.4°.
        let line = "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A"
        guard case .fix(let point, let heading, let speed)? = try NMEAParser.parse(line) else {
            Issue.record("no fix parsed")
            return
        }
        #expect(abs(point.latitude - (48 + 7.038 / 60)) < 1e-9)
        #expect(abs(point.longitude - (11 + 31.0 / 60)) < 1e-9)
        #expect(heading == 84.4)
        #expect(abs(speed! - 22.4 * 1.852) < 1e-9)
    }

    @Test func parsesGGAFromAnyTalkerAndSouthWest() throws {
        let line = sentence("GNGGA,010203.00,4459.100,S,09316.200,W,1,08,0.9,250.0,M,-30.0,M,,")
        guard case .fix(let point, nil, nil)? = try NMEAParser.parse(line) else {
            Issue.record("no fix parsed")
            return
        }
        #expect(abs(point.latitude - -(44 + 59.1 / 60)) < 1e-9)
        #expect(abs(point.longitude - -(93 + 16.2 / 60)) < 1e-9)
        #expect(try NMEAParser.parse(sentence("GNRMC,010203.00,A,4459.100,N,09316.200,W,0.0,,010125,,,A")) != nil)
    }

    @Test func refusesBadOrMissingChecksums() {
        let good = "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A"
        #expect(throws: AgentError.self) { try NMEAParser.parse(good.replacingOccurrences(of: "*6A", with: "*6B")) }
        #expect(throws: AgentError.self) { try NMEAParser.parse(good.replacingOccurrences(of: "4807", with: "4808")) }
        #expect(throws: AgentError.self) { try NMEAParser.parse(String(good.dropLast(3))) }
        #expect(throws: AgentError.self) { try NMEAParser.parse("GPRMC,123519,A*00") }
    }

    @Test func voidStatusAndZeroQualityMeanNoFix() throws {
        #expect(try NMEAParser.parse(sentence("GPRMC,123519,V,,,,,,,230394,,")) == .noFix)
        #expect(try NMEAParser.parse(sentence("GPGGA,123519,4807.038,N,01131.000,E,0,00,,,M,,M,,")) == .noFix)
    }

    @Test func refusesMalformedCoordinatesAndIgnoresOtherSentences() throws {
        #expect(throws: AgentError.self) { try NMEAParser.parse(sentence("GPRMC,123519,A,9907.038,N,01131.000,E,0,0,230394,,")) }
        #expect(throws: AgentError.self) { try NMEAParser.parse(sentence("GPRMC,123519,A,4807.038,X,01131.000,E,0,0,230394,,")) }
        #expect(try NMEAParser.parse(sentence("GPGSV,3,1,11,03,03,111,00")) == nil)
    }
}

@Suite struct GPSDMessageParserTests {
    @Test func parsesTPVWithSpeedInMetresPerSecond() throws {
        let line = #"{"class":"TPV","device":"/dev/ttyUSB0","mode":3,"time":"2025-01-01T00:00:00.000Z","lat":44.9778,"lon":-93.2650,"track":271.5,"speed":12.5}"#
        guard case .fix(let point, let heading, let speed)? = try GPSDMessageParser.parse(line) else {
            Issue.record("no fix parsed")
            return
        }
        #expect(point.latitude == 44.9778)
        #expect(point.longitude == -93.2650)
        #expect(heading == 271.5)
        #expect(abs(speed! - 45) < 1e-9)
    }

    @Test func modeOneIsNoFixAndOtherClassesAreIgnored() throws {
        #expect(try GPSDMessageParser.parse(#"{"class":"TPV","mode":1}"#) == .noFix)
        #expect(try GPSDMessageParser.parse(#"{"class":"SKY","satellites":[]}"#) == nil)
        #expect(try GPSDMessageParser.parse(#"{"class":"VERSION","release":"3.25"}"#) == nil)
        #expect(throws: AgentError.self) { try GPSDMessageParser.parse("not json") }
        #expect(throws: AgentError.self) { try GPSDMessageParser.parse(#"{"class":"TPV","mode":2,"lat":123,"lon":0}"#) }
    }
}

@Suite struct LatestFixStoreTests {
    let now = Date(timeIntervalSince1970: 1_750_000_000)

    @Test func aFixOlderThanTheMaximumAgeIsUnknown() throws {
        let store = LatestFixStore(maximumAge: 5)
        #expect(store.currentFix(now: now) == nil, "no fix yet: unknown, never invented")
        let fix = LocationFix(point: try GeoPoint(latitude: 45, longitude: -93), receivedAt: now)
        store.record(fix)
        #expect(store.currentFix(now: now.addingTimeInterval(4.9)) == fix)
        #expect(store.currentFix(now: now.addingTimeInterval(5.1)) == nil)
        #expect(abs((store.ageOfLastFix(now: now.addingTimeInterval(5.1)) ?? 0) - 5.1) < 1e-6)
    }

    @Test func lossOfFixForgetsThePosition() throws {
        let store = LatestFixStore(maximumAge: 60)
        store.apply(.fix(try GeoPoint(latitude: 45, longitude: -93), headingDegrees: nil, speedKmh: nil), receivedAt: now)
        #expect(store.currentFix(now: now) != nil)
        store.apply(.noFix, receivedAt: now)
        #expect(store.currentFix(now: now) == nil)
    }

    @Test func positionOnlySentenceKeepsARecentCourseAndSpeed() throws {
        let store = LatestFixStore(maximumAge: 60)
        let point = try GeoPoint(latitude: 45, longitude: -93)
        store.apply(.fix(point, headingDegrees: 90, speedKmh: 50), receivedAt: now)
        store.apply(.fix(point, headingDegrees: nil, speedKmh: nil), receivedAt: now.addingTimeInterval(0.5))
        #expect(store.currentFix(now: now.addingTimeInterval(1))?.speedKmh == 50)
        store.apply(.fix(point, headingDegrees: nil, speedKmh: nil), receivedAt: now.addingTimeInterval(10))
        #expect(store.currentFix(now: now.addingTimeInterval(10))?.speedKmh == nil, "a stale course is not carried over")
    }

    @Test func nmeaReceiverFollowsAFileAndSkipsBadSentences() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.url.appending(path: "gps.nmea").path
        // Written before the agent started: not current, must not be used.
        try Data("$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A\n".utf8).write(to: URL(fileURLWithPath: path))
        let store = LatestFixStore(maximumAge: 30)
        let receiver = NMEAReceiver(path: path, store: store, logger: testLogger)
        let task = Task { try await receiver.run() }
        defer { task.cancel() }
        try await Task.sleep(for: .milliseconds(300))
        #expect(store.currentFix(now: Date()) == nil)

        // A receiver writes continuously; keep appending until the reader has picked it up.
        let badChecksum = "$GNRMC,010203.00,A,4459.100,N,09316.200,W,10.0,90.0,010125,,,A*00\n"
        let good = "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\n"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let deadline = Date().addingTimeInterval(10)
        while store.currentFix(now: Date()) == nil, Date() < deadline {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((badChecksum + good).utf8))
            try await Task.sleep(for: .milliseconds(200))
        }
        try handle.write(contentsOf: Data((badChecksum + badChecksum).utf8))
        try await Task.sleep(for: .milliseconds(300))
        let fix = try #require(store.currentFix(now: Date()))
        #expect(abs(fix.point.latitude - (48 + 7.038 / 60)) < 1e-9, "the bad-checksum sentences were not used")
    }

    @Test func gpsdReceiverSendsWatchAndRecordsTPV() async throws {
        let watchSeen = Mutex(false)
        let server = TestLineServer(
            onLine: { line in if line.hasPrefix("?WATCH=") { watchSeen.withLock { $0 = true } } },
            greeting: [
                #"{"class":"VERSION","release":"3.25"}"#,
                #"{"class":"TPV","mode":3,"lat":44.95,"lon":-93.1,"speed":2.0,"track":10}"#,
            ]
        )
        try server.start()
        defer { server.stop() }
        let store = LatestFixStore(maximumAge: 30)
        let task = Task { try await GPSDReceiver(host: "127.0.0.1", port: server.port, store: store, logger: testLogger).run() }
        defer { task.cancel() }
        // Generous: with the whole suite running on two cores, a first connection can fail or
        // stall, and the receiver retries after 1 s, then 2 s, then 4 s.
        #expect(await waitUntil { store.currentFix(now: Date()) != nil })
        #expect(store.currentFix(now: Date())?.point.latitude == 44.95)
        #expect(abs((store.currentFix(now: Date())?.speedKmh ?? 0) - 7.2) < 1e-9)
        #expect(watchSeen.withLock { $0 })
    }
}
