import ALPRCore
import ALPRStorage
import ALPRStorageSQLite
import Benchmark
import Foundation

// Storage benchmarks: ingest throughput and search latency on a database of 10 million reads.
// Wall-clock figures are information (they depend on the machine); the gate, as in swift-nio's
// benchmarks, is on allocation counts.
//
// Run from this directory:
//   swift package --disable-sandbox benchmark --target StorageBenchmarks
// The 10M-read database is built once (a few minutes) under $ALPR_BENCHMARK_DATA, default
// /tmp/alpr-benchmark-data, and reused by later runs.

let benchmarks: @Sendable () -> Void = {
    let readsPerBatch = 1000

    Benchmark(
        "Ingest metadata-only, 1000 reads per batch",
        configuration: .init(
            metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo,
            maxDuration: .seconds(10), maxIterations: 200,
            setup: { _ = try await Contexts.shared.ingestContext() }
        )
    ) { benchmark in
        let context = try await Contexts.shared.ingestContext()
        let batch = ReadGenerator.batch(count: benchmark.scaledIterations.count, readerID: context.readerID, plates: context.plates)
        benchmark.startMeasurement()
        _ = try await context.storage.reads.insert(batch, audit: ReadGenerator.audit(count: batch.count))
        benchmark.stopMeasurement()
    }

    Benchmark(
        "Ingest with a 20 KB plate image through ImageStore.put, 1000 reads per batch",
        configuration: .init(
            metrics: [.wallClock, .throughput], scalingFactor: .kilo,
            maxDuration: .seconds(20), maxIterations: 30,
            setup: { _ = try await Contexts.shared.ingestContext() }
        )
    ) { benchmark in
        let context = try await Contexts.shared.ingestContext()
        var batch = ReadGenerator.batch(count: benchmark.scaledIterations.count, readerID: context.readerID, plates: context.plates)
        let images = batch.indices.map { _ in ReadGenerator.jpegLikeBytes(byteCount: 20 * 1024) }
        benchmark.startMeasurement()
        for index in batch.indices {
            batch[index].plateImage = try context.storage.images.put(images[index], field: "plate_image")
        }
        _ = try await context.storage.reads.insert(batch, audit: ReadGenerator.audit(count: batch.count))
        benchmark.stopMeasurement()
    }

    let searchConfiguration = Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal], timeUnits: .milliseconds,
        maxDuration: .seconds(15), maxIterations: 1000,
        setup: { _ = try await Contexts.shared.searchContext() }
    )

    Benchmark("Search exact plate, 10M reads", configuration: searchConfiguration) { benchmark in
        let context = try await Contexts.shared.searchContext()
        for _ in benchmark.scaledIterations {
            let query = try ReadQuery(plate: .exact(PlateNumber(context.randomPlate())), limit: 200)
            blackHole(try await context.storage.reads.search(query))
        }
    }

    Benchmark("Search plate pattern with known first characters (AB?12*), 10M reads", configuration: searchConfiguration) { benchmark in
        let context = try await Contexts.shared.searchContext()
        for _ in benchmark.scaledIterations {
            let plate = Array(context.randomPlate())
            let pattern = String(plate[0..<2]) + "?" + String(plate[3..<5]) + "*"
            blackHole(try await context.storage.reads.search(ReadQuery(plate: PlateCriterion(pattern), limit: 200)))
        }
    }

    Benchmark("Search plate pattern with a leading wildcard (*C12?), 10M reads", configuration: searchConfiguration) { benchmark in
        let context = try await Contexts.shared.searchContext()
        for _ in benchmark.scaledIterations {
            let plate = Array(context.randomPlate())
            let pattern = "*" + String(plate[2..<(plate.count - 1)]) + "?"
            blackHole(try await context.storage.reads.search(ReadQuery(plate: PlateCriterion(pattern), limit: 200)))
        }
    }
}
