using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace EvidenceBroker.Server.Tests.Infrastructure;

/// <summary>
/// The server's errors, kept for the test that provoked them: the server logs to the test host's console, which
/// `dotnet test` does not show, so an unexpected 500 would otherwise arrive without its exception.
/// Serilog picks up every <see cref="ILogEventSink"/> registered in the container.
/// </summary>
public sealed class ServerErrorLog : ILogEventSink
{
    private readonly ConcurrentQueue<string> errors = new();

    public void Emit(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        if (logEvent.Level >= LogEventLevel.Error)
        {
            errors.Enqueue($"{logEvent.Timestamp:HH:mm:ss.fff} {logEvent.RenderMessage(System.Globalization.CultureInfo.InvariantCulture)}\n{logEvent.Exception}");
        }
    }

    public override string ToString() => errors.IsEmpty ? "(no server errors logged)" : string.Join("\n---\n", errors);
}
