using EvidenceBroker.Server.Notifications;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Sla;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Persistence;

/// <summary>
/// On PostgreSQL a write batch inserts each table's rows in one statement, every column passed as an array
/// (<see cref="ArrayInsert"/>). What must hold: every row reads back exactly as its single-row INSERT was bound, null
/// and set values alike, of every column type the intake writes (uuid, text, timestamps, integers, booleans, enums
/// stored as text, dates). The filings themselves go this way in every PostgreSQL test.
/// </summary>
public sealed class PostgresArrayInsertTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 9, 30, 15, 123, 456, TimeSpan.Zero); // PostgreSQL keeps microseconds

    [PostgresFact]
    public async Task Rows_inserted_as_arrays_read_back_as_they_were_bound()
    {
        await using var broker = new PostgresBrokerFactory();
        var request = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        OutboxMessage[] messages =
        [
            new() { Id = Guid.NewGuid(), Topic = "test.bare", Recipient = "agency:gb-met", PayloadJson = "{}", CreatedAt = Now },
            new()
            {
                Id = Guid.NewGuid(), Topic = "test.full", Recipient = "provider:northwind", RequestId = request, PayloadJson = "{\"a\":1}",
                CreatedAt = Now, NextAttemptAt = Now.AddMinutes(1), Attempts = 3, DeliveredAt = Now.AddMinutes(2),
                DeadAt = Now.AddMinutes(3), LastError = "HTTP 503 Service Unavailable", LastAttemptAt = Now.AddMinutes(4),
                LastStatusCode = 503, SkippedReason = "no webhook", ClaimToken = Guid.NewGuid(), ClaimExpiresAt = Now.AddMinutes(5),
            },
        ];
        Deadline[] deadlines =
        [
            new() { Id = Guid.NewGuid(), RequestId = request, Kind = DeadlineKind.Preservation, StartsAt = Now, DueAt = Now.AddDays(60), Source = "test" },
            new()
            {
                Id = Guid.NewGuid(), RequestId = request, Kind = DeadlineKind.PostHocValidation, StartsAt = Now, DueAt = Now.AddHours(48),
                Source = "test", PausedAt = Now.AddHours(1), Reminder50At = Now.AddHours(24), Reminder80At = Now.AddHours(38),
                BreachedAt = Now.AddHours(48), CompletedAt = Now.AddHours(49), Extended = true, NextCheckAt = Now.AddHours(50),
            },
        ];
        var decision = await broker.WithDbAsync(db => db.Decisions.AsNoTracking().SingleAsync(d => d.RequestId == request));

        await using (var scope = broker.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();
            await db.Database.OpenConnectionAsync();
            await db.Decisions.Where(d => d.RequestId == request).ExecuteDeleteAsync(); // to insert it again, as an array
            var connection = db.Database.GetDbConnection();
            await using var transaction = await connection.BeginTransactionAsync();
            await using var parameters = connection.CreateCommand();
            await using var batch = connection.CreateBatch();
            batch.Transaction = transaction;
            foreach (var rows in new object[][] { messages, deadlines, [decision] })
            {
                var table = AddedRows.TableFor(db, rows[0].GetType())!;
                batch.BatchCommands.Add(ArrayInsert.Statement(batch, table, [.. rows.Select(row => AddedRows.Bind(table, row, parameters))])!);
            }

            Assert.Equal(5, await batch.ExecuteNonQueryAsync());
            await transaction.CommitAsync();
        }

        var outbox = await broker.WithDbAsync(db => db.Outbox.AsNoTracking().ToDictionaryAsync(m => m.Id));
        Assert.Equivalent(messages, messages.Select(m => outbox[m.Id]), strict: true);
        var stored = await broker.WithDbAsync(db => db.Deadlines.AsNoTracking().ToDictionaryAsync(d => d.Id));
        Assert.Equivalent(deadlines, deadlines.Select(d => stored[d.Id]), strict: true);
        Assert.Equivalent(decision, await broker.WithDbAsync(db => db.Decisions.AsNoTracking().SingleAsync(d => d.RequestId == request)), strict: true);
    }
}
