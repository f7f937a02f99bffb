import Foundation

/// Winograd F(2x2, 3x3) for the dense 3x3 convs of stride 1 and padding 1 (`Kernel.winograd`).
extension Conv2DStep {
    /// Winograd only: output tiles of 2x2 down and across, and the floats from one tile row to
    /// the next in the transformed planes (the tiles across, rounded up to eight so that the
    /// transforms run eight tiles at a time; the extra tiles read zeros and are never written out).
    var winogradTiles: (high: Int, wide: Int, pitch: Int) {
        let wide = (outputShape.width + 1) / 2
        return ((outputShape.height + 1) / 2, wide, (wide + 7) / 8 * 8)
    }

    /// Winograd only: floats of one half (even or odd padded columns) of a split input row; one
    /// more than the tile pitch, since a tile reads the column pair after its own.
    var winogradSplitPitch: Int { winogradTiles.pitch + 8 }

    /// Winograd only: floats of one input plane split (`runWinograd`): its padded rows, one
    /// more pair than the tiles cover, each an even and an odd half.
    var winogradSplitPlane: Int { (2 * winogradTiles.high + 2) * 2 * winogradSplitPitch }

    /// Winograd only: floats of the transformed input and the products per tile column.
    var winogradFloatsPerColumn: Int { 16 * (geometry.inChannels + geometry.outChannels) }

    /// Winograd only: rows of tiles transformed and multiplied at a time, so that a band's
    /// transformed input and products stay within `winogradBandFloats`, but each GEMM still
    /// gets at least 64 columns. The OCR's and the refiner's layers fit in one band (smaller
    /// bands measured no faster there); the bound keeps the scratch of a large input to a few MB.
    var winogradBandTileRows: Int {
        let tiles = winogradTiles
        let perTileRow = winogradFloatsPerColumn * tiles.pitch
        let byMemory = winogradBandFloats / max(perTileRow, 1)
        let byEfficiency = (64 + tiles.pitch - 1) / tiles.pitch
        return min(tiles.high, max(byMemory, byEfficiency, 1))
    }

    static let defaultWinogradBandFloats = 512 * 1024

    /// Winograd only: the split input planes, one band's transformed input (16 x in x columns)
    /// and products (16 x out x columns), and two output rows.
    var winogradScratchCount: Int {
        let tiles = winogradTiles
        return geometry.inChannels * winogradSplitPlane + winogradFloatsPerColumn * winogradBandTileRows * tiles.pitch + 4 * tiles.pitch
    }

    /// `G g Gᵀ` for every 3x3 filter `g` of `weights` ([out, in, 3, 3]), with G the F(2x2, 3x3)
    /// filter transform ([1, 0, 0], [½, ½, ½], [½, -½, ½], [0, 0, 1]); element `e = 4i + j` of
    /// the 4x4 result goes to matrix `e`, row `out`, column `in`.
    static func winogradFilters(_ weights: [Float], outChannels: Int, inChannels: Int) -> [Float] {
        let g: [[Double]] = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]
        var result = [Float](repeating: 0, count: 16 * outChannels * inChannels)
        for o in 0 ..< outChannels {
            for i in 0 ..< inChannels {
                let filter = (o * inChannels + i) * 9
                for row in 0 ..< 4 {
                    // (G g)[row][column], then times Gᵀ.
                    let left = (0 ..< 3).map { column in
                        (0 ..< 3).reduce(0.0) { $0 + g[row][$1] * Double(weights[filter + $1 * 3 + column]) }
                    }
                    for column in 0 ..< 4 {
                        let value = (0 ..< 3).reduce(0.0) { $0 + left[$1] * g[column][$1] }
                        result[((row * 4 + column) * outChannels + o) * inChannels + i] = Float(value)
                    }
                }
            }
        }
        return result
    }

    /// Winograd F(2x2, 3x3): each 2x2 block of outputs comes from the 4x4 block of padded input
    /// around it as `Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A`, summed over the input channels. The sum over
    /// channels of each of the 16 elementwise products is a GEMM (`winogradFilters` times the
    /// transformed input), so the conv is 16 GEMMs of depth `in` instead of one of depth 9 `in`.
    /// The padded input rows are first split into their even and odd columns, so that the
    /// transforms read and write eight tiles at a time, contiguously.
    func runWinograd(_ x: UnsafeMutablePointer<Float>, _ u: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                     _ y: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>) {
        typealias V = SIMD8<Float>
        let (height, width) = (inputShape.height, inputShape.width)
        let inChannels = geometry.inChannels, outChannels = geometry.outChannels
        let tiles = winogradTiles, band = winogradBandTileRows, bandColumns = band * tiles.pitch
        let half = winogradSplitPitch, splitRow = 2 * half, splitPlane = winogradSplitPlane
        let split = scratch
        let transformed = split + inChannels * splitPlane          // [16][in][band columns]
        let products = transformed + 16 * inChannels * bandColumns  // [16][out][band columns]
        let rowBuffers = products + 16 * outChannels * bandColumns  // two output rows of 2 * pitch
        @inline(__always) func load(_ p: UnsafePointer<Float>, _ at: Int) -> V {
            UnsafeRawPointer(p + at).loadUnaligned(as: V.self)
        }
        @inline(__always) func store(_ value: V, _ p: UnsafeMutablePointer<Float>, _ at: Int) {
            UnsafeMutableRawPointer(p + at).storeBytes(of: value, as: V.self)
        }

        // Padded row r is input row r - 1, padded column p input column p - 1. Even padded
        // columns 2q (input 2q - 1) go to the first half of a split row, odd ones 2q + 1
        // (input 2q) to the second; both halves are zero past the input.
        for c in 0 ..< inChannels {
            let plane = x + c * height * width, target = split + c * splitPlane
            for r in 0 ..< 2 * tiles.high + 2 {
                let even = target + r * splitRow, odd = even + half
                let iy = r - 1
                guard iy >= 0, iy < height else {
                    even.update(repeating: 0, count: splitRow)
                    continue
                }
                even[0] = 0
                Self.splitEvenOdd(plane + iy * width, count: width, even: odd, odd: even + 1)
                let oddInputs = width / 2, evenInputs = (width + 1) / 2
                (even + 1 + oddInputs).update(repeating: 0, count: half - 1 - oddInputs)
                (odd + evenInputs).update(repeating: 0, count: half - evenInputs)
            }
        }

        // Band by band of tile rows: transform the band's input, multiply, transform back.
        for firstTileRow in stride(from: 0, to: tiles.high, by: band) {
            let tileRows = firstTileRow ..< min(firstTileRow + band, tiles.high)
            let columns = tileRows.count * tiles.pitch
            // Bᵀ d B for every tile, B the F(2x2, 3x3) input transform: rows first, (d0 - d2,
            // d1 + d2, d2 - d1, d1 - d3), then columns the same way. Tile column tx reads padded
            // columns 2tx ... 2tx + 3: even[tx], odd[tx], even[tx + 1], odd[tx + 1].
            let elementStride = inChannels * columns
            for c in 0 ..< inChannels {
                let base = split + c * splitPlane
                for ty in tileRows {
                    let e0 = base + 2 * ty * splitRow, e1 = e0 + splitRow, e2 = e1 + splitRow, e3 = e2 + splitRow
                    let o0 = e0 + half, o1 = e1 + half, o2 = e2 + half, o3 = e3 + half
                    let out = transformed + c * columns + (ty - tileRows.lowerBound) * tiles.pitch
                    var tx = 0
                    while tx < tiles.pitch {
                        @inline(__always) func rows(_ r0: V, _ r1: V, _ r2: V, _ r3: V) -> (V, V, V, V) {
                            (r0 - r2, r1 + r2, r2 - r1, r1 - r3)
                        }
                        let j0 = rows(load(e0, tx), load(e1, tx), load(e2, tx), load(e3, tx))
                        let j1 = rows(load(o0, tx), load(o1, tx), load(o2, tx), load(o3, tx))
                        let j2 = rows(load(e0, tx + 1), load(e1, tx + 1), load(e2, tx + 1), load(e3, tx + 1))
                        let j3 = rows(load(o0, tx + 1), load(o1, tx + 1), load(o2, tx + 1), load(o3, tx + 1))
                        @inline(__always) func across(_ i: Int, _ t0: V, _ t1: V, _ t2: V, _ t3: V) {
                            let row = out + 4 * i * elementStride
                            store(t0 - t2, row, tx)
                            store(t1 + t2, row + elementStride, tx)
                            store(t2 - t1, row + 2 * elementStride, tx)
                            store(t1 - t3, row + 3 * elementStride, tx)
                        }
                        across(0, j0.0, j1.0, j2.0, j3.0)
                        across(1, j0.1, j1.1, j2.1, j3.1)
                        across(2, j0.2, j1.2, j2.2, j3.2)
                        across(3, j0.3, j1.3, j2.3, j3.3)
                        tx += 8
                    }
                }
            }

            for element in 0 ..< 16 {
                gemm(rows: outChannels, columns: columns, depth: inChannels, a: u + element * outChannels * inChannels,
                     b: transformed + element * inChannels * columns, bStride: columns,
                     c: products + element * outChannels * columns, cStride: columns, beta: 0)
            }

            // Aᵀ m A, A the output transform: rows (m0 + m1 + m2, m1 - m2 - m3), then columns the
            // same way; the two columns of each tile are interleaved into a row buffer, and the
            // rows inside the output copied out with the bias and the activation.
            let productStride = outChannels * columns
            let upper = rowBuffers, lower = rowBuffers + 2 * tiles.pitch
            for k in 0 ..< outChannels {
                let outPlane = y + k * height * width
                for ty in tileRows {
                    let m = products + k * columns + (ty - tileRows.lowerBound) * tiles.pitch
                    var tx = 0
                    while tx < tiles.pitch {
                        @inline(__always) func column(_ j: Int) -> (V, V) {
                            let m0 = load(m + j * productStride, tx), m1 = load(m + (4 + j) * productStride, tx)
                            let m2 = load(m + (8 + j) * productStride, tx), m3 = load(m + (12 + j) * productStride, tx)
                            return (m0 + m1 + m2, m1 - m2 - m3)
                        }
                        let (s00, s10) = column(0), (s01, s11) = column(1), (s02, s12) = column(2), (s03, s13) = column(3)
                        var top = SIMD16<Float>(), bottom = SIMD16<Float>()
                        top.evenHalf = s00 + s01 + s02
                        top.oddHalf = s01 - s02 - s03
                        bottom.evenHalf = s10 + s11 + s12
                        bottom.oddHalf = s11 - s12 - s13
                        UnsafeMutableRawPointer(upper + 2 * tx).storeBytes(of: top, as: SIMD16<Float>.self)
                        UnsafeMutableRawPointer(lower + 2 * tx).storeBytes(of: bottom, as: SIMD16<Float>.self)
                        tx += 8
                    }
                    for i in 0 ..< min(2, height - 2 * ty) {
                        let row = outPlane + (2 * ty + i) * width
                        Self.copy(row, i == 0 ? upper : lower, count: width)
                        Self.addBias(b[k], activation, row, count: width)
                    }
                }
            }
        }
    }
}
