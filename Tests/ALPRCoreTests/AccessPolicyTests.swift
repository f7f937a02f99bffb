import ALPRCore
import Foundation
import Testing

/// R8 (§13.824 subd. 7) and R7 (Policy "Policy").
@Suite struct AccessPolicyTests {
    /// The role table as the department's policy states it, written out independently of
    /// `AccessPolicy.rolePermissions` so a change to either shows up here.
    static let expected: [Role: Set<Permission>] = [
        .officer: [.operateReader, .ownAccount],
        .investigator: [.searchReads, .manageCases, .manageManualEntries, .ownAccount],
        .administrator: [.manageUsers, .manageReaders, .manageHotLists, .manageManualEntries, .runPurge, .ownAccount],
        .auditor: [.viewAudit, .ownAccount],
        .records: [.shareData, .manageCases, .ownAccount],
    ]

    static func user(_ roles: Set<Role>, trained: Bool = true, authorized: Bool = true, disabled: Bool = false) -> User {
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        return User(
            username: "u", passwordHash: "h", roles: roles, trainingCompletedAt: trained ? date : nil,
            authorization: authorized ? WrittenAuthorization(authorizedBy: "Chief", authorizedAt: date, purpose: "ALPR") : nil,
            disabledAt: disabled ? date : nil
        )
    }

    static let everyPair = Role.allCases.flatMap { role in Permission.allCases.map { (role, $0) } }

    @Test(arguments: everyPair)
    func roleTable(_ role: Role, _ permission: Permission) {
        let allowed = Self.expected[role]!.contains(permission)
        #expect(AccessPolicy.decide(Self.user([role]), permission).isAllowed == allowed)
    }

    @Test(arguments: everyPair)
    func disabledUserIsRefusedEverything(_ role: Role, _ permission: Permission) {
        #expect(!AccessPolicy.decide(Self.user([role], disabled: true), permission).isAllowed)
    }

    @Test(arguments: everyPair)
    func missingAuthorizationRefusesDataAccessOnly(_ role: Role, _ permission: Permission) {
        let decision = AccessPolicy.decide(Self.user([role], authorized: false), permission)
        let touchesData = [.operateReader, .searchReads, .manageCases, .shareData, .manageHotLists, .manageManualEntries, .viewAudit].contains(permission)
        #expect(decision.isAllowed == (Self.expected[role]!.contains(permission) && !touchesData))
        if Self.expected[role]!.contains(permission), touchesData {
            #expect(decision == .deny(rule: "R8 §13.824 subd. 7", reason: "no written authorization is recorded for this account"))
        }
    }

    @Test func missingTrainingRefusesOperatingAReaderOnly() {
        let untrained = Self.user([.officer, .investigator], trained: false)
        guard case .deny(let rule, _) = AccessPolicy.decide(untrained, .operateReader) else {
            Issue.record("an untrained officer was allowed to operate a reader"); return
        }
        #expect(rule.hasPrefix("R7"))
        #expect(AccessPolicy.decide(untrained, .searchReads).isAllowed)
    }

    @Test func rolesCombine() {
        let user = Self.user([.officer, .auditor])
        #expect(AccessPolicy.decide(user, .operateReader).isAllowed)
        #expect(AccessPolicy.decide(user, .viewAudit).isAllowed)
        #expect(!AccessPolicy.decide(user, .searchReads).isAllowed)
        #expect(!AccessPolicy.decide(Self.user([]), .ownAccount).isAllowed)
    }
}
