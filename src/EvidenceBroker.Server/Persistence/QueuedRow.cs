namespace EvidenceBroker.Server.Persistence;

/// <summary>A new row a context queued for <see cref="AddedRows.InsertAddedAsync"/> instead of tracking it.</summary>
internal sealed class QueuedRow(object entity)
{
    public object Entity { get; } = entity;

    /// <summary>Its INSERT, once <see cref="AddedRows.BindQueuedRows"/> has made it; null until then.</summary>
    public AddedRows.BoundInsert? Insert { get; set; }
}
