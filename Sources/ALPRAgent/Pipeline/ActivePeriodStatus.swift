import Foundation

/// Reads the server's answer about the reader: `POST /api/v1/readers/heartbeat` and
/// `GET /api/v1/readers/me` both carry `"collecting": true|false`, whether the reader has an
/// active period now (R7). nil when the answer does not say.
public enum ActivePeriodStatus {
    public static func isActive(inResponse body: Data) -> Bool? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
        return object["collecting"] as? Bool
    }
}
