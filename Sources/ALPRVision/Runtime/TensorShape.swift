/// The shape of one activation, `[C, H, W]` with the batch of one left implicit.
public struct TensorShape: Sendable, Equatable, CustomStringConvertible {
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    public var count: Int { channels * height * width }
    public var planeSize: Int { height * width }
    public var description: String { "[\(channels), \(height), \(width)]" }
}
