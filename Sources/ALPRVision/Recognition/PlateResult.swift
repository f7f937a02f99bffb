/// One plate found in an image: what it says, how sure the engine is, and where it is.
public struct PlateResult: Sendable, Equatable, Codable {
    /// Best reading after format re-ranking (upper case letters and digits).
    public var text: String
    /// Probability the OCR assigns to `text` (0...1).
    public var confidence: Float
    /// Confidence of each character of `text`, same order.
    public var characterConfidences: [Float]
    /// Axis-aligned box around the corners, in original image pixels.
    public var box: PlateBox
    /// The plate's corners TL, TR, BR, BL in original image pixels.
    public var corners: [ImagePoint]
    /// Alternative readings, best first, including `text`.
    public var candidates: [PlateCandidate]
    /// Detector heatmap score of the plate centre (0...1).
    public var detectionScore: Float

    public init(text: String, confidence: Float, characterConfidences: [Float], box: PlateBox, corners: [ImagePoint],
                candidates: [PlateCandidate], detectionScore: Float) {
        self.text = text
        self.confidence = confidence
        self.characterConfidences = characterConfidences
        self.box = box
        self.corners = corners
        self.candidates = candidates
        self.detectionScore = detectionScore
    }
}

public struct PlateCandidate: Sendable, Equatable, Codable {
    public var text: String
    public var confidence: Float

    public init(text: String, confidence: Float) {
        self.text = text
        self.confidence = confidence
    }
}

/// An axis-aligned rectangle in image pixels (floating point, top-left origin).
public struct PlateBox: Sendable, Equatable, Codable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// The smallest box holding every point.
    public init(enclosing points: [ImagePoint]) {
        let xs = points.map(\.x), ys = points.map(\.y)
        let minX = xs.min() ?? 0, minY = ys.min() ?? 0
        self.init(x: minX, y: minY, width: (xs.max() ?? 0) - minX, height: (ys.max() ?? 0) - minY)
    }

    public var area: Double { max(width, 0) * max(height, 0) }

    /// Area of the overlap with `other`.
    public func intersection(_ other: PlateBox) -> Double {
        let left = max(x, other.x), top = max(y, other.y)
        let right = min(x + width, other.x + other.width), bottom = min(y + height, other.y + other.height)
        return max(right - left, 0) * max(bottom - top, 0)
    }

    /// Intersection over union; 0 when either box is empty.
    public func intersectionOverUnion(_ other: PlateBox) -> Double {
        let intersection = intersection(other)
        let union = area + other.area - intersection
        return union > 0 ? intersection / union : 0
    }
}
