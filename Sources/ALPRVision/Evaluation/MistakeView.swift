import Foundation

/// A picture of one of `alpr evaluate`'s mistakes, so that a person can judge it: is the plate
/// readable at all, is the label right, did the engine cut the plate badly or misread a clear
/// crop.
///
/// The picture is the frame around the plate (twice the plate's box each way, clipped to the
/// image), scaled to `regionWidth` pixels wide with the plate's outline drawn on it: the
/// annotated box of a missed plate in yellow, the engine's corners of a misread or false plate
/// in green. Under it, for a plate the engine reported, the plate as its OCR was given it
/// (`PlateOCR.view`).
public enum MistakeView {
    /// Width of the frame part, in pixels.
    public static let regionWidth = 512
    /// The frame part is never taller than this (a tall region is scaled to this height).
    public static let maximumRegionHeight = 384
    /// Grey between and around the parts.
    static let background: UInt8 = 40
    static let gap = 8

    public static let missedColour: (red: UInt8, green: UInt8, blue: UInt8) = (255, 220, 0)
    public static let reportedColour: (red: UInt8, green: UInt8, blue: UInt8) = (0, 230, 60)

    /// The picture of `mistake` in `image` (the frame the engine read, as decoded), with the
    /// OCR's view `cut` of the reported plate under the frame when given.
    public static func render(_ mistake: Evaluation.Mistake, in image: RGBImage, cut: RGBImage? = nil) throws -> RGBImage {
        let outline = mistake.corners ?? corners(of: mistake.box)
        let region = Self.region(around: PlateBox(enclosing: outline), in: image)
        let scale = min(Double(regionWidth) / Double(region.width), Double(maximumRegionHeight) / Double(region.height))
        let viewWidth = max(Int((Double(region.width) * scale).rounded()), 1)
        let viewHeight = max(Int((Double(region.height) * scale).rounded()), 1)
        let origin = ImagePoint(x: Double(region.x), y: Double(region.y))
        var view = try image.cropped(to: region).resized(width: viewWidth, height: viewHeight)
        let colour = mistake.kind == .missed ? missedColour : reportedColour
        let scaled = outline.map { ImagePoint(x: ($0.x - origin.x) * scale, y: ($0.y - origin.y) * scale) }
        for index in scaled.indices {
            drawLine(from: scaled[index], to: scaled[(index + 1) % scaled.count], colour: colour, in: &view)
        }
        guard let cut else { return view }
        let width = max(view.width, cut.width) + 2 * gap
        let height = view.height + cut.height + 3 * gap
        var canvas = RGBImage(width: width, height: height, red: background, green: background, blue: background)
        canvas.paste(view, x: gap, y: gap)
        canvas.paste(cut, x: gap, y: view.height + 2 * gap)
        return canvas
    }

    /// The box's corners TL, TR, BR, BL.
    static func corners(of box: PlateBox) -> [ImagePoint] {
        [ImagePoint(x: box.x, y: box.y), ImagePoint(x: box.x + box.width, y: box.y),
         ImagePoint(x: box.x + box.width, y: box.y + box.height), ImagePoint(x: box.x, y: box.y + box.height)]
    }

    /// `box` grown to twice its width and height about its centre (at least 32 px each way),
    /// in whole pixels and clipped to the image; never empty.
    static func region(around box: PlateBox, in image: RGBImage) -> PixelRect {
        let width = max(box.width * 2, 32), height = max(box.height * 2, 32)
        let centreX = box.x + box.width / 2, centreY = box.y + box.height / 2
        let x0 = min(max(Int((centreX - width / 2).rounded(.down)), 0), image.width - 1)
        let y0 = min(max(Int((centreY - height / 2).rounded(.down)), 0), image.height - 1)
        let x1 = max(min(Int((centreX + width / 2).rounded(.up)), image.width), x0 + 1)
        let y1 = max(min(Int((centreY + height / 2).rounded(.up)), image.height), y0 + 1)
        return PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    /// A two-pixel line; the parts outside the image are left out.
    static func drawLine(from start: ImagePoint, to end: ImagePoint, colour: (red: UInt8, green: UInt8, blue: UInt8),
                         in image: inout RGBImage) {
        let steps = max(Int(max(abs(end.x - start.x), abs(end.y - start.y)).rounded(.up)), 1)
        for step in 0 ... steps {
            let t = Double(step) / Double(steps)
            let x = Int((start.x + (end.x - start.x) * t).rounded(.down)), y = Int((start.y + (end.y - start.y) * t).rounded(.down))
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let px = x + dx - 1, py = y + dy - 1
                if px >= 0, py >= 0, px < image.width, py < image.height { image[px, py] = colour }
            }
        }
    }

    /// A file name for the picture of the `number`th mistake, from the mistake and its image's
    /// file name: `007-misread-ABC1234-as-ABC1284-frame12.png`, `008-missed-ABC1234-frame12.png`,
    /// `009-false-plate-as-IIE1-frame12.png`. Only letters, digits, `.`, `_` and `-`.
    public static func fileName(number: Int, mistake: Evaluation.Mistake, imageFile: String) -> String {
        func safe(_ text: String, limit: Int) -> String {
            String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" }.prefix(limit))
        }
        var parts = [String(format: "%03d", number), mistake.kind.rawValue]
        if let expected = mistake.expected { parts.append(safe(expected, limit: 16)) }
        if mistake.kind != .missed { parts += ["as", safe(mistake.read.first ?? "", limit: 16)] }
        parts.append(safe((imageFile as NSString).deletingPathExtension, limit: 80))
        return parts.filter { !$0.isEmpty }.joined(separator: "-") + ".png"
    }
}

extension PlateOCR {
    /// The plate with the given corners as this OCR is given it: cut with its margin
    /// (`plateMargin`) and rectified to its input size, `scale` times larger, in colour (the
    /// network itself reads the crop's luma, brightened where it is dark).
    public func view(of image: RGBImage, corners: [ImagePoint], scale: Int = 2) throws -> RGBImage {
        let input = network.inputShape
        return try image.rectified(corners: Self.grow(corners, by: plateMargin), width: input.width * max(scale, 1),
                                   height: input.height * max(scale, 1))
    }
}
