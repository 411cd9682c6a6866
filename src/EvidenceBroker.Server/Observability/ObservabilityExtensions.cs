using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Serilog;
using Serilog.Context;
using Serilog.Formatting.Compact;

namespace EvidenceBroker.Server.Observability;

public static class ObservabilityExtensions
{
    public const string CorrelationHeader = "X-Correlation-Id";

    /// <summary>OpenTelemetry's standard setting; read from the environment like every other setting.</summary>
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static WebApplicationBuilder AddBrokerObservability(this WebApplicationBuilder builder)
    {
        // Compact JSON for machines everywhere but a developer's console, unless asked for (Logging:Json=true).
        var json = !builder.Environment.IsDevelopment() || builder.Configuration.GetValue<bool>("Logging:Json");
        builder.Services.AddSerilog((services, logger) =>
        {
            logger.ReadFrom.Configuration(builder.Configuration).ReadFrom.Services(services).Enrich.FromLogContext();
            if (json)
            {
                logger.WriteTo.Console(new CompactJsonFormatter());
            }
            else
            {
                logger.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}");
            }
        });

        // Traces and metrics go to the OpenTelemetry collector that OTEL_EXPORTER_OTLP_ENDPOINT names (with the other
        // standard OTEL_* settings). Without one the broker records neither: a span nobody receives is pure cost on
        // every request.
        if (!string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointSetting]))
        {
            builder.Services.AddOpenTelemetry()
                .ConfigureResource(resource => resource.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? BrokerTelemetry.ServiceName))
                .WithTracing(tracing => tracing.AddAspNetCoreInstrumentation().AddSource(BrokerTelemetry.SourceName).AddOtlpExporter())
                .WithMetrics(metrics => metrics.AddAspNetCoreInstrumentation().AddMeter(BrokerTelemetry.SourceName).AddOtlpExporter());
        }

        return builder;
    }

    /// <summary>
    /// Every log line of a request carries its correlation id: the caller's, when it sends a sane one, else ours.
    /// The id is echoed in the response so a caller can quote it.
    /// </summary>
    public static IApplicationBuilder UseCorrelationId(this IApplicationBuilder app) =>
        app.Use(async (http, next) =>
        {
            var incoming = http.Request.Headers[CorrelationHeader].ToString();
            var id = incoming.Length is > 0 and <= 64 && incoming.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
                ? incoming
                : http.TraceIdentifier;
            http.Response.Headers[CorrelationHeader] = id;
            using (LogContext.PushProperty("CorrelationId", id))
            {
                await next(http);
            }
        });
}

/// <summary>The broker's own activity source and meter name.</summary>
public static class BrokerTelemetry
{
    public const string SourceName = "EvidenceBroker";

    /// <summary>service.name on every span and metric, unless OTEL_SERVICE_NAME names another.</summary>
    public const string ServiceName = "evidence-broker";
    public static readonly System.Diagnostics.ActivitySource Source = new(SourceName);

    /// <summary>The broker's own metrics (exported with ASP.NET Core's when OpenTelemetry is on).</summary>
    public static readonly System.Diagnostics.Metrics.Meter Meter = new(SourceName);
}
