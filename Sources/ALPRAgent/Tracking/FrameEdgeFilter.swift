/// A plate cut off by the edge of the frame is read short (`4827` for `KTN4827`). Being more
/// than a few edits from the full text, it would start a track of its own and end as a second,
/// wrong read of the same vehicle. Such detections are left out; the vehicle is read once its
/// plate is fully in view.
public enum FrameEdgeFilter {
    /// The detections whose box keeps clear of every frame edge by `margin(frameWidth:)`.
    public static func fullyInView(_ detections: [PlateDetection], frameWidth: Int, frameHeight: Int) -> [PlateDetection] {
        let margin = margin(frameWidth: frameWidth)
        return detections.filter { detection in
            let box = detection.box
            return box.x >= margin && box.y >= margin
                && box.x + box.width <= Double(frameWidth) - margin
                && box.y + box.height <= Double(frameHeight) - margin
        }
    }

    /// Detector boxes of cut-off plates end on the edge, give or take a pixel or two.
    public static func margin(frameWidth: Int) -> Double { max(2, 0.005 * Double(frameWidth)) }
}
