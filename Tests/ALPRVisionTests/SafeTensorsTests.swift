import Foundation
import Testing
@testable import ALPRVision

@Suite("Safetensors reader")
struct SafeTensorsTests {
    static func sample() throws -> Data {
        try SafeTensorsWriter.encode([
            .init(name: "a", shape: [2, 3], values: [1, 2, 3, 4, 5, 6]),
            .init(name: "b", shape: [1], values: [-7.5]),
        ])
    }

    /// A file with a hand-written header, to test what our own writer never produces.
    static func file(header: String, payload: [UInt8]) -> Data {
        let headerBytes = Array(header.utf8)
        var data = Data()
        var length = UInt64(headerBytes.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(contentsOf: headerBytes)
        data.append(contentsOf: payload)
        return data
    }

    @Test("round trip through the writer keeps names, shapes and values")
    func roundTrip() throws {
        let file = try SafeTensorsFile(data: Self.sample())
        #expect(file.tensors["a"]?.shape == [2, 3])
        #expect(try file.floats("a") == [1, 2, 3, 4, 5, 6])
        #expect(try file.floats("b", shape: [1]) == [-7.5])
        #expect(throws: VisionError.tensorShapeMismatch(name: "a", expected: [6], actual: [2, 3])) { try file.floats("a", shape: [6]) }
        #expect(throws: VisionError.missingTensor("c")) { try file.floats("c") }
    }

    @Test("reads a file with metadata and unaligned header written by hand")
    func handWritten() throws {
        let value: Float = 3.25
        let payload = withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) }
        let data = Self.file(header: #"{"__metadata__":{"format":"pt"},"x":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}"#, payload: payload)
        let file = try SafeTensorsFile(data: data)
        #expect(file.metadata["format"] == "pt")
        #expect(try file.floats("x") == [3.25])
    }

    @Test("every truncation of a valid file is rejected with an error, never a crash")
    func truncated() throws {
        let data = try Self.sample()
        for length in 0 ..< data.count {
            #expect(throws: VisionError.self) { _ = try SafeTensorsFile(data: data.prefix(length)) }
        }
    }

    @Test("garbage and inconsistent headers are rejected")
    func garbage() throws {
        var random = SeededRandom(seed: 31)
        let noise = Data((0 ..< 64).map { _ in UInt8.random(in: 0 ... 255, using: &random) })
        #expect(throws: VisionError.self) { _ = try SafeTensorsFile(data: noise) }
        #expect(throws: VisionError.self) { _ = try SafeTensorsFile(data: Self.file(header: "not json", payload: [])) }
        #expect(throws: VisionError.self) { _ = try SafeTensorsFile(data: Self.file(header: "[1, 2]", payload: [])) }
        let outside = Self.file(header: #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, payload: [0, 0, 0, 0])
        #expect(throws: VisionError.self) { _ = try SafeTensorsFile(data: outside) }
        let wrongCount = Self.file(header: #"{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, payload: Array(repeating: 0, count: 8))
        #expect(throws: VisionError.self) { _ = try SafeTensorsFile(data: wrongCount) }
        let missingShape = Self.file(header: #"{"x":{"dtype":"F32","data_offsets":[0,4]}}"#, payload: Array(repeating: 0, count: 4))
        #expect(throws: VisionError.self) { _ = try SafeTensorsFile(data: missingShape) }
        var hugeLength = Data(repeating: 0xFF, count: 8)
        hugeLength.append(contentsOf: [0x7B, 0x7D])
        #expect(throws: VisionError.self) { _ = try SafeTensorsFile(data: hugeLength) }
    }

    @Test("non-float32 tensors are refused by name")
    func otherDtypes() throws {
        let data = Self.file(header: #"{"x":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#, payload: [0, 0, 0, 0])
        let file = try SafeTensorsFile(data: data)
        #expect(throws: VisionError.invalidSafetensors("tensor 'x' has dtype F16, only F32 is supported")) { try file.floats("x") }
    }
}
