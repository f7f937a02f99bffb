import ALPRVision
import Foundation
import Testing
@testable import alpr

/// The page `alpr evaluate --mistake-images` writes beside the pictures.
@Suite("Mistake pictures page")
struct MistakePicturesTests {
    static let box = PlateBox(x: 0, y: 0, width: 10, height: 5)

    @Test("the page counts the mistakes by kind and captions each with its file, label and texts, escaped")
    func page() {
        let entries = [
            MistakePictures.Entry(number: 1, file: "a<b>&\"c'.jpg",
                                  mistake: Evaluation.Mistake(kind: .misread, expected: "ABC123", read: ["ABC128", "ABC123"], box: Self.box),
                                  picture: "001-misread-ABC123-as-ABC128-a_b___c_.png"),
            MistakePictures.Entry(number: 2, file: "d.png", mistake: Evaluation.Mistake(kind: .missed, expected: "XYZ9", read: [], box: Self.box),
                                  picture: nil),
            MistakePictures.Entry(number: 3, file: "d.png", mistake: Evaluation.Mistake(kind: .falsePlate, expected: nil, read: ["IIE1"], box: Self.box),
                                  picture: "003-false-plate-as-IIE1-d.png"),
        ]
        let page = MistakePictures.indexPage(title: "mistakes in <set>", entries: entries)
        #expect(page.hasPrefix("<!DOCTYPE html>") && page.hasSuffix("</body></html>\n"))
        #expect(page.contains("<title>mistakes in &lt;set&gt;</title>"))
        #expect(page.contains("3 mistakes: 1 missed, 1 misread, 1 false plate."))
        #expect(page.contains("in a&lt;b&gt;&amp;&quot;c&#39;.jpg: <code>ABC123</code> read <code>ABC128</code> (ABC123)"), "\(page)")
        #expect(!page.contains("a<b>"), "no file name reaches the page unescaped")
        #expect(page.contains("<img src=\"001-misread-ABC123-as-ABC128-a_b___c_.png\""))
        #expect(page.contains("<figure><p>(no picture: the image could not be read)</p><figcaption>2. "))
        #expect(page.contains("<code>XYZ9</code></figcaption>"), "a missed plate has no texts read")
        #expect(page.contains("false-plate</span> in d.png read <code>IIE1</code></figcaption>"), "\(page)")
        #expect(page.components(separatedBy: "<figure>").count == 4)
    }

    @Test("an empty run still gets a page, so an earlier run's is not taken for it")
    func emptyPage() {
        let page = MistakePictures.indexPage(title: "t", entries: [])
        #expect(page.contains("0 mistakes: 0 missed, 0 misread, 0 false plates."))
        #expect(!page.contains("<figure>"))
    }
}
