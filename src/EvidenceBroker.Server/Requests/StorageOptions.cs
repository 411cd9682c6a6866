namespace EvidenceBroker.Server.Requests;

/// <summary>Bound from the "Storage" section: where production packages are kept, outside the database.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    public string Root { get; set; } = "data/productions";

    public long MaxProductionBytes { get; set; } = 1L << 30;
}
