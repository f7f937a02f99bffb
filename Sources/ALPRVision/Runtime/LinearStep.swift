import CBLAS

/// `y = W x + b` on the flattened input, one `sgemv`.
final class LinearStep: InferenceStep {
    let weights: [Float]  // [out, in], row major
    let bias: [Float]?
    let inFeatures: Int, outFeatures: Int
    var activation: Activation?
    let input: Int, output: Int

    init(weights: [Float], bias: [Float]?, inFeatures: Int, outFeatures: Int, activation: Activation?, input: Int, output: Int) {
        self.weights = weights
        self.bias = bias
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.activation = activation
        self.input = input
        self.output = output
    }

    func execute(buffers: UnsafePointer<UnsafeMutablePointer<Float>>, scratch: UnsafeMutablePointer<Float>) {
        let x = buffers[input], y = buffers[output]
        weights.withUnsafeBufferPointer { w in
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(outFeatures), Int32(inFeatures),
                        1, w.baseAddress, Int32(inFeatures), x, 1, 0, y, 1)
        }
        if let bias {
            bias.withUnsafeBufferPointer { b in
                for i in 0 ..< outFeatures { y[i] += b[i] }
            }
        }
        activation?.apply(y, count: outFeatures)
    }
}
