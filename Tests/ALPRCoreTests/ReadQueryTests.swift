import ALPRCore
import Foundation
import Testing

@Suite struct ReadQueryTests {
    let now = Date(timeIntervalSince1970: 1_780_000_000)

    @Test func searchWithoutAPlateNeedsAWindowOfADayAtMost() throws {
        #expect(throws: ALPRError.self) { try ReadQuery() }
        #expect(throws: ALPRError.self) { try ReadQuery(from: now.addingTimeInterval(-86_401), to: now) }
        #expect(throws: Never.self) { try ReadQuery(from: now.addingTimeInterval(-86_400), to: now) }
    }

    @Test func rangeAndLimitAreChecked() throws {
        #expect(throws: ALPRError.self) { try ReadQuery(plate: .exact(PlateNumber("AB12")), from: now, to: now.addingTimeInterval(-1)) }
        #expect(throws: ALPRError.self) { try ReadQuery(plate: .exact(PlateNumber("AB12")), limit: 0) }
        #expect(throws: ALPRError.self) { try ReadQuery(plate: .exact(PlateNumber("AB12")), limit: ReadQuery.maximumLimit + 1) }
    }

    @Test func auditDescriptionNamesTheCriteria() throws {
        let reader = UUID()
        let query = try ReadQuery(plate: PlateCriterion("AB?1*"), from: now, to: now.addingTimeInterval(60), readerIDs: [reader], limit: 10)
        let text = query.auditDescription
        #expect(text.contains("plate~AB?1*") && text.contains(reader.uuidString) && text.contains("limit=10") && text.contains("from="))
    }
}

/// Machine credentials: only the hash is stored.
@Suite struct ReaderCredentialTests {
    @Test func tokenMatchesItsHashOnly() {
        let first = ReaderCredential.generate(), second = ReaderCredential.generate()
        #expect(first.token.count == 64 && first.token != second.token)
        #expect(first.hash == ReaderCredential.hash(token: first.token))
        #expect(ReaderCredential.matches(token: first.token, storedHash: first.hash))
        #expect(!ReaderCredential.matches(token: second.token, storedHash: first.hash))
        #expect(!ReaderCredential.matches(token: first.token, storedHash: ""))
        // The well-known SHA-256 of "abc".
        #expect(ReaderCredential.hash(token: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
