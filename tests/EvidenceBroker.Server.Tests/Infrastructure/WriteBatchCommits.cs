using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using EvidenceBroker.Server.Observability;

namespace EvidenceBroker.Server.Tests.Infrastructure;

/// <summary>
/// Listens to the broker's <c>broker.write_batch.commits</c> counter for one database: which round trip carried each
/// write batch's COMMIT, in the order they committed.
/// </summary>
public sealed class WriteBatchCommits : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentQueue<string> committedIn = new();

    public WriteBatchCommits(string database)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == BrokerTelemetry.SourceName && instrument.Name == "broker.write_batch.commits")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            string? namespaceTag = null, how = null;
            foreach (var tag in tags)
            {
                namespaceTag = tag.Key == "db.namespace" ? tag.Value as string : namespaceTag;
                how = tag.Key == "broker.committed_in" ? tag.Value as string : how;
            }

            if (namespaceTag == database && how is not null)
            {
                committedIn.Enqueue(how);
            }
        });
        listener.Start();
    }

    /// <summary>The round trip that carried each batch's COMMIT since listening began, oldest first.</summary>
    public IReadOnlyList<string> CommittedIn => [.. committedIn];

    public void Dispose() => listener.Dispose();
}
