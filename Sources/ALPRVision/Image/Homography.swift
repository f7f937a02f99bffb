import Foundation

/// A 3×3 projective transform, `h[8]` normalised to 1.
public struct Homography: Sendable, Equatable {
    /// Row-major 3×3 matrix.
    public var matrix: [Double]

    public init(matrix: [Double]) {
        precondition(matrix.count == 9, "a homography has 9 entries")
        self.matrix = matrix
    }

    /// The transform taking each `source[i]` to `destination[i]` (four points, no three collinear).
    public init(from source: [ImagePoint], to destination: [ImagePoint]) throws {
        guard source.count == 4, destination.count == 4 else {
            throw VisionError.invalidImage("a homography needs 4 point pairs, got \(source.count) and \(destination.count)")
        }
        // Two equations per pair in the 8 unknowns h0...h7 (h8 = 1):
        // u = (h0 x + h1 y + h2) / (h6 x + h7 y + 1), v likewise with h3...h5.
        var a = [[Double]]()
        for (s, d) in zip(source, destination) {
            a.append([s.x, s.y, 1, 0, 0, 0, -d.x * s.x, -d.x * s.y, d.x])
            a.append([0, 0, 0, s.x, s.y, 1, -d.y * s.x, -d.y * s.y, d.y])
        }
        guard let h = Self.solve(&a) else {
            throw VisionError.invalidImage("the corner points are degenerate (three or more collinear)")
        }
        self.init(matrix: h + [1])
    }

    /// Maps the `width` × `height` rectangle's corners (0,0), (w,0), (w,h), (0,h) onto `corners`.
    public static func rectangle(width: Double, height: Double, to corners: [ImagePoint]) throws -> Homography {
        let rectangle = [ImagePoint(x: 0, y: 0), ImagePoint(x: width, y: 0), ImagePoint(x: width, y: height), ImagePoint(x: 0, y: height)]
        return try Homography(from: rectangle, to: corners)
    }

    public func apply(_ point: ImagePoint) -> ImagePoint {
        let m = matrix
        let w = m[6] * point.x + m[7] * point.y + m[8]
        return ImagePoint(x: (m[0] * point.x + m[1] * point.y + m[2]) / w,
                          y: (m[3] * point.x + m[4] * point.y + m[5]) / w)
    }

    /// Gauss-Jordan elimination with partial pivoting on an 8×9 augmented matrix.
    private static func solve(_ a: inout [[Double]]) -> [Double]? {
        let n = 8
        for column in 0 ..< n {
            let pivot = (column ..< n).max { abs(a[$0][column]) < abs(a[$1][column]) }!
            guard abs(a[pivot][column]) > 1e-10 else { return nil }
            a.swapAt(column, pivot)
            for row in 0 ..< n where row != column {
                let factor = a[row][column] / a[column][column]
                if factor == 0 { continue }
                for k in column ... n { a[row][k] -= factor * a[column][k] }
            }
        }
        return (0 ..< n).map { a[$0][n] / a[$0][$0] }
    }
}
