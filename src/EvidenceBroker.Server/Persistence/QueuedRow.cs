using System.Data.Common;

namespace EvidenceBroker.Server.Persistence;

/// <summary>A new row a context queued for <see cref="AddedRows.InsertAddedAsync"/> instead of tracking it.</summary>
internal sealed class QueuedRow(object entity)
{
    public object Entity { get; } = entity;

    /// <summary>Its INSERT's parameters, once <see cref="AddedRows.BindQueuedRows"/> has made them; null until then.</summary>
    public IReadOnlyList<DbParameter>? Parameters { get; set; }
}
