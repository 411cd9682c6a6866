using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace EvidenceBroker.Server.Persistence;

/// <summary>
/// Saves a unit of work that only adds rows, with one INSERT per row whose text, columns and parameter types come
/// from EF Core's own model (table and column names, value converters, type mappings) and are worked out once per
/// entity type. EF Core's SaveChanges spends most of its time sorting, batching and generating the same statements
/// for every filing, inside the turn that only one writer holds at a time. Whatever a plain INSERT cannot say —
/// rows changed or deleted, columns the database fills in or defaults, owned, complex or inherited types — goes
/// through SaveChanges as before, so the model stays the one source of truth for the schema.
/// </summary>
internal static class AddedRows
{
    private static readonly ConcurrentDictionary<IModel, ModelPlan> Plans = new();

    /// <summary>
    /// Commands kept per connection while it stays open: SQLite keeps each command's compiled statement, so only the
    /// first insert into each table pays for compiling it. A write batch's connection stays open from one batch to the
    /// next (<see cref="BatchConnection"/>), so its statements are compiled once, not once per batch. Closing the
    /// connection disposes them, and the next insert after a reopen makes new ones. Only the writer holding the turn
    /// uses the connection.
    /// </summary>
    private static readonly ConditionalWeakTable<DbConnection, Dictionary<TablePlan, DbCommand>> Prepared = new();

    /// <summary>
    /// Inserts every row the context queued (<see cref="BrokerDbContext.AddRow{TRow}"/>) and every added entity it
    /// tracks, parents before children, inside the context's current transaction. Leaves tracked entities as added
    /// (the context is expected to end with the unit of work). A refused insert surfaces as a
    /// <see cref="DbUpdateException"/>, as it would from SaveChanges.
    /// </summary>
    public static async Task InsertAddedAsync(this BrokerDbContext db, CancellationToken ct)
    {
        var plan = PlanOf(db);
        var added = new List<NewRow>(db.QueuedRows.Count + 4);
        foreach (var row in db.QueuedRows)
        {
            if (row.Insert is { } bound)
            {
                added.Add(new NewRow(row.Entity, null, bound.Table, bound.Parameters)); // checked when it was bound
                continue;
            }

            if (UntrackedTable(db, plan, row.Entity) is not { } table)
            {
                await SaveWithChangeTrackerAsync(db, ct);
                return;
            }

            added.Add(new NewRow(row.Entity, null, table, null));
        }

        foreach (var entry in db.ChangeTracker.Entries())
        {
            if (entry.State == EntityState.Unchanged)
            {
                continue;
            }

            if (entry.State != EntityState.Added || plan.For(entry.Metadata) is not { } table || HasTemporaryValues(entry, table))
            {
                await SaveWithChangeTrackerAsync(db, ct);
                return;
            }

            added.Add(new NewRow(entry.Entity, entry, table, null));
        }

        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        added.Sort(static (a, b) => a.Table.Rank.CompareTo(b.Table.Rank)); // parents first, so every foreign key finds its row
        try
        {
            if (connection.CanCreateBatch)
            {
                await InsertInOneRoundTripAsync(connection, transaction, added, ct);
            }
            else
            {
                await InsertOneByOneAsync(connection, transaction, added, ct);
            }
        }
        catch (DbException e)
        {
            throw new DbUpdateException("The database refused a new row.", e, [.. added.Where(row => row.Entry is not null).Select(row => row.Entry!)]);
        }
    }

    /// <summary>
    /// Makes the INSERT parameters of every row queued so far, from the rows' values as they are now, so that the
    /// writers' turn, which one writer holds at a time, only has to execute the statements. Converting values (the
    /// request's content to JSON, instants, enums) and making a parameter per column was about a third of the
    /// inserts' CPU in a profile. A row changed after this is inserted as it was when bound: call it once the rows
    /// are complete.
    /// </summary>
    public static void BindQueuedRows(this BrokerDbContext db)
    {
        var plan = PlanOf(db);
        using var factory = db.Database.GetDbConnection().CreateCommand(); // type mappings make parameters through a command
        foreach (var row in db.QueuedRows)
        {
            if (row.Insert is null && UntrackedTable(db, plan, row.Entity) is { } table)
            {
                row.Insert = Bind(table, row.Entity, factory);
            }
        }
    }

    /// <summary>The table rows of <paramref name="type"/> go to, or null if only SaveChanges can insert them.</summary>
    internal static TablePlan? TableFor(BrokerDbContext db, Type type) =>
        db.Model.FindEntityType(type) is { } entityType ? PlanOf(db).For(entityType) : null;

    /// <summary>A row's INSERT with its parameters, made through a command of the connection it will run on.</summary>
    internal static BoundInsert Bind(TablePlan table, object row, DbCommand parameterFactory) =>
        new(table, Parameters(parameterFactory, new NewRow(row, null, table, null)));

    /// <summary>Adds a bound row's INSERT to a statement batch.</summary>
    internal static void AddTo(DbBatch batch, BoundInsert row) => AddInsert(batch, row.Table, row.Parameters);

    private static void AddInsert(DbBatch batch, TablePlan table, IEnumerable<DbParameter> parameters)
    {
        var command = Statement(batch, table.Sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter);
        }

        batch.BatchCommands.Add(command);
    }

    /// <summary>
    /// Executes bound INSERTs one by one, with the statements the connection keeps for the transaction. For SQLite: a
    /// kept Npgsql command given new parameters of the same names ran with its first ones (a duplicate key, seen).
    /// </summary>
    internal static async Task InsertBoundAsync(
        DbConnection connection, DbTransaction transaction, IEnumerable<BoundInsert> rows, CancellationToken ct)
    {
        var prepared = PreparedFor(connection);
        foreach (var row in rows)
        {
            await ExecuteInsertAsync(PreparedCommand(prepared, connection, row.Table), transaction, row.Parameters, ct);
        }
    }

    private static async Task ExecuteInsertAsync(
        DbCommand command, DbTransaction? transaction, IEnumerable<DbParameter> parameters, CancellationToken ct)
    {
        command.Transaction = transaction;
        command.Parameters.Clear();
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter);
        }

        await command.ExecuteNonQueryAsync(ct);
    }

    private static DbCommand PreparedCommand(Dictionary<TablePlan, DbCommand> prepared, DbConnection connection, TablePlan table)
    {
        if (!prepared.TryGetValue(table, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = table.Sql;
            prepared.Add(table, command);
        }

        return command;
    }

    private static ModelPlan PlanOf(BrokerDbContext db) =>
        Plans.GetOrAdd(db.Model, _ => new ModelPlan(db.GetService<ISqlGenerationHelper>()));

    /// <summary>The table a queued row goes to, or null if only SaveChanges can insert it.</summary>
    private static TablePlan? UntrackedTable(BrokerDbContext db, ModelPlan plan, object row) =>
        db.Model.FindEntityType(row.GetType()) is { } type && plan.For(type) is { } table && table.CanInsertUntracked(row) ? table : null;

    /// <summary>
    /// What a plain INSERT cannot say goes through SaveChanges, queued rows included: they are handed to the change
    /// tracker first, which also gives any key still to be generated its value.
    /// </summary>
    private static async Task SaveWithChangeTrackerAsync(BrokerDbContext db, CancellationToken ct)
    {
        db.TrackQueuedRows();
        await db.SaveChangesAsync(acceptAllChangesOnSuccess: false, ct);
    }

    /// <summary>A queued row's INSERT, made before the writers' turn: the table it goes to and its parameters.</summary>
    internal sealed record BoundInsert(TablePlan Table, IReadOnlyList<DbParameter> Parameters);

    /// <summary>
    /// A row to insert: an untracked one queued by the context, or an entity it tracks as added; with its parameters
    /// if they were bound before the writers' turn.
    /// </summary>
    private readonly record struct NewRow(object Entity, EntityEntry? Entry, TablePlan Table, IReadOnlyList<DbParameter>? Bound);

    /// <summary>A database across the network (PostgreSQL) takes every insert in one batch: one round trip.</summary>
    private static async Task InsertInOneRoundTripAsync(
        DbConnection connection, DbTransaction? transaction, List<NewRow> rows, CancellationToken ct)
    {
        await using var batch = connection.CreateBatch();
        batch.Transaction = transaction;
        await using var parameters = connection.CreateCommand(); // type mappings make their parameters through a command
        foreach (var row in rows)
        {
            AddInsert(batch, row.Table, row.Bound ?? Parameters(parameters, row));
        }

        await batch.ExecuteNonQueryAsync(ct);
    }

    internal static DbBatchCommand Statement(DbBatch batch, string sql)
    {
        var command = batch.CreateBatchCommand();
        command.CommandText = sql;
        return command;
    }

    /// <summary>An embedded database (SQLite) has no round trips to save; its cost is compiling each statement.</summary>
    private static async Task InsertOneByOneAsync(
        DbConnection connection, DbTransaction? transaction, List<NewRow> rows, CancellationToken ct)
    {
        var prepared = transaction is null ? null : PreparedFor(connection);
        foreach (var row in rows)
        {
            DbCommand command;
            if (prepared is not null)
            {
                command = PreparedCommand(prepared, connection, row.Table);
            }
            else
            {
                command = connection.CreateCommand();
                command.CommandText = row.Table.Sql;
            }

            try
            {
                await ExecuteInsertAsync(command, transaction, row.Bound ?? Parameters(command, row), ct);
            }
            finally
            {
                if (prepared is null)
                {
                    await command.DisposeAsync();
                }
            }
        }
    }

    /// <summary>
    /// One parameter per column, made by the column's type mapping (converter, provider type) as EF Core would. Values
    /// are read from the entity's own properties; only a table with shadow properties needs the tracked entry.
    /// </summary>
    private static DbParameter[] Parameters(DbCommand factory, NewRow row)
    {
        var values = row.Table.HasShadowProperties ? row.Entry!.CurrentValues : null; // a snapshot object per read
        var parameters = new DbParameter[row.Table.Columns.Count];
        for (var i = 0; i < parameters.Length; i++)
        {
            var column = row.Table.Columns[i];
            var value = values is null ? column.Property.GetGetter().GetClrValueUsingContainingEntity(row.Entity) : values[column.Property];
            parameters[i] = column.Mapping.CreateParameter(factory, column.ParameterName, value, column.Property.IsNullable);
        }

        return parameters;
    }

    private static Dictionary<TablePlan, DbCommand> PreparedFor(DbConnection connection)
    {
        if (Prepared.TryGetValue(connection, out var kept))
        {
            return kept;
        }

        var fresh = new Dictionary<TablePlan, DbCommand>(ReferenceEqualityComparer.Instance);
        Prepared.Add(connection, fresh);
        connection.StateChange += ForgetOnClose;
        return fresh;
    }

    /// <summary>Closing a connection disposes its commands' statements: the next insert after a reopen makes new ones.</summary>
    private static void ForgetOnClose(object? sender, StateChangeEventArgs e)
    {
        if (e.CurrentState == ConnectionState.Closed && sender is DbConnection connection)
        {
            connection.StateChange -= ForgetOnClose;
            if (Prepared.TryGetValue(connection, out var kept))
            {
                Prepared.Remove(connection);
                foreach (var command in kept.Values)
                {
                    command.Dispose();
                }
            }
        }
    }

    /// <summary>A key the database was to generate: only SaveChanges knows how to read it back.</summary>
    private static bool HasTemporaryValues(EntityEntry entry, TablePlan table) =>
        table.GeneratedOnAdd.Any(property => entry.Property(property).IsTemporary);

    /// <summary>One model's statements; each model (SQLite, PostgreSQL) has its own.</summary>
    private sealed class ModelPlan(ISqlGenerationHelper sql)
    {
        private readonly ConcurrentDictionary<IEntityType, TablePlan?> tables = new();

        public TablePlan? For(IEntityType type) => tables.GetOrAdd(type, Build);

        private TablePlan? Build(IEntityType type)
        {
            if (type.GetTableName() is not { } name || type.BaseType is not null || type.GetDirectlyDerivedTypes().Any()
                || type.IsOwned() || type.IsMappedToJson() || type.GetComplexProperties().Any()
                || type.GetNavigations().Any(n => n.TargetEntityType.IsOwned()) || Rank(type, []) is not { } rank)
            {
                return null;
            }

            var table = StoreObjectIdentifier.Table(name, type.GetSchema());
            var columns = new List<ColumnPlan>();
            foreach (var property in type.GetProperties())
            {
                if (property.ValueGenerated is ValueGenerated.OnUpdate or ValueGenerated.OnAddOrUpdate
                    || property.GetComputedColumnSql(table) is not null || property.GetDefaultValueSql(table) is not null
                    || property.FindAnnotation(RelationalAnnotationNames.DefaultValue) is not null
                    || property.GetColumnName(table) is not { } column)
                {
                    return null;
                }

                // The parameter's name with its prefix (@p0): without it SQLite's binder tries every prefix in turn.
                var parameter = $"p{columns.Count}";
                columns.Add(new ColumnPlan(
                    property, property.GetRelationalTypeMapping(), column, sql.GenerateParameterName(parameter),
                    sql.GenerateParameterNamePlaceholder(parameter)));
            }

            var into = $"INSERT INTO {sql.DelimitIdentifier(name, type.GetSchema())} " +
                       $"({string.Join(", ", columns.Select(c => sql.DelimitIdentifier(c.Column)))})";
            return new TablePlan(
                into, $"{into} VALUES ({string.Join(", ", columns.Select(c => c.Placeholder))})", columns, [.. type.GetProperties().Where(p => p.ValueGenerated == ValueGenerated.OnAdd)], rank,
                type.GetProperties().Any(p => p.IsShadowProperty()));
        }

        /// <summary>How many tables stand above this one through foreign keys; null for a cycle.</summary>
        private static int? Rank(IEntityType type, HashSet<IEntityType> path)
        {
            if (!path.Add(type))
            {
                return null;
            }

            var rank = 0;
            foreach (var principal in type.GetForeignKeys().Select(k => k.PrincipalEntityType).Where(p => p != type))
            {
                if (Rank(principal, path) is not { } above)
                {
                    return null;
                }

                rank = Math.Max(rank, above + 1);
            }

            path.Remove(type);
            return rank;
        }
    }

    /// <param name="Into">The INSERT's head, up to its column list; <paramref name="Sql"/> adds one row's values.</param>
    internal sealed record TablePlan(
        string Into, string Sql, IReadOnlyList<ColumnPlan> Columns, IReadOnlyList<IProperty> GeneratedOnAdd, int Rank, bool HasShadowProperties)
    {
        /// <summary>
        /// Whether an untracked row can be inserted as it stands: it has no shadow properties (only a tracked entry
        /// holds those), and no key or value EF Core would generate on adding it is still unset.
        /// </summary>
        public bool CanInsertUntracked(object row) =>
            !HasShadowProperties && GeneratedOnAdd.All(property => !property.GetGetter().HasSentinelValueUsingContainingEntity(row));
    }

    internal sealed record ColumnPlan(
        IProperty Property, RelationalTypeMapping Mapping, string Column, string ParameterName, string Placeholder);
}
