using System.Globalization;
using System.Text.Json;
using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Policies;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace EvidenceBroker.Benchmarks;

/// <summary>Real decisions from the demo pack, and SQLite files filled with many rows fast (plain inserts, one transaction).</summary>
internal static class ExportFixtures
{
    private static readonly DateTimeOffsetToBinaryConverter Time = new();

    public static readonly DateTimeOffset Now = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    public static RequestContent Request(string country, string agency, Urgency urgency = Urgency.Standard) => new()
    {
        RequestingCountry = country,
        AgencyId = agency,
        ProviderId = "northwind-mail",
        DataCategories = [DataCategory.Subscriber],
        Identifiers = [new Identifier { Type = IdentifierType.Email, Value = "suspect.one@northwind.example" }],
        TimeRange = new TimeRange { From = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), To = new DateTimeOffset(2026, 6, 30, 0, 0, 0, TimeSpan.Zero) },
        Offence = new Offence { Description = "Fraud by false representation (Fraud Act 2006 s.2)", Code = "FA2006-s2", MaxPenaltyYears = 10 },
        IssuingAuthority = new Authority { Type = AuthorityType.Court, Name = "Westminster Magistrates' Court" },
        Urgency = urgency,
        EmergencyThreat = urgency == Urgency.Emergency ? "Credible threat to kill posted from the account." : null,
        Justification = "Bank records show the proceeds of 14 invoice frauds between February and May 2026 were requested from victims by messages sent from suspect.one@northwind.example.",
        UseLimitsAcknowledged = true,
        NonDisclosureUntil = new DateOnly(2027, 6, 30),
    };

    public static Decision Decide(RequestContent request, string jurisdiction = "US")
    {
        var pack = PolicyPackLoader.LoadDirectory(FindPolicies()).Pack ?? throw new InvalidOperationException("pack did not load");
        return new PolicyEngine(pack).Evaluate(new PolicyInput(request, jurisdiction, DateOnly.FromDateTime(Now.UtcDateTime)));
    }

    public static SqliteBrokerDbContext Open(string path) => new(new DbContextOptionsBuilder<SqliteBrokerDbContext>()
        .UseSqlite(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString())
        .UseOpenIddict()
        .Options);

    public static string CreateDatabase(string name)
    {
        var path = Path.Combine(Path.GetTempPath(), $"eb-bench-{name}-{Guid.NewGuid():N}.db");
        using var db = Open(path);
        db.Database.Migrate();
        return path;
    }

    /// <summary>A valid chain of <paramref name="count"/> entries, the shape intake writes.</summary>
    public static void FillAuditChain(string path, int count)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO audit_entries (\"Sequence\", \"At\", \"ActorId\", \"ActorRole\", \"ActorTenant\", \"Action\", \"SubjectType\", \"SubjectId\", " +
                             "\"StateBefore\", \"StateAfter\", \"PolicyVersion\", \"PayloadJson\", \"PayloadHash\", \"PreviousHash\", \"Hash\") " +
                             "VALUES ($s, $at, 'met-case-system', 'officer', 'Agency:GB/gb-met', $action, 'request', $subject, $before, $after, $policy, $payload, $payloadHash, $previous, $hash)";
        var parameters = new[] { "$s", "$at", "$action", "$subject", "$before", "$after", "$policy", "$payload", "$payloadHash", "$previous", "$hash" }
            .Select(n => insert.Parameters.Add(new SqliteParameter { ParameterName = n })).ToArray();
        var previous = AuditHashing.Genesis;
        for (long sequence = 1; sequence <= count; sequence++)
        {
            var decided = sequence % 2 == 0;
            var at = AuditHashing.Normalise(Now.AddMilliseconds(sequence * 37));
            var subject = new Guid((int)((sequence + 1) / 2), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10).ToString();
            var payload = decided
                ? $"{{\"outcome\":\"direct\",\"channel\":\"cloud-act-agreement\",\"decisionHash\":\"{AuditHashing.Sha256Hex(subject)}\"}}"
                : $"{{\"reference\":\"EB-2026-{sequence:X6}\",\"agencyId\":\"gb-met\",\"providerId\":\"northwind-mail\",\"bodyHash\":\"{AuditHashing.Sha256Hex(subject + "body")}\"}}";
            var action = decided ? "request.decided" : "request.filed";
            string? before = decided ? "filed" : null;
            var after = decided ? "routed-to-provider" : "filed";
            string? policy = decided ? "sha256:3fb1f684facacf57b358ccfbc1a439db819aa711fc8a1db223d499e7c912a559" : null;
            var payloadHash = AuditHashing.Sha256Hex(payload);
            var hash = AuditHashing.Sha256Hex(AuditHashing.Canonical(sequence, at, "met-case-system", "officer", "Agency:GB/gb-met", action, "request", subject,
                before, after, policy, payloadHash, previous));
            object?[] values = [sequence, Time.ConvertToProvider(at), action, subject, before, after, policy, payload, payloadHash, previous, hash];
            for (var i = 0; i < values.Length; i++)
            {
                parameters[i].Value = values[i] ?? DBNull.Value;
            }

            insert.ExecuteNonQuery();
            previous = hash;
        }

        transaction.Commit();
    }

    /// <summary>
    /// <paramref name="count"/> decided requests over 2026 H2 from GB (direct), RU (MLAT), DE and AU, with real decision JSON.
    /// </summary>
    public static void FillRequests(string path, int count)
    {
        var kinds = new[]
        {
            (Content: Request("GB", "gb-met"), Jurisdiction: "US"),
            (Content: Request("RU", "ru-mvd"), Jurisdiction: "US"),
            (Content: Request("DE", "de-bka"), Jurisdiction: "US"),
            (Content: Request("GB", "gb-met", Urgency.Emergency), Jurisdiction: "US"),
        }.Select(k =>
        {
            var decision = Decide(k.Content, k.Jurisdiction);
            return (ContentJson: JsonSerializer.Serialize(k.Content, PublicModelJson.Options), Decision: decision,
                DecisionJson: JsonSerializer.Serialize(decision, DecisionJson.Compact));
        }).ToArray();

        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var request = connection.CreateCommand();
        request.Transaction = transaction;
        request.CommandText = "INSERT INTO requests (\"Id\", \"Reference\", \"RequestingCountry\", \"AgencyId\", \"ProviderId\", \"ProviderJurisdiction\", \"Content\", " +
                              "\"FiledBy\", \"FiledAt\", \"UpdatedAt\", \"State\", \"Outcome\", \"Channel\", \"PolicyVersion\", \"ReleasedToProviderAt\", \"Revision\") " +
                              "VALUES ($id, $ref, $country, $agency, 'northwind-mail', 'US', $content, 'bench', $filed, $updated, $state, $outcome, $channel, $policy, $released, 1)";
        var rp = new[] { "$id", "$ref", "$country", "$agency", "$content", "$filed", "$updated", "$state", "$outcome", "$channel", "$policy", "$released" }
            .Select(n => request.Parameters.Add(new SqliteParameter { ParameterName = n })).ToArray();
        using var decision = connection.CreateCommand();
        decision.Transaction = transaction;
        decision.CommandText = "INSERT INTO decisions (\"RequestId\", \"Outcome\", \"Channel\", \"PolicyVersion\", \"EvaluatedOn\", \"DecidedAt\", \"InputJson\", \"DecisionJson\") " +
                               "VALUES ($id, $outcome, $channel, $policy, '2026-11-23', $decided, '{}', $json)";
        var dp = new[] { "$id", "$outcome", "$channel", "$policy", "$decided", "$json" }
            .Select(n => decision.Parameters.Add(new SqliteParameter { ParameterName = n })).ToArray();
        var start = new DateTimeOffset(2026, 7, 1, 0, 0, 0, TimeSpan.Zero);
        var responded = new[] { RequestState.Produced, RequestState.PartiallyProduced, RequestState.Refused, RequestState.RoutedToProvider, RequestState.Acknowledged };
        for (var i = 0; i < count; i++)
        {
            var kind = kinds[i % kinds.Length];
            var filed = start.AddSeconds(i * (double)(184 * 86400) / count);
            var direct = kind.Decision.Outcome == Outcome.Direct;
            var state = kind.Decision.Outcome switch
            {
                Outcome.Mlat => RequestState.QueuedForMlat,
                Outcome.HumanReview => RequestState.AwaitingHumanReview,
                Outcome.Rejected => RequestState.Rejected,
                _ => responded[i % responded.Length],
            };
            var id = Guid.CreateVersion7(filed).ToString().ToUpperInvariant();
            object?[] values =
            [
                id, string.Create(CultureInfo.InvariantCulture, $"EB-2026-{i:X7}"), kind.Decision.MlatRoute.RequestingState,
                kind.Decision.MlatRoute.RequestingState.ToLowerInvariant() + "-agency", kind.ContentJson, Time.ConvertToProvider(filed),
                Time.ConvertToProvider(filed.AddDays(3 + (i % 13))), state.ToString(), kind.Decision.Outcome.ToString(), kind.Decision.Channel.ToString(),
                kind.Decision.PolicyVersion, direct ? Time.ConvertToProvider(filed.AddSeconds(1)) : null,
            ];
            for (var p = 0; p < values.Length; p++)
            {
                rp[p].Value = values[p] ?? DBNull.Value;
            }

            request.ExecuteNonQuery();
            object?[] decided = [id, kind.Decision.Outcome.ToString(), kind.Decision.Channel.ToString(), kind.Decision.PolicyVersion, Time.ConvertToProvider(filed.AddSeconds(1)), kind.DecisionJson];
            for (var p = 0; p < decided.Length; p++)
            {
                dp[p].Value = decided[p] ?? DBNull.Value;
            }

            decision.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    public static string FindPolicies()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "policies");
                if (File.Exists(Path.Combine(candidate, "pack.yaml")))
                {
                    return candidate;
                }
            }
        }

        throw new InvalidOperationException("policies/ not found");
    }
}
