import Foundation

/// The JPEG and PNG files of a folder, as `alpr read --dir` and `alpr evaluate` find them.
///
/// Hidden files and folders are left out: a `._photo.jpg` written beside every file copied from
/// a Mac, or an upload still being written under a dot name, is not an image to read.
public enum ImageFiles {
    public static let extensions: Set<String> = ["jpg", "jpeg", "png"]

    /// Whether a file name is one of an image to read: not hidden, ending `.jpg`, `.jpeg` or `.png`.
    public static func isImageName(_ name: String) -> Bool {
        !name.hasPrefix(".") && extensions.contains((name as NSString).pathExtension.lowercased())
    }

    /// The paths below `folder` of its image files (with `recursive`, of those in its subfolders
    /// too), sorted; nil when `folder` is not a folder that can be listed.
    public static func relativePaths(in folder: URL, recursive: Bool) -> [String]? {
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        guard manager.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else { return nil }
        var paths: [String] = []
        if recursive {
            guard let enumerator = manager.enumerator(atPath: folder.path) else { return nil }
            while let relative = enumerator.nextObject() as? String {
                let isDirectory = (enumerator.fileAttributes?[.type] as? FileAttributeType) == .typeDirectory
                let name = (relative as NSString).lastPathComponent
                if isDirectory {
                    if name.hasPrefix(".") { enumerator.skipDescendants() }
                } else if isImageName(name) {
                    paths.append(relative)
                }
            }
        } else {
            guard let names = try? manager.contentsOfDirectory(atPath: folder.path) else { return nil }
            paths = names.filter { name in
                var isDirectory: ObjCBool = false
                return isImageName(name) && manager.fileExists(atPath: folder.appendingPathComponent(name).path, isDirectory: &isDirectory)
                    && !isDirectory.boolValue
            }
        }
        return paths.sorted()
    }
}
