using System.Collections.Concurrent;
using System.Net;
using System.Text;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace EvidenceBroker.Server.Tests.Hosting;

/// <summary>Traces go to the collector OTEL_EXPORTER_OTLP_ENDPOINT names, and nowhere (at no cost) without one.</summary>
public sealed class TelemetryExportTests
{
    private sealed class ExportingBroker(string collector) : BrokerFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [
            new("OTEL_EXPORTER_OTLP_ENDPOINT", collector),
            new("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            new("OTEL_BSP_SCHEDULE_DELAY", "100"),
            new("OTEL_METRIC_EXPORT_INTERVAL", "200"),
        ];
    }

    [Fact]
    public async Task With_a_collector_configured_the_broker_sends_it_the_spans_of_its_requests()
    {
        await using var collector = await OtlpCollector.StartAsync();
        using var broker = new ExportingBroker(collector.Address);
        using var client = broker.CreateClient();

        using var live = await client.GetAsync("/health/live");
        var traces = await collector.WaitForAsync("/v1/traces", body => body.Contains("/health/live", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Contains("evidence-broker", traces, StringComparison.Ordinal); // service.name
        Assert.NotNull(await collector.WaitForAsync("/v1/metrics", body => body.Contains("http.server.request.duration", StringComparison.Ordinal)));
    }

    [Fact]
    public void Without_a_collector_the_broker_records_no_spans()
    {
        using var broker = new BrokerFactory();
        using var client = broker.CreateClient();

        Assert.Null(broker.Services.GetService<TracerProvider>());
    }

    /// <summary>An OTLP/HTTP endpoint on loopback that keeps what it is sent (protobuf, whose strings stay readable).</summary>
    private sealed class OtlpCollector : IAsyncDisposable
    {
        private readonly WebApplication app;
        private readonly ConcurrentQueue<(string Path, string Body)> received = new();

        private OtlpCollector(WebApplication app) => this.app = app;

        public string Address => app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        public static async Task<OtlpCollector> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
            builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var collector = new OtlpCollector(app);
            app.MapPost("/v1/{signal}", async (HttpContext http) =>
            {
                using var body = new MemoryStream();
                await http.Request.Body.CopyToAsync(body);
                collector.received.Enqueue((http.Request.Path.Value!, Encoding.UTF8.GetString(body.ToArray())));
                return Results.Ok();
            });
            await app.StartAsync();
            return collector;
        }

        /// <summary>The first body posted to <paramref name="path"/> that satisfies <paramref name="match"/>.</summary>
        public async Task<string> WaitForAsync(string path, Func<string, bool> match)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline)
            {
                var found = received.FirstOrDefault(r => r.Path == path && match(r.Body));
                if (found.Body is not null)
                {
                    return found.Body;
                }

                await Task.Delay(50);
            }

            throw new TimeoutException($"The collector received nothing matching on {path} within 30 s; it got {received.Count} posts.");
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
