import Foundation

/// Reads the server's answer about the reader (`GET /api/v1/readers/me`, or a heartbeat
/// reply). Accepts `{"collecting": bool}`, `{"active": bool}` or `{"active_period": {...} | null}`;
/// nil when the answer says none of these.
public enum ActivePeriodStatus {
    public static func isActive(inResponse body: Data) -> Bool? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
        if let collecting = object["collecting"] as? Bool { return collecting }
        if let active = object["active"] as? Bool { return active }
        if object.keys.contains("active_period") { return object["active_period"] is [String: Any] }
        if let reader = object["reader"] as? [String: Any] {
            return isActive(inResponse: (try? JSONSerialization.data(withJSONObject: reader)) ?? Data())
        }
        return nil
    }

    /// Whether an ingest refusal says the reader has no active period.
    public static func meansNoActivePeriod(status: Int, body: Data) -> Bool {
        guard status == 403 || status == 409 || status == 423 else { return false }
        let text = String(decoding: body.prefix(4096), as: UTF8.self).lowercased()
        return text.contains("active period") || text.contains("active_period") || text.contains("not collecting")
    }
}
