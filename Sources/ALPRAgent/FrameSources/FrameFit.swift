/// How a source's pictures become frames of at most `width`×`height` pixels.
public enum FrameFit: Sendable, Equatable {
    /// Scaled up or down to fit `width`×`height` with the aspect ratio kept and padded with
    /// black bars: every frame is exactly that size.
    case exactly
    /// The picture's own size when it fits `width`×`height`, else scaled down to fit with the
    /// aspect ratio kept; never enlarged, never padded. A 1080p camera's far plates keep their
    /// pixels (at 720p a 50 px plate is 33 px, under what the detector reads well), and a
    /// smaller camera's frames cost no enlarging.
    case within

    /// The frame size a `width`×`height` picture gets within `maximumWidth`×`maximumHeight`
    /// (`.within`): the picture's own, or scaled down by the tighter of the two ratios.
    public static func sizeWithin(width: Int, height: Int, maximumWidth: Int, maximumHeight: Int) -> (width: Int, height: Int) {
        guard width > maximumWidth || height > maximumHeight else { return (width, height) }
        let scale = min(Double(maximumWidth) / Double(width), Double(maximumHeight) / Double(height))
        return (min(maximumWidth, max(1, Int((Double(width) * scale).rounded()))),
                min(maximumHeight, max(1, Int((Double(height) * scale).rounded()))))
    }
}
