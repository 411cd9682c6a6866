using System.Globalization;
using System.Net;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Mlat;
using EvidenceBroker.Server.Notifications;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Requests;
using EvidenceBroker.Server.Sla;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Persistence;

/// <summary>
/// Intake inserts a filing's rows with statements built from EF Core's model instead of SaveChanges. What must hold:
/// the rows are exactly those SaveChanges would have written — every column, every converted value.
/// </summary>
public sealed class AddedRowsTests
{
    [Fact]
    public async Task A_filing_inserted_from_the_model_leaves_the_same_rows_as_SaveChanges()
    {
        await using var broker = new BrokerFactory();
        await AssertSameRowsAsSaveChangesAsync(broker);
    }

    [PostgresFact]
    public async Task A_filing_inserted_from_the_model_leaves_the_same_rows_as_SaveChanges_on_postgres()
    {
        await using var broker = new PostgresBrokerFactory();
        await AssertSameRowsAsSaveChangesAsync(broker);
    }

    [Fact]
    public async Task A_unit_of_work_that_also_changes_a_row_is_saved_whole_by_SaveChanges()
    {
        await using var broker = new BrokerFactory();
        var requestId = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());

        await using (var scope = broker.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();
            var message = await db.Outbox.FirstAsync(m => m.RequestId == requestId);
            message.LastError = "changed in the same unit of work";
            db.IdempotencyRecords.Add(new IdempotencyRecord
            {
                ClientId = "met-case-system", Key = "added-rows-2", BodyHash = new string('0', 64), RequestId = requestId,
                CreatedAt = DateTimeOffset.UnixEpoch,
            });

            await db.InsertAddedAsync(CancellationToken.None);
        }

        await using var check = broker.Services.CreateAsyncScope();
        var saved = check.ServiceProvider.GetRequiredService<BrokerDbContext>();
        Assert.True(await saved.Outbox.AnyAsync(m => m.RequestId == requestId && m.LastError == "changed in the same unit of work"));
        Assert.True(await saved.IdempotencyRecords.AnyAsync(k => k.Key == "added-rows-2"));
    }

    [Fact]
    public async Task Rows_added_while_the_context_queues_them_are_inserted_without_being_tracked()
    {
        await using var broker = new BrokerFactory();
        var requestId = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        var at = DateTimeOffset.UnixEpoch;

        await using (var scope = broker.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();
            using (db.QueueNewRows())
            {
                OutboxEntries.Add(db, "test.queued", "agency:gb-met", requestId, new { n = 1 }, at);
                OutboxEntries.Add(db, "test.discarded", "agency:gb-met", requestId, new { n = 2 }, at);
                db.DiscardChanges();
                OutboxEntries.Add(db, "test.queued", "agency:gb-met", requestId, new { n = 3 }, at);
                Assert.Empty(db.ChangeTracker.Entries());

                await InsertInOneTransactionAsync(db);
                Assert.Empty(db.ChangeTracker.Entries());
            }

            // Once the scope ends, a new row is tracked again, for SaveChanges.
            OutboxEntries.Add(db, "test.tracked", "agency:gb-met", requestId, new { n = 4 }, at);
            Assert.Equal(EntityState.Added, Assert.Single(db.ChangeTracker.Entries()).State);
        }

        var queued = await TestMessagesAsync(broker);
        Assert.Equal("test.queued", Assert.Single(queued).Topic);
        Assert.Equal("""{"n":3}""", queued[0].PayloadJson);
    }

    [Fact]
    public async Task A_queued_row_is_inserted_with_the_values_it_had_when_its_parameters_were_bound()
    {
        await using var broker = new BrokerFactory();
        var requestId = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());

        await using (var scope = broker.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();
            using var queue = db.QueueNewRows();
            OutboxEntries.Add(db, "test.bound", "agency:gb-met", requestId, new { n = 1 }, DateTimeOffset.UnixEpoch);
            db.BindQueuedRows();
            var message = (OutboxMessage)db.QueuedRows.Single().Entity;
            message.LastError = "changed after binding";
            OutboxEntries.Add(db, "test.unbound", "agency:gb-met", requestId, new { n = 2 }, DateTimeOffset.UnixEpoch);

            await InsertInOneTransactionAsync(db);
        }

        var saved = await TestMessagesAsync(broker);
        Assert.Equal(["test.bound", "test.unbound"], saved.Select(m => m.Topic));
        Assert.Null(saved[0].LastError);
    }

    [Fact]
    public async Task A_queued_row_whose_key_is_still_to_be_generated_is_saved_by_the_change_tracker_which_generates_it()
    {
        await using var broker = new BrokerFactory();
        var requestId = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());

        await using (var scope = broker.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();
            using var queue = db.QueueNewRows();
            db.AddRow(new OutboxMessage
            {
                Id = Guid.Empty, Topic = "test.no-key", Recipient = "agency:gb-met", RequestId = requestId, PayloadJson = "{}",
                CreatedAt = DateTimeOffset.UnixEpoch, NextAttemptAt = DateTimeOffset.UnixEpoch,
            });
            await InsertInOneTransactionAsync(db);
        }

        Assert.NotEqual(Guid.Empty, Assert.Single(await TestMessagesAsync(broker)).Id);
    }

    [Fact]
    public async Task A_connection_inserts_with_the_statements_it_kept_in_its_next_transactions_and_after_it_is_reopened()
    {
        await using var broker = new BrokerFactory();
        var requestId = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        await using var scope = broker.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();
        var table = AddedRows.TableFor(db, typeof(IdempotencyRecord))!;

        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(broker.ConnectionString);
        foreach (var round in new[] { "first", "second", "after-reopen" })
        {
            if (round == "after-reopen")
            {
                await connection.CloseAsync(); // disposes the statements it kept
            }

            if (connection.State != System.Data.ConnectionState.Open)
            {
                await connection.OpenAsync();
            }

            await using var transaction = await connection.BeginTransactionAsync();
            await using var parameters = connection.CreateCommand();
            var key = new IdempotencyRecord
            {
                ClientId = "met-case-system", Key = $"kept-statements-{round}", BodyHash = new string('0', 64), RequestId = requestId,
                CreatedAt = DateTimeOffset.UnixEpoch,
            };
            await AddedRows.InsertBoundAsync(connection, transaction, [AddedRows.Bind(table, key, parameters)], CancellationToken.None);
            await transaction.CommitAsync();
        }

        var keys = await broker.WithDbAsync(check => check.IdempotencyRecords
            .Where(k => k.Key.StartsWith("kept-statements-")).Select(k => k.Key).OrderBy(k => k).ToListAsync());
        Assert.Equal(["kept-statements-after-reopen", "kept-statements-first", "kept-statements-second"], keys);
    }

    private static async Task InsertInOneTransactionAsync(BrokerDbContext db)
    {
        await using var transaction = await db.Database.BeginTransactionAsync();
        await db.InsertAddedAsync(CancellationToken.None);
        await transaction.CommitAsync();
    }

    /// <summary>The outbox messages a test queued (topics "test.…"), by topic.</summary>
    private static async Task<List<OutboxMessage>> TestMessagesAsync(BrokerFactory broker)
    {
        await using var scope = broker.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<BrokerDbContext>().Outbox
            .Where(m => m.Topic.StartsWith("test.")).OrderBy(m => m.Topic).ToListAsync();
    }

    private static async Task AssertSameRowsAsSaveChangesAsync(BrokerFactory broker)
    {
        using var met = await broker.ClientAsync("met-case-system");
        using var direct = new HttpRequestMessage(HttpMethod.Post, "/api/v1/requests")
        {
            Content = JsonContent(SampleRequests.MetToNorthwindSubscriber()),
        };
        direct.Headers.Add("Idempotency-Key", "added-rows-1");
        using var filedDirect = await met.SendAsync(direct);
        Assert.Equal(HttpStatusCode.Created, filedDirect.StatusCode);
        await broker.FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind()); // MLAT: a draft and its clock

        await using var scope = broker.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();
        var tables = new[] { typeof(EvidenceRequest), typeof(StoredDecision), typeof(Deadline), typeof(OutboxMessage), typeof(IdempotencyRecord), typeof(MlatDraft) }
            .Select(type => db.Model.FindEntityType(type)!.GetTableName()!).ToArray();
        var written = await RowsAsync(db, tables);
        Assert.All(tables, table => Assert.NotEmpty(written[table]));

        // The same entities, read back through EF Core, deleted, and written again by SaveChanges.
        object[] entities =
        [
            .. await db.Requests.AsNoTracking().ToListAsync(), .. await db.Decisions.AsNoTracking().ToListAsync(),
            .. await db.Deadlines.AsNoTracking().ToListAsync(), .. await db.Outbox.AsNoTracking().ToListAsync(),
            .. await db.IdempotencyRecords.AsNoTracking().ToListAsync(), .. await db.MlatDrafts.AsNoTracking().ToListAsync(),
        ];
        foreach (var table in tables.Reverse())
        {
#pragma warning disable EF1002 // table names come from the model, not from input
            await db.Database.ExecuteSqlRawAsync($"DELETE FROM \"{table}\"");
#pragma warning restore EF1002
        }

        db.AddRange(entities);
        await db.SaveChangesAsync();

        var rewritten = await RowsAsync(db, tables);
        Assert.All(tables, table => Assert.Equal(written[table], rewritten[table]));
    }

    private static StringContent JsonContent(System.Text.Json.Nodes.JsonObject body) =>
        new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");

    /// <summary>Every row of each table as the database stores it, one string per column, in a stable order.</summary>
    private static async Task<Dictionary<string, List<string>>> RowsAsync(BrokerDbContext db, string[] tables)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        try
        {
            var rows = new Dictionary<string, List<string>>();
            foreach (var table in tables)
            {
                await using var command = connection.CreateCommand();
                command.CommandText = $"SELECT * FROM \"{table}\"";
                await using var reader = await command.ExecuteReaderAsync();
                var list = new List<string>();
                while (await reader.ReadAsync())
                {
                    list.Add(string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i =>
                        $"{reader.GetName(i)}={Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)}:{reader.GetFieldType(i).Name}")));
                }

                list.Sort(StringComparer.Ordinal);
                rows[table] = list;
            }

            return rows;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
