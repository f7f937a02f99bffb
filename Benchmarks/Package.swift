// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "alpr-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "alpr", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark.git", exact: "1.38.1", traits: ["MallocInterposer"]),
        // For AlertLatencyBenchmark (already in the graph through alpr).
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.2.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
    ],
    targets: [
        .executableTarget(
            name: "StorageBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ALPRCore", package: "alpr"),
                .product(name: "ALPRStorageSQLite", package: "alpr"),
            ],
            path: "Benchmarks/StorageBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "RecognitionBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ALPRVision", package: "alpr"),
            ],
            path: "Benchmarks/RecognitionBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Plain release executable: hot list parse/build time, index size and matching
        // throughput in CPU-seconds (`swift run -c release HotListBenchmark [rows]`).
        .executableTarget(
            name: "HotListBenchmark",
            dependencies: [.product(name: "ALPRCore", package: "alpr")],
            path: "HotListBenchmark"
        ),
        // Plain release executable: ingest-to-alert latency under load, end to end over HTTP
        // and the alert WebSocket (`swift run -c release AlertLatencyBenchmark [probes] [clients] [rows]`).
        .executableTarget(
            name: "AlertLatencyBenchmark",
            dependencies: [
                .product(name: "ALPRCore", package: "alpr"),
                .product(name: "ALPRServer", package: "alpr"),
                .product(name: "ALPRStorageSQLite", package: "alpr"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "AlertLatencyBenchmark"
        ),
    ]
)
