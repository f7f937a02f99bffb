import ALPRTestSupport
import Testing

/// The backend-independent contract suite, each check on a fresh SQLite file. New checks added
/// to `StorageContract.all` run here without further changes.
@Suite struct SQLiteStorageContractTests {
    @Test(arguments: StorageContract.all.map(\.name))
    func contract(_ name: String) async throws {
        let check = try #require(StorageContract.all.first { $0.name == name }?.check)
        let fixture = try SQLiteTestStorage()
        defer { fixture.remove() }
        try await check(fixture.storage)
    }
}
