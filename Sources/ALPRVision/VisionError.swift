import Foundation

/// Every failure the recognition engine reports. Cases carry enough context to say what was
/// wrong without a debugger; none carries plate text.
public enum VisionError: Error, Equatable, CustomStringConvertible {
    /// A `.safetensors` file is truncated, has a malformed header or inconsistent offsets.
    case invalidSafetensors(String)
    /// A graph JSON file is malformed or describes an unsupported or inconsistent network.
    case invalidGraph(String)
    /// A tensor named by the graph is absent from the weights file.
    case missingTensor(String)
    /// A tensor has a shape other than the one the graph requires.
    case tensorShapeMismatch(name: String, expected: [Int], actual: [Int])
    /// The bytes are neither JPEG nor PNG.
    case unsupportedImageFormat
    /// The image library rejected the bytes.
    case imageDecodingFailed(String)
    /// The image library could not encode the pixels.
    case imageEncodingFailed(String)
    /// An image has impossible dimensions or a pixel buffer of the wrong size.
    case invalidImage(String)
    /// A model file is not where the models directory says it should be.
    case modelNotFound(String)
    /// A model loaded fine but is unusable for its role (missing output, bad metadata).
    case invalidModel(String)
    /// A benchmark annotation line could not be parsed.
    case invalidAnnotation(file: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .invalidSafetensors(let reason): "invalid safetensors file: \(reason)"
        case .invalidGraph(let reason): "invalid model graph: \(reason)"
        case .missingTensor(let name): "tensor '\(name)' is missing from the weights file"
        case .tensorShapeMismatch(let name, let expected, let actual):
            "tensor '\(name)' has shape \(actual), expected \(expected)"
        case .unsupportedImageFormat: "unsupported image format (expected JPEG or PNG)"
        case .imageDecodingFailed(let reason): "image decoding failed: \(reason)"
        case .imageEncodingFailed(let reason): "image encoding failed: \(reason)"
        case .invalidImage(let reason): "invalid image: \(reason)"
        case .modelNotFound(let path): "model file not found: \(path) (name the models folder with --models or ALPR_MODELS)"
        case .invalidModel(let reason): "unusable model: \(reason)"
        case .invalidAnnotation(let file, let line, let reason): "\(file):\(line): \(reason)"
        }
    }
}
