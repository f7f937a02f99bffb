import Foundation

/// The graph JSON written by `training/export.py` (see docs/model-format.md).
public struct GraphDescription: Decodable, Sendable {
    public struct Input: Decodable, Sendable {
        public var name: String
        public var channels: Int
        public var height: Int
        public var width: Int
        public var mean: [Float]
        public var std: [Float]
    }

    /// One node; attributes not used by its op are absent.
    public struct Node: Decodable, Sendable {
        public var name: String
        public var op: String
        public var inputs: [String]
        public var inChannels: Int?
        public var outChannels: Int?
        public var kernel: IntPair?
        public var stride: IntPair?
        public var padding: IntPair?
        public var dilation: IntPair?
        public var groups: Int?
        public var weight: String?
        public var bias: String?
        public var runningMean: String?
        public var runningVar: String?
        public var eps: Double?
        public var negativeSlope: Double?
        public var scale: Double?
        public var axis: Int?
        public var inFeatures: Int?
        public var outFeatures: Int?

        enum CodingKeys: String, CodingKey {
            case name, op, inputs, kernel, stride, padding, dilation, groups, weight, bias, eps, scale, axis
            case inChannels = "in_channels", outChannels = "out_channels"
            case runningMean = "running_mean", runningVar = "running_var"
            case negativeSlope = "negative_slope"
            case inFeatures = "in_features", outFeatures = "out_features"
        }
    }

    public var name: String
    public var version: Int
    public var input: Input
    public var nodes: [Node]
    public var outputs: [String]
    public var meta: [String: JSONValue]

    enum CodingKeys: String, CodingKey { case name, version, input, nodes, outputs, meta }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        version = try container.decodeIfPresent(Int.self, forKey: .version) ?? 1
        input = try container.decode(Input.self, forKey: .input)
        nodes = try container.decode([Node].self, forKey: .nodes)
        outputs = try container.decode([String].self, forKey: .outputs)
        meta = try container.decodeIfPresent([String: JSONValue].self, forKey: .meta) ?? [:]
    }

    public static func decode(_ data: Data) throws -> GraphDescription {
        do {
            return try JSONDecoder().decode(GraphDescription.self, from: data)
        } catch let error as DecodingError {
            throw VisionError.invalidGraph(Self.explain(error))
        } catch {
            throw VisionError.invalidGraph("\(error)")
        }
    }

    private static func explain(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing '\(key.stringValue)' at '\(path(context))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(context.debugDescription) at '\(path(context))'"
        @unknown default: return "\(error)"
        }
    }
}

/// A pair of integers written either as `[a, b]` or as a single number meaning `[n, n]`.
public struct IntPair: Decodable, Sendable, Equatable {
    public var first: Int
    public var second: Int

    public init(_ first: Int, _ second: Int) {
        self.first = first
        self.second = second
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let single = try? container.decode(Int.self) {
            self.init(single, single)
            return
        }
        let values = try container.decode([Int].self)
        guard values.count == 2 else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected two integers, got \(values.count)")
        }
        self.init(values[0], values[1])
    }
}

/// Any JSON value, for the free-form `meta` object.
public enum JSONValue: Decodable, Sendable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case array([JSONValue])
    case object([String: JSONValue])
    case null

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var doubleValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }
}
