import Foundation

/// Finds plates: letterboxes the frame into the detector network, then decodes the heatmap's
/// local maxima and their corner offsets into plate quadrilaterals in image coordinates.
///
/// Not thread-safe (it owns its network's buffers): one instance per thread.
public final class PlateDetector {
    public struct Detection: Sendable, Equatable {
        public var score: Float
        /// TL, TR, BR, BL in original image pixels.
        public var corners: [ImagePoint]
        public var box: PlateBox

        public init(score: Float, corners: [ImagePoint]) {
            self.score = score
            self.corners = corners
            self.box = PlateBox(enclosing: corners)
        }
    }

    /// The network the frame goes through: the whole graph, or without the corner head when
    /// `geometryHead` computes it at the heatmap's peaks only.
    public let network: Network
    /// The `geometry` output evaluated at the candidate cells alone (`PointHead`): the head is
    /// about a tenth of the network's multiply-adds, and its values are read only at peaks.
    /// nil when the graph's head cannot be split off; `network` then computes it everywhere.
    public let geometryHead: PointHead?
    /// Network-input pixels per output cell.
    public let stride: Int
    /// Geometry outputs are corner offsets divided by this many network-input pixels.
    public let cornerScale: Float
    /// Heatmap score a plate centre needs.
    public var threshold: Float
    /// Detections overlapping a better one by more than this IoU are dropped.
    public var suppressionIoU: Double = 0.3
    public var maximumDetections = 16
    /// Frames that the standard input would shrink below `minimumFrameScale` (1080p and
    /// larger into a 640-wide input) go through the same network planned for this larger
    /// input instead, so that a 50-pixel plate keeps about 25 input pixels. nil turns it off.
    /// The graph is fully convolutional, so any multiple of the output stride works.
    public var largeFrameInput: (height: Int, width: Int)? = (544, 960)
    public var minimumFrameScale: Double = 0.5
    private var largeNetwork: Network?
    /// A second pass over the whole frame through the same network planned for this smaller
    /// input (a third of the standard input's size, about a ninth of its cost), for plates too
    /// wide for the main pass: the detector was trained on plates up to about 230 input pixels
    /// wide and misses most above about 280 (a close-up photo, or a plate filling half of a
    /// small image), which the coarse pass sees at a third of that size. It runs only when it
    /// is smaller than the main pass's input; nil turns it off, as `runsCoarsePass = false`.
    public var coarseInput: (height: Int, width: Int)? = (128, 224)
    public var runsCoarsePass = true
    /// Coarse-pass detections narrower than this many of its input pixels are dropped: the
    /// main pass finds those plates at two to four times the resolution.
    public var coarseMinimumWidth: Double = 50
    /// Coarse-pass detections wider than this fraction of the image are dropped. 1 (the
    /// default; boxes are clamped to the frame) keeps them all: a plate filling most of a
    /// close-up photo is a plate, and what else the coarse pass takes for one (a car's rear, a
    /// sign) the OCR's check drops. At 0.85, plates 86-87 % of a 640-wide photo were lost.
    public var coarseMaximumFraction: Double = 1
    /// Heatmap score a coarse-pass plate needs (it adds plates only where the main pass saw
    /// none); starts as the model's `threshold`.
    public var coarseThreshold: Float
    private var plannedCoarseNetwork: Network?

    // The input preparation's lookups and buffers (PlateDetector+Input.swift), reused between
    // frames so preprocessing does not allocate: bilinear column taps, area tables, the shrunk
    // rows, and the per-row block sums of `prepareBlockInput`.
    var columnLeft: [Int] = [], columnRight: [Int] = [], columnWeight: [Float] = []
    var horizontalArea = AreaTable(), verticalArea = AreaTable()
    var shrinkBuffer: [Float] = []
    var blockSums: [UInt32] = []

    public convenience init(directory: URL, name: String = "detector", geometryAtPeaksOnly: Bool = true) throws {
        try self.init(network: Network(directory: directory, name: name), geometryAtPeaksOnly: geometryAtPeaksOnly)
    }

    /// With `geometryAtPeaksOnly` (the default), the corner head is split off `network`'s graph
    /// when it can be (`geometryHead`); the detections are the same either way.
    public init(network: Network, geometryAtPeaksOnly: Bool = true) throws {
        guard network.inputShape.channels == 3 else {
            throw VisionError.invalidModel("detector input must have 3 channels, has \(network.inputShape.channels)")
        }
        guard let heatmap = network.outputShapes["heatmap"], heatmap.channels == 1,
              let geometry = network.outputShapes["geometry"], geometry.channels == 8,
              geometry.height == heatmap.height, geometry.width == heatmap.width else {
            throw VisionError.invalidModel("detector needs outputs 'heatmap' [1, h, w] and 'geometry' [8, h, w]")
        }
        let meta = network.graph.meta
        if geometryAtPeaksOnly, let split = network.graph.splittingPointHead("geometry") {
            let trunk = try Network(graph: split.trunk, weights: network.weights)
            // Stride-1 convs padded to keep the size: the cut has the heatmap's cells.
            guard let cut = trunk.outputShapes[split.cut], cut.height == heatmap.height, cut.width == heatmap.width else {
                throw VisionError.invalidModel("detector 'geometry' head reads '\(split.cut)', which is not on the heatmap's grid")
            }
            self.network = trunk
            geometryHead = try PointHead(split, weights: network.weights)
        } else {
            self.network = network
            geometryHead = nil
        }
        self.stride = meta["stride"]?.doubleValue.map { Int($0) } ?? network.inputShape.height / heatmap.height
        self.cornerScale = Float(meta["corner_scale"]?.doubleValue ?? 1)
        self.threshold = Float(meta["threshold"]?.doubleValue ?? 0.3)
        self.coarseThreshold = threshold
    }

    /// Plates in `image`, best first: the main pass's detections and the coarse pass's wide
    /// ones, each pass's overlaps suppressed, joined by `merge`.
    public func detect(_ image: RGBImage) -> [Detection] {
        let main = self.network(for: image)
        let found = Self.nonMaximumSuppression(candidates(image, network: main, threshold: threshold).detections, iou: suppressionIoU)
        guard let coarse = coarseNetwork(), coarse.inputShape.planeSize < main.inputShape.planeSize else {
            return Array(found.prefix(maximumDetections))
        }
        let (detections, scaleX) = candidates(image, network: coarse, threshold: coarseThreshold, shrinkingFrom: main)
        let plausible = detections.filter { detection in
            detection.box.width * scaleX >= coarseMinimumWidth && detection.box.width <= coarseMaximumFraction * Double(image.width)
        }
        let wide = Self.nonMaximumSuppression(plausible, iou: suppressionIoU)
        return Array(Self.merge(main: found, coarse: wide, iou: suppressionIoU, mainWinsFrom: coarseThreshold).prefix(maximumDetections))
    }

    /// Joins the two passes' detections, best first. A coarse detection that overlaps a main
    /// one scoring at least `mainWinsFrom` by more than `iou` is the same plate, and the main
    /// pass's corners are the sharper: it is dropped. (A main detection under that score, when
    /// the main pass runs at a lower threshold than the coarse one, does not outweigh a sure
    /// wide plate.) One that the main pass missed replaces the main detections that are
    /// fragments of it (mostly inside it, under 60 % of its width, scoring lower), which is
    /// what the main pass makes of a plate wider than it was trained on.
    static func merge(main: [Detection], coarse: [Detection], iou: Double, mainWinsFrom: Float = 0) -> [Detection] {
        var kept = main
        for wide in coarse where !main.contains(where: { $0.score >= mainWinsFrom && $0.box.intersectionOverUnion(wide.box) > iou }) {
            kept.removeAll { part in
                part.score < wide.score && part.box.width < 0.6 * wide.box.width
                    && part.box.intersection(wide.box) >= 0.5 * part.box.area
            }
            kept.append(wide)
        }
        return kept.sorted { $0.score > $1.score }
    }

    /// Letterboxes `image` into `network`, runs it and decodes every heatmap peak (before
    /// suppression); also returns the horizontal scale from image to that network's input.
    /// With `source` (a network whose input holds `image` letterboxed at a larger scale), the
    /// input is that one's content area-shrunk, which costs a fraction of shrinking the frame.
    func candidates(_ image: RGBImage, network: Network, threshold: Float,
                    shrinkingFrom source: Network? = nil) -> (detections: [Detection], scaleX: Double) {
        let (scaleX, scaleY) = source.map { prepareInput(image, network: network, from: $0) } ?? prepareInput(image, network: network)
        network.run()
        let detections: [Detection] = network.withOutput("heatmap") { heatmap, shape in
            network.withOutput(geometryHead?.cut ?? "geometry") { geometry, geometryShape in
                let offsets: CornerOffsets = geometryHead.map { .head($0, cut: geometry, shape: geometryShape) } ?? .map(geometry, planeSize: shape.planeSize)
                return Self.candidates(heatmap: heatmap, offsets: offsets, shape: shape, stride: stride, cornerScale: cornerScale,
                                       threshold: threshold, scaleX: scaleX, scaleY: scaleY, imageWidth: image.width, imageHeight: image.height)
            } ?? []
        } ?? []
        return (detections, scaleX)
    }

    /// The network planned for `coarseInput` (on first use), or nil when the pass is off or
    /// the graph cannot be planned at that size.
    func coarseNetwork() -> Network? {
        guard runsCoarsePass, let coarse = coarseInput else { return nil }
        if let plannedCoarseNetwork, plannedCoarseNetwork.inputShape.height == coarse.height, plannedCoarseNetwork.inputShape.width == coarse.width {
            return plannedCoarseNetwork
        }
        guard let planned = try? network.replanned(height: coarse.height, width: coarse.width) else {
            coarseInput = nil
            return nil
        }
        plannedCoarseNetwork = planned
        return planned
    }

    /// The standard network, or the large-frame one (planned on first use) for frames the
    /// standard input would shrink below `minimumFrameScale`.
    func network(for image: RGBImage) -> Network {
        let input = network.inputShape
        let scale = min(Double(input.width) / Double(image.width), Double(input.height) / Double(image.height))
        guard scale < minimumFrameScale, let large = largeFrameInput,
              large.height * large.width > input.height * input.width else { return network }
        if let largeNetwork, largeNetwork.inputShape.height == large.height, largeNetwork.inputShape.width == large.width {
            return largeNetwork
        }
        guard let planned = try? network.replanned(height: large.height, width: large.width) else {
            largeFrameInput = nil  // not fully convolutional: keep the standard input
            return network
        }
        largeNetwork = planned
        return planned
    }

    /// Heatmap local maxima at or above `threshold`, with their corners mapped back to the
    /// original image (docs/model-format.md, "Detector cells"), before suppression.
    static func candidates(heatmap: UnsafeBufferPointer<Float>, geometry: UnsafeBufferPointer<Float>, shape: TensorShape,
                           stride: Int, cornerScale: Float, threshold: Float, scaleX: Double, scaleY: Double,
                           imageWidth: Int, imageHeight: Int) -> [Detection] {
        candidates(heatmap: heatmap, offsets: .map(geometry, planeSize: shape.planeSize), shape: shape, stride: stride,
                   cornerScale: cornerScale, threshold: threshold, scaleX: scaleX, scaleY: scaleY,
                   imageWidth: imageWidth, imageHeight: imageHeight)
    }

    /// At most this many peaks per pass are decoded, the highest-scoring: a real frame has a
    /// handful (at most 46 over 0.2 in the 505 evaluation frames), but a flat heatmap makes
    /// every cell a peak, which would cost a corner head run each and a quadratic suppression.
    static let maximumPeaks = 256

    static func candidates(heatmap: UnsafeBufferPointer<Float>, offsets: CornerOffsets, shape: TensorShape,
                           stride: Int, cornerScale: Float, threshold: Float, scaleX: Double, scaleY: Double,
                           imageWidth: Int, imageHeight: Int) -> [Detection] {
        var peaks: [Int] = []
        for i in 0 ..< shape.height {
            for j in 0 ..< shape.width where heatmap[i * shape.width + j] >= threshold
                && isLocalMaximum(heatmap, shape: shape, row: i, column: j) {
                peaks.append(i * shape.width + j)
            }
        }
        if peaks.count > maximumPeaks {
            // The best by score (ties: the earlier cell), then back in cell order.
            peaks = Array(peaks.sorted { heatmap[$0] != heatmap[$1] ? heatmap[$0] > heatmap[$1] : $0 < $1 }.prefix(maximumPeaks)).sorted()
        }
        var found: [Detection] = []
        for index in peaks {
            let (i, j) = index.quotientAndRemainder(dividingBy: shape.width)
            let score = heatmap[index]
            let centreX = (Double(j) + 0.5) * Double(stride), centreY = (Double(i) + 0.5) * Double(stride)
            let cell = offsets.at(row: i, column: j, width: shape.width)
            let corners = (0 ..< 4).map { k in
                let u = centreX + Double(cell[2 * k] * cornerScale)
                let v = centreY + Double(cell[2 * k + 1] * cornerScale)
                return ImagePoint(x: min(max(u / scaleX, 0), Double(imageWidth)), y: min(max(v / scaleY, 0), Double(imageHeight)))
            }
            let detection = Detection(score: score, corners: corners)
            // A box under 2 pixels either way cannot hold a readable plate.
            if detection.box.width >= 2, detection.box.height >= 2 { found.append(detection) }
        }
        return found
    }

    /// True when no 3×3 neighbour scores higher (plateaus keep every cell; NMS merges them).
    static func isLocalMaximum(_ heatmap: UnsafeBufferPointer<Float>, shape: TensorShape, row: Int, column: Int) -> Bool {
        let score = heatmap[row * shape.width + column]
        for i in max(row - 1, 0) ... min(row + 1, shape.height - 1) {
            for j in max(column - 1, 0) ... min(column + 1, shape.width - 1) where heatmap[i * shape.width + j] > score {
                return false
            }
        }
        return true
    }

    /// Keeps the best-scoring detections, dropping any that overlap a kept one by more than `iou`.
    public static func nonMaximumSuppression(_ detections: [Detection], iou: Double) -> [Detection] {
        var kept: [Detection] = []
        for detection in detections.sorted(by: { $0.score > $1.score })
        where kept.allSatisfy({ $0.box.intersectionOverUnion(detection.box) <= iou }) {
            kept.append(detection)
        }
        return kept
    }
}
