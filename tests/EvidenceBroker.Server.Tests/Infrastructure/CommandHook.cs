using System.Data.Common;
using System.Diagnostics;
using EvidenceBroker.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace EvidenceBroker.Server.Tests.Infrastructure;

/// <summary>
/// Runs an action once, on the broker's own thread, when EF Core is about to run (or has just run) the first command
/// that matches: a point inside a unit of work where a test stops a node or lets another node write. It listens to
/// EF Core's diagnostic events, so the broker needs no seam of its own. Create it before the broker starts (EF Core
/// caches for a second whether anyone listens), with a match that the start's own commands (migrations) do not meet.
/// </summary>
public sealed class CommandHook : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private readonly string eventName;
    private readonly Func<DbCommand, bool> matches;
    private readonly Action<DbCommand> action;
    private readonly IDisposable allListeners;
    private readonly List<IDisposable> subscriptions = [];
    private int fired;

    private CommandHook(string eventName, Func<DbCommand, bool> matches, Action<DbCommand> action)
    {
        this.eventName = eventName;
        this.matches = matches;
        this.action = action;
        allListeners = DiagnosticListener.AllListeners.Subscribe(this);
    }

    /// <summary>Runs <paramref name="action"/> before the first matching command goes to the database.</summary>
    public static CommandHook Before(Func<DbCommand, bool> matches, Action<DbCommand> action) =>
        new(RelationalEventId.CommandExecuting.Name!, matches, action);

    /// <summary>Runs <paramref name="action"/> once the first matching command has run (a query's rows not yet read).</summary>
    public static CommandHook After(Func<DbCommand, bool> matches, Action<DbCommand> action) =>
        new(RelationalEventId.CommandExecuted.Name!, matches, action);

    /// <summary>Whether the action ran.</summary>
    public bool Fired => Volatile.Read(ref fired) == 1;

    /// <summary>Whether <paramref name="command"/> runs on the database of <paramref name="broker"/>.</summary>
    public static bool On(BrokerFactory broker, DbCommand command) => broker.Provider == DatabaseProvider.Postgres
        ? command.Connection?.Database == new NpgsqlConnectionStringBuilder(broker.ConnectionString).Database
        : command.Connection?.ConnectionString.Contains(broker.DataDirectory, StringComparison.Ordinal) == true;

    public void OnNext(DiagnosticListener value)
    {
        if (value.Name == DbLoggerCategory.Name)
        {
            lock (subscriptions)
            {
                subscriptions.Add(value.Subscribe(this));
            }
        }
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key == eventName && value.Value is CommandEventData data && !Fired && matches(data.Command)
            && Interlocked.Exchange(ref fired, 1) == 0)
        {
            action(data.Command);
        }
    }

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    public void Dispose()
    {
        allListeners.Dispose();
        lock (subscriptions)
        {
            subscriptions.ForEach(s => s.Dispose());
        }
    }
}
