import Foundation

/// A parsed `.safetensors` file: an 8-byte little-endian header length, a JSON header naming
/// each tensor's dtype, shape and byte range, then the raw tensor bytes.
///
/// Parsing validates everything the header promises (lengths, offsets inside the payload, byte
/// counts matching shapes) so a truncated or corrupt file fails here with a clear message
/// rather than later as garbage weights.
public struct SafeTensorsFile: Sendable {
    public struct TensorInfo: Sendable, Equatable {
        public let dtype: String
        public let shape: [Int]
        /// Byte range inside the payload (after the header).
        public let byteRange: Range<Int>
    }

    /// Refuse headers above this size: real headers are a few kilobytes, and a garbage length
    /// must not make us allocate gigabytes.
    static let maximumHeaderLength = 100 * 1024 * 1024

    public let tensors: [String: TensorInfo]
    public let metadata: [String: String]
    private let payload: Data

    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw VisionError.modelNotFound(url.path)
        }
        try self.init(data: data)
    }

    public init(data: Data) throws {
        guard data.count >= 8 else {
            throw VisionError.invalidSafetensors("file is \(data.count) bytes, shorter than the 8-byte header length")
        }
        var headerLength: UInt64 = 0
        for (index, byte) in data.prefix(8).enumerated() {
            headerLength |= UInt64(byte) << (8 * UInt64(index))
        }
        guard headerLength > 0, headerLength <= UInt64(Self.maximumHeaderLength) else {
            throw VisionError.invalidSafetensors("header length \(headerLength) is out of range")
        }
        let headerEnd = 8 + Int(headerLength)
        guard headerEnd <= data.count else {
            throw VisionError.invalidSafetensors("header length \(headerLength) runs past the end of the \(data.count)-byte file")
        }
        let headerBytes = data.subdata(in: data.startIndex + 8 ..< data.startIndex + headerEnd)
        guard let header = try? JSONSerialization.jsonObject(with: headerBytes) as? [String: Any] else {
            throw VisionError.invalidSafetensors("header is not a JSON object")
        }
        let payload = data.subdata(in: data.startIndex + headerEnd ..< data.endIndex)

        var tensors: [String: TensorInfo] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let entries = value as? [String: Any] else {
                    throw VisionError.invalidSafetensors("__metadata__ is not an object")
                }
                for (key, entry) in entries { metadata[key] = entry as? String ?? "\(entry)" }
                continue
            }
            tensors[name] = try Self.parseTensorInfo(name: name, value: value, payloadCount: payload.count)
        }
        self.tensors = tensors
        self.metadata = metadata
        self.payload = payload
    }

    private static func parseTensorInfo(name: String, value: Any, payloadCount: Int) throws -> TensorInfo {
        guard let entry = value as? [String: Any],
              let dtype = entry["dtype"] as? String,
              let shapeNumbers = entry["shape"] as? [NSNumber],
              let offsetNumbers = entry["data_offsets"] as? [NSNumber], offsetNumbers.count == 2
        else {
            throw VisionError.invalidSafetensors("tensor '\(name)' lacks dtype, shape or data_offsets")
        }
        let shape = shapeNumbers.map(\.intValue)
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw VisionError.invalidSafetensors("tensor '\(name)' has a negative dimension")
        }
        let begin = offsetNumbers[0].intValue
        let end = offsetNumbers[1].intValue
        guard begin >= 0, begin <= end, end <= payloadCount else {
            throw VisionError.invalidSafetensors("tensor '\(name)' offsets \(begin)..<\(end) fall outside the \(payloadCount)-byte payload")
        }
        if let elementSize = elementSize(of: dtype) {
            let expected = shape.reduce(1, *) * elementSize
            guard end - begin == expected else {
                throw VisionError.invalidSafetensors("tensor '\(name)' holds \(end - begin) bytes, its shape \(shape) needs \(expected)")
            }
        }
        return TensorInfo(dtype: dtype, shape: shape, byteRange: begin ..< end)
    }

    private static func elementSize(of dtype: String) -> Int? {
        switch dtype {
        case "F64", "I64", "U64": 8
        case "F32", "I32", "U32": 4
        case "F16", "BF16", "I16", "U16": 2
        case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2": 1
        default: nil
        }
    }

    /// The tensor's values as `Float`. Only `F32` tensors are accepted: the export writes float32.
    public func floats(_ name: String) throws -> [Float] {
        guard let info = tensors[name] else { throw VisionError.missingTensor(name) }
        guard info.dtype == "F32" else {
            throw VisionError.invalidSafetensors("tensor '\(name)' has dtype \(info.dtype), only F32 is supported")
        }
        let count = info.byteRange.count / 4
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            payload.withUnsafeBytes { raw in
                let source = UnsafeRawBufferPointer(rebasing: raw[info.byteRange])
                // Safetensors is little endian, as is every platform this runs on.
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source)
            }
            initialized = count
        }
    }

    /// The tensor's values, checking that its shape is exactly `shape`.
    public func floats(_ name: String, shape: [Int]) throws -> [Float] {
        guard let info = tensors[name] else { throw VisionError.missingTensor(name) }
        guard info.shape == shape else {
            throw VisionError.tensorShapeMismatch(name: name, expected: shape, actual: info.shape)
        }
        return try floats(name)
    }
}

/// Writes float32 tensors in the safetensors layout. Used to save test networks and by tools.
public enum SafeTensorsWriter {
    public struct Tensor: Sendable {
        public var name: String
        public var shape: [Int]
        public var values: [Float]
        public init(name: String, shape: [Int], values: [Float]) {
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    public static func encode(_ tensors: [Tensor]) throws -> Data {
        var header: [String: Any] = [:]
        var offset = 0
        for tensor in tensors {
            guard tensor.shape.reduce(1, *) == tensor.values.count else {
                throw VisionError.invalidSafetensors("tensor '\(tensor.name)' has \(tensor.values.count) values for shape \(tensor.shape)")
            }
            let size = tensor.values.count * 4
            header[tensor.name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + size]]
            offset += size
        }
        var headerBytes = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad with spaces so the payload starts 8-byte aligned, as the reference writer does.
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var data = Data()
        var length = UInt64(headerBytes.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(headerBytes)
        for tensor in tensors {
            tensor.values.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        return data
    }
}
