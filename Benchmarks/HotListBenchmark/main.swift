import ALPRCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// CPU time of this thread in seconds: the machine is shared, so wall-clock time mostly
/// measures other people's work; CPU time is what the code costs.
func threadCPUSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

// Release-mode figures for the hot list engine: parse + build of a 2-million-row MN NCIC
// extract, index memory, and matching throughput (one core) exact and with OCR candidates.

func residentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        let kb = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return kb * 1024
    }
    return 0
}

let entryCount = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1])! : 2_000_000
let readCount = 2_000_000
var random = SeededGenerator(seed: 42)
let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
let digits = Array("0123456789".utf8)
let codes = Array("VPWRHMLTCXNAFK".utf8)
let states = ["MN", "MN", "MN", "MN", "WI", "IA", "ND", "SD", "0H"]

@MainActor func randomPlate() -> [UInt8] {
    // Minnesota-like: 3 letters + 3 digits, or 3 digits + 3 letters, or 7 mixed.
    switch random.next() % 3 {
    case 0: return (0..<3).map { _ in letters.randomElement(using: &random)! } + (0..<3).map { _ in digits.randomElement(using: &random)! }
    case 1: return (0..<3).map { _ in digits.randomElement(using: &random)! } + (0..<3).map { _ in letters.randomElement(using: &random)! }
    default: return (0..<7).map { _ in (letters + digits).randomElement(using: &random)! }
    }
}

// 1. A synthetic extract.
var file: [UInt8] = []
file.reserveCapacity(entryCount * 80)
var listPlates: [[UInt8]] = []
listPlates.reserveCapacity(entryCount)
for row in 0..<entryCount {
    let code = codes.randomElement(using: &random)!
    let plate = randomPlate()
    listPlates.append(plate)
    file.append(code)
    file += Array("V\(String(format: "%09d", row)),MN0270100,2024\(String(format: "%02d", Int(random.next() % 12) + 1))15,".utf8)
    file += plate
    file += Array(",\(states.randomElement(using: &random)!),2025,PC,2015,TOYT,CAMRY,4D,BLK\n".utf8)
}
print("extract: \(entryCount) rows, \(file.count / 1_048_576) MiB")

// 2. Parse and build.
let clock = ContinuousClock()
let rssBeforeParse = residentBytes()
let parseStart = clock.now
let parseCPUStart = threadCPUSeconds()
let parsed = NCICExtractParser().parse(file)
let parseCPU = threadCPUSeconds() - parseCPUStart
let parseTime = clock.now - parseStart
print("parse: \(parseTime) wall, \(parseCPU) s CPU; \(parsed.acceptedCount) entries, \(parsed.rejectedCount) rejected")
let version = HotListVersion(
    source: .bcaLicensePlateDataFile, number: 1, loadedAt: Date(), checksum: "-", counts: HotListLoadCounts(parsed)
)
let rssBeforeBuild = residentBytes()
let buildStart = clock.now
let buildCPUStart = threadCPUSeconds()
let index = try HotListIndex(lists: [LoadedHotList(version: version, entries: parsed.entries)], builtAt: Date())
let buildCPU = threadCPUSeconds() - buildCPUStart
let buildTime = clock.now - buildStart
let rssAfterBuild = residentBytes()
print("build: \(buildTime) wall, \(buildCPU) s CPU; parse + build: \(parseTime + buildTime) wall, \(parseCPU + buildCPU) s CPU")
print("index tables: \(index.approximateByteCount / 1_048_576) MiB (\(index.approximateByteCount / max(1, index.entryCount)) bytes/entry); RSS growth during build: \(max(0, rssAfterBuild - rssBeforeBuild) / 1_048_576) MiB; parsed entries array RSS: \(max(0, rssBeforeBuild - rssBeforeParse) / 1_048_576) MiB")

// 3. Reads: 2% on the list, the rest random; candidates are one- and two-character variants.
let confusions: [UInt8: UInt8] = [
    UInt8(ascii: "O"): UInt8(ascii: "0"), UInt8(ascii: "0"): UInt8(ascii: "D"), UInt8(ascii: "I"): UInt8(ascii: "1"),
    UInt8(ascii: "B"): UInt8(ascii: "8"), UInt8(ascii: "S"): UInt8(ascii: "5"), UInt8(ascii: "Z"): UInt8(ascii: "2"),
    UInt8(ascii: "G"): UInt8(ascii: "6"), UInt8(ascii: "8"): UInt8(ascii: "B"),
]
var plates: [PlateNumber] = []
var candidateLists: [[PlateCandidate]] = []
plates.reserveCapacity(readCount)
candidateLists.reserveCapacity(readCount)
for _ in 0..<readCount {
    let bytes = random.next() % 50 == 0 ? listPlates.randomElement(using: &random)! : randomPlate()
    plates.append(try PlateNumber(String(decoding: bytes, as: UTF8.self)))
    var candidates: [PlateCandidate] = []
    for _ in 0..<5 {
        var variant = bytes
        let position = Int(random.next() % UInt64(variant.count))
        variant[position] = confusions[variant[position]] ?? (letters + digits).randomElement(using: &random)!
        candidates.append(PlateCandidate(text: String(decoding: variant, as: UTF8.self), confidence: 0.5))
    }
    candidateLists.append(candidates)
}

@MainActor func measure(_ label: String, candidates useCandidates: Bool, plates: [PlateNumber] = plates, candidateLists: [[PlateCandidate]] = candidateLists) {
    var hits = 0
    var possible = 0
    let start = clock.now
    let cpuStart = threadCPUSeconds()
    for read in 0..<readCount {
        let found = index.match(plate: plates[read], state: "MN", candidates: useCandidates ? candidateLists[read] : [])
        hits += found.count
        possible += found.reduce(0) { $0 + ($1.isPossible ? 1 : 0) }
    }
    let cpu = threadCPUSeconds() - cpuStart
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print("\(label): \(Int(Double(readCount) / cpu)) reads per CPU-second (\(Int(Double(readCount) / seconds)) per wall second); \(hits) hits, \(possible) possible")
}

measure("match, plate only        ", candidates: false)
measure("match, plate + 5 candidates", candidates: true)

// Reads that can match nothing (8 characters; the list has 6 and 7): the cost of the probes
// alone, without building hits.
var missPlates: [PlateNumber] = []
var missCandidates: [[PlateCandidate]] = []
for read in 0..<readCount {
    let suffix = String(decoding: randomPlate().prefix(6), as: UTF8.self)
    missPlates.append(try PlateNumber("ZZ" + suffix))
    missCandidates.append(candidateLists[read].map { PlateCandidate(text: "Z8" + $0.text.prefix(6), confidence: 0.5) })
}
measure("no hits, plate only        ", candidates: false, plates: missPlates, candidateLists: missCandidates)
measure("no hits, plate + 5 candidates", candidates: true, plates: missPlates, candidateLists: missCandidates)
