import ALPRVision
import Benchmark
import Foundation

// Recognition engine benchmarks: each network alone, OCR of one plate, and the whole engine on
// 1280x720 frames (RecognitionFixture). One thread: OpenBLAS is set to one thread when the
// first network loads, and the harness runs benchmarks one at a time.
//
// Run from this directory:
//   swift package --disable-sandbox benchmark --target RecognitionBenchmarks
// The PyTorch figures for the same models: python training/bench_torch.py (repository root).
// Figures and the machine they came from: docs/benchmarks.md, "Recognition engine".
//
// Wall clock is information (it depends on the machine and its load); the
// allocation counts are the deterministic part, as in swift-nio's benchmarks.
//
// OpenBLAS takes its kernels as it loads. `alpr` starts itself again on better ones where
// OpenBLAS fell back to its oldest on a CPU it does not know (`BLASKernelChoice`); this harness
// does not, and says so: run it with the `OPENBLAS_CORETYPE` it names to time what `alpr` runs.

let benchmarks: @Sendable () -> Void = {
    if let better = BLASKernels.betterForHost() {
        FileHandle.standardError.write(Data(("RecognitionBenchmarks: OpenBLAS runs its \(BLASKernels.inUse) kernels on a CPU that runs "
            + "its \(better) kernels; alpr would run \(better): set \(BLASKernels.environmentVariable)=\(better) to time that\n").utf8))
    }
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal], timeUnits: .microseconds,
        warmupIterations: 10, maxDuration: .seconds(20), maxIterations: 400
    )
    func fixture() throws -> RecognitionFixture { try RecognitionFixture.shared.get() }
    let loadFixture: Benchmark.BenchmarkSetupHook = { _ = try fixture() }
    let detectionsMetric = BenchmarkMetric.custom("Detections in the frame (each is one OCR read)", useScalingFactor: false)

    Benchmark("Detector network, 3x384x640", configuration: .init(setup: loadFixture)) { benchmark in
        let network = try fixture().detectorNetwork
        for _ in benchmark.scaledIterations { network.run() }
    }

    Benchmark("OCR network, 1x48x128", configuration: .init(maxIterations: 2000, setup: loadFixture)) { benchmark in
        let network = try fixture().ocrNetwork
        for _ in benchmark.scaledIterations { network.run() }
    }

    Benchmark("OCR read of one plate: rectify, network, beam search", configuration: .init(maxIterations: 2000, setup: loadFixture)) { benchmark in
        let fixture = try fixture()
        let frame = fixture.frames[0]
        for _ in benchmark.scaledIterations {
            blackHole(try fixture.recognizer.ocr.read(frame, corners: fixture.plateCorners))
        }
    }

    Benchmark("Corner refiner of one plate: region sampling, network", configuration: .init(maxIterations: 2000, setup: loadFixture)) { benchmark in
        let fixture = try fixture()
        guard let refiner = fixture.recognizer.refiner else { return }
        let frame = fixture.frames[0]
        for _ in benchmark.scaledIterations {
            blackHole(refiner.refine(frame, corners: fixture.plateCorners))
        }
    }

    Benchmark("Detector stage, 1920x1080 frame: letterbox into 544x960, network, peaks", configuration: .init(setup: loadFixture)) { benchmark in
        let fixture = try fixture()
        let detector = fixture.recognizer.detector
        for _ in benchmark.scaledIterations {
            blackHole(detector.detect(fixture.largeFrames[fixture.nextFrame() % fixture.largeFrames.count]))
        }
    }

    Benchmark("Detector stage, 1280x720 frame: letterbox, network, peaks", configuration: .init(setup: loadFixture)) { benchmark in
        let fixture = try fixture()
        let detector = fixture.recognizer.detector
        for _ in benchmark.scaledIterations {
            blackHole(detector.detect(fixture.frames[fixture.nextFrame()]))
        }
    }

    Benchmark("Detector stage, 1280x720 frame, corner head at every cell", configuration: .init(setup: loadFixture)) { benchmark in
        let fixture = try fixture()
        let detector = fixture.denseDetector
        for _ in benchmark.scaledIterations {
            blackHole(detector.detect(fixture.frames[fixture.nextFrame()]))
        }
    }

    Benchmark(
        "Engine, 1280x720 frame, decoded",
        configuration: .init(metrics: [.wallClock, .mallocCountTotal, detectionsMetric], setup: loadFixture)
    ) { benchmark in
        let fixture = try fixture()
        let recognizer = fixture.recognizer
        for _ in benchmark.scaledIterations {
            let index = fixture.nextFrame()
            blackHole(try recognizer.recognize(fixture.frames[index]))
            // The engine's cost grows with the plates the OCR runs on; counted at load.
            benchmark.measurement(detectionsMetric, fixture.detectionCounts[index])
        }
    }

    Benchmark("Engine, 1280x720 JPEG, decode included", configuration: .init(setup: loadFixture)) { benchmark in
        let fixture = try fixture()
        let recognizer = fixture.recognizer
        for _ in benchmark.scaledIterations {
            let jpeg = fixture.jpegFrames[fixture.nextFrame()]
            blackHole(try recognizer.recognize(ImageDecoder.decode(jpeg)))
        }
    }
}
