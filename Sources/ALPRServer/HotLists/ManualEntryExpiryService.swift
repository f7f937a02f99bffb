import ALPRCore
import ALPRStorage
import Foundation
import Logging
import ServiceLifecycle

/// R5 (§13.824 subd. 2(d); Policy "Manual Hot List"): every manual entry is removed
/// automatically when its expiry (or its warrant's) passes. Sleeps until the earliest expiry,
/// at most `checkInterval` (an entry created meanwhile may expire sooner), then removes what is
/// due, audits each removal as the system, and rebuilds the matcher. Matching already ignores
/// an expired entry in between (`HotListIndex.match`), so no alert is sent after its expiry.
public struct ManualEntryExpiryService: Service {
    public static let actor = "system"

    let manualEntries: ManualEntryManager
    let catalog: HotListCatalog
    let checkInterval: TimeInterval
    let logger: Logger

    public init(manualEntries: ManualEntryManager, catalog: HotListCatalog, checkInterval: TimeInterval, logger: Logger) {
        self.manualEntries = manualEntries; self.catalog = catalog; self.checkInterval = checkInterval; self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    _ = try await manualEntries.removeExpired(now: Date())
                } catch {
                    logger.error("manual entry expiry failed", metadata: ["error": "\(String(reflecting: error))"])
                }
                let next = await catalog.nextManualExpiry
                let wait = min(checkInterval, max(0.01, (next?.timeIntervalSinceNow ?? checkInterval) + 0.005))
                do {
                    try await Task.sleep(for: .milliseconds(Int64(wait * 1000)))
                } catch {
                    return
                }
            }
        }
    }
}
