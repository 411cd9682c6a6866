using System.ComponentModel.DataAnnotations;

namespace EvidenceBroker.Server.Requests;

/// <summary>Bound from the "Storage" section: where production packages are kept, outside the database.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    [Required(AllowEmptyStrings = false)]
    public string Root { get; set; } = "data/productions";

    [Range(1, long.MaxValue)]
    public long MaxProductionBytes { get; set; } = 1L << 30;
}
