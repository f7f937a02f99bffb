import Prometheus

typealias PrometheusCounter = Prometheus.Counter

/// Counters the server exports at `/metrics`. They live in their own registry (no global
/// state), which `alpr serve` also hands to swift-metrics for Hummingbird's request metrics.
public struct AppMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let readsAccepted: PrometheusCounter
    let readsDuplicate: PrometheusCounter
    let readsRefused: PrometheusCounter
    let purgedReads: PrometheusCounter

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        readsAccepted = registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "alpr", metricName: "reads_accepted", unitName: "total", helpText: "Reads stored"))
        readsDuplicate = registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "alpr", metricName: "reads_duplicate", unitName: "total", helpText: "Reads re-sent that were already stored"))
        readsRefused = registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "alpr", metricName: "ingest_requests_refused", unitName: "total", helpText: "Ingest requests refused (invalid, outside an active period) or failed"))
        purgedReads = registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "alpr", metricName: "reads_purged", unitName: "total", helpText: "Reads destroyed by the retention purge (R11)"))
    }
}

import CoreMetrics

extension AppMetrics {
    /// Sends swift-metrics (Hummingbird's request counters and timers) to this registry too.
    /// Process-wide and allowed once, so only `alpr serve` calls it, never tests.
    public func bootstrapProcessMetrics() {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }
}
