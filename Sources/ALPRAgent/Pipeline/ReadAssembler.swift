import ALPRCore
import Foundation
import Logging

/// Turns a vehicle pass into the read that is queued: the voted plate, the candidates, the
/// best frame's time, location and box, and its plate crop and vehicle image as JPEG.
///
/// The plate crop keeps the frame's own pixels; the vehicle image, an overview of the scene,
/// is scaled down to fit `vehicleImageBound` (1920x1080), so that a 4K camera's reads upload
/// and are kept at the size a 1080p camera's are (a 4K frame as JPEG can pass the server's
/// 2 MiB limit for one image).
public struct ReadAssembler: Sendable {
    let codec: any ImageCodec
    let logger: Logger

    public static let vehicleImageBound = (width: 1920, height: 1080)

    public init(codec: any ImageCodec, logger: Logger) {
        self.codec = codec
        self.logger = logger
    }

    /// nil when the voted text is not a valid plate (the pass is dropped).
    public func makeRead(from pass: VehiclePass) -> ReadUpload? {
        guard let plate = try? PlateNumber(pass.text) else {
            logger.debug("dropped a pass whose text is not a plate", metadata: ["plate": "\(pass.text)"])
            return nil
        }
        let best = pass.best
        var plateJPEG: Data?, vehicleJPEG: Data?
        if let frame = best.frame {
            plateJPEG = encode((try? frame.cropped(to: best.detection.box)), what: "plate crop")
            vehicleJPEG = encode(frame, within: Self.vehicleImageBound, what: "vehicle image")
        }
        return ReadUpload(
            plate: plate, state: pass.state, confidence: pass.confidence, candidates: pass.candidates,
            capturedAt: best.seenAt, location: best.location, plateBox: best.detection.box,
            plateJPEG: plateJPEG, vehicleJPEG: vehicleJPEG
        )
    }

    /// A missing picture is better than a lost read, so failures are logged, not thrown.
    private func encode(_ frame: RGBFrame?, within bound: (width: Int, height: Int)? = nil, what: String) -> Data? {
        guard let frame else { return nil }
        do {
            let jpeg = try bound.map { try codec.encodeJPEG(frame, within: $0.width, $0.height) } ?? codec.encodeJPEG(frame)
            guard jpeg.count <= CollectionLimits.maximumImageBytes else {
                logger.warning("image over the upload limit left out", metadata: ["image": "\(what)", "bytes": "\(jpeg.count)"])
                return nil
            }
            return jpeg
        } catch {
            logger.warning("image could not be encoded", metadata: ["image": "\(what)", "error": "\(error)"])
            return nil
        }
    }
}
