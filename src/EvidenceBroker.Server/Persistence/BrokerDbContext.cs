using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Notifications;
using EvidenceBroker.Server.ReferenceData;
using EvidenceBroker.Server.Requests;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace EvidenceBroker.Server.Persistence;

/// <summary>
/// The broker's one database. Each provider (SQLite, PostgreSQL) has a subclass with its own migrations and
/// the few behaviours that differ, such as how a write transaction serialises audit appends.
/// </summary>
public abstract class BrokerDbContext(DbContextOptions options)
    : IdentityDbContext<PortalUser>(options), Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.IDataProtectionKeyContext
{
    private List<QueuedRow>? queuedRows; // while the context queues new rows (QueueNewRows)
    private string? batchKey;
    private BatchSeal? batchSeal;
    private bool batchSealResolved;
    private ILogger? writeBatchLog;

    public DbSet<EvidenceRequest> Requests => Set<EvidenceRequest>();
    public DbSet<StoredDecision> Decisions => Set<StoredDecision>();
    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<Clarification> Clarifications => Set<Clarification>();
    public DbSet<Production> Productions => Set<Production>();
    public DbSet<RequestNote> RequestNotes => Set<RequestNote>();
    public DbSet<Sla.Deadline> Deadlines => Set<Sla.Deadline>();
    public DbSet<Mlat.MlatDraft> MlatDrafts => Set<Mlat.MlatDraft>();
    public DbSet<AuditCheckpoint> AuditCheckpoints => Set<AuditCheckpoint>();
    public DbSet<AuditSeal> AuditSeals => Set<AuditSeal>();
    public DbSet<Exports.ExportJob> ExportJobs => Set<Exports.ExportJob>();
    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();
    public DbSet<WebhookSecret> WebhookSecrets => Set<WebhookSecret>();
    public DbSet<Agency> Agencies => Set<Agency>();
    public DbSet<Provider> Providers => Set<Provider>();
    public DbSet<ApiClient> ApiClients => Set<ApiClient>();
    public DbSet<Routing.PolicyPackVersion> PolicyPacks => Set<Routing.PolicyPackVersion>();
    public DbSet<Routing.CountrySuspension> CountrySuspensions => Set<Routing.CountrySuspension>();
    public DbSet<Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey> DataProtectionKeys => Set<Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey>();

    /// <summary>
    /// Begins a transaction for a change that appends to the audit chain. Appenders are serialised so that two
    /// concurrent changes cannot both extend the same head.
    /// </summary>
    public virtual Task<IDbContextTransaction> BeginWriteAsync(CancellationToken ct) =>
        Database.BeginTransactionAsync(ct);

    /// <summary>
    /// Adds a new row to the unit of work. EF Core tracks it, and SaveChanges inserts it; but while the context
    /// <see cref="QueueNewRows">queues new rows</see>, it is kept aside untracked for
    /// <see cref="AddedRows.InsertAddedAsync"/> instead. Features that add rows on the filing path (audit entries,
    /// deadlines, outbox messages, MLAT drafts) add them here, so filing a request need not track rows it only inserts.
    /// </summary>
    public void AddRow<TRow>(TRow row)
        where TRow : class
    {
        ArgumentNullException.ThrowIfNull(row);
        if (queuedRows is not null)
        {
            queuedRows.Add(new QueuedRow(row));
        }
        else
        {
            Set<TRow>().Add(row);
        }
    }

    /// <summary>
    /// Until the returned scope ends, <see cref="AddRow{TRow}"/> queues rows instead of tracking them: for a unit of
    /// work that only inserts, and ends with <see cref="AddedRows.InsertAddedAsync"/>. Tracking a row costs EF Core an
    /// identity-map entry, a snapshot of its values and a walk of its graph: when filing stopped tracking its rows, the
    /// broker's CPU per filing fell by about a fifth (eb-load). SaveChanges does not see queued rows.
    /// </summary>
    public IDisposable QueueNewRows()
    {
        if (queuedRows is not null)
        {
            throw new InvalidOperationException("This context queues new rows already.");
        }

        queuedRows = [];
        return new QueueScope(this);
    }

    /// <summary>The rows <see cref="AddRow{TRow}"/> queued, oldest first; empty unless the context queues them.</summary>
    internal IReadOnlyList<QueuedRow> QueuedRows => queuedRows ?? (IReadOnlyList<QueuedRow>)[];

    /// <summary>Hands the queued rows to the change tracker, for SaveChanges to insert.</summary>
    internal void TrackQueuedRows()
    {
        foreach (var row in QueuedRows)
        {
            Add(row.Entity);
        }

        queuedRows?.Clear();
    }

    /// <summary>Forgets every change of the unit of work, queued rows included.</summary>
    public void DiscardChanges()
    {
        ChangeTracker.Clear();
        queuedRows?.Clear();
    }

    /// <summary>
    /// Hands the queued rows, bound already (<see cref="AddedRows.BindQueuedRows"/>), to the write batch together with
    /// the audit entries to chain after them, and returns once they are durable. A change that only inserts need not
    /// take the writers' turn itself (see <see cref="SubmittedChange"/>). Returns false, having done nothing, when a
    /// row is not bound or the context tracks changes: such a unit of work takes the turn itself
    /// (<see cref="BeginWriteAsync"/>). A refused row surfaces as a <see cref="DbUpdateException"/>, and a
    /// <paramref name="precondition"/> that no longer held as a <see cref="StaleChangeException"/>: either way the
    /// change left no trace.
    /// </summary>
    internal async Task<bool> TrySubmitQueuedRowsAsync(IChainedRows chained, ChangePrecondition? precondition = null)
    {
        if (QueuedRows.Any(row => row.Insert is null) || ChangeTracker.Entries().Any(entry => entry.State != EntityState.Unchanged))
        {
            return false;
        }

        var rows = QueuedRows.Select(row => row.Insert!).OrderBy(row => row.Table.Rank).ToArray(); // parents first
        await WriteBatch.SubmitAsync(new SubmittedChange(rows, chained, precondition));
        return true;
    }

    /// <summary>The write batch of this context's database, shared by its writers in this process.</summary>
    private protected abstract GroupCommit WriteBatch { get; }

    /// <summary>
    /// Names this database's write batch (<see cref="GroupCommit.For"/>): the connection string as configured. The
    /// connection's own string will not do: a batch hands the context connections of its own, and Npgsql drops the
    /// password from the string of a connection once opened, so a context that had taken one turn named a second batch
    /// at its next, whose connections could not sign in to a server that asks for a password.
    /// </summary>
    private protected string BatchKey => batchKey ??=
        this.GetService<IDbContextOptions>().Extensions.OfType<RelationalOptionsExtension>().FirstOrDefault()?.ConnectionString
        ?? Database.GetConnectionString() ?? string.Empty;

    /// <summary>
    /// Seals what this database's write batches append, with the broker's audit key from the application's services;
    /// null for a context made without them (tools, some tests), whose entries stay unsealed.
    /// </summary>
    private protected BatchSeal? BatchSeal
    {
        get
        {
            if (!batchSealResolved)
            {
                var services = this.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.ApplicationServiceProvider;
                batchSeal = Audit.BatchSeal.For(this, services?.GetService(typeof(AuditSigningKey)) as AuditSigningKey);
                batchSealResolved = true;
            }

            return batchSeal;
        }
    }

    /// <summary>Where this database's write batches log a failure no writer is left to hear of (none without a host).</summary>
    private protected ILogger WriteBatchLog => writeBatchLog ??=
        this.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.ApplicationServiceProvider is { } services
            ? WriteBatchLogs.GetValue(services, CreateWriteBatchLog)
            : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>One logger per host, made once: a context is made for every request, and its logger on the way to writing.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IServiceProvider, ILogger> WriteBatchLogs = new();

    private static ILogger CreateWriteBatchLog(IServiceProvider services) =>
        (services.GetService(typeof(ILoggerFactory)) as ILoggerFactory)?.CreateLogger(typeof(GroupCommit).FullName!)
        ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>Whether saving failed because a row's unique key (primary key or unique index) is taken.</summary>
    public abstract bool IsUniqueViolation(DbUpdateException exception);

    /// <summary>
    /// While this context's change runs in a shared write batch: the audit chain's head as the batch has moved it,
    /// so an appender need not read it back from the database. Null outside a batch.
    /// </summary>
    internal IAuditChainCursor? ChainCursor { get; set; }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.UseOpenIddict();
        builder.ApplyConfigurationsFromAssembly(typeof(BrokerDbContext).Assembly);

        builder.Entity<ApiClient>(client =>
        {
            client.ToTable("api_clients");
            client.HasKey(c => c.ClientId);
            client.Property(c => c.ClientId).HasMaxLength(100);
            client.Property(c => c.DisplayName).HasMaxLength(200);
            client.Property(c => c.TenantKind).HasConversion<string>().HasMaxLength(20);
            client.Property(c => c.TenantId).HasMaxLength(64);
            client.Property(c => c.Country).HasMaxLength(2);
            client.Ignore(c => c.Tenant);
        });

        builder.Entity<PortalUser>(user =>
        {
            user.Property(u => u.DisplayName).HasMaxLength(200);
            user.Property(u => u.TenantKind).HasConversion<string>().HasMaxLength(20);
            user.Property(u => u.TenantId).HasMaxLength(64);
            user.Property(u => u.Country).HasMaxLength(2);
            user.Property(u => u.Role).HasMaxLength(40);
            user.Ignore(u => u.Tenant);
        });
    }

    private sealed class QueueScope(BrokerDbContext db) : IDisposable
    {
        public void Dispose() => db.queuedRows = null;
    }
}
