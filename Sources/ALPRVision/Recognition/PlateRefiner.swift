import Foundation

/// Moves a detection's corners onto the plate. The detector's corners miss by several percent
/// of the plate width, enough to cut off an edge character in the OCR crop; the refiner looks at
/// a region around the detection at a fixed scale and regresses the four corners again
/// (docs/model-format.md, "Corner refiner").
///
/// Not thread-safe (it owns its network's buffers): one instance per thread.
public final class PlateRefiner {
    /// A square-pixel region of the frame: top-left corner and width; its height is half the width.
    public struct Region: Sendable, Equatable {
        public var x: Double
        public var y: Double
        public var width: Double
        public var height: Double { width / 2 }
    }

    public let network: Network
    /// Region width as a multiple of the larger of the box width and twice its height.
    public let context: Double
    /// Output corner k is `region origin + (out[2k] + offset.x, out[2k+1] + offset.y) * width`.
    public let offset: (x: Double, y: Double)
    /// A refined quadrilateral whose box overlaps the detection's box less than this is
    /// discarded (the refiner looked at something else), and the detector's corners are kept.
    public var minimumOverlap: Double = 0.2

    // Bilinear taps per input column and row, reused between calls so refining does not allocate.
    private var columns: [Tap], rows: [Tap]

    struct Tap {
        var first = 0, second = 0
        var weight: Float = 0
    }

    public convenience init(directory: URL, name: String = "refiner") throws {
        try self.init(network: Network(directory: directory, name: name))
    }

    public init(network: Network) throws {
        let input = network.inputShape
        guard input.channels == 3, input.width == 2 * input.height else {
            throw VisionError.invalidModel("refiner input must be 3 channels, twice as wide as high; is \(input)")
        }
        guard let corners = network.outputShapes["corners"], corners.count == 8 else {
            throw VisionError.invalidModel("refiner needs an output 'corners' of 8 values")
        }
        let meta = network.graph.meta
        let offset = meta["corner_offset"]?.arrayValue?.compactMap(\.doubleValue) ?? [0.5, 0.25]
        guard offset.count == 2, let context = meta["context"]?.doubleValue, context > 0 else {
            throw VisionError.invalidModel("refiner meta needs 'context' > 0 and a two-value 'corner_offset'")
        }
        self.network = network
        self.context = context
        self.offset = (offset[0], offset[1])
        columns = Array(repeating: Tap(), count: input.width)
        rows = Array(repeating: Tap(), count: input.height)
    }

    /// The region the refiner looks at for a detection's box.
    public static func region(around box: PlateBox, context: Double) -> Region {
        let width = max(box.width, 1), height = max(box.height, 1)
        let side = context * max(width, 2 * height)
        return Region(x: box.x + width / 2 - side / 2, y: box.y + height / 2 - side / 4, width: side)
    }

    /// The refined corners (TL, TR, BR, BL) in image pixels, or `corners` unchanged when the
    /// refiner's answer is not usable.
    public func refine(_ image: RGBImage, corners: [ImagePoint]) -> [ImagePoint] {
        let box = PlateBox(enclosing: corners)
        guard image.width > 0, image.height > 0, box.width >= 1, box.height >= 1 else { return corners }
        let region = Self.region(around: box, context: context)
        prepareInput(image, region: region)
        network.run()
        let refined: [ImagePoint]? = network.withOutput("corners") { values, _ in
            (0 ..< 4).map { k in
                ImagePoint(x: region.x + (Double(values[2 * k]) + offset.x) * region.width,
                           y: region.y + (Double(values[2 * k + 1]) + offset.y) * region.width)
            }
        }
        guard let refined, refined.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else { return corners }
        let refinedBox = PlateBox(enclosing: refined)
        guard refinedBox.width >= 1, refinedBox.height >= 1,
              refinedBox.intersectionOverUnion(box) >= minimumOverlap else { return corners }
        return refined
    }

    /// Samples the region into the network input: input pixel (i, j) reads the image at
    /// `(x + (j + 0.5)·s − 0.5, y + (i + 0.5)·s − 0.5)`, `s = region.width / input width`,
    /// bilinearly with edge pixels replicated, then normalises with the input's mean and std.
    func prepareInput(_ image: RGBImage, region: Region) {
        let input = network.inputShape
        let step = region.width / Double(input.width)
        Self.fillTaps(&columns, origin: region.x, step: step, size: image.width)
        Self.fillTaps(&rows, origin: region.y, step: step, size: image.height)
        let mean = network.graph.input.mean, std = network.graph.input.std
        let stride = image.width * 3
        network.withInput { tensor in
            image.pixels.withUnsafeBufferPointer { pixels in
                columns.withUnsafeBufferPointer { columns in
                    rows.withUnsafeBufferPointer { rows in
                        for channel in 0 ..< 3 {
                            let gain = 1 / (255 * std[channel]), bias = -mean[channel] / std[channel]
                            let plane = tensor.baseAddress! + channel * input.planeSize
                            for i in 0 ..< input.height {
                                let row = rows[i]
                                let top = row.first * stride + channel, bottom = row.second * stride + channel
                                let out = plane + i * input.width
                                for j in 0 ..< input.width {
                                    let column = columns[j]
                                    let a = 3 * column.first, b = 3 * column.second
                                    let upper = Float(pixels[top + a]) + (Float(pixels[top + b]) - Float(pixels[top + a])) * column.weight
                                    let lower = Float(pixels[bottom + a]) + (Float(pixels[bottom + b]) - Float(pixels[bottom + a])) * column.weight
                                    out[j] = (upper + (lower - upper) * row.weight) * gain + bias
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Bilinear taps along one axis, clamped to `0 ..< size`.
    static func fillTaps(_ taps: inout [Tap], origin: Double, step: Double, size: Int) {
        for index in taps.indices {
            let position = origin + (Double(index) + 0.5) * step - 0.5
            let floor = position.rounded(.down)
            let first = Int(max(min(floor, Double(size - 1)), 0))
            let second = Int(max(min(floor + 1, Double(size - 1)), 0))
            taps[index] = Tap(first: first, second: second, weight: Float(position - floor))
        }
    }
}
