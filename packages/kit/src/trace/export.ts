import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * OTLP/HTTP export (protobuf-free JSON over HTTP, the exporter's default) when
 * OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set:
 * the exporter reads those and OTEL_EXPORTER_OTLP_HEADERS itself, and spans go
 * in batches off the hot path. OTEL_SERVICE_NAME names the process (`omnishop`
 * by default); each span names its service in `omnishop.service`.
 */
export function otlpProcessors(env: NodeJS.ProcessEnv): { processors: SpanProcessor[]; resource: Resource } {
  const resource = resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || 'omnishop' });
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return { processors: [], resource };
  return { processors: [new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 1000 })], resource };
}
