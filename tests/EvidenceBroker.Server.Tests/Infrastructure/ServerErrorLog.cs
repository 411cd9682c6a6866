using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace EvidenceBroker.Server.Tests.Infrastructure;

/// <summary>
/// The server's errors, kept for the test that provoked them: the server logs to the test host's console, which
/// `dotnet test` does not show, so an unexpected 500 would otherwise arrive without its exception.
/// Serilog picks up every <see cref="ILogEventSink"/> registered in the container. When EB_SERVER_ERROR_LOG names a
/// file (tests/run.sh sets it), every error is appended there too, and the run prints it: a failure that only
/// shows as "500" in an assertion still leaves its stack trace in the CI log.
/// </summary>
public sealed class ServerErrorLog : ILogEventSink
{
    private static readonly string? SharedFile = Environment.GetEnvironmentVariable("EB_SERVER_ERROR_LOG");
    private static readonly Lock FileLock = new();
    private readonly ConcurrentQueue<string> errors = new();

    public void Emit(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        if (logEvent.Level < LogEventLevel.Error)
        {
            return;
        }

        var text = $"{logEvent.Timestamp:HH:mm:ss.fff} {logEvent.RenderMessage(System.Globalization.CultureInfo.InvariantCulture)}\n{logEvent.Exception}";
        errors.Enqueue(text);
        if (!string.IsNullOrEmpty(SharedFile))
        {
            lock (FileLock)
            {
                File.AppendAllText(SharedFile, text + "\n---\n");
            }
        }
    }

    public override string ToString() => errors.IsEmpty ? "(no server errors logged)" : string.Join("\n---\n", errors);
}
