// swift-tools-version: 6.1
import Foundation
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

/// The CPU that the recognition engine's own kernels (depthwise convolution, im2col, pooling,
/// resampling) are compiled for in release builds. On an x86-64 Linux host with the x86-64-v3
/// instruction set (AVX2, FMA, BMI2; every x86 server CPU since about 2015) they are compiled
/// for it (`haswell` is the compiler's name for that set), which lets the loops use 8-wide
/// vectors; elsewhere for the baseline. The build host decides, so a binary is for machines
/// like the one that built it. `ALPR_TARGET_CPU=x86-64` forces the portable baseline (for a
/// binary copied to older machines), any other value names the CPU. OpenBLAS and libjpeg-turbo
/// choose their kernels at run time either way.
let visionTargetCPU: String? = {
    if let requested = ProcessInfo.processInfo.environment["ALPR_TARGET_CPU"] {
        return requested.isEmpty || requested == "x86-64" ? nil : requested
    }
    #if os(Linux) && arch(x86_64)
    guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
    else { return nil }
    let flags = Set(flagsLine.split(separator: " ").map(String.init))
    let x86_64_v3 = ["avx", "avx2", "bmi1", "bmi2", "fma", "f16c", "movbe", "abm", "xsave"]
    return x86_64_v3.allSatisfy(flags.contains) ? "haswell" : nil
    #else
    return nil
    #endif
}()
let visionReleaseFlags = ["-Ounchecked"] + (visionTargetCPU.map { ["-target-cpu", $0] } ?? [])

let package = Package(
    name: "alpr",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "alpr", targets: ["alpr"]),
        .library(name: "ALPRCore", targets: ["ALPRCore"]),
        .library(name: "ALPRVision", targets: ["ALPRVision"]),
        // Storage for the Benchmarks package (path "../") and other tools.
        .library(name: "ALPRStorageSQLite", targets: ["ALPRStorage", "ALPRStorageSQLite"]),
        // The server, for the Benchmarks package's ingest-to-alert latency measurement.
        .library(name: "ALPRServer", targets: ["ALPRServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.2.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.0.0"),
    ],
    targets: [
        // Domain and the rules of Minn. Stat. §13.824 and department policy. No I/O.
        .target(
            name: "ALPRCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // Repository protocols and the on-disk image store shared by every database backend.
        .target(
            name: "ALPRStorage",
            dependencies: ["ALPRCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .target(
            name: "ALPRStorageSQLite",
            dependencies: ["ALPRCore", "ALPRStorage", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        // C libraries used by the recognition engine.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        // Recognition engine: images, tensors, layers, detector, OCR. Imports no web or storage code.
        .target(
            name: "ALPRVision",
            dependencies: ["CBLAS", "CTurboJPEG", "CPNG"],
            swiftSettings: strict + [
                .unsafeFlags(visionReleaseFlags, .when(configuration: .release)),
                // Debug builds optimise the engine too, keeping Swift's run-time checks (`-O`, not
                // `-Ounchecked`; the engine has no `assert` or DEBUG-only code that `-O` drops): the
                // tests read whole images through it, unoptimised about 25 times slower (2.8 s
                // against 0.12 s for one `alpr read` of a 720p frame), and the test run took
                // about 3 minutes instead of 30 seconds.
                .unsafeFlags(["-O"], .when(configuration: .debug)),
            ]
        ),
        .target(
            name: "ALPRServer",
            dependencies: [
                "ALPRCore", "ALPRStorage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            resources: [.copy("Templates")],
            swiftSettings: strict
        ),
        // Reader agent: frame sources, plate tracking, durable queue, uploader.
        .target(
            name: "ALPRAgent",
            dependencies: [
                "ALPRCore", "ALPRVision",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "alpr",
            dependencies: [
                "ALPRCore", "ALPRStorage", "ALPRStorageSQLite", "ALPRServer", "ALPRVision", "ALPRAgent",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "ALPRTestSupport",
            dependencies: ["ALPRCore", "ALPRStorage", "ALPRStorageSQLite"],
            path: "Sources/ALPRTestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "ALPRCoreTests", dependencies: ["ALPRCore"], swiftSettings: strict),
        .testTarget(
            name: "ALPRStorageSQLiteTests",
            dependencies: [
                "ALPRCore", "ALPRStorage", "ALPRStorageSQLite", "ALPRTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ALPRServerTests",
            dependencies: [
                "ALPRCore", "ALPRStorage", "ALPRStorageSQLite", "ALPRServer", "ALPRTestSupport", "ALPRAgent",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSTesting", package: "hummingbird-websocket"),
            ],
            swiftSettings: strict
        ),
        // Runs the built `alpr` executable (read, evaluate) as a user would.
        .testTarget(name: "alprTests", dependencies: ["alpr", "ALPRCore", "ALPRVision", "ALPRTestSupport"], swiftSettings: strict),
        .testTarget(name: "ALPRVisionTests", dependencies: ["ALPRVision", "ALPRCore", "CTurboJPEG"], resources: [.copy("Fixtures")], swiftSettings: strict),
        // Test-only child process for ALPRAgentTests: enqueues reads until it is killed with SIGKILL.
        .executableTarget(
            name: "ALPRAgentCrashHelper", dependencies: ["ALPRAgent", "ALPRCore"],
            path: "Tests/ALPRAgentCrashHelper", swiftSettings: strict
        ),
        .testTarget(name: "ALPRAgentTests", dependencies: ["ALPRAgent", "ALPRCore", "ALPRAgentCrashHelper"], swiftSettings: strict),
    ]
)
