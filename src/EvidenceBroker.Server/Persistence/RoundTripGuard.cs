using System.Collections.Concurrent;
using System.Data.Common;

namespace EvidenceBroker.Server.Persistence;

/// <summary>
/// A condition that PostgreSQL checks in a write batch's round trip, before the statements after it: the statement
/// <c>SELECT broker_expect(condition, what)</c> (migration BatchGuardFunction) fails unless the condition holds, and a
/// failed statement makes PostgreSQL skip the rest of the round trip, its COMMIT included. With a guard for each thing
/// a batch was written on, the batch may commit in the very round trip that takes its lock, instead of reading them
/// there and waiting to compare them with what it assumed.
/// </summary>
/// <param name="What">What the condition checks, named in the error if it fails.</param>
/// <param name="Condition">A boolean SQL expression, with <paramref name="Values"/> as its named parameters.</param>
internal sealed record RoundTripGuard(string What, string Condition, IReadOnlyList<KeyValuePair<string, object>> Values)
{
    /// <summary>The head guard's condition for each head query (one per model), built once.</summary>
    private static readonly ConcurrentDictionary<string, string> HeadConditions = new(StringComparer.Ordinal);

    /// <summary>
    /// Whether <paramref name="guards"/> can go in one <see cref="Statement"/>: no parameter name in two of them
    /// (PostgreSQL would check both conditions against the first one's value).
    /// </summary>
    public static bool ShareOneStatement(IReadOnlyList<RoundTripGuard> guards)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        return guards.All(guard => guard.Values.All(value => names.Add(value.Key)));
    }

    /// <summary>
    /// One statement checking every guard, in order, for a batch of statements of a PostgreSQL connection; the guards'
    /// parameter names must differ (<see cref="ShareOneStatement"/>).
    /// </summary>
    public static DbBatchCommand Statement(DbBatch statements, IReadOnlyList<RoundTripGuard> guards)
    {
        var statement = AddedRows.Statement(
            statements, "SELECT " + string.Join(", ", guards.Select((guard, i) => $"broker_expect({guard.Condition}, @guard_{i})")));
        for (var i = 0; i < guards.Count; i++)
        {
            statement.Parameters.Add(Parameter(statement, $"guard_{i}", guards[i].What));
            foreach (var (name, value) in guards[i].Values)
            {
                statement.Parameters.Add(Parameter(statement, name, value));
            }
        }

        return statement;
    }

    /// <summary>The audit chain's head is still the given one: its newest entry, read with <paramref name="headQuery"/>.</summary>
    public static RoundTripGuard ChainHead(string headQuery, (long Sequence, string Hash) head) => new(
        "the audit chain's head",
        HeadConditions.GetOrAdd(headQuery, query =>
            $"EXISTS (SELECT 1 FROM ({query}) AS head (sequence, hash) WHERE head.sequence = @head_sequence AND head.hash = @head_hash)"),
        [new("head_sequence", head.Sequence), new("head_hash", head.Hash)]);

    private static DbParameter Parameter(DbBatchCommand statement, string name, object value)
    {
        var parameter = statement.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        return parameter;
    }
}
