import Foundation

/// Parses the MN NCIC extract that the BCA supplies (R4): twelve comma-separated columns,
/// `list code + NIC, ORI, entry date (yyyymmdd), plate (LIC), state (LIS), plate year,
/// plate type, vehicle year, make, model, style, colour`.
///
/// R1 (§13.824 subd. 2(a)): only the plate, state, list code, NIC, ORI and entry date are
/// kept; the vehicle columns are counted (a row must have all twelve) and dropped.
public struct NCICExtractParser: Sendable {
    public static let columnCount = 12
    /// Longest NIC or ORI kept; NCIC numbers are 10 characters and ORIs 9.
    public static let maximumReferenceLength = 20

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
        DelimitedTextScanner.scan(buffer) { lineNumber, line, fields, buffer, terminated in
            let rejection: HotListRejectReason?
            switch line {
            case .blank:
                return
            case .rejected(let reason):
                rejection = reason
            case .fields:
                switch Self.entry(fields: fields, in: buffer) {
                case .success(let entry):
                    result.accept(entry)
                    rejection = nil
                case .failure(let failure):
                    rejection = failure.reason
                }
            }
            result.recordLineCount += 1
            if let rejection {
                result.reject(line: lineNumber, rejection, keepingAtMost: maximumRejectsKept)
                if !terminated { result.finalLineUnterminatedAndRejected = true }
            }
        }
        return result
    }

    /// A NIC or ORI: surrounding spaces removed, ASCII letters upper-cased.
    static func referenceText(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> String {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, bytes[start] == UInt8(ascii: " ") { start += 1 }
        while end > start, bytes[end - 1] == UInt8(ascii: " ") { end -= 1 }
        let trimmed = bytes[start..<end]
        return String(unsafeUninitializedCapacity: trimmed.count) { output in
            for (offset, byte) in trimmed.enumerated() {
                output[offset] = byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 32 : byte
            }
            return trimmed.count
        }
    }

    static func entry(fields: [DelimitedTextScanner.Field], in buffer: UnsafeBufferPointer<UInt8>) -> Result<HotListEntry, LineRejection> {
        guard fields.count == columnCount else {
            return .failure(LineRejection(reason: .wrongFieldCount(found: fields.count, expected: String(columnCount))))
        }
        // Column 1: the list code is the first character, the NIC the rest.
        let codeAndNIC = DelimitedTextScanner.bytes(of: fields[0], in: buffer)
        guard let codeByte = codeAndNIC.first else {
            return .failure(LineRejection(reason: .unknownListCode("")))
        }
        guard let category = HotListCategory(ncicListCodeByte: codeByte) else {
            let shown = HotListRejectReason.echo(String(decoding: codeAndNIC.prefix(1), as: UTF8.self))
            return .failure(LineRejection(reason: .unknownListCode(shown)))
        }
        let nic = Self.referenceText(codeAndNIC.dropFirst())
        guard !nic.isEmpty else { return .failure(LineRejection(reason: .missingRecordReference)) }
        guard nic.utf8.count <= maximumReferenceLength else {
            return .failure(LineRejection(reason: .fieldTooLong(field: "NIC", limit: maximumReferenceLength)))
        }
        let ori = Self.referenceText(DelimitedTextScanner.bytes(of: fields[1], in: buffer))
        guard ori.utf8.count <= maximumReferenceLength else {
            return .failure(LineRejection(reason: .fieldTooLong(field: "ORI", limit: maximumReferenceLength)))
        }
        let dateBytes = DelimitedTextScanner.bytes(of: fields[2], in: buffer)
        guard let enteredOn = CalendarDay(yyyymmdd: dateBytes) else {
            return .failure(LineRejection(reason: .invalidDate(HotListRejectReason.echo(String(decoding: dateBytes, as: UTF8.self)))))
        }
        guard let plateKey = PlateKey.normalising(DelimitedTextScanner.bytes(of: fields[3], in: buffer)) else {
            return .failure(LineRejection(reason: .invalidPlate))
        }
        guard let state = IssuingState(asciiBytes: DelimitedTextScanner.bytes(of: fields[4], in: buffer)) else {
            return .failure(LineRejection(reason: .invalidState))
        }
        return .success(HotListEntry(
            plate: plateKey.plate, state: state, category: category, recordReference: nic,
            originatingAgency: ori.isEmpty ? nil : ori, enteredOn: enteredOn
        ))
    }
}
