import Foundation
import Testing
@testable import ALPRVision

/// The pictures `alpr evaluate --mistake-images` writes.
@Suite("Mistake pictures")
struct MistakeViewTests {
    /// A grey 400×200 frame with a red 200×100 "plate" at (100, 50).
    static func frame() -> RGBImage {
        var image = RGBImage(width: 400, height: 200, red: 50, green: 50, blue: 50)
        for y in 50 ..< 150 { for x in 100 ..< 300 { image[x, y] = (220, 0, 0) } }
        return image
    }

    static let plate = PlateBox(x: 100, y: 50, width: 200, height: 100)

    @Test("the frame part is the plate's box doubled, scaled to 512 wide, with the missed plate outlined in yellow")
    func missedPlate() throws {
        let mistake = Evaluation.Mistake(kind: .missed, expected: "ABC123", read: [], box: Self.plate)
        let picture = try MistakeView.render(mistake, in: Self.frame())
        // Region (0, 0) to (400, 200): the doubled box exactly fills the frame; scale 512 / 400.
        #expect(picture.width == 512 && picture.height == 256)
        let scale = 512.0 / 400.0
        func at(_ x: Double, _ y: Double) -> (red: UInt8, green: UInt8, blue: UInt8) { picture[Int(x * scale), Int(y * scale)] }
        #expect(at(100, 100) == MistakeView.missedColour, "the left edge of the outline")
        #expect(at(200, 50) == MistakeView.missedColour, "the top edge of the outline")
        #expect(at(200, 100) == (220, 0, 0), "inside the plate: the frame as it is")
        #expect(at(20, 20) == (50, 50, 50), "outside the plate: the frame as it is")
    }

    @Test("a region at the frame's edge is clipped to the frame; a tall one is scaled to the maximum height")
    func clippedRegion() {
        let frame = Self.frame()
        let corner = MistakeView.region(around: PlateBox(x: 0, y: 0, width: 40, height: 20), in: frame)
        #expect(corner == PixelRect(x: 0, y: 0, width: 60, height: 30), "80 × 40 about the centre (20, 10), clipped at 0")
        let small = MistakeView.region(around: PlateBox(x: 100, y: 100, width: 10, height: 5), in: frame)
        #expect(small.width >= 32 && small.width <= 33 && small.height >= 32 && small.height <= 33, "at least 32 px each way: \(small)")
        #expect(abs(Double(small.x) + Double(small.width) / 2 - 105) <= 1, "centred on the plate: \(small)")
        let outside = MistakeView.region(around: PlateBox(x: 900, y: 900, width: 10, height: 10), in: frame)
        #expect(outside.width >= 1 && outside.height >= 1 && outside.x < 400 && outside.y < 200, "never empty, never outside")
        let tall = Evaluation.Mistake(kind: .missed, expected: "A", read: [], box: PlateBox(x: 190, y: 0, width: 20, height: 200))
        let picture = try? MistakeView.render(tall, in: frame)
        #expect(picture?.height == MistakeView.maximumRegionHeight)
        #expect((picture?.width ?? .max) < MistakeView.regionWidth)
    }

    @Test("a reported plate's picture has the engine's corners in green and the OCR's cut under the frame")
    func reportedPlate() throws {
        let corners = [ImagePoint(x: 100, y: 50), ImagePoint(x: 300, y: 50), ImagePoint(x: 300, y: 150), ImagePoint(x: 100, y: 150)]
        let mistake = Evaluation.Mistake(kind: .misread, expected: "ABC123", read: ["ABC128"], box: Self.plate, corners: corners)
        let cut = RGBImage(width: 256, height: 96, red: 0, green: 0, blue: 255)
        let picture = try MistakeView.render(mistake, in: Self.frame(), cut: cut)
        let gap = MistakeView.gap
        #expect(picture.width == 512 + 2 * gap && picture.height == 256 + 96 + 3 * gap)
        let scale = 512.0 / 400.0
        #expect(picture[gap + Int(100 * scale), gap + Int(100 * scale)] == MistakeView.reportedColour)
        #expect(picture[gap + 10, 256 + 2 * gap + 10] == (0, 0, 255), "the cut, under the frame")
        #expect(picture[gap + 300, 256 + 2 * gap + 10] == (40, 40, 40), "right of the narrower cut: background")
        #expect(picture[2, 2] == (40, 40, 40))
    }

    @Test("the OCR's view is the plate cut with the model's margin at twice its input size")
    func ocrView() throws {
        let ocr = try PlateOCR(directory: GoldenModelTests.modelsDirectory)
        try #require(ocr.plateMargin == 0.06, "the shipped OCR's margin, which the pixel positions below assume")
        let corners = [ImagePoint(x: 100, y: 50), ImagePoint(x: 300, y: 50), ImagePoint(x: 300, y: 150), ImagePoint(x: 100, y: 150)]
        let view = try ocr.view(of: Self.frame(), corners: corners)
        #expect(view.width == 256 && view.height == 96, "2 × the 128 × 48 input")
        // The margin adds 12 px each side of the 200 px plate and 6 px above and below: 224 × 112
        // frame pixels onto 256 × 96, so the plate starts 13.7 px in and 5.1 px down.
        #expect(view[128, 48] == (220, 0, 0))
        #expect(view[20, 48] == (220, 0, 0))
        #expect(view[3, 48] == (50, 50, 50), "the margin left of the plate")
        #expect(view[128, 1] == (50, 50, 50), "the margin above the plate")
        #expect(view[128, 94] == (50, 50, 50), "the margin below the plate")
    }

    @Test("file names: number, kind, label, what was read, image name, with unsafe characters replaced")
    func fileNames() {
        let misread = Evaluation.Mistake(kind: .misread, expected: "ABC123", read: ["ABC128", "ABC123"], box: Self.plate)
        #expect(MistakeView.fileName(number: 7, mistake: misread, imageFile: "car 1/ä.jpg") == "007-misread-ABC123-as-ABC128-car_1__.png")
        let missed = Evaluation.Mistake(kind: .missed, expected: "XYZ9", read: [], box: Self.plate)
        #expect(MistakeView.fileName(number: 12, mistake: missed, imageFile: "f.png") == "012-missed-XYZ9-f.png")
        let falsePlate = Evaluation.Mistake(kind: .falsePlate, expected: nil, read: ["IIE1"], box: Self.plate)
        #expect(MistakeView.fileName(number: 1000, mistake: falsePlate, imageFile: "../x.y.jpg") == "1000-false-plate-as-IIE1-.._x.y.png")
    }
}
