using System.ComponentModel.DataAnnotations;

namespace EvidenceBroker.Server.Exports;

public sealed class ExportOptions
{
    public const string Section = "Exports";

    /// <summary>
    /// The most audit entries one audit trail export lists. Every entry takes a few lines of the PDF, which is laid out
    /// in memory and kept in the database: 20,000 entries are some 2,900 pages and 10 MB, built in about 15 s. A larger
    /// period is refused, naming how many entries it holds, so that it is asked for in parts or narrowed to a subject or
    /// an action.
    /// </summary>
    [Range(1, 100_000)]
    public int AuditTrailMaxEntries { get; set; } = 20_000;
}
