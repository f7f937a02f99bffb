import Foundation

/// Parses a plain CSV hot list, `plate,state,category,description` (R3 additional sources).
/// The header line is optional; the state may be blank (it then compares as "unknown"); the
/// category is a name (`stolen_vehicle`, "Stolen vehicle") or an NCIC list code; the
/// description is optional and must be quoted if it holds commas.
public struct HotListCSVParser: Sendable {
    public static let maximumDescriptionLength = 200

    /// How many rejected lines are listed in the result (all are counted).
    public var maximumRejectsKept: Int

    public init(maximumRejectsKept: Int = 1000) {
        self.maximumRejectsKept = maximumRejectsKept
    }

    public func parse(_ bytes: some Collection<UInt8>) -> HotListParseResult {
        bytes.withContiguousStorageIfAvailable(parse(buffer:)) ?? Array(bytes).withUnsafeBufferPointer(parse(buffer:))
    }

    private func parse(buffer: UnsafeBufferPointer<UInt8>) -> HotListParseResult {
        var result = HotListParseResult()
        var sawRecordLine = false
        DelimitedTextScanner.scan(buffer) { lineNumber, line, fields, buffer, terminated in
            let rejection: HotListRejectReason?
            switch line {
            case .blank:
                return
            case .rejected(let reason):
                rejection = reason
            case .fields:
                if !sawRecordLine, Self.isHeader(fields, in: buffer) {
                    sawRecordLine = true
                    result.headerSkipped = true
                    return
                }
                switch Self.entry(fields: fields, in: buffer) {
                case .success(let entry):
                    result.accept(entry)
                    rejection = nil
                case .failure(let failure):
                    rejection = failure.reason
                }
            }
            sawRecordLine = true
            result.recordLineCount += 1
            if let rejection {
                result.reject(line: lineNumber, rejection, keepingAtMost: maximumRejectsKept)
                if !terminated { result.finalLineUnterminatedAndRejected = true }
            }
        }
        return result
    }

    static func isHeader(_ fields: [DelimitedTextScanner.Field], in buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = fields.first else { return false }
        return DelimitedTextScanner.string(of: first, in: buffer).lowercased() == "plate"
    }

    static func entry(fields: [DelimitedTextScanner.Field], in buffer: UnsafeBufferPointer<UInt8>) -> Result<HotListEntry, LineRejection> {
        guard fields.count == 3 || fields.count == 4 else {
            return .failure(LineRejection(reason: .wrongFieldCount(found: fields.count, expected: "3 or 4")))
        }
        guard let plateKey = PlateKey.normalising(DelimitedTextScanner.bytes(of: fields[0], in: buffer)) else {
            return .failure(LineRejection(reason: .invalidPlate))
        }
        let stateBytes = DelimitedTextScanner.bytes(of: fields[1], in: buffer)
        var state: IssuingState?
        if !stateBytes.isEmpty {
            guard let parsed = IssuingState(asciiBytes: stateBytes) else { return .failure(LineRejection(reason: .invalidState)) }
            state = parsed
        }
        let categoryName = DelimitedTextScanner.string(of: fields[2], in: buffer)
        guard let category = HotListCategory(name: categoryName) else {
            return .failure(LineRejection(reason: .unknownCategory(HotListRejectReason.echo(categoryName))))
        }
        // Officer-created entries have their own rules (R5); a file cannot create them.
        guard category != .manual else {
            return .failure(LineRejection(reason: .unknownCategory(HotListRejectReason.echo(categoryName))))
        }
        var description: String?
        if fields.count == 4 {
            let text = DelimitedTextScanner.string(of: fields[3], in: buffer).trimmingCharacters(in: .whitespaces)
            guard text.count <= maximumDescriptionLength else {
                return .failure(LineRejection(reason: .fieldTooLong(field: "description", limit: maximumDescriptionLength)))
            }
            description = text.isEmpty ? nil : text
        }
        return .success(HotListEntry(plate: plateKey.plate, state: state, category: category, description: description))
    }
}
